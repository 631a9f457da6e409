//! What a reporter can do, holding nothing but a receipt.
use super::error::{Error, Result};
use super::sweep::{escalate, escalation_step};
use super::{
    Actor, Catalog, ClosedView, MessageView, Msg, Named, ReporterView, ResponseView, Service, Step,
    Submitted,
};
use crate::crypto::random_bytes;
use crate::domain::receipt::{report_id, Receipt, ENTROPY_BYTES};
use crate::domain::routing::{Route, RouteError, Router, Rule};
use crate::domain::text::{bounded, Problem, BODY_MAX, REASON_MAX, TITLE_MAX};
use crate::domain::tree::Tree;
use crate::domain::{Action, State};
use crate::store::{CatalogRows, NewEvent, NewReport, ReportRow, StoreError, Tx};
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

impl Service {
    /// The choices a reporter picks from: active categories, areas and departments.
    pub async fn catalog(&self) -> Result<Catalog> {
        Ok(catalog_view(&self.store().catalog().await?))
    }

    pub async fn submit(&self, input: NewReportInput) -> Result<Submitted> {
        let rows = self.store().catalog().await?;
        let category = pick(
            &input.category,
            "category",
            rows.categories
                .iter()
                .filter(|c| c.retired == 0)
                .map(|c| &c.code),
        )?;
        let area = pick(
            &input.area,
            "area",
            rows.areas
                .iter()
                .filter(|a| a.retired == 0)
                .map(|a| &a.code),
        )?;
        let subject = match input.subject_department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(pick(
                s,
                "subject_department",
                rows.departments
                    .iter()
                    .filter(|d| d.retired == 0)
                    .map(|d| &d.code),
            )?),
        };
        let title = bounded("title", &input.title, TITLE_MAX)?;
        let body = bounded("body", &input.body, BODY_MAX)?;

