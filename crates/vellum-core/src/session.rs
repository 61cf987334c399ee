//! Signing in and out: throttled password checks, sessions and the callers behind cookies and
//! tokens. Failed sign-ins are recorded as one audit event per account and address per window,
//! so an anonymous caller cannot grow the audit chain without bound.

use serde_json::json;
use vellum_domain::audit::AuditAction;
use vellum_domain::ErrorCode;
use vellum_domain::{
    throttle::{self, Attempts, Policy, Window},
    Timestamp,
};
use vellum_store::{
    model::{NewAuditEvent, User},
    throttle::{self as attempts, AttemptRow},
    users, Tx,
};

use crate::{
    auth::{verify_password, DUMMY_HASH},
    record,
    second_factor::SecondStep,
    secret::{random_token, token_hash},
    Actor, Core, Error, Origin, Result,
};

/// A new sign-in: the cookie value (shown once) and the CSRF secret for its forms.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub user: User,
}

/// A session found by its cookie.
pub struct Session {
    pub user: User,
    pub csrf: String,
    /// It may only enrol a second factor until the account has one (the server requires it).
    pub must_enrol: bool,
}

/// The throttled keys of one sign-in attempt.
struct Keys {
    email: String,
    ip: String,
    address: String,
    account: String,
    pair: String,
}

impl Keys {
    fn of(email: &str, origin: &Origin) -> Keys {
        let email: String = email.trim().to_lowercase().chars().take(254).collect();
        let ip = origin.ip.clone().unwrap_or_else(|| "unknown".to_string());
        Keys {
            address: format!("address:{ip}"),
            account: format!("account:{email}"),
            pair: format!("pair:{email} {ip}"),
            email,
            ip,
        }
    }

    fn policies(&self) -> [(&str, Policy); 3] {
        [(&self.address, Policy::ADDRESS), (&self.account, Policy::ACCOUNT), (&self.pair, Policy::ACCOUNT_AT_ADDRESS)]
    }
}

/// The audit event for a window of failed sign-ins of one account at one address.
fn failures_event(email: &str, ip: Option<String>, w: &Window) -> NewAuditEvent {
    NewAuditEvent {
        after: Some(json!({"email": email, "count": w.count, "first_at": w.first_at, "last_at": w.last_at})),
        ip,
        ..NewAuditEvent::new(AuditAction::SessionFailed, "session")
    }
}

fn invalid_credentials() -> Error {
    Error::new(ErrorCode::InvalidCredentials, "the email or password is wrong")
}

