//! Posting to a webhook target without letting it reach inside: the host is resolved once,
//! every address is checked against the forbidden ranges, the connection goes to the checked
//! address (so a second lookup cannot rebind it), redirects are not followed, time is short
//! and the response body is capped. Single sign-on calls its identity provider through the
//! same client (`call`), with the provider's host trusted as configured.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use vellum_domain::webhook::{forbidden_address, Target};

/// The most of a webhook receiver's answer read (and then dropped): it only needs to answer 2xx.
const BODY_CAP: usize = 64 * 1024;
const CONNECT: Duration = Duration::from_secs(5);
const WHOLE: Duration = Duration::from_secs(10);

/// Whom https targets must prove themselves to: the Mozilla roots, and an operator's own CAs.
#[derive(Clone)]
pub struct Tls(Arc<rustls::ClientConfig>);

impl Tls {
    /// The public roots plus the certificates in `extra_pem` (an internal CA).
    pub fn with_extra_roots(extra_pem: Option<&[u8]>) -> Result<Tls, String> {
        let mut roots = public_roots();
        if let Some(pem) = extra_pem {
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| format!("the CA file could not be read: {e}"))?;
                roots.add(cert).map_err(|e| format!("a certificate in the CA file is not usable: {e}"))?;
                added += 1;
            }
            if added == 0 {
                return Err("the CA file holds no PEM certificate".into());
            }
        }
        Ok(Tls::trusting(roots))
    }

    fn trusting(roots: rustls::RootCertStore) -> Tls {
        Tls(Arc::new(rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth()))
    }
}

fn public_roots() -> rustls::RootCertStore {
    rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

impl Default for Tls {
    fn default() -> Self {
        Tls::trusting(public_roots())
    }
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls(webpki roots + configured CAs)")
    }
}

/// Hosts an operator allows even though they resolve to forbidden addresses.
#[derive(Debug, Clone, Default)]
pub struct AllowList(pub Vec<String>);

impl AllowList {
    pub fn allows(&self, host: &str) -> bool {
        self.0.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// Why a target may not be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The URL is not one we call.
    Invalid(String),
    /// It resolves to a forbidden address.
    Forbidden(String),
    /// It does not resolve.
    Unresolved(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Invalid(m) | Refusal::Forbidden(m) | Refusal::Unresolved(m) => m,
        }
    }
}

/// Resolves a target's host and checks every address; returns the one to connect to.
pub async fn resolve(target: &Target, allow: &AllowList) -> Result<SocketAddr, Refusal> {
    let addrs = lookup(target).await?;
    let first = addrs[0];
    if allow.allows(&target.host) {
        return Ok(first);
    }
    for a in &addrs {
        if let Some(why) = forbidden_address(a.ip()) {
            return Err(Refusal::Forbidden(format!(
                "'{}' resolves to {}, {why}; webhooks may only call public addresses (an operator can allow a host \
                 with --webhook-allow-hosts)",
                target.host,
                a.ip()
            )));
        }
    }
    Ok(first)
}

/// Every address a target's host resolves to (at least one).
pub async fn lookup(target: &Target) -> Result<Vec<SocketAddr>, Refusal> {
    let addrs: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::time::timeout(CONNECT, tokio::net::lookup_host((target.host.as_str(), target.port)))
            .await
            .map_err(|_| Refusal::Unresolved(format!("looking up '{}' timed out", target.host)))?
            .map_err(|e| Refusal::Unresolved(format!("'{}' does not resolve: {e}", target.host)))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Refusal::Unresolved(format!("'{}' has no address", target.host)));
    }
    Ok(addrs)
}

/// What a post came to.
#[derive(Debug, Clone)]
pub struct Posted {
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
}

