//! The organisation file: import (all-or-nothing, idempotent by code), export, and the demo setup.
use super::error::{Error, Result};
use super::{Actor, Role, Service};
use crate::crypto::random_bytes;
use crate::domain::org::{Area, Category, Department, Org, OrgError};
use crate::domain::Span;
use crate::store::{CategoryRow, NamedRow, NewEvent};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

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
        self.apply_org(&org).await.map_err(ImportError::Failed)?;
        Ok(org)
    }

    async fn apply_org(&self, org: &Org) -> Result<()> {
        let mut tx = self.store().begin().await?;
        tx.retire_all().await?;
        let named =
            |code: &str, name: &str, name_en: &Option<String>, parent: &Option<String>| NamedRow {
                code: code.into(),
                name: name.into(),
                name_en: name_en.clone(),
                parent: parent.clone(),
                retired: false,
            };
        for d in org.departments_parents_first() {
            tx.upsert_department(&named(&d.code, &d.name, &d.name_en, &d.parent))
                .await?;
        }
        for a in org.areas_parents_first() {
            tx.upsert_area(&named(&a.code, &a.name, &a.name_en, &a.parent))
                .await?;
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
        let version = hex::encode(random_bytes::<8>());
        tx.set_setting(super::catalog::ORG_VERSION, &version)
            .await?;
        let actor = Actor::System("cli");
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
        let rows = self.organisation().await?;
        let active = |r: &&NamedRow| !r.retired;
        let org = Org {
            triage: rows.triage.clone().unwrap_or_default(),
            departments: rows
                .departments
                .iter()
                .filter(active)
                .map(|d| Department {
                    code: d.code.clone(),
                    name: d.name.clone(),
                    name_en: d.name_en.clone(),
                    parent: d.parent.clone(),
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
        Ok(parents_first.to_toml())
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
        for a in &mut accounts {
            a.password = B64URL.encode(random_bytes::<12>()).into();
            let password = a.password.expose_secret();
            self.create_user(&a.username, a.role, a.department.as_deref(), password)
                .await?;
        }
        Ok(accounts)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(OrgError),
    #[error("import failed, nothing was changed: {0}")]
    Failed(Error),
}
