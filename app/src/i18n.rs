//! Every string the admin app shows, in English and Japanese. The `texts!`
//! table makes a string without both languages a compile error; the tests
//! check that none is empty or left untranslated. Catalog strings (provider
//! labels and help, strategies) come from `switchboard_core` in both languages.

use switchboard_core::text::Localized;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ja => "ja",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.get(..2)?.to_ascii_lowercase().as_str() {
            "en" => Some(Self::En),
            "ja" => Some(Self::Ja),
            _ => None,
        }
    }

    /// Picks the language of a core catalog string.
    pub fn pick(self, text: Localized) -> &'static str {
        match self {
            Self::En => text.en,
            Self::Ja => text.ja,
        }
    }
}

/// `text` with each `{name}` replaced by `params[name]` (numbers and text).
pub fn fill(text: &str, params: &serde_json::Value) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match params.get(name) {
                    Some(serde_json::Value::String(value)) => out.push_str(value),
                    Some(value) if value.is_u64() => {
                        out.push_str(&value.as_u64().unwrap_or_default().to_string())
                    }
                    Some(serde_json::Value::Array(items)) => {
                        let names: Vec<&str> =
                            items.iter().filter_map(serde_json::Value::as_str).collect();
                        out.push_str(&names.join(", "));
                    }
                    _ => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A table of strings in both languages.
pub trait Text: Copy + Send + Sync + 'static {
    fn text(self, lang: Lang) -> &'static str;
}

macro_rules! texts {
    ($(#[$doc:meta])* $name:ident { $($key:ident => $en:literal, $ja:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($key),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$key),*];

            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$key, Lang::En) => $en, ($name::$key, Lang::Ja) => $ja,)*
                }
            }
        }

        impl Text for $name {
            fn text(self, lang: Lang) -> &'static str {
                self.get(lang)
            }
        }
    };
}

