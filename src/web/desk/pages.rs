//! The desk's pages. Every action answers with the item page again, showing what happened.
use super::commands::{Respond, Transfer};
use crate::service::Role;
use crate::web::error::Result;
use crate::web::extract::{NoFields, Once, PageStaff, StaffForm};
use crate::web::extract::{Path, Query};
use crate::web::lang::Lang;
use crate::web::render::Notice;
use crate::web::staff::audience::Desk;
use crate::web::staff::commands::Message;
use crate::web::staff::item::after;
use crate::web::staff::list::{self, ListQuery};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

/// The inbox; a supervisor who lands here is sent to the board.
pub async fn inbox(
    state: State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    q: Query<ListQuery>,
) -> Result<Response> {
    if u.role == Role::Supervisor {
        return Ok(Redirect::to(&format!("/oversight{}", lang.query())).into_response());
    }
    list::page::<Desk>(state, lang, PageStaff(u), q).await
}

pub async fn acknowledge(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, NoFields {})): Once<StaffForm<NoFields>>,
) -> Result<Response> {
    let r = token.once(&s, s.service.acknowledge(&u, &id)).await?;
    after::<Desk>(&s, lang, &u, &id, r, Notice::Acknowledged).await
}

pub async fn message(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, m)): Once<StaffForm<Message>>,
) -> Result<Response> {
    let r = token
        .once(&s, s.service.staff_message(&u, Role::Desk, &id, &m.body))
        .await?;
    after::<Desk>(&s, lang, &u, &id, r, Notice::MessageSent).await
}

pub async fn respond(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, r)): Once<StaffForm<Respond>>,
) -> Result<Response> {
    let result = token
        .once(&s, s.service.respond(&u, &id, &r.outcome, &r.body))
        .await?;
    after::<Desk>(&s, lang, &u, &id, result, Notice::Responded).await
}

pub async fn transfer(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, t)): Once<StaffForm<Transfer>>,
) -> Result<Response> {
    let suggested = t.suggested_department.as_deref();
    let r = token
        .once(
            &s,
            s.service.request_transfer(&u, &id, &t.reason, suggested),
        )
        .await?;
    after::<Desk>(&s, lang, &u, &id, r, Notice::TransferRequested).await
}
