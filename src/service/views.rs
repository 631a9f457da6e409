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

/// A reporter's action on its way to staff, as the reporter sees it at once.
#[derive(Clone, Debug, Serialize)]
pub struct PendingView {
    /// `message`, `confirm`, `reopen` or `withdraw`.
    pub action: String,
    /// The day it was sent.
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<i64>,
    /// A reply's text, or a reopen's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A reporter's action that arrived after staff had closed the item: recorded (its text delivered),
/// but it changed nothing.
#[derive(Clone, Debug, Serialize)]
pub struct TooLateView {
    pub action: String,
    /// The day it was sent.
    pub date: String,
    /// The state it found the item in.
    pub state: String,
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
    /// The department asked the reporter a question that is not answered yet (a reply on its way
    /// answers it).
    pub question_open: bool,
    /// The date by which the department must answer, while it owes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_due: Option<String>,
    /// After the answer: the date by which the reporter may confirm (or ask again) before the
    /// report closes without their confirmation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
    /// `report`, or `retaliation` for a retaliation report.
    pub kind: String,
    /// What the reporter did that staff do not see yet: shown at once, delivered within
    /// `release_within`, in this order.
    pub pending: Vec<PendingView>,
    pub too_late: Vec<TooLateView>,
    /// The longest delay before what the reporter sends reaches staff (e.g. `30m`).
    pub release_within: String,
    /// The same in whole minutes, rounded up, for the page.
    pub release_within_minutes: i64,
    /// Retaliation reports made through this receipt, each as its own view.
    pub retaliation: Vec<ReporterView>,
    /// Whether a retaliation report can be made through this receipt (the organisation names a
    /// body outside the report's chain).
    pub can_report_retaliation: bool,
    /// After closure: the follow-up question due (30, 60 or 90 days since), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_days: Option<i64>,
}

/// What the department would see of a report not yet submitted, and what in it could point to its
/// writer. Nothing of it is stored.
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    pub category: String,
    /// The area as chosen (routing uses it) and as the department will see it.
    pub area_chosen: String,
    pub area_shown: String,
    /// Fewer than k cadres work in the chosen area: the department sees `area_shown` instead.
    pub area_narrowed: bool,
    /// Even `area_shown` has fewer than k cadres (the organisation gives no wider area that does).
    pub area_small: bool,
    pub area_k: i64,
    pub subject_department: Option<String>,
    /// Where it would go: a department, or the triage desk.
    pub department: String,
    pub title: String,
    pub body: String,
    /// "submitted on": the date the department will see, and nothing finer.
    pub submitted_on: String,
    /// Names, phone numbers, ID numbers and job titles found in the title and body, by kind.
    pub clues: Vec<Clues>,
    /// The attached files as they will be stored: cleaned, and what was removed from each.
    pub attachments: Vec<super::AttachmentView>,
}

/// The clues of one kind found in a text, each once, in the order they appear.
#[derive(Clone, Debug, Serialize)]
pub struct Clues {
    pub clue: crate::domain::narrowing::Clue,
    pub found: Vec<String>,
}

/// A row of a staff inbox (API.md desk items).
#[derive(Clone, Debug, Serialize)]
pub struct ItemSummary {
    pub id: String,
    /// `report`, or `retaliation` for a retaliation report (seen by the retaliation body only).
    pub kind: String,
    pub state: String,
    pub category: String,
    /// The area as staff may see it: no narrower than the deepest level with `--area-k` cadres.
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
    /// An escalation's reason (`acknowledge_missed`, `respond_missed`, `second_reopen`) and the
    /// department whose supervisors it reached; a transfer request's suggested department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalated_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_department: Option<String>,
}

/// One item as staff see it (API.md `GET /api/v1/desk/items/{id}`).
#[derive(Clone, Debug, Serialize)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub summary: ItemSummary,
    pub body: String,
    pub subject_department: Option<String>,
    /// For a retaliation report: the report whose reporter made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_to: Option<String>,
    pub outcome: Option<String>,
    pub confirmed: Option<bool>,
    pub satisfaction: Option<i64>,
    pub dispatched: Option<String>,
    pub acknowledge_due: Option<String>,
    pub respond_due: Option<String>,
    pub confirm_due: Option<String>,
    /// Whose supervisors an escalated item has reached.
    pub escalated_to: Option<String>,
    /// While a transfer request waits: the department the desk suggested, if it named one.
    pub suggested_department: Option<String>,
    /// Time spent waiting on the reporter, in whole hours (shown beside the deadlines, never
    /// subtracted from them), and whether a question is open now.
    pub awaiting_reporter_hours: i64,
    pub awaiting_reporter: bool,
    pub transfers: i64,
    pub reopens: i64,
    pub messages: Vec<MessageView>,
    /// Files with the report and its released replies.
    pub attachments: Vec<super::AttachmentView>,
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
