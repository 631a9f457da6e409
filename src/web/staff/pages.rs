//! The sign-in page and signing out.
use super::commands::SignIn;
use super::{cookies, home};
use crate::service::{Error as ServiceError, SessionKind, SignIn as Credentials};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{
    cookie, session_token, EnrolmentForm, NoFields, PageForm, DEVICE_COOKIE,
};
use crate::web::lang::Lang;
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::render::render;
use crate::web::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;

fn login_page(
    s: &AppState,
    lang: Lang,
    error: Option<String>,
    username: &str,
) -> Result<Html<String>> {
    let ctx = context! {
        error => error,
        username => username,
        totp_required => s.service.totp_required(),
    };
    render(s, lang, "staff/login.html", "/staff/login", None, ctx)
}

pub async fn login_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    login_page(&s, lang, None, "")
}

pub async fn login(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    headers: HeaderMap,
    PageForm(f): PageForm<SignIn>,
) -> Result<Response> {
    let device = cookie(&headers, DEVICE_COOKIE);
    let credentials = Credentials {
        username: &f.username,
        password: &f.password,
        totp: f.totp.as_deref(),
        device: device.as_deref(),
        kind: SessionKind::Page,
    };
    match limited(&s.limiter, addr, s.service.login(credentials)).await {
        Ok(login) => {
            let next = if login.enrolment {
                "/staff/account/totp"
            } else {
                home(login.role)
            };
            let mut resp = Redirect::to(&format!("{next}{}", lang.query())).into_response();
            cookies::signed_in(&s, &mut resp, &login);
            Ok(resp)
        }
        Err(
            e @ (Error::Service(
                ServiceError::InvalidCredentials
                | ServiceError::TotpRequired
                | ServiceError::TotpReused
                | ServiceError::TooManyAttempts { .. },
            )
            | Error::RateLimited { .. }),
        ) => {
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            let page = login_page(&s, lang, Some(message), &f.username)?;
            Ok(e.page(page))
        }
        Err(e) => Err(e),
    }
}

/// `POST /staff/logout`: a staff form like any other (signed in, even half-way; same origin; the
/// session's CSRF token), so another site cannot sign anyone out.
pub async fn logout(
    State(s): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    EnrolmentForm(_, NoFields {}): EnrolmentForm<NoFields>,
) -> Result<Response> {
    if let Some(token) = session_token(&headers) {
        s.service.logout(&token).await?;
    }
    let mut resp = Redirect::to(&format!("/{}", lang.query())).into_response();
    cookies::signed_out(&s, &mut resp);
    Ok(resp)
}
