//! Deadlines, the sweeper's escalations and auto-close, the supervisor's board, duplicates and
//! rejection: driven through the real router, with time moved by the test's clock (nothing sleeps).
use crate::support::json::{each, entries, ids};
use crate::support::{TestApp, T0};
use axum::http::StatusCode;
use serde_json::{json, Value};
use zhiyan::service::Swept;

const H: i64 = 3600;
const D: i64 = 86_400;

fn rfc(t: i64) -> String {
    zhiyan::domain::clock::rfc3339(t, 8 * H)
}

async fn sweep(app: &TestApp) -> Swept {
    app.service.sweep().await.unwrap()
}

async fn late_acknowledgement_escalates_once_then_climbs(app: TestApp) {
    let desk = app.new_desk("desk-station", "agri-station").await;
    let sup = app.new_supervisor("sup-agri", "agriculture").await;
    let other = app.new_supervisor("sup-edu", "education").await;

    // Excessive paperwork in Xinhe → the agricultural station: acknowledge within 2 days, answer within 10.
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    app.clock.advance(D);
    let (later, _) = app.submit("excessive-paperwork", "xinhe", None).await;

    // On time: nothing to sweep, and the inbox lists what is due first.
    assert_eq!(sweep(&app).await, Swept::default());
    let inbox = desk.items("").await.json();
    assert_eq!(ids(&inbox), [id.clone(), later.clone()]);
    assert_eq!(inbox["items"][0]["due"], rfc(T0 + 2 * D));
    assert_eq!(inbox["items"][0]["overdue"], false);

    // Exactly at the deadline it is not late yet; an hour past it, it escalates one level, once.
    app.clock.set(T0 + 2 * D);
    assert_eq!(sweep(&app).await, Swept::default());
    app.clock.set(T0 + 2 * D + H);
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 1,
            closed: 0
        }
    );
    assert_eq!(sweep(&app).await, Swept::default(), "a sweep is idempotent");
    let d = sup.detail(&id).await;
    assert_eq!(d["escalation"], 1);
    assert_eq!(d["escalated_to"], "agriculture");
    assert_eq!(d["overdue"], true);
    let escalated = entries(&d, "escalated");
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0]["actor_role"], "system");
    assert_eq!(escalated[0]["at"], rfc(T0 + 2 * D + H));

    // The supervisor's overdue list has it, an hour late; the desk's inbox flags it.
    let late = sup.items("?overdue=true").await.json();
    assert_eq!(ids(&late), [id.as_str()]);
    assert_eq!(late["items"][0]["late_hours"], 1);
    let inbox = desk.items("?overdue=true").await.json();
    assert_eq!(ids(&inbox), [id.as_str()]);

    // A transfer request does not stop the clock: the answer deadline still passes and escalates
    // one level further up (agriculture → county).
    desk.transfer(&id, "应由民政局办理", None)
        .await
        .expect_success();
    let d = sup.detail(&id).await;
    assert_eq!(d["state"], "transfer_requested");
    assert_eq!(
        d["due"],
        rfc(T0 + 2 * D),
        "still the acknowledgement deadline"
    );
    app.clock.set(T0 + 10 * D + H);
    // `later` missed its acknowledgement too (due T0+3d): two escalations in all.
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 2,
            closed: 0
        }
    );
    let d = sup.detail(&id).await;
    assert_eq!(d["escalation"], 2);
    assert_eq!(d["escalated_to"], "county");
    // Most late first.
    let late = sup.items("?overdue=true").await.json();
    assert_eq!(ids(&late), [id.clone(), later.clone()]);

    // Another subtree's supervisor cannot see it; a desk reaches no oversight route.
    assert_eq!(other.item(&id).await.status, StatusCode::NOT_FOUND);
    assert!(ids(&other.items("?overdue=true").await.json()).is_empty());
    for path in [
        "/api/v1/oversight/summary",
        "/api/v1/oversight/items",
        &format!("/api/v1/oversight/items/{id}"),
    ] {
        let r = app.get(path, Some(&desk.bearer)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    for (action, body) in [
        ("assign", json!({"department": "education"})),
        ("duplicate", json!({"of": later})),
        ("reject", json!({"reason": "x"})),
        ("transfer-decision", json!({"approve": false})),
    ] {
        let r = app
            .post(
                &format!("/api/v1/oversight/items/{id}/{action}"),
                Some(&desk.bearer),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}: {}", r.body);
    }
}
both_backends!(
    late_acknowledgement,
    late_acknowledgement_escalates_once_then_climbs
);

async fn late_response_and_auto_close(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let sup = app.new_supervisor("sup-county", "county").await;

    // Duplicate inspections, county-wide → civil affairs: acknowledge in 2 days, answer in 15.
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    let (on_time, on_time_reporter) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(H);
    desk.acknowledge(&id).await.expect_success();
    desk.acknowledge(&on_time).await.expect_success();

    // A question to the reporter does not stop the clock; the wait is shown separately.
    desk.message(&id, "请补充检查的日期。")
        .await
        .expect_success();
    app.clock.advance(5 * H);
    reporter
        .reply("十一月三日、五日、九日。")
        .await
        .expect_success();
    let d = sup.detail(&id).await;
    assert_eq!(d["awaiting_reporter_hours"], 5);
    assert_eq!(d["awaiting_reporter"], false);
    assert_eq!(d["respond_due"], rfc(T0 + 15 * D));

    // The on-time item is answered and confirmed: never escalated.
    app.clock.set(T0 + 3 * D);
    desk.respond(&on_time, "resolved", "已合并检查。")
        .await
        .expect_success();
    on_time_reporter.confirm(5).await.expect_success();

    // The other misses its answer deadline: one escalation, to the county's supervisors.
    app.clock.set(T0 + 15 * D + 1);
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 1,
            closed: 0
        }
    );
    let d = sup.detail(&id).await;
    assert_eq!(d["escalation"], 1);
    assert_eq!(d["escalated_to"], "county");
    assert_eq!(sup.detail(&on_time).await["escalation"], 0);

    // Answered late; left unconfirmed past the 14-day window, it closes as unconfirmed.
    app.clock.set(T0 + 16 * D);
    desk.respond(&id, "resolved", "已处理。")
        .await
        .expect_success();
    assert_eq!(sup.detail(&id).await["confirm_due"], rfc(T0 + 30 * D));
    app.clock.set(T0 + 30 * D);
    assert_eq!(sweep(&app).await, Swept::default());
    app.clock.set(T0 + 30 * D + 1);
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 0,
            closed: 1
        }
    );
    let mine = reporter.view().await.json();
    assert_eq!(mine["state"], "closed");
    assert_eq!(mine["closed"]["confirmed"], false);
    let d = sup.detail(&id).await;
    assert_eq!(d["confirmed"], false);
    assert!(entries(&d, "auto_closed")
        .iter()
        .any(|e| e["to_state"] == "closed"));
    assert_eq!(sweep(&app).await, Swept::default());
}
both_backends!(late_response, late_response_and_auto_close);

