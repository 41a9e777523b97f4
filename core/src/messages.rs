//! The codes of every message the server sends outside field errors: the
//! `code` of an API error, and the `code` of an audit entry's detail. The
//! admin app words each in the admin's language from the code and its
//! `params`; `message` stays English for API users. One list, so a test can
//! prove every code has both texts.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[doc = $doc:literal])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[doc = $doc])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == code)
            }

            /// The code's doc comment (for API documentation).
            pub fn doc(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($($doc,)* "").trim_ascii(),)*
                }
            }
        }
    };
}

codes! {
    /// `error.code` of an API error.
    ApiCode {
        /// No credentials sent.
        Unauthenticated = "unauthenticated",
        /// The session cookie names a session that ended (idle, too old, signed out).
        SessionEnded = "session_ended",
        /// The API key is not (or no longer) valid.
        InvalidApiKey = "invalid_api_key",
        /// `Authorization` is not `Bearer <key>`.
        MalformedAuthorization = "malformed_authorization",
        /// Wrong user name or password.
        WrongPassword = "wrong_password",
        /// A change made with the session cookie lacks the session's `X-CSRF-Token`.
        CsrfTokenMissing = "csrf_token_missing",
        /// A browser request that did not come from the admin app's own origin.
        CrossOrigin = "cross_origin",
        /// API keys cannot manage API keys.
        ApiKeyNotAllowed = "api_key_not_allowed",
        /// The change needs a signed-in admin (a key cannot make it); `params.fields`.
        SignedInAdminRequired = "signed_in_admin_required",
        /// Only a signed-in admin has a session or a password (an API key has neither).
        NotASession = "not_a_session",
        /// Too many failed password checks from this address or for this admin; try again after `params.retry_after` seconds.
        TooManyAttempts = "too_many_attempts",
        /// Too many password checks at once; `params.retry_after`.
        ServerBusy = "server_busy",
        /// The body is not valid JSON (or repeats a key); `params.line`, `params.column`.
        InvalidJson = "invalid_json",
        /// The body is not sent as `Content-Type: application/json` (UTF-8).
        UnsupportedMediaType = "unsupported_media_type",
        /// An image upload that is not `image/png`, `image/jpeg` or `image/webp`.
        UnsupportedImageType = "unsupported_image_type",
        /// The body is not the image its `Content-Type` says, or is too many pixels; `params.detail`.
        InvalidImage = "invalid_image",
        /// The secret to regenerate is not in use (`params.secret`): turn on what uses it first.
        SecretNotInUse = "secret_not_in_use",
        /// The body is larger than `params.limit` bytes.
        PayloadTooLarge = "payload_too_large",
        /// A query parameter, path segment or header is missing or malformed; `fields` names it.
        BadRequest = "bad_request",
        /// Some fields are refused; `fields` lists each with its own code. Nothing was saved.
        ValidationFailed = "validation_failed",
        /// Some values are already used by another record; `fields` names them.
        Conflict = "conflict",
        /// There is no site `params.site`.
        UnknownSite = "unknown_site",
        /// There is no API key with that id.
        UnknownApiKey = "unknown_api_key",
        /// There is no chatbot with that id.
        UnknownChatbot = "unknown_chatbot",
        /// The chatbot is a site's chat (`params.sites`; `params.instance`: the instance settings name it); choose another chat there first.
        ChatbotInUse = "chatbot_in_use",
        /// There is no such endpoint.
        NotFound = "not_found",
        /// `If-Match` names a revision that is no longer current: someone changed the record since it was read.
        PreconditionFailed = "precondition_failed",
        /// The endpoint does not accept that HTTP method.
        MethodNotAllowed = "method_not_allowed",
        /// First-run setup is done already: there is an administrator.
        AlreadySetUp = "already_set_up",
        /// First-run setup from a host name that is not loopback, without `--public-url`.
        SetupHostNotAllowed = "setup_host_not_allowed",
        /// Nothing would answer the chatbot: it has no model, webhook or bot API.
        NothingAnswers = "nothing_answers",
        /// There is no conversation with that id for this chatbot.
        UnknownConversation = "unknown_conversation",
        /// There is no webhook delivery with that id for this chatbot.
        UnknownDelivery = "unknown_delivery",
        /// The conversation token is missing, malformed, or another conversation's: start a new conversation.
        InvalidConversationToken = "invalid_conversation_token",
        /// The conversation token's days are over (`params.expired_at`): start a new conversation.
        ConversationExpired = "conversation_expired",
        /// There is no answer with that id in this conversation.
        UnknownMessage = "unknown_message",
        /// This site's chat is for signed-in visitors only.
        GuestsNotAllowed = "guests_not_allowed",
        /// The chatbot is not this site's chat (any more); `params.site`.
        NotThisSitesChat = "not_this_sites_chat",
        /// Too many messages from this visitor or address; try again after `params.retry_after` seconds (`params.limit`: `visitor` or `address`).
        VisitorRateLimited = "visitor_rate_limited",
        /// The chatbot used up its daily token budget (`params.budget`); it answers again tomorrow (UTC).
        TokenBudgetExhausted = "token_budget_exhausted",
        /// Too many model calls are running at once; try again after `params.retry_after` seconds.
        ModelBusy = "model_busy",
        /// The model service refused the API key (`params.status`, `params.detail`).
        ModelUnauthorized = "model_unauthorized",
        /// The model service does not know the model or the Azure deployment (`params.detail`).
        ModelNotFound = "model_not_found",
        /// The model service is rate limiting the key; `params.retry_after` when it said.
        ModelRateLimited = "model_rate_limited",
        /// The model service's quota for the key is used up (`params.detail`).
        ModelQuotaExceeded = "model_quota_exceeded",
        /// The model service's content filter refused the conversation.
        ModelContentFiltered = "model_content_filtered",
        /// The model service refused the request (`params.status`, `params.detail`).
        ModelRejected = "model_rejected",
        /// The model service failed or answered something unreadable (`params.detail`).
        ModelUnavailable = "model_unavailable",
        /// The model service did not answer in time.
        ModelTimeout = "model_timeout",
        /// The server may not call that address (`params.host`, `params.address`); the operator can allow it with `--egress-allow`.
        EgressRefused = "egress_refused",
        /// The change could not be stored; nothing was changed.
        StorageError = "storage_error",
        /// Something failed on the server; nothing was changed.
        InternalError = "internal_error",
    }
}