texts! {
    /// A user-facing string of the admin app.
    T {
    EnableSiteC2cHelp => "Turned off, this site shows no chat whenever its own settings apply.", "オフにすると、このサイト自身の設定が適用されるとき、このサイトにはチャットを表示しません。";
    SkipToContent => "Skip to content", "本文へ移動";
    MainNavigation => "Main", "メインメニュー";
    NavClickToChat => "Click to Chat", "Click to Chat";
    NavSites => "Sites", "サイト";
    NavApiKeys => "API access keys", "API アクセスキー";
    NavChatbots => "Chatbots", "チャットボット";
    DeleteChatbotTitle => "Delete this chatbot?", "このチャットボットを削除しますか？";
    DeleteChatbotWarning => "Its API key, webhook token and secret, and images are deleted with it. Programs using them stop working. This cannot be undone.", "API キー、Webhook のトークンとシークレット、画像も削除され、それらを使うプログラムは動かなくなります。元に戻せません。";
    NavAudit => "Audit log", "監査ログ";
    NavConversations => "Conversations", "会話";
    Language => "Language", "言語";
    SignedInAs => "Signed in as", "ログイン中:";
    SignOut => "Sign out", "ログアウト";
    AccountMenu => "Account menu", "アカウントメニュー";
    ChangePassword => "Change password", "パスワードの変更";
    SignOutEverywhere => "Sign out everywhere", "すべての端末からログアウト";
    NavIntegrations => "Integrations", "外部連携";
    SessionEndedShort => "Session ended", "セッション終了";
    SessionEndedTitle => "Your session has ended", "セッションが終了しました";
    SessionEndedLead => "Sign in again to continue. What you entered on this page is kept; save it again afterwards.", "続けるにはもう一度ログインしてください。このページに入力した内容はそのまま残ります。ログイン後にもう一度保存してください。";
    Loading => "Loading…", "読み込み中…";
    ServerUnreachable => "Cannot reach the Switchboard server. Check your connection and reload.", "Switchboard サーバーに接続できません。接続を確認して再読み込みしてください。";
    Reload => "Reload", "再読み込み";
    ScreenLoadFailed => "This screen could not be loaded from the server. Check your connection and try again; if Switchboard was updated meanwhile, reload the page.", "この画面をサーバーから読み込めませんでした。接続を確認して、もう一度お試しください。Switchboard が更新された場合は、ページを再読み込みしてください。";
    ScreenLoadFailedTitle => "Not loaded", "読み込めませんでした";
    ReloadPage => "Reload the page", "ページを再読み込み";
    TryAgain => "Try again", "もう一度試す";
    TryingAgain => "Trying again…", "再試行中…";
    SetupTitle => "Create the first administrator", "最初の管理者を作成";
    SetupLead => "Switchboard has no administrator yet. The account you create here can sign in and manage everything.", "Switchboard にはまだ管理者がいません。ここで作成したアカウントでログインし、すべての設定を管理できます。";
    Username => "User name", "ユーザー名";
    UsernameHelp => "Lowercase letters, digits, '.', '_' or '-'.", "英小文字・数字・「.」「_」「-」が使えます。";
    Password => "Password", "パスワード";
    PasswordHelp => "At least 10 characters; not a common password and not containing the user name.", "10 文字以上で、よく使われるパスワードやユーザー名を含むものは使えません。";
    CreateAdmin => "Create administrator", "管理者を作成";
    LoginTitle => "Sign in to Switchboard", "Switchboard にログイン";
    SignIn => "Sign in", "ログイン";
    WrongCredentials => "Wrong user name or password.", "ユーザー名またはパスワードが正しくありません。";
    Working => "Working…", "処理中…";
    NotFoundTitle => "Page not found", "ページが見つかりません";
    NotFoundLead => "There is no screen at this address.", "このアドレスには画面がありません。";
    BackToStart => "Back to Click to Chat", "Click to Chat に戻る";
    C2cTitle => "Click to Chat", "Click to Chat";
    C2cLead => "Choose the live chat that your sites load, and for whom. These are the instance settings; sites can have their own.", "サイトで読み込むライブチャットと、その対象を選びます。これはインスタンス設定で、サイトごとの設定も可能です。";
    EnableC2c => "Enable Click to Chat", "Click to Chat を有効にする";
    EnableC2cHelp => "Turned off, no site shows a chat, whatever its own settings say.", "オフにすると、サイト側の設定にかかわらず、どのサイトにもチャットは表示されません。";
    Strategy => "Site settings strategy", "サイト設定戦略";
    Provider => "Chat provider", "チャットプロバイダー";
    NoProvider => "None", "なし";
    ProviderHelp => "How do I get these values?", "これらの値の取得方法";
    GuestsAllowed => "Guest users allowed", "ゲストユーザーを許可";
    GuestsAllowedHelp => "Visitors who are not signed in also get the chat.", "ログインしていない訪問者にもチャットを表示します。";
    Save => "Save", "保存";
    Saved => "Saved.", "保存しました。";
    FixErrors => "Some fields need attention; nothing was saved.", "入力内容に問題があります。保存されていません。";
    StaleTitle => "Someone else changed these settings since you opened them.", "この設定は、開いた後に他の人によって変更されました。";
    StaleAction => "Load their version", "最新の内容を読み込む";
    UnsavedChanges => "You have unsaved changes.", "保存されていない変更があります。";
    LeaveUnsaved => "You have unsaved changes. Leave this screen and lose them?", "保存されていない変更があります。この画面を離れると変更は失われます。よろしいですか？";
    Optional => "optional", "任意";
    Example => "Example", "例";
    ChooseChatbot => "Choose a chatbot", "チャットボットを選択";
    ErrRequired => "Required.", "入力してください。";
    ErrUnsafe => "Only letters, digits, '_' and '-' are allowed here.", "英数字と「_」「-」のみ使用できます。";
    ErrFormat => "This does not have the expected format.", "形式が正しくありません。";
    ErrNotHttps => "Must start with https://.", "https:// で始まる必要があります。";
    ErrTooLong => "Too long.", "長すぎます。";
    ErrNotHostName => "{value} is not a host name: enter it like www.example.com, without https:// or a path.", "{value} はホスト名ではありません。https:// やパスを付けずに www.example.com のように入力してください。";
    ErrTooLongMax => "At most {max} characters.", "{max} 文字以内で入力してください。";
    ErrTooShort => "Too short.", "短すぎます。";
    ErrTooShortMin => "At least {min} characters.", "{min} 文字以上にしてください。";
    ErrWrongType => "This has the wrong kind of value.", "値の種類が正しくありません。";
    ErrUnknownField => "Not a field of this form.", "このフォームにはない項目です。";
    ErrUnknownProvider => "Not a provider Switchboard knows.", "Switchboard が対応していないプロバイダーです。";
    ErrDuplicate => "{value} is listed twice.", "{value} が重複しています。";
    ErrTakenBySite => "{value} already belongs to site {site}.", "{value} はすでにサイト {site} で使われています。";
    ErrTaken => "{value} is already in use.", "{value} はすでに使われています。";
    ErrImmutable => "This cannot be changed.", "この項目は変更できません。";
    ErrTooMany => "At most {max}.", "{max} 件までです。";
    ErrInvisible => "Must not contain invisible or text-direction characters.", "見えない文字や文字の向きを変える文字は使えません。";
    ErrAdminOnly => "Only a signed-in admin may set this.", "この値を設定できるのはログインした管理者だけです。";
    WarnNoProvider => "Click to Chat is on, but no provider is chosen: these settings load no chat.", "Click to Chat はオンですが、プロバイダーが選ばれていないため、この設定ではチャットを表示しません。";
    WarnUnusual => "Unusual: {label} is usually {usual}. Check that you copied the whole value.", "{label} は通常 {usual} です。値を最後までコピーしたか確認してください。";
    CspOfficial => "From the provider's own CSP documentation.", "プロバイダー公式の CSP ドキュメントに基づいています。";
    CspDerived => "The provider publishes no complete list; these origins come from its embed code and public configurations. After enabling the policy, check the browser console for blocked requests.", "プロバイダーは完全な一覧を公開していないため、埋め込みコードと公開設定から求めたオリジンです。ポリシーを有効にした後、ブラウザーのコンソールでブロックされた要求がないか確認してください。";
    ApiUnauthenticated => "You are not signed in.", "ログインしていません。";
    ApiSessionEnded => "Your session has ended. Sign in again.", "セッションが終了しました。もう一度ログインしてください。";
    ApiInvalidKey => "This API key is not valid.", "この API キーは無効です。";
    ApiBadAuthorization => "The Authorization header is not valid.", "Authorization ヘッダーが正しくありません。";
    ApiCsrf => "The request was refused for your safety (its security token is missing). Reload the page.", "安全のため要求を拒否しました（セキュリティトークンがありません）。ページを再読み込みしてください。";
    ApiCrossOrigin => "The request did not come from this admin app's own address.", "この管理画面のアドレス以外からの要求は受け付けません。";
    ApiKeyNotAllowed => "API keys cannot do this; sign in to the admin app.", "API キーではこの操作はできません。管理画面にログインしてください。";
    ApiAdminOnly => "Only a signed-in admin may point a chat at a self-hosted server.", "セルフホストのサーバーを指定できるのはログインした管理者だけです。";
    ApiNotASession => "API keys have no session to end.", "API キーには終了するセッションがありません。";
    ApiTooManyAttempts => "Too many failed sign-ins from here. Try again in {minutes} min.", "ここからのログイン失敗が多すぎます。{minutes} 分後にもう一度お試しください。";
    ApiBusy => "The server is busy. Try again in a moment.", "サーバーが混み合っています。少し待ってからもう一度お試しください。";
    ApiInvalidJson => "The request was not valid JSON (line {line}, column {column}).", "要求が正しい JSON ではありません（{line} 行 {column} 列）。";
    ApiMediaType => "The request was not sent as JSON.", "要求が JSON として送信されていません。";
    ApiTooLarge => "The request is larger than {limit} bytes.", "要求が {limit} バイトを超えています。";
    ApiBadRequest => "The request is not valid.", "要求が正しくありません。";
    ApiValidation => "Some fields are not valid; nothing was saved.", "正しくない項目があります。何も保存されていません。";
    ApiConflict => "Some values are already in use; nothing was saved.", "すでに使われている値があります。何も保存されていません。";
    ApiUnknownSite => "There is no site {site}.", "サイト {site} はありません。";
    ApiUnknownKey => "This API key no longer exists.", "この API キーはもうありません。";
    ApiNotFound => "Not found.", "見つかりません。";
    ApiMethod => "This action is not possible here.", "ここではこの操作はできません。";
    ApiSetUp => "An administrator already exists; sign in instead.", "管理者はすでに作成されています。ログインしてください。";
    ApiSetupHost => "First-run setup is only possible on the server itself (http://localhost), unless it was started with --public-url.", "初期設定は、--public-url を指定して起動した場合を除き、サーバー自身（http://localhost）からのみ行えます。";
    ApiStorage => "The change could not be stored; nothing was changed.", "変更を保存できませんでした。何も変更されていません。";
    ApiInternal => "Something went wrong on the server; nothing was changed.", "サーバーでエラーが発生しました。何も変更されていません。";
    ApiBadAnswer => "The server's answer was not understood.", "サーバーの応答を解釈できませんでした。";
    ErrTooCommon => "Too easy to guess; choose another.", "推測されやすいため使用できません。";
    ErrSameAsUser => "Must not contain the user name.", "ユーザー名を含めることはできません。";
    ErrWrongPassword => "This is not your current password.", "現在のパスワードが正しくありません。";
    ErrUnchanged => "This is your current password; choose another.", "現在のパスワードと同じです。別のパスワードを選んでください。";
    ErrUnknownChatbot => "This chatbot does not exist (any more).", "このチャットボットは存在しません。";
    ErrNotSiteChat => "This chatbot may not be used as a site's chat. Turn that on in its settings first.", "このチャットボットはサイトのチャットとして使用できません。先にチャットボットの設定で有効にしてください。";
    ErrUnknownTimeZone => "Not a time zone. Use an IANA name such as Asia/Tokyo or Europe/Berlin.", "タイムゾーンではありません。Asia/Tokyo や Europe/Berlin のような IANA 名を指定してください。";
    ErrReversedInterval => "The interval ends before it starts. For hours past midnight, use two intervals: up to 24:00 and from 00:00.", "終了時刻が開始時刻より前です。深夜をまたぐ場合は、24:00 までと 00:00 からの 2 つに分けてください。";
    ErrOverlappingWith => "This interval overlaps {other} on the same day.", "この時間帯は同じ日の {other} と重なっています。";
    ErrOverlapping => "This interval overlaps another on the same day.", "この時間帯は同じ日の別の時間帯と重なっています。";
    ErrInvalidCalendarAt => "This iCalendar (.ics) file cannot be read: {problem}", "この iCalendar（.ics）ファイルは読み込めません: {problem}";
    ErrInvalidCalendar => "This is not an iCalendar (.ics) file that can be read.", "読み込める iCalendar（.ics）ファイルではありません。";
    ErrInUse => "The settings of these sites choose this chatbot (switched on or not): {sites}. Choose another chat there first.", "次のサイトの設定がこのチャットボットを選択しています（有効・無効を問わず）: {sites}。先にそちらで別のチャットを選んでください。";
    ErrInUseInstance => "The instance settings use this as the chat. Choose another chat there first.", "インスタンス設定がチャットとして使用中です。先にそちらで別のチャットを選んでください。";
    ErrChoice => "Choose one of the options.", "選択肢から選んでください。";
    ErrNumberRange => "Enter a whole number from {min} to {max}.", "{min} から {max} までの整数を入力してください。";
    Warning => "Check this value", "この値を確認してください";
    SitesTitle => "Sites", "サイト";
    SiteName => "Name", "名前";
    SiteDomains => "Domains", "ドメイン";
    SiteDomainsHelp => "Host names where the site runs, one per line (e.g. www.example.com). The widget finds the site by these when data-site is missing.", "サイトのホスト名を 1 行に 1 つ入力します（例: www.example.com）。data-site がない場合、ウィジェットはこれでサイトを判別します。";
    Actions => "Actions", "操作";
    Delete => "Delete", "削除";
    DeleteSiteTitle => "Delete this site?", "このサイトを削除しますか？";
    DeleteConversationTitle => "Delete this conversation?", "この会話を削除しますか？";
    DeleteConversationWarning => "Every message of it is removed from the server. This cannot be undone; the deletion is recorded in the audit log.", "すべてのメッセージがサーバーから削除されます。元に戻すことはできません。削除は監査ログに記録されます。";
    DeleteSiteWarning => "This cannot be undone. The site and its Click to Chat settings are deleted, and pages that embed it show no chat.", "この操作は取り消せません。サイトとその Click to Chat 設定が削除され、埋め込んでいるページにはチャットが表示されなくなります。";
    DeletePermanently => "Delete permanently", "完全に削除";
    Cancel => "Cancel", "キャンセル";
    ReasonInstanceDisabled => "Click to Chat is turned off in the instance settings, so no site shows a chat.", "インスタンス設定で Click to Chat がオフになっているため、どのサイトにもチャットは表示されません。";
    ReasonAlwaysInherit => "The instance settings apply to every site (strategy: Always Inherit).", "すべてのサイトにインスタンス設定が適用されます（戦略: 常に継承）。";
    ReasonAlwaysOverride => "This site's own settings apply (strategy: Always Override).", "このサイト独自の設定が適用されます（戦略: 常に上書き）。";
    ReasonOverrideNoSettings => "Every site must bring its own settings (strategy: Always Override), and this site has none saved.", "各サイトが独自の設定を持つ必要があります（戦略: 常に上書き）が、このサイトには保存された設定がありません。";
    ReasonSiteConfigured => "This site has its own provider and account, which override the instance settings (strategy: Inherit or Override).", "このサイトには独自のプロバイダーとアカウントがあり、インスタンス設定より優先されます（戦略: 継承または上書き）。";
    ReasonSiteNotConfigured => "This site has no provider and account of its own, so it inherits the instance settings (strategy: Inherit or Override).", "このサイトには独自のプロバイダーとアカウントがないため、インスタンス設定を継承します（戦略: 継承または上書き）。";
    ReasonSiteIncomplete => "This site names a provider, but its account details are incomplete, so it inherits the instance settings (strategy: Inherit or Override).", "このサイトはプロバイダーを指定していますが、アカウント情報が不完全なため、インスタンス設定を継承します（戦略: 継承または上書き）。";
    InactiveDisabled => "Click to Chat is turned off in these settings.", "この設定では Click to Chat がオフになっています。";
    InactiveNoProvider => "No chat provider is chosen in these settings.", "この設定ではチャットプロバイダーが選ばれていません。";
    InactiveIncomplete => "The provider's account details are incomplete.", "プロバイダーのアカウント情報が不足しています。";
    Copy => "Copy", "コピー";
    Copied => "Copied.", "コピーしました。";
    Done => "Done", "完了";
    Regenerate => "Regenerate", "再生成";
    RegenerateTitle => "Regenerate this key?", "このキーを再生成しますか？";
    RegenerateWarning => "The current key stops working at once; anything using it must get the new one.", "現在のキーはすぐに使えなくなります。利用している連携には新しいキーを設定する必要があります。";
    RegenerateConfirm => "Regenerate", "再生成する";
    DeleteKeyTitle => "Delete this key?", "このキーを削除しますか？";
    DeleteKeyWarning => "This cannot be undone. Anything using the key is refused from its next request.", "この操作は取り消せません。このキーを使うリクエストは、次回から拒否されます。";
    }
}

