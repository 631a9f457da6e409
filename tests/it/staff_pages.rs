//! The staff pages as a clerk and a supervisor read them: localized times with what is left, the
//! to-do list without closed items, paging and search by report number, the timeline's system actors
//! and escalation reasons, signing in again back to the page, and the supervisor's helpers (late by
//! under an hour, department rows linking to their items, the suggested department, duplicates from
//! a list).
use crate::support::{between, TestApp, T0};
use axum::http::{header, StatusCode};
use zhiyan::service::Role;

const H: i64 = 3600;
const D: i64 = 86_400;

async fn clerk_and_supervisor(app: TestApp) {
    app.user("desk-station", Role::Desk, Some("agri-station"))
        .await;
    app.user("sup-agri", Role::Supervisor, Some("agriculture"))
        .await;
    // Excessive paperwork in Xinhe goes to the agricultural station: acknowledge within 2 days.
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    let (gone, reporter) = app.submit("excessive-paperwork", "xinhe", None).await;
    reporter.withdraw().await.expect_success();
    app.release_due().await;
    assert_eq!(app.report(&gone).await.state.as_str(), "withdrawn");

    // The inbox: readable times and how long is left; no closed items unless asked for.
    let desk = app.pages("desk-station").await;
    let inbox = desk.open("/desk").await.expect(StatusCode::OK);
    assert!(
        inbox.body.contains("11月22日 10:00（还剩2天）"),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains(&id) && !inbox.body.contains(&gone));
    let all = desk.open("/desk?closed=true").await.expect(StatusCode::OK);
    assert!(all.body.contains(&gone));
    let en = desk.open("/desk?lang=en").await.expect(StatusCode::OK);
    assert!(en.body.contains("22 Nov 10:00 (2 days left)"));

    // Search by report number: any case, with or without its "R-".
    let prefix = id[2..7].to_lowercase();
    let found = desk
        .open(&format!("/desk?closed=true&id={prefix}"))
        .await
        .expect(StatusCode::OK);
    assert!(found.body.contains(&id) && !found.body.contains(&gone));
    let nothing = desk.open("/desk?id=%25").await.expect(StatusCode::OK);
    assert!(!nothing.body.contains(&id));
    // And by words of the title (sealed in the database: searched as the list is opened).
    let titled = app
        .submit_json(serde_json::json!({
            "category": "excessive-paperwork", "area": "xinhe",
            "title": "Three Ledgers for one visit", "body": "两份一样的台账。"
        }))
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hit = desk
        .open("/desk?q=three+ledgers")
        .await
        .expect(StatusCode::OK);
    assert!(hit.body.contains(&titled) && !hit.body.contains(&id));
    let miss = desk
        .open("/desk?q=nothing+like+it")
        .await
        .expect(StatusCode::OK);
    assert!(!miss.body.contains(&titled));

    // Past the deadline the sweeper escalates: the timeline names it and says why.
    app.clock.set(T0 + 2 * D + H / 2);
    let board = app.pages("sup-agri").await;
    let late = board.open("/oversight").await.expect(StatusCode::OK);
    assert!(late.body.contains("不到1小时"), "late by under an hour");
    assert!(late
        .body
        .contains("/oversight/items?department=agri-station&amp;lang=zh-CN"));
    app.clock.set(T0 + 2 * D + H);
    app.service.sweep().await.unwrap();
    let item = desk
        .open(&format!("/desk/items/{id}"))
        .await
        .expect(StatusCode::OK);
    assert!(
        item.body.contains("自动期限检查"),
        "system actor translated"
    );
    assert!(item.body.contains("未按期签收"), "escalation reason");
    assert!(item.body.contains("（已超过1小时）"));

    // The department row's link lists that department's items only.
    let (elsewhere, _) = app.submit("other", "county", Some("agri-station")).await;
    let listed = board
        .open("/oversight/items?department=agri-station")
        .await
        .expect(StatusCode::OK);
    assert!(listed.body.contains(&id));
    assert!(!listed.body.contains(&elsewhere));

    // The desk asks for a transfer suggesting education: the decision has it chosen already.
    let (moving, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    desk.post(
        &format!("/desk/items/{moving}/transfer"),
        &[
            ("reason", "不归我们"),
            ("suggested_department", "civil-affairs"),
        ],
    )
    .await
    .expect(StatusCode::OK);
    let sup_item = board
        .open(&format!("/oversight/items/{moving}"))
        .await
        .expect(StatusCode::OK);
    let decision = between(&sup_item.body, "id=\"approve-department\"", "</select>");
    assert!(
        decision.contains("value=\"civil-affairs\" selected"),
        "{decision}"
    );
    // A duplicate is picked from the department's other open reports.
    let choices = between(&sup_item.body, "id=\"duplicate-of\"", "</select>");
    assert!(choices.contains(&format!("value=\"{id}\"")), "{choices}");
    assert!(!choices.contains(&format!("value=\"{moving}\"")));
}
both_backends!(staff_lists_and_items_read_well, clerk_and_supervisor);

async fn paging(app: TestApp) {
    app.user("desk-station", Role::Desk, Some("agri-station"))
        .await;
    let mut ids = Vec::new();
    for _ in 0..52 {
        ids.push(app.submit("excessive-paperwork", "xinhe", None).await.0);
    }
    let desk = app.pages("desk-station").await;
    let first = desk.open("/desk?lang=en").await.expect(StatusCode::OK);
    let next = between(&first.body, "<a href=\"?", "\" rel=\"next\"").replace("&amp;", "&");
    assert!(next.ends_with("page=2"), "{next}");
    let second = desk
        .open(&format!("/desk?{next}"))
        .await
        .expect(StatusCode::OK);
    assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));
    let shown = |body: &str| ids.iter().filter(|i| body.contains(i.as_str())).count();
    assert_eq!((shown(&first.body), shown(&second.body)), (50, 2));
}
both_backends!(staff_lists_come_in_pages, paging);

async fn back_after_signing_in(app: TestApp) {
    app.user("desk-station", Role::Desk, Some("agri-station"))
        .await;
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    let page = format!("/desk/items/{id}?lang=en");
    let out = app.page(&page, None).await.expect(StatusCode::SEE_OTHER);
    let login = out.headers[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(
        login,
        format!("/staff/login?lang=en&next=%2Fdesk%2Fitems%2F{id}%3Flang%3Den")
    );
    let form = app.page(&login, None).await.expect(StatusCode::OK);
    assert!(form.body.contains("Please sign in to open that page"));
    let code = app.totp("desk-station");
    let fields = [
        ("username", "desk-station"),
        ("password", crate::support::staff::PASSWORD),
        ("totp", code.as_str()),
    ];
    let signed_in = app
        .form(&login, None, &fields)
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers[header::LOCATION], page.as_str());

    // Only a path of this site: anything else goes to the usual home page.
    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let code = app.totp("desk-station");
        let fields = [
            ("username", "desk-station"),
            ("password", crate::support::staff::PASSWORD),
            ("totp", code.as_str()),
        ];
        let path = format!("/staff/login?next={}", crate::support::urlencode(evil));
        let r = app
            .form(&path, None, &fields)
            .await
            .expect(StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/desk?lang=zh-CN", "{evil}");
    }
}
both_backends!(
    signed_out_pages_come_back_after_signing_in,
    back_after_signing_in
);
