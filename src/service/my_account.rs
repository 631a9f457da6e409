//! A staff member's own account: what it is, changing the password (the current one required),
//! and the sessions it has open, any of which the holder can end.
use super::auth::{actor_of, session_id};
use super::error::{Error, Result};
use super::login_gate::Client;
use super::passwords::{Busy, Lane};
use super::{Role, Service, StaffUser};
use crate::domain::account;
use crate::domain::text::{Field, Problem};
use crate::store::StaffRow;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct MyAccount {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    pub two_factor: bool,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    /// Names the session for ending it; not a credential.
    pub id: String,
    /// `page`, `api` or `enrolment`.
    pub kind: &'static str,
    pub created: String,
    pub expires: String,
    /// The session this request came with.
    pub current: bool,
}

impl Service {
    /// The caller's account row (gone or disabled since the session was read: signed out).
    pub(super) async fn own_account(&self, user: &StaffUser) -> Result<StaffRow> {
        match self.store().staff(&user.username).await? {
            Some(a) if !a.disabled => Ok(a),
            _ => Err(Error::Unauthenticated),
        }
    }

    pub async fn my_account(&self, user: &StaffUser) -> Result<MyAccount> {
        let a = self.own_account(user).await?;
        let current = user.session_id();
        let sessions = self
            .store()
            .sessions_of(&a.username, self.now())
            .await?
            .into_iter()
            .map(|s| {
                let id = session_id(&s.token_hash);
                SessionView {
                    current: id == current,
                    id,
                    kind: s.kind.as_str(),
                    created: self.fmt_time(s.created_at),
                    expires: self.fmt_time(s.expires_at),
                }
            })
            .collect();
        Ok(MyAccount {
            recovery_codes_left: self.store().recovery_codes_left(&a.username).await?,
            two_factor: a.totp.is_some(),
            username: a.username,
            role: a.role,
            department: a.department,
            sessions,
        })
    }

    /// Change the password: the current one must be right (wrong guesses count towards the
    /// account's backoff, so a stolen session cannot guess it quickly). Every other session ends.
    /// Returns the new device proof (the old one was bound to the old password).
    pub async fn change_password(
        &self,
        user: &StaffUser,
        current: &str,
        new: &str,
        confirm: Option<&str>,
    ) -> Result<SecretString> {
        let a = self.own_account(user).await?;
        let now = self.now();
        let gate = &self.inner.gate;
        gate.check(&a.username, Client::Known, now)
            .map_err(|retry_after| Error::TooManyAttempts { retry_after })?;
        let hash = Some(a.password_hash.expose_secret().to_string()).filter(|h| !h.is_empty());
        let ok = self
            .inner
            .passwords
            .verify(
                Lane::Priority,
                SecretString::from(current.to_string()),
                hash,
            )
            .await
            .map_err(|Busy| Error::TooManyAttempts { retry_after: 1 })?;
        if !ok {
            gate.failed(&a.username, Client::Known, now);
            let problem = if current.is_empty() {
                Problem::Missing
            } else {
                Problem::Wrong
            };
            return Err(Error::field(Field::CurrentPassword, problem));
        }
        account::new_password(Field::Password, new, confirm)?;
        let password_hash = self
            .inner
            .passwords
            .hash(SecretString::from(new.to_string()))
            .await?;
        let mut tx = self.store().begin().await?;
        tx.set_password(&a.username, &password_hash).await?;
        tx.delete_sessions_of(&a.username, Some(&user.session_hash))
            .await?;
        let changed = StaffRow {
            password_hash: password_hash.into(),
            ..a
        };
        self.account_event(
            &mut tx,
            &actor_of(&changed),
            "password_changed",
            &changed,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.device_proof(&changed))
    }

    /// End one of the caller's own sessions (possibly the current one).
    pub async fn end_session(&self, user: &StaffUser, id: &str) -> Result<()> {
        let sessions = self.store().sessions_of(&user.username, self.now()).await?;
        let session = sessions
            .into_iter()
            .find(|s| session_id(&s.token_hash) == id.trim())
            .ok_or(Error::NotFound)?;
        let mut tx = self.store().begin().await?;
        tx.delete_session(&session.token_hash).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the deployment requires a second factor (pages say so).
    pub fn totp_required(&self) -> bool {
        self.settings().require_totp
    }
}