impl T {
    /// The message for a server field-error code, falling back to the
    /// server's English message for codes without a translation.
    /// The explanation for a resolution reason or "inactive" code.
    pub fn for_reason(code: &str) -> Option<T> {
        Some(match code {
            "instance_disabled" => T::ReasonInstanceDisabled,
            "always_inherit" => T::ReasonAlwaysInherit,
            "always_override" => T::ReasonAlwaysOverride,
            "always_override_without_site_settings" => T::ReasonOverrideNoSettings,
            "site_configured" => T::ReasonSiteConfigured,
            "site_not_configured" => T::ReasonSiteNotConfigured,
            "site_incomplete" => T::ReasonSiteIncomplete,
            "disabled" => T::InactiveDisabled,
            "no_provider" => T::InactiveNoProvider,
            "incomplete_account" => T::InactiveIncomplete,
            _ => return None,
        })
    }

    /// The text for a field-error code; some depend on which params came.
    pub fn for_error_code(code: &str, params: &serde_json::Value) -> Option<T> {
        let has = |name: &str| params.get(name).is_some_and(|v| !v.is_null());
        Some(match code {
            "required" => T::ErrRequired,
            "wrong_type" => T::ErrWrongType,
            "unknown_field" => T::ErrUnknownField,
            "unsafe_characters" => T::ErrUnsafe,
            "invalid_format"
                if params.get("expected").and_then(serde_json::Value::as_str)
                    == Some("host_name") =>
            {
                T::ErrNotHostName
            }
            "invalid_format" => T::ErrFormat,
            "invalid_choice" if has("min") && has("max") => T::ErrNumberRange,
            "invalid_choice" => T::ErrChoice,
            "too_long" if has("max") => T::ErrTooLongMax,
            "too_long" => T::ErrTooLong,
            "not_https" => T::ErrNotHttps,
            "unknown_provider" => T::ErrUnknownProvider,
            "duplicate" if has("value") => T::ErrDuplicate,
            "duplicate" => T::ErrFormat,
            "already_taken" if has("site") => T::ErrTakenBySite,
            "already_taken" if has("value") => T::ErrTaken,
            "already_taken" => T::ApiConflict,
            "immutable" => T::ErrImmutable,
            "too_many" if has("max") => T::ErrTooMany,
            "too_many" => T::ErrTooLong,
            "too_short" if has("min") => T::ErrTooShortMin,
            "too_short" => T::ErrTooShort,
            "too_common" => T::ErrTooCommon,
            "same_as_username" => T::ErrSameAsUser,
            "invisible_characters" => T::ErrInvisible,
            "signed_in_admin_required" => T::ErrAdminOnly,
            "wrong_password" => T::ErrWrongPassword,
            "unchanged" => T::ErrUnchanged,
            "unknown_chatbot" => T::ErrUnknownChatbot,
            "not_a_site_chat" => T::ErrNotSiteChat,
            "in_use" if params.get("instance") == Some(&serde_json::Value::Bool(true)) => {
                T::ErrInUseInstance
            }
            "in_use" => T::ErrInUse,
            "unknown_time_zone" => T::ErrUnknownTimeZone,
            "reversed_interval" => T::ErrReversedInterval,
            "overlapping" if has("other") => T::ErrOverlappingWith,
            "overlapping" => T::ErrOverlapping,
            "invalid_calendar" if has("problem") => T::ErrInvalidCalendarAt,
            "invalid_calendar" => T::ErrInvalidCalendar,
            _ => return None,
        })
    }

    /// The text for an API error code.
    pub fn for_api_code(code: &str) -> Option<T> {
        Some(match code {
            "unauthenticated" => T::ApiUnauthenticated,
            "session_ended" => T::ApiSessionEnded,
            "invalid_api_key" => T::ApiInvalidKey,
            "malformed_authorization" => T::ApiBadAuthorization,
            "wrong_password" => T::WrongCredentials,
            "csrf_token_missing" => T::ApiCsrf,
            "cross_origin" => T::ApiCrossOrigin,
            "api_key_not_allowed" => T::ApiKeyNotAllowed,
            "signed_in_admin_required" => T::ApiAdminOnly,
            "not_a_session" => T::ApiNotASession,
            "too_many_attempts" => T::ApiTooManyAttempts,
            "server_busy" => T::ApiBusy,
            "invalid_json" => T::ApiInvalidJson,
            "unsupported_media_type" => T::ApiMediaType,
            "payload_too_large" => T::ApiTooLarge,
            "bad_request" => T::ApiBadRequest,
            "validation_failed" => T::ApiValidation,
            "conflict" => T::ApiConflict,
            "unknown_site" => T::ApiUnknownSite,
            "unknown_api_key" => T::ApiUnknownKey,
            "not_found" => T::ApiNotFound,
            "precondition_failed" => T::StaleTitle,
            "method_not_allowed" => T::ApiMethod,
            "already_set_up" => T::ApiSetUp,
            "setup_host_not_allowed" => T::ApiSetupHost,
            "storage_error" => T::ApiStorage,
            "internal_error" => T::ApiInternal,
            "network" => T::ServerUnreachable,
            "bad_answer" => T::ApiBadAnswer,
            _ => return None,
        })
    }
}

