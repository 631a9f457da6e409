//! Supervisor pages: triage, transfer requests and reassignment within the supervisor's subtree.
use super::charts::{horizontal_bars, Bar};
use super::desk::{after, item_page, list_page, ListQuery};
use super::extract::{PageStaff, StaffForm};
use super::lang::Lang;
use super::pages::{local_name, names, render};
use super::AppState;
use crate::service::{ItemQuery, Role, TransferDecision};
use crate::web::error::Result;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::{Html, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oversight", get(board))
        .route("/oversight/items", get(list))
        .route("/oversight/items/{id}", get(item))
        .route("/oversight/items/{id}/assign", post(assign))
        .route("/oversight/items/{id}/transfer-decision", post(decide))
        .route("/oversight/items/{id}/duplicate", post(duplicate))
        .route("/oversight/items/{id}/reject", post(reject))
}

/// How many late items the board lists; the full list is one click away.
const BOARD_OVERDUE: usize = 50;

async fn board(State(s): State<AppState>, lang: Lang, PageStaff(u): PageStaff) -> Result<Response> {
    let board = s.service.board(&u).await?;
    // The most late only: the board's own count says how many there are in all.
    let overdue_q = ItemQuery {
        state: None,
        overdue: Some(true),
        limit: Some(BOARD_OVERDUE as i64),
    };
    let overdue = s.service.oversight_items(&u, &overdue_q).await?;
    let catalog = s.service.catalog().await?;
    let names = names(&catalog);
    let label = |code: &str| {
        catalog
            .departments
            .iter()
            .find(|d| d.code == code)
            .map_or(code.to_string(), |d| local_name(lang, &d.name, &d.name_en))
    };
    let t = |k: &str| s.templates.text(lang, k).unwrap_or_default();
    let bars: Vec<Bar> = board
        .departments
        .iter()
        .map(|r| Bar {
            label: label(&r.department),
            values: [r.hours_to_respond.median, r.hours_to_respond.p90]
                .map(|h| h.map(|h| h as f64)),
        })
        .collect();
    let unit = t("board.hours_unit");
    let chart = horizontal_bars(
        &t("board.chart_respond"),
        [&t("board.median"), &t("board.p90")],
        &bars,
        None,
        |v| format!("{v:.0} {unit}"),
    );
    let ctx = context! {
        board => board,
        overdue => overdue,
        overdue_total => board.total.overdue,
        overdue_shown => BOARD_OVERDUE,
        chart => chart,
        names => names,
        notice => (),
    };
    Ok(render(
        &s,
        lang,
        "oversight_board.html",
        "/oversight",
        Some(&u),
        ctx,
    )?
    .into_response())
}

async fn list(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    q: std::result::Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let items = s.service.oversight_items(&u, &q.item_query()).await?;
    list_page(
        &s,
        lang,
        &u,
        "oversight_list.html",
        "/oversight/items",
        items,
        &q,
    )
    .await
}

async fn item(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    Path(id): Path<String>,
) -> Result<Html<String>> {
    item_page(&s, lang, &u, Role::Supervisor, &id, None, None).await
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    department: String,
}

async fn assign(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<AssignForm>,
) -> Result<Response> {
    let r = s.service.assign(&u, &id, &f.department).await;
    after(&s, lang, &u, Role::Supervisor, &id, r, "notices.assigned").await
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    department: String,
}

async fn decide(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<DecisionForm>,
) -> Result<Response> {
    let d = TransferDecision {
        approve: f.approve == "true",
        department: Some(f.department).filter(|d| !d.is_empty()),
    };
    let r = s.service.decide_transfer(&u, &id, &d).await;
    after(
        &s,
        lang,
        &u,
        Role::Supervisor,
        &id,
        r,
        "notices.transfer_decided",
    )
    .await
}

#[derive(Deserialize)]
struct DuplicateForm {
    #[serde(default)]
    of: String,
}

async fn duplicate(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<DuplicateForm>,
) -> Result<Response> {
    let r = s.service.mark_duplicate(&u, &id, &f.of).await;
    after(
        &s,
        lang,
        &u,
        Role::Supervisor,
        &id,
        r,
        "notices.marked_duplicate",
    )
    .await
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<RejectForm>,
) -> Result<Response> {
    let r = s.service.reject(&u, &id, &f.reason).await;
    after(&s, lang, &u, Role::Supervisor, &id, r, "notices.rejected").await
}
