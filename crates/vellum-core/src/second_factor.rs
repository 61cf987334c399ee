//! A second factor for local-password accounts: a TOTP authenticator (RFC 6238) enrolled with a
//! first code, ten one-time recovery codes shown once, and the check sign-in makes — throttled
//! like passwords, each code used once.

use serde_json::json;
use vellum_domain::{audit::AuditAction, totp, ErrorCode, Timestamp};
use vellum_store::{
    model::{NewAuditEvent, User},
    second_factors, Tx,
};

use crate::{
    record,
    secret::{random_token, token_hash},
    Actor, Core, Error, Result,
};

/// How many recovery codes an enrolment makes.
pub const RECOVERY_CODES: usize = 10;

/// The server setting that requires a second factor.
const REQUIRED_SETTING: &str = "require_second_factor";

/// The name authenticator apps show for this server's accounts.
const ISSUER: &str = "Vellum";

/// A started enrolment: the secret for the app (base32) and the `otpauth://` URI.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

/// Where a person's second factor stands.
#[derive(Debug, Clone)]
pub struct SecondFactorStatus {
    pub enabled: bool,
    pub confirmed_at: Option<Timestamp>,
    pub recovery_codes_left: i64,
}

/// What a sign-in says about the second factor.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SecondStep<'a> {
    /// The flow is not a sign-in (an invitation checks a password it already had).
    NotAsked,
    /// A sign-in, with the code the person typed, if any.
    Code(Option<&'a str>),
}

fn recovery_code() -> Result<String> {
    // 40 bits of a random token in two groups of five: easy to type, hard to guess.
    let t = random_token("")?;
    let digits: String = t.chars().filter(char::is_ascii_alphanumeric).take(10).collect::<String>().to_lowercase();
    Ok(format!("{}-{}", &digits[..5], &digits[5..]))
}

fn recovery_hash(code: &str) -> String {
    token_hash(&code.trim().to_lowercase())
}

/// Whether `code` is the user's current TOTP code (taking its step) or an unused recovery code
/// (using it up).
async fn accepts(
    tx: &mut Tx,
    user: &User,
    secret: &str,
    last_step: Option<i64>,
    code: &str,
    now: Timestamp,
) -> Result<bool> {
    let key = totp::base32_decode(secret)
        .ok_or_else(|| Error::new(ErrorCode::Internal, "a stored authenticator secret is not base32"))?;
    if let Some(step) = totp::verify(&key, code, now.unix_seconds(), last_step) {
        return Ok(second_factors::take_step(&mut *tx, user.id, step, now).await?);
    }
    Ok(second_factors::use_recovery_code(&mut *tx, user.id, &recovery_hash(code), now).await?)
}

impl Core {
    /// Starts enrolling an authenticator: a new secret (shown as base32 and as an `otpauth://`
    /// URI); it counts only once a code from the app confirms it.
    pub async fn begin_second_factor(&self, actor: &Actor) -> Result<Enrolment> {
        let mut tx = self.store.write().await?;
        if second_factors::get(&mut tx, actor.user.id).await?.is_some_and(|f| f.confirmed_at.is_some()) {
            return Err(Error::new(
                ErrorCode::Conflict,
                "an authenticator is already on; turn it off first to change it",
            ));
        }
        let mut key = [0u8; 20];
        getrandom::getrandom(&mut key).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
        let secret = totp::base32(&key);
        second_factors::put_pending(&mut tx, actor.user.id, &secret, self.now()).await?;
        tx.commit().await?;
        Ok(Enrolment { otpauth_uri: totp::otpauth_uri(ISSUER, &actor.user.email, &key), secret })
    }

