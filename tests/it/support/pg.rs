//! A throwaway PostgreSQL database. Self-contained (no other support module) because
//! benches/submit.rs includes this file with `#[path]` for its PostgreSQL run.

/// A PostgreSQL database with a random name, dropped (WITH (FORCE)) when the last holder drops it.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// The URL of the new database (the admin URL with the database name replaced).
    pub url: String,
}

impl PgDatabase {
    /// Create a fresh database on the server of `admin_url` (its user needs CREATEDB).
    pub async fn create(admin_url: &str) -> PgDatabase {
        let name = format!(
            "zhiyan_test_{}",
            hex::encode(zhiyan::crypto::random_bytes::<6>())
        );
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("the PostgreSQL URL is set but the server is unreachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(b, _)| b)
            .to_string();
        PgDatabase {
            admin_url: admin_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}
