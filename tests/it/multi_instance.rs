//! Two app instances on one PostgreSQL database, as behind a load balancer: each has its own
//! connection pool, service and router, and they share only the database and the keyring file.
//! PostgreSQL only: SQLite is an embedded file that one process owns.
use crate::support::binary::text;
use crate::support::{Desk, Options, TestApp};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;
use zhiyan::service::{ChainStatus, Role};

async fn two_instances() -> Option<(Arc<TestApp>, Arc<TestApp>)> {
    let a = TestApp::postgres("multi-instance test", Options::default()).await?;
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
    let desk = a.desk("desk-civil").await.on(&b);
    let r = desk.items("").await.expect(StatusCode::OK);
    assert_eq!(r.json()["items"][0]["id"], id.as_str());
    desk.acknowledge(&id).await.expect(StatusCode::OK);

    // Page cookie from A, used on B: the inbox renders instead of redirecting to the sign-in page.
    let cookie = a.cookie("desk-civil").await;
    let inbox = b.page("/desk", Some(&cookie)).await.expect(StatusCode::OK);
    assert!(inbox.body.contains(&id), "{}", inbox.body);
    let stranger = b.page("/desk", Some("zhiyan_session=not-a-session")).await;
    assert_eq!(stranger.status, StatusCode::SEE_OTHER);

    // Signing out on B ends the session on A too.
    desk.sign_out().await.expect_success();
    desk.on(&a).items("").await.expect(StatusCode::UNAUTHORIZED);
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
    let before_submissions = a.chain_length().await;
    let submissions = (0..CLIENTS).map(|client| {
        let app = instance(client).clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            for _ in 0..REPORTS_PER_CLIENT {
                let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
                mine.push((id, reporter.receipt));
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
        a.chain_length().await - before_submissions,
        2 * reports as i64
    );

    // Phase 2: the pairs race through acknowledge, desk message, reporter message, respond, confirm.
    let before_transitions = a.chain_length().await;
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
    // Both clients of a pair tried every exclusive step; the loser of each got 409. Writers are
    // serialized (one writer per instance, and on PostgreSQL one batch at a time across instances),
    // so a loser finds the winner's state (`invalid_transition`); the version check (`conflict`)
    // stays as a second line of defence.
    assert!(conflicts + invalid >= 3 * reports as u64);

    // No event lost or doubled: exactly one per successful call, with no gaps in seq.
    let size = a.chain_length().await;
    assert_eq!(size - before_transitions, transitions as i64);
    let events = a.store.events_after(0, 100_000).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=size).collect::<Vec<_>>());

    // Per report: closed and confirmed, and its events are exactly submitted, released and one per
    // success, with each exclusive step recorded once.
    for (id, _) in per_pair.iter().flatten() {
        let row = a.report(id).await;
        assert_eq!((row.state.as_str(), row.confirmed), ("closed", Some(true)));
        let kinds = a.event_kinds(id).await;
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
    let out = a.verify_log(&[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("audit log valid: {size} events")),
        "{stdout}"
    );
}

/// One client's run over its pair's reports. Every answer is a success or a 409; anything else fails.
async fn drive(
    app: &TestApp,
    bearer: &str,
    items: &[(String, String)],
    barrier: &Barrier,
) -> Tally {
    let desk = Desk::new(app, bearer.to_string());
    let mut tally = Tally::default();
    for (id, receipt) in items {
        let reporter = app.reporter(receipt);
        for step in 0..5 {
            barrier.wait().await;
            let r = match step {
                0 => desk.acknowledge(id).await,
                1 => desk.message(id, "请补充检查通知的文号。").await,
                2 => reporter.reply("文号见附件说明。").await,
                3 => desk.respond(id, "resolved", "已合并为一次联合检查。").await,
                _ => reporter.confirm(5).await,
            };
            if r.status.is_success() {
                *tally.successes.entry(id.clone()).or_default() += 1;
                continue;
            }
            match (r.status, r.error_code().as_str()) {
                (StatusCode::CONFLICT, "conflict") => tally.conflicts += 1,
                (StatusCode::CONFLICT, "invalid_transition") => tally.invalid_transitions += 1,
                _ => panic!("{}: {} {}", r.request, r.status, r.body),
            }
        }
    }
    tally
}
