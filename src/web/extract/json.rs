//! The API's request bodies.
use super::text::check_json;
use crate::web::error::Error;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// JSON body; malformed → 400 `malformed_json`, too large → 413, a key or string that is not
/// acceptable text (see `text`) → 400 `invalid_input` naming it. The document is read as JSON first
/// (serde_json's nesting limit applies), checked whole, then read as `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(e) if e.status().as_u16() == 413 => return Err(Error::TooLarge),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                return Err(Error::MalformedJson(
                    "send Content-Type: application/json".into(),
                ))
            }
            Err(e) => return Err(Error::MalformedJson(e.body_text())),
        };
        check_json(&value)?;
        serde_json::from_value(value).map(ApiJson).map_err(|e| {
            Error::MalformedJson(format!(
                "Failed to deserialize the JSON body into the target type: {e}"
            ))
        })
    }
}
