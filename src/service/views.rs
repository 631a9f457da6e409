//! What the use cases hand to the web layer: plain, serializable values with text already opened and
//! times already formatted for the audience (dates only for anything a reporter did, shown to staff).
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};

/// Serialize a secret for the one answer that hands it to its owner (a receipt, a session token);
/// everywhere else, including `Debug`, it stays redacted.
pub(crate) fn reveal<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

#[derive(Clone, Debug, Serialize)]
pub struct Named {
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Catalog {
    pub categories: Vec<Named>,
    pub areas: Vec<Named>,
    pub departments: Vec<Named>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Submitted {
    pub id: String,
    /// Shown once, never stored in the clear.
    #[serde(serialize_with = "reveal")]
    pub receipt: SecretString,
    pub state: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageView {
    pub from: String,
    pub kind: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    pub date: String,
    /// Staff views only: the exact time for staff messages; the date for the reporter's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResponseView {
    pub outcome: String,
    pub body: String,
    pub date: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClosedView {
    pub confirmed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<i64>,
    pub date: String,
}

/// The reporter's view of their own report (API.md `GET /api/v1/reports/mine`).
#[derive(Clone, Debug, Serialize)]
pub struct ReporterView {
    pub id: String,
    pub state: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub outcome: Option<String>,
    pub title: String,
    pub body: String,
    pub submitted: String,
    pub messages: Vec<MessageView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<ClosedView>,
    /// Set when this report was merged into another; the view then follows that one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    pub can_reply: bool,
    pub can_confirm: bool,
    pub can_reopen: bool,
    pub can_withdraw: bool,
}

/// A row of a staff inbox (API.md desk items).
#[derive(Clone, Debug, Serialize)]
pub struct ItemSummary {
    pub id: String,
    pub state: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub title: String,
    /// The next deadline that applies in this state, if any.
    pub due: Option<String>,
    pub overdue: bool,
    /// Whole hours past `due`, for overdue items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_hours: Option<i64>,
    pub escalation: i64,
    /// The day the report was received (day granularity, always).
    pub received: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    pub kind: String,
    pub actor_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// RFC 3339 for staff and system events; a bare date for the reporter's.
    pub at: String,
}

/// One item as staff see it (API.md `GET /api/v1/desk/items/{id}`).
#[derive(Clone, Debug, Serialize)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub summary: ItemSummary,
    pub body: String,
    pub subject_department: Option<String>,
    pub outcome: Option<String>,
    pub confirmed: Option<bool>,
    pub satisfaction: Option<i64>,
    pub dispatched: Option<String>,
    pub acknowledge_due: Option<String>,
    pub respond_due: Option<String>,
    pub confirm_due: Option<String>,
    /// Whose supervisors an escalated item has reached.
    pub escalated_to: Option<String>,
    /// Time spent waiting on the reporter, in whole hours (shown beside the deadlines, never
    /// subtracted from them), and whether a question is open now.
    pub awaiting_reporter_hours: i64,
    pub awaiting_reporter: bool,
    pub transfers: i64,
    pub reopens: i64,
    pub messages: Vec<MessageView>,
    pub timeline: Vec<TimelineEntry>,
    /// Actions the caller may take now.
    pub actions: Vec<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_serialize_for_their_owner_but_never_debug_print() {
        let s = Submitted {
            id: "R-1".into(),
            receipt: "7T1C-MC25-3ZF6-S8YQ-DT0J".to_string().into(),
            state: "received".into(),
        };
        assert!(!format!("{s:?}").contains("7T1C"));
        assert!(serde_json::to_string(&s).unwrap().contains("7T1C-MC25"));
    }
}
