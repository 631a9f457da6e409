//! Account administration: administrators (in the browser or the API) and operators (at the command
//! line) create personal accounts, disable and re-enable them, reset them and move them. Nobody but
//! the account's holder ever sets or sees its password: a new or reset account gets a one-time setup
//! code, valid 24 hours, with which its holder sets a password and enrols a second factor. Every
//! change is an audit event naming who made it.
use super::error::{Error, Result};
use super::{Actor, Role, Service, StaffUser};
use crate::crypto::{random_bytes, token_hash};
use crate::domain::access::may_administer;
use crate::domain::account::{self, CodeKind, OneTimeCode, SETUP_CODE_TTL};
use crate::domain::text::{Field, Problem};
use crate::store::{AccountRow, StaffRow, StoreError, Tx};
use secrecy::SecretString;
use serde::Serialize;

/// An account as the administrators see it: never a password, a secret or a code.
#[derive(Clone, Debug, Serialize)]
pub struct AccountView {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    /// `active`, `disabled`, `awaiting_setup` (no password yet: the setup code has not been used)
    /// or `no_second_factor` (a password, but two-factor sign-in not yet enrolled).
    pub status: &'static str,
    pub two_factor: bool,
    /// When the live setup code runs out, if there is one.
    pub setup_expires: Option<String>,
    pub recovery_codes_left: i64,
    pub created: String,
}

/// A setup code, shown once to whoever issued it, to hand to the account's holder.
#[derive(Clone, Debug, Serialize)]
pub struct SetupCodeIssued {
    pub username: String,
    #[serde(serialize_with = "super::views::reveal")]
    pub setup_code: SecretString,
    pub expires: String,
}

/// One event of the audit log about administration (accounts, the organisation), for the
/// administrators' overview.
#[derive(Clone, Debug, Serialize)]
pub struct AdminEvent {
    pub at: String,
    pub kind: String,
    pub actor_role: String,
    pub actor: Option<String>,
    /// The account it was about, if any.
    pub username: Option<String>,
}

