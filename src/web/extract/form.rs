//! Form posts: the origin check, then the fields as the action's command (see `fields`), with the
//! credential a form carries taken out first: the receipt for reporters, the CSRF token for staff.
use super::fields::Fields;
use super::origin::same_origin;
use super::staff::page_user;
use super::text::{check, urlencoded};
use super::upload::{is_multipart, read_parts};
use crate::service::StaffUser;
use crate::web::error::Error;
use crate::web::AppState;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The command of a form that has nothing but its credential.
#[derive(Deserialize)]
pub struct NoFields {}

/// A public form (submit a report, sign in): same origin, then the fields.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !same_origin(req.headers(), req.extensions()) {
            return Err(Error::CsrfFailed);
        }
        command(read(req, state).await?).map(PageForm)
    }
}

/// A reporter's form: as `PageForm`, plus the receipt, which travels in a hidden field because it must
/// never enter a URL or a cookie.
pub struct ReceiptForm<T>(pub String, pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ReceiptForm<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !same_origin(req.headers(), req.extensions()) {
            return Err(Error::CsrfFailed);
        }
        let mut fields = read(req, state).await?;
        let receipt = fields.take("receipt").map_err(malformed)?;
        Ok(ReceiptForm(receipt, command(fields)?))
    }
}

/// A staff form post: signed in, same origin, and carrying the session's CSRF token.
pub struct StaffForm<T>(pub StaffUser, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (user, c) = staff_form(req, state, false).await?;
        Ok(StaffForm(user, c))
    }
}

/// The same for the second-factor enrolment page, which a half-way session (password checked, no
/// second factor yet) may post to as well.
pub struct EnrolmentForm<T>(pub StaffUser, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for EnrolmentForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (user, c) = staff_form(req, state, true).await?;
        Ok(EnrolmentForm(user, c))
    }
}

async fn staff_form<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    enrolment: bool,
) -> Result<(StaffUser, T), Response> {
    let (parts, body) = req.into_parts();
    let user = page_user(&parts, state, enrolment).await?;
    if !same_origin(&parts.headers, &parts.extensions) {
        return Err(Error::CsrfFailed.into_response());
    }
    let checked = async {
        let mut fields = read(Request::from_parts(parts, body), state).await?;
        let csrf = fields.take("csrf").map_err(malformed)?;
        if !tokens_match(&csrf, user.csrf_token.expose_secret()) {
            return Err(Error::CsrfFailed);
        }
        command(fields)
    };
    match checked.await {
        Ok(c) => Ok((user, c)),
        Err(e) => Err(e.into_response()),
    }
}

/// The body's fields; not a form → 400, too large → 413. A `multipart/form-data` body (a form with a
/// file input) reads the same way, a file's content as its field's text (the organisation file).
pub(super) async fn read<S: Send + Sync>(req: Request, state: &S) -> Result<Fields, Error> {
    if is_multipart(&req) {
        let parts = read_parts(req, state, true).await?;
        let mut pairs = parts.fields;
        for (name, file) in parts.files {
            let text = String::from_utf8(file.bytes).map_err(|_| Error::InvalidText {
                field: name.clone(),
            })?;
            check(&name, &text)?;
            pairs.push((name, text));
        }
        return Ok(Fields::new(pairs));
    }
    let form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(Error::MalformedJson(
            "send Content-Type: application/x-www-form-urlencoded".into(),
        ));
    }
    let body = match axum::body::Bytes::from_request(req, state).await {
        Ok(body) => body,
        Err(e) if e.status().as_u16() == 413 => return Err(Error::TooLarge),
        Err(e) => return Err(Error::MalformedJson(e.body_text())),
    };
    Ok(Fields::new(urlencoded(&body)?))
}

pub(super) fn command<T: DeserializeOwned>(fields: Fields) -> Result<T, Error> {
    T::deserialize(fields).map_err(malformed)
}

pub(super) fn malformed(e: serde::de::value::Error) -> Error {
    Error::MalformedJson(format!("Failed to deserialize form body: {e}"))
}

/// Compare digests rather than the strings, so the comparison time says nothing about the token.
fn tokens_match(a: &str, b: &str) -> bool {
    !a.is_empty() && crate::crypto::token_hash(a) == crate::crypto::token_hash(b)
}
