//! Reading the API's JSON lists.
use serde_json::Value;

/// The ids of an item list (`{"items": [...]}`), in order.
pub fn ids(list: &Value) -> Vec<&str> {
    each(&list["items"], "id")
}

/// `field` of every element of a JSON array, in order.
pub fn each<'a>(array: &'a Value, field: &str) -> Vec<&'a str> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[field].as_str().unwrap())
        .collect()
}

/// The timeline entries of `kind` in an item's detail.
pub fn entries<'a>(detail: &'a Value, kind: &str) -> Vec<&'a Value> {
    detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}
