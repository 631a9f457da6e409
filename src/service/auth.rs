//! Staff accounts, password checks and sessions.
use super::error::{Error, Result};
use super::{Actor, Role, Service};
use crate::crypto::{random_bytes, token_hash};
use crate::domain::text::Field;
use crate::domain::text::Problem;
use crate::store::{NewEvent, StaffRow};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// A signed-in staff member, as a request sees them.
#[derive(Clone, Debug, Serialize)]
pub struct StaffUser {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    #[serde(skip)]
    pub csrf_token: SecretString,
}

/// A new session: the token is shown to its holder once (the API's answer, the page's cookie).
#[derive(Clone, Debug, Serialize)]
pub struct Login {
    #[serde(serialize_with = "super::views::reveal")]
    pub token: SecretString,
    pub role: Role,
    pub department: Option<String>,
    #[serde(skip)]
    pub csrf_token: SecretString,
}

/// argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), run on the blocking pool with a
/// bounded number at a time so a burst of logins cannot exhaust memory or starve the runtime.
pub(super) struct Passwords {
    permits: Arc<Semaphore>,
    dummy: OnceLock<String>,
}

fn argon() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    argon()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(anyhow::anyhow!(e)))
}

impl Passwords {
    pub(super) fn new() -> Passwords {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Passwords {
            permits: Arc::new(Semaphore::new(n)),
            dummy: OnceLock::new(),
        }
    }

    /// Verify `password` against `hash`, or against a dummy hash when the account does not exist, so
    /// that the answer takes the same time either way.
    async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        let exists = hash.is_some();
        // Made on the first sign-in of any kind, so that it is not the unknown user who pays for it.
        let dummy = self.dummy.get_or_init(|| {
            hash_password(&B64URL.encode(random_bytes::<16>())).unwrap_or_default()
        });
        let hash = hash.unwrap_or_else(|| dummy.clone());
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(Error::internal)?;
        Ok(ok && exists)
    }
}

impl Service {
    pub async fn login(&self, username: &str, password: &str) -> Result<Login> {
        let account = self.store().staff(username.trim()).await?;
        let hash = account
            .as_ref()
            .map(|a| a.password_hash.expose_secret().to_string());
        let ok = self
            .inner
            .passwords
            .verify(password.to_string(), hash)
            .await?;
        let Some(account) = account.filter(|a| ok && !a.disabled) else {
            return Err(Error::InvalidCredentials);
        };
        let role = account.role;
        let token = SecretString::from(B64URL.encode(random_bytes::<32>()));
        let csrf_token = SecretString::from(B64URL.encode(random_bytes::<32>()));
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.insert_session(
            &token_hash(token.expose_secret()),
            &account.username,
            csrf_token.expose_secret(),
            now,
            now + self.settings().session_ttl,
        )
        .await?;
        tx.commit().await?;
        Ok(Login {
            token,
            role,
            department: account.department,
            csrf_token,
        })
    }

    pub async fn session(&self, token: &str) -> Result<StaffUser> {
        let row = self.store().session(&token_hash(token), self.now()).await?;
        let row = row.ok_or(Error::Unauthenticated)?;
        Ok(StaffUser {
            role: row.role,
            username: row.username,
            department: row.department,
            csrf_token: row.csrf_token,
        })
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.store().begin().await?;
        tx.delete_session(&token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Create a staff account (command line). Desk and supervisor accounts belong to a department.
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        department: Option<&str>,
        password: &str,
    ) -> Result<()> {
        let username = username.trim();
        let valid_name = !username.is_empty()
            && username.len() <= 64
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid_name {
            return Err(Error::field(Field::Username, Problem::Invalid));
        }
        if password.chars().count() < 12 {
            return Err(Error::field(Field::Password, Problem::Invalid));
        }
        let department = match (role, department) {
            (Role::Admin, _) => department.map(str::to_string),
            (_, None) => return Err(Error::field(Field::Department, Problem::Missing)),
            (_, Some(code)) => Some(code.to_string()),
        };
        if let Some(code) = &department {
            match self.store().department(code).await? {
                Some(d) if !d.retired => {}
                _ => return Err(Error::field(Field::Department, Problem::Unknown)),
            }
        }
        if self.store().staff(username).await?.is_some() {
            return Err(Error::Conflict);
        }
        let password_hash = hash_password(password)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.insert_staff(
            &StaffRow {
                username: username.to_string(),
                role,
                department: department.clone(),
                password_hash: password_hash.into(),
                disabled: false,
            },
            now,
        )
        .await?;
        let actor = Actor::System("cli");
        tx.append_event(NewEvent {
            kind: "staff_created".into(),
            actor_role: actor.role().into(),
            actor: actor.name(),
            department,
            detail: serde_json::json!({ "username": username, "role": role.as_str() }).to_string(),
            at: now,
            ..NewEvent::default()
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