impl Posted {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Posts `body` to the target at the checked address `addr` with `headers`; https targets
/// must present a certificate for their host name that `tls` trusts.
pub async fn post(target: &Target, addr: SocketAddr, tls: &Tls, headers: &[(&str, String)], body: Bytes) -> Posted {
    let started = Instant::now();
    let call = Call {
        method: hyper::Method::POST,
        headers,
        content_type: Some("application/json"),
        user_agent: concat!("Vellum-Webhooks/", env!("CARGO_PKG_VERSION")),
        body,
        cap: BODY_CAP,
    };
    let outcome = tokio::time::timeout(WHOLE, exchange(target, addr, tls, call)).await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(Ok(answer)) => {
            let status = answer.status;
            Posted {
                status: Some(status),
                duration_ms,
                error: (!(200..300).contains(&status)).then(|| match status {
                    300..=399 => format!("the receiver answered {status} (redirects are not followed)"),
                    _ => format!("the receiver answered {status}"),
                }),
            }
        }
        Ok(Err(e)) => Posted { status: None, duration_ms, error: Some(e) },
        Err(_) => Posted { status: None, duration_ms, error: Some(format!("no answer within {} s", WHOLE.as_secs())) },
    }
}

/// One outgoing request.
pub struct Call<'a> {
    pub method: hyper::Method,
    pub headers: &'a [(&'a str, String)],
    pub content_type: Option<&'a str>,
    pub user_agent: &'static str,
    pub body: Bytes,
    /// The most of the answer's body read; a longer one is an error.
    pub cap: usize,
}

/// A status and (capped) body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
    /// False when the body was longer than the cap or broke off (the body is then empty).
    pub complete: bool,
}

/// Makes one request to the target at `addr` within the overall time limit; redirects are not
/// followed.
pub async fn call(target: &Target, addr: SocketAddr, tls: &Tls, call: Call<'_>) -> Result<Answer, String> {
    tokio::time::timeout(WHOLE, exchange(target, addr, tls, call))
        .await
        .map_err(|_| format!("{} gave no answer within {} s", target.host, WHOLE.as_secs()))?
}

async fn exchange(target: &Target, addr: SocketAddr, tls: &Tls, call: Call<'_>) -> Result<Answer, String> {
    let tcp = tokio::time::timeout(CONNECT, tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| format!("connecting to {addr} timed out"))?
        .map_err(|e| format!("connecting to {addr}: {e}"))?;
    if !target.https {
        return send(TokioIo::new(tcp), target, addr, call).await;
    }
    let name =
        ServerName::try_from(target.host.clone()).map_err(|_| format!("'{}' is not a TLS server name", target.host))?;
    let stream = tokio::time::timeout(CONNECT, tokio_rustls::TlsConnector::from(tls.0.clone()).connect(name, tcp))
        .await
        .map_err(|_| format!("the TLS handshake with {addr} timed out"))?
        .map_err(|e| format!("TLS with {}: {e}", target.host))?;
    send(TokioIo::new(stream), target, addr, call).await
}

/// One HTTP/1.1 exchange over a connected stream.
async fn send<S>(io: TokioIo<S>, target: &Target, addr: SocketAddr, call: Call<'_>) -> Result<Answer, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(io).await.map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = hyper::Request::builder()
        .method(call.method)
        .uri(target.path.as_str())
        .header("host", target.host_header())
        .header("user-agent", call.user_agent);
    if let Some(ct) = call.content_type {
        req = req.header("content-type", ct);
    }
    for (k, v) in call.headers {
        req = req.header(*k, v.as_str());
    }
    let req = req.body(Full::new(call.body)).map_err(|e| format!("building the request: {e}"))?;
    let result = async {
        let resp = sender.send_request(req).await.map_err(|e| format!("sending to {addr}: {e}"))?;
        let status = resp.status().as_u16();
        // A body past the cap (or cut short) is reported, not an error: webhook receivers only
        // need to answer 2xx, and callers that read the body check `complete`.
        let body = Limited::new(resp.into_body(), call.cap).collect().await.map(|b| b.to_bytes());
        Ok(Answer { status, complete: body.is_ok(), body: body.unwrap_or_default() })
    }
    .await;
    driver.abort();
    result
}
