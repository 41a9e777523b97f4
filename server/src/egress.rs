//! The one outbound HTTP client: every request the server makes to the
//! outside (model endpoints, webhooks, later calendar feeds and identity
//! providers) goes through [`Egress`].
//!
//! What it guarantees, whoever configured the URL:
//! - a deadline for the whole exchange, and a cap on the bytes read back;
//! - redirects are never followed (a 3xx is handed back as it is);
//! - no connection to a loopback, private, link-local or otherwise
//!   non-public address unless `--egress-allow` lists its host or network.
//!   The check runs on the addresses DNS gave (our own resolver), so a public
//!   name pointing at 127.0.0.1 is refused too, and the connection goes to the
//!   very address that was checked;
//! - through `--egress-proxy` when a request asks for it. The proxy itself is
//!   the operator's and always reachable; the target is still resolved and
//!   checked here first, since the proxy would not.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use url::Url;

/// How long connecting may take, for every request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One entry of `--egress-allow`: a host name (any address it resolves to is
/// allowed) or an address or network (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    Host(String),
    Network { base: IpAddr, prefix: u8 },
}

impl std::str::FromStr for AllowEntry {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let unbracketed = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            let prefix = if ip.is_ipv4() { 32 } else { 128 };
            return Ok(Self::Network { base: ip, prefix });
        }
        if let Some((base, prefix)) = text.split_once('/') {
            let base: IpAddr = base
                .parse()
                .map_err(|_| format!("{text:?}: expected an address before the '/'"))?;
            let max = if base.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = prefix
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?;
            return Ok(Self::Network { base, prefix });
        }
        let host = text.trim_end_matches('.').to_ascii_lowercase();
        let valid = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if !valid {
            return Err(format!(
                "{text:?}: expected a host name, an address or a network such as 10.0.0.0/8"
            ));
        }
        Ok(Self::Host(host))
    }
}

impl AllowEntry {
    fn contains(&self, ip: IpAddr) -> bool {
        let Self::Network { base, prefix } = self else {
            return false;
        };
        let (ip, base) = (canonical(ip), canonical(*base));
        match (ip, base) {
            (IpAddr::V4(ip), IpAddr::V4(base)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                u32::from(ip) & mask == u32::from(base) & mask
            }
            (IpAddr::V6(ip), IpAddr::V6(base)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(ip) & mask == u128::from(base) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host(host) => f.write_str(host),
            Self::Network { base, prefix } => write!(f, "{base}/{prefix}"),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Whether `ip` is an ordinary address on the public internet. Everything
/// else (this host, private networks, link-local including the cloud
/// metadata address 169.254.169.254, shared, reserved, multicast, and IPv6
/// forms that embed such an IPv4 address) is not.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() {
        return false;
    }
    match segments[0] {
        // Unique local, link-local, site-local, documentation.
        s if s & 0xfe00 == 0xfc00 || s & 0xffc0 == 0xfe80 || s & 0xffc0 == 0xfec0 => false,
        0x2001 if segments[1] == 0x0db8 => false,
        // 6to4 carries an IPv4 address; so do NAT64 and IPv4-compatible ones.
        0x2002 => is_public_v4(embedded_v4(segments[1], segments[2])),
        0x0064 if segments[1] == 0xff9b => is_public_v4(embedded_v4(segments[6], segments[7])),
        0 if segments[1..6] == [0, 0, 0, 0, 0] => false,
        // IPv4-translated, ::ffff:0:a.b.c.d.
        0 if segments[1..6] == [0, 0, 0, 0xffff, 0] => {
            is_public_v4(embedded_v4(segments[6], segments[7]))
        }
        _ => true,
    }
}

/// Which hosts and networks may be reached although they are not public.
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    allow: Vec<AllowEntry>,
}

impl EgressPolicy {
    pub fn new(allow: Vec<AllowEntry>) -> Self {
        Self { allow }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allow
            .iter()
            .any(|entry| matches!(entry, AllowEntry::Host(h) if *h == host))
    }

    /// Whether a connection to `ip` (reached through `host`) is allowed.
    pub fn address_allowed(&self, host: &str, ip: IpAddr) -> bool {
        is_public(ip) || self.host_allowed(host) || self.allow.iter().any(|e| e.contains(ip))
    }

    /// Whether `host` (a name or an address literal, as in a URL) is one the
    /// operator listed: such a host may be reached over plain `http`.
    pub fn lists(&self, host: &str) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match bare.parse::<IpAddr>() {
            Ok(ip) => self.allow.iter().any(|e| e.contains(ip)),
            Err(_) => self.host_allowed(bare),
        }
    }
}

