//! The supervisor's actions on the item page. Every action answers with the item page again, showing
//! what happened.
use super::commands::{Assign, DuplicatePage, RejectPage, TransferDecision};
use crate::service::Role;
use crate::web::error::Result;
use crate::web::extract::Path;
use crate::web::extract::{Once, StaffForm};
use crate::web::lang::Lang;
use crate::web::render::Notice;
use crate::web::staff::audience::Oversight;
use crate::web::staff::commands::Message;
use crate::web::staff::item::{after, confirm_page};
use crate::web::AppState;
use axum::extract::State;
use axum::response::Response;

pub async fn assign(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, a)): Once<StaffForm<Assign>>,
) -> Result<Response> {
    let r = token
        .once(&s, s.service.assign(&u, &id, &a.department))
        .await?;
    after::<Oversight>(&s, lang, &u, &id, r, Notice::Assigned).await
}

pub async fn decide(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, d)): Once<StaffForm<TransferDecision>>,
) -> Result<Response> {
    let r = token
        .once(&s, s.service.decide_transfer(&u, &id, &d))
        .await?;
    after::<Oversight>(&s, lang, &u, &id, r, Notice::TransferDecided).await
}

pub async fn duplicate(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, d)): Once<StaffForm<DuplicatePage>>,
) -> Result<Response> {
    if !d.confirmed {
        let fields = [("of", d.of.as_str())];
        return confirm_page::<Oversight>(&s, lang, &u, &id, "duplicate", &fields).await;
    }
    let r = token
        .once(&s, s.service.mark_duplicate(&u, &id, &d.of))
        .await?;
    after::<Oversight>(&s, lang, &u, &id, r, Notice::MarkedDuplicate).await
}

pub async fn reject(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, r)): Once<StaffForm<RejectPage>>,
) -> Result<Response> {
    if !r.confirmed {
        let fields = [("reason", r.reason.as_str())];
        return confirm_page::<Oversight>(&s, lang, &u, &id, "reject", &fields).await;
    }
    let result = token.once(&s, s.service.reject(&u, &id, &r.reason)).await?;
    after::<Oversight>(&s, lang, &u, &id, result, Notice::Rejected).await
}

pub async fn message(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    Once(token, StaffForm(u, m)): Once<StaffForm<Message>>,
) -> Result<Response> {
    let r = token
        .once(
            &s,
            s.service.staff_message(&u, Role::Supervisor, &id, &m.body),
        )
        .await?;
    after::<Oversight>(&s, lang, &u, &id, r, Notice::MessageSent).await
}
