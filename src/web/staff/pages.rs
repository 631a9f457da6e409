//! The sign-in page and signing out.
use super::commands::SignIn;
use super::{cookies, home};
use crate::service::{Error as ServiceError, SessionKind, SignIn as Credentials};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{
    cookie, session_token, EnrolmentForm, NoFields, PageForm, Query, DEVICE_COOKIE,
};
use crate::web::lang::Lang;
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::render::render;
use crate::web::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

/// Where to go after signing in (`?next=`): a page of this site, by its path, and nothing else.
#[derive(Deserialize, Default)]
pub struct Next {
    #[serde(default)]
    next: String,
}

impl Next {
    /// The path, when it is a same-site relative one ("/desk/items/R-…?lang=en"): not "//host",
    /// not a scheme, no backslash or control characters.
    fn path(&self) -> Option<&str> {
        let p = self.next.as_str();
        let relative = p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\");
        let clean = !p.contains('\\') && !p.chars().any(char::is_control);
        (relative && clean && p.len() <= 2000).then_some(p)
    }
}

fn login_page(
    s: &AppState,
    lang: Lang,
    error: Option<String>,
    username: &str,
    next: &Next,
) -> Result<Html<String>> {
    let next = next.path();
    let ctx = context! {
        error => error,
        username => username,
        totp_required => s.service.totp_required(),
        signed_out => next.is_some(),
        next_q => next.map(|n| format!("&next={}", super::urlencode(n))).unwrap_or_default(),
    };
    render(s, lang, "staff/login.html", "/staff/login", None, ctx)
}

pub async fn login_form(
    State(s): State<AppState>,
    lang: Lang,
    next: Query<Next>,
) -> Result<Html<String>> {
    let Query(next) = next;
    let next = next.unwrap_or_default();
    login_page(&s, lang, None, "", &next)
}

pub async fn login(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    headers: HeaderMap,
    next: Query<Next>,
    PageForm(f): PageForm<SignIn>,
) -> Result<Response> {
    let Query(next) = next;
    let next = next.unwrap_or_default();
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
            let to = match (login.enrolment, next.path()) {
                (true, _) => format!("/staff/account/totp{}", lang.query()),
                (false, Some(page)) => page.to_string(),
                (false, None) => format!("{}{}", home(login.role), lang.query()),
            };
            let mut resp = Redirect::to(&to).into_response();
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
            let page = login_page(&s, lang, Some(message), &f.username, &next)?;
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
