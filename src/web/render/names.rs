//! Names for codes: the catalog as lookup tables and trees for the templates.
use crate::domain::tree::Tree;
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

/// A tree as a flat list in display order (parents before children) with each entry's depth; roots
/// are entries whose parent is absent or not in the (active) list.
pub fn with_depth(items: &[Named]) -> Vec<Value> {
    let tree = Tree::new(items.iter().map(|n| (n.code.as_str(), n.parent.as_deref())));
    tree.display_order()
        .into_iter()
        .map(|(i, depth)| {
            let n = &items[i];
            context! { code => n.code, name => n.name, name_en => n.name_en, parent => n.parent, depth => depth }
        })
        .collect()
}