texts! {
    /// The chatbot screens' strings: only those screens (their own chunks) use them.
    B {
    ListLead => "Bots that answer visitors: with a model (ChatGPT or compatible), a webhook to your service, or a program of yours through the bot API.", "訪問者に応答するボットです。モデル（ChatGPT や互換サービス）、あなたのサービスへの Webhook、ボット API を使うプログラムのいずれかで応答します。";
    AddChatbot => "Add chatbot", "チャットボットを追加";
    NoChatbots => "No chatbots yet.", "チャットボットはまだありません。";
    Name => "Service name", "連携サービス名";
    NameHelp => "Required. Up to 100 characters; unique among the chatbots. Visitors see it.", "必須。100 文字まで。ほかのチャットボットと重複できません。訪問者に表示されます。";
    Reading => "Reading (furigana)", "ふりがな";
    ReadingHelp => "In kana, for sorting. Optional.", "並べ替えに使います。かなで入力します（任意）。";
    AnsweredBy => "Answered by", "応答";
    KindOpenAi => "OpenAI", "OpenAI";
    KindAzure => "Azure OpenAI", "Azure OpenAI";
    KindCompatible => "Model (compatible server)", "モデル（互換サーバー）";
    UsesWebhook => "Webhook", "Webhook";
    UsesBotApi => "Bot API", "ボット API";
    UsesNothing => "Nothing yet", "未設定";
    SiteChat => "Can be a site's chat", "サイトのチャットに使える";
    SiteChatHelp => "Sites can pick this bot as their chat (the built-in assistant).", "サイトのチャットとしてこのボットを選べるようにします（組み込みアシスタント）。";
    DirectLink => "Direct chat link", "直接チャットのリンク";
    DirectLinkHelp => "The bot gets a chat page of its own, /chat/{id}, to link from e-mails, QR codes and help pages.", "メールや QR コード、ヘルプページからリンクできる専用のチャットページ /chat/{id} を用意します。";
    TokensToday => "Tokens today", "本日のトークン";
    TokensOfBudget => "{used} of {budget} tokens today", "本日 {used} / {budget} トークン";
    LastActivity => "Last activity", "最終アクティビティ";
    NeverActive => "Never", "なし";
    Yes => "Yes", "はい";
    UsedInSites => "Used in sites", "使用中のサイト";
    NotUsedYet => "Not chosen by any site yet", "まだどのサイトも選択していません";
    NotForSites => "Not for sites", "サイトでは使用不可";
    ViaInstance => "(instance settings)", "（インスタンス設定）";
    No => "No", "いいえ";
    BasicInfo => "Basic info", "基本情報";
    IssueBotKey => "Issue an API access key for the bot", "ボット用の API アクセスキーを発行する";
    IssueBotKeyHelp => "A key for your bot program: it reads this bot's new messages and replies through the bot API, and can do nothing else. Shown once.", "ボットプログラム用のキーです。ボット API でこのボットの新着メッセージを読み、返信できます。それ以外には使えません。一度だけ表示されます。";
    ModelSettings => "ChatGPT settings", "ChatGPT 設定";
    UseModel => "Answer with a model", "モデルで応答する";
    UseModelHelp => "Every visitor message goes to the model with the instructions and the conversation so far; its answer streams to the visitor.", "訪問者のメッセージを、指示とそれまでの会話と一緒にモデルへ送り、回答を訪問者に逐次表示します。";
    ModelExplain => "OpenAI: the endpoint is https://api.openai.com/v1/chat/completions, with your API key and the model's name. Azure OpenAI: https://{resource}.openai.azure.com/openai/deployments/{deployment}/chat/completions?api-version=2023-05-15 (or a later version), with the resource's key; the deployment names the model, so no model is needed. Any other OpenAI-compatible server works too.", "OpenAI の場合、エンドポイントは https://api.openai.com/v1/chat/completions で、API キーとモデル名が必要です。Azure OpenAI の場合は https://{resource}.openai.azure.com/openai/deployments/{deployment}/chat/completions?api-version=2023-05-15（以降のバージョン）とリソースのキーを指定します。モデルはデプロイで決まるため不要です。そのほかの OpenAI 互換サーバーも使えます。";
    Endpoint => "Endpoint URL", "エンドポイント URL";
    EndpointHelp => "https:// (plain http only to hosts the server's operator allowed).", "https:// で始まる URL（http はサーバーの運用者が許可したホストのみ）。";
    DetectedOpenAi => "OpenAI: the key goes as Authorization: Bearer; a model is required.", "OpenAI: キーは Authorization: Bearer で送られます。モデルが必要です。";
    DetectedAzure => "Azure OpenAI: the key goes as api-key; the deployment names the model, so no model is needed.", "Azure OpenAI: キーは api-key ヘッダーで送られます。モデルはデプロイで決まるため不要です。";
    DetectedCompatible => "OpenAI-compatible server: the key (if any) goes as Authorization: Bearer.", "OpenAI 互換サーバー: キー（ある場合）は Authorization: Bearer で送られます。";
    ModelKey => "API key", "API キー";
    ModelKeyHelp => "Write-only: once saved, only its last characters are shown. Leave empty to keep the stored key.", "書き込み専用です。保存後は末尾の数文字だけが表示されます。空欄のままなら保存済みのキーを使い続けます。";
    KeyStored => "Stored ({hint}); type to replace", "保存済み（{hint}）。入力すると置き換えます";
    RemoveKey => "Remove the stored key", "保存済みのキーを削除する";
    RemoveKeyHelp => "For a server that needs no key.", "キーが不要なサーバーの場合に使います。";
    Model => "Model", "モデル";
    ModelHelp => "For OpenAI, e.g. gpt-4o-mini. Not needed for Azure OpenAI.", "OpenAI では gpt-4o-mini など。Azure OpenAI では不要です。";
    WebhookSettings => "Webhook settings", "Webhook 設定";
    UseWebhook => "Send messages to a webhook", "メッセージを Webhook に送る";
    UseWebhookHelp => "Each conversation start and visitor message is sent to your URL, signed per Standard Webhooks, and retried if it fails.", "会話の開始と訪問者のメッセージを、Standard Webhooks 方式で署名してこの URL に送ります。失敗したときは再送します。";
    WebhookUrl => "Destination URL", "送信先 URL";
    WebhookUrlHelp => "https:// (plain http only to hosts the server's operator allowed). Redirects are not followed.", "https:// で始まる URL（http はサーバーの運用者が許可したホストのみ）。リダイレクトはたどりません。";
    IssueToken => "Issue an access token", "アクセストークンを発行する";
    IssueTokenHelp => "Sent as Authorization: Bearer with every delivery, so your service can tell the bot. Shown once.", "配信ごとに Authorization: Bearer で送り、受信側がボットを識別できるようにします。一度だけ表示されます。";
    UseProxy => "Send through the proxy", "プロキシ経由で送信する";
    UseProxyHelp => "Through the server's configured egress proxy (--egress-proxy).", "サーバーに設定された送信用プロキシ（--egress-proxy）を経由します。";
    Profile => "Profile", "プロフィール";
    ProfileUrl => "URL", "URL";
    ProfileUrlHelp => "An https page about the bot or your service, shown to visitors.", "ボットやサービスについての https のページ。訪問者に表示されます。";
    Description => "Description", "自己紹介";
    DescriptionHelp => "Up to 500 characters, shown to visitors.", "500 文字まで。訪問者に表示されます。";
    Behaviour => "Instructions and limits", "指示と上限";
    Instructions => "Instructions", "指示（システムプロンプト）";
    InstructionsHelp => "Sent to the model before every conversation: who the bot is, what it may answer, in which tone.", "会話の前に毎回モデルへ送ります。ボットの役割、答えてよい内容、口調などを書きます。";
    ReplyLimit => "Reply length limit (tokens)", "回答の長さの上限（トークン）";
    ReplyLimitHelp => "16 to 8,192 tokens per answer.", "1 回の回答あたり 16〜8,192 トークン。";
    Budget => "Daily token budget", "1 日のトークン上限";
    BudgetHelp => "Prompts and answers together, per day (UTC). When it is used up, the bot stops calling the model until the next day.", "プロンプトと回答の合計（1 日、UTC）。使い切ると翌日までモデルを呼び出しません。";
    Images => "Photo and cover photo", "写真とカバー写真";
    Photo => "Photo", "写真";
    Cover => "Cover photo", "カバー写真";
    ClearImage => "Clear", "クリア";
    ImageHelp => "PNG, JPEG or WebP, at most 2 MB. Stored without its metadata and scaled down if large.", "PNG、JPEG、WebP、2 MB まで。メタデータを除いて保存し、大きい画像は縮小します。";
    Create => "Create chatbot", "チャットボットを作成";
    NewTitle => "New chatbot", "新しいチャットボット";
    BackToChatbots => "Chatbots", "チャットボット一覧";
    IssuedTitle => "Copy these secrets now", "これらのシークレットを今コピーしてください";
    IssuedWarning => "They are shown this once. Only their last characters can be seen later; if one is lost, regenerate it.", "表示されるのは今回だけです。あとからは末尾の数文字しか確認できません。紛失した場合は再発行してください。";
    SecretBotKey => "Bot API key", "ボット API キー";
    SecretToken => "Webhook access token", "Webhook アクセストークン";
    SecretSigning => "Webhook signing secret", "Webhook 署名シークレット";
    SecretModelKey => "Model API key", "モデルの API キー";
    SecretsTitle => "Secrets", "シークレット";
    SecretsLead => "Write-only: only how each ends is shown. Regenerating one stops the old value at once.", "書き込み専用のため、末尾だけを表示します。再発行すると古い値はすぐに使えなくなります。";
    NotSet => "Not set", "未設定";
    TryTitle => "Try it", "試してみる";
    TryLead => "Talk to the bot as a visitor would. Your messages go to its model, its webhook and its bot API like a visitor's.", "訪問者と同じようにボットと話せます。メッセージは訪問者のものと同じく、モデル、Webhook、ボット API に届きます。";
    TryMessage => "Message", "メッセージ";
    TrySend => "Send", "送信";
    TrySending => "Sending…", "送信中…";
    TryNew => "New conversation", "新しい会話";
    TryConversation => "Conversation {id}", "会話 {id}";
    TryYou => "You", "あなた";
    TryModel => "Model", "モデル";
    TryBot => "Bot program", "ボットプログラム";
    DeliveriesTitle => "Webhook deliveries", "Webhook の配信履歴";
    DeliveriesLead => "The latest deliveries to the webhook, with each one's outcome. Failed ones are retried; send one again to retry it now.", "Webhook への最近の配信と結果です。失敗した配信は自動で再送されます。今すぐ再送することもできます。";
    Refresh => "Refresh", "更新";
    NoDeliveries => "Nothing was sent yet.", "まだ何も送信していません。";
    DeliveryTime => "Time", "日時";
    DeliveryEvent => "Event", "イベント";
    DeliveryStatus => "Status", "状態";
    DeliveryAttempts => "Attempts", "試行回数";
    DeliveryResponse => "Response", "応答コード";
    DeliveryDuration => "Duration", "所要時間";
    DeliveryDetail => "Detail", "詳細";
    StatusPending => "Waiting to retry", "再送待ち";
    StatusDelivered => "Delivered", "配信済み";
    StatusFailed => "Failed", "失敗";
    StatusCancelled => "Cancelled", "中止";
    NextAttempt => "next at {at}", "次回 {at}";
    SendAgain => "Send again", "再送";
    WebhookDisabled => "Deliveries are stopped: the receiver answered 410 Gone. Save the chatbot to turn them on again.", "受信側が 410 Gone を返したため配信を停止しています。チャットボットを保存すると再開します。";
    DeleteTitle => "Delete chatbot", "チャットボットの削除";
    DeleteLead => "Deletes the bot with its keys, token, secret and images. This cannot be undone.", "キー、トークン、シークレット、画像とともにボットを削除します。元に戻せません。";
    ApiUnknownChatbot => "This chatbot no longer exists.", "このチャットボットはもうありません。";
    ApiConversationToken => "This conversation cannot be continued here. Start a new one.", "この会話はここでは続けられません。新しい会話を始めてください。";
    ApiConversationExpired => "This conversation has ended. Start a new one.", "この会話は終了しました。新しい会話を始めてください。";
    ApiUnknownMessage => "This message no longer exists.", "このメッセージはもうありません。";
    ApiGuestsNotAllowed => "This chat is for signed-in visitors only.", "このチャットはログインした訪問者のみ利用できます。";
    ApiNotThisSitesChat => "This chatbot is not the site's chat.", "このチャットボットはサイトのチャットではありません。";
    ApiVisitorRateLimited => "Too many messages. Try again in {retry_after} seconds.", "メッセージが多すぎます。{retry_after} 秒後にもう一度お試しください。";
    ApiChatbotInUse => "The instance settings or the settings of sites ({sites}) choose this chatbot. Choose another chat there first.", "インスタンス設定またはサイト（{sites}）の設定がこのチャットボットを選択しています。先にそちらで別のチャットを選んでください。";
    ApiImageType => "Choose a PNG, JPEG or WebP image.", "PNG、JPEG、WebP のいずれかの画像を選んでください。";
    ApiInvalidImage => "This file is not a usable image: {detail}", "このファイルは画像として使えません: {detail}";
    ApiSecretNotInUse => "This secret is not in use. Turn on what uses it first.", "このシークレットは使われていません。先に利用する設定を有効にしてください。";
    ApiNothingAnswers => "Nothing would answer this chatbot. Set ChatGPT settings, a webhook or the bot API first.", "このチャットボットに応答するものがありません。先に ChatGPT 設定、Webhook、ボット API のいずれかを設定してください。";
    ApiUnknownConversation => "This conversation no longer exists.", "この会話はもうありません。";
    ApiUnknownDelivery => "This delivery no longer exists.", "この配信はもうありません。";
    ApiBudgetExhausted => "The chatbot used up today’s token budget ({budget}). It answers again tomorrow (UTC), or raise the budget.", "このチャットボットは本日のトークン上限（{budget}）に達しました。明日（UTC）まで待つか、上限を引き上げてください。";
    ApiModelBusy => "Too many model calls are running. Try again in a moment.", "モデルの呼び出しが混み合っています。少し待ってからもう一度お試しください。";
    ApiModelUnauthorized => "The model service refused the API key. Check the key and the endpoint URL.", "モデルのサービスが API キーを拒否しました。キーとエンドポイント URL を確認してください。";
    ApiModelNotFound => "The model service does not know this model or deployment: {detail}", "モデルのサービスにこのモデルまたはデプロイがありません: {detail}";
    ApiModelRateLimited => "The model service is limiting requests for this key. Try again later.", "モデルのサービスがこのキーのリクエストを制限しています。しばらくしてからお試しください。";
    ApiModelQuota => "The quota of this API key is used up. Check the plan and billing of the model service.", "この API キーの利用枠を使い切りました。モデルのサービスのプランと請求設定を確認してください。";
    ApiModelFiltered => "The model service’s content filter refused this conversation.", "モデルのサービスのコンテンツフィルターがこの会話を拒否しました。";
    ApiModelRejected => "The model service refused the request: {detail}", "モデルのサービスがリクエストを拒否しました: {detail}";
    ApiModelUnavailable => "The model service failed or answered something unreadable: {detail}", "モデルのサービスでエラーが起きたか、解釈できない応答が返りました: {detail}";
    ApiModelTimeout => "The model service did not answer in time.", "モデルのサービスから時間内に応答がありませんでした。";
    ApiEgressRefused => "The server may not connect to {host} ({address}): it is not a public address. The operator can allow it with --egress-allow.", "サーバーは {host}（{address}）に接続できません。公開アドレスではないためです。運用者が --egress-allow で許可できます。";
    }
}

