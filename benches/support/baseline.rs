//! What the database itself can do with the rows a submission writes, measured in the same run as
//! the server so the server's figures can be read as a share of it. One "submission" here is what
//! the service writes for one: a report row (with sealed-size blobs and a receipt MAC) and its two
//! audit events (`submitted`, `released`), 100 submissions per transaction, from one client, with
//! nothing else: no HTTP, no crypto, no routing, no chain hashing.
//!
//! SQLite goes through the C API (rusqlite) with the server's settings (WAL, synchronous=FULL);
//! PostgreSQL through one plain client connection with prepared statements.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

pub const PER_TRANSACTION: usize = 100;

const TITLE: [u8; 60] = [7; 60];
const BODY: [u8; 140] = [9; 140];

/// Submissions per second into a fresh SQLite file at `path` for `duration`. The file must hold
/// the schema and the demo organisation (the foreign keys are checked).
pub fn sqlite(path: &Path, duration: Duration) -> f64 {
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.pragma_update(None, "foreign_keys", "ON").unwrap();
    let mut seq: i64 = c
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
        .unwrap();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < duration {
        let tx = c.transaction().unwrap();
        {
            let mut report = tx.prepare_cached(REPORT_SQL).unwrap();
            let mut event = tx.prepare_cached(EVENT_SQL).unwrap();
            for _ in 0..PER_TRANSACTION {
                let id = format!("B-{n:012}");
                report
                    .execute(rusqlite::params![
                        id,
                        mac(n),
                        &TITLE[..],
                        &BODY[..],
                        1_795_140_000i64
                    ])
                    .unwrap();
                for kind in ["submitted", "released"] {
                    seq += 1;
                    event
                        .execute(rusqlite::params![
                            seq,
                            id,
                            kind,
                            &[1u8; 32][..],
                            &[2u8; 32][..]
                        ])
                        .unwrap();
                }
                n += 1;
            }
        }
        tx.commit().unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The same on PostgreSQL at `url` (the schema and demo organisation in place).
pub async fn postgres(url: &str, duration: Duration) -> f64 {
    use sqlx::{Connection, Executor};
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let mut seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < duration {
        c.execute("BEGIN").await.unwrap();
        for _ in 0..PER_TRANSACTION {
            let id = format!("B-{n:012}");
            sqlx::query(REPORT_SQL)
                .bind(&id)
                .bind(mac(n))
                .bind(&TITLE[..])
                .bind(&BODY[..])
                .bind(1_795_140_000i64)
                .execute(&mut c)
                .await
                .unwrap();
            for kind in ["submitted", "released"] {
                seq += 1;
                sqlx::query(EVENT_SQL)
                    .bind(seq)
                    .bind(&id)
                    .bind(kind)
                    .bind(&[1u8; 32][..])
                    .bind(&[2u8; 32][..])
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
            n += 1;
        }
        c.execute("COMMIT").await.unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn mac(n: u64) -> Vec<u8> {
    let mut m = vec![0u8; 32];
    m[..8].copy_from_slice(&n.to_le_bytes());
    m[8] = 0xb5;
    m
}

const REPORT_SQL: &str = "INSERT INTO reports (id, receipt_mac, category, area, department, \
    routed_to_triage, state, key_id, title_sealed, body_sealed, received_on, release_at, dispatched_at) \
    VALUES ($1, $2, 'duplicate-inspections', 'xinhe', 'supervision', FALSE, 'assigned', 'k1', $3, $4, \
    $5, $5, $5)";

const EVENT_SQL: &str = "INSERT INTO events (seq, report_id, kind, actor_role, detail, at, \
    prev_hash, hash) VALUES ($1, $2, $3, 'system', '{}', 1795140000, $4, $5)";
