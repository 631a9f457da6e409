//! The text catalogs against the code: both languages have the same keys, and every key the code can
//! look up is there. A missing key is not an error at run time: `Templates::text` gives nothing and the
//! page shows an empty notice or error, so only a test catches it.
use super::templates::{Templates, TEMPLATES};
use super::Notice;
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
    for f in field_names() {
        used.insert(format!("fields.{f}"));
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

/// Every field a field error can name: the string literals that src/ passes where a function or a
/// closure takes `field: &'static str` (`Error::field("state", …)`, `bounded("title", …)`,
/// `pick(&input.area, "area", …)`, `self.active_department(code, "department")`, …).
fn field_names() -> BTreeSet<String> {
    let sources = sources(&src_dir());
    let takers: Vec<Taker> = sources.iter().flat_map(|s| takers(s)).collect();
    let mut names = BTreeSet::new();
    for source in &sources {
        for t in &takers {
            let call = format!("{}(", t.name);
            for (at, _) in source.match_indices(&call) {
                let before = &source[..at];
                if before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
                    || before.ends_with('.') != t.method
                {
                    continue;
                }
                let args = arguments(&source[at + call.len()..]);
                if let Some(name) = args.get(t.index).and_then(|a| string_literal(a.trim())) {
                    names.insert(name);
                }
            }
        }
    }
    assert!(names.contains("category") && names.contains("satisfaction"));
    names
}

/// A function or closure with a `field: &'static str` parameter: its name, whether it is called as a
/// method (it takes `self`), and where the field is among the arguments of a call.
struct Taker {
    name: String,
    method: bool,
    index: usize,
}

fn takers(source: &str) -> Vec<Taker> {
    let mut out = Vec::new();
    for (at, _) in source.match_indices("field: &'static str") {
        // Back to the start of the parameter list: the unmatched `(` of a fn, or the `|` of a closure.
        let (mut depth, mut commas, mut start) = (0i32, 0usize, None);
        for (i, c) in source[..at].char_indices().rev() {
            match c {
                ')' | ']' | '>' => depth += 1,
                '(' | '[' | '<' if depth > 0 => depth -= 1,
                '(' | '|' if depth == 0 => {
                    start = Some((i, c));
                    break;
                }
                ',' if depth == 0 => commas += 1,
                _ => {}
            }
        }
        let Some((open, kind)) = start else { continue };
        let params = &source[open + 1..at];
        let method = params.trim_start().starts_with("&self")
            || params.trim_start().starts_with("self")
            || params.trim_start().starts_with("&mut self");
        let head = source[..open].trim_end();
        let name = if kind == '(' {
            // `fn name(` or `fn name<'a>(`
            let head = head
                .strip_suffix('>')
                .map_or(head, |h| h.rsplit_once('<').map_or(h, |(before, _)| before));
            head.rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
        } else {
            // `let name = |`
            head.strip_suffix('=')
                .map(str::trim_end)
                .and_then(|h| h.rsplit(' ').next())
        };
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            out.push(Taker {
                name: name.to_string(),
                method,
                index: commas - usize::from(method),
            });
        }
    }
    out
}

/// The arguments of a call, from just after its `(`: split at top-level commas, up to the `)`.
fn arguments(rest: &str) -> Vec<&str> {
    let (mut depth, mut in_str, mut escaped, mut from) = (0i32, false, false, 0);
    let mut out = Vec::new();
    for (i, c) in rest.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                out.push(&rest[from..i]);
                return out;
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&rest[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out
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
