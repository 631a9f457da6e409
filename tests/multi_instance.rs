//! Two app instances on one PostgreSQL database, as behind a load balancer: each has its own
//! connection pool, service and router, and they share only the database and the keyring file.
//! PostgreSQL only: SQLite is an embedded file that one process owns.
mod common;

use axum::http::StatusCode;
use common::{Db, TestApp};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use zhiyan::service::{ChainStatus, Role};

async fn two_instances() -> Option<(Arc<TestApp>, Arc<TestApp>)> {
    let Some(a) = TestApp::new(Db::Postgres, Default::default()).await else {
        eprintln!("multi-instance test skipped: ZHIYAN_TEST_POSTGRES_URL is not set");
        return None;
    };
    let b = a.second_instance().await;
    Some((Arc::new(a), Arc::new(b)))
}

#[tokio::test]
async fn a_session_made_on_one_instance_works_on_the_other() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    a.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let (id, _) = b.submit("duplicate-inspections", "county", None).await;

    // API token from A, used on B.
    let bearer = a.bearer("desk-civil").await;
    let r = b.get("/api/v1/desk/items", Some(&bearer)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["items"][0]["id"], id.as_str());
    let r = b.acknowledge(&id, &bearer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Page cookie from A, used on B: the inbox renders instead of redirecting to the sign-in page.
    let cookie = a.cookie("desk-civil").await;
    let inbox = b.page("/desk", Some(&cookie)).await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    assert!(inbox.body.contains(&id), "{}", inbox.body);
    let stranger = b.page("/desk", Some("zhiyan_session=not-a-session")).await;
    assert_eq!(stranger.status, StatusCode::SEE_OTHER);

    // Signing out on B ends the session on A too.
    let r = b
        .post("/api/v1/auth/logout", Some(&bearer), json!({}))
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    let r = a.get("/api/v1/desk/items", Some(&bearer)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

/// What one client saw: per report, how many of its calls succeeded; and how many 409s it got by code.
#[derive(Default)]
struct Tally {
    successes: HashMap<String, u64>,
    conflicts: u64,
    invalid_transitions: u64,
}

const CLIENTS: usize = 16;
const REPORTS_PER_CLIENT: usize = 5;

/// 16 clients, half on each instance, in pairs (one client of each pair on A, one on B). Each pair
/// drives the same reports through the same steps at the same moment, so every state change is
/// raced: one side wins, the other gets 409, and nothing may be lost, doubled or half-written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transitions_across_instances_keep_one_unbroken_chain() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    a.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    // Each instance's clients use a session created on the other instance.
    let bearer_from_a = a.bearer("desk-civil").await;
    let bearer_from_b = b.bearer("desk-civil").await;
    let instance = |client: usize| if client % 2 == 0 { &a } else { &b };

    // Phase 1: every client submits its reports through its own instance, all at once.
    let before_submissions = chain_size(&a).await;
    let submissions = (0..CLIENTS).map(|client| {
        let app = instance(client).clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            for _ in 0..REPORTS_PER_CLIENT {
                mine.push(app.submit("duplicate-inspections", "county", None).await);
            }
            mine
        })
    });
    let mut per_pair: Vec<Vec<(String, String)>> = vec![Vec::new(); CLIENTS / 2];
    for (client, handle) in submissions.enumerate() {
        per_pair[client / 2].extend(handle.await.unwrap());
    }
    let reports = CLIENTS * REPORTS_PER_CLIENT;
    // Each submission with no release delay is two events: submitted, released.
    assert_eq!(
        chain_size(&a).await - before_submissions,
        2 * reports as i64
    );

    // Phase 2: the pairs race through acknowledge, desk message, reporter message, respond, confirm.
    let before_transitions = chain_size(&a).await;
    let mut handles = Vec::new();
    for (pair, items) in per_pair.iter().enumerate() {
        let barrier = Arc::new(Barrier::new(2));
        for client in [2 * pair, 2 * pair + 1] {
            let app = instance(client).clone();
            let bearer = if client % 2 == 0 {
                bearer_from_b.clone()
            } else {
                bearer_from_a.clone()
            };
            let (items, barrier) = (items.clone(), barrier.clone());
            handles.push(tokio::spawn(async move {
                drive(&app, &bearer, &items, &barrier).await
            }));
        }
    }
    let mut successes: HashMap<String, u64> = HashMap::new();
    let (mut conflicts, mut invalid) = (0, 0);
    let all = async {
        for h in handles {
            let t = h.await.unwrap();
            for (id, n) in t.successes {
                *successes.entry(id).or_default() += n;
            }
            conflicts += t.conflicts;
            invalid += t.invalid_transitions;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("the clients did not finish within two minutes");
    let transitions: u64 = successes.values().sum();
    eprintln!(
        "{reports} reports, {transitions} successful transitions, 409s: {conflicts} conflict, {invalid} invalid_transition"
    );

    // Each report's acknowledge, respond and confirm succeeded exactly once (checked per report
    // below), so at least 3 per report; the messages add the rest.
    assert!(transitions >= 200, "{transitions}");
    // Both clients of a pair tried every exclusive step; the loser of each got 409.
    assert!(conflicts + invalid >= 3 * reports as u64);
    // The barrier starts both sides of a race together, so some losers hit the version check
    // (`conflict`) rather than arriving after the winner committed (`invalid_transition`).
    assert!(conflicts > 0, "no optimistic-concurrency conflict happened");

    // No event lost or doubled: exactly one per successful call, with no gaps in seq.
    let size = chain_size(&a).await;
    assert_eq!(size - before_transitions, transitions as i64);
    let events = a.store().events_after(0, 100_000).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=size).collect::<Vec<_>>());

    // Per report: closed and confirmed, and its events are exactly submitted, released and one per
    // success, with each exclusive step recorded once.
    for (id, _) in per_pair.iter().flatten() {
        let row = a.store().item(id).await.unwrap().unwrap().item;
        assert_eq!((row.state.as_str(), row.confirmed), ("closed", Some(true)));
        let kinds: Vec<String> = a
            .store()
            .report_events(id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds.len() as u64, 2 + successes[id], "{id}: {kinds:?}");
        for once in [
            "submitted",
            "released",
            "acknowledged",
            "responded",
            "confirmed",
        ] {
            assert_eq!(
                kinds.iter().filter(|k| *k == once).count(),
                1,
                "{id}: {kinds:?}"
            );
        }
    }

    // The chain verifies from either instance, and with the binary's `verify-log`.
    for app in [&a, &b] {
        match app.service.verify_chain().await.unwrap() {
            ChainStatus::Valid { size: n, .. } => assert_eq!(n, size),
            broken => panic!("{broken:?}"),
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhiyan"))
        .arg("--data-dir")
        .arg(a.keys_dir())
        .args(["--database-url", &a.database_url, "verify-log"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("audit log valid: {size} events")),
        "{stdout}"
    );
}

async fn chain_size(app: &TestApp) -> i64 {
    app.store().chain_head().await.unwrap().0
}

/// One client's run over its pair's reports. Every answer is a success or a 409; anything else fails.
async fn drive(
    app: &TestApp,
    bearer: &str,
    items: &[(String, String)],
    barrier: &Barrier,
) -> Tally {
    let mut tally = Tally::default();
    for (id, receipt) in items {
        let desk = format!("/api/v1/desk/items/{id}");
        let calls: [(String, &str, serde_json::Value); 5] = [
            (format!("{desk}/acknowledge"), bearer, json!({})),
            (
                format!("{desk}/messages"),
                bearer,
                json!({ "body": "请补充检查通知的文号。" }),
            ),
            (
                "/api/v1/reports/mine/messages".into(),
                receipt,
                json!({ "body": "文号见附件说明。" }),
            ),
            (
                format!("{desk}/respond"),
                bearer,
                json!({ "outcome": "resolved", "body": "已合并为一次联合检查。" }),
            ),
            (
                "/api/v1/reports/mine/confirm".into(),
                receipt,
                json!({ "satisfaction": 5 }),
            ),
        ];
        for (path, auth, body) in calls {
            barrier.wait().await;
            let r = app.post(&path, Some(auth), body).await;
            if r.status.is_success() {
                *tally.successes.entry(id.clone()).or_default() += 1;
                continue;
            }
            match (r.status, r.error_code().as_str()) {
                (StatusCode::CONFLICT, "conflict") => tally.conflicts += 1,
                (StatusCode::CONFLICT, "invalid_transition") => tally.invalid_transitions += 1,
                _ => panic!("{path}: {} {}", r.status, r.body),
            }
        }
    }
    tally
}
