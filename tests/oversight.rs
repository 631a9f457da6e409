//! Deadlines, the sweeper's escalations and auto-close, the supervisor's board, duplicates and
//! rejection: driven through the real router, with time moved by the test's clock (nothing sleeps).
mod common;

use axum::http::StatusCode;
use common::{TestApp, T0};
use serde_json::{json, Value};
use zhiyan::service::{Role, Swept};

const H: i64 = 3600;
const D: i64 = 86_400;

fn rfc(t: i64) -> String {
    zhiyan::domain::clock::rfc3339(t, 8 * H)
}

async fn sweep(app: &TestApp) -> Swept {
    app.service.sweep().await.unwrap()
}

async fn detail(app: &TestApp, auth: &str, id: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/oversight/items/{id}"), Some(auth))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn desk_post(app: &TestApp, auth: &str, id: &str, action: &str, body: Value) {
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/{action}"),
            Some(auth),
            body,
        )
        .await;
    assert!(r.status.is_success(), "{action}: {} {}", r.status, r.body);
}

async fn reporter_post(app: &TestApp, receipt: &str, action: &str, body: Value) {
    let r = app
        .post(
            &format!("/api/v1/reports/mine/{action}"),
            Some(receipt),
            body,
        )
        .await;
    assert!(r.status.is_success(), "{action}: {} {}", r.status, r.body);
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

async fn late_acknowledgement_escalates_once_then_climbs(app: TestApp) {
    let desk = app
        .signed_in("desk-station", Role::Desk, Some("agri-station"))
        .await;
    let sup = app
        .signed_in("sup-agri", Role::Supervisor, Some("agriculture"))
        .await;
    let other = app
        .signed_in("sup-edu", Role::Supervisor, Some("education"))
        .await;

    // Excessive paperwork in Xinhe → the agricultural station: acknowledge within 2 days, answer within 10.
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    app.clock.advance(D);
    let (later, _) = app.submit("excessive-paperwork", "xinhe", None).await;

    // On time: nothing to sweep, and the inbox lists what is due first.
    assert_eq!(sweep(&app).await, Swept::default());
    let inbox = app.get("/api/v1/desk/items", Some(&desk)).await.json();
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
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["escalation"], 1);
    assert_eq!(d["escalated_to"], "agriculture");
    assert_eq!(d["overdue"], true);
    let escalated: Vec<&Value> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .collect();
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0]["actor_role"], "system");
    assert_eq!(escalated[0]["at"], rfc(T0 + 2 * D + H));

    // The supervisor's overdue list has it, an hour late; the desk's inbox flags it.
    let late = app
        .get("/api/v1/oversight/items?overdue=true", Some(&sup))
        .await
        .json();
    assert_eq!(ids(&late), [id.as_str()]);
    assert_eq!(late["items"][0]["late_hours"], 1);
    let inbox = app
        .get("/api/v1/desk/items?overdue=true", Some(&desk))
        .await
        .json();
    assert_eq!(ids(&inbox), [id.as_str()]);

    // A transfer request does not stop the clock: the answer deadline still passes and escalates
    // one level further up (agriculture → county).
    desk_post(
        &app,
        &desk,
        &id,
        "transfer",
        json!({"reason": "应由民政局办理"}),
    )
    .await;
    let d = detail(&app, &sup, &id).await;
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
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["escalation"], 2);
    assert_eq!(d["escalated_to"], "county");
    // Most late first.
    let late = app
        .get("/api/v1/oversight/items?overdue=true", Some(&sup))
        .await
        .json();
    assert_eq!(ids(&late), [id.clone(), later.clone()]);

    // Another subtree's supervisor cannot see it; a desk reaches no oversight route.
    let r = app
        .get(&format!("/api/v1/oversight/items/{id}"), Some(&other))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let late = app
        .get("/api/v1/oversight/items?overdue=true", Some(&other))
        .await
        .json();
    assert!(ids(&late).is_empty());
    for path in [
        "/api/v1/oversight/summary",
        "/api/v1/oversight/items",
        &format!("/api/v1/oversight/items/{id}"),
    ] {
        let r = app.get(path, Some(&desk)).await;
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
                Some(&desk),
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
    let desk = app
        .signed_in("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let sup = app
        .signed_in("sup-county", Role::Supervisor, Some("county"))
        .await;

    // Duplicate inspections, county-wide → civil affairs: acknowledge in 2 days, answer in 15.
    let (id, receipt) = app.submit("duplicate-inspections", "county", None).await;
    let (on_time, on_time_receipt) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(H);
    desk_post(&app, &desk, &id, "acknowledge", json!({})).await;
    desk_post(&app, &desk, &on_time, "acknowledge", json!({})).await;

    // A question to the reporter does not stop the clock; the wait is shown separately.
    desk_post(
        &app,
        &desk,
        &id,
        "messages",
        json!({"body": "请补充检查的日期。"}),
    )
    .await;
    app.clock.advance(5 * H);
    reporter_post(
        &app,
        &receipt,
        "messages",
        json!({"body": "十一月三日、五日、九日。"}),
    )
    .await;
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["awaiting_reporter_hours"], 5);
    assert_eq!(d["awaiting_reporter"], false);
    assert_eq!(d["respond_due"], rfc(T0 + 15 * D));

    // The on-time item is answered and confirmed: never escalated.
    app.clock.set(T0 + 3 * D);
    desk_post(
        &app,
        &desk,
        &on_time,
        "respond",
        json!({"outcome": "resolved", "body": "已合并检查。"}),
    )
    .await;
    reporter_post(
        &app,
        &on_time_receipt,
        "confirm",
        json!({"satisfaction": 5}),
    )
    .await;

    // The other misses its answer deadline: one escalation, to the county's supervisors.
    app.clock.set(T0 + 15 * D + 1);
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 1,
            closed: 0
        }
    );
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["escalation"], 1);
    assert_eq!(d["escalated_to"], "county");
    assert_eq!(detail(&app, &sup, &on_time).await["escalation"], 0);

    // Answered late; left unconfirmed past the 14-day window, it closes as unconfirmed.
    app.clock.set(T0 + 16 * D);
    desk_post(
        &app,
        &desk,
        &id,
        "respond",
        json!({"outcome": "resolved", "body": "已处理。"}),
    )
    .await;
    assert_eq!(
        detail(&app, &sup, &id).await["confirm_due"],
        rfc(T0 + 30 * D)
    );
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
    let mine = app.get("/api/v1/reports/mine", Some(&receipt)).await.json();
    assert_eq!(mine["state"], "closed");
    assert_eq!(mine["closed"]["confirmed"], false);
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["confirmed"], false);
    assert!(d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "auto_closed" && e["to_state"] == "closed"));
    assert_eq!(sweep(&app).await, Swept::default());
}
both_backends!(late_response, late_response_and_auto_close);