    /// Confirms a pending authenticator with a code from it; answers the recovery codes, once.
    pub async fn confirm_second_factor(&self, actor: &Actor, code: &str) -> Result<Vec<String>> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let factor = second_factors::get(&mut tx, actor.user.id)
            .await?
            .filter(|f| f.confirmed_at.is_none())
            .ok_or_else(|| Error::new(ErrorCode::Conflict, "start an enrolment first (POST /api/v1/me/totp)"))?;
        let key =
            totp::base32_decode(&factor.secret).ok_or_else(|| Error::new(ErrorCode::Internal, "bad stored secret"))?;
        let step = totp::verify(&key, code, now.unix_seconds(), factor.last_step).ok_or_else(|| {
            Error::new(ErrorCode::InvalidSecondFactor, "the code does not match; type the one the app shows now")
        })?;
        second_factors::take_step(&mut tx, actor.user.id, step, now).await?;
        let codes = (0..RECOVERY_CODES).map(|_| recovery_code()).collect::<Result<Vec<_>>>()?;
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        second_factors::put_recovery_codes(&mut tx, actor.user.id, &hashes).await?;
        vellum_store::users::clear_must_enrol(&mut tx, actor.user.id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                object_id: Some(actor.user.id.to_string()),
                after: Some(json!({"recovery_codes": RECOVERY_CODES})),
                ..NewAuditEvent::new(AuditAction::SecondFactorEnable, "user")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Turns the authenticator off, given a current code or a recovery code.
    pub async fn disable_second_factor(&self, actor: &Actor, code: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let factor = second_factors::get(&mut tx, actor.user.id)
            .await?
            .filter(|f| f.confirmed_at.is_some())
            .ok_or_else(|| Error::not_found("authenticator"))?;
        if !accepts(&mut tx, &actor.user, &factor.secret, factor.last_step, code, now).await? {
            return Err(Error::new(ErrorCode::InvalidSecondFactor, "the code does not match"));
        }
        second_factors::delete(&mut tx, actor.user.id).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                object_id: Some(actor.user.id.to_string()),
                ..NewAuditEvent::new(AuditAction::SecondFactorDisable, "user")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the actor has an authenticator on, and how many recovery codes are left.
    pub async fn second_factor(&self, actor: &Actor) -> Result<SecondFactorStatus> {
        let mut c = self.store.conn().await?;
        let f = second_factors::get(&mut c, actor.user.id).await?.filter(|f| f.confirmed_at.is_some());
        Ok(SecondFactorStatus {
            enabled: f.is_some(),
            confirmed_at: f.and_then(|f| f.confirmed_at),
            recovery_codes_left: second_factors::recovery_codes_left(&mut c, actor.user.id).await?,
        })
    }

    /// Whether the server requires every local-password account to have a second factor.
    pub(crate) async fn second_factor_required(&self, c: &mut vellum_store::Conn) -> Result<bool> {
        Ok(vellum_store::users::setting(c, REQUIRED_SETTING).await?.as_deref() == Some("true"))
    }

    /// The server's sign-in policy (server admins).
    pub async fn sign_in_policy(&self, actor: &Actor) -> Result<bool> {
        crate::accounts::admins_only(actor, "read the sign-in policy")?;
        self.second_factor_required(&mut *self.store.conn().await?).await
    }

    /// Requires (or stops requiring) a second factor of every local-password account: from the
    /// next sign-in, an account without one may only enrol it. Server admins only.
    pub async fn put_sign_in_policy(&self, actor: &Actor, require_second_factor: bool) -> Result<bool> {
        crate::accounts::admins_only(actor, "change the sign-in policy")?;
        let mut tx = self.store.write().await?;
        let before = self.second_factor_required(&mut tx).await?;
        vellum_store::users::set_setting(
            &mut tx,
            REQUIRED_SETTING,
            if require_second_factor { "true" } else { "false" },
        )
        .await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                before: Some(json!({"require_second_factor": before})),
                after: Some(json!({"require_second_factor": require_second_factor})),
                ..NewAuditEvent::new(AuditAction::SignInPolicyPut, "settings")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(require_second_factor)
    }

    /// The sign-in's second step for a user whose password was right: nothing to do without an
    /// authenticator; otherwise the code must be given (`second_factor_required`) and right
    /// (`invalid_second_factor`, counted as a failed sign-in by the caller).
    pub(crate) async fn check_second_step(&self, tx: &mut Tx, user: &User, step: SecondStep<'_>) -> Result<()> {
        let SecondStep::Code(code) = step else { return Ok(()) };
        let Some(factor) = second_factors::get(&mut *tx, user.id).await?.filter(|f| f.confirmed_at.is_some()) else {
            return Ok(());
        };
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Err(Error::new(
                ErrorCode::SecondFactorRequired,
                "this account has an authenticator: send the code it shows (or a recovery code) as totp_code",
            ));
        };
        if accepts(tx, user, &factor.secret, factor.last_step, code, self.now()).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::InvalidSecondFactor, "the authenticator code is wrong, expired or already used"))
        }
    }
}
