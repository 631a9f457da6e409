//! Persistence. One interface (`Store` and its write transaction `Tx`) over both backends.
//!
//! Queries are written once, in the SQL that SQLite and PostgreSQL share (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`), and run through sqlx's `Any` driver. What differs per backend lives in `backend.rs`:
//! connection setup, the migration set, and how writers are serialized for the audit chain.
mod backend;
mod board;
mod events;
mod org;
mod reports;
mod staff;
mod stats;

pub use backend::Backend;
pub use board::{ClosureCount, Milestone, OpenCount};
pub use events::{EventRow, NewEvent};
pub use org::{CatalogRows, CategoryRow, DepartmentRow, NamedRow, RuleRow};
pub use reports::{MessageRow, NewMessage, NewReport, ReportFilter, ReportRow};
pub use staff::{SessionRow, StaffRow};
pub use stats::FactsRow;

use sqlx::any::AnyPoolOptions;
use sqlx::Any;
use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached (down, pool exhausted, network): an operational event.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A row changed under us (optimistic concurrency) or a unique key is taken.
    #[error("conflicting concurrent change")]
    Conflict,
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e),
            sqlx::Error::Database(d) if d.code().is_some_and(|c| connection_lost(&c)) => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(e),
        }
    }
}

/// PostgreSQL SQLSTATEs that mean the server ended or refused the session, not that the query was
/// wrong: class 08 (connection exception), admin/crash shutdown and "cannot connect now" (a restart
/// or failover terminates every backend with 57P01), and too many connections.
fn connection_lost(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&sqlstate)
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; taking this before BEGIN avoids SQLITE_BUSY on lock upgrade.
    write_lock: Arc<Mutex<()>>,
}

/// How long a request waits for a database connection before it is answered `503 unavailable`.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        Store::connect_with(url, max_connections, DEFAULT_ACQUIRE_TIMEOUT).await
    }

    /// Like `connect`, with the acquire timeout: it bounds how long a request waits while the
    /// database is unreachable (connections are tested before use, so a dead one is replaced).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url);
        let url = backend.normalize_url(url);
        let pool = AnyPoolOptions::new()
            .max_connections(backend.max_connections(max_connections))
            .acquire_timeout(acquire_timeout)
            .test_before_acquire(true)
            .after_connect(move |conn, _meta| {
                Box::pin(async move { backend.setup_connection(conn).await })
            })
            .connect(&url)
            .await?;
        Ok(Store {
            pool,
            backend,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. Commit it, or drop it to roll back.
    pub async fn begin(&self) -> Result<Tx> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(Tx {
            tx,
            backend: self.backend,
            _guard: guard,
        })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

pub struct Tx {
    tx: sqlx::Transaction<'static, Any>,
    backend: Backend,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
