//! One writer per instance, with group commit.
//!
//! Every write transaction of this instance runs on one connection, one request at a time, each
//! inside a savepoint of a longer transaction: the *batch*. A request that finishes its work
//! releases its savepoint and either commits the batch itself (when nobody is queued behind it, or
//! the batch is full) or leaves the commit to whoever comes last and waits for it. So under load one
//! durable commit (one fsync) carries many requests, and with a single client nothing waits.
//!
//! A request is answered only after the commit that holds its work: `Tx::commit` returns when the
//! batch is durable, or with the batch's error. A request that fails rolls back to its savepoint, so
//! its neighbours in the batch are untouched. Dropping a `Tx` without committing rolls it back.
//!
//! The queue is the fair (FIFO) mutex around the connection; `flush` wakes a task that commits a
//! batch left open by requests that deferred the commit to the ones queued behind them (in case those
//! give up before taking their turn).
use super::{Result, StoreError};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, SqliteConnection};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Mutex, Notify, OwnedMutexGuard};

/// The most requests one commit carries; past this the request that fills the batch commits it.
const MAX_BATCH: usize = 256;
/// A connection idle longer than this is tested before a batch begins on it.
const IDLE_CHECK: Duration = Duration::from_millis(500);

pub(crate) enum WriteConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

pub(crate) enum Connect {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
}

/// How a batch ended, for every request it carried.
type BatchResult = std::result::Result<(), BatchError>;

#[derive(Clone, Debug)]
struct BatchError {
    /// The connection was lost: the answer is "unavailable", not an internal error.
    lost: bool,
    message: String,
}

impl From<BatchError> for StoreError {
    fn from(e: BatchError) -> StoreError {
        let io = std::io::Error::other(e.message);
        if e.lost {
            StoreError::Unavailable(sqlx::Error::Io(io))
        } else {
            StoreError::Database(sqlx::Error::Io(io))
        }
    }
}

pub(crate) struct State {
    conn: Option<WriteConn>,
    /// A batch transaction is open on `conn`.
    open: bool,
    /// Requests whose savepoints the open batch holds.
    in_batch: usize,
    /// Requests that released their savepoint and wait for the batch's commit.
    waiters: Vec<oneshot::Sender<BatchResult>>,
    /// When a request last began on the connection.
    used: Instant,
    stats: WriteStats,
    /// The audit chain's head as the open batch has left it, once read: the batch holds the write
    /// lock (SQLite) or the chain lock (PostgreSQL) from its BEGIN, so nobody else can move it.
    chain_head: Option<(i64, Vec<u8>)>,
    /// The head when the current request's savepoint began, put back if it rolls back.
    head_at_savepoint: Option<(i64, Vec<u8>)>,
}

/// What the writer has done since it started: how many commits carried how many requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Batches committed.
    pub batches: u64,
    /// Requests whose work those batches carried.
    pub requests: u64,
}

pub(crate) struct Writer {
    state: Arc<Mutex<State>>,
    /// Requests queued for the connection: a request commits at once when none are.
    queued: AtomicUsize,
    flush: Notify,
    connect: Connect,
    connect_timeout: Duration,
}

impl Writer {
    pub(crate) fn new(connect: Connect, connect_timeout: Duration) -> Arc<Writer> {
        let writer = Arc::new(Writer {
            state: Arc::new(Mutex::new(State {
                conn: None,
                open: false,
                in_batch: 0,
                waiters: Vec::new(),
                used: Instant::now(),
                stats: WriteStats::default(),
                chain_head: None,
                head_at_savepoint: None,
            })),
            queued: AtomicUsize::new(0),
            flush: Notify::new(),
            connect,
            connect_timeout,
        });
        // Commits batches whose last request deferred the commit to someone queued behind it. It
        // holds the writer only weakly, so it ends when the store is gone.
        let weak = Arc::downgrade(&writer);
        tokio::spawn(async move {
            loop {
                let Some(w) = weak.upgrade() else { return };
                let state = w.state.clone();
                let wake = async {
                    w.flush.notified().await;
                };
                // Wake up now and then to notice the store is gone.
                if tokio::time::timeout(Duration::from_secs(5), wake)
                    .await
                    .is_err()
                {
                    continue;
                }
                let mut s = state.lock_owned().await;
                if s.open && s.in_batch > 0 {
                    s.finish().await;
                }
            }
        });
        writer
    }

