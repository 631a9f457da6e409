//! What a reporter can do, holding nothing but a receipt: preview a report, submit it, and follow it
//! up. Every time recorded for a reporter is the start of the local day. Replies, confirmations,
//! reopens and withdrawals are in `reporter_actions`; retaliation reports in `retaliation`.
use super::catalog::{item_terms, pick, route};
use super::{
    AttachmentView, ClosedView, Clues, Error, MessageView, PendingView, Preview, ReporterView,
    ResponseView, Result, Service, Submitted, TooLateView, Upload,
};
use crate::crypto::random_bytes;
use crate::domain::attachments::Cleaned;
use crate::domain::item::{Item, Kind, ReporterAction};
use crate::domain::narrowing::{self, Clue};
use crate::domain::receipt::{report_id, Receipt, ENTROPY_BYTES};
use crate::domain::retaliation;
use crate::domain::routing::Route;
use crate::domain::text::Field;
use crate::domain::text::{bounded, BODY_MAX, TITLE_MAX};
use crate::domain::{Span, State};
use crate::store::{CatalogRows, Pending, Sealed, StoreError, StoredItem};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewReportInput {
    pub category: String,
    pub area: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub subject_department: Option<String>,
}

/// A new item as stored: its id, and its state once the transaction that stored it committed.
pub(super) struct Inserted {
    pub id: String,
    pub state: State,
}

/// A new report as the service accepts it: codes that exist, text within its limits, and where it
/// goes.
struct Checked {
    category: String,
    area: String,
    subject: Option<String>,
    title: String,
    body: String,
    route: Route,
}

impl Service {
    /// Every problem of a new report's fields, not only the first that `preview` and `submit` stop
    /// at: the form shows them all at once. Empty when there is none.
    pub async fn report_problems(&self, input: &NewReportInput) -> Result<Vec<Error>> {
        let rows = self.organisation().await?;
        Ok(problems(&rows, input))
    }

    /// Check a new report as `submit` would, and say what the department would see of it, without
    /// storing anything: no row, no event, no file. The report form's preview step.
    pub async fn preview(&self, input: &NewReportInput) -> Result<Preview> {
        Ok(self.preview_with_files(input, Vec::new()).await?.0)
    }

    /// `preview` with files: each cleaned as it would be stored, and shown with what was removed.
    /// The cleaned files come back too, for the page to show and carry on to the submission.
    pub async fn preview_with_files(
        &self,
        input: &NewReportInput,
        uploads: Vec<Upload>,
    ) -> Result<(Preview, Vec<Cleaned>)> {
        let rows = self.organisation().await?;
        let c = check(&rows, input)?;
        let files = self.clean_uploads(uploads).await?;
        let areas = self.coarsening(&rows);
        let shown = areas.shown(&c.area).to_string();
        let findings = [&c.title, &c.body].map(|t| narrowing::findings(t)).concat();
        let clues = Clue::ALL
            .into_iter()
            .map(|clue| {
                let mut found: Vec<String> = Vec::new();
                for f in findings.iter().filter(|f| f.clue == clue) {
                    if !found.contains(&f.text) {
                        found.push(f.text.clone());
                    }
                }
                Clues { clue, found }
            })
            .filter(|c| !c.found.is_empty())
            .collect();
        let attachments = files
            .iter()
            .enumerate()
            .map(|(i, f)| AttachmentView::preview(i, f))
            .collect();
        let preview = Preview {
            category: c.category,
            area_narrowed: shown != c.area,
            area_small: areas.below_k(&shown),
            area_k: areas.k(),
            area_chosen: c.area,
            area_shown: shown,
            subject_department: c.subject,
            department: match c.route {
                Route::Department(d) | Route::Triage(d) => d,
            },
            title: c.title,
            body: c.body,
            submitted_on: self.fmt_date(self.reporter_time()),
            clues,
            attachments,
        };
        Ok((preview, files))
    }