async fn reopen_sets_new_deadline_and_second_reopen_escalates(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let sup = app.new_supervisor("sup-county", "county").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    desk.acknowledge(&id).await.expect_success();
    let answer = "已部分处理。";
    desk.respond(&id, "partially_resolved", answer)
        .await
        .expect_success();

    // First reopen, two days in: a new answer deadline, counted from the end of the reopen day
    // (T0 is 10:00 local, so that day ends 14 hours after T0 + 2d).
    app.clock.set(T0 + 2 * D);
    reporter.reopen("仍在重复检查").await.expect_success();
    let d = sup.detail(&id).await;
    assert_eq!(d["state"], "acknowledged");
    assert_eq!(d["reopens"], 1);
    assert_eq!(d["escalation"], 0);
    let new_due = T0 + 2 * D + 14 * H + 15 * D;
    assert_eq!(d["respond_due"], rfc(new_due));
    assert_eq!(d["due"], rfc(new_due));

    // The new deadline is swept like the first: missing it escalates.
    app.clock.set(new_due + 1);
    assert_eq!(sweep(&app).await.escalated, 1);
    assert_eq!(sup.detail(&id).await["escalation"], 1);

    // A second reopen escalates again, recorded with the reporter's date only.
    desk.respond(&id, "partially_resolved", answer)
        .await
        .expect_success();
    reporter.reopen("问题依旧").await.expect_success();
    let d = sup.detail(&id).await;
    assert_eq!(d["reopens"], 2);
    assert_eq!(d["escalation"], 2);
    let esc = entries(&d, "escalated");
    assert_eq!(esc.len(), 2);
    assert_eq!(esc[1]["actor_role"], "reporter");
    assert_eq!(
        esc[1]["at"].as_str().unwrap().len(),
        10,
        "a date, not a time"
    );
}
both_backends!(
    reopens,
    reopen_sets_new_deadline_and_second_reopen_escalates
);

