//! Start-up settings, from flags or environment variables. Every default is
//! defined once, below, and used by both the flags and [`Config::new`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::egress::AllowEntry;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_ASSETS_DIR: &str = "dist";
pub const DEFAULT_SESSION_IDLE: Minutes = Minutes(Duration::from_secs(30 * 60));
pub const DEFAULT_SESSION_MAX: Hours = Hours(Duration::from_secs(12 * 3600));
pub const DEFAULT_MAX_CONNECTIONS: u32 = 1024;
pub const DEFAULT_MAX_PER_ADDRESS: u32 = 100;
pub const DEFAULT_ADMIN_USER: &str = "admin";
pub const DEFAULT_MODEL_TIMEOUT: Seconds = Seconds(Duration::from_secs(120));
pub const DEFAULT_MAX_MODEL_CALLS: u32 = 8;

#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "switchboard-server",
    version,
    about = "Switchboard: self-hosted Click to Chat manager"
)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Directory holding the JSON store and the audit log; created if missing.
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// Directory with the built admin app, widget and public files
    /// (the output of `cargo xtask build`).
    #[arg(long, env = "SWITCHBOARD_ASSETS_DIR", default_value = DEFAULT_ASSETS_DIR)]
    pub assets_dir: PathBuf,

    /// The address admins and sites reach this server at, e.g.
    /// https://chat.example.com. With https, session cookies are Secure; it is
    /// also the only origin allowed to make changes with a session.
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Behind a reverse proxy: take the client address from the last
    /// X-Forwarded-For entry (for the audit log and login throttling).
    #[arg(long, env = "SWITCHBOARD_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Minutes without activity after which a login session ends.
    #[arg(long = "session-idle-minutes", env = "SWITCHBOARD_SESSION_IDLE_MINUTES", default_value_t = DEFAULT_SESSION_IDLE)]
    pub session_idle: Minutes,

    /// Hours after which a login session ends, however active.
    #[arg(long = "session-max-hours", env = "SWITCHBOARD_SESSION_MAX_HOURS", default_value_t = DEFAULT_SESSION_MAX)]
    pub session_max: Hours,

    /// Connections open at once (lowered to fit the open-file limit).
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Connections open at once from one client address (not applied with
    /// --trust-forwarded-for, where every connection comes from the proxy).
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = DEFAULT_MAX_PER_ADDRESS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_address: u32,

    /// Hosts, addresses or networks the server may call although they are not
    /// public (loopback, private, link-local), comma-separated: e.g.
    /// `models.internal,10.0.0.0/8,127.0.0.1`. Listed hosts may also be
    /// plain http.
    #[arg(long, env = "SWITCHBOARD_EGRESS_ALLOW", value_delimiter = ',')]
    pub egress_allow: Vec<AllowEntry>,

    /// An HTTP proxy (http://host:port) for the outbound requests that ask for
    /// one (a chatbot's webhook with "use the proxy").
    #[arg(long, env = "SWITCHBOARD_EGRESS_PROXY", value_parser = parse_proxy_url)]
    pub egress_proxy: Option<url::Url>,

    /// Seconds a model call may take, its streamed answer included.
    #[arg(long = "model-timeout-seconds", env = "SWITCHBOARD_MODEL_TIMEOUT_SECONDS", default_value_t = DEFAULT_MODEL_TIMEOUT)]
    pub model_timeout: Seconds,

    /// Model calls running at once, for all bots together; more wait no
    /// longer than a refusal ("busy, try again").
    #[arg(long, env = "SWITCHBOARD_MAX_MODEL_CALLS", default_value_t = DEFAULT_MAX_MODEL_CALLS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_model_calls: u32,

    /// Days a visitor's browser keeps continuing their conversation with a
    /// built-in assistant (its conversation token's lifetime).
    #[arg(long, env = "SWITCHBOARD_VISITOR_CONVERSATION_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub visitor_conversation_days: u32,

    /// Messages one visitor (one conversation) may send a built-in assistant
    /// per minute; a short burst of that many is allowed.
    #[arg(long, env = "SWITCHBOARD_VISITOR_MESSAGES_PER_MINUTE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub visitor_messages_per_minute: u32,

    /// Messages and new conversations one address (an IPv6 /64) may send
    /// the built-in assistants per minute, all together.
    #[arg(long, env = "SWITCHBOARD_ADDRESS_MESSAGES_PER_MINUTE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub address_messages_per_minute: u32,

    /// Seconds between a webhook delivery's retries, comma-separated: one
    /// retry per entry, then the delivery has failed. A `Retry-After` from
    /// the receiver wins; each wait varies by up to a fifth.
    #[arg(long = "webhook-retry-seconds", env = "SWITCHBOARD_WEBHOOK_RETRY_SECONDS", value_delimiter = ',', default_values_t = crate::bots::webhooks::DEFAULT_RETRY_SECONDS.to_vec())]
    pub webhook_retry_seconds: Vec<u64>,

    /// User name of the admin created from SWITCHBOARD_ADMIN_PASSWORD.
    #[arg(long, env = "SWITCHBOARD_ADMIN_USER", default_value = DEFAULT_ADMIN_USER)]
    pub admin_user: String,

    /// Creates the admin `admin_user` with this password at start-up if that
    /// admin does not exist (for automation). Read from the environment only,
    /// never a flag, so it does not show in process lists.
    #[arg(skip = AdminPassword::from_env())]
    pub admin_password: Option<AdminPassword>,
}

