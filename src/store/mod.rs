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
        match $tx.conn_mut() {
            $crate::store::writer::WriteConn::Sqlite($c) => $body,
            $crate::store::writer::WriteConn::Postgres($c) => $body,
        }
    };
}

mod attachments;
mod board;
mod events;
mod form_tokens;
mod notifications;
mod org;
mod pending;
mod postgres;
mod reports;
mod sqlite;
mod staff;
mod stats;
mod types;
mod writer;

pub use attachments::{AttachmentRow, NewAttachment};
pub use board::{AreaCount, ClosureCount, Milestone, OpenCount};
pub use events::{EventRow, NewEvent};
pub use notifications::{ChannelRow, DeliveryRow, UndeliveredRow, WebhookRow};
pub use org::{CatalogRows, CategoryRow, DepartmentRow, NamedRow};
pub use pending::Pending;
pub use postgres::CHAIN_LOCK_KEY;
pub use reports::{ItemFilter, MessageRow, NewMessage, Sealed, StoredItem};
pub use staff::{AccountRow, SessionKind, SessionRow, StaffRow};
pub use writer::{Tx, WriteStats};

use sqlx::{PgPool, SqlitePool};
use std::sync::Arc;
use std::time::Duration;
use writer::Writer;

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

/// How to open the database; `Default` is what the flags default to.
#[derive(Clone, Debug)]
pub struct Options {
    /// Connections for reads (the writer has one more of its own).
    pub max_connections: u32,
    /// How long a request waits for a connection before it is answered `503 unavailable`.
    pub acquire_timeout: Duration,
    /// SQLite: wait for the disk at every commit (`synchronous = FULL`). Off (`NORMAL`), a power cut
    /// can lose the last commits, and with them reports whose receipts were already handed out.
    pub sqlite_full_sync: bool,
}

impl Default for Options {
    fn default() -> Self {
        use crate::config::defaults;
        Options {
            max_connections: defaults::DB_MAX_CONNECTIONS,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            sqlite_full_sync: defaults::SQLITE_SYNCHRONOUS == "full",
        }
    }
}

/// Reads go to a pool; writes go, one at a time and committed in groups, through the writer.
#[derive(Clone)]
pub struct Store {
    db: Db,
    writer: Arc<Writer>,
}

/// How long a request waits for a database connection before it is answered `503 unavailable`
/// (the flag's default, `config::defaults::DB_ACQUIRE_TIMEOUT`, says the same).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        Store::open(
            url,
            &Options {
                max_connections,
                ..Options::default()
            },
        )
        .await
    }

    /// Like `connect`, with the acquire timeout: it bounds how long a request waits while the
    /// database is unreachable (connections are tested before use, so a dead one is replaced).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Store> {
        let options = Options {
            max_connections,
            acquire_timeout,
            ..Options::default()
        };
        Store::open(url, &options).await
    }

    pub async fn open(url: &str, o: &Options) -> Result<Store> {
        let max = o.max_connections.max(1);
        let (db, connect) = match Backend::from_url(url) {
            Backend::Sqlite => {
                let options = sqlite::options(url, o.sqlite_full_sync)?;
                let pool = sqlite::pool(options.clone(), max, o.acquire_timeout).await?;
                (Db::Sqlite(pool), writer::Connect::Sqlite(options))
            }
            Backend::Postgres => {
                let options = postgres::options(url)?;
                let pool = postgres::pool(options.clone(), max, o.acquire_timeout).await?;
                (Db::Postgres(pool), writer::Connect::Postgres(options))
            }
        };
        Ok(Store {
            db,
            writer: Writer::new(connect, o.acquire_timeout),
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
        self.writer.close().await;
        on_pool!(self, c => c.close().await)
    }

    /// How many commits carried how many write transactions so far. It waits for the writer, so
    /// never call it while holding a `Tx`.
    pub async fn write_stats(&self) -> WriteStats {
        self.writer.stats().await
    }

    /// Write transactions waiting for the writer right now.
    pub fn write_queue(&self) -> usize {
        self.writer.queued()
    }

    /// A write transaction: a savepoint in the writer's current batch. Commit it (it returns once the
    /// batch is durable), or drop it to roll back.
    pub async fn begin(&self) -> Result<Tx> {
        let postgres = self.backend() == Backend::Postgres;
        self.writer.begin(writer::begin_sql(postgres)).await
    }
}
