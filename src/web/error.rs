//! The web layer's error: a service error, or something only HTTP can get wrong (a body that is not
//! JSON, a missing CSRF token, too many attempts). It leaves the server as a JSON body (API.md)
//! everywhere, turned into a localized HTML page by `html_errors` on the page routers.
use super::lang::Lang;
use super::AppState;
use crate::domain::attachments::Refusal;
use crate::domain::text::{Field, Problem};
use crate::service::{AttachmentProblem, Error as ServiceError};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("the request body is not valid JSON for this call: {0}")]
    MalformedJson(String),
    #[error(
        "the form's security token or origin is missing or wrong; reload the page and try again"
    )]
    CsrfFailed,
    #[error("the request body is too large")]
    TooLarge,
    /// A text input (JSON string or key, form field, query parameter, path segment) that is not
    /// UTF-8 or holds a control character `domain::text::refused_character` refuses; `field` is its
    /// name as the request spelled it.
    #[error(
        "{field} must be UTF-8 text without control characters (line breaks and tabs are allowed)"
    )]
    InvalidText { field: String },
    #[error("this address does not accept that method")]
    MethodNotAllowed,
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    #[error("too many attempts; try again in {retry_after} seconds")]
    RateLimited { retry_after: i64 },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::domain::text::FieldError> for Error {
    fn from(e: crate::domain::text::FieldError) -> Self {
        Error::Service(ServiceError::Field(e))
    }
}

impl Error {
    pub const NOT_FOUND: Error = Error::Service(ServiceError::NotFound);

    /// A failure of the server itself (a template that does not render, say): logged, answered 500.
    pub fn internal(e: impl Into<anyhow::Error>) -> Error {
        Error::Service(ServiceError::internal(e))
    }

    pub fn field(field: Field, problem: Problem) -> Error {
        Error::Service(ServiceError::field(field, problem))
    }

