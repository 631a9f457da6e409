//! The closed loop through the JSON API, routing, and the audit chain over it.
mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;
use zhiyan::service::{ChainStatus, Role};

async fn loop_through_api(app: TestApp) {
    app.user("desk-agri", Role::Desk, Some("agriculture")).await;
    let desk = app.bearer("desk-agri").await;

    // Report: duplicate inspections in a village of Xinhe → the Xinhe-specific rule (agriculture).
    let (id, receipt) = app
        .submit("duplicate-inspections", "xinhe-east", None)
        .await;
    assert!(id.starts_with("R-"));
    let mine = app.get("/api/v1/reports/mine", Some(&receipt)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.json()["state"], "assigned");
    assert_eq!(mine.json()["department"], "agriculture");

    // The desk sees it in its inbox, with a due time, and acknowledges.
    let inbox = app.get("/api/v1/desk/items", Some(&desk)).await.json();
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["title"], "同一检查一月三次");
    assert_eq!(items[0]["overdue"], false);
    assert!(items[0]["due"].as_str().unwrap().ends_with("+08:00"));
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/acknowledge"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Messages both ways.
    app.clock.advance(3600);
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/messages"),
            Some(&desk),
            json!({"body": "请问是哪三个部门？"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .post(
            "/api/v1/reports/mine/messages",
            Some(&receipt),
            json!({"body": "民政、农业、乡镇办各一次。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let detail = app
        .get(&format!("/api/v1/desk/items/{id}"), Some(&desk))
        .await
        .json();
    let bodies: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["请问是哪三个部门？", "民政、农业、乡镇办各一次。"]);
    assert_eq!(detail["body"], "县里三个部门先后来检查同一项工作。");

    // Respond; the reporter reopens; respond again; the reporter confirms.
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/respond"),
            Some(&desk),
            json!({"outcome": "partially_resolved", "body": "已合并两次检查。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = app.get("/api/v1/reports/mine", Some(&receipt)).await.json();
    assert_eq!(mine["state"], "responded");
    assert_eq!(mine["response"]["outcome"], "partially_resolved");
    assert_eq!(mine["response"]["body"], "已合并两次检查。");
    let r = app
        .post(
            "/api/v1/reports/mine/reopen",
            Some(&receipt),
            json!({"reason": "第三次检查还在。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/reports/mine", Some(&receipt)).await.json()["state"],
        "acknowledged"
    );
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/respond"),
            Some(&desk),
            json!({"outcome": "resolved", "body": "三次检查已合并为一次。"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post(
            "/api/v1/reports/mine/confirm",
            Some(&receipt),
            json!({"satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let mine = app.get("/api/v1/reports/mine", Some(&receipt)).await.json();
    assert_eq!(mine["state"], "closed");
    assert_eq!(mine["closed"]["confirmed"], true);
    assert_eq!(mine["outcome"], "resolved");
    let detail = app
        .get(&format!("/api/v1/desk/items/{id}"), Some(&desk))
        .await
        .json();
    assert_eq!(detail["reopens"], 1);
    assert_eq!(detail["confirmed"], true);
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "released",
            "acknowledged",
            "staff_message",
            "responded",
            "reopened",
            "responded",
            "confirmed"
        ]
    );

    // The audit chain holds over the whole flow.
    match app.service.verify_chain().await.unwrap() {
        ChainStatus::Valid { size, .. } => assert!(size >= 10, "{size}"),
        broken => panic!("{broken:?}"),
    }
}
both_backends!(whole_loop_through_the_api, loop_through_api);

async fn routing(app: TestApp) {
    // Most specific rule: the Xinhe rule beats the county-wide one for duplicate inspections.
    let (a, _) = app.submit("duplicate-inspections", "xinhe", None).await;
    assert_eq!(app.department_of(&a).await, "agriculture");
    let (b, _) = app.submit("duplicate-inspections", "county", None).await;
    assert_eq!(app.department_of(&b).await, "civil-affairs");
    // An area rule (Baishui) is deeper than a category rule with no area.
    let (c, _) = app.submit("duplicate-inspections", "baishui", None).await;
    assert_eq!(app.department_of(&c).await, "education");
    // No rule for "other" outside Baishui: triage.
    let (d, rd) = app.submit("other", "xinhe", None).await;
    assert_eq!(app.department_of(&d).await, "county");
    assert_eq!(
        app.get("/api/v1/reports/mine", Some(&rd)).await.json()["state"],
        "triage"
    );
    // Conflict of interest: about agriculture → never agriculture or below; its parent instead.
    let (e, _) = app
        .submit("excessive-paperwork", "xinhe", Some("agriculture"))
        .await;
    assert_eq!(app.department_of(&e).await, "county");
    let (f, _) = app
        .submit("excessive-paperwork", "xinhe", Some("agri-station"))
        .await;
    assert_eq!(app.department_of(&f).await, "agriculture");
    let (g, _) = app
        .submit("excessive-paperwork", "xinhe", Some("education"))
        .await;
    assert_eq!(app.department_of(&g).await, "agri-station");
}
both_backends!(routing_rules_triage_and_conflict_of_interest, routing);

async fn triage_and_transfer(app: TestApp) {
    app.user("sup", Role::Supervisor, Some("county")).await;
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    app.user("desk-edu", Role::Desk, Some("education")).await;
    let sup = app.bearer("sup").await;
    let civil = app.bearer("desk-civil").await;
    let edu = app.bearer("desk-edu").await;

    let (id, _) = app.submit("other", "xinhe", None).await;
    let triage = app
        .get("/api/v1/oversight/items?state=triage", Some(&sup))
        .await
        .json();
    assert_eq!(triage["items"][0]["id"], id.as_str());
    // Not visible to the civil affairs desk until assigned.
    assert_eq!(
        app.get(&format!("/api/v1/desk/items/{id}"), Some(&civil))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            &format!("/api/v1/oversight/items/{id}/assign"),
            Some(&sup),
            json!({"department": "civil-affairs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let item = app
        .get(&format!("/api/v1/desk/items/{id}"), Some(&civil))
        .await
        .json();
    assert_eq!(item["state"], "assigned");
    let due_before = item["acknowledge_due"].clone();

    // "Not ours": transfer request goes to the supervisor, who approves it to education.
    app.clock.advance(6 * 3600);
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/transfer"),
            Some(&civil),
            json!({"reason": "属于教育系统", "suggested_department": "education"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pending = app
        .get(
            "/api/v1/oversight/items?state=transfer_requested",
            Some(&sup),
        )
        .await
        .json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let r = app
        .post(
            &format!("/api/v1/oversight/items/{id}/transfer-decision"),
            Some(&sup),
            json!({"approve": true, "department": "education"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let item = app
        .get(&format!("/api/v1/desk/items/{id}"), Some(&edu))
        .await
        .json();
    assert_eq!(item["state"], "assigned");
    assert_eq!(item["transfers"], 1);
    // The clock did not restart with the transfer.
    assert_eq!(item["acknowledge_due"], due_before);
    assert_eq!(
        app.get(&format!("/api/v1/desk/items/{id}"), Some(&civil))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A second request is sent back: the item returns to education as it was.
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/transfer"),
            Some(&edu),
            json!({"reason": "不是我们"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/oversight/items/{id}/transfer-decision"),
            Some(&sup),
            json!({"approve": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get(&format!("/api/v1/desk/items/{id}"), Some(&edu))
            .await
            .json()["state"],
        "assigned"
    );
}
both_backends!(
    triage_assignment_and_transfer_decisions,
    triage_and_transfer
);