async fn reopen_sets_new_deadline_and_second_reopen_escalates(app: TestApp) {
    let desk = app
        .signed_in("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let sup = app
        .signed_in("sup-county", Role::Supervisor, Some("county"))
        .await;
    let (id, receipt) = app.submit("duplicate-inspections", "county", None).await;
    desk_post(&app, &desk, &id, "acknowledge", json!({})).await;
    let answer = json!({"outcome": "partially_resolved", "body": "已部分处理。"});
    desk_post(&app, &desk, &id, "respond", answer.clone()).await;

    // First reopen, two days in: a new answer deadline, counted from the end of the reopen day
    // (T0 is 10:00 local, so that day ends 14 hours after T0 + 2d).
    app.clock.set(T0 + 2 * D);
    reporter_post(&app, &receipt, "reopen", json!({"reason": "仍在重复检查"})).await;
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["state"], "acknowledged");
    assert_eq!(d["reopens"], 1);
    assert_eq!(d["escalation"], 0);
    let new_due = T0 + 2 * D + 14 * H + 15 * D;
    assert_eq!(d["respond_due"], rfc(new_due));
    assert_eq!(d["due"], rfc(new_due));

    // The new deadline is swept like the first: missing it escalates.
    app.clock.set(new_due + 1);
    assert_eq!(sweep(&app).await.escalated, 1);
    assert_eq!(detail(&app, &sup, &id).await["escalation"], 1);

    // A second reopen escalates again, recorded with the reporter's date only.
    desk_post(&app, &desk, &id, "respond", answer).await;
    reporter_post(&app, &receipt, "reopen", json!({"reason": "问题依旧"})).await;
    let d = detail(&app, &sup, &id).await;
    assert_eq!(d["reopens"], 2);
    assert_eq!(d["escalation"], 2);
    let esc: Vec<&Value> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "escalated")
        .collect();
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
    let sup = app
        .signed_in("sup-county", Role::Supervisor, Some("county"))
        .await;
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
        let d = detail(&app, &sup, id).await;
        assert_eq!(d["escalation"], 1, "{id}");
        let n = d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "escalated")
            .count();
        assert_eq!(n, 1, "{id}");
    }
    assert_eq!(
        chain_size(&app).await,
        before + 12,
        "one event per escalation"
    );
}
both_backends!(two_sweepers, concurrent_sweepers_escalate_exactly_once);

