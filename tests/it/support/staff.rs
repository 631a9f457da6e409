//! Staff accounts and signing in, through the API (a bearer token) or the sign-in page (a cookie).
use super::{Desk, Resp, StaffPages, Supervisor, TestApp};
use axum::http::{header, StatusCode};
use serde_json::json;
use zhiyan::service::Role;

/// Every test account's password.
const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    pub async fn user(&self, username: &str, role: Role, department: Option<&str>) {
        self.service
            .create_user(username, role, department, PASSWORD)
            .await
            .unwrap();
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({ "username": username, "password": password }),
        )
        .await
    }

    /// Sign in through the API; returns the `Authorization` header value.
    pub async fn bearer(&self, username: &str) -> String {
        let r = self.login(username, PASSWORD).await.expect(StatusCode::OK);
        format!("Bearer {}", r.json()["token"].as_str().unwrap())
    }

    /// Sign in through the staff page: the redirect that sets the session cookie.
    pub async fn sign_in_page(&self, username: &str) -> Resp {
        self.form(
            "/staff/login",
            None,
            &[("username", username), ("password", PASSWORD)],
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

/// The `name=value` of the cookie a sign-in sets.
pub fn session_cookie(signed_in: &Resp) -> String {
    signed_in.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}
