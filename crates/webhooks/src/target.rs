//! A callback URL, checked: its scheme and host, and every address its host resolves to.

use covidmap_core::callback::{refused, Loopback};
use std::net::SocketAddr;

/// How long a callback's host may take to resolve.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a callback URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL, or not one a webhook can call.
    #[error("url: {0}")]
    Malformed(String),
    /// Its host does not resolve.
    #[error("url: the host {host:?} does not resolve ({reason}); give a name this server can look up, or an address")]
    Unresolved {
        /// The host.
        host: String,
        /// What the resolver said.
        reason: String,
    },
    /// It resolves to an address the server does not call.
    #[error("url: {host} is {address}, {why}; webhooks call other machines only")]
    Refused {
        /// The host.
        host: String,
        /// The address it resolves to.
        address: SocketAddr,
        /// Why that address is refused.
        why: &'static str,
    },
}

/// A callback URL with the addresses it was checked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL.
    pub url: url::Url,
    /// Its host as written.
    pub host: String,
    /// The addresses its host resolved to, every one allowed.
    pub addresses: Vec<SocketAddr>,
}

impl Target {
    /// Whether it points at `base` (`https://host:port`, the server as a caller reached it).
    #[must_use]
    pub fn is_at(&self, base: &str) -> bool {
        let authority = |u: &url::Url| {
            u.host_str()
                .map(|h| (h.to_ascii_lowercase(), u.port_or_known_default()))
        };
        url::Url::parse(base).is_ok_and(|b| authority(&b) == authority(&self.url))
    }
}

/// A new subscription's secret: 32 random bytes, in hex.
///
/// # Errors
/// The system's random source failed.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks `text` as a callback URL: `http` or `https`, a host, no user or password, and
/// every address its host resolves to allowed by `loopback`, none of them `own` (the
/// server's own listening addresses).
///
/// # Errors
/// What is wrong with it, naming the field `url`.
pub async fn check_url(
    text: &str,
    loopback: Loopback,
    own: &[SocketAddr],
) -> Result<Target, TargetError> {
    let malformed = |m: &str| TargetError::Malformed(m.to_owned());
    if text.len() > 2000 {
        return Err(malformed("the URL is longer than 2000 characters"));
    }
    let url = url::Url::parse(text).map_err(|e| {
        TargetError::Malformed(format!(
            "{text:?} is not a URL ({e}); give http://… or https://…"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(malformed("a webhook is called over http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(malformed(
            "no user or password in the URL: deliveries are signed with the subscription's secret instead",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| malformed("the URL has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| malformed("the URL has no port"))?;
    let unresolved = |reason: String| TargetError::Unresolved {
        host: host.clone(),
        reason,
    };
    let addresses: Vec<SocketAddr> = tokio::time::timeout(
        LOOKUP_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .map_err(|_| unresolved(format!("no answer within {LOOKUP_TIMEOUT:?}")))?
    .map_err(|e| unresolved(e.to_string()))?
    .collect();
    if addresses.is_empty() {
        return Err(TargetError::Unresolved {
            host,
            reason: "no address".to_owned(),
        });
    }
    for address in &addresses {
        // The server's own port: at its address, or on loopback when it listens there or
        // everywhere.
        let own_port = own.iter().any(|o| {
            o.port() == address.port()
                && (o.ip() == address.ip()
                    || (address.ip().is_loopback()
                        && (o.ip().is_loopback() || o.ip().is_unspecified())))
        });
        let why = if own_port {
            Some("this server itself")
        } else {
            refused(address.ip(), loopback)
        };
        if let Some(why) = why {
            return Err(TargetError::Refused {
                host,
                address: *address,
                why,
            });
        }
    }
    Ok(Target {
        url,
        host,
        addresses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callbacks_to_metadata_the_server_itself_or_elsewhere_than_http_are_refused() {
        let own: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        for (url, loopback, expected) in [
            (
                "http://169.254.169.254/latest/meta-data",
                Loopback::Allowed,
                "link-local",
            ),
            ("http://[fe80::1]:9000/", Loopback::Allowed, "link-local"),
            ("http://127.0.0.1:9000/hook", Loopback::Refused, "loopback"),
            (
                "http://localhost:8080/api/v1/zones",
                Loopback::Allowed,
                "this server itself",
            ),
            ("ftp://example.org/", Loopback::Allowed, "http or https"),
            (
                "http://user:pw@127.0.0.1:9000/",
                Loopback::Allowed,
                "no user or password",
            ),
            ("not a url", Loopback::Allowed, "not a URL"),
        ] {
            let e = check_url(url, loopback, &[own])
                .await
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{url}: {e}");
            assert!(e.starts_with("url: "), "{e}");
        }
        let ok = check_url("http://127.0.0.1:9000/hook", Loopback::Allowed, &[own])
            .await
            .unwrap();
        assert_eq!(ok.addresses, vec!["127.0.0.1:9000".parse().unwrap()]);
    }
}
