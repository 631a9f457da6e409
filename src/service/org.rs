//! The organisation file: import (all-or-nothing, idempotent by code) from the command line or by an
//! administrator after a preview of what it would change, export, and the demo setup.
use super::catalog::catalog_view;
use super::error::{Error, Result};
use super::{Actor, Named, Role, Service, StaffUser};
use crate::crypto::{random_bytes, token_hash};
use crate::domain::org::{diff, Area, Category, Department, Org, OrgDiff, OrgError, Rule};
use crate::domain::Span;
use crate::store::{CategoryRow, NamedRow, NewEvent};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// The active organisation as the administrators' page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct OrgView {
    pub triage: String,
    pub departments: Vec<Named>,
    pub areas: Vec<Named>,
    pub categories: Vec<CategoryView>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub acknowledge_within: String,
    pub respond_within: String,
    pub confirm_within: String,
}

/// What a file would change, against which version of the organisation (`base`: send it back with
/// the file to apply exactly what was previewed).
#[derive(Clone, Debug, Serialize)]
pub struct OrgPreview {
    pub changes: OrgDiff,
    pub unchanged: bool,
    pub base: String,
}

/// A demo account created by `serve --demo`; its password is printed once and not stored in clear.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    pub password: SecretString,
}

impl Service {
    /// Import an org file. A bad file changes nothing and the error names its line.
    pub async fn import_org(&self, text: &str) -> std::result::Result<Org, ImportError> {
        let org = Org::parse(text).map_err(ImportError::Invalid)?;
        self.apply_org(&org, &Actor::System("cli"))
            .await
            .map_err(ImportError::Failed)?;
        Ok(org)
    }

    /// The organisation, for an administrator.
    pub async fn org_view(&self, admin: &StaffUser) -> Result<OrgView> {
        self.require_admin(admin)?;
        let rows = self.store().catalog().await?;
        let current = self.current_org().await?;
        Ok(OrgView {
            triage: current.triage,
            departments: catalog_view(&rows).departments,
            areas: catalog_view(&rows).areas,
            categories: current
                .categories
                .into_iter()
                .map(|c| CategoryView {
                    code: c.code,
                    name: c.name,
                    name_en: c.name_en,
                    acknowledge_within: c.acknowledge_within.to_string(),
                    respond_within: c.respond_within.to_string(),
                    confirm_within: c.confirm_within.to_string(),
                })
                .collect(),
            rules: current.rules,
        })
    }

    /// The current organisation file, for an administrator to download.
    pub async fn org_file(&self, admin: &StaffUser) -> Result<String> {
        self.require_admin(admin)?;
        self.export_org().await
    }

    /// What importing `text` would change; nothing is changed.
    pub async fn preview_org(&self, admin: &StaffUser, text: &str) -> Result<OrgPreview> {
        self.require_admin(admin)?;
        let next = Org::parse(text).map_err(Error::InvalidOrg)?;
        let current = self.current_org().await?;
        let changes = diff(&current, &next);
        Ok(OrgPreview {
            unchanged: changes.is_empty(),
            changes,
            base: version(&current),
        })
    }

    /// Import `text` as an administrator, all or nothing. With `base` (from the preview), refused if
    /// the organisation has changed since, so what is applied is what was previewed.
    pub async fn apply_org_file(
        &self,
        admin: &StaffUser,
        text: &str,
        base: Option<&str>,
    ) -> Result<OrgDiff> {
        self.require_admin(admin)?;
        let next = Org::parse(text).map_err(Error::InvalidOrg)?;
        let current = self.current_org().await?;
        if base.is_some_and(|b| !b.trim().is_empty() && b.trim() != version(&current)) {
            return Err(Error::OrgChanged);
        }
        let changes = diff(&current, &next);
        self.apply_org(&next, &Actor::Staff(admin.clone())).await?;
        Ok(changes)
    }

    async fn apply_org(&self, org: &Org, actor: &Actor) -> Result<()> {
        let mut tx = self.store().begin().await?;
        tx.retire_all().await?;
        let named = |n: &crate::domain::org::Node| NamedRow {
            code: n.code.clone(),
            name: n.name.clone(),
            name_en: n.name_en.clone(),
            parent: n.parent.clone(),
            retired: false,
            cadres: n.cadres,
        };
        for d in org.departments_parents_first() {
            tx.upsert_department(&named(d)).await?;
        }
        for a in org.areas_parents_first() {
            tx.upsert_area(&named(a)).await?;
        }
        for (i, c) in org.categories.iter().enumerate() {
            let row = CategoryRow {
                code: c.code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                acknowledge_within: c.acknowledge_within.seconds(),
                respond_within: c.respond_within.seconds(),
                confirm_within: c.confirm_within.seconds(),
                retired: false,
            };
            tx.upsert_category(&row, i as i64).await?;
        }
        tx.replace_rules(&org.rules).await?;
        tx.set_setting("triage", &org.triage).await?;
        match &org.retaliation_body {
            Some(body) => tx.set_setting("retaliation_body", body).await?,
            None => tx.clear_setting("retaliation_body").await?,
        }
        let version = hex::encode(random_bytes::<8>());
        tx.set_setting(super::catalog::ORG_VERSION, &version)
            .await?;
        tx.append_event(NewEvent {
            kind: "org_imported".into(),
            actor_role: actor.role().into(),
            actor: actor.name(),
            detail: serde_json::json!({
                "departments": org.departments.len(),
                "areas": org.areas.len(),
                "categories": org.categories.len(),
                "rules": org.rules.len(),
                "triage": org.triage,
                "retaliation_body": org.retaliation_body,
            })
            .to_string(),
            at: self.now(),
            ..NewEvent::default()
        })
        .await?;
        tx.commit().await?;
        self.forget_organisation();
        Ok(())
    }

