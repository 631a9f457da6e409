//! Retaliation follow-up: through the receipt of a report, its reporter reports reprisal. It goes to
//! the discipline body the organisation names, never to the department the report was about, to one
//! that handled it, or to any of their ancestors' desks or supervisors; it has its own deadlines;
//! the follow-up page asks at 30, 60 and 90 days after closure; public statistics show it only as a
//! total per quarter, suppressed below k.
use crate::support::json::{each, ids};
use crate::support::TestApp;
use axum::http::StatusCode;
use serde_json::json;

const D: i64 = 86_400;

async fn routing(app: TestApp) {
    // Excessive paperwork goes to the agricultural station, below agriculture, below the county.
    let station = app.new_desk("desk-station", "agri-station").await;
    let agri = app.new_desk("desk-agri", "agriculture").await;
    let county = app.new_desk("desk-county", "county").await;
    let discipline = app.new_desk("desk-discipline", "discipline").await;
    let sup_county = app.new_supervisor("sup-county", "county").await;
    let sup_agri = app.new_supervisor("sup-agri", "agriculture").await;
    let sup_discipline = app.new_supervisor("sup-discipline", "discipline").await;

    let (id, reporter) = app
        .submit("excessive-paperwork", "county", Some("education"))
        .await;
    assert_eq!(app.department_of(&id).await, "agri-station");
    station.acknowledge(&id).await.expect(StatusCode::OK);
    let station_view = station.item(&id).await.json();
    assert_eq!(reporter.mine().await["can_report_retaliation"], true);

    let r = reporter
        .report_retaliation("反映之后，我被调离了原岗位，年度考核也被定为基本称职。")
        .await
        .expect(StatusCode::CREATED);
    let ret = r.json()["id"].as_str().unwrap().to_string();
    let stored = app.report(&ret).await;
    assert_eq!(stored.department, "discipline");
    assert_eq!(stored.related_to.as_deref(), Some(id.as_str()));

    // The discipline desk and its supervisor see it, with what it concerns.
    let d = discipline.item(&ret).await.expect(StatusCode::OK).json();
    assert_eq!(
        (d["kind"].as_str(), d["related_to"].as_str()),
        (Some("retaliation"), Some(id.as_str()))
    );
    assert!(d["body"].as_str().unwrap().contains("调离"));
    assert_eq!(
        d["actions"],
        json!(["acknowledge", "message"]),
        "never transferred"
    );
    assert!(ids(&sup_discipline.items("").await.json()).contains(&ret.as_str()));
    // Nobody in the report's chain, nor above it, sees it or its trace.
    for desk in [&station, &agri, &county] {
        assert_eq!(desk.item(&ret).await.status, StatusCode::NOT_FOUND);
        assert!(!ids(&desk.items("").await.json()).contains(&ret.as_str()));
    }
    for sup in [&sup_county, &sup_agri] {
        assert_eq!(sup.item(&ret).await.status, StatusCode::NOT_FOUND);
        assert!(!ids(&sup.items("").await.json()).contains(&ret.as_str()));
        let board = sup.summary().await.json();
        assert!(!each(&board["departments"], "department").contains(&"discipline"));
    }
    assert_eq!(
        station.item(&id).await.json()["timeline"],
        station_view["timeline"],
        "the report's record did not change"
    );

    // Its own deadline, and escalation that stays within the body.
    assert_eq!(d["acknowledge_due"], "2026-11-21T10:00:00+08:00");
    app.clock.advance(D + 60);
    app.service.sweep().await.unwrap();
    let d = sup_discipline.detail(&ret).await;
    assert_eq!(
        (d["escalation"].as_i64(), d["escalated_to"].as_str()),
        (Some(1), Some("discipline"))
    );
    assert!(!ids(&sup_county.items("?overdue=true").await.json()).contains(&ret.as_str()));
    // A supervisor of the body cannot send it into the chain.
    assert_eq!(
        sup_discipline.assign(&ret, "agri-station").await.status,
        StatusCode::BAD_REQUEST
    );

    // The reporter follows it with the same receipt and talks to the body.
    discipline.acknowledge(&ret).await.expect(StatusCode::OK);
    discipline
        .message(&ret, "请说明调岗的时间。")
        .await
        .expect_success();
    let mine = reporter.mine().await;
    let item = &mine["retaliation"][0];
    assert_eq!(
        (item["id"].as_str(), item["department"].as_str()),
        (Some(ret.as_str()), Some("discipline"))
    );
    assert_eq!(item["messages"][0]["body"], "请说明调岗的时间。");
    reporter
        .on_retaliation(&ret, "messages", json!({ "body": "十二月初。" }))
        .await
        .expect(StatusCode::CREATED);
    let bodies: Vec<String> = discipline.item(&ret).await.json()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, ["请说明调岗的时间。", "十二月初。"]);
    // Only the receipt's own retaliation reports: another id is not found.
    let other = reporter
        .on_retaliation(&id, "messages", json!({ "body": "x" }))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The body's item page says what it is and what it concerns.
    app.user(
        "desk-discipline-page",
        zhiyan::service::Role::Desk,
        Some("discipline"),
    )
    .await;
    let page = app
        .pages("desk-discipline-page")
        .await
        .open(&format!("/desk/items/{ret}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("打击报复情况") && page.body.contains(&id));
    // Never merged: not as a duplicate, and nothing is merged into it (its reporter's messages
    // would then be followed by another reporter).
    let with_rule = format!(
        "{}\n[[rules]]\ncategory = \"other\"\narea = \"baishui\"\ndepartment = \"discipline\"\n",
        include_str!("fixtures/org.toml")
    );
    app.service.import_org(&with_rule).await.unwrap();
    let (plain, _) = app.submit("other", "baishui", None).await;
    assert_eq!(app.department_of(&plain).await, "discipline");
    let merge = sup_discipline.duplicate(&ret, &plain).await;
    assert_eq!(merge.status, StatusCode::FORBIDDEN);
    let into = sup_discipline.duplicate(&plain, &ret).await;
    assert_eq!(into.status, StatusCode::BAD_REQUEST);
    assert_eq!(into.json()["error"]["field"], "of");
}
both_backends!(retaliation_never_reaches_the_chain, routing);

async fn no_body_outside(app: TestApp) {
    // A report about the discipline commission itself goes to the county (its parent): the body
    // is in the chain, so a retaliation report has nowhere safe to go and is refused, storing nothing.
    let (id, reporter) = app.submit("other", "county", Some("discipline")).await;
    assert_eq!(app.department_of(&id).await, "county");
    assert_eq!(reporter.mine().await["can_report_retaliation"], false);
    let rows = app.row_counts().await;
    let r = reporter.report_retaliation("被约谈了。").await;
    assert_eq!(
        (r.status, r.error_code()),
        (StatusCode::CONFLICT, "no_retaliation_body".to_string())
    );
    assert_eq!(app.row_counts().await, rows);
    let empty = reporter.report_retaliation("  ").await;
    assert_eq!(empty.json()["error"]["field"], "body");
}
both_backends!(
    retaliation_is_refused_when_the_body_is_in_the_chain,
    no_body_outside
);

async fn follow_up(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    desk.acknowledge(&id).await.expect(StatusCode::OK);
    desk.respond(&id, "resolved", "已处理。")
        .await
        .expect(StatusCode::OK);
    reporter.confirm(4).await.expect(StatusCode::OK);
    let closed = app.report(&id).await.closed_at.unwrap();
    let asked = |days: i64| {
        let app = &app;
        let reporter = &reporter;
        async move {
            app.clock.set(closed + days * D);
            reporter.mine().await["follow_up_days"].as_i64()
        }
    };
    assert_eq!(asked(29).await, None);
    assert_eq!(asked(30).await, Some(30));
    assert_eq!(asked(61).await, Some(60));
    assert_eq!(asked(95).await, Some(90));
    assert_eq!(asked(130).await, None);
    // On the page: the question and the form that answers it.
    app.clock.set(closed + 31 * D);
    let page = app
        .form("/follow", None, &[("receipt", &reporter.receipt)])
        .await
        .expect(StatusCode::OK);
    assert!(
        page.body.contains("您的反映办结已经 30 天了"),
        "{}",
        page.body
    );
    let sent = app
        .form(
            "/follow/retaliation",
            None,
            &[("receipt", &reporter.receipt), ("body", "考核被压低。")],
        )
        .await
        .expect(StatusCode::OK);
    assert!(sent.body.contains("打击报复情况已发送"));
    let ret = reporter.mine().await["retaliation"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.department_of(&ret).await, "discipline");
}
both_backends!(the_follow_up_asks_at_30_60_and_90_days, follow_up);

async fn statistics(app: TestApp) {
    let before = app.stats_json("?from=2026-10&to=2026-12").await;
    let received = before["overall"]["received"].clone();
    let mut made = 0;
    for _ in 0..5 {
        let (_, reporter) = app.submit("duplicate-inspections", "county", None).await;
        reporter
            .report_retaliation("被施压。")
            .await
            .expect(StatusCode::CREATED);
        made += 1;
        app.clock.advance(2 * D);
        app.service.refresh_stats().await.unwrap();
        let s = app.stats_json("?from=2026-10&to=2026-12").await;
        let q = &s["retaliation_reports"][0];
        assert_eq!(q["quarter"], "2026-Q4");
        if made < 5 {
            assert_eq!(
                q["reports"],
                json!({ "value": null, "suppressed": true }),
                "{made}"
            );
        } else {
            assert_eq!(q["reports"], json!({ "value": 5.0 }));
        }
    }
    // The retaliation reports count nowhere else: only the five reports they followed.
    let s = app.stats_json("?from=2026-10&to=2026-12").await;
    assert_eq!(
        s["overall"]["received"]["value"].as_f64(),
        Some(received["value"].as_f64().unwrap_or(0.0) + 5.0)
    );
    let page = app
        .stats_page("?from=2026-10&to=2026-12")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Retaliation reports"));
}
both_backends!(retaliation_counts_only_as_a_quarterly_total, statistics);
