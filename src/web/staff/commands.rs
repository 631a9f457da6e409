//! What staff send, read the same from a JSON body and from a page's form (see `extract::fields`).
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignIn {
    pub username: String,
    pub password: String,
    /// Reserved by API.md; second factors are not implemented yet, so a value is ignored.
    #[serde(default)]
    #[allow(dead_code)]
    pub totp: Option<String>,
}

/// A message to the reporter, from the desk or a supervisor.
#[derive(Deserialize)]
pub struct Message {
    pub body: String,
}
