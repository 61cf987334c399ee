//! Single sign-on with OpenID Connect: the server's settings (issuer, client, claim rules,
//! whether local passwords still work), starting a sign-in (state, nonce and a PKCE verifier
//! kept server-side, used once), and finishing it (code exchange, ID token verified against the
//! provider's keys, the account found, linked or created, memberships following the claim
//! rules, a session). The client secret comes only from the environment, never from the API.

pub mod keys;
pub mod provider;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use vellum_domain::{
    audit::AuditAction,
    claim_rules::{self, ClaimRule},
    oidc::{self, Issuer},
    ErrorCode,
};
use vellum_store::{
    model::{NewAuditEvent, User, UserKind},
    single_sign_on::{self as store, PendingLogin},
    users, workspaces, Conn,
};

use crate::{
    accounts::admins_only,
    claim_memberships::{self, Source},
    record,
    secret::{random_token, same, token_hash},
    session::NewSession,
    Actor, Core, Error, Origin, Result,
};
use provider::{Client, ProviderCache};

const SETTING: &str = "sso";
/// Where the provider sends the browser back, under the public URL.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// Where the provider sends the browser after signing out of it.
pub const AFTER_LOGOUT_PATH: &str = "/login";

/// The server's single sign-on settings as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSettings {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    #[serde(default)]
    pub claim_rules: Vec<ClaimRule>,
    pub allow_passwords: bool,
}

impl Default for SsoSettings {
    fn default() -> Self {
        SsoSettings { issuer: None, client_id: None, claim_rules: Vec::new(), allow_passwords: true }
    }
}

impl SsoSettings {
    /// The issuer and client when single sign-on is on.
    fn enabled(&self) -> Option<(Issuer, &str)> {
        let issuer = Issuer::parse(self.issuer.as_deref()?).ok()?;
        Some((issuer, self.client_id.as_deref().filter(|c| !c.is_empty())?))
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled().is_some()
    }
}

/// A change to the settings; what is left out stays as it is (an empty issuer turns single
/// sign-on off).
#[derive(Debug, Clone, Default)]
pub struct SsoPatch {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub claim_rules: Option<Vec<ClaimRule>>,
    pub allow_passwords: Option<bool>,
}

/// The process's single sign-on state: the client secret and what it knows of the provider.
#[derive(Debug, Default)]
pub struct Sso {
    client_secret: Option<String>,
    provider: ProviderCache,
}

impl Sso {
    pub fn with_client_secret(secret: Option<String>) -> Sso {
        Sso { client_secret: secret.filter(|s| !s.is_empty()), provider: ProviderCache::default() }
    }

    pub fn has_client_secret(&self) -> bool {
        self.client_secret.is_some()
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidSsoSettings, message)
}

fn refused_token(why: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InvalidIdToken, format!("the identity provider's answer was refused: {why}"))
}

/// A sign-in sent to the provider: where the browser goes, and the state to bind to it.
pub struct Started {
    pub url: String,
    pub state: String,
}

/// A finished sign-in: the session and where to go.
pub struct Finished {
    pub session: NewSession,
    pub next: Option<String>,
}

pub(crate) async fn settings_in(c: &mut Conn) -> Result<SsoSettings> {
    Ok(match users::setting(c, SETTING).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => SsoSettings::default(),
    })
}

