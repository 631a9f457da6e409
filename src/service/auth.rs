//! Signing in and sessions: the password (checked on the hashing pool, behind the gate of
//! `login_gate`), then the second factor, then a session for the page cookie or an API token.
use super::error::{Error, Result};
use super::login_gate::Client;
use super::passwords::{Busy, Lane};
use super::two_factor::Factor;
use super::{Actor, Role, Service};
use crate::crypto::{random_bytes, token_hash};
use crate::domain::account::{self, ENROLMENT_TTL};
use crate::store::{SessionKind, SessionRow, StaffRow, Tx};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// A signed-in staff member, as a request sees them.
#[derive(Clone, Debug, Serialize)]
pub struct StaffUser {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    #[serde(skip)]
    pub csrf_token: SecretString,
    /// The session's token hash: which of the account's sessions this is.
    #[serde(skip)]
    pub(crate) session_hash: Vec<u8>,
    /// A half-way session: the password is checked, the second factor not yet enrolled.
    #[serde(skip)]
    pub enrolling: bool,
}

/// A new session: the token is shown to its holder once (the API's answer, the page's cookie).
#[derive(Clone, Debug, Serialize)]
pub struct Login {
    #[serde(serialize_with = "super::views::reveal")]
    pub token: SecretString,
    pub role: Role,
    pub department: Option<String>,
    /// Proof that this client has signed in to this account before; sent back with later sign-ins
    /// (the page keeps it in a cookie), it keeps other people's failures from delaying this client.
    #[serde(serialize_with = "super::views::reveal")]
    pub device: SecretString,
    #[serde(skip)]
    pub csrf_token: SecretString,
    /// Only the enrolment page is open to this session until a second factor is enrolled.
    #[serde(skip)]
    pub enrolment: bool,
}

/// What a sign-in sends.
#[derive(Clone, Copy, Debug)]
pub struct SignIn<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// A six-digit code, or a recovery code; None or blank when left out.
    pub totp: Option<&'a str>,
    /// The device proof of an earlier sign-in, if the client kept one.
    pub device: Option<&'a str>,
    /// `Page` or `Api`: what the session is for.
    pub kind: SessionKind,
}

impl SignIn<'_> {
    fn code(&self) -> Option<&str> {
        self.totp.map(str::trim).filter(|c| !c.is_empty())
    }
}

/// The session identifier shown on the account page: the start of the token's hash.
pub(super) fn session_id(token_hash: &[u8]) -> String {
    hex::encode(&token_hash[..token_hash.len().min(8)])
}

/// The account as the audit log names someone acting on their own account.
pub(super) fn actor_of(a: &StaffRow) -> Actor {
    Actor::Staff(StaffUser {
        username: a.username.clone(),
        role: a.role,
        department: a.department.clone(),
        csrf_token: SecretString::default(),
        session_hash: Vec::new(),
        enrolling: false,
    })
}

impl StaffUser {
    /// Which of the account's sessions this request came with, as the account page names it.
    pub fn session_id(&self) -> String {
        session_id(&self.session_hash)
    }
}

impl Service {
    pub async fn login(&self, input: SignIn<'_>) -> Result<Login> {
        let username = input.username.trim();
        let now = self.now();
        let account = match account::username(username) {
            Ok(name) => self.store().staff(&name).await?,
            Err(_) => None,
        };
        let client = match (&account, input.device) {
            (Some(a), Some(proof)) if self.device_proof_matches(a, proof) => Client::Known,
            _ => Client::Unknown,
        };
        let gate = &self.inner.gate;
        gate.check(username, client, now)
            .map_err(|retry_after| Error::TooManyAttempts { retry_after })?;
        let hash = account
            .as_ref()
            .filter(|a| a.has_password())
            .map(|a| a.password_hash.expose_secret().to_string());
        let lane = match client {
            Client::Known => Lane::Priority,
            Client::Unknown => Lane::Normal,
        };
        let password = SecretString::from(input.password.to_string());
        let ok = self
            .inner
            .passwords
            .verify(lane, password, hash)
            .await
            .map_err(|Busy| Error::TooManyAttempts { retry_after: 1 })?;
        let result = match account {
            Some(a) if ok && !a.disabled => self.second_step(&a, &input).await,
            _ => Err(self.refusal(&input)),
        };
        match &result {
            Ok(_) => gate.succeeded(username, client),
            Err(
                Error::InvalidCredentials
                | Error::TotpRequired
                | Error::TotpReused
                | Error::TotpEnrolmentRequired,
            ) => gate.failed(username, client, now),
            Err(_) => {}
        }
        result
    }

