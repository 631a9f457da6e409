//! A supervisor through the oversight API, holding their bearer token.
use super::{Resp, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

pub struct Supervisor<'a> {
    app: &'a TestApp,
    /// The `Authorization` header value.
    pub bearer: String,
}

impl<'a> Supervisor<'a> {
    pub fn new(app: &'a TestApp, bearer: String) -> Supervisor<'a> {
        Supervisor { app, bearer }
    }

    async fn post(&self, id: &str, action: &str, body: Value) -> Resp {
        let path = format!("/api/v1/oversight/items/{id}/{action}");
        self.app.post(&path, Some(&self.bearer), body).await
    }

    /// `POST /api/v1/oversight/items/{id}/messages` with `body` (`{"body": …}`, or anything to test).
    pub async fn message(&self, id: &str, body: Value) -> Resp {
        self.post(id, "messages", body).await
    }

    /// `GET /api/v1/oversight/summary`: the board of the supervisor's subtree.
    pub async fn summary(&self) -> Resp {
        self.app
            .get("/api/v1/oversight/summary", Some(&self.bearer))
            .await
    }

    /// `GET /api/v1/oversight/items` with `query` (`""`, or e.g. `"?state=triage"`).
    pub async fn items(&self, query: &str) -> Resp {
        let path = format!("/api/v1/oversight/items{query}");
        self.app.get(&path, Some(&self.bearer)).await
    }

    pub async fn item(&self, id: &str) -> Resp {
        let path = format!("/api/v1/oversight/items/{id}");
        self.app.get(&path, Some(&self.bearer)).await
    }

    /// The item's detail, which must be within the subtree.
    pub async fn detail(&self, id: &str) -> Value {
        self.item(id).await.expect(StatusCode::OK).json()
    }

    pub async fn assign(&self, id: &str, department: &str) -> Resp {
        self.post(id, "assign", json!({ "department": department }))
            .await
    }

    /// Decide a transfer request: approve it to `department`, or send it back (`None`).
    pub async fn decide(&self, id: &str, department: Option<&str>) -> Resp {
        let body = match department {
            Some(d) => json!({ "approve": true, "department": d }),
            None => json!({ "approve": false }),
        };
        self.post(id, "transfer-decision", body).await
    }

    /// Mark the item a duplicate of `of`.
    pub async fn duplicate(&self, id: &str, of: &str) -> Resp {
        self.post(id, "duplicate", json!({ "of": of })).await
    }

    pub async fn reject(&self, id: &str, reason: &str) -> Resp {
        self.post(id, "reject", json!({ "reason": reason })).await
    }
}