    /// The HTTP status of each error: the web layer's only decision table.
    pub fn status(&self) -> StatusCode {
        use ServiceError as S;
        match self {
            Error::MalformedJson(_)
            | Error::InvalidText { .. }
            | Error::Service(S::Field(_) | S::InvalidOrg(_)) => StatusCode::BAD_REQUEST,
            Error::Service(
                S::InvalidReceipt
                | S::InvalidCredentials
                | S::Unauthenticated
                | S::TotpRequired
                | S::TotpReused
                | S::InvalidSetupCode,
            ) => StatusCode::UNAUTHORIZED,
            Error::CsrfFailed | Error::Service(S::Forbidden | S::TotpEnrolmentRequired) => {
                StatusCode::FORBIDDEN
            }
            Error::Service(S::NotFound) => StatusCode::NOT_FOUND,
            Error::Service(
                S::InvalidTransition(_)
                | S::Conflict
                | S::LastAdmin
                | S::OrgChanged
                | S::NoRetaliationBody,
            ) => StatusCode::CONFLICT,
            Error::TooLarge
            | Error::Service(S::Attachment(
                AttachmentProblem::TotalTooLarge { .. }
                | AttachmentProblem::Refused {
                    refusal: Refusal::TooLarge { .. },
                    ..
                },
            )) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Service(S::Attachment(_)) => StatusCode::BAD_REQUEST,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Error::RateLimited { .. } | Error::Service(S::TooManyAttempts { .. }) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Error::Service(S::DeliveryFailed(_)) => StatusCode::BAD_GATEWAY,
            Error::Service(S::Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Service(S::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code of API.md's error body.
    pub fn code(&self) -> &'static str {
        use ServiceError as S;
        match self {
            Error::MalformedJson(_) => "malformed_json",
            Error::CsrfFailed => "csrf_failed",
            Error::TooLarge => "too_large",
            Error::InvalidText { .. } => "invalid_input",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::BodyTimeout => "request_timeout",
            Error::RateLimited { .. } => "rate_limited",
            Error::Service(e) => match e {
                S::Field(_) => "invalid_input",
                S::InvalidReceipt => "invalid_receipt",
                S::InvalidCredentials => "invalid_credentials",
                S::Unauthenticated => "unauthenticated",
                S::TotpRequired => "totp_required",
                S::TotpReused => "totp_reused",
                S::TotpEnrolmentRequired => "totp_enrolment_required",
                S::TooManyAttempts { .. } => "rate_limited",
                S::InvalidSetupCode => "invalid_setup_code",
                S::LastAdmin => "last_admin",
                S::InvalidOrg(_) => "invalid_org",
                S::OrgChanged => "org_changed",
                S::Forbidden => "forbidden",
                S::NotFound => "not_found",
                S::InvalidTransition(_) => "invalid_transition",
                S::Conflict => "conflict",
                S::NoRetaliationBody => "no_retaliation_body",
                S::DeliveryFailed(_) => "delivery_failed",
                S::Attachment(_) => "attachment_refused",
                S::Unavailable => "unavailable",
                S::Internal(_) => "internal",
            },
        }
    }

    /// A page that shows this error (its status, and for a 429 the Retry-After header).
    pub fn page(&self, html: axum::response::Html<String>) -> Response {
        let mut resp = (self.status(), html).into_response();
        if let Some(secs) = self.retry_after() {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        resp
    }

    /// Seconds to wait before trying again, for a 429.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            Error::RateLimited { retry_after }
            | Error::Service(ServiceError::TooManyAttempts { retry_after }) => Some(*retry_after),
            _ => None,
        }
    }
}

/// What a page needs to re-render an error in the user's language.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub field: Option<Field>,
    pub problem: Option<Problem>,
    /// The input an `InvalidText` names, as the request spelled it (not always a `Field`).
    pub text_field: Option<String>,
    pub message: String,
    pub retry_after: Option<i64>,
    /// A rejected organisation file: the line and the reason.
    pub org: Option<(usize, String)>,
    /// Why a test message did not reach its channel.
    pub delivery: Option<String>,
    /// Refused attachments: what went wrong (`attachments.<reason>` in the catalogs), the file as
    /// it was sent, and the limit passed.
    pub attachment: Option<(&'static str, Option<String>, u64)>,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        let (field, problem) = match e {
            Error::Service(ServiceError::Field(f)) => (Some(f.field), Some(f.problem.clone())),
            _ => (None, None),
        };
        let org = match e {
            Error::Service(ServiceError::InvalidOrg(o)) => Some((o.line, o.reason.clone())),
            _ => None,
        };
        let text_field = match e {
            Error::InvalidText { field } => Some(field.clone()),
            _ => None,
        };
        let delivery = match e {
            Error::Service(ServiceError::DeliveryFailed(why)) => Some(why.clone()),
            _ => None,
        };
        let attachment = match e {
            Error::Service(ServiceError::Attachment(p)) => Some(match p {
                AttachmentProblem::Refused { file, refusal } => {
                    let max = match refusal {
                        Refusal::TooLarge { max } | Refusal::TooManyPixels { max } => *max,
                        _ => 0,
                    };
                    (refusal.as_str(), Some(file.clone()), max)
                }
                AttachmentProblem::TooMany { max } => ("too_many", None, *max as u64),
                AttachmentProblem::TotalTooLarge { max } => ("total_too_large", None, *max),
            }),
            _ => None,
        };
        ErrorInfo {
            attachment,
            status: e.status(),
            code: e.code(),
            field,
            problem,
            text_field,
            message: e.to_string(),
            retry_after: e.retry_after(),
            org,
            delivery,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Service(ServiceError::Internal(e)) = &self {
            // Internal details go to the log only, never to the client.
            tracing::error!(error = ?e, "internal error");
        }
        let info = ErrorInfo::from(&self);
        let mut error = serde_json::json!({ "code": info.code, "message": info.message });
        if let Some(field) = info.field {
            error["field"] = field.as_str().into();
        }
        if let Some(field) = &info.text_field {
            error["field"] = field.as_str().into();
        }
        if let Error::Service(ServiceError::InvalidTransition(t)) = &self {
            error["state"] = t.from.as_str().into();
        }
        if let Some(secs) = info.retry_after {
            error["retry_after"] = secs.into();
        }
        if let Some((reason, file, _)) = &info.attachment {
            error["reason"] = (*reason).into();
            if let Some(file) = file {
                error["file"] = file.as_str().into();
            }
        }
        if let Some((line, _)) = &info.org {
            error["field"] = Field::File.as_str().into();
            error["line"] = (*line).into();
        }
        let status = info.status;
        let mut resp = (status, Json(serde_json::json!({ "error": error }))).into_response();
        if matches!(self, Error::BodyTimeout | Error::TooLarge) {
            // The rest of the body is not read: the connection cannot carry another request.
            resp.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if let Some(secs) = info.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        resp.extensions_mut().insert(Arc::new(info));
        resp
    }
}

/// The user-facing sentence for an error, in `lang`.
pub fn localize(state: &AppState, lang: Lang, info: &ErrorInfo) -> String {
    let t = |k: &str| state.templates.text(lang, k).unwrap_or_default();
    let sep = if lang == Lang::En { " " } else { "" };
    if let Some((reason, file, max)) = &info.attachment {
        let mib = |n: u64| format!("{:.0} MiB", n as f64 / f64::from(1 << 20));
        let max = match *reason {
            "too_large" | "total_too_large" => mib(*max),
            _ => max.to_string(),
        };
        let text = t(&format!("attachments.refused.{reason}")).replace("{max}", &max);
        return match file {
            Some(f) => t("attachments.refused.file").replace("{file}", f) + &text,
            None => text,
        };
    }
    if let Some(name) = &info.text_field {
        let known = Field::ALL.into_iter().find(|f| f.as_str() == name);
        let label = known.map_or_else(|| name.clone(), |f| t(&format!("fields.{f}")));
        return format!("{label}{sep}{}", t("problems.bad_text"));
    }
    match (info.field, &info.problem) {
        (Some(field), Some(problem)) => {
            let (key, max, min) = problem_key(problem);
            let phrase = t(&format!("problems.{key}"))
                .replace("{max}", &max.to_string())
                .replace("{min}", &min.to_string());
            format!("{}{sep}{phrase}", t(&format!("fields.{field}")))
        }
        _ => {
            let s = t(&format!("errors.{}", info.code));
            let s = if s.is_empty() {
                info.message.clone()
            } else {
                s
            };
            let s = match &info.org {
                Some((line, reason)) => s
                    .replace("{line}", &line.to_string())
                    .replace("{reason}", reason),
                None => s,
            };
            let s = match &info.delivery {
                Some(why) => s.replace("{reason}", why),
                None => s,
            };
            match info.retry_after {
                Some(secs) => s.replace("{wait}", &wait_text(state, lang, secs)),
                None => s,
            }
        }
    }
}

/// "in 30 seconds" / "3 分钟": a wait in whole seconds under a minute, else whole minutes (up).
fn wait_text(state: &AppState, lang: Lang, secs: i64) -> String {
    let t = |k: &str| state.templates.text(lang, k).unwrap_or_default();
    let (key, n) = if secs < 60 {
        ("units.seconds", secs.max(1))
    } else {
        ("units.minutes", (secs + 59) / 60)
    };
    t(key).replace("{n}", &n.to_string())
}

/// The catalog key under `problems.` that words `problem`, with the `{max}` and `{min}` it fills in.
pub fn problem_key(problem: &Problem) -> (&'static str, i64, i64) {
    match problem {
        Problem::Missing => ("missing", 0, 0),
        Problem::TooLong { max } => ("too_long", *max as i64, 0),
        Problem::Unknown => ("unknown", 0, 0),
        Problem::Invalid => ("invalid", 0, 0),
        Problem::OutOfRange { min, max } => ("out_of_range", *max, *min),
        Problem::NotAPeriod => ("not_a_period", 0, 0),
        Problem::TooShort { min } => ("too_short", 0, *min as i64),
        Problem::Mismatch => ("mismatch", 0, 0),
        Problem::Taken => ("taken", 0, 0),
        Problem::Wrong => ("wrong", 0, 0),
        Problem::CoversAll => ("covers_all", 0, 0),
    }
}

/// Page routers: replace a JSON error body with the error page, in the page's language. Paths under
/// /api/ keep JSON even when they reach the pages' fallback (an unknown API version, say).
pub async fn html_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = Lang::from_parts(&parts);
    let path = parts.uri.path().to_string();
    let resp = next.run(Request::from_parts(parts, body)).await;
    if path == "/api" || path.starts_with("/api/") {
        return resp;
    }
    let Some(info) = resp.extensions().get::<Arc<ErrorInfo>>().cloned() else {
        return resp;
    };
    let message = localize(&state, lang, &info);
    let ctx = minijinja::context! { status => info.status.as_u16(), message => message, path => path, staff => () };
    let mut page = match state.templates.render("error.html", lang, ctx) {
        Ok(html) => (info.status, html).into_response(),
        Err(_) => (info.status, info.message.clone()).into_response(),
    };
    for name in [
        axum::http::header::RETRY_AFTER,
        axum::http::header::CONNECTION,
        axum::http::header::ALLOW,
    ] {
        if let Some(value) = resp.headers().get(&name) {
            page.headers_mut().insert(name, value.clone());
        }
    }
    page
}

/// The routers' fallback: no route has this path.
pub async fn not_found() -> Error {
    Error::NOT_FOUND
}

/// The routers' fallback for a path that exists, called with a method it does not take.
pub async fn method_not_allowed() -> Error {
    Error::MethodNotAllowed
}

/// One error of every kind, and one problem of every kind, for the catalog test: the matches below stop
/// compiling when a kind is added, until it is listed here (and so checked for its text).
#[cfg(test)]
pub mod every {
    use super::{Error, Field, Problem, ServiceError};

