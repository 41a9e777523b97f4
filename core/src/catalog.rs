//! The chat providers Switchboard can load, as data: names, account fields
//! with their labels and formats, where to find each value in the provider's
//! dashboard, and which visitor features each provider offers.
//!
//! Values entered here end up in script URLs and JavaScript globals on other
//! people's sites, so every field allows only the characters its format needs.
//! Formats we only know from public samples ("usual" shapes) warn instead of
//! refusing; the safe-character rule always holds.
//!
//! Adding a provider: one [`ProviderId`] variant, one [`Provider`] entry here,
//! and one injection recipe in the widget.

use serde::{Deserialize, Serialize};

use crate::text::{l, Localized};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderId {
    Chatwoot,
    Crisp,
    Hubspot,
    Intercom,
    Jivochat,
    Livechat,
    Liveperson,
    Smartsupp,
    Tawkto,
    Tidio,
    Zendesk,
    /// The built-in assistant: one of our own chatbots is the site's chat.
    Switchboard,
}

impl ProviderId {
    pub const ALL: [ProviderId; 12] = [
        Self::Chatwoot,
        Self::Crisp,
        Self::Hubspot,
        Self::Intercom,
        Self::Jivochat,
        Self::Livechat,
        Self::Liveperson,
        Self::Smartsupp,
        Self::Tawkto,
        Self::Tidio,
        Self::Zendesk,
        Self::Switchboard,
    ];

    pub fn as_str(self) -> &'static str {
        self.provider().id_str
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == id)
    }

    pub fn provider(self) -> &'static Provider {
        // CATALOG is ordered like ALL; the catalog tests check it.
        &CATALOG[self as usize]
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Provider {
    pub id: ProviderId,
    #[serde(skip)]
    id_str: &'static str,
    pub name: &'static str,
    /// Path of the logo under the server's public folder.
    pub logo: &'static str,
    /// The provider's own help on installing its chat.
    pub docs_url: &'static str,
    /// "How do I get this?": where the values live in the provider's dashboard.
    pub how_to: Localized,
    pub fields: &'static [Field],
    pub features: Features,
}

/// What the widget can do with this provider for a visitor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Features {
    /// The signed-in visitor's name and e-mail reach the provider.
    pub identify: bool,
    /// `Switchboard.open()` opens the chat window.
    pub open: bool,
    /// `Switchboard.reset()` clears the visitor's chat session on logout.
    pub reset: bool,
    /// Anything an admin should know about identity with this provider.
    pub note: Option<Localized>,
}

