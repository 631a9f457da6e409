//! Following a report up on the pages. The receipt never enters a URL or a cookie: every form posts it
//! back in a hidden field, and each answer is rendered directly (no redirect that could carry it).
use super::commands::{Confirm, Reopen, Reply, Retaliation, RetaliationAction, Withdraw};
use crate::service::Error as ServiceError;
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::Path;
use crate::web::extract::{Done, NoFields, Once, ReceiptForm, ReceiptUpload};
use crate::web::lang::Lang;
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::render::{names, render, Notice};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

pub async fn enter(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    render(
        &s,
        lang,
        "reporter/follow_enter.html",
        "/follow",
        None,
        context! { error => () },
    )
}

pub async fn show(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    ReceiptForm(receipt, NoFields {}): ReceiptForm<NoFields>,
) -> Result<Response> {
    report_page(&s, lang, addr, &receipt, None).await
}

/// The report behind a receipt; a wrong receipt returns to the entry form with one uniform message.
async fn report_page(
    s: &AppState,
    lang: Lang,
    addr: ClientAddr,
    receipt: &str,
    notice: Option<Notice>,
) -> Result<Response> {
    match limited(&s.limiter, addr, s.service.reporter_view(receipt)).await {
        Ok(report) => {
            let catalog = s.service.catalog().await?;
            let notice = notice.and_then(|n| s.templates.text(lang, n.key()));
            let ctx = context! { report => report, receipt => receipt, names => names(&catalog), notice => notice, error => () };
            Ok(render(s, lang, "reporter/follow_show.html", "/follow", None, ctx)?.into_response())
        }
        Err(e @ (Error::Service(ServiceError::InvalidReceipt) | Error::RateLimited { .. })) => {
            let message = localize(s, lang, &ErrorInfo::from(&e));
            let page = render(
                s,
                lang,
                "reporter/follow_enter.html",
                "/follow",
                None,
                context! { error => message },
            )?;
            Ok(e.page(page))
        }
        Err(e) => Err(e),
    }
}

/// After an action: the report again with `notice`, or with the error above its forms.
async fn after(
    s: &AppState,
    lang: Lang,
    addr: ClientAddr,
    receipt: &str,
    done: Done<Result<()>>,
    notice: Notice,
) -> Result<Response> {
    let (result, notice) = match done {
        Done::First(r) => (r, notice),
        Done::Again => (Ok(()), Notice::AlreadyDone),
    };
    match result {
        Ok(()) => report_page(s, lang, addr, receipt, Some(notice)).await,
        Err(Error::Service(ServiceError::InvalidReceipt) | Error::RateLimited { .. }) => {
            report_page(s, lang, addr, receipt, None).await
        }
        Err(e) => {
            let view = s.service.reporter_view(receipt).await?;
            let catalog = s.service.catalog().await?;
            let info = ErrorInfo::from(&e);
            let message = localize(s, lang, &info);
            let ctx = context! { report => view, receipt => receipt, names => names(&catalog), notice => (), error => message };
            let page = render(s, lang, "reporter/follow_show.html", "/follow", None, ctx)?;
            Ok((info.status, page).into_response())
        }
    }
}

pub async fn reply(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Once(token, ReceiptUpload(receipt, r, files)): Once<ReceiptUpload<Reply>>,
) -> Result<Response> {
    let sent = s
        .service
        .reporter_message_with_files(&receipt, &r.body, files);
    let result = token.once(&s, limited(&s.limiter, addr, sent)).await?;
    after(&s, lang, addr, &receipt, result, Notice::MessageSent).await
}

pub async fn confirm(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Once(token, ReceiptForm(receipt, c)): Once<ReceiptForm<Confirm>>,
) -> Result<Response> {
    let confirmed = s.service.reporter_confirm(&receipt, c.satisfaction);
    let result = token.once(&s, limited(&s.limiter, addr, confirmed)).await?;
    after(&s, lang, addr, &receipt, result, Notice::Confirmed).await
}

pub async fn reopen(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Once(token, ReceiptForm(receipt, r)): Once<ReceiptForm<Reopen>>,
) -> Result<Response> {
    let reopened = s.service.reporter_reopen(&receipt, &r.reason);
    let result = token.once(&s, limited(&s.limiter, addr, reopened)).await?;
    after(&s, lang, addr, &receipt, result, Notice::Reopened).await
}

pub async fn withdraw(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Once(token, ReceiptForm(receipt, w)): Once<ReceiptForm<Withdraw>>,
) -> Result<Response> {
    if !w.confirmed {
        return withdraw_question(&s, lang, addr, &receipt).await;
    }
    let withdrawn = s.service.reporter_withdraw(&receipt);
    let result = token.once(&s, limited(&s.limiter, addr, withdrawn)).await?;
    after(&s, lang, addr, &receipt, result, Notice::Withdrawn).await
}

/// Before withdrawing: what it means, and the button that does it (or the way back to the report).
async fn withdraw_question(
    s: &AppState,
    lang: Lang,
    addr: ClientAddr,
    receipt: &str,
) -> Result<Response> {
    match limited(&s.limiter, addr, s.service.reporter_view(receipt)).await {
        Ok(report) => {
            let ctx = context! { report => report, receipt => receipt };
            Ok(render(
                s,
                lang,
                "reporter/withdraw_confirm.html",
                "/follow",
                None,
                ctx,
            )?
            .into_response())
        }
        Err(_) => report_page(s, lang, addr, receipt, None).await,
    }
}

/// "I have suffered retaliation": a new retaliation report, for the body outside the report's chain.
pub async fn retaliation(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Once(token, ReceiptForm(receipt, r)): Once<ReceiptForm<Retaliation>>,
) -> Result<Response> {
    let made = s.service.report_retaliation(&receipt, &r.body);
    let made = async { limited(&s.limiter, addr, made).await.map(|_| ()) };
    let result = token.once(&s, made).await?;
    after(
        &s,
        lang,
        addr,
        &receipt,
        result,
        Notice::RetaliationReported,
    )
    .await
}

/// Reply, confirm, reopen or withdraw on one of the receipt's retaliation reports (`item`).
pub async fn retaliation_action(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    Path(action): Path<String>,
    Once(token, ReceiptForm(receipt, a)): Once<ReceiptForm<RetaliationAction>>,
) -> Result<Response> {
    let notice = match action.as_str() {
        "messages" => Notice::MessageSent,
        "confirm" => Notice::Confirmed,
        "reopen" => Notice::Reopened,
        "withdraw" => Notice::Withdrawn,
        _ => return Err(Error::NOT_FOUND),
    };
    let acted = s
        .service
        .retaliation_act(&receipt, &a.item, &action, a.input());
    let result = token.once(&s, limited(&s.limiter, addr, acted)).await?;
    after(&s, lang, addr, &receipt, result, notice).await
}

/// Any other `/follow/…` post: the not-found page, after the same checks as the real actions (origin,
/// a form body), as when all of them shared one route.
pub async fn unknown(ReceiptForm(_, NoFields {}): ReceiptForm<NoFields>) -> Error {
    Error::NOT_FOUND
}