impl B {
    /// The text of an API error code only the chatbot screens can get.
    pub fn for_api_code(code: &str) -> Option<B> {
        Some(match code {
            "unknown_chatbot" => B::ApiUnknownChatbot,
            "chatbot_in_use" => B::ApiChatbotInUse,
            "invalid_conversation_token" => B::ApiConversationToken,
            "conversation_expired" => B::ApiConversationExpired,
            "guests_not_allowed" => B::ApiGuestsNotAllowed,
            "unknown_message" => B::ApiUnknownMessage,
            "not_this_sites_chat" => B::ApiNotThisSitesChat,
            "visitor_rate_limited" => B::ApiVisitorRateLimited,
            "unsupported_image_type" => B::ApiImageType,
            "invalid_image" => B::ApiInvalidImage,
            "secret_not_in_use" => B::ApiSecretNotInUse,
            "nothing_answers" => B::ApiNothingAnswers,
            "unknown_conversation" => B::ApiUnknownConversation,
            "unknown_delivery" => B::ApiUnknownDelivery,
            "token_budget_exhausted" => B::ApiBudgetExhausted,
            "model_busy" => B::ApiModelBusy,
            "model_unauthorized" => B::ApiModelUnauthorized,
            "model_not_found" => B::ApiModelNotFound,
            "model_rate_limited" => B::ApiModelRateLimited,
            "model_quota_exceeded" => B::ApiModelQuota,
            "model_content_filtered" => B::ApiModelFiltered,
            "model_rejected" => B::ApiModelRejected,
            "model_unavailable" => B::ApiModelUnavailable,
            "model_timeout" => B::ApiModelTimeout,
            "egress_refused" => B::ApiEgressRefused,
            _ => return None,
        })
    }

