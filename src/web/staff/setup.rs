//! Setting up an account with a setup code, in the browser: enter the code; see the account, scan
//! the QR code, choose a password and type the first code; keep the recovery codes.
use super::account::recovery_page;
use super::commands::{CompleteSetup, SetupCode};
use super::{cookies, home};
use crate::service::{Error as ServiceError, SessionKind, SetupFinish};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::PageForm;
use crate::web::lang::Lang;
use crate::web::qr;
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::render::{names, render};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use secrecy::ExposeSecret;

const PATH: &str = "/staff/setup";

fn enter_page(s: &AppState, lang: Lang, error: Option<String>) -> Result<Html<String>> {
    render(
        s,
        lang,
        "staff/setup_enter.html",
        PATH,
        None,
        context! { error => error },
    )
}

pub async fn enter(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    enter_page(&s, lang, None)
}

/// The setup form for a valid code (the same secret on every showing until it is confirmed).
async fn setup_page(
    s: &AppState,
    lang: Lang,
    addr: ClientAddr,
    code: &str,
    error: Option<String>,
) -> Result<Response> {
    match limited(&s.limiter, addr, s.service.setup_start(code)).await {
        Ok(start) => {
            let catalog = s.service.catalog().await?;
            let ctx = context! {
                qr => qr::svg(&start.enrolment.otpauth_url),
                setup => start,
                code => code,
                names => names(&catalog),
                error => error,
            };
            Ok(render(s, lang, "staff/setup.html", PATH, None, ctx)?.into_response())
        }
        Err(e @ (Error::Service(ServiceError::InvalidSetupCode) | Error::RateLimited { .. })) => {
            let message = localize(s, lang, &ErrorInfo::from(&e));
            Ok(e.page(enter_page(s, lang, Some(message))?))
        }
        Err(e) => Err(e),
    }
}

pub async fn start(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    PageForm(c): PageForm<SetupCode>,
) -> Result<Response> {
    setup_page(&s, lang, addr, &c.code, None).await
}

pub async fn complete(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    PageForm(c): PageForm<CompleteSetup>,
) -> Result<Response> {
    let finish = SetupFinish {
        code: &c.code,
        password: &c.password,
        password_confirm: Some(c.password_confirm.as_deref().unwrap_or_default()),
        totp: c.totp.as_deref(),
        kind: SessionKind::Page,
    };
    match limited(&s.limiter, addr, s.service.setup_finish(finish)).await {
        Ok(done) => {
            let user = s.service.session(done.login.token.expose_secret()).await?;
            let next = home(done.login.role);
            let mut resp = if done.recovery_codes.is_empty() {
                axum::response::Redirect::to(&format!("{next}{}", lang.query())).into_response()
            } else {
                recovery_page(&s, lang, &user, &done.recovery_codes, next)?.into_response()
            };
            cookies::signed_in(&s, &mut resp, &done.login);
            Ok(resp)
        }
        Err(e @ Error::Service(ServiceError::Field(_))) => {
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            let mut resp = setup_page(&s, lang, addr, &c.code, Some(message)).await?;
            if resp.status().is_success() {
                *resp.status_mut() = e.status();
            }
            Ok(resp)
        }
        Err(e @ (Error::Service(ServiceError::InvalidSetupCode) | Error::RateLimited { .. })) => {
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            Ok(e.page(enter_page(&s, lang, Some(message))?))
        }
        Err(e) => Err(e),
    }
}