    /// The active organisation, as an org file.
    pub async fn export_org(&self) -> Result<String> {
        Ok(self.current_org().await?.to_toml())
    }

    /// The active organisation, parents before children; read afresh (not from the cache), since
    /// an admin's preview must compare against what is stored now.
    async fn current_org(&self) -> Result<Org> {
        let rows = self.store().catalog().await?;
        let active = |r: &&NamedRow| !r.retired;
        let org = Org {
            triage: rows.triage.clone().unwrap_or_default(),
            retaliation_body: rows.retaliation_body.clone(),
            departments: rows
                .departments
                .iter()
                .filter(active)
                .map(|d| Department {
                    code: d.code.clone(),
                    name: d.name.clone(),
                    name_en: d.name_en.clone(),
                    parent: d.parent.clone(),
                    cadres: None,
                })
                .collect(),
            areas: rows
                .areas
                .iter()
                .filter(active)
                .map(|a| Area {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    name_en: a.name_en.clone(),
                    parent: a.parent.clone(),
                    cadres: a.cadres,
                })
                .collect(),
            categories: rows
                .categories
                .iter()
                .filter(|c| !c.retired)
                .map(|c| Category {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    name_en: c.name_en.clone(),
                    acknowledge_within: Span(c.acknowledge_within),
                    respond_within: Span(c.respond_within),
                    confirm_within: Span(c.confirm_within),
                })
                .collect(),
            rules: rows.rules.clone(),
        };
        let parents_first = Org {
            departments: org
                .departments_parents_first()
                .into_iter()
                .cloned()
                .collect(),
            areas: org.areas_parents_first().into_iter().cloned().collect(),
            ..org.clone()
        };
        Ok(parents_first)
    }

    pub async fn has_org(&self) -> Result<bool> {
        Ok(!self.organisation().await?.departments.is_empty())
    }

    /// Load the demo organisation and accounts into an empty database. Returns the accounts created
    /// (with their one-time passwords), or nothing when the database already had an organisation.
    pub async fn load_demo(&self, org_text: &str) -> Result<Vec<DemoAccount>> {
        if self.has_org().await? {
            return Ok(Vec::new());
        }
        let org = self
            .import_org(org_text)
            .await
            .map_err(|e| Error::internal(anyhow::anyhow!("demo org: {e}")))?;
        let root = org
            .departments
            .iter()
            .find(|d| d.parent.is_none())
            .map(|d| d.code.clone());
        let mut accounts = vec![
            DemoAccount {
                username: "admin".into(),
                role: Role::Admin,
                department: None,
                password: SecretString::default(),
            },
            DemoAccount {
                username: "supervisor".into(),
                role: Role::Supervisor,
                department: root,
                password: SecretString::default(),
            },
        ];
        for d in &org.departments {
            accounts.push(DemoAccount {
                username: format!("desk-{}", d.code),
                role: Role::Desk,
                department: Some(d.code.clone()),
                password: SecretString::default(),
            });
        }
        // Accounts are personal: the first department below the root gets a second clerk.
        if let Some(d) = org.departments.iter().find(|d| d.parent.is_some()) {
            accounts.push(DemoAccount {
                username: format!("desk-{}-2", d.code),
                role: Role::Desk,
                department: Some(d.code.clone()),
                password: SecretString::default(),
            });
        }
        for a in &mut accounts {
            a.password = B64URL.encode(random_bytes::<12>()).into();
            let password = a.password.expose_secret();
            self.create_user(&a.username, a.role, a.department.as_deref(), password)
                .await?;
            if a.role != Role::Admin {
                self.demo_address(&a.username).await?;
            }
        }
        Ok(accounts)
    }
}

/// A short fingerprint of an organisation (of its file as exported).
fn version(org: &Org) -> String {
    hex::encode(&token_hash(&org.to_toml())[..12])
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(OrgError),
    #[error("import failed, nothing was changed: {0}")]
    Failed(Error),
}