async fn duplicate_follows_canonical_and_reject_gives_reason(app: TestApp) {
    let desk = app
        .signed_in("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let sup = app
        .signed_in("sup-county", Role::Supervisor, Some("county"))
        .await;
    let other = app
        .signed_in("sup-edu", Role::Supervisor, Some("education"))
        .await;
    let (canonical, canonical_receipt) = app.submit("duplicate-inspections", "county", None).await;
    let (dup, dup_receipt) = app.submit("duplicate-inspections", "county", None).await;
    let (spam, spam_receipt) = app.submit("duplicate-inspections", "county", None).await;
    reporter_post(
        &app,
        &canonical_receipt,
        "messages",
        json!({"body": "只有我知道的细节"}),
    )
    .await;

    // Bad merges are refused, naming the field; a supervisor outside the subtree sees nothing.
    let url = format!("/api/v1/oversight/items/{dup}/duplicate");
    for of in [dup.as_str(), "R-NOSUCHITEM", ""] {
        let r = app.post(&url, Some(&sup), json!({ "of": of })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{of}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], "of", "{}", r.body);
    }
    let r = app
        .post(&url, Some(&other), json!({ "of": canonical }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let r = app.post(&url, Some(&sup), json!({ "of": canonical })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The duplicate's reporter follows the canonical item: its state and the department's messages,
    // never the other reporter's words.
    desk_post(&app, &desk, &canonical, "acknowledge", json!({})).await;
    desk_post(
        &app,
        &desk,
        &canonical,
        "messages",
        json!({"body": "正在核实三次检查。"}),
    )
    .await;
    desk_post(
        &app,
        &desk,
        &canonical,
        "respond",
        json!({"outcome": "resolved", "body": "三次检查已合并为一次。"}),
    )
    .await;
    let mine = app.get("/api/v1/reports/mine", Some(&dup_receipt)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let mine = mine.json();
    assert_eq!(mine["id"], dup.as_str());
    assert_eq!(mine["duplicate_of"], canonical.as_str());
    assert_eq!(mine["state"], "responded");
    assert_eq!(mine["response"]["body"], "三次检查已合并为一次。");
    let bodies: Vec<&str> = mine["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["正在核实三次检查。", "三次检查已合并为一次。"]);
    assert!(!mine.to_string().contains("只有我知道的细节"));
    assert_eq!(mine["can_confirm"], false);
    let r = app
        .post(
            "/api/v1/reports/mine/confirm",
            Some(&dup_receipt),
            json!({"satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The canonical reporter still confirms their own.
    reporter_post(
        &app,
        &canonical_receipt,
        "confirm",
        json!({"satisfaction": 4}),
    )
    .await;
    let mine = app
        .get("/api/v1/reports/mine", Some(&dup_receipt))
        .await
        .json();
    assert_eq!(mine["state"], "closed");

    // Reject as abuse: the reporter sees the state and the reason.
    let url = format!("/api/v1/oversight/items/{spam}/reject");
    let r = app.post(&url, Some(&sup), json!({ "reason": "" })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "reason");
    let r = app
        .post(
            &url,
            Some(&sup),
            json!({ "reason": "内容为广告，与基层负担无关。" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = app
        .get("/api/v1/reports/mine", Some(&spam_receipt))
        .await
        .json();
    assert_eq!(mine["state"], "rejected");
    assert_eq!(mine["messages"][0]["body"], "内容为广告，与基层负担无关。");
    assert_eq!(mine["messages"][0]["kind"], "rejection");
    let r = app
        .post(&url, Some(&sup), json!({ "reason": "again" }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
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
    let civil = app
        .signed_in("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let edu = app
        .signed_in("desk-edu", Role::Desk, Some("education"))
        .await;
    let sup = app
        .signed_in("sup-county", Role::Supervisor, Some("county"))
        .await;
    let answer = |body: &str| json!({"outcome": "resolved", "body": body});

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
    desk_post(&app, &edu, &x6, "acknowledge", json!({})).await;
    desk_post(&app, &edu, &x6, "transfer", json!({"reason": "不属本局"})).await;
    app.clock.set(T0 + 2 * H);
    desk_post(&app, &civil, &x1, "acknowledge", json!({})).await;
    app.clock.set(T0 + 4 * H);
    desk_post(&app, &civil, &x2, "acknowledge", json!({})).await;
    app.clock.set(T0 + 6 * H);
    desk_post(&app, &civil, &x3, "acknowledge", json!({})).await;
    app.clock.set(T0 + 10 * H);
    desk_post(&app, &civil, &x1, "respond", answer("一")).await;
    reporter_post(&app, &r1, "confirm", json!({"satisfaction": 5})).await;
    app.clock.set(T0 + 30 * H);
    desk_post(&app, &civil, &x2, "respond", answer("二")).await;
    app.clock.set(T0 + 40 * H);
    reporter_post(&app, &r2, "reopen", json!({"reason": "没解决"})).await;
    app.clock.set(T0 + 50 * H);
    desk_post(&app, &civil, &x2, "respond", answer("二again")).await;

    app.clock.set(TB);
    assert_eq!(
        sweep(&app).await,
        Swept {
            escalated: 3,
            closed: 1
        }
    );

    let r = app.get("/api/v1/oversight/summary", Some(&sup)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let board = r.json();
    assert_eq!(board["root"], "county");
    assert_eq!(board["since"], rfc(TB - 30 * D));
    let order: Vec<&str> = board["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["department"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
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
    let sup_agri = app
        .signed_in("sup-agri", Role::Supervisor, Some("agriculture"))
        .await;
    let board = app
        .get("/api/v1/oversight/summary", Some(&sup_agri))
        .await
        .json();
    assert_eq!(board["departments"].as_array().unwrap().len(), 2);
    assert_eq!(board["total"]["open"], 1);
    assert_eq!(board["total"]["overdue"], 1);

    // The page shows the same figures, the late items most late first, and a chart without script.
    let cookie = app.cookie("sup-county").await;
    let page = app.page("/oversight?lang=en", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("4 / 6"), "{}", page.body);
    assert!(page.body.contains("10 / 50"));
    assert!(page.body.contains("<svg"));
    assert!(!page.body.contains("<script"));
    let x4_at = page.body.find(x4.as_str()).expect("x4 listed");
    let x3_at = page.body.find(x3.as_str()).expect("x3 listed");
    assert!(x4_at < x3_at, "x4 (late since T0+2d) before x3 (T0+15d)");
    assert!(!page.body[..page.body.find("summary-h").unwrap()].contains(x5.as_str()));
    let _ = x6;
}
both_backends!(board, board_figures_match_hand_computed);

/// Supervisors message the reporter from their own routes: the API and the item page's form.
async fn supervisor_messages_the_reporter(app: TestApp) {
    let sup = app
        .signed_in("sup-county", Role::Supervisor, Some("county"))
        .await;
    let desk = app
        .signed_in("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let outsider = app
        .signed_in("sup-edu", Role::Supervisor, Some("education"))
        .await;
    // "other" in Xinhe matches no rule: triage, which only the county's supervisors see.
    let (id, receipt) = app.submit("other", "xinhe", None).await;

    let url = format!("/api/v1/oversight/items/{id}/messages");
    let r = app
        .post(
            &url,
            Some(&sup),
            json!({"body": "请说明是哪个部门来检查。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json(), json!({"ok": true}));
    let r = app.post(&url, Some(&sup), json!({"body": "  "})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "body");
    let r = app.post(&url, Some(&sup), json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "malformed_json");
    assert_eq!(
        app.post(&url, Some(&outsider), json!({"body": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A desk has its own route; this one is the supervisors'.
    assert_eq!(
        app.post(&url, Some(&desk), json!({"body": "x"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Through the item page: the form is there, and posting it shows the item with the message.
    let cookie = app.cookie("sup-county").await;
    let page = app
        .page(&format!("/oversight/items/{id}"), Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let action = format!("action=\"/oversight/items/{id}/messages");
    assert!(page.body.contains(&action), "{}", page.body);
    let field = "name=\"csrf\" value=\"";
    let at = page.body.find(field).unwrap() + field.len();
    let token = page.body[at..].split('"').next().unwrap().to_string();
    let form_url = format!("/oversight/items/{id}/messages");
    let r = app
        .form(
            &form_url,
            Some(&cookie),
            &[("csrf", &token), ("body", "已转县农业农村局核实。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已转县农业农村局核实。"));
    assert!(r.body.contains("role=\"status\""));
    let r = app
        .form(&form_url, Some(&cookie), &[("csrf", &token), ("body", "")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""));
    let desk_cookie = app.cookie("desk-civil").await;
    let r = app
        .form(
            &form_url,
            Some(&desk_cookie),
            &[("csrf", &token), ("body", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The reporter reads both, from the supervisors.
    let mine = app.get("/api/v1/reports/mine", Some(&receipt)).await.json();
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
