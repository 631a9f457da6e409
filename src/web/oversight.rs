//! Supervisor pages: triage, transfer requests and reassignment within the supervisor's subtree.
use super::desk::{after, item_page, list_page, ListQuery};
use super::extract::{PageStaff, StaffForm};
use super::lang::Lang;
use super::AppState;
use crate::error::Result;
use crate::service::TransferDecision;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oversight", get(list))
        .route("/oversight/items/{id}", get(item))
        .route("/oversight/items/{id}/assign", post(assign))
        .route("/oversight/items/{id}/transfer-decision", post(decide))
}

async fn list(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    q: std::result::Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let items = s.service.oversight_items(&u, &q.item_query()).await?;
    list_page(&s, lang, &u, "oversight_list.html", "/oversight", items, &q).await
}

async fn item(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    Path(id): Path<String>,
) -> Result<Html<String>> {
    item_page(&s, lang, &u, "/oversight", &id, None, None).await
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
    after(&s, lang, &u, "/oversight", &id, r, "notices.assigned").await
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
        "/oversight",
        &id,
        r,
        "notices.transfer_decided",
    )
    .await
}
