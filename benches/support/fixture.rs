//! A large, realistic SQLite database for the benchmarks: the demo county's organisation and `n`
//! reports dispatched over three years, in the states, delays and outcomes a working deployment
//! accumulates. Built once and kept under target/bench-data (generation takes a while), keyed by `n`
//! and a layout version.
//!
//! Reports are written straight into the tables, sealed with the fixture's own keyring, with the same
//! derived columns (`due_at`, `sweep_at`) the service computes. No audit events or messages are
//! generated: the board and the statistics never read them.
#![allow(dead_code)]

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::QueryBuilder;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use zhiyan::crypto::Keyring;
use zhiyan::domain::deadlines::{self, Deadlines};
use zhiyan::domain::{FixedClock, State};
use zhiyan::service::{Role, Service, Settings};
use zhiyan::store::Store;

/// The instant the fixture is "now": 2026-11-20T02:00:00Z.
pub const NOW: i64 = 1_795_140_000;
const LAYOUT: &str = "v1";
const SPAN: i64 = 3 * 365 * 86_400;
pub const PASSWORD: &str = "bench password 1234";

pub struct Fixture {
    pub dir: PathBuf,
    pub url: String,
    pub n: usize,
}

impl Fixture {
    /// A service on the fixture at `NOW`, plus the root supervisor's username.
    pub async fn service(&self, max_connections: u32) -> Service {
        let store = Store::connect(&self.url, max_connections).await.unwrap();
        store.migrate().await.unwrap();
        let keys = Keyring::load_or_create(&self.dir.join("keys")).unwrap();
        let settings = Settings {
            release_delay: 0,
            session_ttl: 30 * 86_400,
            // The board benchmark signs in with a password only; sign-in is not what it measures.
            require_totp: false,
            ..Settings::default()
        };
        Service::new(store, keys, Arc::new(FixedClock::at(NOW)), settings)
    }
}

/// Deterministic splitmix64: the same fixture on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A skewed delay: most are short, a long tail is long.
    fn delay(&mut self, typical: i64) -> i64 {
        let u = (self.below(10_000) as f64 + 1.0) / 10_001.0;
        (-(u.ln()) * typical as f64) as i64 + 60
    }
}

