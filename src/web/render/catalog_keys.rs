//! The text catalogs against the code: both languages have the same keys, and every key the code can
//! look up is there. A missing key is not an error at run time: `Templates::text` gives nothing and the
//! page shows an empty notice or error, so only a test catches it.
use super::templates::{Templates, TEMPLATES};
use super::Notice;
use crate::domain::text::Field;
use crate::web::error::{every, problem_key, ErrorInfo};
use crate::web::lang::Lang;
use std::collections::BTreeSet;
use std::path::Path;

const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

fn leaf_keys(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
    for (k, v) in t {
        let path = format!("{prefix}{k}");
        match v.as_table() {
            Some(sub) => leaf_keys(&format!("{path}."), sub, out),
            None => out.push(path),
        }
    }
}

/// Templates fail on an undefined value, so a key missing from one language is a broken page.
#[test]
fn both_catalogs_have_the_same_keys() {
    let t = Templates::new().unwrap();
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    leaf_keys("", t.catalog(Lang::Zh), &mut zh);
    leaf_keys("", t.catalog(Lang::En), &mut en);
    let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
    let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "zh only: {only_zh:?}; en only: {only_en:?}"
    );
}

#[test]
fn every_key_the_code_uses_is_in_both_catalogs() {
    let t = Templates::new().unwrap();
    let mut used = BTreeSet::new();
    for e in every::error() {
        used.insert(format!("errors.{}", ErrorInfo::from(&e).code));
    }
    for p in every::problem() {
        used.insert(format!("problems.{}", problem_key(&p).0));
    }
    for f in Field::ALL {
        used.insert(format!("fields.{f}"));
    }
    // A refused file's words and what was removed from a file, looked up by name.
    use crate::domain::attachments::{Refusal, Removed};
    for r in Refusal::ALL {
        used.insert(format!("attachments.refused.{}", r.as_str()));
    }
    for k in ["too_many", "total_too_large"] {
        used.insert(format!("attachments.refused.{k}"));
    }
    for r in Removed::ALL {
        used.insert(format!("attachments.removed.{}", r.as_str()));
    }
    for n in Notice::ALL {
        used.insert(n.key().to_string());
    }
    used.extend(template_keys());
    used.extend(text_lookups());
    let missing: Vec<String> = LANGS
        .iter()
        .flat_map(|&lang| {
            let t = &t;
            used.iter()
                .filter(move |k| !has_key(t.catalog(lang), k))
                .map(move |k| format!("{}: {k}", lang.tag()))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "missing from the catalogs: {missing:#?}"
    );
}

/// `key` names a text or a table (templates index some tables by value: `tr.states[s]`).
fn has_key(catalog: &toml::Table, key: &str) -> bool {
    let mut parts = key.split('.');
    let Some(mut cur) = parts.next().and_then(|p| catalog.get(p)) else {
        return false;
    };
    for p in parts {
        match cur.as_table().and_then(|t| t.get(p)) {
            Some(next) => cur = next,
            None => return false,
        }
    }
    true
}

/// The dotted paths after `tr.` in every template.
fn template_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for (_, source) in TEMPLATES {
        for (at, _) in source.match_indices("tr.") {
            if source[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let path: String = source[at + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            keys.insert(path.trim_end_matches('.').to_string());
        }
    }
    keys
}

/// Rust source files under `dir`, as text.
fn sources(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

fn src_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Catalog texts the web layer builds pages with outside templates: `t("board.median")`.
fn text_lookups() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for source in sources(&src_dir().join("web")) {
        for (at, _) in source.match_indices("t(\"") {
            if source[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(key) = string_literal(&source[at + 2..]) {
                keys.insert(key);
            }
        }
    }
    keys
}

/// The text of a plain string literal at the start of `s` ("state" → state), if it is one.
fn string_literal(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?;
    let end = inner.find('"')?;
    let text = &inner[..end];
    (!text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
    .then(|| text.to_string())
}