    /// Wait for the connection (FIFO), then open a savepoint in the current batch.
    pub(crate) async fn begin(self: &Arc<Self>, begin_sql: &'static str) -> Result<Tx> {
        let mut s = {
            let _queued = Queued::new(&self.queued);
            self.state.clone().lock_owned().await
        };
        if s.conn.is_none() {
            s.conn = Some(self.open_connection().await?);
        }
        if !s.open {
            // A connection idle for a while may have died (a database restart, a failover, a cut
            // network): test it first, as the pool does for readers. Under load it is never idle.
            if s.used.elapsed() > IDLE_CHECK && !s.alive().await {
                s.conn = Some(self.open_connection().await?);
            }
            let mut begun = s.run(begin_sql).await;
            if let Err(StoreError::Unavailable(sqlx::Error::Io(_))) = begun {
                // Its socket was gone: nothing of this batch has run yet, so a fresh connection
                // may simply begin it again. (A server that ends the session while it waits for
                // the lock says so with an error, which is answered, not retried.)
                s.conn = Some(self.open_connection().await?);
                begun = s.run(begin_sql).await;
            }
            if let Err(e) = begun {
                s.give_up(&e).await;
                return Err(e);
            }
            s.open = true;
            s.chain_head = None;
        }
        if let Err(e) = s.run("SAVEPOINT request").await {
            s.give_up(&e).await;
            return Err(e);
        }
        s.head_at_savepoint = s.chain_head.clone();
        s.used = Instant::now();
        Ok(Tx {
            state: Some(s),
            writer: self.clone(),
        })
    }

    async fn open_connection(&self) -> Result<WriteConn> {
        let connect = async {
            match &self.connect {
                Connect::Sqlite(o) => o.connect().await.map(WriteConn::Sqlite),
                Connect::Postgres(o) => o.connect().await.map(WriteConn::Postgres),
            }
        };
        match tokio::time::timeout(self.connect_timeout, connect).await {
            Ok(conn) => Ok(conn?),
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }

    /// Whether the request releasing its savepoint now should commit the batch itself.
    fn commit_now(&self, s: &State) -> bool {
        s.in_batch >= MAX_BATCH || self.queued.load(Ordering::SeqCst) == 0
    }

    /// Undo an abandoned request's savepoint; end the batch if it carried nothing else.
    async fn abandon(&self, mut s: OwnedMutexGuard<State>) {
        if !s.open || s.conn.is_none() {
            return;
        }
        if let Err(e) = s
            .run("ROLLBACK TO SAVEPOINT request; RELEASE SAVEPOINT request")
            .await
        {
            s.give_up(&e).await;
            return;
        }
        s.chain_head = s.head_at_savepoint.take();
        if s.in_batch == 0 {
            // Nothing else in the batch: end it, so no write lock is held while idle.
            if let Err(e) = s.run("ROLLBACK").await {
                s.give_up(&e).await;
            }
            s.open = false;
        } else if self.commit_now(&s) {
            s.finish().await;
        } else {
            self.flush.notify_one();
        }
    }

    /// Waits for the connection: read between requests, not while holding a transaction.
    pub(crate) async fn stats(&self) -> WriteStats {
        self.state.lock().await.stats
    }

    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Close the connection (at shutdown), committing what is pending.
    pub(crate) async fn close(&self) {
        let mut s = self.state.lock().await;
        if s.open && s.in_batch > 0 {
            s.finish().await;
        }
        if let Some(conn) = s.conn.take() {
            let _ = match conn {
                WriteConn::Sqlite(c) => c.close().await,
                WriteConn::Postgres(c) => c.close().await,
            };
        }
        s.open = false;
    }
}

impl State {
    /// Whether the connection answers a ping.
    async fn alive(&mut self) -> bool {
        match self.conn.as_mut() {
            Some(WriteConn::Sqlite(c)) => c.ping().await.is_ok(),
            Some(WriteConn::Postgres(c)) => c.ping().await.is_ok(),
            None => false,
        }
    }

    /// Run a statement (or a `;`-separated few) that returns no rows, as a simple query (not
    /// prepared, so not cached).
    async fn run(&mut self, sql: &'static str) -> Result<()> {
        let conn = self
            .conn
            .as_mut()
            .ok_or(StoreError::Unavailable(sqlx::Error::PoolClosed))?;
        let done = match conn {
            WriteConn::Sqlite(c) => c.execute(sql).await.map(|_| ()),
            WriteConn::Postgres(c) => c.execute(sql).await.map(|_| ()),
        };
        done.map_err(StoreError::from)
    }

