//! Talking to the identity provider: its discovery document and keys (cached for an hour per
//! process; an unknown key id fetches the keys again, at most once per half minute), the code
//! exchange at its token endpoint, and its userinfo endpoint.

use std::time::{Duration, Instant};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value};
use vellum_domain::{
    oidc::{encode, endpoint_allowed, Issuer},
    webhook::Target,
    ErrorCode,
};

use super::keys::{Jwk, JwkSet};
use crate::{
    notify::{http, Tls},
    Error, Result,
};

/// How long discovery and keys are trusted before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// The least time between two key fetches caused by an unknown key id, so tokens naming made-up
/// ids cannot make us hammer the provider.
const REFETCH_GAP: Duration = Duration::from_secs(30);
/// The most of a provider's answer read.
const ANSWER_CAP: usize = 512 * 1024;

/// What we use of the provider's discovery document.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

#[derive(Debug, Clone)]
struct Known {
    issuer: Issuer,
    metadata: Metadata,
    keys: Vec<Jwk>,
    fetched: Instant,
    refetched: Option<Instant>,
}

/// This process's view of the configured provider.
#[derive(Debug, Default)]
pub struct ProviderCache(tokio::sync::Mutex<Option<Known>>);

fn unavailable(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::IdentityProviderError, message)
}

/// One request to the provider: only to its own kind of address (https, or loopback http for a
/// loopback issuer), redirects not followed, the answer capped.
async fn request(
    issuer: &Issuer,
    tls: &Tls,
    method: hyper::Method,
    url: &str,
    headers: &[(&str, String)],
    form: Option<String>,
) -> Result<(u16, Value)> {
    if !endpoint_allowed(issuer, url) {
        return Err(unavailable(format!("the identity provider names an endpoint we do not call: {url}")));
    }
    let target = Target::parse(url).map_err(|e| unavailable(format!("{url}: {e}")))?;
    let addr = http::lookup(&target).await.map_err(|r| unavailable(r.message().to_string()))?[0];
    let call = http::Call {
        method,
        headers,
        content_type: form.as_ref().map(|_| "application/x-www-form-urlencoded"),
        user_agent: concat!("Vellum/", env!("CARGO_PKG_VERSION")),
        body: Bytes::from(form.unwrap_or_default()),
        cap: ANSWER_CAP,
    };
    let answer = http::call(&target, addr, tls, call).await.map_err(unavailable)?;
    if !answer.complete {
        return Err(unavailable(format!("the identity provider's answer from {url} is too large")));
    }
    let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    Ok((answer.status, json))
}

async fn get_json(issuer: &Issuer, tls: &Tls, url: &str) -> Result<Value> {
    let (status, json) = request(issuer, tls, hyper::Method::GET, url, &[], None).await?;
    if status != 200 || json.is_null() {
        return Err(unavailable(format!("{url} answered {status} without a JSON document")));
    }
    Ok(json)
}

async fn fetch_keys(issuer: &Issuer, tls: &Tls, metadata: &Metadata) -> Result<Vec<Jwk>> {
    let set: JwkSet = serde_json::from_value(get_json(issuer, tls, &metadata.jwks_uri).await?)
        .map_err(|e| unavailable(format!("the provider's key set cannot be read: {e}")))?;
    Ok(set.keys)
}

impl ProviderCache {
    /// The provider's metadata, fetched when unknown, stale, or for another issuer.
    pub async fn metadata(&self, issuer: &Issuer, tls: &Tls) -> Result<Metadata> {
        let mut known = self.0.lock().await;
        if let Some(k) = known.as_ref().filter(|k| k.issuer == *issuer && k.fetched.elapsed() < METADATA_TTL) {
            return Ok(k.metadata.clone());
        }
        let metadata: Metadata = serde_json::from_value(get_json(issuer, tls, &issuer.discovery_url()).await?)
            .map_err(|e| unavailable(format!("the provider's discovery document cannot be read: {e}")))?;
        // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer we asked.
        if metadata.issuer.trim_end_matches('/') != issuer.as_str() {
            return Err(unavailable(format!(
                "the discovery document names issuer {}, not {}",
                metadata.issuer,
                issuer.as_str()
            )));
        }
        let keys = fetch_keys(issuer, tls, &metadata).await?;
        *known = Some(Known {
            issuer: issuer.clone(),
            metadata: metadata.clone(),
            keys,
            fetched: Instant::now(),
            refetched: None,
        });
        Ok(metadata)
    }

