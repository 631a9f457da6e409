//! Anonymity invariant 4 for everything a reporter does after submitting: a reply, a confirmation
//! (with its rating), a reopen and a withdrawal change nothing staff can see until their random
//! release time, and then show a date only. Polled every second, as an insider watching would.
use crate::support::json::{each, entries};
use crate::support::{Desk, Options, Supervisor, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

/// Upper bound of the release delay in these tests: long enough to watch, short enough to poll.
const DELAY: i64 = 90;

fn delayed() -> Options {
    Options {
        release_delay: DELAY,
        ..Options::default()
    }
}

/// Everything a desk and its supervisor can read about `id`: the item, the inbox, the board's
/// counts. The board's `since` moves with the clock and is left out.
async fn staff_view(desk: &Desk<'_>, sup: &Supervisor<'_>, id: &str) -> Value {
    let item = desk.item(id).await.expect(StatusCode::OK).json();
    let inbox = desk.items("").await.expect(StatusCode::OK).json();
    let overdue = desk
        .items("?overdue=true")
        .await
        .expect(StatusCode::OK)
        .json();
    let list = sup.items("").await.expect(StatusCode::OK).json();
    let board = sup.summary().await.expect(StatusCode::OK).json();
    json!({
        "item": item,
        "inbox": inbox,
        "overdue": overdue,
        "list": list,
        "board": [board["departments"], board["total"], board["areas"]],
    })
}

/// Poll every second until the reporter's waiting action on `id` is released: the staff view must
/// not move before; returns the view after.
async fn watch(
    app: &TestApp,
    desk: &Desk<'_>,
    sup: &Supervisor<'_>,
    id: &str,
    before: &Value,
) -> Value {
    let release = app.pending_release(id).await.expect("an action is waiting");
    assert!(
        release <= app.clock_now() + DELAY,
        "released within the delay"
    );
    while app.clock_now() < release {
        assert_eq!(
            &staff_view(desk, sup, id).await,
            before,
            "the staff view changed {}s before the release",
            release - app.clock_now()
        );
        app.clock.advance(1);
    }
    let after = staff_view(desk, sup, id).await;
    assert!(
        app.pending_release(id).await.is_none(),
        "applied at its release"
    );
    after
}

/// The reporter's days as staff see them: a date, and no instant of the reporter's anywhere.
fn dates_only(item: &Value, kind: &str) {
    for e in entries(item, kind) {
        assert_eq!(e["actor_role"], "reporter");
        assert_eq!(e["at"], "2026-11-20", "{e}");
    }
}

async fn every_action_waits(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let sup = app.new_supervisor("sup", "county").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(DELAY + 1);
    app.release_due().await;
    desk.acknowledge(&id).await.expect(StatusCode::OK);
    desk.message(&id, "请问是哪三个部门？")
        .await
        .expect_success();

    // A reply: the question stays open for staff, and the conversation unchanged.
    let before = staff_view(&desk, &sup, &id).await;
    assert_eq!(before["item"]["awaiting_reporter"], true);
    reporter
        .reply("民政、农业和教育。")
        .await
        .expect(StatusCode::CREATED);
    let mine = reporter.mine().await;
    assert_eq!(mine["pending"][0]["action"], "message");
    assert_eq!(mine["pending"][0]["body"], "民政、农业和教育。");
    assert_eq!(mine["pending"][0]["date"], "2026-11-20");
    // The reporter's page shows it at once, as on its way.
    let page = app
        .form("/follow", None, &[("receipt", &reporter.receipt)])
        .await
        .expect(StatusCode::OK);
    let on_its_way = crate::support::between(&page.body, "已发送，正在送达部门", "</section>");
    assert!(
        on_its_way.contains("民政、农业和教育。") && on_its_way.contains("最长 2 分钟"),
        "{on_its_way}"
    );
    let after = watch(&app, &desk, &sup, &id, &before).await;
    let item = &after["item"];
    assert_eq!(item["awaiting_reporter"], false);
    let reply = item["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&reply["from"], &reply["body"]),
        (&json!("reporter"), &json!("民政、农业和教育。"))
    );
    assert_eq!(reply["date"], "2026-11-20");
    assert!(
        reply.get("time").is_none(),
        "a reporter's message has no time of day"
    );
    dates_only(item, "reporter_message");
    assert!(reporter.mine().await["pending"]
        .as_array()
        .unwrap()
        .is_empty());

    // A reopen: state, counters and deadlines stay until the release.
    desk.respond(&id, "resolved", "已合并检查。")
        .await
        .expect(StatusCode::OK);
    let before = staff_view(&desk, &sup, &id).await;
    reporter.reopen("还是三次。").await.expect(StatusCode::OK);
    assert_eq!(
        reporter.mine().await["state"],
        "responded",
        "staff have not seen it yet"
    );
    let after = watch(&app, &desk, &sup, &id, &before).await;
    assert_eq!(after["item"]["state"], "acknowledged");
    assert_eq!(after["item"]["reopens"], 1);
    // The new deadline counts from the end of the reopen day, not from the release.
    assert_eq!(after["item"]["respond_due"], "2026-12-06T00:00:00+08:00");
    dates_only(&after["item"], "reopened");

    // A confirmation with its rating.
    desk.respond(&id, "resolved", "确已合并为一次。")
        .await
        .expect(StatusCode::OK);
    let before = staff_view(&desk, &sup, &id).await;
    reporter.confirm(4).await.expect(StatusCode::OK);
    let mine = reporter.mine().await;
    assert_eq!(mine["pending"][0]["satisfaction"], 4);
    assert_eq!(
        (mine["can_confirm"].as_bool(), mine["can_reopen"].as_bool()),
        (Some(false), Some(false))
    );
    let after = watch(&app, &desk, &sup, &id, &before).await;
    assert_eq!(after["item"]["state"], "closed");
    assert_eq!(after["item"]["satisfaction"], 4);
    dates_only(&after["item"], "confirmed");

    // A withdrawal, on a second report.
    let (other, reporter2) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(DELAY + 1);
    let before = staff_view(&desk, &sup, &other).await;
    reporter2.withdraw().await.expect(StatusCode::OK);
    let after = watch(&app, &desk, &sup, &other, &before).await;
    assert_eq!(after["item"]["state"], "withdrawn");
    dates_only(&after["item"], "withdrawn");
}
both_backends!(
    staff_see_no_reporter_action_before_its_release,
    every_action_waits,
    delayed()
);

/// A new report to civil affairs, released to its desk.
async fn released(app: &TestApp) -> (String, crate::support::Reporter<'_>) {
    let (id, r) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(DELAY + 1);
    app.release_due().await;
    (id, r)
}

/// What happens when staff act while a reporter's action waits: nothing is lost, nothing fails.
async fn staff_act_in_between(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let sup = app.new_supervisor("sup", "county").await;

    // The reporter confirms; the desk writes once more before the release: both stand, in the
    // order staff saw them.
    let (a, ra) = released(&app).await;
    desk.acknowledge(&a).await.expect(StatusCode::OK);
    desk.respond(&a, "resolved", "已处理。")
        .await
        .expect(StatusCode::OK);
    ra.confirm(5).await.expect(StatusCode::OK);
    desk.message(&a, "补充：已通知各部门。")
        .await
        .expect_success();
    // Nothing more can be answered on top of a waiting confirmation.
    assert_eq!(ra.reopen("不对").await.status, StatusCode::CONFLICT);
    assert_eq!(ra.confirm(3).await.status, StatusCode::CONFLICT);
    app.clock.advance(DELAY + 1);
    let d = desk.item(&a).await.json();
    assert_eq!(
        (d["state"].as_str(), d["satisfaction"].as_i64()),
        (Some("closed"), Some(5))
    );

    // The reporter replies; the desk writes after the reply was written but before its release:
    // staff see the reply after their own message, placed by its release.
    let (b, rb) = released(&app).await;
    desk.acknowledge(&b).await.expect(StatusCode::OK);
    rb.reply("第一条").await.expect(StatusCode::CREATED);
    desk.message(&b, "部门的消息").await.expect_success();
    app.clock.advance(DELAY + 1);
    let d = desk.item(&b).await.json();
    let bodies: Vec<&str> = each(&d["messages"], "body");
    assert_eq!(bodies, ["部门的消息", "第一条"]);

    // The reporter confirms; a supervisor rejects the item before the release: the confirmation
    // arrives too late, changes nothing, and is recorded for both sides.
    let (c, rc) = released(&app).await;
    desk.acknowledge(&c).await.expect(StatusCode::OK);
    desk.respond(&c, "resolved", "已处理。")
        .await
        .expect(StatusCode::OK);
    rc.confirm(2).await.expect(StatusCode::OK);
    sup.reject(&c, "重复提交").await.expect(StatusCode::OK);
    app.clock.advance(DELAY + 1);
    let d = sup.detail(&c).await;
    assert_eq!(d["state"], "rejected");
    assert_eq!(d["satisfaction"], Value::Null);
    let late = entries(&d, "reporter_action_too_late");
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["at"], "2026-11-20");
    let mine = rc.mine().await;
    assert_eq!(mine["state"], "rejected");
    assert_eq!(
        mine["too_late"],
        json!([{ "action": "confirm", "date": "2026-11-20", "state": "rejected" }])
    );
    assert!(mine["pending"].as_array().unwrap().is_empty());

    // A withdrawal after a reopen, both waiting: they arrive in the order taken.
    let (e, re) = released(&app).await;
    desk.acknowledge(&e).await.expect(StatusCode::OK);
    desk.respond(&e, "partially_resolved", "部分处理。")
        .await
        .expect(StatusCode::OK);
    re.reopen("还没解决").await.expect(StatusCode::OK);
    re.withdraw().await.expect(StatusCode::OK);
    assert_eq!(
        re.withdraw().await.status,
        StatusCode::CONFLICT,
        "withdrawn already, for the reporter"
    );
    app.clock.advance(2 * DELAY + 2);
    let d = desk.item(&e).await.json();
    assert_eq!(
        (d["state"].as_str(), d["reopens"].as_i64()),
        (Some("withdrawn"), Some(1))
    );
    let order: Vec<&str> = each(&d["timeline"], "kind");
    let reopened = order.iter().position(|k| *k == "reopened").unwrap();
    let withdrawn = order.iter().position(|k| *k == "withdrawn").unwrap();
    assert!(reopened < withdrawn, "{order:?}");
}
both_backends!(
    staff_acting_in_between_loses_nothing,
    staff_act_in_between,
    delayed()
);

/// Confirming and reopening close a release delay before the confirmation window does, so that an
/// answer given in time is never overtaken by the automatic closure (which would also tell staff,
/// by its absence, that an answer was on its way).
async fn window(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(DELAY + 1);
    app.release_due().await;
    desk.acknowledge(&id).await.expect(StatusCode::OK);
    desk.respond(&id, "resolved", "已处理。")
        .await
        .expect(StatusCode::OK);
    let due = app.report(&id).await.confirm_due.unwrap();
    app.clock.set(due - DELAY + 1);
    let mine = reporter.mine().await;
    assert_eq!(mine["can_confirm"], false);
    let r = reporter.confirm(5).await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "invalid_transition".to_string())
    );
    // A reply still goes through, and the item closes unconfirmed on time.
    reporter.reply("好的").await.expect(StatusCode::CREATED);
    app.clock.set(due + 1);
    app.service.sweep().await.unwrap();
    let d = desk.item(&id).await.json();
    assert_eq!(
        (d["state"].as_str(), d["confirmed"].as_bool()),
        (Some("closed"), Some(false))
    );
    assert!(d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["body"] == "好的"));
}
both_backends!(answers_close_a_delay_before_the_window, window, delayed());
