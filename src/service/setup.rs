//! Using a setup code: the account's holder sees which account it is and the secret to scan, then
//! sets a password and confirms the second factor with a code, all at once. The code is then used
//! up, every earlier session of the account ends, and the holder is signed in.
use super::auth::actor_of;
use super::error::{Error, Result};
use super::{Enrolment, Login, Role, Service};
use crate::crypto::token_hash;
use crate::domain::account::{self, CodeKind, OneTimeCode};
use crate::domain::text::Field;
use crate::store::{SessionKind, StaffRow};
use secrecy::SecretString;
use serde::Serialize;

/// What the setup page shows for a valid code.
#[derive(Clone, Debug, Serialize)]
pub struct SetupStart {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    /// The secret to scan now.
    pub enrolment: Enrolment,
    /// Whether the code from the app must be given (off only in a demo).
    pub totp_required: bool,
}

/// The account is set up: its session, and the recovery codes to keep (none if no second factor was
/// enrolled, which only a demo allows).
#[derive(Clone, Debug, Serialize)]
pub struct SetupDone {
    #[serde(flatten)]
    pub login: Login,
    pub recovery_codes: Vec<String>,
}

/// What the holder sends to finish.
pub struct SetupFinish<'a> {
    pub code: &'a str,
    pub password: &'a str,
    /// The password typed again (the page asks for it; the API need not).
    pub password_confirm: Option<&'a str>,
    pub totp: Option<&'a str>,
    pub kind: SessionKind,
}

impl Service {
    /// The account a live setup code is for (refused the same way whether unknown, expired or the
    /// account disabled).
    async fn setup_account(&self, code: &str) -> Result<(Vec<u8>, StaffRow)> {
        let code = OneTimeCode::parse(CodeKind::Setup, code).ok_or(Error::InvalidSetupCode)?;
        let hash = token_hash(code.canonical());
        let username = self.store().setup_code(&hash, self.now()).await?;
        let account = match username {
            Some(u) => self.store().staff(&u).await?,
            None => None,
        };
        match account {
            Some(a) if !a.disabled => Ok((hash, a)),
            _ => Err(Error::InvalidSetupCode),
        }
    }

    pub async fn setup_start(&self, code: &str) -> Result<SetupStart> {
        let (_, a) = self.setup_account(code).await?;
        let mut tx = self.store().begin().await?;
        let enrolment = self.pending_secret(&mut tx, &a).await?;
        tx.commit().await?;
        Ok(SetupStart {
            username: a.username,
            role: a.role,
            department: a.department,
            enrolment,
            totp_required: self.settings().require_totp,
        })
    }

    pub async fn setup_finish(&self, f: SetupFinish<'_>) -> Result<SetupDone> {
        let (hash, a) = self.setup_account(f.code).await?;
        account::new_password(Field::Password, f.password, f.password_confirm)?;
        let code = f.totp.map(str::trim).filter(|c| !c.is_empty());
        if code.is_none() && self.settings().require_totp {
            return Err(Error::field(
                Field::Totp,
                crate::domain::text::Problem::Missing,
            ));
        }
        let password_hash = self
            .inner
            .passwords
            .hash(SecretString::from(f.password.to_string()))
            .await?;
        let mut tx = self.store().begin().await?;
        if tx.take_setup_code(&hash, self.now()).await?.as_deref() != Some(&a.username) {
            return Err(Error::InvalidSetupCode);
        }
        let recovery_codes = match code {
            Some(code) => self.activate_second_factor(&mut tx, &a, code).await?,
            None => Vec::new(),
        };
        tx.set_password(&a.username, &password_hash).await?;
        tx.delete_sessions_of(&a.username, None).await?;
        let set_up = StaffRow {
            password_hash: password_hash.into(),
            ..a
        };
        let login = self.open_session(&mut tx, &set_up, f.kind).await?;
        let detail = serde_json::json!({ "two_factor": !recovery_codes.is_empty() });
        self.account_event(
            &mut tx,
            &actor_of(&set_up),
            "setup_completed",
            &set_up,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(SetupDone {
            login,
            recovery_codes,
        })
    }
}
