//! An administrator through the JSON API, holding its bearer token.
use super::{Resp, TestApp};
use serde_json::{json, Value};

pub struct Admin<'a> {
    app: &'a TestApp,
    /// The `Authorization` header value.
    pub bearer: String,
}

impl<'a> Admin<'a> {
    pub fn new(app: &'a TestApp, bearer: String) -> Admin<'a> {
        Admin { app, bearer }
    }

    async fn get(&self, path: &str) -> Resp {
        self.app.get(path, Some(&self.bearer)).await
    }

    async fn post(&self, path: &str, body: Value) -> Resp {
        self.app.post(path, Some(&self.bearer), body).await
    }

    pub async fn accounts(&self) -> Resp {
        self.get("/api/v1/admin/accounts").await
    }

    pub async fn account(&self, username: &str) -> Resp {
        self.get(&format!("/api/v1/admin/accounts/{username}"))
            .await
    }

    /// Create an account; the answer holds its setup code.
    pub async fn create(&self, username: &str, role: &str, department: Option<&str>) -> Resp {
        let mut body = json!({ "username": username, "role": role });
        if let Some(d) = department {
            body["department"] = d.into();
        }
        self.post("/api/v1/admin/accounts", body).await
    }

    async fn act(&self, username: &str, action: &str) -> Resp {
        let path = format!("/api/v1/admin/accounts/{username}/{action}");
        self.post(&path, json!({})).await
    }

    pub async fn disable(&self, username: &str) -> Resp {
        self.act(username, "disable").await
    }

    pub async fn enable(&self, username: &str) -> Resp {
        self.act(username, "enable").await
    }

    /// Reset an account; the answer holds the new setup code.
    pub async fn reset(&self, username: &str) -> Resp {
        self.act(username, "reset").await
    }

    pub async fn place(&self, username: &str, role: &str, department: Option<&str>) -> Resp {
        let path = format!("/api/v1/admin/accounts/{username}/placement");
        self.post(&path, json!({ "role": role, "department": department }))
            .await
    }

    pub async fn org(&self) -> Resp {
        self.get("/api/v1/admin/org").await
    }

    pub async fn org_file(&self) -> Resp {
        self.get("/api/v1/admin/org/file").await
    }

    pub async fn preview(&self, file: &str) -> Resp {
        self.post("/api/v1/admin/org/preview", json!({ "file": file }))
            .await
    }

    pub async fn apply(&self, file: &str, base: Option<&str>) -> Resp {
        self.post(
            "/api/v1/admin/org/apply",
            json!({ "file": file, "base": base }),
        )
        .await
    }
}

impl TestApp {
    /// A new administrator account, signed in through the API.
    pub async fn new_admin(&self, username: &str) -> Admin<'_> {
        self.user(username, zhiyan::service::Role::Admin, None)
            .await;
        Admin::new(self, self.bearer(username).await)
    }
}
