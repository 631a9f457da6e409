//! The organisation as the use cases read it: what a reporter may choose, the department tree, each
//! category's terms, and where a new report is routed.
use super::{Catalog, Error, Named, Result, Service};
use crate::domain::coarsening::Coarsening;
use crate::domain::item::{Item, Kind, Terms};
use crate::domain::retaliation;
use crate::domain::routing::{Route, RouteError, Router};
use crate::domain::text::Field;
use crate::domain::text::Problem;
use crate::domain::tree::Tree;
use crate::store::{CatalogRows, CategoryRow, NamedRow};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The setting every organisation import changes, so each instance notices.
pub(super) const ORG_VERSION: &str = "org_version";

/// How long the organisation is served from memory before its version is checked in the database.
/// An import on this instance is seen at once; one on another instance, or by the CLI, within this.
const ORG_CHECK: Duration = Duration::from_secs(1);

/// The organisation in memory: read on nearly every request, changed by an import once in a while.
#[derive(Default)]
pub(super) struct OrgCache {
    current: Mutex<Option<Cached>>,
}

struct Cached {
    rows: Arc<CatalogRows>,
    version: Option<String>,
    checked: Instant,
}

impl Service {
    /// The choices a reporter picks from: active categories, areas and departments.
    pub async fn catalog(&self) -> Result<Catalog> {
        Ok(catalog_view(&*self.organisation().await?))
    }

    /// The organisation (retired entries included), from memory. Every import writes a new version
    /// (`org_version`); a copy older than `ORG_CHECK` is compared with it, one small read, and
    /// re-read only when it changed.
    pub(super) async fn organisation(&self) -> Result<Arc<CatalogRows>> {
        let cache = &self.inner.organisation;
        let known = {
            let current = cache.current.lock().expect("organisation cache");
            match current.as_ref() {
                Some(c) if c.checked.elapsed() < ORG_CHECK => return Ok(c.rows.clone()),
                Some(c) => Some((c.rows.clone(), c.version.clone())),
                None => None,
            }
        };
        let version = self.store().setting(ORG_VERSION).await?;
        let rows = match known {
            Some((rows, v)) if v == version => rows,
            _ => Arc::new(self.store().catalog().await?),
        };
        *cache.current.lock().expect("organisation cache") = Some(Cached {
            rows: rows.clone(),
            version,
            checked: Instant::now(),
        });
        Ok(rows)
    }

    /// After this instance changed the organisation: read it afresh on next use.
    pub(super) fn forget_organisation(&self) {
        *self
            .inner
            .organisation
            .current
            .lock()
            .expect("organisation cache") = None;
    }

    /// `code` if it names an active department; otherwise a field error on `field`.
    pub(super) async fn active_department(&self, code: &str, field: Field) -> Result<String> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::field(field, Problem::Missing));
        }
        match self.store().department(code).await? {
            Some(d) if !d.retired => Ok(d.code),
            _ => Err(Error::field(field, Problem::Unknown)),
        }
    }
}

impl Service {
    /// What staff are shown of areas: each down to the deepest level with `--area-k` cadres.
    pub(super) fn coarsening(&self, rows: &CatalogRows) -> Coarsening {
        Coarsening::new(
            rows.areas
                .iter()
                .map(|a| (a.code.as_str(), a.parent.as_deref(), a.cadres)),
            self.settings().area_k,
        )
    }
}

/// The department tree as it is: for routing, and for the conflict-of-interest rule.
pub(super) fn department_tree(rows: &CatalogRows) -> Tree {
    Tree::new(
        rows.departments
            .iter()
            .map(|d| (d.code.clone(), d.parent.clone())),
    )
}

/// The tree of oversight and escalation: the department tree with the retaliation body overseen
/// from within only (`retaliation::oversight_tree`). Every check of who supervises what uses this.
pub(super) fn oversight_tree(rows: &CatalogRows) -> Tree {
    retaliation::oversight_tree(
        rows.departments
            .iter()
            .map(|d| (d.code.as_str(), d.parent.as_deref())),
        rows.retaliation_body.as_deref(),
    )
}

/// An item's deadlines: its category's, or a retaliation report's own.
pub(super) fn item_terms(categories: &[CategoryRow], item: &Item) -> Terms {
    match item.kind {
        Kind::Report => terms(categories, &item.category),
        Kind::Retaliation => retaliation::TERMS,
    }
}

/// A category's deadlines (the defaults if it has vanished from the organisation).
pub(super) fn terms(categories: &[CategoryRow], code: &str) -> Terms {
    categories
        .iter()
        .find(|c| c.code == code)
        .map_or_else(Terms::default, |c| Terms {
            acknowledge_within: c.acknowledge_within,
            respond_within: c.respond_within,
            confirm_within: c.confirm_within,
        })
}

/// Where a new report goes: the most specific rule, triage when none matches, never the department
/// the report is about.
pub(super) fn route(
    rows: &CatalogRows,
    category: &str,
    area: &str,
    subject: Option<&str>,
) -> Result<Route> {
    let areas = Tree::new(
        rows.areas
            .iter()
            .map(|a| (a.code.clone(), a.parent.clone())),
    );
    let departments = department_tree(rows);
    let triage = rows
        .triage
        .clone()
        .or_else(|| {
            rows.departments
                .iter()
                .find(|d| d.parent.is_none())
                .map(|d| d.code.clone())
        })
        .ok_or_else(|| {
            Error::internal(anyhow::anyhow!(
                "no organisation loaded: run `zhiyan org import`"
            ))
        })?;
    let router = Router {
        rules: &rows.rules,
        areas: &areas,
        departments: &departments,
        triage: &triage,
    };
    router.route(category, area, subject).map_err(|e| match e {
        RouteError::SubjectIsRoot => Error::field(Field::SubjectDepartment, Problem::CoversAll),
    })
}

/// `value` must be one of the active codes; the error names `field`.
pub(super) fn pick<'a>(
    value: &str,
    field: Field,
    mut codes: impl Iterator<Item = &'a String>,
) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::field(field, Problem::Missing));
    }
    codes
        .find(|c| c.as_str() == value)
        .cloned()
        .ok_or_else(|| Error::field(field, Problem::Unknown))
}

pub(super) fn catalog_view(rows: &CatalogRows) -> Catalog {
    let named = |r: &NamedRow| Named {
        code: r.code.clone(),
        name: r.name.clone(),
        name_en: r.name_en.clone(),
        parent: r.parent.clone(),
    };
    Catalog {
        categories: rows
            .categories
            .iter()
            .filter(|c| !c.retired)
            .map(|c| Named {
                code: c.code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                parent: None,
            })
            .collect(),
        areas: rows
            .areas
            .iter()
            .filter(|a| !a.retired)
            .map(named)
            .collect(),
        departments: rows
            .departments
            .iter()
            .filter(|d| !d.retired)
            .map(named)
            .collect(),
    }
}