    /// The keys to check a token with `kid`: when no known key has that id, the key set is
    /// fetched again (the provider rotated its keys), at most once per `REFETCH_GAP`.
    pub async fn keys_for(&self, issuer: &Issuer, tls: &Tls, kid: Option<&str>) -> Result<Vec<Jwk>> {
        self.metadata(issuer, tls).await?;
        let mut guard = self.0.lock().await;
        let known = guard.as_mut().ok_or_else(|| unavailable("the provider's keys are unknown"))?;
        let has = |keys: &[Jwk]| kid.is_none_or(|id| keys.iter().any(|k| k.kid.as_deref() == Some(id)));
        if !has(&known.keys) && known.refetched.is_none_or(|t| t.elapsed() >= REFETCH_GAP) {
            known.refetched = Some(Instant::now());
            known.keys = fetch_keys(issuer, tls, &known.metadata).await?;
        }
        Ok(known.keys.clone())
    }
}

/// What the token endpoint gave for a code.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id_token: String,
    pub access_token: Option<String>,
}

/// How the client proves itself at the token endpoint.
pub struct Client<'a> {
    pub id: &'a str,
    /// None: a public client (PKCE alone binds the code to this sign-in).
    pub secret: Option<&'a str>,
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange(
    issuer: &Issuer,
    tls: &Tls,
    metadata: &Metadata,
    client: &Client<'_>,
    code: &str,
    code_verifier: &str,
    redirect_uri: &str,
) -> Result<Tokens> {
    let mut form = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}",
        encode(code),
        encode(redirect_uri),
        encode(code_verifier)
    );
    let mut headers = vec![("accept", "application/json".to_string())];
    match client.secret {
        // RFC 6749, section 2.3.1: both parts form-encoded before Basic.
        Some(secret) => headers.push((
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{}:{}", encode(client.id), encode(secret)))),
        )),
        None => form.push_str(&format!("&client_id={}", encode(client.id))),
    }
    let (status, json) =
        request(issuer, tls, hyper::Method::POST, &metadata.token_endpoint, &headers, Some(form)).await?;
    if status != 200 {
        let error = json.get("error").and_then(Value::as_str).unwrap_or("no error code");
        let description = json.get("error_description").and_then(Value::as_str).unwrap_or("");
        return Err(unavailable(format!("the identity provider refused the code ({status} {error}) {description}")));
    }
    let text = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_string);
    let id_token = text("id_token").ok_or_else(|| unavailable("the identity provider sent no ID token"))?;
    Ok(Tokens { id_token, access_token: text("access_token") })
}

/// The claims of the userinfo endpoint, when the provider has one; None when it fails (the ID
/// token's claims are used alone).
pub async fn userinfo(
    issuer: &Issuer,
    tls: &Tls,
    metadata: &Metadata,
    access_token: &str,
) -> Option<Map<String, Value>> {
    let url = metadata.userinfo_endpoint.as_deref()?;
    let headers = [("authorization", format!("Bearer {access_token}")), ("accept", "application/json".to_string())];
    match request(issuer, tls, hyper::Method::GET, url, &headers, None).await {
        Ok((200, Value::Object(claims))) => Some(claims),
        Ok((status, _)) => {
            tracing::warn!(status, "the identity provider's userinfo endpoint did not answer with claims");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "the identity provider's userinfo endpoint could not be reached");
            None
        }
    }
}