/// What "hide" does for each provider when display rules take its chat off
/// a page it is loaded on (a single-page app's route change, the hours
/// over); the loader's `rules.js` does it. Not part of [`Features`], so the
/// admin app's first screen does not carry these texts.
pub const fn hide_text(id: ProviderId) -> Localized {
    match id {
        ProviderId::Chatwoot => l("The chat bubble is hidden (toggleBubbleVisibility) and shown again.", "チャットバブルを非表示にし（toggleBubbleVisibility）、再び表示します。"),
        ProviderId::Crisp => l("The chatbox is hidden (chat:hide) and shown again (chat:show).", "チャットボックスを非表示（chat:hide）にし、再び表示（chat:show）します。"),
        ProviderId::Hubspot => l("The chat widget is removed and loaded again.", "チャットウィジェットを削除し、再び読み込みます。"),
        ProviderId::Intercom => l("The launcher is hidden (hide_default_launcher) and the Messenger closed; shown again after.", "ランチャーを非表示（hide_default_launcher）にしてメッセンジャーを閉じ、後で再び表示します。"),
        ProviderId::Jivochat => l("JivoChat cannot be hidden once loaded: the chat stays on the page.", "JivoChat は読み込み後に非表示にできません。チャットはページに残ります。"),
        ProviderId::Livechat => l("The widget is hidden (hide) and shown again minimized.", "ウィジェットを非表示（hide）にし、最小化した状態で再び表示します。"),
        ProviderId::Liveperson => l("LivePerson cannot be hidden once loaded: its engagements stay.", "LivePerson は読み込み後に非表示にできません。エンゲージメントは残ります。"),
        ProviderId::Smartsupp => l("The chat is hidden (chat:hide) and shown again (chat:show).", "チャットを非表示（chat:hide）にし、再び表示（chat:show）します。"),
        ProviderId::Tawkto => l("The widget is hidden (hideWidget) and shown again (showWidget).", "ウィジェットを非表示（hideWidget）にし、再び表示（showWidget）します。"),
        ProviderId::Tidio => l("The widget is hidden and shown again (display).", "ウィジェットを非表示にし、再び表示します（display）。"),
        ProviderId::Zendesk => l("The widget is hidden and shown again (hide / show).", "ウィジェットを非表示にし、再び表示します（hide / show）。"),
        ProviderId::Switchboard => l("The assistant's button and panel are hidden and shown again.", "アシスタントのボタンとパネルを非表示にし、再び表示します。"),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub label: Localized,
    /// Where to find this value in the provider's dashboard.
    pub help: Localized,
    pub format: Format,
    /// Must have a value (after `default`) for the provider to be usable.
    pub required: bool,
    /// Used when the admin leaves the field empty.
    pub default: Option<&'static str>,
    /// A made-up value of the right shape, for placeholders.
    pub example: &'static str,
    /// Write-only: never returned by the API after saving, never sent to the
    /// widget. (No provider field needs this yet; server-signed identities will.)
    pub secret: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Format {
    /// 8-4-4-4-12 hexadecimal; stored lowercase.
    Uuid,
    /// Decimal digits only.
    Digits {
        #[serde(skip_serializing_if = "Option::is_none")]
        usual: Option<Usual>,
    },
    /// Exactly `length` hexadecimal digits; stored lowercase.
    Hex { length: usize },
    /// Letters, digits, `_` and `-`.
    Token {
        #[serde(skip_serializing_if = "Option::is_none")]
        usual: Option<Usual>,
    },
    /// An https URL with a host and an optional path; no query, fragment or
    /// credentials. Stored without a trailing slash.
    HttpsUrl,
    /// One of a fixed list.
    Choice { choices: &'static [Choice] },
    /// The id of one of this Switchboard's chatbots (12 lowercase letters and
    /// digits); the server checks that it exists and may be a site's chat.
    Chatbot,
}

/// A test of a value's shape (a named type: the schema derive cannot read `fn` types).
pub type ValueCheck = fn(&str) -> bool;

/// The shape values have in every public sample: a mismatch only warns.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Usual {
    pub description: Localized,
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub matches: ValueCheck,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: Localized,
}

/// The host HubSpot serves an account's loader from, by the account's region
/// (`hs-scripts.com` plain for the default region). The one place this is
/// known: the widget gets it in the public config (as `script_host`), the
/// CSP allows it.
pub fn hubspot_script_host(region: Option<&str>) -> &'static str {
    match region {
        Some("na1") => "js-na1.hs-scripts.com",
        Some("na2") => "js-na2.hs-scripts.com",
        Some("eu1") => "js-eu1.hs-scripts.com",
        _ => "js.hs-scripts.com",
    }
}

/// Values the public config carries beside a provider's own account fields,
/// derived by the server (see [`crate::public_config`]).
pub const DERIVED_WIDGET_FIELDS: &[(ProviderId, &str)] = &[(ProviderId::Hubspot, "script_host")];

/// Longest value any text field accepts.
pub const MAX_VALUE_LEN: usize = 128;
/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

pub fn catalog() -> &'static [Provider] {
    &CATALOG
}