    /// The answer to a wrong password or an unknown account: the same as to a missing code when a
    /// code is required, so that leaving the code out never tells whether the password was right.
    fn refusal(&self, input: &SignIn<'_>) -> Error {
        if input.code().is_none() && self.settings().require_totp {
            Error::TotpRequired
        } else {
            Error::InvalidCredentials
        }
    }

    /// Password right: the second factor, then the session.
    async fn second_step(&self, a: &StaffRow, input: &SignIn<'_>) -> Result<Login> {
        let mut tx = self.store().begin().await?;
        let mut recovery = false;
        let kind = match (&a.totp, input.code()) {
            (Some(_), Some(code)) => {
                recovery = self.check_second_factor(&mut tx, a, code).await? == Factor::Recovery;
                input.kind
            }
            (Some(_), None) => return Err(Error::TotpRequired),
            (None, _) if !self.settings().require_totp => input.kind,
            (None, _) if input.kind == SessionKind::Page => SessionKind::Enrolment,
            // Without a code the answer is the one every missing code gets (see `refusal`).
            (None, None) => return Err(Error::TotpRequired),
            (None, Some(_)) => return Err(Error::TotpEnrolmentRequired),
        };
        let login = self.open_session(&mut tx, a, kind).await?;
        if recovery {
            // Worth an audit event: someone signed in without the phone.
            let actor = actor_of(a);
            let detail = serde_json::json!({});
            self.account_event(&mut tx, &actor, "recovery_code_used", a, detail)
                .await?;
        }
        tx.commit().await?;
        Ok(login)
    }

    /// A new session for `a` in `tx`.
    pub(super) async fn open_session(
        &self,
        tx: &mut Tx,
        a: &StaffRow,
        kind: SessionKind,
    ) -> Result<Login> {
        let token = SecretString::from(B64URL.encode(random_bytes::<32>()));
        let csrf_token = SecretString::from(B64URL.encode(random_bytes::<32>()));
        let now = self.now();
        let ttl = match kind {
            SessionKind::Enrolment => ENROLMENT_TTL,
            _ => self.settings().session_ttl,
        };
        tx.insert_session(
            &token_hash(token.expose_secret()),
            &a.username,
            csrf_token.expose_secret(),
            kind,
            now,
            now + ttl,
        )
        .await?;
        Ok(Login {
            token,
            role: a.role,
            department: a.department.clone(),
            device: self.device_proof(a),
            csrf_token,
            enrolment: kind == SessionKind::Enrolment,
        })
    }

    /// The device proof of `a`: `username.mac`, the MAC bound to the current password hash, so a
    /// new password (or a reset) makes every earlier proof worthless.
    pub(super) fn device_proof(&self, a: &StaffRow) -> SecretString {
        let mac = self.keys().labelled_mac(
            "device",
            &format!("{}\0{}", a.username, a.password_hash.expose_secret()),
        );
        format!("{}.{}", a.username, B64URL.encode(&mac[..16])).into()
    }

    fn device_proof_matches(&self, a: &StaffRow, proof: &str) -> bool {
        a.has_password()
            && constant_time_eq::constant_time_eq(
                self.device_proof(a).expose_secret().as_bytes(),
                proof.trim().as_bytes(),
            )
    }

    /// The signed-in staff member of a session token (full sessions only).
    pub async fn session(&self, token: &str) -> Result<StaffUser> {
        self.session_of(token, false).await
    }

    /// The same, also for a half-way session that may only enrol a second factor.
    pub async fn enrolment_session(&self, token: &str) -> Result<StaffUser> {
        self.session_of(token, true).await
    }

    async fn session_of(&self, token: &str, enrolment: bool) -> Result<StaffUser> {
        let hash = token_hash(token);
        let row = self.store().session(&hash, self.now(), enrolment).await?;
        let row: SessionRow = row.ok_or(Error::Unauthenticated)?;
        Ok(StaffUser {
            role: row.role,
            username: row.username,
            department: row.department,
            csrf_token: row.csrf_token,
            session_hash: hash,
            enrolling: row.kind == SessionKind::Enrolment,
        })
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.store().begin().await?;
        tx.delete_session(&token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }
}