impl ApiCode {
    /// The HTTP status every answer with this code has.
    pub fn status(self) -> u16 {
        use ApiCode::*;
        match self {
            InvalidJson | BadRequest => 400,
            Unauthenticated
            | SessionEnded
            | InvalidApiKey
            | MalformedAuthorization
            | WrongPassword
            | InvalidConversationToken
            | ConversationExpired => 401,
            CsrfTokenMissing
            | CrossOrigin
            | ApiKeyNotAllowed
            | SignedInAdminRequired
            | NotASession
            | SetupHostNotAllowed
            | GuestsNotAllowed => 403,
            UnknownSite | UnknownApiKey | UnknownChatbot | UnknownConversation
            | UnknownDelivery | UnknownMessage | NotFound => 404,
            MethodNotAllowed => 405,
            Conflict | AlreadySetUp => 409,
            PreconditionFailed => 412,
            PayloadTooLarge => 413,
            UnsupportedMediaType | UnsupportedImageType => 415,
            ValidationFailed | InvalidImage => 422,
            SecretNotInUse | NothingAnswers | ChatbotInUse | NotThisSitesChat => 409,
            ModelContentFiltered => 422,
            TooManyAttempts | ServerBusy | TokenBudgetExhausted | VisitorRateLimited => 429,
            StorageError | InternalError => 500,
            ModelUnauthorized | ModelNotFound | ModelQuotaExceeded | ModelRejected
            | ModelUnavailable | EgressRefused => 502,
            ModelBusy | ModelRateLimited => 503,
            ModelTimeout => 504,
        }
    }
}