/// The audit chain's length, after checking that it verifies.
async fn chain_size(app: &TestApp) -> u64 {
    match app.service.verify_chain().await.unwrap() {
        zhiyan::service::ChainStatus::Valid { size, .. } => size as u64,
        broken => panic!("{broken:?}"),
    }
}

async fn concurrent_sweepers_escalate_exactly_once(app: TestApp) {
    let sup = app.new_supervisor("sup-county", "county").await;
    let mut items = Vec::new();
    for _ in 0..12 {
        items.push(app.submit("duplicate-inspections", "county", None).await.0);
    }
    app.clock.set(T0 + 2 * D + 1);
    let before = chain_size(&app).await;
    // SQLite is one instance's embedded database: the race is two sweeps inside it. PostgreSQL is
    // shared: the race is between two instances.
    let other = match app.database_url.starts_with("sqlite:") {
        true => app.service.clone(),
        false => app.second_instance().await.service,
    };
    let (a, b) = tokio::join!(app.service.sweep(), other.sweep());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.escalated + b.escalated, 12, "{a:?} + {b:?}");
    for id in &items {
        let d = sup.detail(id).await;
        assert_eq!(d["escalation"], 1, "{id}");
        assert_eq!(entries(&d, "escalated").len(), 1, "{id}");
    }
    assert_eq!(
        chain_size(&app).await,
        before + 12,
        "one event per escalation"
    );
}
both_backends!(two_sweepers, concurrent_sweepers_escalate_exactly_once);

async fn duplicate_follows_canonical_and_reject_gives_reason(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let sup = app.new_supervisor("sup-county", "county").await;
    let other = app.new_supervisor("sup-edu", "education").await;
    let (canonical, canonical_reporter) = app.submit("duplicate-inspections", "county", None).await;
    let (dup, dup_reporter) = app.submit("duplicate-inspections", "county", None).await;
    let (spam, spam_reporter) = app.submit("duplicate-inspections", "county", None).await;
    canonical_reporter
        .reply("只有我知道的细节")
        .await
        .expect_success();

    // Bad merges are refused, naming the field; a supervisor outside the subtree sees nothing.
    for of in [dup.as_str(), "R-NOSUCHITEM", ""] {
        let r = sup.duplicate(&dup, of).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{of}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], "of", "{}", r.body);
    }
    other
        .duplicate(&dup, &canonical)
        .await
        .expect(StatusCode::NOT_FOUND);

    sup.duplicate(&dup, &canonical).await.expect(StatusCode::OK);

    // The duplicate's reporter follows the canonical item: its state and the department's messages,
    // never the other reporter's words.
    desk.acknowledge(&canonical).await.expect_success();
    desk.message(&canonical, "正在核实三次检查。")
        .await
        .expect_success();
    desk.respond(&canonical, "resolved", "三次检查已合并为一次。")
        .await
        .expect_success();
    let mine = dup_reporter.mine().await;
    assert_eq!(mine["id"], dup.as_str());
    assert_eq!(mine["duplicate_of"], canonical.as_str());
    assert_eq!(mine["state"], "responded");
    assert_eq!(mine["response"]["body"], "三次检查已合并为一次。");
    assert_eq!(
        each(&mine["messages"], "body"),
        ["正在核实三次检查。", "三次检查已合并为一次。"]
    );
    assert!(!mine.to_string().contains("只有我知道的细节"));
    assert_eq!(mine["can_confirm"], false);
    dup_reporter.confirm(5).await.expect(StatusCode::CONFLICT);
    // The canonical reporter still confirms their own.
    canonical_reporter.confirm(4).await.expect_success();
    assert_eq!(dup_reporter.view().await.json()["state"], "closed");

    // Reject as abuse: the reporter sees the state and the reason.
    let r = sup.reject(&spam, "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "reason");
    sup.reject(&spam, "内容为广告，与基层负担无关。")
        .await
        .expect(StatusCode::OK);
    let mine = spam_reporter.view().await.json();
    assert_eq!(mine["state"], "rejected");
    assert_eq!(mine["messages"][0]["body"], "内容为广告，与基层负担无关。");
    assert_eq!(mine["messages"][0]["kind"], "rejection");
    sup.reject(&spam, "again")
        .await
        .expect(StatusCode::CONFLICT);
}
both_backends!(
    duplicates_and_rejects,
    duplicate_follows_canonical_and_reject_gives_reason
);

