//! A department's desk through the JSON API, holding its bearer token.
use super::{Resp, TestApp};
use serde_json::{json, Value};

pub struct Desk<'a> {
    app: &'a TestApp,
    /// The `Authorization` header value.
    pub bearer: String,
}

impl<'a> Desk<'a> {
    pub fn new(app: &'a TestApp, bearer: String) -> Desk<'a> {
        Desk { app, bearer }
    }

    /// The same session through another instance of the app.
    pub fn on<'b>(&self, app: &'b TestApp) -> Desk<'b> {
        Desk::new(app, self.bearer.clone())
    }

    /// `POST /api/v1/auth/logout`: the session ends on every instance.
    pub async fn sign_out(&self) -> Resp {
        self.app
            .post("/api/v1/auth/logout", Some(&self.bearer), json!({}))
            .await
    }

    async fn post(&self, id: &str, action: &str, body: Value) -> Resp {
        let path = format!("/api/v1/desk/items/{id}/{action}");
        self.app.post(&path, Some(&self.bearer), body).await
    }

    /// `GET /api/v1/desk/items` with `query` (`""`, or e.g. `"?overdue=true"`).
    pub async fn items(&self, query: &str) -> Resp {
        let path = format!("/api/v1/desk/items{query}");
        self.app.get(&path, Some(&self.bearer)).await
    }

    pub async fn item(&self, id: &str) -> Resp {
        let path = format!("/api/v1/desk/items/{id}");
        self.app.get(&path, Some(&self.bearer)).await
    }

    pub async fn acknowledge(&self, id: &str) -> Resp {
        self.post(id, "acknowledge", json!({})).await
    }

    pub async fn message(&self, id: &str, body: &str) -> Resp {
        self.post(id, "messages", json!({ "body": body })).await
    }

    pub async fn respond(&self, id: &str, outcome: &str, body: &str) -> Resp {
        self.post(id, "respond", json!({ "outcome": outcome, "body": body }))
            .await
    }

    /// Ask the supervisors to move the item, optionally suggesting where.
    pub async fn transfer(&self, id: &str, reason: &str, suggested: Option<&str>) -> Resp {
        let mut body = json!({ "reason": reason });
        if let Some(s) = suggested {
            body["suggested_department"] = s.into();
        }
        self.post(id, "transfer", body).await
    }
}