codes! {
    /// Why the last fetch of a calendar feed failed (`last_error.code`).
    CalendarFeedError {
        /// No connection to the feed's server (`params.detail`).
        Unreachable = "unreachable",
        /// The feed's server did not answer in time.
        Timeout = "timeout",
        /// The feed's server answered with HTTP status `params.status` (redirects are not followed: give the final URL).
        HttpStatus = "http_status",
        /// The feed is larger than `params.limit` bytes.
        TooLarge = "too_large",
        /// The feed's host is not a public address (`params.host`, `params.address`); the operator can allow it with `--egress-allow`.
        NotAllowed = "not_allowed",
        /// The answer is not an iCalendar text (`params.problem` says where).
        InvalidCalendar = "invalid_calendar",
    }
}

codes! {
    /// `code` of an audit entry's detail.
    AuditCode {
        WrongPassword = "wrong_password",
        /// A summary: `params.refused`, `params.failed`, `params.addresses`.
        NotItemized = "not_itemized",
        /// `params.name`: the deleted key's name.
        KeyNamed = "key_named",
        /// The change was refused; `params.fields`.
        SignedInAdminRequired = "signed_in_admin_required",
        /// Refused by the sign-in throttle (a signed-in admin's password checks).
        TooManyAttempts = "too_many_attempts",
        /// A calendar feed read on request failed (`params.error`: its code); the last good copy stays in use.
        CalendarUnreadable = "calendar_unreadable",
    }
}

codes! {
    /// `action` of an audit entry: what was done.
    AuditAction {
        SiteCreate = "site.create",
        SiteUpdate = "site.update",
        SiteDelete = "site.delete",
        SiteClickToChatUpdate = "site.click_to_chat.update",
        InstanceClickToChatUpdate = "instance.click_to_chat.update",
        SiteRulesUpdate = "site.rules.update",
        InstanceRulesUpdate = "instance.rules.update",
        /// `params.host`: an admin had a calendar feed read now.
        CalendarRefresh = "calendar.refresh",
        ApiKeyCreate = "api_key.create",
        ApiKeyRename = "api_key.rename",
        ApiKeyRegenerate = "api_key.regenerate",
        ApiKeyDelete = "api_key.delete",
        ChatbotCreate = "chatbot.create",
        ChatbotUpdate = "chatbot.update",
        ChatbotDelete = "chatbot.delete",
        /// `params.secret`: which secret was replaced.
        ChatbotRegenerate = "chatbot.regenerate",
        /// `params.slot`: photo or cover.
        ChatbotImageSet = "chatbot.image.set",
        ChatbotImageClear = "chatbot.image.clear",
        /// An admin started a conversation in "Try it".
        ChatbotTry = "chatbot.try",
        /// `params.delivery`: an admin had a webhook delivery sent again.
        ChatbotDeliveryResend = "chatbot.delivery.resend",
        /// `params.bot`, `params.site`, `params.started_at`: whose conversation.
        ConversationDelete = "conversation.delete",
        /// `params.since`, `params.until`, `params.format`, and the filters.
        ConversationsExport = "conversations.export",
        /// `params.retention_days`: the new retention.
        ConversationSettingsUpdate = "conversations.settings.update",
        /// `params.removed`: the server removed conversations past the retention.
        ConversationsExpire = "conversations.expire",
        SessionLogin = "session.login",
        SessionLogout = "session.logout",
        SessionLogoutEverywhere = "session.logout_everywhere",
        AccountPasswordChange = "account.password_change",
        SetupCreateAdmin = "setup.create_admin",
        /// The admin created at start-up from `SWITCHBOARD_ADMIN_PASSWORD`.
        AdminCreate = "admin.create",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_text_and_serde() {
        for code in ApiCode::ALL {
            assert_eq!(ApiCode::parse(code.as_str()), Some(*code));
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::from(code.as_str()))
            );
        }
        for code in ApiCode::ALL {
            assert!(
                !code.doc().is_empty(),
                "{code:?} has no doc comment (the API documentation shows it)"
            );
        }
        for code in AuditCode::ALL {
            assert_eq!(AuditCode::parse(code.as_str()), Some(*code));
        }
        for code in CalendarFeedError::ALL {
            assert_eq!(CalendarFeedError::parse(code.as_str()), Some(*code));
        }
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
    }
}
