//! The app's database reached behind the application's back: raw statements and row counts, for
//! tests that check what is (or is not) stored.
use super::TestApp;
use sqlx::Connection;
use std::collections::BTreeMap;

/// Run `$body` with `$c` a fresh connection of the app's database, whichever backend it is.
macro_rules! on_connection {
    ($app:expr, $c:ident => $body:expr) => {
        if $app.database_url.starts_with("postgres") {
            let mut $c = sqlx::PgConnection::connect(&$app.database_url)
                .await
                .unwrap();
            $body
        } else {
            let mut $c = sqlx::SqliteConnection::connect(&$app.database_url)
                .await
                .unwrap();
            $body
        }
    };
}

impl TestApp {
    /// Run one statement.
    pub async fn sql(&self, query: &str) {
        on_connection!(self, c => {
            sqlx::query(query).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        })
    }

    /// Replace a report's sealed title and body and the key id stored with them.
    pub async fn set_sealed(&self, id: &str, key_id: &str, title: &[u8], body: &[u8]) {
        let q = "UPDATE reports SET key_id = $1, title_sealed = $2, body_sealed = $3 WHERE id = $4";
        on_connection!(self, c => {
            let query = sqlx::query(q).bind(key_id).bind(title).bind(body).bind(id);
            query.execute(&mut c).await.unwrap();
        })
    }

    /// How many rows each table holds, every table of the schema.
    pub async fn row_counts(&self) -> BTreeMap<String, i64> {
        let list = if self.database_url.starts_with("postgres") {
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = 'public'"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        };
        let mut out = BTreeMap::new();
        on_connection!(self, c => {
            let tables: Vec<String> = sqlx::query_scalar(list).fetch_all(&mut c).await.unwrap();
            for t in tables {
                let count = format!("SELECT COUNT(*) FROM \"{t}\"");
                let n: i64 = sqlx::query_scalar(&count).fetch_one(&mut c).await.unwrap();
                out.insert(t, n);
            }
        });
        assert!(
            out.contains_key("reports"),
            "the tables were listed: {out:?}"
        );
        out
    }

    /// The kinds of the audit events of report `id`, in chain order.
    pub async fn event_kinds(&self, id: &str) -> Vec<String> {
        let events = self.store.report_events(id).await.unwrap();
        events.into_iter().map(|e| e.kind).collect()
    }

    /// When the reporter's last waiting action on `id` is released, if one is waiting.
    pub async fn pending_release(&self, id: &str) -> Option<i64> {
        self.store
            .pending(id)
            .await
            .unwrap()
            .last()
            .map(|p| p.release_at)
    }

    /// One number from the database (a count, a sum).
    pub async fn number(&self, query: &str) -> i64 {
        on_connection!(self, c => {
            let n: i64 = sqlx::query_scalar(query).fetch_one(&mut c).await.unwrap();
            n
        })
    }

    /// The columns of `table`, sorted.
    pub async fn columns(&self, table: &str) -> Vec<String> {
        let q = if self.database_url.starts_with("postgres") {
            format!("SELECT column_name::TEXT FROM information_schema.columns WHERE table_name = '{table}'")
        } else {
            format!("SELECT name FROM pragma_table_info('{table}')")
        };
        let mut cols: Vec<String> = on_connection!(self, c => {
            sqlx::query_scalar(&q).fetch_all(&mut c).await.unwrap()
        });
        cols.sort();
        cols
    }
}
