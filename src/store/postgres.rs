//! The server backend, for deployments that run several instances on one database.
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

pub(super) static MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The advisory-lock key that serializes writers (and so appends to the audit chain) across every
/// instance: 0x7a6869 is "zhi". `BEGIN_BATCH` spells it out; tests that hold the lock to simulate a
/// stuck writer use this constant.
pub const CHAIN_LOCK_KEY: i64 = 8_022_121;

pub(super) fn options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    PgConnectOptions::from_str(url)
}

pub(super) async fn pool(
    options: PgConnectOptions,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        // A restart or failover kills every backend; testing first replaces a dead connection.
        .test_before_acquire(true)
        .connect_with(options)
        .await
}

/// Opens a write batch. The batch takes the chain lock at once and holds it to its commit, so one
/// batch at a time writes, across every instance: the chain cannot fork, and two instances' batches
/// can never wait on each other's row locks (a batch carries many requests; taking the lock only at
/// the first append would let two batches deadlock on rows each had already changed).
pub(super) const BEGIN_BATCH: &str = "BEGIN; SELECT pg_advisory_xact_lock(8022121)";

/// SQLSTATEs that mean the server ended or refused the session, not that the query was wrong:
/// class 08 (connection exception), admin/crash shutdown and "cannot connect now" (a restart or
/// failover terminates every backend with 57P01), and too many connections.
pub(super) fn connection_lost(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&sqlstate)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_batch_takes_the_named_chain_lock() {
        let key = super::CHAIN_LOCK_KEY.to_string();
        assert!(super::BEGIN_BATCH.ends_with(&format!("pg_advisory_xact_lock({key})")));
    }
}