        let route = route(&rows, &category, &area, subject.as_deref())?;
        let (department, to_triage) = match route {
            Route::Department(d) => (d, false),
            Route::Triage(d) => (d, true),
        };
        let received_on = self.reporter_time();
        let release_at = self.release_time();
        // Ids and receipts are random; a collision (astronomically unlikely) just draws again.
        let mut attempt = 0;
        let (id, receipt) = loop {
            attempt += 1;
            let id = report_id(&random_bytes::<7>());
            let receipt = Receipt::from_entropy(&random_bytes::<ENTROPY_BYTES>());
            let title_sealed = self.keys().seal(&id, "title", &title);
            let body_sealed = self.keys().seal(&id, "body", &body);
            let mut tx = self.store().begin().await?;
            let inserted = tx
                .insert_report(&NewReport {
                    id: id.clone(),
                    receipt_mac: self.keys().receipt_mac(receipt.canonical()),
                    category: category.clone(),
                    area: area.clone(),
                    subject_department: subject.clone(),
                    department: department.clone(),
                    routed_to_triage: to_triage,
                    state: State::Received.as_str().into(),
                    key_id: title_sealed.key_id,
                    title_sealed: title_sealed.blob,
                    body_sealed: body_sealed.blob,
                    received_on,
                    release_at,
                })
                .await;
            match inserted {
                Err(StoreError::Conflict) if attempt < 3 => continue,
                other => other?,
            }
            tx.append_event(NewEvent {
                report_id: Some(id.clone()),
                kind: "submitted".into(),
                actor_role: Actor::Reporter.role().into(),
                department: Some(department.clone()),
                to_state: Some(State::Received.as_str().into()),
                detail: serde_json::json!({ "category": category, "area": area, "subject_department": subject })
                    .to_string(),
                at: received_on,
                ..NewEvent::default()
            })
            .await?;
            tx.commit().await?;
            break (id, receipt);
        };
        let mut state = State::Received;
        if release_at <= self.now() {
            state = self.release(&id, &rows.categories).await?.unwrap_or(state);
        }
        Ok(Submitted {
            id,
            receipt: receipt.display(),
            state: state.as_str().into(),
        })
    }

    /// The report a receipt belongs to. Every failure is the same `InvalidReceipt`, and a malformed
    /// receipt still costs a MAC and a lookup, so neither answer nor timing tells them apart.
    async fn by_receipt(&self, receipt: &str) -> Result<ReportRow> {
        let canonical = Receipt::parse(receipt);
        let mac = self.keys().receipt_mac(
            canonical
                .as_ref()
                .map_or("not-a-receipt", |r| r.canonical()),
        );
        let row = self.store().report_by_receipt(&mac).await?;
        match (canonical, row) {
            (Some(_), Some(row)) => Ok(row),
            _ => Err(Error::InvalidReceipt),
        }
    }

    pub async fn reporter_view(&self, receipt: &str) -> Result<ReporterView> {
        let own = self.by_receipt(receipt).await?;
        // A merged duplicate follows its canonical item: its state, department and the department's
        // messages, never the other reporter's words. The reporter keeps their own text and thread.
        let mut row = own.clone();
        for _ in 0..4 {
            match &row.duplicate_of {
                Some(of) => match self.store().report(of).await? {
                    Some(canonical) => row = canonical,
                    None => break,
                },
                None => break,
            }
        }
        let merged = row.id != own.id;
        let mut raw = self.store().messages(&own.id).await?;
        if merged {
            raw.extend(
                self.store()
                    .messages(&row.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.author != "reporter"),
            );
            raw.sort_by_key(|m| m.created_at);
        }
        let messages: Vec<MessageView> = raw
            .into_iter()
            .filter(|m| m.internal == 0)
            .map(|m| {
                Ok(MessageView {
                    body: self.open_text(&m.report_id, "message", &m.key_id, &m.body_sealed)?,
                    from: m.author,
                    kind: m.kind,
                    outcome: m.outcome,
                    date: self.fmt_date(m.created_at),
                    time: None,
                    internal: false,
                })
            })
            .collect::<Result<_>>()?;
        let state = super::state_of(&row)?;
        let own_state = super::state_of(&own)?;
        let response = messages
            .iter()
            .rev()
            .find(|m| m.kind == "response")
            .map(|m| ResponseView {
                outcome: m.outcome.clone().unwrap_or_default(),
                body: m.body.clone(),
                date: m.date.clone(),
            });
        Ok(ReporterView {
            title: self.open_text(&own.id, "title", &own.key_id, &own.title_sealed)?,
            body: self.open_text(&own.id, "body", &own.key_id, &own.body_sealed)?,
            submitted: self.fmt_date(own.received_on),
            closed: (state == State::Closed).then(|| ClosedView {
                confirmed: row.confirmed == Some(1),
                satisfaction: row.satisfaction.filter(|_| !merged),
                date: self.fmt_date(row.closed_at.unwrap_or(row.received_on)),
            }),
            can_reply: own_state.is_open(),
            can_confirm: own_state == State::Responded,
            can_reopen: own_state == State::Responded,
            can_withdraw: own_state.is_open(),
            id: own.id,
            state: row.state,
            category: own.category,
            area: own.area,
            department: row.department,
            outcome: row.outcome,
            messages,
            response,
            duplicate_of: own.duplicate_of,
        })
    }

    pub async fn reporter_message(&self, receipt: &str, body: &str) -> Result<()> {
        let text = bounded("body", body, BODY_MAX)?;
        let msg = Msg {
            kind: "message",
            internal: false,
            outcome: None,
            text,
        };
        self.reporter_step(
            receipt,
            Action::Message,
            "reporter_message",
            serde_json::json!({}),
            Some(msg),
            |_, _, _| {},
        )
        .await
    }

    pub async fn reporter_confirm(&self, receipt: &str, satisfaction: i64) -> Result<()> {
        if !(1..=5).contains(&satisfaction) {
            return Err(Error::field(
                "satisfaction",
                Problem::OutOfRange { min: 1, max: 5 },
            ));
        }
        let detail = serde_json::json!({ "satisfaction": satisfaction });
        self.reporter_step(
            receipt,
            Action::Confirm,
            "confirmed",
            detail,
            None,
            |row, _, day| {
                row.confirmed = Some(1);
                row.satisfaction = Some(satisfaction);
                row.closed_at = Some(day);
            },
        )
        .await
    }

    pub async fn reporter_reopen(&self, receipt: &str, reason: &str) -> Result<()> {
        let text = bounded("reason", reason, REASON_MAX)?;
        let rows = self.store().catalog().await?;
        let tree = department_tree(&rows);
        let msg = Msg {
            kind: "reopen",
            internal: false,
            outcome: None,
            text,
        };
        let day = self.reporter_time();
        let (mut tx, mut row) = self.reporter_tx(receipt).await?;
        let step = Step {
            action: Action::Reopen,
            kind: "reopened",
            detail: serde_json::json!({}),
            message: Some(msg),
        };
        self.step(&mut tx, &mut row, &Actor::Reporter, step, |row, _| {
            let respond_within = rows
                .categories
                .iter()
                .find(|c| c.code == row.category)
                .map_or(15 * 86_400, |c| c.respond_within);
            row.reopens += 1;
            row.outcome = None;
            row.responded_at = None;
            // Counted from the end of the reopen day: a deadline derived from the exact instant would
            // tell staff when the reporter acted.
            row.respond_due = Some(day + 86_400 + respond_within);
        })
        .await?;
        // A second reopen means the department's answers are not landing: the supervisors hear of it.
        // Recorded as the reporter's doing, with the reporter's day-granular time.
        if row.reopens == 2 {
            let step = escalation_step(&row, &tree, "second_reopen");
            self.step(&mut tx, &mut row, &Actor::Reporter, step, |row, _| {
                escalate(row, &tree)
            })
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn reporter_withdraw(&self, receipt: &str) -> Result<()> {
        self.reporter_step(
            receipt,
            Action::Withdraw,
            "withdrawn",
            serde_json::json!({}),
            None,
            |row, _, day| {
                row.closed_at = Some(day);
            },
        )
        .await
    }

    /// The write transaction for a reporter's action, with the row behind the receipt read inside it.
    async fn reporter_tx(&self, receipt: &str) -> Result<(Tx, ReportRow)> {
        let id = self.by_receipt(receipt).await?.id;
        let mut tx = self.store().begin().await?;
        let row = tx.report(&id).await?.ok_or(Error::InvalidReceipt)?;
        Ok((tx, row))
    }

    async fn reporter_step(
        &self,
        receipt: &str,
        action: Action,
        kind: &'static str,
        detail: serde_json::Value,
        message: Option<Msg>,
        mutate: impl FnOnce(&mut ReportRow, State, i64),
    ) -> Result<()> {
        let day = self.reporter_time();
        let (mut tx, mut row) = self.reporter_tx(receipt).await?;
        let step = Step {
            action,
            kind,
            detail,
            message,
        };
        self.step(&mut tx, &mut row, &Actor::Reporter, step, |row, to| {
            mutate(row, to, day)
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// `value` must be one of the active codes; the error names `field`.
fn pick<'a>(
    value: &str,
    field: &'static str,
    mut codes: impl Iterator<Item = &'a String>,
) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::field(field, Problem::Missing));
    }
    codes
        .find(|c| c.as_str() == value)
        .cloned()
        .ok_or_else(|| Error::field(field, Problem::Unknown))
}

pub(super) fn department_tree(rows: &CatalogRows) -> Tree {
    Tree::new(
        rows.departments
            .iter()
            .map(|d| (d.code.clone(), d.parent.clone())),
    )
}

fn route(rows: &CatalogRows, category: &str, area: &str, subject: Option<&str>) -> Result<Route> {
    let rules: Vec<Rule> = rows
        .rules
        .iter()
        .map(|r| Rule {
            category: r.category.clone(),
            area: r.area.clone(),
            department: r.department.clone(),
            priority: r.priority,
        })
        .collect();
    let areas = Tree::new(
        rows.areas
            .iter()
            .map(|a| (a.code.clone(), a.parent.clone())),
    );
    let departments = department_tree(rows);
    let triage = rows
        .triage
        .clone()
        .or_else(|| {
            rows.departments
                .iter()
                .find(|d| d.parent.is_none())
                .map(|d| d.code.clone())
        })
        .ok_or_else(|| {
            Error::internal(anyhow::anyhow!(
                "no organisation loaded: run `zhiyan org import`"
            ))
        })?;
    let router = Router {
        rules: &rules,
        areas: &areas,
        departments: &departments,
        triage: &triage,
    };
    router.route(category, area, subject).map_err(|e| match e {
        RouteError::SubjectIsRoot => Error::field("subject_department", Problem::Invalid),
    })
}

pub(super) fn catalog_view(rows: &CatalogRows) -> Catalog {
    let named = |r: &crate::store::NamedRow| Named {
        code: r.code.clone(),
        name: r.name.clone(),
        name_en: r.name_en.clone(),
        parent: r.parent.clone(),
    };
    Catalog {
        categories: rows
            .categories
            .iter()
            .filter(|c| c.retired == 0)
            .map(|c| Named {
                code: c.code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                parent: None,
            })
            .collect(),
        areas: rows
            .areas
            .iter()
            .filter(|a| a.retired == 0)
            .map(named)
            .collect(),
        departments: rows
            .departments
            .iter()
            .filter(|d| d.retired == 0)
            .map(named)
            .collect(),
    }
}
