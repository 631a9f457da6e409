//! The reporter's pages. The receipt never enters a URL or a cookie: every form posts it back in a
//! hidden field, and the answers are rendered directly (no redirect that could carry it).
use super::error::{localize, ErrorInfo};
use super::extract::PageForm;
use super::lang::Lang;
use super::pages::{names, render, with_depth};
use super::ratelimit::{limited, ClientAddr};
use super::AppState;
use crate::service::{Error as ServiceError, NewReportInput};
use crate::web::error::{Error, Result};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report/new", get(new_form))
        .route("/report", post(submit))
        .route("/follow", get(follow_form).post(follow))
        .route("/follow/{action}", post(action))
}

async fn new_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    form_page(&s, lang, &NewReportInput::default(), None).await
}

/// The submit form, refilled after an error so that nothing the reporter typed is lost.
async fn form_page(
    s: &AppState,
    lang: Lang,
    input: &NewReportInput,
    error: Option<&Error>,
) -> Result<Html<String>> {
    let catalog = s.service.catalog().await?;
    let info = error.map(ErrorInfo::from);
    let ctx = context! {
        catalog => context! {
            categories => catalog.categories,
            areas => with_depth(&catalog.areas),
            departments => with_depth(&catalog.departments),
        },
        form => context! {
            category => input.category,
            area => input.area,
            subject_department => input.subject_department.clone().unwrap_or_default(),
            title => input.title,
            body => input.body,
        },
        error => info.as_ref().map(|i| localize(s, lang, i)),
        error_field => info.as_ref().and_then(|i| i.field),
    };
    render(s, lang, "report_new.html", "/report/new", None, ctx)
}

#[derive(Deserialize)]
struct SubmitForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    subject_department: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn submit(
    State(s): State<AppState>,
    lang: Lang,
    PageForm(f): PageForm<SubmitForm>,
) -> Result<Response> {
    let input = NewReportInput {
        category: f.category,
        area: f.area,
        title: f.title,
        body: f.body,
        subject_department: Some(f.subject_department).filter(|d| !d.trim().is_empty()),
    };
    match s.service.submit(input.clone()).await.map_err(Error::from) {
        Ok(submitted) => Ok(render(
            &s,
            lang,
            "receipt.html",
            "/report/new",
            None,
            context! { submitted => submitted },
        )?
        .into_response()),
        Err(e @ Error::Service(ServiceError::Field(_))) => {
            let page = form_page(&s, lang, &input, Some(&e)).await?;
            Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn follow_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    render(
        &s,
        lang,
        "follow_enter.html",
        "/follow",
        None,
        context! { error => () },
    )
}

#[derive(Deserialize)]
struct ReceiptForm {
    #[serde(default)]
    receipt: String,
}

async fn follow(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    PageForm(f): PageForm<ReceiptForm>,
) -> Result<Response> {
    show(&s, lang, addr, &f.receipt, None).await
}

/// The report behind a receipt; a wrong receipt returns to the entry form with one uniform message.
async fn show(
    s: &AppState,
    lang: Lang,
    addr: ClientAddr,
    receipt: &str,
    notice: Option<&str>,
) -> Result<Response> {
    match limited(&s.limiter, addr, s.service.reporter_view(receipt)).await {
        Ok(report) => {
            let catalog = s.service.catalog().await?;
            let notice = notice.and_then(|k| s.templates.text(lang, k));
            let ctx = context! { report => report, receipt => receipt, names => names(&catalog), notice => notice, error => () };
            Ok(render(s, lang, "follow_show.html", "/follow", None, ctx)?.into_response())
        }
        Err(e @ (Error::Service(ServiceError::InvalidReceipt) | Error::RateLimited)) => {
            let message = localize(s, lang, &ErrorInfo::from(&e));
            let page = render(
                s,
                lang,
                "follow_enter.html",
                "/follow",
                None,
                context! { error => message },
            )?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    satisfaction: String,
}

/// Perform a reporter action, then show the report again with a notice (or the error).
async fn act(
    s: &AppState,
    lang: Lang,
    addr: ClientAddr,
    f: &ActionForm,
    result: Result<()>,
    notice: &str,
) -> Result<Response> {
    match result {
        Ok(()) => show(s, lang, addr, &f.receipt, Some(notice)).await,
        Err(Error::Service(ServiceError::InvalidReceipt) | Error::RateLimited) => {
            show(s, lang, addr, &f.receipt, None).await
        }
        Err(e) => {
            let view = s.service.reporter_view(&f.receipt).await?;
            let catalog = s.service.catalog().await?;
            let info = ErrorInfo::from(&e);
            let message = localize(s, lang, &info);
            let ctx = context! { report => view, receipt => f.receipt, names => names(&catalog), notice => (), error => message };
            let page = render(s, lang, "follow_show.html", "/follow", None, ctx)?;
            Ok((info.status, page).into_response())
        }
    }
}

/// `/follow/{action}`: one reporter action, then the report again with what happened.
async fn action(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Path(action): Path<String>,
    PageForm(f): PageForm<ActionForm>,
) -> Result<Response> {
    let service = &s.service;
    let (r, notice) = match action.as_str() {
        "message" => (
            limited(
                &s.limiter,
                addr,
                service.reporter_message(&f.receipt, &f.body),
            )
            .await,
            "notices.message_sent",
        ),
        "confirm" => {
            let satisfaction = f.satisfaction.trim().parse::<i64>().unwrap_or(0);
            let confirm = service.reporter_confirm(&f.receipt, satisfaction);
            (
                limited(&s.limiter, addr, confirm).await,
                "notices.confirmed",
            )
        }
        "reopen" => (
            limited(
                &s.limiter,
                addr,
                service.reporter_reopen(&f.receipt, &f.reason),
            )
            .await,
            "notices.reopened",
        ),
        "withdraw" => (
            limited(&s.limiter, addr, service.reporter_withdraw(&f.receipt)).await,
            "notices.withdrawn",
        ),
        _ => return Err(Error::NOT_FOUND),
    };
    act(&s, lang, addr, &f, r, notice).await
}
