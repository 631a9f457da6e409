//! Request extractors that turn bad input into the one error type (never axum's plain-text rejections)
//! and establish who is calling.
use super::ratelimit::ClientAddr;
use super::AppState;
use crate::service::StaffUser;
use crate::web::error::Error;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "zhiyan_session";

/// JSON body; malformed → 400 `malformed_json`, too large → 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) if e.status().as_u16() == 413 => Err(Error::TooLarge),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Error::MalformedJson(
                "send Content-Type: application/json".into(),
            )),
            Err(e) => Err(Error::MalformedJson(e.body_text())),
        }
    }
}

/// An HTML form body; unreadable → 400, too large → 413.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !same_origin(req.headers()) {
            return Err(Error::CsrfFailed);
        }
        form(req, state).await.map(PageForm)
    }
}

async fn form<T: DeserializeOwned, S: Send + Sync>(req: Request, state: &S) -> Result<T, Error> {
    match axum::Form::<T>::from_request(req, state).await {
        Ok(axum::Form(v)) => Ok(v),
        Err(e) if e.status().as_u16() == 413 => Err(Error::TooLarge),
        Err(FormRejection::FailedToDeserializeForm(e)) => Err(Error::MalformedJson(e.body_text())),
        Err(e) => Err(Error::MalformedJson(e.body_text())),
    }
}

/// A cross-site form post carries an Origin (or Sec-Fetch-Site) that differs from our Host. Requests
/// without those headers (old browsers, privacy settings that send `Origin: null`) pass this check;
/// staff forms also need the CSRF token.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// The reporter's credential from `Authorization: Receipt <receipt>`; absent counts as wrong.
pub struct ReceiptAuth(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ReceiptAuth {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or(("", ""));
        if scheme.eq_ignore_ascii_case("receipt") {
            Ok(ReceiptAuth(rest.trim().to_string()))
        } else {
            Ok(ReceiptAuth(String::new()))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Staff on the API: `Authorization: Bearer <token>`.
pub struct ApiStaff(pub StaffUser);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let token = token.ok_or(Error::Service(crate::service::Error::Unauthenticated))?;
        Ok(ApiStaff(state.service.session(token).await?))
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

/// Staff on the pages: the session cookie; without one, off to the sign-in page.
pub struct PageStaff(pub StaffUser);

impl FromRequestParts<AppState> for PageStaff {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = super::lang::Lang::from_parts(parts);
        let login = || Redirect::to(&format!("/staff/login{}", lang.query())).into_response();
        let token = session_token(&parts.headers).ok_or_else(login)?;
        match state.service.session(&token).await {
            Ok(user) => Ok(PageStaff(user)),
            Err(crate::service::Error::Unauthenticated) => Err(login()),
            Err(e) => Err(Error::from(e).into_response()),
        }
    }
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    inner: T,
}

/// A staff form post: signed in, same origin, and carrying the session's CSRF token.
pub struct StaffForm<T>(pub StaffUser, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let PageStaff(user) = PageStaff::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers) {
            return Err(Error::CsrfFailed.into_response());
        }
        let req = Request::from_parts(parts, body);
        let f: WithCsrf<T> = form(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !tokens_match(&f.csrf, &user.csrf_token) {
            return Err(Error::CsrfFailed.into_response());
        }
        Ok(StaffForm(user, f.inner))
    }
}

/// Compare digests rather than the strings, so the comparison time says nothing about the token.
fn tokens_match(a: &str, b: &str) -> bool {
    !a.is_empty() && crate::crypto::token_hash(a) == crate::crypto::token_hash(b)
}