    pub fn error() -> Vec<Error> {
        use crate::domain::lifecycle::{next, Action};
        use crate::domain::State;
        let transition = next(State::Closed, Action::Acknowledge).unwrap_err();
        let all = vec![
            Error::MalformedJson(String::new()),
            Error::CsrfFailed,
            Error::TooLarge,
            Error::InvalidText { field: "id".into() },
            Error::MethodNotAllowed,
            Error::BodyTimeout,
            Error::RateLimited { retry_after: 1 },
            Error::field(Field::Body, Problem::Missing),
            Error::Service(ServiceError::InvalidReceipt),
            Error::Service(ServiceError::InvalidCredentials),
            Error::Service(ServiceError::Unauthenticated),
            Error::Service(ServiceError::Forbidden),
            Error::Service(ServiceError::NotFound),
            Error::Service(ServiceError::InvalidTransition(transition)),
            Error::Service(ServiceError::Conflict),
            Error::Service(ServiceError::NoRetaliationBody),
            Error::Service(ServiceError::Unavailable),
            Error::internal(anyhow::anyhow!("test")),
            Error::Service(ServiceError::TotpRequired),
            Error::Service(ServiceError::TotpReused),
            Error::Service(ServiceError::TotpEnrolmentRequired),
            Error::Service(ServiceError::TooManyAttempts { retry_after: 1 }),
            Error::Service(ServiceError::InvalidSetupCode),
            Error::Service(ServiceError::LastAdmin),
            Error::Service(ServiceError::InvalidOrg(crate::domain::org::OrgError {
                line: 1,
                reason: String::new(),
            })),
            Error::Service(ServiceError::OrgChanged),
            Error::Service(ServiceError::DeliveryFailed(String::new())),
            Error::Service(ServiceError::Attachment(
                crate::service::AttachmentProblem::TooMany { max: 5 },
            )),
        ];
        for e in &all {
            match e {
                Error::MalformedJson(_)
                | Error::CsrfFailed
                | Error::TooLarge
                | Error::InvalidText { .. }
                | Error::MethodNotAllowed
                | Error::BodyTimeout
                | Error::RateLimited { .. } => {}
                Error::Service(s) => match s {
                    ServiceError::Field(_)
                    | ServiceError::InvalidReceipt
                    | ServiceError::InvalidCredentials
                    | ServiceError::Unauthenticated
                    | ServiceError::Forbidden
                    | ServiceError::NotFound
                    | ServiceError::InvalidTransition(_)
                    | ServiceError::Conflict
                    | ServiceError::NoRetaliationBody
                    | ServiceError::Unavailable
                    | ServiceError::Internal(_)
                    | ServiceError::TotpRequired
                    | ServiceError::TotpReused
                    | ServiceError::TotpEnrolmentRequired
                    | ServiceError::TooManyAttempts { .. }
                    | ServiceError::InvalidSetupCode
                    | ServiceError::LastAdmin
                    | ServiceError::InvalidOrg(_)
                    | ServiceError::OrgChanged
                    | ServiceError::DeliveryFailed(_) => {}
                    ServiceError::Attachment(_) => {}
                },
            }
        }
        all
    }

    pub fn problem() -> Vec<Problem> {
        let all = vec![
            Problem::Missing,
            Problem::TooLong { max: 1 },
            Problem::Unknown,
            Problem::Invalid,
            Problem::OutOfRange { min: 0, max: 1 },
            Problem::NotAPeriod,
            Problem::TooShort { min: 1 },
            Problem::Mismatch,
            Problem::Taken,
            Problem::Wrong,
            Problem::CoversAll,
        ];
        for p in &all {
            match p {
                Problem::Missing
                | Problem::TooLong { .. }
                | Problem::Unknown
                | Problem::Invalid
                | Problem::OutOfRange { .. }
                | Problem::NotAPeriod
                | Problem::TooShort { .. }
                | Problem::Mismatch
                | Problem::Taken
                | Problem::Wrong
                | Problem::CoversAll => {}
            }
        }
        all
    }
}