/// The fixture with `n` reports, generated if it is not there yet.
pub async fn fixture(n: usize) -> Fixture {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let dir = root.join(format!("reports-{n}-{LAYOUT}"));
    let url = format!("sqlite://{}", dir.join("zhiyan.db").display());
    let fx = Fixture { dir, url, n };
    if fx.dir.join("complete").exists() {
        return fx;
    }
    let _ = std::fs::remove_dir_all(&fx.dir);
    std::fs::create_dir_all(&fx.dir).unwrap();
    let started = Instant::now();
    eprintln!("generating {n} reports into {} ...", fx.dir.display());
    let service = fx.service(4).await;
    let org = include_str!("../../examples/demo-org.toml");
    service.import_org(org).await.unwrap();
    service
        .create_user("bench-root", Role::Supervisor, Some("county"), PASSWORD)
        .await
        .unwrap();
    let catalog = service.catalog().await.unwrap();
    let store = Store::connect(&fx.url, 1).await.unwrap();
    let categories = store.catalog().await.unwrap().categories;
    store.close().await;
    let departments: Vec<String> = catalog
        .departments
        .iter()
        .filter(|d| d.parent.is_some())
        .map(|d| d.code.clone())
        .collect();
    let areas: Vec<String> = catalog.areas.iter().map(|a| a.code.clone()).collect();
    let keys = Keyring::load_or_create(&fx.dir.join("keys")).unwrap();
    service.close().await;

    let opts = fx
        .url
        .parse::<SqliteConnectOptions>()
        .unwrap()
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap();
    let mut rng = Rng(0x5a17_1a2b);
    const BATCH: usize = 500;
    let mut done = 0;
    while done < n {
        let rows: Vec<Row> = (done..(done + BATCH).min(n))
            .map(|i| make_row(i, &mut rng, &departments, &areas, &categories, &keys))
            .collect();
        let mut q = QueryBuilder::new(
            "INSERT INTO reports (id, receipt_mac, category, area, department, routed_to_triage, state, \
             confirmed, outcome, satisfaction, key_id, title_sealed, body_sealed, received_on, release_at, \
             dispatched_at, acknowledge_due, respond_due, confirm_due, acknowledged_at, responded_at, closed_at, \
             transfers, reopens, escalation, due_at, sweep_at, ack_missed, respond_missed_due, escalated_to) ",
        );
        q.push_values(rows, |mut b, r| {
            b.push_bind(r.id)
                .push_bind(r.receipt_mac)
                .push_bind(r.category)
                .push_bind(r.area)
                .push_bind(r.department)
                .push_bind(0i64)
                .push_bind(r.state)
                .push_bind(r.confirmed)
                .push_bind(r.outcome)
                .push_bind(r.satisfaction)
                .push_bind(r.key_id)
                .push_bind(r.title)
                .push_bind(r.body)
                .push_bind(r.received_on)
                .push_bind(r.dispatched_at)
                .push_bind(r.dispatched_at)
                .push_bind(r.d.acknowledge_due)
                .push_bind(r.d.respond_due)
                .push_bind(r.d.confirm_due)
                .push_bind(r.acknowledged_at)
                .push_bind(r.responded_at)
                .push_bind(r.closed_at)
                .push_bind(r.transfers)
                .push_bind(r.reopens)
                .push_bind(r.escalation)
                .push_bind(r.due_at)
                .push_bind(r.sweep_at)
                .push_bind(i64::from(r.d.ack_missed))
                .push_bind(r.d.respond_missed_due)
                .push_bind(r.escalated_to);
        });
        q.build().execute(&pool).await.unwrap();
        done += BATCH;
        if done % 100_000 == 0 {
            eprintln!("  {done} rows, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    pool.close().await;
    std::fs::write(fx.dir.join("complete"), format!("{n}\n")).unwrap();
    eprintln!(
        "generated {n} reports in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    fx
}

struct Row {
    id: String,
    receipt_mac: Vec<u8>,
    category: String,
    area: String,
    department: String,
    state: &'static str,
    confirmed: Option<i64>,
    outcome: Option<&'static str>,
    satisfaction: Option<i64>,
    key_id: String,
    title: Vec<u8>,
    body: Vec<u8>,
    received_on: i64,
    dispatched_at: i64,
    d: Deadlines,
    acknowledged_at: Option<i64>,
    responded_at: Option<i64>,
    closed_at: Option<i64>,
    transfers: i64,
    reopens: i64,
    escalation: i64,
    due_at: Option<i64>,
    sweep_at: Option<i64>,
    escalated_to: Option<String>,
}

const OUTCOMES: [&str; 4] = [
    "resolved",
    "partially_resolved",
    "cannot_resolve",
    "not_in_scope",
];

fn make_row(
    i: usize,
    rng: &mut Rng,
    departments: &[String],
    areas: &[String],
    categories: &[zhiyan::store::CategoryRow],
    keys: &Keyring,
) -> Row {
    let id = format!("R-B{i:09}");
    let category = &categories[rng.below(categories.len() as u64) as usize];
    // Some departments get far more than others, as in life.
    let dept = &departments[(rng.below(departments.len() as u64) * rng.below(100) / 99) as usize];
    let dispatched = NOW - rng.below(SPAN as u64) as i64;
    let received_on = dispatched - dispatched.rem_euclid(86_400);
    let mut d = Deadlines {
        acknowledge_due: Some(dispatched + category.acknowledge_within),
        respond_due: Some(dispatched + category.respond_within),
        ..Deadlines::default()
    };
    let ack = dispatched + rng.delay(category.acknowledge_within / 3);
    let respond = ack + rng.delay(category.respond_within / 3);
    let mut row = Row {
        receipt_mac: keys.receipt_mac(&format!("bench-{i}")),
        title: keys
            .seal(&id, "title", "同一项工作一个月内被三个部门重复检查")
            .blob,
        body: keys
            .seal(
                &id,
                "body",
                &"县里三个部门先后来检查同一项工作，要求准备三套台账，内容基本相同。".repeat(6),
            )
            .blob,
        key_id: keys.seal(&id, "x", "").key_id,
        id,
        category: category.code.clone(),
        area: areas[rng.below(areas.len() as u64) as usize].clone(),
        department: dept.clone(),
        state: "assigned",
        confirmed: None,
        outcome: None,
        satisfaction: None,
        received_on,
        dispatched_at: dispatched,
        d,
        acknowledged_at: None,
        responded_at: None,
        closed_at: None,
        transfers: i64::from(rng.chance(4)),
        reopens: 0,
        escalation: 0,
        due_at: None,
        sweep_at: None,
        escalated_to: None,
    };
    // Most old items are finished; a few are stuck; recent ones are in every state.
    let stuck = rng.chance(1);
    if ack < NOW && !stuck {
        row.acknowledged_at = Some(ack);
        d.acknowledged = true;
        row.state = "acknowledged";
        if respond < NOW {
            row.responded_at = Some(respond);
            row.outcome = Some(OUTCOMES[rng.below(4) as usize]);
            row.reopens = i64::from(rng.chance(6));
            let confirm_due = respond + category.confirm_within;
            d.confirm_due = Some(confirm_due);
            row.state = "responded";
            let answer = respond + rng.delay(3 * 86_400);
            if rng.chance(70) && answer < confirm_due && answer < NOW {
                row.state = "closed";
                row.confirmed = Some(1);
                row.satisfaction = Some(1 + rng.below(5) as i64);
                row.closed_at = Some(answer - answer.rem_euclid(86_400));
            } else if confirm_due < NOW {
                row.state = "closed";
                row.confirmed = Some(0);
                row.closed_at = Some(confirm_due);
            }
        }
    } else if rng.chance(5) && dispatched + 86_400 < NOW {
        row.state = ["withdrawn", "rejected", "duplicate"][rng.below(3) as usize];
        row.closed_at = Some(dispatched + 86_400);
    }
    let state = State::parse(row.state).unwrap();
    // What the sweeper would have done by now.
    if d.acknowledge_due.is_some_and(|t| t < NOW)
        && (!d.acknowledged || ack > t_or(d.acknowledge_due))
        && state.is_open()
    {
        d.ack_missed = true;
        row.escalation += 1;
    }
    if matches!(state, State::Assigned | State::Acknowledged)
        && d.respond_due.is_some_and(|t| t < NOW)
    {
        d.respond_missed_due = d.respond_due;
        row.escalation += 1;
    }
    if row.escalation > 0 {
        row.escalated_to = Some("county".into());
    }
    row.due_at = deadlines::working_due(state, &d);
    row.sweep_at = deadlines::next_sweep(state, &d);
    row.d = d;
    row
}

fn t_or(t: Option<i64>) -> i64 {
    t.unwrap_or(i64::MAX)
}

/// The process's peak resident set (VmHWM), in MiB.
pub fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
