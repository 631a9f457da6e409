//! The public checkpoint of the audit log is signed on a schedule (hourly by default), not after
//! every event: what a reporter does cannot be dated by watching `/api/v1/log/head` or the stats
//! page. The live head stays for `verify-log`.
use crate::support::{between, TestApp, T0};
use axum::http::StatusCode;

/// T0 is 02:00:00Z, on the hour: the first slot starts there.
const HOUR: i64 = 3600;

async fn schedule(app: TestApp) {
    app.clock.set(T0 + 10 * 60);
    let first = app.log_head().await;
    assert_eq!(first["signed_at"], "2026-11-20T10:00:00+08:00");
    let page = app.stats_page("").await.expect(StatusCode::OK);
    assert!(
        page.body.contains("2026-11-20T10:00:00+08:00"),
        "the stats page says when it was signed"
    );
    assert!(page.body.contains(first["head"].as_str().unwrap()));

    // Submissions and their release, a reply, a staff action: the live log grows, the public head
    // does not, on this instance or another.
    let before = app.chain_length().await;
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(60);
    reporter.reply("补充").await.expect(StatusCode::CREATED);
    desk.acknowledge(&id).await.expect(StatusCode::OK);
    assert!(app.chain_length().await > before);
    let second = app.second_instance().await;
    for at in [T0 + 20 * 60, T0 + HOUR - 1] {
        app.clock.set(at);
        assert_eq!(app.log_head().await, first);
        assert_eq!(second.log_head().await, first);
    }
    app.service.refresh_stats().await.unwrap();
    let page = app.stats_page("").await.expect(StatusCode::OK);
    assert_eq!(
        between(&page.body, "<pre class=\"checkpoint\">", "</pre>").replace("&#x2f;", "/"),
        first["text"].as_str().unwrap(),
        "the stats page shows the same checkpoint"
    );

    // The next slot: a new checkpoint, the same one on both instances, covering the whole log.
    app.clock.set(T0 + HOUR + 5);
    let next = second.log_head().await;
    assert_eq!(app.log_head().await, next);
    assert_eq!(next["signed_at"], "2026-11-20T11:00:00+08:00");
    assert_eq!(next["size"].as_i64(), Some(app.chain_length().await));
    assert!(next["size"].as_i64() > first["size"].as_i64());
}
both_backends!(the_public_head_moves_only_on_its_schedule, schedule);