impl Core {
    /// The redirect URI to register at the provider.
    pub fn sso_redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.notify.public_url.trim_end_matches('/'))
    }

    /// The settings as they are now (anyone may ask whether single sign-on is on: the login
    /// page does).
    pub async fn sso_settings(&self) -> Result<SsoSettings> {
        settings_in(&mut *self.store.conn().await?).await
    }

    /// The settings, for a server admin.
    pub async fn sso_settings_for(&self, actor: &Actor) -> Result<SsoSettings> {
        admins_only(actor, "read the single sign-on settings")?;
        self.sso_settings().await
    }

    /// Changes the settings (server admins): the issuer must be https (or http on loopback),
    /// rules must be well-formed and name existing workspaces, and passwords can only be turned
    /// off while single sign-on is on.
    pub async fn put_sso_settings(&self, actor: &Actor, patch: SsoPatch) -> Result<SsoSettings> {
        admins_only(actor, "change the single sign-on settings")?;
        self.change_sso(&actor.origin, Some(&actor.user), patch).await
    }

    /// Sets the issuer and client from the command line at start.
    pub async fn configure_sso(&self, issuer: &str, client_id: &str) -> Result<SsoSettings> {
        let patch = SsoPatch { issuer: Some(issuer.into()), client_id: Some(client_id.into()), ..SsoPatch::default() };
        self.change_sso(&Origin::default(), None, patch).await
    }

    async fn change_sso(&self, origin: &Origin, actor: Option<&User>, patch: SsoPatch) -> Result<SsoSettings> {
        let mut tx = self.store.write().await?;
        let before = settings_in(&mut tx).await?;
        let mut after = before.clone();
        if let Some(issuer) = patch.issuer {
            after.issuer = match issuer.trim() {
                "" => None,
                i => Some(Issuer::parse(i).map_err(|e| invalid(format!("issuer: {e}")))?.as_str().to_string()),
            };
        }
        if let Some(client) = patch.client_id {
            let client = client.trim();
            if client.len() > 255 || client.chars().any(char::is_control) {
                return Err(invalid("client_id is at most 255 characters, on one line"));
            }
            after.client_id = (!client.is_empty()).then(|| client.to_string());
        }
        if let Some(rules) = patch.claim_rules {
            claim_rules::check(&rules)?;
            for (i, r) in rules.iter().enumerate() {
                if workspaces::by_reference(&mut tx, r.workspace.trim()).await?.is_none() {
                    return Err(Error::new(
                        ErrorCode::InvalidClaimRule,
                        format!("rule {}: there is no workspace '{}'", i + 1, r.workspace),
                    ));
                }
            }
            after.claim_rules = rules;
        }
        if let Some(allow) = patch.allow_passwords {
            after.allow_passwords = allow;
        }
        if after.issuer.is_some() && after.client_id.is_none() {
            return Err(invalid("client_id is required with an issuer"));
        }
        if !after.allow_passwords && !after.is_enabled() {
            return Err(invalid("local passwords can only be turned off while single sign-on is configured"));
        }
        if after != before {
            let stored = serde_json::to_string(&after).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
            users::set_setting(&mut tx, SETTING, &stored).await?;
            let event = NewAuditEvent {
                before: Some(json!(before)),
                after: Some(json!(after)),
                ..NewAuditEvent::new(AuditAction::SsoPut, "settings")
            };
            record(&mut tx, origin, actor, event).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// Refuses password sign-in while the server allows single sign-on only.
    pub(crate) async fn require_passwords_allowed(&self, c: &mut Conn) -> Result<()> {
        if settings_in(c).await?.allow_passwords {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::PasswordSignInDisabled,
            "this server signs people in through single sign-on only: use the single sign-on button",
        ))
    }

    /// Starts a sign-in: a state, a nonce and a PKCE verifier are kept (hashed state, ten
    /// minutes, used once) and the browser is sent to the provider. `next` must be a local path.
    pub async fn begin_sso(&self, next: Option<&str>) -> Result<Started> {
        let settings = self.sso_settings().await?;
        let Some((issuer, client_id)) = settings.enabled() else {
            return Err(Error::new(ErrorCode::SsoNotConfigured, "single sign-on is not configured on this server"));
        };
        let metadata = self.sso.provider.metadata(&issuer, &self.notify.tls).await?;
        let (state, nonce, verifier) = (random_token("")?, random_token("")?, random_token("")?);
        let now = self.now();
        let login = PendingLogin {
            state_hash: token_hash(&state),
            nonce: nonce.clone(),
            code_verifier: verifier.clone(),
            next_path: next.map(str::to_string),
            expires_at: now.plus_secs(oidc::LOGIN_TTL_SECS),
        };
        let mut tx = self.store.write().await?;
        store::insert_login(&mut tx, &login).await?;
        tx.commit().await?;
        let redirect_uri = self.sso_redirect_uri();
        let url = oidc::authorize_url(
            &metadata.authorization_endpoint,
            &oidc::AuthRequest {
                client_id,
                redirect_uri: &redirect_uri,
                state: &state,
                nonce: &nonce,
                code_verifier: &verifier,
            },
        );
        Ok(Started { url, state })
    }

    /// Finishes a sign-in the provider sent back: the state must be the one this browser holds
    /// (`browser_state`, from its cookie) and still pending; the code is exchanged with the PKCE
    /// verifier; the ID token must verify (signature, issuer, audience, nonce, expiry).
    pub async fn finish_sso(
        &self,
        origin: &Origin,
        code: &str,
        state: &str,
        browser_state: Option<&str>,
    ) -> Result<Finished> {
        let stale = || {
            Error::new(
                ErrorCode::InvalidOidcState,
                "this sign-in answer does not belong to a sign-in started in this browser, or was already used; sign \
                 in again",
            )
        };
        if state.is_empty() || !browser_state.is_some_and(|b| same(b, state)) {
            return Err(stale());
        }
        let now = self.now();
        let login = {
            let mut tx = self.store.write().await?;
            let login = store::take_login(&mut tx, &token_hash(state), now).await?;
            tx.commit().await?;
            login.ok_or_else(stale)?
        };
        let settings = self.sso_settings().await?;
        let Some((issuer, client_id)) = settings.enabled() else {
            return Err(Error::new(ErrorCode::SsoNotConfigured, "single sign-on is not configured on this server"));
        };
        let tls = &self.notify.tls;
        let metadata = self.sso.provider.metadata(&issuer, tls).await?;
        let client = Client { id: client_id, secret: self.sso.client_secret.as_deref() };
        let tokens =
            provider::exchange(&issuer, tls, &metadata, &client, code, &login.code_verifier, &self.sso_redirect_uri())
                .await?;
        let jws = oidc::parse_jws(&tokens.id_token).map_err(refused_token)?;
        let keys = self.sso.provider.keys_for(&issuer, tls, jws.kid.as_deref()).await?;
        let key = keys::select(&keys, &jws.alg, jws.kid.as_deref())
            .ok_or_else(|| refused_token("it is signed with a key the provider does not publish"))?;
        keys::verify(&jws, key).map_err(refused_token)?;
        let expected =
            oidc::Expected { issuer: issuer.as_str(), client_id, nonce: &login.nonce, now: now.unix_seconds() };
        oidc::check_claims(&jws.claims, &expected).map_err(refused_token)?;
        let mut claims = jws.claims;
        if let Some(access) = &tokens.access_token {
            if let Some(extra) = provider::userinfo(&issuer, tls, &metadata, access).await {
                merge_userinfo(&mut claims, extra)?;
            }
        }
        let session = self.sso_session(origin, &issuer, &settings.claim_rules, &claims).await?;
        Ok(Finished { session, next: login.next_path })
    }

    /// The account behind verified claims (linked before, found by a verified email, or made
    /// now), its memberships brought in line with the claim rules, and a new session.
    async fn sso_session(
        &self,
        origin: &Origin,
        issuer: &Issuer,
        rules: &[ClaimRule],
        claims: &Map<String, Value>,
    ) -> Result<NewSession> {
        let identity = oidc::identity_of(claims);
        let now = self.now();
        let mut tx = self.store.write().await?;
        let user = match store::linked_user(&mut tx, issuer.as_str(), &identity.subject).await? {
            Some(id) => users::by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("user"))?,
            None => {
                let email = identity.email.clone().filter(|_| identity.email_verified).ok_or_else(|| {
                    Error::new(
                        ErrorCode::SsoEmailRequired,
                        "the identity provider gave no verified email address, which a Vellum account needs; ask \
                         its administrator to release the email claim",
                    )
                })?;
                let user = match users::by_email(&mut tx, &email).await? {
                    Some(u) if u.kind == UserKind::Service => {
                        return Err(Error::new(ErrorCode::AccountDisabled, "a service account cannot sign in"));
                    }
                    Some(u) => u,
                    None => {
                        let name = identity.name.clone().unwrap_or_else(|| email.clone());
                        let user = User::person(&email, &name, now);
                        users::insert(&mut tx, &user).await?;
                        let event = NewAuditEvent {
                            object_id: Some(user.id.to_string()),
                            after: Some(json!({"email": user.email, "name": user.name, "via": "sso",
                                "issuer": issuer.as_str()})),
                            ..NewAuditEvent::new(AuditAction::UserCreate, "user")
                        };
                        record(&mut tx, origin, None, event).await?;
                        user
                    }
                };
                store::link(&mut tx, issuer.as_str(), &identity.subject, user.id, now).await?;
                user
            }
        };
        if user.disabled_at.is_some() {
            tx.commit().await?;
            return Err(Error::new(
                ErrorCode::AccountDisabled,
                "this account is disabled; ask a server admin to enable it",
            ));
        }
        let kept = serde_json::to_string(claims).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
        store::set_claims(&mut tx, issuer.as_str(), &identity.subject, &kept).await?;
        claim_memberships::follow(&mut tx, origin, &user, rules, Source::SingleSignOn, now).await?;
        let session = self.open_session(&mut tx, origin, user, true).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Whether a session began through single sign-on (signing out then ends the provider's
    /// session too).
    pub async fn began_with_sso(&self, session_token: &str) -> Result<bool> {
        Ok(store::session_via_sso(&mut *self.store.conn().await?, &token_hash(session_token)).await?)
    }

    /// Where to send the browser to end its session at the provider (RP-initiated logout),
    /// coming back to the login page; None when single sign-on is off or the provider has no
    /// logout endpoint.
    pub async fn sso_end_session_url(&self) -> Result<Option<String>> {
        let settings = self.sso_settings().await?;
        let Some((issuer, client_id)) = settings.enabled() else { return Ok(None) };
        let Ok(metadata) = self.sso.provider.metadata(&issuer, &self.notify.tls).await else { return Ok(None) };
        let Some(end) = metadata.end_session_endpoint.filter(|e| oidc::endpoint_allowed(&issuer, e)) else {
            return Ok(None);
        };
        let back = format!("{}{AFTER_LOGOUT_PATH}", self.notify.public_url.trim_end_matches('/'));
        let joiner = if end.contains('?') { '&' } else { '?' };
        Ok(Some(format!(
            "{end}{joiner}client_id={}&post_logout_redirect_uri={}",
            oidc::encode(client_id),
            oidc::encode(&back)
        )))
    }
}

/// Adds the userinfo endpoint's claims the ID token lacks; they must be about the same subject
/// (OpenID Connect Core 1.0, section 5.3.2).
fn merge_userinfo(claims: &mut Map<String, Value>, extra: Map<String, Value>) -> Result<()> {
    if extra.get("sub") != claims.get("sub") {
        return Err(refused_token("the userinfo endpoint describes another subject"));
    }
    for (k, v) in extra {
        claims.entry(k).or_insert(v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_fills_gaps_for_the_same_subject_only() {
        let mut claims = json!({"sub": "u1", "email": "a@b.example"}).as_object().unwrap().clone();
        let extra =
            json!({"sub": "u1", "email": "other@b.example", "groups": ["marketing"]}).as_object().unwrap().clone();
        merge_userinfo(&mut claims, extra).unwrap();
        assert_eq!(claims["email"], "a@b.example", "the signed ID token's claims win");
        assert_eq!(claims["groups"], json!(["marketing"]));
        let stranger = json!({"sub": "u2"}).as_object().unwrap().clone();
        assert!(merge_userinfo(&mut claims, stranger).is_err());
    }

    #[test]
    fn settings_are_enabled_only_with_a_valid_issuer_and_a_client() {
        let mut s = SsoSettings::default();
        assert!(s.allow_passwords && !s.is_enabled());
        s.issuer = Some("https://id.example.com".into());
        assert!(!s.is_enabled());
        s.client_id = Some("vellum".into());
        assert!(s.is_enabled());
        s.issuer = Some("http://id.example.com".into());
        assert!(!s.is_enabled());
    }
}