impl Service {
    /// The latest administration events, newest first.
    pub async fn administration_events(
        &self,
        admin: &StaffUser,
        limit: i64,
    ) -> Result<Vec<AdminEvent>> {
        self.require_admin(admin)?;
        let rows = self.store().administration_events(limit).await?;
        Ok(rows
            .into_iter()
            .map(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                AdminEvent {
                    at: self.fmt_time(e.at),
                    kind: e.kind,
                    actor_role: e.actor_role,
                    actor: e.actor,
                    username: detail["username"].as_str().map(str::to_string),
                }
            })
            .collect())
    }

    pub(super) fn require_admin(&self, user: &StaffUser) -> Result<()> {
        if may_administer(user.role) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    fn account_view(&self, r: AccountRow) -> AccountView {
        let a = &r.staff;
        let status = if a.disabled {
            "disabled"
        } else if !a.has_password() {
            "awaiting_setup"
        } else if a.totp.is_none() {
            "no_second_factor"
        } else {
            "active"
        };
        AccountView {
            username: a.username.clone(),
            role: a.role,
            department: a.department.clone(),
            status,
            two_factor: a.totp.is_some(),
            setup_expires: r.setup_expires.map(|t| self.fmt_time(t)),
            recovery_codes_left: r.recovery_codes_left,
            created: self.fmt_time(a.created_at),
        }
    }

    /// Every account.
    pub async fn accounts(&self, admin: &StaffUser) -> Result<Vec<AccountView>> {
        self.require_admin(admin)?;
        let rows = self.store().accounts(self.now()).await?;
        Ok(rows.into_iter().map(|r| self.account_view(r)).collect())
    }

    /// One account.
    pub async fn account(&self, admin: &StaffUser, username: &str) -> Result<AccountView> {
        self.require_admin(admin)?;
        let rows = self.store().accounts(self.now()).await?;
        rows.into_iter()
            .find(|r| r.staff.username == username)
            .map(|r| self.account_view(r))
            .ok_or(Error::NotFound)
    }

    /// Create a personal account; its holder sets it up with the setup code returned.
    pub async fn create_account(
        &self,
        admin: &StaffUser,
        username: &str,
        role: &str,
        department: Option<&str>,
    ) -> Result<SetupCodeIssued> {
        self.require_admin(admin)?;
        let role = parse_role(role)?;
        let actor = Actor::Staff(admin.clone());
        let issued = self
            .add_account(&actor, username, role, department, None)
            .await?;
        issued.ok_or_else(|| Error::internal(anyhow::anyhow!("no setup code issued")))
    }

    /// Disable (every session ends at once) or enable again.
    pub async fn set_account_enabled(
        &self,
        admin: &StaffUser,
        username: &str,
        enabled: bool,
    ) -> Result<()> {
        self.require_admin(admin)?;
        self.set_enabled(&Actor::Staff(admin.clone()), username, enabled)
            .await
    }

    /// Take away the password and second factor, end every session, and issue a new setup code.
    pub async fn reset_account(
        &self,
        admin: &StaffUser,
        username: &str,
    ) -> Result<SetupCodeIssued> {
        self.require_admin(admin)?;
        self.reset(&Actor::Staff(admin.clone()), username).await
    }

    /// Change an account's role or department.
    pub async fn place_account(
        &self,
        admin: &StaffUser,
        username: &str,
        role: &str,
        department: Option<&str>,
    ) -> Result<()> {
        self.require_admin(admin)?;
        let role = parse_role(role)?;
        let a = self.existing(username).await?;
        let department = self.placement(role, department).await?;
        if a.role == Role::Admin && role != Role::Admin && !a.disabled {
            self.keep_an_admin().await?;
        }
        let mut tx = self.store().begin().await?;
        tx.set_placement(&a.username, role, department.as_deref())
            .await?;
        let detail = serde_json::json!({
            "from": { "role": a.role.as_str(), "department": a.department },
            "to": { "role": role.as_str(), "department": department },
        });
        let moved = StaffRow {
            role,
            department,
            ..a.clone()
        };
        let actor = Actor::Staff(admin.clone());
        self.account_event(&mut tx, &actor, "staff_changed", &moved, detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `zhiyan admin create-user --password-stdin`: an account with a password (its holder enrols a
    /// second factor at the first sign-in).
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        department: Option<&str>,
        password: &str,
    ) -> Result<()> {
        let actor = Actor::System("cli");
        self.add_account(&actor, username, role, department, Some(password))
            .await
            .map(|_| ())
    }

    /// `zhiyan admin create-user`: an account set up with the code returned.
    pub async fn create_user_with_setup_code(
        &self,
        username: &str,
        role: Role,
        department: Option<&str>,
    ) -> Result<SetupCodeIssued> {
        let actor = Actor::System("cli");
        let issued = self
            .add_account(&actor, username, role, department, None)
            .await?;
        issued.ok_or_else(|| Error::internal(anyhow::anyhow!("no setup code issued")))
    }

    /// `zhiyan admin disable-user` / `enable-user`.
    pub async fn set_user_enabled(&self, username: &str, enabled: bool) -> Result<()> {
        self.set_enabled(&Actor::System("cli"), username, enabled)
            .await
    }

    /// `zhiyan admin reset-user`.
    pub async fn reset_user(&self, username: &str) -> Result<SetupCodeIssued> {
        self.reset(&Actor::System("cli"), username).await
    }

    async fn existing(&self, username: &str) -> Result<StaffRow> {
        self.store()
            .staff(username.trim())
            .await?
            .ok_or(Error::NotFound)
    }

    /// Where an account of `role` sits, checked against the organisation.
    async fn placement(&self, role: Role, department: Option<&str>) -> Result<Option<String>> {
        match account::placement(role, department)? {
            Some(code) => Ok(Some(
                self.active_department(&code, Field::Department).await?,
            )),
            None => Ok(None),
        }
    }

    /// Refuse to take away the last administrator who can still sign in.
    async fn keep_an_admin(&self) -> Result<()> {
        if self.store().enabled_admins().await? <= 1 {
            return Err(Error::LastAdmin);
        }
        Ok(())
    }

    async fn add_account(
        &self,
        actor: &Actor,
        username: &str,
        role: Role,
        department: Option<&str>,
        password: Option<&str>,
    ) -> Result<Option<SetupCodeIssued>> {
        let username = account::username(username)?;
        let department = self.placement(role, department).await?;
        if let Some(p) = password {
            account::new_password(Field::Password, p, None)?;
        }
        let taken = || Error::field(Field::Username, Problem::Taken);
        if self.store().staff(&username).await?.is_some() {
            return Err(taken());
        }
        let hash = match password {
            Some(p) => self.inner.passwords.hash(p.to_string().into()).await?,
            None => String::new(),
        };
        let row = StaffRow::new(&username, role, department, hash);
        let mut tx = self.store().begin().await?;
        match tx.insert_staff(&row, self.now()).await {
            Err(StoreError::Conflict) => return Err(taken()),
            r => r?,
        }
        let issued = match password {
            Some(_) => None,
            None => Some(self.issue_setup_code(&mut tx, &username).await?),
        };
        let detail = serde_json::json!({ "role": role.as_str() });
        self.account_event(&mut tx, actor, "staff_created", &row, detail)
            .await?;
        tx.commit().await?;
        Ok(issued)
    }

    async fn issue_setup_code(&self, tx: &mut Tx, username: &str) -> Result<SetupCodeIssued> {
        let code = OneTimeCode::from_entropy(CodeKind::Setup, &random_bytes());
        let now = self.now();
        let expires = now + SETUP_CODE_TTL;
        tx.replace_setup_code(username, &token_hash(code.canonical()), now, expires)
            .await?;
        Ok(SetupCodeIssued {
            username: username.to_string(),
            setup_code: code.display().into(),
            expires: self.fmt_time(expires),
        })
    }

    async fn set_enabled(&self, actor: &Actor, username: &str, enabled: bool) -> Result<()> {
        let a = self.existing(username).await?;
        if !enabled && a.role == Role::Admin && !a.disabled {
            self.keep_an_admin().await?;
        }
        let mut tx = self.store().begin().await?;
        tx.set_disabled(&a.username, !enabled).await?;
        if !enabled {
            tx.delete_sessions_of(&a.username, None).await?;
        }
        let kind = if enabled {
            "staff_enabled"
        } else {
            "staff_disabled"
        };
        self.account_event(&mut tx, actor, kind, &a, serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reset(&self, actor: &Actor, username: &str) -> Result<SetupCodeIssued> {
        let a = self.existing(username).await?;
        let mut tx = self.store().begin().await?;
        tx.clear_credentials(&a.username).await?;
        tx.delete_sessions_of(&a.username, None).await?;
        let issued = self.issue_setup_code(&mut tx, &a.username).await?;
        self.account_event(&mut tx, actor, "staff_reset", &a, serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(issued)
    }
}

fn parse_role(role: &str) -> Result<Role> {
    let role = role.trim();
    if role.is_empty() {
        return Err(Error::field(Field::Role, Problem::Missing));
    }
    Role::parse(role).ok_or_else(|| Error::field(Field::Role, Problem::Unknown))
}
