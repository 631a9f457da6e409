//! What administrators send, read the same from a JSON body and from a page's form.
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub role: String,
    /// Desks and supervisors only; ignored for administrators.
    #[serde(default)]
    pub department: Option<String>,
}

/// A new role or department for an account.
#[derive(Deserialize)]
pub struct Placement {
    pub role: String,
    #[serde(default)]
    pub department: Option<String>,
}

/// An organisation file: its text (the page's file input, or its text box), and for applying, the
/// version of the organisation the preview was made against.
#[derive(Deserialize)]
pub struct OrgFile {
    #[serde(default)]
    pub file: String,
    /// The page's text box, used when no file was chosen.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub base: Option<String>,
}

impl OrgFile {
    pub fn content(&self) -> &str {
        if self.file.trim().is_empty() {
            &self.text
        } else {
            &self.file
        }
    }
}
