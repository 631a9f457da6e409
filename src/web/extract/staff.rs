//! Who the staff member is: a bearer token on the API, the session cookie on the pages.
use crate::service::{Error as ServiceError, StaffUser};
use crate::web::error::Error;
use crate::web::lang::Lang;
use crate::web::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

pub const SESSION_COOKIE: &str = "zhiyan_session";
/// The device proof of the last account signed in from this browser (sent only to /staff/login).
pub const DEVICE_COOKIE: &str = "zhiyan_device";

/// Staff on the API: `Authorization: Bearer <token>`.
pub struct ApiStaff(pub StaffUser);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer_token(&parts.headers).filter(|t| !t.is_empty());
        let token = token.ok_or(Error::Service(ServiceError::Unauthenticated))?;
        Ok(ApiStaff(state.service.session(token).await?))
    }
}

/// The token of `Authorization: Bearer <token>`, trimmed.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    value?.strip_prefix("Bearer ").map(str::trim)
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of cookie `wanted`, if the request has a non-empty one.
pub fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (name, value) = c.trim().split_once('=')?;
            (name == wanted && !value.is_empty()).then(|| value.to_string())
        })
}

/// Staff on the pages: the session cookie; without one, off to the sign-in page.
pub struct PageStaff(pub StaffUser);

impl FromRequestParts<AppState> for PageStaff {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        page_user(parts, state, false).await.map(PageStaff)
    }
}

/// The second-factor enrolment page: a full session, or a half-way one that may only enrol.
pub struct PageEnrolling(pub StaffUser);

impl FromRequestParts<AppState> for PageEnrolling {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        page_user(parts, state, true).await.map(PageEnrolling)
    }
}

/// The signed-in member of the session cookie (half-way sessions too when `enrolment`); without
/// one, a redirect to the sign-in page.
pub(super) async fn page_user(
    parts: &Parts,
    state: &AppState,
    enrolment: bool,
) -> Result<StaffUser, Response> {
    let lang = Lang::from_parts(parts);
    // A page opened while signed out: the sign-in page says so and comes back to it afterwards.
    // (A form post is not repeated after signing in: it returns to the home page.)
    let back = (parts.method == axum::http::Method::GET)
        .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_string()))
        .flatten()
        .map(|next| format!("&next={}", crate::web::staff::urlencode(&next)))
        .unwrap_or_default();
    let login = || Redirect::to(&format!("/staff/login{}{back}", lang.query())).into_response();
    let token = session_token(&parts.headers).ok_or_else(login)?;
    let user = if enrolment {
        state.service.enrolment_session(&token).await
    } else {
        state.service.session(&token).await
    };
    match user {
        Ok(user) => Ok(user),
        Err(ServiceError::Unauthenticated) => Err(login()),
        Err(e) => Err(Error::from(e).into_response()),
    }
}
