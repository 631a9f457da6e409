//! The reporter's credential on the API.
use crate::web::error::Error;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

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
