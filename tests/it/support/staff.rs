//! Staff accounts and signing in, through the API (a bearer token) or the sign-in page (a cookie).
//! Every test account is set up as a person would set it up: a setup code, then a password and an
//! authenticator, whose codes the test computes from the clock (see `Authenticator`).
use super::app::Authenticator;
use super::{Desk, Resp, StaffPages, Supervisor, TestApp};
use axum::http::{header, StatusCode};
use serde_json::json;
use zhiyan::domain::totp::{code_at, step_at, STEP};
use zhiyan::domain::Clock;
use zhiyan::service::{Role, SessionKind, SetupFinish};

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// A personal account with the test password and an enrolled authenticator (as its holder
    /// would set it up with the setup code an administrator gave them).
    pub async fn user(&self, username: &str, role: Role, department: Option<&str>) {
        let issued = self
            .service
            .create_user_with_setup_code(username, role, department)
            .await
            .unwrap();
        let code = secrecy::ExposeSecret::expose_secret(&issued.setup_code).to_string();
        self.complete_setup(&code).await;
    }

    /// What the holder of a setup code does with it: the test password and a new authenticator.
    /// Returns the recovery codes.
    pub async fn complete_setup(&self, setup_code: &str) -> Vec<String> {
        let start = self.service.setup_start(setup_code).await.unwrap();
        let secret = totp_rs::Secret::Encoded(start.enrolment.secret.clone())
            .to_bytes()
            .unwrap();
        self.authenticators.lock().unwrap().insert(
            start.username.clone(),
            Authenticator {
                secret,
                last_step: i64::MIN,
            },
        );
        let code = self.totp(&start.username);
        let done = self
            .service
            .setup_finish(SetupFinish {
                code: setup_code,
                password: PASSWORD,
                password_confirm: None,
                totp: Some(&code),
                kind: SessionKind::Api,
            })
            .await
            .unwrap();
        done.recovery_codes
    }

    /// The authenticator's next code for `username`, as its holder would type it: the current
    /// step's, or the next step's when that one was already used; when both were, the holder waits
    /// (the clock moves) for the next code.
    pub fn totp(&self, username: &str) -> String {
        let mut all = self.authenticators.lock().unwrap();
        let a = all
            .get_mut(username)
            .unwrap_or_else(|| panic!("{username} has no authenticator"));
        let now = step_at(self.clock.now());
        let step = (a.last_step + 1).max(now);
        if step > now + 1 {
            self.clock.advance((step - 1 - now) * STEP);
        }
        a.last_step = step;
        code_at(&a.secret, step)
    }

    /// Register an authenticator secret the test learnt some other way (an enrolment page).
    pub fn remember_authenticator(&self, username: &str, secret_base32: &str, used_step: i64) {
        let secret = totp_rs::Secret::Encoded(secret_base32.to_string())
            .to_bytes()
            .unwrap();
        self.authenticators.lock().unwrap().insert(
            username.to_string(),
            Authenticator {
                secret,
                last_step: used_step,
            },
        );
    }

    /// `POST /api/v1/auth/login` with a password and no second factor.
    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.login_with(username, password, None).await
    }

    /// `POST /api/v1/auth/login` with a password and, if given, a code.
    pub async fn login_with(&self, username: &str, password: &str, totp: Option<&str>) -> Resp {
        let mut body = json!({ "username": username, "password": password });
        if let Some(code) = totp {
            body["totp"] = code.into();
        }
        self.post("/api/v1/auth/login", None, body).await
    }

    /// Sign in through the API; returns the `Authorization` header value.
    pub async fn bearer(&self, username: &str) -> String {
        self.bearer_with(username, PASSWORD).await
    }

    /// The same with another password than the test accounts'.
    pub async fn bearer_with(&self, username: &str, password: &str) -> String {
        let code = self.totp(username);
        let r = self
            .login_with(username, password, Some(&code))
            .await
            .expect(StatusCode::OK);
        format!("Bearer {}", r.json()["token"].as_str().unwrap())
    }

    /// Sign in through the staff page: the redirect that sets the session cookie.
    pub async fn sign_in_page(&self, username: &str) -> Resp {
        let code = self.totp(username);
        self.form(
            "/staff/login",
            None,
            &[
                ("username", username),
                ("password", PASSWORD),
                ("totp", &code),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER)
    }

    /// Sign in through the staff page; returns the `name=value` of the session cookie.
    pub async fn cookie(&self, username: &str) -> String {
        session_cookie(&self.sign_in_page(username).await)
    }

    /// An existing desk account, signed in through the API.
    pub async fn desk(&self, username: &str) -> Desk<'_> {
        Desk::new(self, self.bearer(username).await)
    }

    /// An existing supervisor account, signed in through the API.
    pub async fn supervisor(&self, username: &str) -> Supervisor<'_> {
        Supervisor::new(self, self.bearer(username).await)
    }

    /// A new desk account of `department`, signed in through the API.
    pub async fn new_desk(&self, username: &str, department: &str) -> Desk<'_> {
        self.user(username, Role::Desk, Some(department)).await;
        self.desk(username).await
    }

    /// A new supervisor account over `department`'s subtree, signed in through the API.
    pub async fn new_supervisor(&self, username: &str, department: &str) -> Supervisor<'_> {
        self.user(username, Role::Supervisor, Some(department))
            .await;
        self.supervisor(username).await
    }

    /// An existing account signed in through the sign-in page, with the CSRF token of its pages.
    pub async fn pages(&self, username: &str) -> StaffPages<'_> {
        StaffPages::sign_in(self, username).await
    }
}

/// The `name=value` of the session cookie a sign-in sets.
pub fn session_cookie(signed_in: &Resp) -> String {
    cookie_named(signed_in, "zhiyan_session").expect("a session cookie")
}

/// The `name=value` of the cookie `name` a response sets, if it sets one.
pub fn cookie_named(resp: &Resp, name: &str) -> Option<String> {
    resp.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
}