/// A duration given in whole minutes (at least one) on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutes(pub Duration);

/// A duration given in whole seconds (at least one) on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

impl FromStr for Seconds {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        whole_units(text, 1).map(Self)
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs())
    }
}

/// A duration given in whole hours (at least one) on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours(pub Duration);

fn whole_units(text: &str, unit: u64) -> Result<Duration, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n >= 1 => n
            .checked_mul(unit)
            .map(Duration::from_secs)
            .ok_or_else(|| "too large".to_string()),
        _ => Err("expected a whole number, at least 1".into()),
    }
}

impl FromStr for Minutes {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        whole_units(text, 60).map(Self)
    }
}

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs() / 60)
    }
}

impl FromStr for Hours {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        whole_units(text, 3600).map(Self)
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs() / 3600)
    }
}

/// A password that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminPassword(pub String);

impl AdminPassword {
    fn from_env() -> Option<Self> {
        std::env::var("SWITCHBOARD_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .map(Self)
    }
}

impl fmt::Debug for AdminPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminPassword(***)")
    }
}

impl Config {
    /// The defaults, with the given address and directories (tests and tools).
    pub fn new(listen: SocketAddr, data_dir: PathBuf, assets_dir: PathBuf) -> Self {
        Self {
            listen,
            data_dir,
            assets_dir,
            public_url: None,
            trust_forwarded_for: false,
            session_idle: DEFAULT_SESSION_IDLE,
            session_max: DEFAULT_SESSION_MAX,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_address: DEFAULT_MAX_PER_ADDRESS,
            model_timeout: DEFAULT_MODEL_TIMEOUT,
            max_model_calls: DEFAULT_MAX_MODEL_CALLS,
            visitor_conversation_days: 7,
            visitor_messages_per_minute: 10,
            address_messages_per_minute: 30,
            webhook_retry_seconds: crate::bots::webhooks::DEFAULT_RETRY_SECONDS.to_vec(),
            egress_allow: Vec::new(),
            egress_proxy: None,
            admin_user: DEFAULT_ADMIN_USER.into(),
            admin_password: None,
        }
    }
}

/// `http://host:port` (a proxy's own scheme is http even for https targets).
fn parse_proxy_url(raw: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected a proxy URL like http://proxy.internal:3128".into());
    }
    Ok(url)
}

/// `scheme://host[:port]` without a path: an origin as browsers send it.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or("expected a URL like https://chat.example.com")?;
    if scheme != "https" && scheme != "http" {
        return Err("the public URL must start with https:// (or http:// for local use)".into());
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(
            "the public URL must be only scheme and host, like https://chat.example.com".into(),
        );
    }
    Ok(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}
