//! The API's request bodies.
use crate::web::error::Error;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

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