    /// Store a new report. It reaches staff, and the audit log, only at its release
    /// (`release::release_item`): nothing about it is public before then.
    pub async fn submit(&self, input: NewReportInput) -> Result<Submitted> {
        self.submit_with_files(input, Vec::new()).await
    }

    /// `submit` with files, cleaned first: a refused file refuses the report, and nothing is
    /// stored. The files are stored in the report's transaction and reach staff with it.
    pub async fn submit_with_files(
        &self,
        input: NewReportInput,
        uploads: Vec<Upload>,
    ) -> Result<Submitted> {
        let rows = self.organisation().await?;
        let c = check(&rows, &input)?;
        let files = self.clean_uploads(uploads).await?;
        let (department, to_triage) = match c.route {
            Route::Department(d) => (d, false),
            Route::Triage(d) => (d, true),
        };
        let received_on = self.reporter_time();
        let release_at = self.release_time();
        let receipt = Receipt::from_entropy(&random_bytes::<ENTROPY_BYTES>());
        let mac = self.keys().receipt_mac(receipt.canonical());
        let id = self
            .insert_new(&c.title, &c.body, &files, &mac, &rows, |id| {
                Item::received(
                    id,
                    c.category.clone(),
                    c.area.clone(),
                    c.subject.clone(),
                    department.clone(),
                    to_triage,
                    received_on,
                    release_at,
                )
            })
            .await?;
        Ok(Submitted {
            id: id.id,
            receipt: receipt.display().into(),
            state: id.state.as_str().into(),
        })
    }

