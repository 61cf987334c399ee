//! OpenID Connect as a relying party, the pure parts: which issuers are accepted, PKCE, the
//! authorization request, reading a compact JWS, and the checks an ID token's claims must pass
//! (issuer, audience, nonce, expiry with a bounded clock skew). Signatures are checked by the
//! caller with the provider's keys.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::webhook::Target;

/// How far our clock and the provider's may disagree, in seconds: an ID token is still taken
/// this long after its `exp`, and its `iat`/`nbf` may be this far ahead of us.
pub const MAX_SKEW_SECS: i64 = 120;
/// How long a started sign-in waits for the provider to send the browser back, in seconds.
pub const LOGIN_TTL_SECS: i64 = 600;
/// The largest ID token read (a JWS is a few kilobytes at most).
pub const MAX_TOKEN_BYTES: usize = 32 * 1024;

/// An issuer we accept: https, or http on a loopback host (a provider on the developer's own
/// machine). Kept without a trailing slash; `iss` claims must equal it exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(String);

impl Issuer {
    /// Checks an issuer URL as an admin or a flag gave it; the message says what to fix.
    pub fn parse(url: &str) -> Result<Issuer, String> {
        let url = url.trim().trim_end_matches('/');
        let target = Target::parse(url).map_err(|e| e.replace("a webhook URL", "an issuer"))?;
        if url.contains(['?', '#']) {
            return Err("an issuer URL has no query or fragment".into());
        }
        if !target.https && !is_loopback(&target.host) {
            return Err(format!(
                "the issuer must use https (http is accepted only on a loopback host such as 127.0.0.1, for \
                 development; '{}' is not one)",
                target.host
            ));
        }
        Ok(Issuer(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the provider publishes its metadata (OpenID Connect Discovery 1.0, section 4).
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.0)
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a URL the provider's metadata names may be called: https, or http on a loopback
/// host when the issuer itself is one.
pub fn endpoint_allowed(issuer: &Issuer, url: &str) -> bool {
    let Ok(target) = Target::parse(url) else { return false };
    target.https || (is_loopback(&target.host) && issuer.as_str().starts_with("http://"))
}

/// The PKCE S256 challenge of a verifier (RFC 7636, section 4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What the browser is sent to the provider with.
#[derive(Debug, Clone)]
pub struct AuthRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_verifier: &'a str,
}

/// The scopes asked for: the subject, email, name and (where the provider has them) groups.
pub const SCOPES: &str = "openid email profile groups";

/// The authorization request URL: the code flow with PKCE S256, a state and a nonce.
pub fn authorize_url(endpoint: &str, r: &AuthRequest<'_>) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", r.client_id),
        ("redirect_uri", r.redirect_uri),
        ("scope", SCOPES),
        ("state", r.state),
        ("nonce", r.nonce),
        ("code_challenge", &pkce_challenge(r.code_verifier)),
        ("code_challenge_method", "S256"),
    ];
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let joiner = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{joiner}{}", query.join("&"))
}

/// Percent-encodes everything but the unreserved characters (RFC 3986, section 2.3), as form
/// bodies and query strings need.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A compact JWS taken apart; the signature is not checked yet.
#[derive(Debug, Clone)]
pub struct Jws {
    pub alg: String,
    pub kid: Option<String>,
    /// `header.payload` as sent: what the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
    pub claims: Map<String, Value>,
}

/// Reads a compact JWS whose payload is a JSON object.
pub fn parse_jws(token: &str) -> Result<Jws, String> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err("the ID token is too large".into());
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("the ID token is not a compact JWS (three dot-separated parts)".into());
    };
    let json = |part: &str, what: &str| -> Result<Map<String, Value>, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| format!("the ID token's {what} is not base64url"))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(format!("the ID token's {what} is not a JSON object")),
        }
    };
    let header = json(h, "header")?;
    let claims = json(p, "payload")?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| "the ID token's signature is not base64url".to_string())?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default().to_string();
    if alg.is_empty() || alg.eq_ignore_ascii_case("none") {
        return Err("the ID token is not signed".into());
    }
    if header.contains_key("crit") {
        return Err("the ID token's header has critical extensions we do not understand".into());
    }
    Ok(Jws {
        alg,
        kid: header.get("kid").and_then(Value::as_str).map(str::to_string),
        signing_input: format!("{h}.{p}"),
        signature,
        claims,
    })
}