    fn api_text(code: &str, lang: Lang) -> Option<&'static str> {
        B::for_api_code(code).map(|key| key.get(lang))
    }

    /// Lets `error_text` word the chatbot screens' own codes.
    pub fn register() {
        add_api_texts(B::api_text);
    }
}

texts! {
    /// The conversation screens' strings (their own chunks).
    ConvText {
    Lead => "Visitors' conversations with your chatbots: on sites, on a bot's direct page, and admins' tries. Newest first.", "チャットボットと訪問者の会話です（サイト、ボットの直接リンクページ、管理者の試用）。新しい順に表示します。";
    Where => "Where", "場所";
    AllPlaces => "All sites and pages", "すべてのサイトとページ";
    DirectPage => "Direct chat page", "直接チャットページ";
    Tries => "Admins' tries", "管理者の試用";
    UnknownPlace => "Unknown", "不明";
    Bot => "Chatbot", "チャットボット";
    AllBots => "All chatbots", "すべてのチャットボット";
    From => "From", "開始日";
    To => "To", "終了日";
    DatesHelp => "Dates in your time zone. A conversation is shown when it had activity between them.", "日付はお使いのタイムゾーンです。期間内にやり取りがあった会話を表示します。";
    Started => "Started", "開始";
    LastActivity => "Last activity", "最終更新";
    Visitor => "Visitor", "訪問者";
    Guest => "Guest", "ゲスト";
    Messages => "Messages", "メッセージ";
    Feedback => "Feedback", "評価";
    Models => "Models", "モデル";
    Read => "Read", "表示";
    NoConversations => "No conversations match.", "該当する会話はありません。";
    Total => "Conversations found: {count}", "該当する会話: {count} 件";
    Newer => "Newer", "新しい会話";
    Older => "Older", "古い会話";
    ExportTitle => "Export", "エクスポート";
    ExportLead => "Download the records of a date range (with the filters above for site and chatbot). Exports are recorded in the audit log.", "期間内の記録をダウンロードします（上の場所とチャットボットの絞り込みも適用）。エクスポートは監査ログに記録されます。";
    Format => "Format", "形式";
    Csv => "CSV (spreadsheets)", "CSV（表計算ソフト向け）";
    JsonLines => "JSON Lines", "JSON Lines";
    Download => "Download", "ダウンロード";
    ExportNeedsDates => "Choose both dates to export.", "エクスポートするには開始日と終了日を選んでください。";
    RetentionTitle => "Retention", "保存期間";
    RetentionLead => "The server removes conversations whose last activity is older than this, every hour.", "最終更新がこの日数より前の会話を、サーバーが 1 時間ごとに削除します。";
    RetentionDays => "Keep for (days)", "保存日数";
    Save => "Save", "保存";
    Saved => "Saved.", "保存しました。";
    BackToList => "All conversations", "会話一覧";
    TranscriptTitle => "Conversation", "会話";
    Truncated => "Only the newest 2,000 records are shown; the export has them all.", "新しい 2,000 件のみ表示しています。すべての記録はエクスポートで取得できます。";
    AuthorVisitor => "Visitor", "訪問者";
    AuthorModel => "Model", "モデル";
    AuthorBot => "Bot program", "ボットプログラム";
    ConversationStarted => "Conversation started", "会話を開始";
    IdentifiedAs => "The visitor signed in as {who}", "訪問者が {who} としてサインイン";
    VotedUp => "The visitor found this helpful", "訪問者の評価: 役に立った";
    VotedDown => "The visitor found this unhelpful", "訪問者の評価: 役に立たなかった";
    RefusedRateLimited => "Not answered: the visitor sent too many messages", "応答せず: 訪問者のメッセージが多すぎました";
    RefusedBudget => "Not answered: the bot's daily token budget was used up", "応答せず: ボットの 1 日のトークン上限に達しました";
    RefusedBusy => "Not answered: too many answers were being written at once", "応答せず: 同時に処理中の応答が多すぎました";
    RefusedOther => "Not answered ({code})", "応答せず（{code}）";
    AnsweredBy => "Answered by {model}", "応答モデル: {model}";
    DeleteConversation => "Delete conversation", "会話を削除";
    DeletedBot => "(deleted chatbot)", "（削除されたチャットボット）";
    }
}