fn all(value: &str, allowed: fn(char) -> bool) -> bool {
    value.chars().all(allowed)
}

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static CATALOG: [Provider; 12] = [
    Provider {
        id: ProviderId::Chatwoot,
        id_str: "chatwoot",
        name: "Chatwoot",
        logo: "/logos/chatwoot.svg",
        docs_url: "https://www.chatwoot.com/hc/user-guide/articles/1677587234-how-to-setup-a-website-channel",
        how_to: l(
            "In Chatwoot, open Settings → Inboxes, choose your website inbox, then Settings → Configuration. The embed code shown there contains the website token (websiteToken) and the base URL (BASE_URL).",
            "Chatwoot で「設定」→「受信トレイ」を開き、対象の Web サイト受信トレイを選んで「設定」→「構成」を開きます。表示される埋め込みコードに Web サイトトークン（websiteToken）とベース URL（BASE_URL）が含まれています。",
        ),
        fields: &[
            Field {
                key: "website_token",
                label: l("Website token", "Web サイトトークン"),
                help: l(
                    "The websiteToken value in your inbox's embed code (24 characters).",
                    "受信トレイの埋め込みコードにある websiteToken の値（24 文字）です。",
                ),
                format: Format::Token {
                    usual: Some(Usual {
                        description: l("24 letters and digits", "英数字 24 文字"),
                        matches: |v| v.len() == 24 && all(v, |c| BASE58.contains(c)),
                    }),
                },
                required: true,
                default: None,
                example: "pX7kR2mQ9vW4tY6zB8nC3dF5",
                secret: false,
            },
            Field {
                key: "base_url",
                label: l("Base URL", "ベース URL"),
                help: l(
                    "Where your Chatwoot runs: https://app.chatwoot.com for Chatwoot Cloud, or your own https address if you host it yourself.",
                    "Chatwoot の URL です。Chatwoot Cloud なら https://app.chatwoot.com、セルフホストの場合はご自身の https アドレスを入力します。",
                ),
                format: Format::HttpsUrl,
                required: true,
                default: Some("https://app.chatwoot.com"),
                example: "https://app.chatwoot.com",
                secret: false,
            },
        ],
        features: Features {identify: true, open: true, reset: true, note: None },
    },
    Provider {
        id: ProviderId::Crisp,
        id_str: "crisp",
        name: "Crisp",
        logo: "/logos/crisp.svg",
        docs_url: "https://help.crisp.chat/en/article/how-do-i-install-crisp-live-chat-on-my-website-1bhyqym/",
        how_to: l(
            "In Crisp, open Settings → Workspace Settings → Setup & Integrations. The Website ID is shown there (it also appears as CRISP_WEBSITE_ID in the chatbox code).",
            "Crisp で「Settings」→「Workspace Settings」→「Setup & Integrations」を開くと Website ID が表示されます（チャットボックスのコードの CRISP_WEBSITE_ID と同じ値です）。",
        ),
        fields: &[Field {
            key: "website_id",
            label: l("Website ID", "Website ID"),
            help: l(
                "A UUID such as 1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c.",
                "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c のような UUID 形式の値です。",
            ),
            format: Format::Uuid,
            required: true,
            default: None,
            example: "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c",
            secret: false,
        }],
        features: Features {identify: true, open: true, reset: true, note: None },
    },
    Provider {
        id: ProviderId::Hubspot,
        id_str: "hubspot",
        name: "HubSpot",
        logo: "/logos/hubspot.svg",
        docs_url: "https://knowledge.hubspot.com/reports/install-the-hubspot-code-on-a-non-hubspot-hosted-website",
        how_to: l(
            "In HubSpot, click your account name in the top right: the Hub ID is the number shown under it. The region is in your tracking code: js-na1, js-na2 or js-eu1.hs-scripts.com; choose Default if it is plain js.hs-scripts.com.",
            "HubSpot で右上のアカウント名をクリックすると、その下に Hub ID（数字）が表示されます。リージョンはトラッキングコードのホスト名（js-na1 / js-na2 / js-eu1.hs-scripts.com）で確認でき、js.hs-scripts.com の場合は「既定」を選びます。",
        ),
        fields: &[
            Field {
                key: "hub_id",
                label: l("Hub ID", "Hub ID"),
                help: l(
                    "Your HubSpot account number (digits only), also visible in the tracking code as js.hs-scripts.com/<Hub ID>.js.",
                    "HubSpot のアカウント番号（数字のみ）です。トラッキングコードの js.hs-scripts.com/<Hub ID>.js にも含まれています。",
                ),
                format: Format::Digits {
                    usual: Some(Usual {
                        description: l("5 to 10 digits", "5〜10 桁の数字"),
                        matches: |v| (5..=10).contains(&v.len()),
                    }),
                },
                required: true,
                default: None,
                example: "20123456",
                secret: false,
            },
            Field {
                key: "region",
                label: l("Region", "リージョン"),
                help: l(
                    "The data-centre host of your tracking code.",
                    "トラッキングコードに含まれるデータセンターのホストです。",
                ),
                format: Format::Choice {
                    choices: &[
                        Choice { value: "default", label: l("Default (js.hs-scripts.com)", "既定（js.hs-scripts.com）") },
                        Choice { value: "na1", label: l("North America 1 (js-na1)", "北米 1（js-na1）") },
                        Choice { value: "na2", label: l("North America 2 (js-na2)", "北米 2（js-na2）") },
                        Choice { value: "eu1", label: l("Europe 1 (js-eu1)", "欧州 1（js-eu1）") },
                    ],
                },
                required: true,
                default: Some("default"),
                example: "default",
                secret: false,
            },
        ],
        features: Features {identify: false,
            open: true,
            reset: true,
            note: Some(l(
                "HubSpot identifies visitors only with a token issued by your server, which Switchboard does not do yet: visitors chat without their name and e-mail.",
                "HubSpot で訪問者を識別するにはサーバーが発行するトークンが必要で、Switchboard はまだ対応していません。訪問者の名前とメールアドレスは送信されません。",
            )),
        },
    },
    Provider {
        id: ProviderId::Intercom,
        id_str: "intercom",
        name: "Intercom",
        logo: "/logos/intercom.svg",
        docs_url: "https://www.intercom.com/help/en/articles/170-install-intercom-on-your-website",
        how_to: l(
            "In Intercom, open Settings → Installation → Web. The installation code contains app_id; it is also the part after /apps/ in your workspace's address.",
            "Intercom で「Settings」→「Installation」→「Web」を開きます。インストールコードに app_id が含まれています（ワークスペースの URL の /apps/ の後ろの部分と同じです）。",
        ),
        fields: &[Field {
            key: "app_id",
            label: l("App ID", "App ID"),
            help: l("Your workspace ID, e.g. abc12def.", "ワークスペース ID です（例: abc12def）。"),
            format: Format::Token {
                usual: Some(Usual {
                    description: l("8 lowercase letters and digits", "英小文字と数字 8 文字"),
                    matches: |v| v.len() == 8 && all(v, lower_alnum),
                }),
            },
            required: true,
            default: None,
            example: "abc12def",
            secret: false,
        }],
        features: Features {identify: true, open: true, reset: true, note: None },
    },
    Provider {
        id: ProviderId::Jivochat,
        id_str: "jivochat",
        name: "JivoChat",
        logo: "/logos/jivochat.svg",
        docs_url: "https://www.jivochat.com/help/installation/",
        how_to: l(
            "In JivoChat, open Settings → Channels → Website → Settings → Installation. The code loads //code.jivosite.com/widget/<widget ID>.",
            "JivoChat で「設定」→「チャネル」→「Web サイト」→「設定」→「インストール」を開きます。コード内の //code.jivosite.com/widget/<ウィジェット ID> の部分です。",
        ),
        fields: &[Field {
            key: "widget_id",
            label: l("Widget ID", "ウィジェット ID"),
            help: l(
                "The last part of the widget address in the installation code.",
                "インストールコードにあるウィジェット URL の最後の部分です。",
            ),
            format: Format::Token {
                usual: Some(Usual {
                    description: l("10 letters and digits", "英数字 10 文字"),
                    matches: |v| v.len() == 10 && all(v, |c| c.is_ascii_alphanumeric()),
                }),
            },
            required: true,
            default: None,
            example: "aBcD3fGh1J",
            secret: false,
        }],
        features: Features {identify: true, open: true, reset: false, note: None },
    },
    Provider {
        id: ProviderId::Livechat,
        id_str: "livechat",
        name: "LiveChat",
        logo: "/logos/livechat.svg",
        docs_url: "https://www.livechat.com/help/install-livechat-on-website/",
        how_to: l(
            "In LiveChat, open Settings → Channels → Website. The installation code sets __lc.license to your license number. Groups are under Settings → Chat routing → Groups.",
            "LiveChat で「Settings」→「Channels」→「Website」を開きます。インストールコードの __lc.license の数字がライセンス番号です。グループは「Settings」→「Chat routing」→「Groups」で確認できます。",
        ),
        fields: &[
            Field {
                key: "license",
                label: l("License number", "ライセンス番号"),
                help: l("Digits only, e.g. 12345678.", "数字のみです（例: 12345678）。"),
                format: Format::Digits {
                    usual: Some(Usual {
                        description: l("6 to 9 digits", "6〜9 桁の数字"),
                        matches: |v| (6..=9).contains(&v.len()) && !v.starts_with('0'),
                    }),
                },
                required: true,
                default: None,
                example: "12345678",
                secret: false,
            },
            Field {
                key: "group",
                label: l("Group", "グループ"),
                help: l(
                    "The number of the agent group that should take these chats; leave empty for the default group.",
                    "このサイトのチャットを担当するグループの番号です。空欄なら既定のグループになります。",
                ),
                format: Format::Digits { usual: None },
                required: false,
                default: None,
                example: "2",
                secret: false,
            },
        ],
        features: Features {identify: true, open: true, reset: false, note: None },
    },
    Provider {
        id: ProviderId::Liveperson,
        id_str: "liveperson",
        name: "LivePerson",
        logo: "/logos/liveperson.svg",
        docs_url: "https://developers.liveperson.com/web-tag-overview.html",
        how_to: l(
            "Your LivePerson site ID (account number) is shown when you sign in to Conversational Cloud and in the web tag as tag.js?site=<site ID>.",
            "LivePerson のサイト ID（アカウント番号）は Conversational Cloud へのログイン時や、Web タグの tag.js?site=<サイト ID> で確認できます。",
        ),
        fields: &[Field {
            key: "site_id",
            label: l("Site ID", "サイト ID"),
            help: l("Your account number, digits only.", "アカウント番号（数字のみ）です。"),
            format: Format::Digits {
                usual: Some(Usual {
                    description: l("6 to 10 digits", "6〜10 桁の数字"),
                    matches: |v| (6..=10).contains(&v.len()),
                }),
            },
            required: true,
            default: None,
            example: "12345678",
            secret: false,
        }],
        features: Features {identify: true,
            open: false,
            reset: false,
            note: Some(l(
                "LivePerson opens chats through engagements configured in LivePerson; Switchboard passes the visitor's details but cannot open the window itself.",
                "LivePerson のチャットは LivePerson 側で設定したエンゲージメントから開きます。Switchboard は訪問者情報を渡しますが、ウィンドウを直接開くことはできません。",
            )),
        },
    },
    Provider {
        id: ProviderId::Smartsupp,
        id_str: "smartsupp",
        name: "Smartsupp",
        logo: "/logos/smartsupp.svg",
        docs_url: "https://www.smartsupp.com/help/chat-box-installation/",
        how_to: l(
            "In Smartsupp, open Settings → Chat box → Chat code. The code sets _smartsupp.key to your key.",
            "Smartsupp で「Settings」→「Chat box」→「Chat code」を開きます。コード内の _smartsupp.key の値がキーです。",
        ),
        fields: &[Field {
            key: "key",
            label: l("Key", "キー"),
            help: l("40 hexadecimal characters.", "16 進数 40 文字です。"),
            format: Format::Hex { length: 40 },
            required: true,
            default: None,
            example: "0123456789abcdef0123456789abcdef01234567",
            secret: false,
        }],
        features: Features {identify: true, open: true, reset: false, note: None },
    },
    Provider {
        id: ProviderId::Tawkto,
        id_str: "tawkto",
        name: "Tawk.to",
        logo: "/logos/tawkto.svg",
        docs_url: "https://help.tawk.to/article/adding-a-widget-to-your-website",
        how_to: l(
            "In Tawk.to, open Administration → Channels → Chat Widget. The Direct Chat Link is https://tawk.to/chat/<property ID>/<widget ID>.",
            "Tawk.to で「Administration」→「Channels」→「Chat Widget」を開きます。Direct Chat Link（https://tawk.to/chat/<プロパティ ID>/<ウィジェット ID>）に両方の値が含まれています。",
        ),
        fields: &[
            Field {
                key: "property_id",
                label: l("Property ID", "プロパティ ID"),
                help: l("24 hexadecimal characters.", "16 進数 24 文字です。"),
                format: Format::Hex { length: 24 },
                required: true,
                default: None,
                example: "5f8e1a2b3c4d5e6f7a8b9c0d",
                secret: false,
            },
            Field {
                key: "widget_id",
                label: l("Widget ID", "ウィジェット ID"),
                help: l(
                    "The part after the property ID in the Direct Chat Link: often default or a short code.",
                    "Direct Chat Link のプロパティ ID の後ろの部分です（default または短い英数字）。",
                ),
                format: Format::Token {
                    usual: Some(Usual {
                        description: l("default, or 6 to 12 lowercase letters and digits", "default、または英小文字と数字 6〜12 文字"),
                        matches: |v| v == "default" || ((6..=12).contains(&v.len()) && all(v, lower_alnum)),
                    }),
                },
                required: true,
                default: Some("default"),
                example: "1h2g3f4e5",
                secret: false,
            },
        ],
        features: Features {identify: true, open: true, reset: false, note: None },
    },
    Provider {
        id: ProviderId::Tidio,
        id_str: "tidio",
        name: "Tidio",
        logo: "/logos/tidio.svg",
        docs_url: "https://help.tidio.com/hc/en-us/articles/5381484408732-Install-Tidio-on-your-website",
        how_to: l(
            "In Tidio, open Settings → Installation → JavaScript. The code loads //code.tidio.co/<public key>.js.",
            "Tidio で「Settings」→「Installation」→「JavaScript」を開きます。コード内の //code.tidio.co/<公開キー>.js の部分です。",
        ),
        fields: &[Field {
            key: "public_key",
            label: l("Public key", "公開キー"),
            help: l("32 lowercase letters and digits.", "英小文字と数字 32 文字です。"),
            format: Format::Token {
                usual: Some(Usual {
                    description: l("32 lowercase letters and digits", "英小文字と数字 32 文字"),
                    matches: |v| v.len() == 32 && all(v, lower_alnum),
                }),
            },
            required: true,
            default: None,
            example: "abcdefghijklmnopqrstuvwxyz012345",
            secret: false,
        }],
        features: Features {identify: true, open: true, reset: false, note: None },
    },
    Provider {
        id: ProviderId::Zendesk,
        id_str: "zendesk",
        name: "Zendesk",
        logo: "/logos/zendesk.svg",
        docs_url: "https://support.zendesk.com/hc/en-us/articles/4408836216218",
        how_to: l(
            "In Zendesk Admin Center, open Channels → Messaging and social → Messaging, choose your web widget, then Installation. The code loads snippet.js?key=<key>. Choose Messaging for the current Web Widget, Classic for the Classic Web Widget (Chat).",
            "Zendesk の管理センターで「チャネル」→「メッセージングとソーシャル」→「メッセージング」を開き、Web ウィジェットを選んで「インストール」を開きます。コード内の snippet.js?key=<キー> の部分です。現行の Web ウィジェットなら「メッセージング」、旧 Web ウィジェット（Chat）なら「クラシック」を選びます。",
        ),
        fields: &[
            Field {
                key: "key",
                label: l("Snippet key", "スニペットキー"),
                help: l(
                    "A UUID such as 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b.",
                    "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b のような UUID 形式の値です。",
                ),
                format: Format::Uuid,
                required: true,
                default: None,
                example: "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                secret: false,
            },
            Field {
                key: "kind",
                label: l("Widget type", "ウィジェットの種類"),
                help: l(
                    "Which Zendesk web widget your account uses.",
                    "アカウントで使用している Zendesk Web ウィジェットの種類です。",
                ),
                format: Format::Choice {
                    choices: &[
                        Choice { value: "messaging", label: l("Messaging", "メッセージング") },
                        Choice { value: "classic", label: l("Classic (Chat)", "クラシック（Chat）") },
                    ],
                },
                required: true,
                default: Some("messaging"),
                example: "messaging",
                secret: false,
            },
        ],
        features: Features {identify: true,
            open: true,
            reset: true,
            note: Some(l(
                "With Messaging, Zendesk accepts a visitor's identity only as a token signed by your server, which Switchboard does not do yet: only the Classic widget receives the visitor's name and e-mail.",
                "メッセージングでは、訪問者の識別にサーバー署名のトークンが必要で、Switchboard はまだ対応していません。訪問者の名前とメールアドレスはクラシックのウィジェットにのみ渡されます。",
            )),
        },
    },
    Provider {
        id: ProviderId::Switchboard,
        id_str: "switchboard",
        name: "Built-in assistant",
        logo: "/logos/switchboard.svg",
        docs_url: "/admin/chatbots",
        how_to: l(
            "One of this Switchboard's chatbots answers the site's visitors itself, with its model or its bot program. Create the chatbot under Integrations → Chatbots and turn on \"May be used as a site's chat\"; then choose it here.",
            "この Switchboard のチャットボットが、モデルまたはボットプログラムでサイトの訪問者に直接回答します。「連携」→「チャットボット」でチャットボットを作成して「サイトのチャットとして使用可能」をオンにし、ここで選びます。",
        ),
        fields: &[Field {
            key: "chatbot",
            label: l("Chatbot", "チャットボット"),
            help: l(
                "Only chatbots that may be used as a site's chat can be chosen.",
                "サイトのチャットとして使用可能なチャットボットのみ選べます。",
            ),
            format: Format::Chatbot,
            required: true,
            default: None,
            example: "k3v9q2xm7d1a",
            secret: false,
        }],
        features: Features {identify: true,
            open: true,
            reset: true,
            note: Some(l(
                "A signed-in visitor's name and e-mail are kept with the conversation and shown in its transcript.",
                "ログイン中の訪問者の名前とメールアドレスは会話とともに保存され、会話記録に表示されます。",
            )),
        },
    },
];

