//! Desk pages: sign-in, the department's inbox, one item and its actions.
use super::error::{localize, ErrorInfo};
use super::extract::{same_origin, session_token, PageForm, PageStaff, StaffForm, SESSION_COOKIE};
use super::lang::Lang;
use super::pages::{names, render, with_depth};
use super::ratelimit::{limited, ClientAddr};
use super::AppState;
use crate::domain::{Outcome, State as ItemState};
use crate::service::{Error as ServiceError, ItemQuery, Role, StaffUser};
use crate::web::error::{Error, Result};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(login_form).post(login))
        .route("/staff/logout", post(logout))
        .route("/desk", get(inbox))
        .route("/desk/items/{id}", get(item))
        .route("/desk/items/{id}/acknowledge", post(acknowledge))
        .route("/desk/items/{id}/messages", post(message))
        .route("/desk/items/{id}/respond", post(respond))
        .route("/desk/items/{id}/transfer", post(transfer))
}

async fn login_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    render(
        &s,
        lang,
        "login.html",
        "/staff/login",
        None,
        context! { error => (), username => "" },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response> {
    match limited(&s.limiter, addr, s.service.login(&f.username, &f.password)).await {
        Ok(login) => {
            let home = if login.role == Role::Supervisor {
                "/oversight"
            } else {
                "/desk"
            };
            let secure = if s.secure_cookies { "; Secure" } else { "" };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
                login.token
            );
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&format!("{home}{}", lang.query())),
            )
                .into_response())
        }
        Err(e @ (Error::Service(ServiceError::InvalidCredentials) | Error::RateLimited)) => {
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            let page = render(
                &s,
                lang,
                "login.html",
                "/staff/login",
                None,
                context! { error => message, username => f.username },
            )?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(State(s): State<AppState>, lang: Lang, headers: HeaderMap) -> Result<Response> {
    if !same_origin(&headers) {
        return Err(Error::CsrfFailed);
    }
    if let Some(token) = session_token(&headers) {
        s.service.logout(&token).await?;
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&format!("/{}", lang.query())),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    overdue: String,
}

impl ListQuery {
    pub(super) fn item_query(&self) -> ItemQuery {
        ItemQuery {
            state: Some(self.state.clone()).filter(|s| !s.is_empty()),
            overdue: Some(self.overdue == "true"),
            limit: None,
        }
    }
}

async fn inbox(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    q: std::result::Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    if u.role == Role::Supervisor {
        return Ok(Redirect::to(&format!("/oversight{}", lang.query())).into_response());
    }
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let items = s.service.desk_items(&u, &q.item_query()).await?;
    list_page(&s, lang, &u, "desk_inbox.html", "/desk", items, &q).await
}

pub(super) async fn list_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    template: &str,
    path: &str,
    items: Vec<crate::service::ItemSummary>,
    q: &ListQuery,
) -> Result<Response> {
    let catalog = s.service.catalog().await?;
    let states: Vec<&str> = ItemState::ALL.iter().map(|s| s.as_str()).collect();
    let ctx = context! {
        items => items,
        filter => context! { state => q.state, overdue => q.overdue == "true" },
        states => states,
        names => names(&catalog),
        notice => (),
    };
    Ok(render(s, lang, template, path, Some(u), ctx)?.into_response())
}

async fn item(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    Path(id): Path<String>,
) -> Result<Html<String>> {
    item_page(&s, lang, &u, Role::Desk, &id, None, None).await
}

/// Where an audience's pages live: desks under /desk, supervisors under /oversight.
fn base_path(audience: Role) -> &'static str {
    match audience {
        Role::Supervisor => "/oversight",
        _ => "/desk",
    }
}

/// One item with the forms its state allows, and what just happened: `notice` (a catalog key) or `error`.
pub(super) async fn item_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    audience: Role,
    id: &str,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Html<String>> {
    let base = base_path(audience);
    let detail = s.service.item(u, audience, id).await?;
    let catalog = s.service.catalog().await?;
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let ctx = context! {
        item => detail,
        base => base,
        departments => with_depth(&catalog.departments),
        outcomes => outcomes,
        names => names(&catalog),
        notice => notice.and_then(|k| s.templates.text(lang, k)),
        error => error,
    };
    render(
        s,
        lang,
        "item.html",
        &format!("{base}/items/{id}"),
        Some(u),
        ctx,
    )
}

/// After an action: the item again with a notice, or with the error above its forms.
pub(super) async fn after(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    audience: Role,
    id: &str,
    r: crate::service::Result<()>,
    notice: &str,
) -> Result<Response> {
    match r.map_err(Error::from) {
        Ok(()) => Ok(item_page(s, lang, u, audience, id, Some(notice), None)
            .await?
            .into_response()),
        Err(
            e @ Error::Service(
                ServiceError::Field(_)
                | ServiceError::InvalidTransition(_)
                | ServiceError::Conflict,
            ),
        ) => {
            let info = ErrorInfo::from(&e);
            let page = item_page(
                s,
                lang,
                u,
                audience,
                id,
                None,
                Some(localize(s, lang, &info)),
            )
            .await?;
            Ok((info.status, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn acknowledge(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, _): StaffForm<Empty>,
) -> Result<Response> {
    let r = s.service.acknowledge(&u, &id).await;
    after(&s, lang, &u, Role::Desk, &id, r, "notices.acknowledged").await
}

#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    body: String,
}

async fn message(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<BodyForm>,
) -> Result<Response> {
    let r = s.service.staff_message(&u, &id, &f.body).await;
    after(&s, lang, &u, Role::Desk, &id, r, "notices.message_sent").await
}

#[derive(Deserialize)]
struct RespondForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    body: String,
}

async fn respond(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<RespondForm>,
) -> Result<Response> {
    let r = s.service.respond(&u, &id, &f.outcome, &f.body).await;
    after(&s, lang, &u, Role::Desk, &id, r, "notices.responded").await
}

#[derive(Deserialize)]
struct TransferForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    suggested_department: String,
}

async fn transfer(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, f): StaffForm<TransferForm>,
) -> Result<Response> {
    let r = s
        .service
        .request_transfer(&u, &id, &f.reason, Some(f.suggested_department.as_str()))
        .await;
    after(
        &s,
        lang,
        &u,
        Role::Desk,
        &id,
        r,
        "notices.transfer_requested",
    )
    .await
}