/// What an ID token's claims must say.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Now, in Unix seconds (from the injected clock).
    pub now: i64,
}

/// Checks the claims of a verified ID token (OpenID Connect Core 1.0, section 3.1.3.7); the
/// error says which check failed.
pub fn check_claims(claims: &Map<String, Value>, e: &Expected<'_>) -> Result<(), String> {
    let text = |k: &str| claims.get(k).and_then(Value::as_str);
    let number = |k: &str| claims.get(k).and_then(Value::as_i64);
    if text("iss") != Some(e.issuer) {
        return Err(format!("the ID token was issued by {:?}, not by {}", text("iss").unwrap_or(""), e.issuer));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !audiences.contains(&e.client_id) {
        return Err("the ID token is meant for another client (aud)".into());
    }
    if let Some(azp) = claims.get("azp") {
        if azp.as_str() != Some(e.client_id) {
            return Err("the ID token was issued to another client (azp)".into());
        }
    }
    let Some(exp) = number("exp") else { return Err("the ID token has no expiry (exp)".into()) };
    if exp.saturating_add(MAX_SKEW_SECS) <= e.now {
        return Err("the ID token has expired".into());
    }
    for k in ["iat", "nbf"] {
        if number(k).is_some_and(|t| t > e.now.saturating_add(MAX_SKEW_SECS)) {
            return Err(format!("the ID token's {k} is in the future; check the clocks"));
        }
    }
    match text("nonce") {
        Some(n) if constant_time_eq(n.as_bytes(), e.nonce.as_bytes()) => {}
        _ => return Err("the ID token's nonce is not the one this sign-in sent".into()),
    }
    match text("sub") {
        Some(s) if !s.is_empty() && s.len() <= 255 => Ok(()),
        _ => Err("the ID token names no subject (sub)".into()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    /// Lower-cased.
    pub email: Option<String>,
    /// False only when the provider says the address is not verified.
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The identity in checked claims.
pub fn identity_of(claims: &Map<String, Value>) -> Identity {
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    Identity {
        subject: text("sub").unwrap_or_default().to_string(),
        email: text("email").map(str::to_lowercase),
        email_verified: !matches!(claims.get("email_verified"), Some(Value::Bool(false)))
            && !matches!(claims.get("email_verified"), Some(Value::String(s)) if s == "false"),
        name: text("name").map(|n| n.chars().take(200).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn good() -> Map<String, Value> {
        claims(json!({"iss": "https://id.example.com", "aud": "vellum", "exp": 1_000_100, "iat": 1_000_000,
                      "nonce": "n-1", "sub": "u-1"}))
    }

    fn expected(now: i64) -> Expected<'static> {
        Expected { issuer: "https://id.example.com", client_id: "vellum", nonce: "n-1", now }
    }

    #[test]
    fn issuers_are_https_or_loopback_http() {
        assert_eq!(Issuer::parse("https://id.example.com/").unwrap().as_str(), "https://id.example.com");
        assert_eq!(
            Issuer::parse("https://id.example.com/realms/acme").unwrap().discovery_url(),
            "https://id.example.com/realms/acme/.well-known/openid-configuration"
        );
        assert!(Issuer::parse("http://127.0.0.1:9000").is_ok());
        assert!(Issuer::parse("http://localhost:9000").is_ok());
        assert!(Issuer::parse("http://[::1]:9000").is_ok());
        assert!(Issuer::parse("http://id.example.com").unwrap_err().contains("https"));
        assert!(Issuer::parse("http://10.0.0.1").is_err());
        assert!(Issuer::parse("https://id.example.com/?x=1").is_err());
        assert!(Issuer::parse("ftp://id.example.com").is_err());
        assert!(Issuer::parse("https://user:pw@id.example.com").is_err());
    }

    #[test]
    fn endpoints_follow_the_issuers_transport() {
        let public = Issuer::parse("https://id.example.com").unwrap();
        let local = Issuer::parse("http://127.0.0.1:9000").unwrap();
        assert!(endpoint_allowed(&public, "https://id.example.com/token"));
        assert!(!endpoint_allowed(&public, "http://127.0.0.1:9000/token"));
        assert!(endpoint_allowed(&local, "http://127.0.0.1:9000/token"));
        assert!(!endpoint_allowed(&local, "http://10.0.0.1/token"));
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_authorization_request_carries_state_nonce_and_an_s256_challenge() {
        let url = authorize_url(
            "https://id.example.com/auth",
            &AuthRequest {
                client_id: "vellum",
                redirect_uri: "https://dam.example.com/auth/oidc/callback",
                state: "s 1",
                nonce: "n&1",
                code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            },
        );
        assert!(url.starts_with("https://id.example.com/auth?response_type=code&client_id=vellum&"));
        assert!(url.contains("redirect_uri=https%3A%2F%2Fdam.example.com%2Fauth%2Foidc%2Fcallback"));
        assert!(url.contains("scope=openid%20email%20profile%20groups"));
        assert!(url.contains("state=s%201") && url.contains("nonce=n%261"));
        assert!(url.contains("code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"));
        assert!(authorize_url(
            "https://id.example.com/auth?tenant=a",
            &AuthRequest { client_id: "c", redirect_uri: "r", state: "s", nonce: "n", code_verifier: "v" }
        )
        .starts_with("https://id.example.com/auth?tenant=a&response_type=code"));
    }

    #[test]
    fn a_jws_is_taken_apart_and_unsigned_ones_are_refused() {
        let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let token = format!("{}.{}.{}", enc(json!({"alg": "RS256", "kid": "k1"})), enc(json!({"sub": "a"})), "c2ln");
        let jws = parse_jws(&token).unwrap();
        assert_eq!((jws.alg.as_str(), jws.kid.as_deref()), ("RS256", Some("k1")));
        assert_eq!(jws.signature, b"sig");
        assert_eq!(jws.claims["sub"], "a");
        assert!(jws.signing_input.ends_with(&enc(json!({"sub": "a"}))));
        let none = format!("{}.{}.", enc(json!({"alg": "none"})), enc(json!({"sub": "a"})));
        assert!(parse_jws(&none).unwrap_err().contains("not signed"));
        assert!(parse_jws("a.b").is_err());
        assert!(parse_jws(&format!("{}.bm90IGpzb24.c2ln", enc(json!({"alg": "RS256"})))).is_err());
        let crit = format!("{}.{}.c2ln", enc(json!({"alg": "RS256", "crit": ["b64"]})), enc(json!({})));
        assert!(parse_jws(&crit).is_err());
    }

    #[test]
    fn good_claims_pass_and_each_check_bites() {
        assert_eq!(check_claims(&good(), &expected(1_000_050)), Ok(()));
        let with = |k: &str, v: Value| {
            let mut c = good();
            c.insert(k.into(), v);
            c
        };
        let refused = |c: Map<String, Value>| check_claims(&c, &expected(1_000_050)).unwrap_err();
        assert!(refused(with("iss", json!("https://evil.example.com"))).contains("issued by"));
        assert!(refused(with("aud", json!("someone-else"))).contains("aud"));
        assert_eq!(check_claims(&with("aud", json!(["other", "vellum"])), &expected(1_000_050)), Ok(()));
        assert!(refused(with("azp", json!("other"))).contains("azp"));
        assert!(refused(with("nonce", json!("forged"))).contains("nonce"));
        assert!(refused(with("sub", json!(""))).contains("subject"));
        assert!(refused(with("iat", json!(1_000_050 + MAX_SKEW_SECS + 1))).contains("future"));
        let mut no_nonce = good();
        no_nonce.remove("nonce");
        assert!(refused(no_nonce).contains("nonce"));
        let mut no_exp = good();
        no_exp.remove("exp");
        assert!(refused(no_exp).contains("expiry"));
    }

    #[test]
    fn expiry_allows_only_the_bounded_skew() {
        assert_eq!(check_claims(&good(), &expected(1_000_100 + MAX_SKEW_SECS - 1)), Ok(()));
        assert!(check_claims(&good(), &expected(1_000_100 + MAX_SKEW_SECS)).unwrap_err().contains("expired"));
    }

    #[test]
    fn the_identity_reads_email_lower_cased_and_verification() {
        let id = identity_of(&claims(json!({"sub": "u", "email": "Ana@Example.COM", "name": " Ana "})));
        assert_eq!(
            id,
            Identity {
                subject: "u".into(),
                email: Some("ana@example.com".into()),
                email_verified: true,
                name: Some("Ana".into())
            }
        );
        assert!(!identity_of(&claims(json!({"sub": "u", "email": "a@b.c", "email_verified": false}))).email_verified);
        assert!(!identity_of(&claims(json!({"sub": "u", "email": "a@b.c", "email_verified": "false"}))).email_verified);
    }
}
