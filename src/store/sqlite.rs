//! The embedded backend: one file, write-ahead log, one writer at a time.
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

pub(super) static MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// `sqlite://PATH` (or a bare path): the file is created if missing.
pub(super) fn options(url: &str, full_sync: bool) -> Result<SqliteConnectOptions, sqlx::Error> {
    let url = if url.starts_with("sqlite:") {
        url.to_string()
    } else {
        format!("sqlite://{url}")
    };
    let synchronous = if full_sync {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    Ok(SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        // WAL lets readers proceed while one writer commits; the busy timeout covers other processes.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5)))
}

pub(super) async fn pool(
    options: SqliteConnectOptions,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<SqlitePool, sqlx::Error> {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
}