/// Why a request did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    #[error("the URL cannot be requested: {0}")]
    InvalidUrl(String),
    #[error("{host} resolves to {address}, which is not a public address; list it in --egress-allow to allow it")]
    NotAllowed { host: String, address: String },
    #[error("{0} did not answer in time")]
    Timeout(String),
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the request failed: {0}")]
    Failed(String),
    #[error("the request needs --egress-proxy, which is not set")]
    NoProxy,
}

/// A request to make.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<Bytes>,
    /// For the whole exchange, the answer's body included.
    pub timeout: Duration,
    /// More than this many bytes of body is [`EgressError::TooLarge`].
    pub max_response_bytes: usize,
    pub via_proxy: bool,
}

impl Outbound {
    pub fn post(url: Url, body: Bytes) -> Self {
        Self {
            method: Method::POST,
            url,
            headers: Vec::new(),
            body: Some(body),
            timeout: Duration::from_secs(30),
            max_response_bytes: 1024 * 1024,
            via_proxy: false,
        }
    }

    pub fn get(url: Url) -> Self {
        Self {
            method: Method::GET,
            url,
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(30),
            max_response_bytes: 1024 * 1024,
            via_proxy: false,
        }
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// A whole answer, its body read (within the cap).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An answer whose body is read as it arrives.
pub struct Streaming {
    pub status: u16,
    pub headers: HeaderMap,
    response: reqwest::Response,
    limit: usize,
    read: usize,
    host: String,
}

impl Streaming {
    /// The next piece of the body; `None` at its end. At most `idle` passes
    /// between two pieces.
    pub async fn chunk(&mut self, idle: Duration) -> Result<Option<Bytes>, EgressError> {
        let next = tokio::time::timeout(idle, self.response.chunk())
            .await
            .map_err(|_| EgressError::Timeout(self.host.clone()))?
            .map_err(|e| classify(&self.host, &e))?;
        if let Some(chunk) = &next {
            self.read += chunk.len();
            if self.read > self.limit {
                return Err(EgressError::TooLarge { limit: self.limit });
            }
        }
        Ok(next)
    }

    /// The rest of the body, within the cap.
    pub async fn rest(mut self, idle: Duration) -> Result<Bytes, EgressError> {
        let mut body = BytesMut::new();
        while let Some(chunk) = self.chunk(idle).await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

/// Our resolver: the system's answers, minus the addresses the policy
/// refuses. Refusing every address is an error naming the first one.
struct CheckedResolver {
    policy: Arc<EgressPolicy>,
    /// The proxy's host: the operator's own, reachable whatever it is.
    proxy_host: Option<String>,
}

#[derive(Debug)]
struct Refused {
    host: String,
    address: IpAddr,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} resolves to {}", self.host, self.address)
    }
}

impl std::error::Error for Refused {}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_string();
        let exempt = self.proxy_host.as_deref() == Some(host.as_str());
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| exempt || policy.address_allowed(&host, a.ip()))
                .collect();
            match (allowed.is_empty(), found.first()) {
                (true, Some(first)) => Err(Box::new(Refused {
                    host,
                    address: first.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// The client. Cheap to clone.
#[derive(Clone)]
pub struct Egress {
    direct: reqwest::Client,
    proxied: Option<reqwest::Client>,
    policy: Arc<EgressPolicy>,
}

impl Egress {
    pub fn new(policy: EgressPolicy, proxy: Option<&Url>) -> anyhow::Result<Self> {
        let policy = Arc::new(policy);
        let tls = tls_config()?;
        let build = |proxy: Option<&Url>| -> anyhow::Result<reqwest::Client> {
            let resolver = CheckedResolver {
                policy: Arc::clone(&policy),
                proxy_host: proxy.and_then(|p| p.host_str()).map(str::to_string),
            };
            let builder = reqwest::Client::builder()
                .use_preconfigured_tls(tls.clone())
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(CONNECT_TIMEOUT)
                .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
                .dns_resolver(Arc::new(resolver));
            let builder = match proxy {
                Some(proxy) => builder.proxy(reqwest::Proxy::all(proxy.as_str())?),
                // Never a proxy from HTTP_PROXY & co.: where requests go is
                // this server's configuration, not its environment's.
                None => builder.no_proxy(),
            };
            Ok(builder.build()?)
        };
        Ok(Self {
            direct: build(None)?,
            proxied: proxy.map(|p| build(Some(p))).transpose()?,
            policy,
        })
    }

    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    /// Sends `request` and reads the whole answer.
    pub async fn send(&self, request: Outbound) -> Result<Reply, EgressError> {
        let idle = request.timeout;
        let streaming = self.open(request).await?;
        let (status, headers) = (streaming.status, streaming.headers.clone());
        let body = streaming.rest(idle).await?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Sends `request`; the answer's body is read with [`Streaming::chunk`].
    pub async fn open(&self, request: Outbound) -> Result<Streaming, EgressError> {
        let host = self.check_target(&request).await?;
        let client = if request.via_proxy {
            self.proxied.as_ref().ok_or(EgressError::NoProxy)?
        } else {
            &self.direct
        };
        let mut builder = client
            .request(request.method, request.url)
            .timeout(request.timeout);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(|e| classify(&host, &e))?;
        Ok(Streaming {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            response,
            limit: request.max_response_bytes,
            read: 0,
            host,
        })
    }

    /// The checks our resolver cannot make: address literals (never
    /// resolved) and, through the proxy, the target (resolved by the proxy).
    async fn check_target(&self, request: &Outbound) -> Result<String, EgressError> {
        let url = &request.url;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(EgressError::InvalidUrl(format!(
                "{} is not http or https",
                url.scheme()
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EgressError::InvalidUrl(
                "credentials in the URL are not sent".into(),
            ));
        }
        let host = match url.host() {
            Some(url::Host::Domain(name)) => name.to_string(),
            Some(url::Host::Ipv4(ip)) => return self.literal(ip.into()),
            Some(url::Host::Ipv6(ip)) => return self.literal(ip.into()),
            None => return Err(EgressError::InvalidUrl("the URL has no host".into())),
        };
        if request.via_proxy && !self.policy.host_allowed(&host) {
            let port = url.port_or_known_default().unwrap_or(443);
            let found = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| EgressError::Connect {
                    host: host.clone(),
                    detail: e.to_string(),
                })?;
            let refused = found
                .map(|a| a.ip())
                .find(|ip| !self.policy.address_allowed(&host, *ip));
            if let Some(address) = refused {
                return Err(EgressError::NotAllowed {
                    host,
                    address: address.to_string(),
                });
            }
        }
        Ok(host)
    }

    fn literal(&self, ip: IpAddr) -> Result<String, EgressError> {
        let host = ip.to_string();
        if self.policy.address_allowed(&host, ip) {
            Ok(host)
        } else {
            Err(EgressError::NotAllowed {
                address: host.clone(),
                host,
            })
        }
    }
}

/// TLS 1.2 and 1.3 with ring, Mozilla's roots (built in, so the same on
/// every machine), HTTP/2 or 1.1.
fn tls_config() -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn classify(host: &str, error: &reqwest::Error) -> EgressError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refused) = current.downcast_ref::<Refused>() {
            return EgressError::NotAllowed {
                host: refused.host.clone(),
                address: refused.address.to_string(),
            };
        }
        source = current.source();
    }
    if error.is_timeout() {
        EgressError::Timeout(host.to_string())
    } else if error.is_connect() {
        EgressError::Connect {
            host: host.to_string(),
            detail: innermost(error),
        }
    } else {
        EgressError::Failed(innermost(error))
    }
}

/// The most specific message in an error's chain (reqwest's own is generic).
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.1.2.3",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::127.0.0.1",
            "::ffff:0:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "104.18.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn allow_entries_are_hosts_addresses_or_networks() {
        let parse = |t: &str| t.parse::<AllowEntry>();
        assert_eq!(
            parse("Models.Internal."),
            Ok(AllowEntry::Host("models.internal".into()))
        );
        assert_eq!(
            parse("10.0.0.0/8"),
            Ok(AllowEntry::Network {
                base: ip("10.0.0.0"),
                prefix: 8
            })
        );
        assert_eq!(
            parse("[::1]"),
            Ok(AllowEntry::Network {
                base: ip("::1"),
                prefix: 128
            })
        );
        for bad in ["", "10.0.0.0/33", "x/8", "a b", "http://x", "a..b"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let policy = EgressPolicy::new(vec![
            parse("10.0.0.0/8").expect("net"),
            parse("127.0.0.1").expect("ip"),
            parse("models.internal").expect("host"),
        ]);
        assert!(policy.address_allowed("x", ip("10.9.8.7")));
        assert!(policy.address_allowed("x", ip("::ffff:10.9.8.7")));
        assert!(!policy.address_allowed("x", ip("127.0.0.2")));
        assert!(policy.address_allowed("MODELS.internal", ip("192.168.0.5")));
        assert!(policy.lists("127.0.0.1") && policy.lists("models.internal"));
        assert!(!policy.lists("example.com") && !policy.lists("[::1]"));
    }
}