    /// Insert a new item (made by `item` from a fresh random id) with its sealed title and body, and
    /// release it in the same transaction if it is already due (a release delay of 0), so that the
    /// answer and everything it stands for commit or fail together. Ids are random; a collision
    /// (astronomically unlikely) just draws again.
    pub(super) async fn insert_new(
        &self,
        title: &str,
        body: &str,
        files: &[Cleaned],
        receipt_mac: &[u8],
        rows: &CatalogRows,
        item: impl Fn(String) -> Item,
    ) -> Result<Inserted> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let id = report_id(&random_bytes::<7>());
            let title_sealed = self.keys().seal(&id, "title", title);
            let body_sealed = self.keys().seal(&id, "body", body);
            let sealed = Sealed {
                key_id: title_sealed.key_id,
                title: title_sealed.blob,
                body: body_sealed.blob,
            };
            let new = item(id.clone());
            let mut tx = self.store().begin().await?;
            match tx.insert_item(&new, receipt_mac, &sealed).await {
                Err(StoreError::Conflict) if attempt < 3 => continue,
                other => other?,
            }
            self.store_attachments(&mut tx, &id, None, files).await?;
            let mut stored = StoredItem {
                item: new,
                sealed,
                version: 0,
            };
            self.release_new(&mut tx, &mut stored, rows).await?;
            tx.commit().await?;
            return Ok(Inserted {
                id,
                state: stored.item.state,
            });
        }
    }

    /// The report a receipt belongs to. Every failure is the same `InvalidReceipt`, and a malformed
    /// receipt still costs a MAC and a lookup, so neither answer nor timing tells them apart.
    pub(super) async fn by_receipt(&self, receipt: &str) -> Result<StoredItem> {
        let canonical = Receipt::parse(receipt);
        let mac = self.keys().receipt_mac(
            canonical
                .as_ref()
                .map_or("not-a-receipt", |r| r.canonical()),
        );
        let found = self.store().item_by_receipt(&mac).await?;
        match (canonical, found) {
            (Some(_), Some(stored)) => Ok(stored),
            _ => Err(Error::InvalidReceipt),
        }
    }

    pub async fn reporter_view(&self, receipt: &str) -> Result<ReporterView> {
        let own = self.by_receipt(receipt).await?;
        let rows = self.organisation().await?;
        let mut view = self.view_of(own.clone(), &rows).await?;
        for r in self.store().retaliation_reports(&own.item.id).await? {
            view.retaliation.push(self.view_of(r, &rows).await?);
        }
        view.can_report_retaliation = self.retaliation_route(&own.item, &rows).await.is_ok();
        Ok(view)
    }

    /// One item as its reporter sees it: released messages, actions still on their way, and what
    /// they may do next, judged on the item as it will be once those have arrived.
    async fn view_of(&self, own: StoredItem, rows: &CatalogRows) -> Result<ReporterView> {
        // A merged duplicate follows its canonical item: its state, department and the department's
        // messages, never the other reporter's words. The reporter keeps their own text and thread.
        let mut followed = own.item.clone();
        for _ in 0..4 {
            match &followed.duplicate_of {
                Some(of) => match self.store().item(of).await? {
                    Some(canonical) => followed = canonical.item,
                    None => break,
                },
                None => break,
            }
        }
        let merged = followed.id != own.item.id;
        let mut raw = self.store().messages(&own.item.id).await?;
        if merged {
            raw.extend(
                self.store()
                    .messages(&followed.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.author != "reporter"),
            );
            raw.sort_by_key(|m| (m.release_at, m.id));
        }
        let messages: Vec<MessageView> = raw
            .into_iter()
            .filter(|m| !m.internal)
            .map(|m| {
                Ok(MessageView {
                    body: self.open_text(&m.report_id, "message", &m.key_id, &m.body_sealed)?,
                    from: m.author,
                    kind: m.kind,
                    outcome: m.outcome.map(|o| o.as_str().to_string()),
                    date: self.fmt_date(m.created_at),
                    time: None,
                    internal: false,
                })
            })
            .collect::<Result<_>>()?;
        let response = messages
            .iter()
            .rev()
            .find(|m| m.kind == "response")
            .map(|m| ResponseView {
                outcome: m.outcome.clone().unwrap_or_default(),
                body: m.body.clone(),
                date: m.date.clone(),
            });
        let id = own.item.id.clone();
        let pending = self.store().pending(&id).await?;
        let projected = project(&own.item, &pending, rows);
        let now = self.now();
        let delay = self.settings().release_delay;
        let may = |a: ReporterAction| projected.reporter_may(a, now, delay).is_ok();
        let too_late = self
            .store()
            .report_events(&id)
            .await?
            .into_iter()
            .filter(|e| e.kind == super::release::TOO_LATE)
            .map(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                let field = |k: &str| detail[k].as_str().unwrap_or_default().to_string();
                TooLateView {
                    action: field("action"),
                    state: field("state"),
                    date: self.fmt_date(e.at),
                }
            })
            .collect();
        let pending = pending
            .into_iter()
            .map(|p| {
                let body = match (&p.key_id, &p.body_sealed) {
                    (Some(k), Some(b)) => Some(self.open_text(&id, "message", k, b)?),
                    _ => None,
                };
                Ok(PendingView {
                    action: p.action.as_str().to_string(),
                    date: self.fmt_date(p.acted_on),
                    satisfaction: p.action.satisfaction(),
                    body,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let sealed = &own.sealed;
        let follow_up_days = (!followed.state.is_open() && own.item.kind == Kind::Report)
            .then_some(followed.closed_at)
            .flatten()
            .and_then(|closed| retaliation::follow_up(closed, now));
        Ok(ReporterView {
            title: self.open_text(&id, "title", &sealed.key_id, &sealed.title)?,
            body: self.open_text(&id, "body", &sealed.key_id, &sealed.body)?,
            submitted: self.fmt_date(own.item.received_on),
            closed: (followed.state == State::Closed).then(|| ClosedView {
                confirmed: followed.confirmed == Some(true),
                satisfaction: followed.satisfaction.filter(|_| !merged),
                date: self.fmt_date(followed.closed_at.unwrap_or(followed.received_on)),
            }),
            can_reply: may(ReporterAction::Message),
            can_confirm: may(ReporterAction::Confirm { satisfaction: 5 }),
            can_reopen: may(ReporterAction::Reopen),
            can_withdraw: may(ReporterAction::Withdraw),
            question_open: projected.awaiting_since.is_some(),
            answer_due: followed
                .respond_due
                .filter(|_| followed.state.is_open() && followed.state != State::Responded)
                .map(|t| self.fmt_date(t)),
            confirm_by: followed
                .confirm_due
                .filter(|_| followed.state == State::Responded)
                .map(|t| self.fmt_date(t)),
            kind: own.item.kind.as_str().to_string(),
            id,
            state: followed.state.as_str().to_string(),
            category: own.item.category,
            area: own.item.area,
            department: followed.department,
            outcome: followed.outcome.map(|o| o.as_str().to_string()),
            messages,
            response,
            duplicate_of: own.item.duplicate_of,
            pending,
            too_late,
            release_within: Span(delay.max(0)).to_string(),
            release_within_minutes: (delay.max(0) + 59) / 60,
            retaliation: Vec::new(),
            can_report_retaliation: false,
            follow_up_days,
        })
    }
}

/// The item as it will be once the reporter's waiting actions have arrived, in order: what the
/// reporter's next action is judged against. Staff never see this.
pub(super) fn project(item: &Item, pending: &[Pending], rows: &CatalogRows) -> Item {
    let mut projected = item.clone();
    let terms = item_terms(&rows.categories, item);
    for p in pending {
        projected.arrive(p.action, p.acted_on, p.release_at, terms);
    }
    projected
}

/// Every problem of a new report's fields, in field order (empty when there is none).
fn problems(rows: &CatalogRows, input: &NewReportInput) -> Vec<Error> {
    checked(rows, input).err().unwrap_or_default()
}

/// The checks of a new report, shared by the preview and the submission so they never disagree:
/// the first problem, when there is any.
fn check(rows: &CatalogRows, input: &NewReportInput) -> Result<Checked> {
    checked(rows, input).map_err(|mut all| all.remove(0))
}

/// Each field checked on its own, so that every problem is found; the route only when category,
/// area and subject are all valid.
fn checked(rows: &CatalogRows, input: &NewReportInput) -> std::result::Result<Checked, Vec<Error>> {
    let mut out = Vec::new();
    let categories = rows
        .categories
        .iter()
        .filter(|c| !c.retired)
        .map(|c| &c.code);
    let category = keep(&mut out, pick(&input.category, Field::Category, categories));
    let areas = rows.areas.iter().filter(|a| !a.retired).map(|a| &a.code);
    let area = keep(&mut out, pick(&input.area, Field::Area, areas));
    let subject = match input.subject_department.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(s) => {
            let departments = rows
                .departments
                .iter()
                .filter(|d| !d.retired)
                .map(|d| &d.code);
            keep(&mut out, pick(s, Field::SubjectDepartment, departments)).map(Some)
        }
    };
    let title = keep(
        &mut out,
        bounded(Field::Title, &input.title, TITLE_MAX).map_err(Error::from),
    );
    let body = keep(
        &mut out,
        bounded(Field::Body, &input.body, BODY_MAX).map_err(Error::from),
    );
    let route = match (&category, &area, &subject) {
        (Some(c), Some(a), Some(s)) => keep(&mut out, route(rows, c, a, s.as_deref())),
        _ => None,
    };
    match (category, area, subject, title, body, route) {
        (Some(category), Some(area), Some(subject), Some(title), Some(body), Some(route)) => {
            Ok(Checked {
                category,
                area,
                subject,
                title,
                body,
                route,
            })
        }
        _ => Err(out),
    }
}

/// The value of a check that passed; a failed one's problem joins `out`.
fn keep<T>(out: &mut Vec<Error>, checked: Result<T>) -> Option<T> {
    checked.map_err(|e| out.push(e)).ok()
}
