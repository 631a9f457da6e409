//! What staff send, read the same from a JSON body and from a page's form (see `extract::fields`).
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignIn {
    pub username: String,
    pub password: String,
    /// The six-digit code from the authenticator app, or a recovery code.
    #[serde(default)]
    pub totp: Option<String>,
    /// The device proof an earlier sign-in answered with (the page keeps it in a cookie instead).
    #[serde(default)]
    pub device: Option<String>,
}

/// A message to the reporter, from the desk or a supervisor.
#[derive(Deserialize)]
pub struct Message {
    pub body: String,
}

#[derive(Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub password: String,
    /// The page asks for the new password twice; the API need not.
    #[serde(default)]
    pub password_confirm: Option<String>,
}

/// A code from the authenticator app, confirming an enrolment.
#[derive(Deserialize)]
pub struct ConfirmTotp {
    pub totp: String,
}

#[derive(Deserialize)]
pub struct SetupCode {
    pub code: String,
}

#[derive(Deserialize)]
pub struct CompleteSetup {
    pub code: String,
    pub password: String,
    #[serde(default)]
    pub password_confirm: Option<String>,
    #[serde(default)]
    pub totp: Option<String>,
}

/// A staff member's own notification channel: an address (empty: none) and a schedule.
#[derive(Deserialize)]
pub struct SetNotifications {
    #[serde(default)]
    pub email: String,
    pub schedule: String,
}
