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
/// are entries whose parent is absent or not in the (active) list. Siblings come in the order of
/// their Chinese names as a Chinese reader expects (`pinyin_key`), not by code.
pub fn with_depth(items: &[Named]) -> Vec<Value> {
    let mut sorted: Vec<&Named> = items.iter().collect();
    sorted.sort_by_cached_key(|n| (pinyin_key(&n.name), n.code.clone()));
    let tree = Tree::new(
        sorted
            .iter()
            .map(|n| (n.code.as_str(), n.parent.as_deref())),
    );
    tree.display_order()
        .into_iter()
        .map(|(i, depth)| {
            let n = sorted[i];
            context! { code => n.code, name => n.name, name_en => n.name_en, parent => n.parent, depth => depth }
        })
        .collect()
}

/// A sort key that puts Chinese names in pinyin order: GB18030 orders the common characters (GB 2312
/// level 1, which department names are made of) by their reading.
pub fn pinyin_key(name: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(name).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::pinyin_key;

    #[test]
    fn chinese_names_sort_by_reading() {
        let mut names = vec!["住建局", "财政局", "教育局", "农业农村局", "民政局"];
        names.sort_by_key(|n| pinyin_key(n));
        assert_eq!(
            names,
            ["财政局", "教育局", "民政局", "农业农村局", "住建局"]
        );
    }
}
