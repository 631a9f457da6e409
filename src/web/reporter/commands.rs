//! What a reporter sends, read the same from a JSON body and from a page's form (the receipt travels
//! apart: a header on the API, a hidden field on the pages). A new report is the service's own
//! `NewReportInput`.
use serde::Deserialize;

pub use crate::service::NewReportInput as NewReport;

#[derive(Deserialize)]
pub struct Reply {
    pub body: String,
}

#[derive(Deserialize)]
pub struct Confirm {
    pub satisfaction: i64,
}

#[derive(Deserialize)]
pub struct Reopen {
    pub reason: String,
}

/// A retaliation report: what happened, in the reporter's words.
#[derive(Deserialize)]
pub struct Retaliation {
    pub body: String,
}

/// An action on one of the reporter's retaliation reports: which one (`item`, a form field on the
/// pages; the path names it on the API), and what the action needs (a reply's text, a reopen's
/// reason, a rating).
#[derive(Deserialize, Default)]
pub struct RetaliationAction {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub satisfaction: i64,
}

impl RetaliationAction {
    pub fn input(&self) -> crate::service::ActionInput<'_> {
        crate::service::ActionInput {
            body: &self.body,
            reason: &self.reason,
            satisfaction: self.satisfaction,
        }
    }
}

/// Withdrawing on the pages: the first post asks (a page that says what will happen), the post from
/// that page's button, with `confirmed`, withdraws.
#[derive(Deserialize)]
pub struct Withdraw {
    pub confirmed: bool,
}
