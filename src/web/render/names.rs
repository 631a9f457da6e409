//! Names for codes: the catalog as lookup tables and trees for the templates.
use crate::service::{Catalog, Named};
use crate::web::lang::Lang;
use minijinja::{context, Value};
use std::collections::BTreeMap;

/// A catalog entry's name in the page's language: the English one on English pages when there is one.
pub fn local_name(lang: Lang, name: &str, name_en: &Option<String>) -> String {
    match (lang, name_en) {
        (Lang::En, Some(en)) => en.clone(),
        _ => name.to_string(),
    }
}

/// code → entry maps, so templates can show names for codes.
pub fn names(c: &Catalog) -> Value {
    let map = |v: &[Named]| {
        v.iter()
            .map(|n| (n.code.clone(), n.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    context! {
        categories => map(&c.categories),
        areas => map(&c.areas),
        departments => map(&c.departments),
    }
}

/// A tree as a flat list in display order (parents before children) with each entry's depth.
pub fn with_depth(items: &[Named]) -> Vec<Value> {
    fn push(items: &[Named], n: &Named, depth: usize, out: &mut Vec<Value>) {
        out.push(context! { code => n.code, name => n.name, name_en => n.name_en, parent => n.parent, depth => depth });
        if depth < 32 {
            for child in items
                .iter()
                .filter(|c| c.parent.as_deref() == Some(n.code.as_str()))
            {
                push(items, child, depth + 1, out);
            }
        }
    }
    // Roots are entries whose parent is absent or not in the (active) list.
    let is_root = |n: &&Named| {
        n.parent
            .as_deref()
            .is_none_or(|p| !items.iter().any(|i| i.code == p))
    };
    let mut out = Vec::new();
    for root in items.iter().filter(is_root) {
        push(items, root, 0, &mut out);
    }
    out
}
