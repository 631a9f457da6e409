//! The second factor: enrolling a TOTP secret (shown once as a QR code and as text, confirmed with a
//! code), checking a code at sign-in (each step used once), and the ten single-use recovery codes.
//! Secrets are sealed at rest with the keyring, bound to the account; recovery codes are kept as
//! SHA-256 only.
use super::error::{Error, Result};
use super::{Actor, Service, StaffUser};
use crate::crypto::{random_bytes, token_hash, Sealed};
use crate::domain::account::{CodeKind, OneTimeCode, RECOVERY_CODES};
use crate::domain::text::{Field, Problem};
use crate::domain::totp::{self, Refused, SECRET_BYTES};
use crate::store::{NewEvent, StaffRow, Tx};
use serde::Serialize;

/// A secret being enrolled, as its holder sees it once: the text to type and the URL of the QR code.
#[derive(Clone, Serialize)]
pub struct Enrolment {
    pub username: String,
    pub secret: String,
    pub otpauth_url: String,
}

// The secret stays out of logs and panics.
impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// An enrolment confirmed: the recovery codes (shown once) and the device proof of a complete
/// sign-in (the first enrolment finishes one).
#[derive(Clone, Debug)]
pub struct EnrolmentDone {
    pub recovery_codes: Vec<String>,
    pub device: secrecy::SecretString,
}

/// Which second factor a sign-in used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Factor {
    Totp,
    Recovery,
}

/// What the keyring binds a staff secret to (never a report id, which starts with "R-").
fn subject(username: &str) -> String {
    format!("staff/{username}")
}

impl Service {
    fn seal_secret(&self, username: &str, secret: &[u8]) -> Sealed {
        let text = totp::encode_secret(secret);
        self.keys().seal(&subject(username), "totp", &text)
    }

    fn open_secret(&self, username: &str, sealed: &Sealed) -> Result<Vec<u8>> {
        let text = self
            .keys()
            .open(&subject(username), "totp", &sealed.key_id, &sealed.blob)
            .map_err(Error::internal)?;
        totp_rs::Secret::Encoded(text)
            .to_bytes()
            .map_err(|e| Error::internal(anyhow::anyhow!("stored TOTP secret: {e}")))
    }

    fn enrolment(&self, username: &str, secret: &[u8]) -> Enrolment {
        Enrolment {
            username: username.to_string(),
            secret: totp::encode_secret(secret),
            otpauth_url: totp::otpauth_url(username, secret),
        }
    }

    /// The secret being enrolled for `a`: the pending one if there is one (a reload shows the same
    /// QR code), otherwise a new one, kept pending in `tx`.
    pub(super) async fn pending_secret(&self, tx: &mut Tx, a: &StaffRow) -> Result<Enrolment> {
        if let Some(sealed) = &a.totp_pending {
            return Ok(self.enrolment(&a.username, &self.open_secret(&a.username, sealed)?));
        }
        let secret = random_bytes::<SECRET_BYTES>();
        tx.set_pending_totp(&a.username, &self.seal_secret(&a.username, &secret))
            .await?;
        Ok(self.enrolment(&a.username, &secret))
    }

    /// Check a sign-in's second factor in `tx`: a TOTP code whose step is then used up, or an
    /// unused recovery code, which is then spent.
    pub(super) async fn check_second_factor(
        &self,
        tx: &mut Tx,
        a: &StaffRow,
        input: &str,
    ) -> Result<Factor> {
        let sealed = a.totp.as_ref().ok_or(Error::InvalidCredentials)?;
        let secret = self.open_secret(&a.username, sealed)?;
        match totp::accept(&secret, input, self.now(), a.totp_last_step) {
            Ok(step) if tx.use_totp_step(&a.username, step).await? => Ok(Factor::Totp),
            Ok(_) | Err(Refused::Replayed) => Err(Error::TotpReused),
            Err(Refused::Wrong) => Err(Error::InvalidCredentials),
            Err(Refused::Malformed) => {
                let code = OneTimeCode::parse(CodeKind::Recovery, input)
                    .ok_or(Error::InvalidCredentials)?;
                let hash = token_hash(code.canonical());
                if tx.use_recovery_code(&a.username, &hash, self.now()).await? {
                    Ok(Factor::Recovery)
                } else {
                    Err(Error::InvalidCredentials)
                }
            }
        }
    }

    /// Confirm the pending secret of `a` with `code` in `tx`: it becomes the account's second factor
    /// and ten new recovery codes replace any earlier ones. Returns the codes, shown once.
    pub(super) async fn activate_second_factor(
        &self,
        tx: &mut Tx,
        a: &StaffRow,
        code: &str,
    ) -> Result<Vec<String>> {
        let sealed = a
            .totp_pending
            .as_ref()
            .ok_or_else(|| Error::field(Field::Totp, Problem::Invalid))?;
        let secret = self.open_secret(&a.username, sealed)?;
        let step = totp::accept(&secret, code, self.now(), None).map_err(|r| match r {
            Refused::Malformed if code.trim().is_empty() => {
                Error::field(Field::Totp, Problem::Missing)
            }
            Refused::Malformed => Error::field(Field::Totp, Problem::Invalid),
            _ => Error::field(Field::Totp, Problem::Wrong),
        })?;
        tx.activate_totp(&a.username, step).await?;
        let codes: Vec<OneTimeCode> = (0..RECOVERY_CODES)
            .map(|_| OneTimeCode::from_entropy(CodeKind::Recovery, &random_bytes()))
            .collect();
        let hashes: Vec<Vec<u8>> = codes.iter().map(|c| token_hash(c.canonical())).collect();
        tx.replace_recovery_codes(&a.username, &hashes).await?;
        Ok(codes.iter().map(OneTimeCode::display).collect())
    }

    /// The enrolment page: the secret to scan, for a signed-in member (also half-way, before their
    /// first enrolment) enrolling or replacing their second factor.
    pub async fn begin_enrolment(&self, user: &StaffUser) -> Result<Enrolment> {
        let a = self.own_account(user).await?;
        let mut tx = self.store().begin().await?;
        let e = self.pending_secret(&mut tx, &a).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Confirm the enrolment with a code from the app. A half-way session becomes a full one.
    /// Returns the new recovery codes, shown once.
    pub async fn confirm_enrolment(&self, user: &StaffUser, code: &str) -> Result<EnrolmentDone> {
        let a = self.own_account(user).await?;
        let mut tx = self.store().begin().await?;
        let codes = self.activate_second_factor(&mut tx, &a, code).await?;
        if user.enrolling {
            let expires = self.now() + self.settings().session_ttl;
            tx.complete_session(&user.session_hash, expires).await?;
        }
        let actor = Actor::Staff(user.clone());
        self.account_event(&mut tx, &actor, "totp_enrolled", &a, serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(EnrolmentDone {
            recovery_codes: codes,
            device: self.device_proof(&a),
        })
    }

    /// An event about an account (no report): who did it, which account, what else is worth saying.
    pub(super) async fn account_event(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        kind: &str,
        a: &StaffRow,
        mut detail: serde_json::Value,
    ) -> Result<()> {
        detail["username"] = a.username.clone().into();
        tx.append_event(NewEvent {
            kind: kind.into(),
            actor_role: actor.role().into(),
            actor: actor.name(),
            department: a.department.clone(),
            detail: detail.to_string(),
            at: self.now(),
            ..NewEvent::default()
        })
        .await?;
        Ok(())
    }
}
