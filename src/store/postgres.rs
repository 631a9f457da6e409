//! The server backend, for deployments that run several instances on one database.
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub(super) static MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The advisory-lock key that serializes appends to the audit chain across every instance:
/// 0x7a6869 is "zhi". Tests that hold the lock to simulate a stuck writer use the same number.
pub const CHAIN_LOCK_KEY: i64 = 8_022_121;

pub(super) async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        // A restart or failover kills every backend; testing first replaces a dead connection.
        .test_before_acquire(true)
        .connect_with(options)
        .await
}

/// Held until commit: only one transaction at a time appends to the audit chain.
pub(super) async fn lock_chain(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK_KEY)
        .execute(conn)
        .await?;
    Ok(())
}

/// SQLSTATEs that mean the server ended or refused the session, not that the query was wrong:
/// class 08 (connection exception), admin/crash shutdown and "cannot connect now" (a restart or
/// failover terminates every backend with 57P01), and too many connections.
pub(super) fn connection_lost(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&sqlstate)
}
