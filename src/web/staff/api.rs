//! Staff sign-in for API clients: a bearer token backed by the same database sessions as the pages;
//! and setting up an account with a setup code.
use super::commands::{CompleteSetup, SetupCode, SignIn};
use crate::service::Error as ServiceError;
use crate::service::{
    Login, SessionKind, SetupDone, SetupFinish, SetupStart, SignIn as Credentials,
};
use crate::web::error::{Error, Result};
use crate::web::extract::{bearer_token, ApiJson};
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::{ok, AppState};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

pub async fn login(
    State(s): State<AppState>,
    addr: ClientAddr,
    ApiJson(c): ApiJson<SignIn>,
) -> Result<Json<Login>> {
    let credentials = Credentials {
        username: &c.username,
        password: &c.password,
        totp: c.totp.as_deref(),
        device: c.device.as_deref(),
        kind: SessionKind::Api,
    };
    Ok(Json(
        limited(&s.limiter, addr, s.service.login(credentials)).await?,
    ))
}

/// `POST /api/v1/auth/logout`: ends the session of the bearer token; without a token, or with one
/// that is no session's, 401 `unauthenticated`.
pub async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>> {
    let token = bearer_token(&headers).filter(|t| !t.is_empty());
    let token = token.ok_or(Error::Service(ServiceError::Unauthenticated))?;
    // Any live session may end itself, a half-way one (second factor not yet enrolled) too.
    s.service.enrolment_session(token).await?;
    s.service.logout(token).await?;
    Ok(ok())
}

/// `POST /api/v1/auth/setup`: which account a setup code is for, and the secret to enrol.
pub async fn setup(
    State(s): State<AppState>,
    addr: ClientAddr,
    ApiJson(c): ApiJson<SetupCode>,
) -> Result<Json<SetupStart>> {
    Ok(Json(
        limited(&s.limiter, addr, s.service.setup_start(&c.code)).await?,
    ))
}

/// `POST /api/v1/auth/setup/complete`: set the password, confirm the second factor, get a token.
pub async fn complete_setup(
    State(s): State<AppState>,
    addr: ClientAddr,
    ApiJson(c): ApiJson<CompleteSetup>,
) -> Result<Json<SetupDone>> {
    let finish = SetupFinish {
        code: &c.code,
        password: &c.password,
        password_confirm: c.password_confirm.as_deref(),
        totp: c.totp.as_deref(),
        kind: SessionKind::Api,
    };
    Ok(Json(
        limited(&s.limiter, addr, s.service.setup_finish(finish)).await?,
    ))
}
