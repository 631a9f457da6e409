//! The cookies a staff sign-in sets: the session (for this browser session) and the device proof
//! (a year, sent only to the sign-in page). Secure when the public origin is https.
use crate::service::Login;
use crate::web::extract::{DEVICE_COOKIE, SESSION_COOKIE};
use crate::web::AppState;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderValue;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};

fn secure(s: &AppState) -> &'static str {
    if s.deployment.secure_cookies() {
        "; Secure"
    } else {
        ""
    }
}

fn add(resp: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(SET_COOKIE, v);
    }
}

/// Set the session cookie of `login`, and the device proof once the sign-in is complete.
pub fn signed_in(s: &AppState, resp: &mut Response, login: &Login) {
    let session = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}",
        login.token.expose_secret(),
        secure(s)
    );
    add(resp, session);
    if !login.enrolment {
        device(s, resp, &login.device);
    }
}

/// Keep the device proof for later sign-ins.
pub fn device(s: &AppState, resp: &mut Response, proof: &SecretString) {
    let cookie = format!(
        "{DEVICE_COOKIE}={}; Path=/staff/login; HttpOnly; SameSite=Strict; Max-Age=31536000{}",
        proof.expose_secret(),
        secure(s)
    );
    add(resp, cookie);
}

/// Forget the session (signing out keeps the device proof: this is still a known browser).
pub fn signed_out(s: &AppState, resp: &mut Response) {
    let cookie = format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        secure(s)
    );
    add(resp, cookie);
}
