//! The closed loop through the JSON API, routing, and the audit chain over it.
use crate::support::json::each;
use crate::support::{TestApp, BODY, TITLE};
use axum::http::StatusCode;
use zhiyan::service::{ChainStatus, Role};

async fn loop_through_api(app: TestApp) {
    app.user("desk-agri", Role::Desk, Some("agriculture")).await;
    let desk = app.desk("desk-agri").await;

    // Report: duplicate inspections in a village of Xinhe → the Xinhe-specific rule (agriculture).
    let (id, reporter) = app
        .submit("duplicate-inspections", "xinhe-east", None)
        .await;
    assert!(id.starts_with("R-"));
    let mine = reporter.view().await.expect(StatusCode::OK).json();
    assert_eq!(mine["state"], "assigned");
    assert_eq!(mine["department"], "agriculture");

    // The desk sees it in its inbox, with a due time, and acknowledges.
    let inbox = desk.items("").await.json();
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["title"], TITLE);
    assert_eq!(items[0]["overdue"], false);
    assert!(items[0]["due"].as_str().unwrap().ends_with("+08:00"));
    desk.acknowledge(&id).await.expect(StatusCode::OK);

    // Messages both ways.
    app.clock.advance(3600);
    desk.message(&id, "请问是哪三个部门？")
        .await
        .expect(StatusCode::CREATED);
    reporter
        .reply("民政、农业、乡镇办各一次。")
        .await
        .expect(StatusCode::CREATED);
    let detail = desk.item(&id).await.json();
    assert_eq!(
        each(&detail["messages"], "body"),
        ["请问是哪三个部门？", "民政、农业、乡镇办各一次。"]
    );
    assert_eq!(detail["body"], BODY);

    // Respond; the reporter reopens; respond again; the reporter confirms.
    desk.respond(&id, "partially_resolved", "已合并两次检查。")
        .await
        .expect(StatusCode::OK);
    let mine = reporter.mine().await;
    assert_eq!(mine["state"], "responded");
    assert_eq!(mine["response"]["outcome"], "partially_resolved");
    assert_eq!(mine["response"]["body"], "已合并两次检查。");
    reporter
        .reopen("第三次检查还在。")
        .await
        .expect(StatusCode::OK);
    assert_eq!(reporter.mine().await["state"], "acknowledged");
    desk.respond(&id, "resolved", "三次检查已合并为一次。")
        .await
        .expect(StatusCode::OK);
    reporter.confirm(5).await.expect(StatusCode::OK);

    let mine = reporter.mine().await;
    assert_eq!(mine["state"], "closed");
    assert_eq!(mine["closed"]["confirmed"], true);
    assert_eq!(mine["outcome"], "resolved");
    let detail = desk.item(&id).await.json();
    assert_eq!(detail["reopens"], 1);
    assert_eq!(detail["confirmed"], true);
    assert_eq!(
        each(&detail["timeline"], "kind"),
        [
            "submitted",
            "released",
            "acknowledged",
            "staff_message",
            "reporter_message",
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
    let (d, reporter) = app.submit("other", "xinhe", None).await;
    assert_eq!(app.department_of(&d).await, "county");
    assert_eq!(reporter.mine().await["state"], "triage");
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
    let sup = app.new_supervisor("sup", "county").await;
    let civil = app.new_desk("desk-civil", "civil-affairs").await;
    let edu = app.new_desk("desk-edu", "education").await;

    let (id, _) = app.submit("other", "xinhe", None).await;
    let triage = sup.items("?state=triage").await.json();
    assert_eq!(triage["items"][0]["id"], id.as_str());
    // Not visible to the civil affairs desk until assigned.
    assert_eq!(civil.item(&id).await.status, StatusCode::NOT_FOUND);
    sup.assign(&id, "civil-affairs")
        .await
        .expect(StatusCode::OK);
    let item = civil.item(&id).await.json();
    assert_eq!(item["state"], "assigned");
    let due_before = item["acknowledge_due"].clone();

    // "Not ours": transfer request goes to the supervisor, who approves it to education.
    app.clock.advance(6 * 3600);
    civil
        .transfer(&id, "属于教育系统", Some("education"))
        .await
        .expect(StatusCode::OK);
    let pending = sup.items("?state=transfer_requested").await.json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    sup.decide(&id, Some("education"))
        .await
        .expect(StatusCode::OK);
    let item = edu.item(&id).await.json();
    assert_eq!(item["state"], "assigned");
    assert_eq!(item["transfers"], 1);
    // The clock did not restart with the transfer.
    assert_eq!(item["acknowledge_due"], due_before);
    assert_eq!(civil.item(&id).await.status, StatusCode::NOT_FOUND);

    // A second request is sent back: the item returns to education as it was.
    edu.transfer(&id, "不是我们", None)
        .await
        .expect(StatusCode::OK);
    sup.decide(&id, None).await.expect(StatusCode::OK);
    assert_eq!(edu.item(&id).await.json()["state"], "assigned");
}
both_backends!(
    triage_assignment_and_transfer_decisions,
    triage_and_transfer
);
