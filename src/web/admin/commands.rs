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

/// A department's webhook. The page's form names the department; the API has it in the path.
#[derive(Deserialize)]
pub struct SetWebhook {
    #[serde(default)]
    pub department: String,
    pub url: String,
    pub format: String,
    pub schedule: String,
    /// Empty: keep the current secret, or have one made for a new webhook.
    #[serde(default)]
    pub secret: String,
}

impl SetWebhook {
    pub fn input(&self) -> crate::service::WebhookInput {
        crate::service::WebhookInput {
            url: self.url.clone(),
            format: self.format.clone(),
            schedule: self.schedule.clone(),
            secret: self.secret.clone(),
        }
    }
}

/// Whose address gets a test email.
#[derive(Deserialize)]
pub struct TestEmail {
    pub username: String,
}
