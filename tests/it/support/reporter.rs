//! The reporter through the JSON API: no account, only the receipt of their report.
use super::{Resp, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

/// The title and body of every report `TestApp::submit` sends.
pub const TITLE: &str = "同一检查一月三次";
pub const BODY: &str = "县里三个部门先后来检查同一项工作。";

/// Whoever holds `receipt`, talking to one app instance.
pub struct Reporter<'a> {
    app: &'a TestApp,
    /// As the reporter has it (`XXXX-XXXX-…`), without the `Receipt ` scheme.
    pub receipt: String,
}

impl TestApp {
    /// Submit a report through the API; its id and its reporter.
    pub async fn submit(
        &self,
        category: &str,
        area: &str,
        subject: Option<&str>,
    ) -> (String, Reporter<'_>) {
        let mut body = json!({ "category": category, "area": area, "title": TITLE, "body": BODY });
        if let Some(s) = subject {
            body["subject_department"] = s.into();
        }
        let v = self
            .submit_json(body)
            .await
            .expect(StatusCode::CREATED)
            .json();
        (
            v["id"].as_str().unwrap().to_string(),
            self.reporter(v["receipt"].as_str().unwrap()),
        )
    }

    /// `POST /api/v1/reports/preview`: what the department would see; nothing is stored.
    pub async fn preview_json(&self, body: Value) -> Resp {
        self.post("/api/v1/reports/preview", None, body).await
    }

    /// `POST /api/v1/reports` with `body` as it is, for submissions that may be refused.
    pub async fn submit_json(&self, body: Value) -> Resp {
        self.post("/api/v1/reports", None, body).await
    }

    /// Someone presenting `receipt` (which need not be a real one).
    pub fn reporter(&self, receipt: &str) -> Reporter<'_> {
        Reporter {
            app: self,
            receipt: receipt.to_string(),
        }
    }
}

impl<'a> Reporter<'a> {
    fn auth(&self) -> String {
        format!("Receipt {}", self.receipt)
    }

    async fn post(&self, action: &str, body: Value) -> Resp {
        let path = format!("/api/v1/reports/mine/{action}");
        self.app.post(&path, Some(&self.auth()), body).await
    }

    /// `GET /api/v1/reports/mine`.
    pub async fn view(&self) -> Resp {
        self.app
            .get("/api/v1/reports/mine", Some(&self.auth()))
            .await
    }

    /// The reporter's view of their report, which must be found.
    pub async fn mine(&self) -> Value {
        self.view().await.expect(StatusCode::OK).json()
    }

    pub async fn reply(&self, body: &str) -> Resp {
        self.post("messages", json!({ "body": body })).await
    }

    pub async fn confirm(&self, satisfaction: i64) -> Resp {
        self.post("confirm", json!({ "satisfaction": satisfaction }))
            .await
    }

    pub async fn reopen(&self, reason: &str) -> Resp {
        self.post("reopen", json!({ "reason": reason })).await
    }

    pub async fn withdraw(&self) -> Resp {
        self.post("withdraw", json!({})).await
    }

    /// `POST /api/v1/reports/mine/retaliation`: "I have suffered retaliation".
    pub async fn report_retaliation(&self, body: &str) -> Resp {
        self.post("retaliation", json!({ "body": body })).await
    }

    /// An action (`messages`, `confirm`, `reopen`, `withdraw`) on one of the receipt's retaliation
    /// reports.
    pub async fn on_retaliation(&self, id: &str, action: &str, body: Value) -> Resp {
        self.post(&format!("retaliation/{id}/{action}"), body).await
    }
}