/// A chatbot id's shape: what [`Format::Chatbot`] accepts.
pub fn is_chatbot_id(value: &str) -> bool {
    value.len() == 12 && all(value, lower_alnum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_ordered_like_provider_ids() {
        for (index, id) in ProviderId::ALL.into_iter().enumerate() {
            assert_eq!(CATALOG[index].id, id);
            assert_eq!(id.provider().id, id);
            assert_eq!(ProviderId::parse(id.as_str()), Some(id));
        }
    }

    #[test]
    fn ids_serialize_as_spec_names() {
        let ids: Vec<String> = ProviderId::ALL
            .iter()
            .map(|id| {
                serde_json::to_value(id)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            ids,
            [
                "chatwoot",
                "crisp",
                "hubspot",
                "intercom",
                "jivochat",
                "livechat",
                "liveperson",
                "smartsupp",
                "tawkto",
                "tidio",
                "zendesk",
                "switchboard"
            ]
        );
        for id in ProviderId::ALL {
            assert_eq!(serde_json::to_value(id).unwrap(), id.as_str());
        }
    }

    #[test]
    fn spec_account_fields_per_provider() {
        let keys = |id: ProviderId| {
            id.provider()
                .fields
                .iter()
                .map(|f| f.key)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(ProviderId::Chatwoot), ["website_token", "base_url"]);
        assert_eq!(keys(ProviderId::Crisp), ["website_id"]);
        assert_eq!(keys(ProviderId::Hubspot), ["hub_id", "region"]);
        assert_eq!(keys(ProviderId::Intercom), ["app_id"]);
        assert_eq!(keys(ProviderId::Jivochat), ["widget_id"]);
        assert_eq!(keys(ProviderId::Livechat), ["license", "group"]);
        assert_eq!(keys(ProviderId::Liveperson), ["site_id"]);
        assert_eq!(keys(ProviderId::Smartsupp), ["key"]);
        assert_eq!(keys(ProviderId::Tawkto), ["property_id", "widget_id"]);
        assert_eq!(keys(ProviderId::Tidio), ["public_key"]);
        assert_eq!(keys(ProviderId::Zendesk), ["key", "kind"]);
        assert_eq!(keys(ProviderId::Switchboard), ["chatbot"]);
    }

    fn all_texts(provider: &Provider) -> Vec<(String, Localized)> {
        let mut texts = vec![(format!("{}.how_to", provider.name), provider.how_to)];
        if let Some(note) = provider.features.note {
            texts.push((format!("{}.note", provider.name), note));
        }
        for field in provider.fields {
            texts.push((
                format!("{}.{}.label", provider.name, field.key),
                field.label,
            ));
            texts.push((format!("{}.{}.help", provider.name, field.key), field.help));
            match &field.format {
                Format::Digits { usual: Some(u) } | Format::Token { usual: Some(u) } => {
                    texts.push((
                        format!("{}.{}.usual", provider.name, field.key),
                        u.description,
                    ));
                }
                Format::Choice { choices } => {
                    for choice in *choices {
                        texts.push((
                            format!("{}.{}.{}", provider.name, field.key, choice.value),
                            choice.label,
                        ));
                    }
                }
                _ => {}
            }
        }
        texts
    }

    #[test]
    fn every_catalog_text_has_english_and_japanese() {
        for provider in catalog() {
            for (name, text) in all_texts(provider) {
                assert!(!text.en.trim().is_empty(), "{name} lacks English");
                assert!(!text.ja.trim().is_empty(), "{name} lacks Japanese");
                assert!(
                    !text.ja.is_ascii() || text.ja == text.en,
                    "{name}: the Japanese text looks untranslated: {:?}",
                    text.ja
                );
            }
        }
    }

    #[test]
    fn every_example_and_default_passes_its_own_validation_without_warning() {
        for provider in catalog() {
            for field in provider.fields {
                let checked = field.check(field.example);
                assert!(
                    matches!(checked, Ok((_, None))),
                    "{}.{} example: {checked:?}",
                    provider.name,
                    field.key
                );
                if let Some(default) = field.default {
                    assert!(
                        field.check(default).is_ok(),
                        "{}.{} default",
                        provider.name,
                        field.key
                    );
                }
            }
        }
    }

    #[test]
    fn every_provider_has_a_logo_in_public() {
        let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        for provider in catalog() {
            let path = public.join(provider.logo.trim_start_matches('/'));
            assert!(path.is_file(), "missing logo {}", path.display());
        }
    }
}
