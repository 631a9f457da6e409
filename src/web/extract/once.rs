//! The one-time token of a page form (`form_token`, a hidden field every state-changing form carries;
//! see `service/form_tokens.rs`). `Once<F>` reads it from the body, then hands the same body to the
//! form's own extractor `F` (origin, receipt or session, CSRF, the command), so the token is claimed
//! only for a post that passed those checks. The handler runs its action through `FormToken::once`.
use crate::web::error::Error;
use crate::web::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use std::future::Future;

/// The field's name in every form.
pub const FIELD: &str = "form_token";

/// A form post with its one-time token.
pub struct Once<F>(pub FormToken, pub F);

/// The token a form was posted with, and the path it was posted to (a token counts per form).
pub struct FormToken {
    token: String,
    path: String,
}

/// What a guarded action came to.
pub enum Done<T> {
    /// This post did it (or tried: `T` is the action's result).
    First(T),
    /// An earlier post of the same form did it; nothing was done now.
    Again,
}

impl<F: FromRequest<AppState>> FromRequest<AppState> for Once<F>
where
    F::Rejection: IntoResponse,
{
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().to_string();
        let urlencoded = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| {
                if e.status().as_u16() == 413 {
                    Error::TooLarge.into_response()
                } else {
                    Error::MalformedJson(e.body_text()).into_response()
                }
            })?;
        // Decoded as every form is (a malformed body is refused by the form's own extractor below).
        let fields = if urlencoded {
            super::text::urlencoded(&bytes).unwrap_or_default()
        } else if super::upload::is_multipart(&Request::from_parts(parts.clone(), Body::empty())) {
            // A form with files: its text fields read once more from the same bytes.
            let again = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
            super::upload::read_parts(again, state, false)
                .await
                .map(|p| p.fields)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let token = fields
            .into_iter()
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v)
            .unwrap_or_default();
        let form = F::from_request(Request::from_parts(parts, Body::from(bytes)), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Once(FormToken { token, path }, form))
    }
}

impl FormToken {
    /// Run `act` unless this form's token was used before. A post without a token (not from one of
    /// the pages: a script's) is not guarded. When `act` fails, the claim is given back, so that the
    /// form, corrected, can be posted again.
    pub async fn once<T, E>(
        &self,
        state: &AppState,
        act: impl Future<Output = Result<T, E>>,
    ) -> Result<Done<Result<T, E>>, Error> {
        let token = self.token.trim();
        if token.is_empty() {
            return Ok(Done::First(act.await));
        }
        if !state.service.claim_form_token(token, &self.path).await? {
            return Ok(Done::Again);
        }
        let result = act.await;
        if result.is_err() {
            state.service.release_form_token(token, &self.path).await?;
        }
        Ok(Done::First(result))
    }
}

/// A fresh token for the forms of a page being rendered.
pub fn new_token() -> String {
    hex::encode(crate::crypto::random_bytes::<16>())
}