/// Fixture for the board, all in the county's subtree; the board is read at TB = T0 + 19 days.
/// Hand-computed figures (nearest-rank percentiles, whole hours):
/// - civil-affairs: X1 acked at 2 h, answered at 10 h, confirmed; X2 acked at 4 h, answered at 30 h,
///   reopened, answered again at 50 h, left unconfirmed → auto-closed at TB; X3 acked at 6 h, never
///   answered → overdue (answer due T0 + 15 d) and escalated once at TB.
///   ack [2, 4, 6] → median 4, p90 6; answer [10, 50] → median 10, p90 50; closed 2, reopen 1/2,
///   unconfirmed 1/2; open 1, overdue 1, escalated 1.
/// - agri-station: X4 never acknowledged → overdue, escalated (twice; counted once as an item).
/// - county: X5 matched no rule → triage 1 (open, not overdue: no department owes it yet).
/// - education: X6 acked at 1 h, then a transfer request → transfer requests 1; answer due
///   T0 + 20 d, not overdue at TB.
/// - total: open 4, overdue 2, escalated 2, transfers 1, triage 1; ack [1, 2, 4, 6] → median 2,
///   p90 6; answer [10, 50]; closed 2, reopen 0.5, unconfirmed 0.5.
async fn board_figures_match_hand_computed(app: TestApp) {
    const TB: i64 = T0 + 19 * D;
    let civil = app.new_desk("desk-civil", "civil-affairs").await;
    let edu = app.new_desk("desk-edu", "education").await;
    let sup = app.new_supervisor("sup-county", "county").await;

    let (x1, r1) = app.submit("duplicate-inspections", "county", None).await;
    let (x2, r2) = app.submit("duplicate-inspections", "county", None).await;
    let (x3, _) = app.submit("duplicate-inspections", "county", None).await;
    let (x4, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    let (x5, _) = app.submit("other", "county", None).await;
    let (x6, _) = app.submit("other", "baishui", None).await;
    assert_eq!(app.department_of(&x4).await, "agri-station");
    assert_eq!(app.department_of(&x5).await, "county");
    assert_eq!(app.department_of(&x6).await, "education");

    app.clock.set(T0 + H);
    edu.acknowledge(&x6).await.expect_success();
    edu.transfer(&x6, "不属本局", None).await.expect_success();
    app.clock.set(T0 + 2 * H);
    civil.acknowledge(&x1).await.expect_success();
    app.clock.set(T0 + 4 * H);
    civil.acknowledge(&x2).await.expect_success();
    app.clock.set(T0 + 6 * H);
    civil.acknowledge(&x3).await.expect_success();
    app.clock.set(T0 + 10 * H);
    civil.respond(&x1, "resolved", "一").await.expect_success();
    r1.confirm(5).await.expect_success();
    app.clock.set(T0 + 30 * H);
    civil.respond(&x2, "resolved", "二").await.expect_success();
    app.clock.set(T0 + 40 * H);
    r2.reopen("没解决").await.expect_success();
    app.clock.set(T0 + 50 * H);
    civil
        .respond(&x2, "resolved", "二again")
        .await
        .expect_success();

    app.clock.set(TB);
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 3,
            closed: 1
        }
    );

    let board = sup.summary().await.expect(StatusCode::OK).json();
    assert_eq!(board["root"], "county");
    assert_eq!(board["since"], rfc(TB - 30 * D));
    assert_eq!(
        each(&board["departments"], "department"),
        [
            "county",
            "agriculture",
            "agri-station",
            "civil-affairs",
            "education"
        ]
    );
    let row = |code: &str| {
        board["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department"] == code)
            .unwrap()
            .clone()
    };
    let hours =
        |count: i64, median: i64, p90: i64| json!({"count": count, "median": median, "p90": p90});
    let none = json!({"count": 0, "median": null, "p90": null});

    let civil_row = row("civil-affairs");
    assert_eq!(civil_row["depth"], 1);
    assert_eq!(civil_row["open"], 1);
    assert_eq!(civil_row["overdue"], 1);
    assert_eq!(civil_row["escalated"], 1);
    assert_eq!(civil_row["transfer_requests"], 0);
    assert_eq!(civil_row["triage"], 0);
    assert_eq!(civil_row["hours_to_acknowledge"], hours(3, 4, 6));
    assert_eq!(civil_row["hours_to_respond"], hours(2, 10, 50));
    assert_eq!(civil_row["closed"], 2);
    assert_eq!(civil_row["reopen_rate"], 0.5);
    assert_eq!(civil_row["unconfirmed_share"], 0.5);

    let station = row("agri-station");
    assert_eq!(station["depth"], 2);
    assert_eq!(
        (&station["open"], &station["overdue"], &station["escalated"]),
        (&json!(1), &json!(1), &json!(1))
    );
    assert_eq!(station["hours_to_acknowledge"], none);

    let county = row("county");
    assert_eq!((&county["open"], &county["triage"]), (&json!(1), &json!(1)));
    assert_eq!(county["overdue"], 0);

    let education = row("education");
    assert_eq!(education["transfer_requests"], 1);
    assert_eq!(education["overdue"], 0);
    assert_eq!(education["hours_to_acknowledge"], hours(1, 1, 1));

    let agri = row("agriculture");
    assert_eq!(agri["open"], 0);
    assert_eq!(agri["reopen_rate"], Value::Null);

    let total = &board["total"];
    assert_eq!(total["open"], 4);
    assert_eq!(total["overdue"], 2);
    assert_eq!(total["escalated"], 2);
    assert_eq!(total["transfer_requests"], 1);
    assert_eq!(total["triage"], 1);
    assert_eq!(total["hours_to_acknowledge"], hours(4, 2, 6));
    assert_eq!(total["hours_to_respond"], hours(2, 10, 50));
    assert_eq!(total["closed"], 2);
    assert_eq!(total["reopen_rate"], 0.5);
    assert_eq!(total["unconfirmed_share"], 0.5);

    // A supervisor lower down sees only their subtree.
    let sup_agri = app.new_supervisor("sup-agri", "agriculture").await;
    let board = sup_agri.summary().await.json();
    assert_eq!(board["departments"].as_array().unwrap().len(), 2);
    assert_eq!(board["total"]["open"], 1);
    assert_eq!(board["total"]["overdue"], 1);

    // The page shows the same figures, the late items most late first, and a chart without script.
    let page = app
        .pages("sup-county")
        .await
        .open("/oversight?lang=en")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("4 / 6"), "{}", page.body);
    assert!(page.body.contains("10 / 50"));
    assert!(page.body.contains("<svg"));
    assert!(!page.body.contains("<script"));
    let x4_at = page.body.find(x4.as_str()).expect("x4 listed");
    let x3_at = page.body.find(x3.as_str()).expect("x3 listed");
    assert!(x4_at < x3_at, "x4 (late since T0+2d) before x3 (T0+15d)");
    assert!(!page.body[..page.body.find("summary-h").unwrap()].contains(x5.as_str()));
}
both_backends!(board, board_figures_match_hand_computed);