texts! {
    /// The audit log's strings: only its screen uses them.
    AuditText {
    AuditTitle => "Audit log", "監査ログ";
    AuditLead => "Every change and every sign-in attempt: who, when, from where, what. Secret values are never recorded.", "すべての変更とログインの試行（誰が・いつ・どこから・何を）を記録します。秘密の値は記録されません。";
    AuditWhen => "When", "日時";
    AuditWho => "Who", "実行者";
    AuditFrom => "From", "接続元";
    AuditWhat => "Action", "操作";
    AuditTarget => "Target", "対象";
    AuditChanged => "Changed fields", "変更された項目";
    AuditOutcome => "Result", "結果";
    OutcomeSuccess => "Succeeded", "成功";
    OutcomeFailure => "Failed", "失敗";
    AuditDetail => "Details", "詳細";
    NoEntries => "Nothing recorded yet.", "まだ記録はありません。";
    Previous => "Previous", "前へ";
    Next => "Next", "次へ";
    PageOf => "Page", "ページ";
    ActorUser => "admin", "管理者";
    ActorApiKey => "API key", "API キー";
    ActorSystem => "system", "システム";
    ActorAnonymous => "not signed in", "未ログイン";
    ActionSiteCreate => "Site created", "サイトを作成";
    ActionSiteUpdate => "Site changed", "サイトを変更";
    ActionSiteDelete => "Site deleted", "サイトを削除";
    ActionSiteChat => "Site's Click to Chat changed", "サイトの Click to Chat を変更";
    ActionInstanceChat => "Instance Click to Chat changed", "インスタンスの Click to Chat を変更";
    ActionSiteRules => "Site's display rules changed", "サイトの表示ルールを変更";
    ActionInstanceRules => "Instance display rules changed", "インスタンスの表示ルールを変更";
    ActionCalendarRefresh => "Calendar feed read now", "カレンダーフィードを今すぐ読み込み";
    ActionKeyCreate => "API key added", "API キーを追加";
    ActionKeyRename => "API key renamed", "API キーの名前を変更";
    ActionKeyRegenerate => "API key regenerated", "API キーを再生成";
    ActionKeyDelete => "API key deleted", "API キーを削除";
    ActionChatbotCreate => "Chatbot created", "チャットボットを作成";
    ActionChatbotUpdate => "Chatbot changed", "チャットボットを変更";
    ActionChatbotDelete => "Chatbot deleted", "チャットボットを削除";
    ActionChatbotRegenerate => "Chatbot secret regenerated", "チャットボットのシークレットを再発行";
    ActionChatbotImageSet => "Chatbot image set", "チャットボットの画像を設定";
    ActionChatbotImageClear => "Chatbot image cleared", "チャットボットの画像をクリア";
    ActionChatbotTry => "Chatbot tried", "チャットボットを試用";
    ActionChatbotDeliveryResend => "Webhook delivery sent again", "Webhook の配信を再送";
    ActionLogin => "Sign-in", "サインイン";
    ActionLogout => "Sign-out", "サインアウト";
    ActionLogoutEverywhere => "Sign-out everywhere", "すべての端末からのサインアウト";
    ActionPasswordChange => "Password change", "パスワードの変更";
    ActionSetup => "First admin created", "最初の管理者を作成";
    ActionAdminCreate => "Admin created", "管理者を作成";
    ActionConversationDelete => "Conversation deleted", "会話を削除";
    ActionConversationsExport => "Conversations exported", "会話をエクスポート";
    ActionConversationSettings => "Conversation retention changed", "会話の保存期間を変更";
    ActionConversationsExpire => "Conversations past the retention removed", "保存期間を過ぎた会話を削除";
    DetailWrongPassword => "Wrong user name or password.", "ユーザー名またはパスワードが違います。";
    DetailNotItemized => "{refused} attempts refused while locked out and {failed} more wrong passwords in one minute, from {addresses} addresses (not listed one by one).", "1 分間にロック中のため拒否した試行 {refused} 件と、誤ったパスワード {failed} 件（{addresses} 件のアドレスから。個別には記録していません）。";
    DetailSignedInAdminRequired => "Refused: an API key tried to set a self-hosted script URL.", "拒否: API キーでセルフホストのスクリプト URL を設定しようとしました。";
    DetailKeyNamed => "Key named {name}.", "キー名: {name}";
    DetailTooManyAttempts => "Too many wrong passwords: the account waits before the next check.", "パスワードの誤りが多すぎるため、次の確認まで待機中です。";
    DetailCalendarUnreadable => "The calendar feed on {host} could not be read ({error}); its last good copy stays in use.", "{host} のカレンダーフィードを読み込めませんでした（{error}）。最後に読み込めた内容を引き続き使います。";
    }
}

texts! {
    /// The strings only the account screen uses (in its own chunk).
    AccountText {
    AccountTitle => "Your account", "アカウント";
    AccountLead => "Change the password you sign in with.", "ログインに使うパスワードを変更します。";
    ChangePasswordHelp => "At least 10 characters, not a common password and not your user name. When it changes, your sessions in other browsers end.", "10 文字以上で、よく使われるパスワードやユーザー名を含むものは使えません。変更すると、ほかのブラウザーでのセッションは終了します。";
    CurrentPassword => "Current password", "現在のパスワード";
    NewPassword => "New password", "新しいパスワード";
    PasswordChanged => "Password changed. Your sessions in other browsers have ended.", "パスワードを変更しました。ほかのブラウザーでのセッションは終了しました。";
    }
}

texts! {
    /// The strings only the site screen uses (in its own chunk).
    SiteText {
    BackToSites => "All sites", "サイト一覧";
    SiteNotFoundTitle => "Site not found", "サイトが見つかりません";
    SiteNotFoundLead => "There is no site {site}. It may have been deleted.", "サイト {site} はありません。削除された可能性があります。";
    SiteDetails => "Site details", "サイトの詳細";
    SiteC2cTitle => "Click to Chat for this site", "このサイトの Click to Chat";
    ReadOnlyAlwaysInherit => "These settings are not used: the instance strategy is Always Inherit, so every site uses the instance settings. Change the strategy under Click to Chat to edit them.", "このサイトの設定は使われません。インスタンスの戦略が「常に継承」のため、すべてのサイトでインスタンス設定が使われます。編集するには Click to Chat で戦略を変更してください。";
    EffectiveTitle => "What applies now", "現在適用されている設定";
    EffectiveNone => "No chat loads on this site.", "このサイトではチャットは読み込まれません。";
    FromInstance => "inherited from the instance settings", "インスタンス設定から継承";
    FromSite => "from this site's own settings", "このサイト独自の設定";
    GuestsToo => "Guests get the chat too.", "ゲストにもチャットが表示されます。";
    SignedInOnly => "Only signed-in visitors get the chat.", "ログインした訪問者にのみチャットが表示されます。";
    EmbedTitle => "Embed code", "埋め込みコード";
    EmbedHelp => "Paste this into every page of the site, e.g. before </head>. Add data-user-id, data-user-name and data-user-email for signed-in visitors.", "サイトのすべてのページ（例: </head> の直前）に貼り付けます。ログイン中の訪問者には data-user-id、data-user-name、data-user-email を追加します。";
    TryOnDemo => "Try it on the demo page (opens a new tab)", "デモページで試す（新しいタブで開きます）";
    CspTitle => "Content-Security-Policy", "Content-Security-Policy（CSP）";
    CspHelp => "If the site's pages send a Content-Security-Policy, it must allow these sources, or the chat will not load.", "サイトのページが Content-Security-Policy を送信している場合、これらの許可がないとチャットは読み込まれません。";
    }
}

texts! {
    /// The strings only the sites screen uses (in its own chunk).
    SitesText {
    SitesLead => "The websites that embed Switchboard. Each can use the instance settings or its own.", "Switchboard を埋め込む Web サイトです。インスタンス設定を使うことも、独自の設定を持つこともできます。";
    SiteId => "Site ID", "サイト ID";
    SiteIdHelp => "Used in the embed code (data-site). Lowercase letters, digits and '-'; cannot be changed later.", "埋め込みコード（data-site）で使います。英小文字・数字・「-」が使え、後から変更できません。";
    AddSite => "Add site", "サイトを追加";
    SiteAdded => "Site added.", "サイトを追加しました。";
    NoSites => "No sites yet. Add the first one below.", "サイトはまだありません。下のフォームから追加してください。";
    }
}

texts! {
    /// The strings only the api keys screen uses (in its own chunk).
    KeysText {
    KeysTitle => "API access keys", "API アクセスキー";
    KeysLead => "Keys let scripts and integrations use the REST API: send one as Authorization: Bearer <key>. A key can change settings and sites, but not other keys.", "キーを使うと、スクリプトや連携から REST API を利用できます（Authorization: Bearer <キー> として送信）。キーで設定やサイトは変更できますが、他のキーは管理できません。";
    KeyName => "Name", "名前";
    KeyNameHelp => "Who or what uses the key, e.g. \"CI deploy\".", "キーの利用者や用途（例: 「CI デプロイ」）。";
    KeyPrefix => "Key starts with", "キーの先頭";
    KeyCreated => "Created", "作成日時";
    KeyLastUsed => "Last used", "最終使用";
    KeyNeverUsed => "Never", "未使用";
    AddKey => "Add key", "キーを追加";
    NoKeys => "No API keys yet.", "API キーはまだありません。";
    NewKeyTitle => "Your new key", "新しいキー";
    NewKeyWarning => "Copy it now and keep it somewhere safe: it will not be shown again.", "今すぐコピーして安全な場所に保管してください。このキーは二度と表示されません。";
    Rename => "Rename", "名前を変更";
    }
}

/// A field error in `lang`, from its code and params (the server's English
/// message only for a code this version of the app does not know).
pub fn field_text(lang: Lang, problem: &crate::api::FieldProblem) -> String {
    match T::for_error_code(&problem.code, &problem.params) {
        Some(key) => fill(key.get(lang), &problem.params),
        None => problem.message.clone(),
    }
}

