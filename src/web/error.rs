//! How the one error type leaves the server: a JSON body (API.md) everywhere, turned into a localized
//! HTML page by `html_errors` on the page routers.
use super::lang::Lang;
use super::AppState;
use crate::domain::text::Problem;
use crate::error::Error;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// What a page needs to re-render an error in the user's language.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub field: Option<&'static str>,
    pub problem: Option<Problem>,
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        let (field, problem) = match e {
            Error::Field(f) => (Some(f.field), Some(f.problem.clone())),
            _ => (None, None),
        };
        ErrorInfo {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: e.code(),
            field,
            problem,
            message: e.to_string(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            // Internal details go to the log only, never to the client.
            tracing::error!(error = ?e, "internal error");
        }
        let info = ErrorInfo::from(&self);
        let mut error = serde_json::json!({ "code": info.code, "message": info.message });
        if let Some(field) = info.field {
            error["field"] = field.into();
        }
        if let Error::InvalidTransition(t) = &self {
            error["state"] = t.from.as_str().into();
        }
        let status = info.status;
        let mut resp = (status, Json(serde_json::json!({ "error": error }))).into_response();
        resp.extensions_mut().insert(Arc::new(info));
        resp
    }
}

/// The user-facing sentence for an error, in `lang`.
pub fn localize(state: &AppState, lang: Lang, info: &ErrorInfo) -> String {
    let t = |k: &str| state.templates.text(lang, k).unwrap_or_default();
    match (info.field, &info.problem) {
        (Some(field), Some(problem)) => {
            let (key, max, min) = match problem {
                Problem::Missing => ("missing", 0, 0),
                Problem::TooLong { max } => ("too_long", *max as i64, 0),
                Problem::Unknown => ("unknown", 0, 0),
                Problem::Invalid => ("invalid", 0, 0),
                Problem::OutOfRange { min, max } => ("out_of_range", *max, *min),
                Problem::NotAPeriod => ("not_a_period", 0, 0),
            };
            let phrase = t(&format!("problems.{key}"))
                .replace("{max}", &max.to_string())
                .replace("{min}", &min.to_string());
            let sep = if lang == Lang::En { " " } else { "" };
            format!("{}{sep}{phrase}", t(&format!("fields.{field}")))
        }
        _ => {
            let s = t(&format!("errors.{}", info.code));
            if s.is_empty() {
                info.message.clone()
            } else {
                s
            }
        }
    }
}

/// Page routers: replace a JSON error body with the error page, in the page's language.
pub async fn html_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = Lang::from_parts(&parts);
    let path = parts.uri.path().to_string();
    let resp = next.run(Request::from_parts(parts, body)).await;
    let Some(info) = resp.extensions().get::<Arc<ErrorInfo>>().cloned() else {
        return resp;
    };
    let message = localize(&state, lang, &info);
    let ctx = minijinja::context! { status => info.status.as_u16(), message => message, path => path, staff => () };
    match state.templates.render("error.html", lang, ctx) {
        Ok(html) => (info.status, html).into_response(),
        Err(_) => (info.status, info.message.clone()).into_response(),
    }
}

pub async fn not_found() -> Error {
    Error::NotFound
}