/// Supervisors message the reporter from their own routes: the API and the item page's form.
async fn supervisor_messages_the_reporter(app: TestApp) {
    let sup = app.new_supervisor("sup-county", "county").await;
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let outsider = app.new_supervisor("sup-edu", "education").await;
    // "other" in Xinhe matches no rule: triage, which only the county's supervisors see.
    let (id, reporter) = app.submit("other", "xinhe", None).await;

    let r = sup
        .message(&id, json!({"body": "请说明是哪个部门来检查。"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json(), json!({"ok": true}));
    let r = sup.message(&id, json!({"body": "  "})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "body");
    let r = sup.message(&id, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "malformed_json");
    let r = outsider.message(&id, json!({"body": "x"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A desk has its own route; this one is the supervisors'.
    let url = format!("/api/v1/oversight/items/{id}/messages");
    let r = app
        .post(&url, Some(&desk.bearer), json!({"body": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Through the item page: the form is there, and posting it shows the item with the message.
    let pages = app.pages("sup-county").await;
    let page = pages.open(&format!("/oversight/items/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let action = format!("action=\"/oversight/items/{id}/messages");
    assert!(page.body.contains(&action), "{}", page.body);
    let form_url = format!("/oversight/items/{id}/messages");
    let r = pages
        .post(&form_url, &[("body", "已转县农业农村局核实。")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已转县农业农村局核实。"));
    assert!(r.body.contains("role=\"status\""));
    let r = pages.post(&form_url, &[("body", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""));
    let desk_pages = app.pages("desk-civil").await;
    let r = desk_pages.post(&form_url, &[("body", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The reporter reads both, from the supervisors.
    let mine = reporter.mine().await;
    let from_supervisors: Vec<&str> = mine["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["from"] == "supervisor")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        from_supervisors,
        ["请说明是哪个部门来检查。", "已转县农业农村局核实。"]
    );
}
both_backends!(supervisor_messages, supervisor_messages_the_reporter);