type ApiTexts = fn(&str, Lang) -> Option<&'static str>;

thread_local! {
    /// Texts of API codes that only some screens get, added by those screens
    /// (so their strings stay in their own chunks).
    static MORE_API_TEXTS: std::cell::RefCell<Vec<ApiTexts>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds the texts of a screen's own API codes (once; again is a no-op).
pub fn add_api_texts(lookup: ApiTexts) {
    MORE_API_TEXTS.with(|more| {
        let mut more = more.borrow_mut();
        if !more
            .iter()
            .any(|known| std::ptr::fn_addr_eq(*known, lookup))
        {
            more.push(lookup);
        }
    });
}

/// An API error in `lang`, from its code and params.
pub fn error_text(lang: Lang, error: &crate::api::ApiError) -> String {
    let text = match T::for_api_code(error.code()) {
        Some(key) => key.get(lang),
        None => {
            let more = MORE_API_TEXTS.with(|more| {
                more.borrow()
                    .iter()
                    .find_map(|lookup| lookup(error.code(), lang))
            });
            match more {
                Some(text) => text,
                None => return error.message(),
            }
        }
    };
    let mut params = error.params().clone();
    // A wait is worded in whole minutes.
    if let Some(seconds) = params
        .get("retry_after")
        .and_then(serde_json::Value::as_u64)
    {
        if let Some(map) = params.as_object_mut() {
            map.insert("minutes".into(), seconds.div_ceil(60).max(1).into());
        }
    }
    fill(text, &params)
}

/// A warning about an unusual value, worded from the catalog's description
/// of the field's usual shape.
pub fn warning_text(lang: Lang, warning: &switchboard_core::errors::FieldWarning) -> String {
    use switchboard_core::catalog::{Format, ProviderId};
    if warning.code == "no_provider" {
        return T::WarnNoProvider.get(lang).to_string();
    }
    let field = warning
        .params
        .get("provider")
        .and_then(serde_json::Value::as_str)
        .and_then(ProviderId::parse)
        .zip(
            warning
                .params
                .get("key")
                .and_then(serde_json::Value::as_str),
        )
        .and_then(|(provider, key)| provider.provider().field(key));
    let usual = field.and_then(|f| match &f.format {
        Format::Digits { usual: Some(u) } | Format::Token { usual: Some(u) } => {
            Some((f.label, u.description))
        }
        _ => None,
    });
    match usual {
        Some((label, usual)) => {
            let params =
                serde_json::json!({ "label": lang.pick(label), "usual": lang.pick(usual) });
            fill(T::WarnUnusual.get(lang), &params)
        }
        None => warning.message.clone(),
    }
}

/// The CSP endpoint's note (`official` / `derived`).
pub fn csp_note(lang: Lang, code: &str) -> Option<&'static str> {
    match code {
        "official" => Some(T::CspOfficial.get(lang)),
        "derived" => Some(T::CspDerived.get(lang)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Japanese strings may equal the English only when they are product
    /// names kept as they are.
    const SAME_IN_BOTH: &[T] = &[T::NavClickToChat, T::C2cTitle];

    #[test]
    fn every_reason_code_the_server_sends_is_translated() {
        use switchboard_core::resolution::{Inactive, Reason};
        for reason in Reason::ALL {
            let code = serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            assert!(T::for_reason(&code).is_some(), "{code}");
        }
        for inactive in Inactive::ALL {
            let code = serde_json::to_value(inactive)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            assert!(T::for_reason(&code).is_some(), "{code}");
        }
    }

    #[test]
    fn every_code_the_server_sends_has_both_texts() {
        use switchboard_core::errors::ErrorCode;
        use switchboard_core::messages::ApiCode;
        let all_params = serde_json::json!({"max": 1, "min": 1, "value": "x", "site": "y"});
        for code in ErrorCode::ALL {
            assert!(
                T::for_error_code(code.as_str(), &serde_json::Value::Null).is_some(),
                "{code:?} without params"
            );
            assert!(
                T::for_error_code(code.as_str(), &all_params).is_some(),
                "{code:?} with params"
            );
        }
        for code in ApiCode::ALL {
            assert!(
                T::for_api_code(code.as_str()).is_some()
                    || B::for_api_code(code.as_str()).is_some(),
                "{code:?}"
            );
        }
        for code in ["official", "derived"] {
            assert!(
                csp_note(Lang::Ja, code).is_some_and(|t| !t.is_ascii()),
                "{code}"
            );
        }
    }

    #[test]
    fn params_fill_the_texts() {
        let problem = crate::api::FieldProblem {
            field: "domains[0]".into(),
            code: "already_taken".into(),
            message: "English".into(),
            params: serde_json::json!({"value": "www.example.com", "site": "shop"}),
        };
        assert_eq!(
            field_text(Lang::Ja, &problem),
            "www.example.com はすでにサイト shop で使われています。"
        );
        assert_eq!(
            field_text(Lang::En, &problem),
            "www.example.com already belongs to site shop."
        );
        let long = crate::api::FieldProblem {
            code: "too_long".into(),
            params: serde_json::json!({"max": 100}),
            ..problem
        };
        assert_eq!(field_text(Lang::En, &long), "At most 100 characters.");
        let locked = crate::api::ApiError::Server {
            status: 429,
            code: "too_many_attempts".into(),
            message: "English".into(),
            params: serde_json::json!({"retry_after": 61}),
            fields: vec![],
        };
        assert_eq!(
            error_text(Lang::En, &locked),
            "Too many failed sign-ins from here. Try again in 2 min."
        );
        assert_eq!(
            fill("{a} and {b}", &serde_json::json!({"a": 1})),
            "1 and {b}"
        );
    }

    #[test]
    fn every_string_has_english_and_japanese() {
        for key in T::ALL {
            let (en, ja) = (key.get(Lang::En), key.get(Lang::Ja));
            assert!(!en.trim().is_empty(), "{key:?} lacks English");
            assert!(!ja.trim().is_empty(), "{key:?} lacks Japanese");
            if !SAME_IN_BOTH.contains(key) {
                assert!(
                    !ja.is_ascii(),
                    "{key:?}: the Japanese text looks untranslated: {ja:?}"
                );
                assert!(
                    en.is_ascii() || en.contains('…') || en.contains('’'),
                    "{key:?}: the English text looks Japanese: {en:?}"
                );
            }
        }
    }

    /// Both languages, the Japanese translated, the same placeholders.
    fn check_table<K: Text + std::fmt::Debug + PartialEq>(all: &[K], same: &[K]) {
        let names = |t: &str| {
            let mut found: Vec<String> = t
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            found.sort();
            found
        };
        for key in all {
            let (en, ja) = (key.text(Lang::En), key.text(Lang::Ja));
            assert!(!en.trim().is_empty() && !ja.trim().is_empty(), "{key:?}");
            if !same.contains(key) {
                assert!(
                    !ja.is_ascii(),
                    "{key:?}: the Japanese text looks untranslated: {ja:?}"
                );
                assert!(
                    en.is_ascii() || en.contains('…') || en.contains('’'),
                    "{key:?}: the English text looks Japanese: {en:?}"
                );
            }
            assert_eq!(names(en), names(ja), "{key:?}: placeholders differ");
        }
    }

    #[test]
    fn every_screen_table_has_english_and_japanese() {
        check_table(AuditText::ALL, &[]);
        check_table(KeysText::ALL, &[]);
        check_table(SiteText::ALL, &[]);
        check_table(SitesText::ALL, &[]);
        check_table(AccountText::ALL, &[]);
    }

    #[test]
    fn every_chatbot_string_has_english_and_japanese() {
        // Names kept as they are in Japanese.
        check_table(
            B::ALL,
            &[B::KindOpenAi, B::KindAzure, B::UsesWebhook, B::ProfileUrl],
        );
    }

    #[test]
    fn language_codes() {
        assert_eq!(Lang::from_code("ja-JP"), Some(Lang::Ja));
        assert_eq!(Lang::from_code("EN-us"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::from_code("x"), None);
    }
}
