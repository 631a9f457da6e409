//! What differs between SQLite and PostgreSQL.
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// SQLite: create the file if missing.
    pub(super) fn normalize_url(self, url: &str) -> String {
        match self {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        }
    }

    pub(super) fn max_connections(self, configured: u32) -> u32 {
        configured.max(1)
    }

    pub(super) fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub(super) async fn setup_connection(
        self,
        conn: &mut AnyConnection,
    ) -> Result<(), sqlx::Error> {
        if self == Backend::Sqlite {
            // WAL lets readers proceed while one writer commits; the busy timeout covers the rest.
            conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                .await?;
        }
        Ok(())
    }

    /// Held until commit: only one transaction at a time appends to the audit chain, across all
    /// instances. SQLite is already serialized by the store's write lock.
    pub(super) async fn lock_chain(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self == Backend::Postgres {
            // 0x7a6869 = "zhi": an arbitrary, fixed advisory-lock key for the audit chain.
            sqlx::query("SELECT pg_advisory_xact_lock(8022121)")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}