impl Core {
    /// Checks an email and password under the sign-in throttle: the one way any flow may test
    /// a password. While any of the caller's keys (address, account, account at address) is
    /// blocked the password is not even checked: the answer is `too_many_attempts` with the
    /// seconds to wait. Unknown accounts take the same path and about the same time as wrong
    /// passwords; a success forgets the account's failures.
    pub(crate) async fn check_credentials(
        &self,
        origin: &Origin,
        email: &str,
        password: &str,
        second: SecondStep<'_>,
    ) -> Result<User> {
        let keys = Keys::of(email, origin);
        let _turn = self.turns.take(&[&keys.address, &keys.account]).await;
        let now = self.now();
        {
            let mut c = self.store.conn().await?;
            let mut wait = 0;
            for (key, _) in keys.policies() {
                if let Some(row) = attempts::get(&mut c, key).await? {
                    wait = wait.max(throttle::retry_after(&row.attempts, now).unwrap_or(0));
                }
            }
            if wait > 0 {
                return Err(Error::Throttled { retry_after_secs: wait as u64 });
            }
        }
        let user = users::by_email(&mut *self.store.conn().await?, &keys.email).await?;
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash).await,
            None => {
                verify_password(password, DUMMY_HASH).await;
                false
            }
        };
        let mut tx = self.store.write().await?;
        let Some(user) = user.filter(|_| ok) else {
            self.count_failure(&mut tx, &keys, now).await?;
            tx.commit().await?;
            return Err(invalid_credentials());
        };
        if user.disabled_at.is_some() {
            tx.commit().await?;
            return Err(Error::new(
                ErrorCode::AccountDisabled,
                "this account is disabled; ask a server admin to enable it",
            ));
        }
        match self.check_second_step(&mut tx, &user, second).await {
            Ok(()) => {}
            Err(e) if e.code() == ErrorCode::InvalidSecondFactor => {
                self.count_failure(&mut tx, &keys, now).await?;
                tx.commit().await?;
                return Err(e);
            }
            Err(e) => {
                tx.commit().await?;
                return Err(e);
            }
        }
        // Success forgets this account's failures (recording any still unrecorded first); the
        // address keeps its count, so one good account does not reset guessing at others.
        if let Some(mut row) = attempts::get(&mut tx, &keys.pair).await? {
            if let Some(w) = throttle::close_window(&mut row.attempts) {
                record(&mut tx, origin, None, failures_event(&keys.email, Some(keys.ip.clone()), &w)).await?;
            }
        }
        attempts::delete(&mut tx, &keys.pair).await?;
        attempts::delete(&mut tx, &keys.account).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Signs in with email and password, and the authenticator's code when the account has one
    /// (see `check_credentials` for the throttle).
    pub async fn sign_in(
        &self,
        origin: &Origin,
        email: &str,
        password: &str,
        totp_code: Option<&str>,
    ) -> Result<NewSession> {
        self.require_passwords_allowed(&mut *self.store.conn().await?).await?;
        let user = self.check_credentials(origin, email, password, SecondStep::Code(totp_code)).await?;
        let mut tx = self.store.write().await?;
        let session = self.open_session(&mut tx, origin, user, false).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Opens a session for a user who has proved who they are (by password or through single
    /// sign-on); it may only enrol a second factor while the server requires one the account
    /// lacks.
    pub(crate) async fn open_session(
        &self,
        tx: &mut Tx,
        origin: &Origin,
        user: User,
        via_sso: bool,
    ) -> Result<NewSession> {
        let now = self.now();
        let token = random_token("vls_")?;
        let csrf = random_token("")?;
        let must_enrol = !via_sso
            && self.second_factor_required(&mut *tx).await?
            && vellum_store::second_factors::get(&mut *tx, user.id).await?.is_none_or(|f| f.confirmed_at.is_none());
        let row = users::NewSessionRow {
            token_hash: &token_hash(&token),
            user_id: user.id,
            csrf: &csrf,
            created_at: now,
            expires_at: now.plus_hours(self.limits.session_hours),
            must_enrol,
            via_sso,
        };
        users::insert_session(&mut *tx, &row).await?;
        let event = NewAuditEvent {
            after: via_sso.then(|| json!({"via": "sso"})),
            ..NewAuditEvent::new(AuditAction::SessionCreate, "session")
        };
        record(&mut *tx, origin, Some(&user), event).await?;
        Ok(NewSession { token, csrf, user })
    }

    /// Counts one failure on each key; a failure that starts a new audit window records the
    /// previous one.
    async fn count_failure(&self, tx: &mut Tx, keys: &Keys, now: Timestamp) -> Result<()> {
        for (key, policy) in keys.policies() {
            let before = attempts::get(&mut *tx, key).await?;
            let (after, closed) = throttle::after_failure(before.map(|r| r.attempts), policy, now);
            let is_pair = key == keys.pair;
            let row = AttemptRow {
                key: key.to_string(),
                attempts: if is_pair { after } else { Attempts { unaudited: 0, ..after } },
                email: is_pair.then(|| keys.email.clone()),
                ip: is_pair.then(|| keys.ip.clone()),
            };
            attempts::put(&mut *tx, &row).await?;
            if let Some(w) = closed.filter(|_| is_pair) {
                let origin = Origin { ip: Some(keys.ip.clone()), ..Origin::default() };
                record(tx, &origin, None, failures_event(&keys.email, Some(keys.ip.clone()), &w)).await?;
            }
        }
        Ok(())
    }

    /// Records the failed sign-ins of every audit window that has ended, and forgets keys that
    /// have been quiet for long. Runs every minute; returns how many events it recorded.
    pub async fn record_sign_in_failures(&self) -> Result<u64> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let due = attempts::windows_started_before(&mut tx, now.plus_secs(-throttle::AUDIT_WINDOW_SECS)).await?;
        let mut n = 0;
        for mut row in due {
            if let Some(w) = throttle::close_window(&mut row.attempts) {
                let email = row.email.clone().unwrap_or_default();
                let origin = Origin { ip: row.ip.clone(), ..Origin::default() };
                record(&mut tx, &origin, None, failures_event(&email, row.ip.clone(), &w)).await?;
                attempts::put(&mut tx, &row).await?;
                n += 1;
            }
        }
        attempts::delete_quiet(&mut tx, now.plus_secs(-Policy::ADDRESS.forget_after_secs)).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Ends the session behind a cookie, recording who signed out.
    pub async fn sign_out(&self, token: &str, origin: &Origin) -> Result<()> {
        let hash = token_hash(token);
        let mut tx = self.store.write().await?;
        let owner = users::session_owner(&mut tx, &hash).await?;
        if users::delete_session(&mut tx, &hash).await? {
            let user = match owner {
                Some(id) => users::by_id(&mut tx, id).await?,
                None => None,
            };
            record(&mut tx, origin, user.as_ref(), NewAuditEvent::new(AuditAction::SessionDelete, "session")).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends every browser session of the actor ("sign out everywhere"); returns how many.
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> Result<u64> {
        let mut tx = self.store.write().await?;
        let n = users::delete_sessions_of(&mut tx, actor.user.id, None).await?;
        record(
            &mut tx,
            &actor.origin,
            Some(&actor.user),
            NewAuditEvent {
                after: Some(json!({"sessions": n})),
                ..NewAuditEvent::new(AuditAction::SessionDeleteAll, "session")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The user behind a session cookie, if it is valid, unexpired and the account active.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let s = users::session(&mut *self.store.conn().await?, &token_hash(token), self.now()).await?;
        Ok(s.map(|s| Session { user: s.user, csrf: s.csrf, must_enrol: s.must_enrol }))
    }

    /// The sign-in session a cookie names, hashed as stored (to keep it when others end).
    pub fn session_key(token: &str) -> String {
        token_hash(token)
    }
}
