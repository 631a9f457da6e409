//! The administrators' account pages: the list with the form to create an account, one account
//! with what can be done to it, and the page that shows a new setup code once.
use super::commands::{NewAccount, Placement};
use crate::service::{Error as ServiceError, Role, SetupCodeIssued, StaffUser};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::Path;
use crate::web::extract::{NoFields, PageStaff, StaffForm};
use crate::web::lang::Lang;
use crate::web::render::{names, render, with_depth};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{context, Value};

/// Administration events listed on the accounts page.
const EVENTS_SHOWN: i64 = 30;

const HOME: &str = "/admin";

/// What every admin page needs to name departments and roles.
async fn shared(s: &AppState) -> Result<Value> {
    let catalog = s.service.catalog().await?;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    Ok(context! {
        names => names(&catalog),
        departments => with_depth(&catalog.departments),
        roles => roles,
    })
}

/// Input problems are shown above the form they came from; anything else is the error page.
fn on_form(e: &Error) -> bool {
    matches!(
        e,
        Error::Service(ServiceError::Field(_) | ServiceError::LastAdmin)
    )
}

fn message(s: &AppState, lang: Lang, e: &Error) -> String {
    localize(s, lang, &ErrorInfo::from(e))
}

async fn accounts_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    error: Option<String>,
    form: Option<&NewAccount>,
) -> Result<Html<String>> {
    let ctx = context! {
        accounts => s.service.accounts(u).await?,
        events => s.service.administration_events(u, EVENTS_SHOWN).await?,
        error => error,
        form => form.map(|f| context! { username => f.username, role => f.role, department => f.department }),
        ..shared(s).await?
    };
    render(s, lang, "admin/accounts.html", HOME, Some(u), ctx)
}

pub async fn accounts(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
) -> Result<Html<String>> {
    accounts_page(&s, lang, &u, None, None).await
}

fn setup_code_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    issued: &SetupCodeIssued,
    reset: bool,
) -> Result<Response> {
    let ctx = context! {
        issued => issued,
        reset => reset,
        setup_url => format!("{}/staff/setup", s.deployment.public_origin.clone().unwrap_or_default()),
    };
    Ok(render(s, lang, "admin/setup_code.html", HOME, Some(u), ctx)?.into_response())
}

pub async fn create(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<NewAccount>,
) -> Result<Response> {
    let created = s
        .service
        .create_account(&u, &c.username, &c.role, c.department.as_deref())
        .await
        .map_err(Error::from);
    match created {
        Ok(issued) => setup_code_page(&s, lang, &u, &issued, false),
        Err(e) if on_form(&e) => {
            let m = message(&s, lang, &e);
            Ok(e.page(accounts_page(&s, lang, &u, Some(m), Some(&c)).await?))
        }
        Err(e) => Err(e),
    }
}

async fn account_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    username: &str,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Html<String>> {
    let account = s.service.account(u, username).await?;
    let notice = notice.and_then(|k| s.templates.text(lang, k));
    let path = format!("{HOME}/accounts/{}", account.username);
    let ctx = context! {
        account => account,
        notice => notice,
        error => error,
        ..shared(s).await?
    };
    render(s, lang, "admin/account.html", &path, Some(u), ctx)
}

pub async fn account(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    Path(username): Path<String>,
) -> Result<Html<String>> {
    account_page(&s, lang, &u, &username, None, None).await
}

/// The account again, with the notice of what was done or the error above its forms.
async fn after(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    username: &str,
    r: crate::service::Result<()>,
    notice: &str,
) -> Result<Response> {
    match r.map_err(Error::from) {
        Ok(()) => Ok(account_page(s, lang, u, username, Some(notice), None)
            .await?
            .into_response()),
        Err(e) if on_form(&e) => {
            let m = message(s, lang, &e);
            Ok(e.page(account_page(s, lang, u, username, None, Some(m)).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn disable(
    State(s): State<AppState>,
    lang: Lang,
    Path(username): Path<String>,
    StaffForm(u, NoFields {}): StaffForm<NoFields>,
) -> Result<Response> {
    let r = s.service.set_account_enabled(&u, &username, false).await;
    after(&s, lang, &u, &username, r, "admin.notice_disabled").await
}

pub async fn enable(
    State(s): State<AppState>,
    lang: Lang,
    Path(username): Path<String>,
    StaffForm(u, NoFields {}): StaffForm<NoFields>,
) -> Result<Response> {
    let r = s.service.set_account_enabled(&u, &username, true).await;
    after(&s, lang, &u, &username, r, "admin.notice_enabled").await
}

pub async fn place(
    State(s): State<AppState>,
    lang: Lang,
    Path(username): Path<String>,
    StaffForm(u, c): StaffForm<Placement>,
) -> Result<Response> {
    let r = s
        .service
        .place_account(&u, &username, &c.role, c.department.as_deref())
        .await;
    after(&s, lang, &u, &username, r, "admin.notice_placed").await
}

pub async fn reset(
    State(s): State<AppState>,
    lang: Lang,
    Path(username): Path<String>,
    StaffForm(u, NoFields {}): StaffForm<NoFields>,
) -> Result<Response> {
    let issued = s.service.reset_account(&u, &username).await?;
    setup_code_page(&s, lang, &u, &issued, true)
}
