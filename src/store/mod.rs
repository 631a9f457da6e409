//! Persistence. One interface (`Store` and its write transaction `Tx`) over two backends, each through
//! its own native sqlx driver.
//!
//! A query is written once, in the SQL that SQLite and PostgreSQL share (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`, `TRUE`/`FALSE`), and run on whichever pool the store holds: `on_pool!` and `on_tx!`
//! expand the same code for each driver, so the compiler checks it against both. What differs per
//! backend (connection options, migrations, how writers are serialized) lives in `sqlite.rs` and
//! `postgres.rs`. Rows are typed wrappers (`bool` for flags, `State` for states) that convert to the
//! domain's types; nothing above this module sees a row.

/// Run `$body` with `$c` bound to the store's pool, whichever backend it is.
macro_rules! on_pool {
    ($store:expr, $c:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($c) => $body,
            $crate::store::Db::Postgres($c) => $body,
        }
    };
}

/// Run `$body` with `$c` bound to the transaction's connection (`&mut` to the driver's connection;
/// reborrow it as `&mut *$c` to run several statements).
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::store::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

mod board;
mod events;
mod org;
mod postgres;
mod reports;
mod sqlite;
mod staff;
mod stats;
mod types;

pub use board::{ClosureCount, Milestone, OpenCount};
pub use events::{EventRow, NewEvent};
pub use org::{CatalogRows, CategoryRow, DepartmentRow, NamedRow};
pub use reports::{ItemFilter, MessageRow, NewMessage, Sealed, StoredItem};
pub use staff::{AccountRow, SessionKind, SessionRow, StaffRow};
pub use stats::FactsRow;

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};
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
            sqlx::Error::Database(d) if d.code().is_some_and(|c| postgres::connection_lost(&c)) => {
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` select PostgreSQL; anything else is a SQLite path or URL.
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
}

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
pub struct Store {
    db: Db,
    /// SQLite has one writer at a time. Taking this before `BEGIN IMMEDIATE` queues this process's
    /// writers here instead of in SQLite's busy handler; `BEGIN IMMEDIATE` covers other processes
    /// (the CLI while `serve` runs), which then wait for the lock instead of failing on upgrade.
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
        let max_connections = max_connections.max(1);
        let db = match Backend::from_url(url) {
            Backend::Sqlite => {
                Db::Sqlite(sqlite::connect(url, max_connections, acquire_timeout).await?)
            }
            Backend::Postgres => {
                Db::Postgres(postgres::connect(url, max_connections, acquire_timeout).await?)
            }
        };
        Ok(Store {
            db,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => sqlite::MIGRATIONS.run(p).await?,
            Db::Postgres(p) => postgres::MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, c => sqlx::query("SELECT 1").execute(c).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, c => c.close().await)
    }

    /// A write transaction. Commit it, or drop it to roll back.
    pub async fn begin(&self) -> Result<Tx> {
        let (inner, guard) = match &self.db {
            Db::Sqlite(p) => {
                let guard = self.write_lock.clone().lock_owned().await;
                (
                    TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
                    Some(guard),
                )
            }
            Db::Postgres(p) => (TxInner::Postgres(p.begin().await?), None),
        };
        Ok(Tx {
            inner,
            _guard: guard,
        })
    }
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

pub struct Tx {
    inner: TxInner,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