    /// Commit the batch and answer every request it carried.
    async fn finish(&mut self) {
        let result = match self.run("COMMIT").await {
            Ok(()) => {
                self.stats.batches += 1;
                self.stats.requests += self.waiters.len() as u64;
                Ok(())
            }
            Err(e) => {
                let failed = batch_error(&e);
                // A failed COMMIT may leave the transaction open; a lost connection is replaced.
                if failed.lost || self.run("ROLLBACK").await.is_err() {
                    self.conn = None;
                }
                Err(failed)
            }
        };
        self.open = false;
        self.in_batch = 0;
        self.chain_head = None;
        for w in self.waiters.drain(..) {
            let _ = w.send(result.clone());
        }
    }

    /// The connection or the batch cannot go on after `e`: every request in the batch fails, and
    /// the next request starts afresh (on a new connection if this one was lost).
    async fn give_up(&mut self, e: &StoreError) {
        let failed = batch_error(e);
        if failed.lost || self.run("ROLLBACK").await.is_err() {
            self.conn = None;
        }
        self.open = false;
        self.in_batch = 0;
        self.chain_head = None;
        for w in self.waiters.drain(..) {
            let _ = w.send(Err(failed.clone()));
        }
    }
}

fn batch_error(e: &StoreError) -> BatchError {
    BatchError {
        lost: matches!(e, StoreError::Unavailable(_)),
        message: e.to_string(),
    }
}

/// Counts a request as queued for the connection while it waits, even if it gives up waiting.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(n: &'a AtomicUsize) -> Queued<'a> {
        n.fetch_add(1, Ordering::SeqCst);
        Queued(n)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One request's write transaction: a savepoint in the writer's current batch. Commit it, or drop
/// it to roll back.
pub struct Tx {
    state: Option<OwnedMutexGuard<State>>,
    writer: Arc<Writer>,
}

impl Tx {
    pub(crate) fn conn_mut(&mut self) -> &mut WriteConn {
        self.state
            .as_mut()
            .and_then(|s| s.conn.as_mut())
            .expect("a transaction holds the writer's connection until it ends")
    }

    /// The audit chain's head in this batch, if this batch has read or moved it.
    pub(crate) fn chain_head(&self) -> Option<(i64, Vec<u8>)> {
        self.state.as_ref().and_then(|s| s.chain_head.clone())
    }

    /// The head after an event this transaction appended.
    pub(crate) fn set_chain_head(&mut self, seq: i64, hash: Vec<u8>) {
        if let Some(s) = self.state.as_mut() {
            s.chain_head = Some((seq, hash));
        }
    }

    /// Make this request's work part of the batch, and return once the batch is durable.
    pub async fn commit(mut self) -> Result<()> {
        let mut s = self.state.take().expect("a transaction is committed once");
        if let Err(e) = s.run("RELEASE SAVEPOINT request").await {
            let _ = s.run("ROLLBACK TO SAVEPOINT request").await;
            self.writer.abandon(s).await;
            return Err(e);
        }
        s.in_batch += 1;
        if self.writer.commit_now(&s) {
            let (tx, rx) = oneshot::channel();
            s.waiters.push(tx);
            s.finish().await;
            drop(s);
            return answer(rx).await;
        }
        let (tx, rx) = oneshot::channel();
        s.waiters.push(tx);
        drop(s);
        self.writer.flush.notify_one();
        answer(rx).await
    }
}

async fn answer(rx: oneshot::Receiver<BatchResult>) -> Result<()> {
    match rx.await {
        Ok(result) => Ok(result?),
        // The writer went away with the batch open: nothing of it was committed.
        Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolClosed)),
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        let Some(mut s) = self.state.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let writer = self.writer.clone();
                rt.spawn(async move { writer.abandon(s).await });
            }
            Err(_) => {
                // No runtime to roll back on: forget the connection, so nothing half-done is reused.
                s.conn = None;
                s.open = false;
                s.in_batch = 0;
                s.chain_head = None;
                s.waiters.clear();
            }
        }
    }
}

/// The statement that opens a batch on each backend. SQLite takes the write lock at once (so another
/// process's writer waits for it instead of failing on upgrade); PostgreSQL takes the chain lock.
pub(crate) fn begin_sql(postgres: bool) -> &'static str {
    if postgres {
        super::postgres::BEGIN_BATCH
    } else {
        "BEGIN IMMEDIATE"
    }
}
