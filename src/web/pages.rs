//! What every page handler shares: rendering with the common variables, and lookup tables of names.
use super::lang::Lang;
use super::AppState;
use crate::error::Result;
use crate::service::{Catalog, Named, StaffUser};
use axum::response::Html;
use minijinja::{context, Value};
use serde::Serialize;
use std::collections::BTreeMap;

pub fn render(
    state: &AppState,
    lang: Lang,
    name: &str,
    path: &str,
    staff: Option<&StaffUser>,
    ctx: Value,
) -> Result<Html<String>> {
    let staff_ctx = staff.map(|s| context! { username => s.username, role => s.role.as_str(), department => s.department });
    let csrf = staff.map(|s| s.csrf_token.clone()).unwrap_or_default();
    let full = context! { path => path, staff => staff_ctx, csrf => csrf, ..ctx };
    state.templates.render(name, lang, full)
}

/// code → entry maps, so templates can show names for codes.
pub fn names(c: &Catalog) -> Value {
    let map = |v: &[Named]| {
        v.iter()
            .map(|n| (n.code.clone(), n.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    Value::from_serialize(context_names {
        categories: map(&c.categories),
        areas: map(&c.areas),
        departments: map(&c.departments),
    })
}

#[allow(non_camel_case_types)]
#[derive(Serialize)]
struct context_names {
    categories: BTreeMap<String, Named>,
    areas: BTreeMap<String, Named>,
    departments: BTreeMap<String, Named>,
}

/// A tree as a flat list in display order (parents before children) with each entry's depth.
pub fn with_depth(items: &[Named]) -> Vec<Value> {
    fn walk(items: &[Named], parent: Option<&str>, depth: usize, out: &mut Vec<Value>) {
        for n in items.iter().filter(|n| n.parent.as_deref() == parent) {
            out.push(Value::from_serialize(context! { code => n.code, name => n.name, name_en => n.name_en, parent => n.parent, depth => depth }));
            if depth < 32 {
                walk(items, Some(&n.code), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    // Roots are entries whose parent is absent or not in the (active) list.
    let codes: Vec<&str> = items.iter().map(|n| n.code.as_str()).collect();
    for root in items
        .iter()
        .filter(|n| n.parent.as_deref().is_none_or(|p| !codes.contains(&p)))
    {
        out.push(Value::from_serialize(context! { code => root.code, name => root.name, name_en => root.name_en, parent => root.parent, depth => 0 }));
        walk(items, Some(&root.code), 1, &mut out);
    }
    out
}
