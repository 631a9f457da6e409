//! The sign-in page and signing out.
use super::commands::SignIn;
use crate::service::{Error as ServiceError, Role};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{same_origin, session_token, PageForm, SESSION_COOKIE};
use crate::web::lang::Lang;
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::render::render;
use crate::web::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use secrecy::ExposeSecret;

pub async fn login_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    render(
        &s,
        lang,
        "staff/login.html",
        "/staff/login",
        None,
        context! { error => (), username => "" },
    )
}

pub async fn login(
    State(s): State<AppState>,
    lang: Lang,
    addr: ClientAddr,
    PageForm(f): PageForm<SignIn>,
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
                login.token.expose_secret()
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
                "staff/login.html",
                "/staff/login",
                None,
                context! { error => message, username => f.username },
            )?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(State(s): State<AppState>, lang: Lang, headers: HeaderMap) -> Result<Response> {
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
