//! The one check every text input passes before a handler sees it: JSON strings and keys (`ApiJson`),
//! form fields (the form extractors), query parameters (`Query`) and path segments (`Path`). Text that
//! is not UTF-8 or holds a character `domain::text::refused_character` refuses is a 400
//! `invalid_input` naming the input, so nothing such reaches the service or the database.
use crate::domain::text::refused_character;
use crate::web::error::Error;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `value` of the input called `name`, refused when it holds a refused character.
pub(super) fn check(name: &str, value: &str) -> Result<(), Error> {
    check_name(name)?;
    match refused_character(value) {
        Some(_) => Err(invalid(name)),
        None => Ok(()),
    }
}

/// A name (a form field's, a JSON key) must pass too; one that does not is named escaped.
fn check_name(name: &str) -> Result<(), Error> {
    match refused_character(name) {
        Some(_) => Err(invalid(&name.escape_debug().to_string())),
        None => Ok(()),
    }
}

fn invalid(name: &str) -> Error {
    Error::InvalidText {
        field: name.to_string(),
    }
}

/// Every key and string of a JSON document, named by its path (`username`, `rules[2].department`).
pub(super) fn check_json(value: &Value) -> Result<(), Error> {
    fn walk(path: &mut String, value: &Value) -> Result<(), Error> {
        match value {
            Value::String(s) => check(if path.is_empty() { "body" } else { path }, s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(path, item)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    check_name(path)?;
                    walk(path, item)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
        }
    }
    walk(&mut String::new(), value)
}

/// Path parameters, percent-decoded by axum and then checked: a segment that is not UTF-8 (`%ff`) or
/// holds a refused character (`%00`) is the usual 400 naming the parameter, in JSON on the API and as
/// the error page on the pages (never axum's plain-text rejection).
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let rejected = |e: PathRejection| match e {
            PathRejection::FailedToDeserializePathParams(e) => match e.into_kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => invalid(&key),
                ErrorKind::ParseErrorAtKey { key, .. } => invalid(&key),
                _ => Error::NOT_FOUND,
            },
            other => Error::internal(anyhow::anyhow!("path parameters: {}", other.body_text())),
        };
        let axum::extract::Path(pairs) =
            axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state)
                .await
                .map_err(rejected)?;
        for (name, value) in &pairs {
            check(name, value)?;
        }
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(rejected)?;
        Ok(Path(value))
    }
}

/// The query string's parameters, each decoded and checked (not UTF-8, or a refused character: the
/// usual 400 naming it), then read as `T`: `None` when they do not make a `T` (an unknown state, a
/// number that is not one), which each handler answers in its own way.
pub struct Query<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let raw = parts.uri.query().unwrap_or_default();
        urlencoded(raw.as_bytes())?;
        // Checked whole above, so serde_urlencoded's lossy decoding has nothing left to replace.
        Ok(Query(serde_urlencoded::from_str(raw).ok()))
    }
}

/// The `name=value` pairs of a query string or a form body, decoded (`+` is a space, then
/// percent-decoding) and checked, in order; a name or value that is not UTF-8 is refused.
pub(super) fn urlencoded(raw: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let mut pairs = Vec::new();
    for pair in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let at = pair.iter().position(|&b| b == b'=');
        let (name, value) = match at {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode(name).map_err(|lossy| invalid(&lossy.escape_debug().to_string()))?;
        let value = decode(value).map_err(|_| invalid(&name))?;
        check(&name, &value)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// One urlencoded component; text that is not UTF-8 is an error carrying its lossy reading.
fn decode(component: &[u8]) -> Result<String, String> {
    let spaced: Vec<u8> = component
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn named(r: Result<(), Error>) -> Option<String> {
        match r {
            Err(Error::InvalidText { field }) => Some(field),
            Err(e) => panic!("{e}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn json_names_the_path_of_the_bad_text() {
        assert_eq!(named(check_json(&json!({"a": "ok\n", "n": 1}))), None);
        assert_eq!(
            named(check_json(&json!({"username": "a\u{0}"}))),
            Some("username".into())
        );
        assert_eq!(
            named(check_json(
                &json!({"rules": [{"x": "y"}, {"department": "\u{7}"}]})
            )),
            Some("rules[1].department".into())
        );
        assert_eq!(
            named(check_json(&json!({"bad\u{0}key": 1}))),
            Some("bad\\0key".into())
        );
        assert_eq!(named(check_json(&json!("\u{1b}"))), Some("body".into()));
    }

    /// Handlers read input only through this folder's extractors, which pass every text through the
    /// check: one that took axum's own would skip it. The web layer's source outside `extract/` must
    /// not name them.
    #[test]
    fn handlers_use_the_checked_extractors() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if !path.ends_with("extract") {
                        files(&path, out);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut all = Vec::new();
        files(&web, &mut all);
        assert!(all.len() > 30, "{all:?}");
        let unchecked = [
            "Path",
            "Query",
            "RawQuery",
            "Form",
            "RawForm",
            "Multipart",
            "Json",
            "Bytes",
        ];
        let mut found = Vec::new();
        for file in &all {
            let source = std::fs::read_to_string(file).unwrap();
            for (n, line) in source.lines().enumerate() {
                let imported = line.trim_start().starts_with("use axum::extract::")
                    && line
                        .split(|c: char| !c.is_alphanumeric())
                        .any(|word| unchecked.contains(&word));
                let named = [
                    "axum::extract::Path",
                    "axum::extract::Query",
                    "axum::extract::Multipart",
                    "axum::Form",
                    ": Json<",
                    ": axum::Json<",
                    ": Bytes",
                ]
                .iter()
                .any(|p| {
                    line.contains(p)
                        && line.trim_start().starts_with(|c: char| c.is_lowercase())
                        && !line.contains("pub ")
                });
                if imported || named {
                    found.push(format!("{}:{}: {line}", file.display(), n + 1));
                }
            }
        }
        assert!(found.is_empty(), "unchecked extractors: {found:#?}");
    }

    #[test]
    fn query_components_decode_strictly() {
        assert_eq!(decode(b"a+b%20c").unwrap(), "a b c");
        assert_eq!(decode(b"%E6%A3%80").unwrap(), "检");
        assert!(decode(b"%ff").is_err());
        let pairs = urlencoded(b"state=open&&overdue&x=%41").unwrap();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        assert_eq!(pairs, [("state", "open"), ("overdue", ""), ("x", "A")]);
        assert_eq!(
            named(urlencoded(b"a=1&state=%00").map(drop)),
            Some("state".into())
        );
        assert_eq!(named(urlencoded(b"x=%ff").map(drop)), Some("x".into()));
    }
}
