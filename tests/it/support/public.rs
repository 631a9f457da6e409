//! The endpoints anyone may call: statistics (JSON, CSV, page), the audit log's signed head, and
//! the probes.
use super::{Resp, TestApp};
use axum::http::StatusCode;
use serde_json::Value;

impl TestApp {
    /// `GET /api/v1/stats` with `query` (`""`, or e.g. `"?from=2026-10"`).
    pub async fn stats(&self, query: &str) -> Resp {
        self.get(&format!("/api/v1/stats{query}"), None).await
    }

    /// The statistics as JSON, for a query that must succeed.
    pub async fn stats_json(&self, query: &str) -> Value {
        self.stats(query).await.expect(StatusCode::OK).json()
    }

    pub async fn stats_csv(&self) -> Resp {
        self.get("/stats.csv", None).await
    }

    /// `GET /stats` with `query`, the page in English.
    pub async fn stats_page(&self, query: &str) -> Resp {
        let sep = if query.is_empty() { "?" } else { "&" };
        self.page(&format!("/stats{query}{sep}lang=en"), None).await
    }

    /// `GET /api/v1/log/head`, which must succeed.
    pub async fn log_head(&self) -> Value {
        self.get("/api/v1/log/head", None)
            .await
            .expect(StatusCode::OK)
            .json()
    }

    pub async fn readyz(&self) -> Resp {
        self.get("/readyz", None).await
    }

    pub async fn catalog(&self) -> Resp {
        self.get("/api/v1/catalog", None).await
    }
}
