//! The same closed loop through the HTML forms, as a browser with JavaScript off would drive it.
use crate::support::{between, TestApp};
use axum::http::StatusCode;
use zhiyan::service::Role;

async fn html_loop(app: TestApp) {
    app.user("desk-agri", Role::Desk, Some("agriculture")).await;

    // The reporter submits through the form; the receipt page shows the receipt once.
    let form = app.page("/report/new", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"title\"") && form.body.contains("<label"));
    let r = app
        .form(
            "/report",
            None,
            &[
                ("category", "duplicate-inspections"),
                ("area", "xinhe"),
                ("subject_department", ""),
                ("title", "一月三次检查"),
                ("body", "同一事项被检查三次。"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    let receipt = between(&r.body, "<code>", "</code>").trim().to_string();
    assert_eq!(receipt.len(), 24, "{receipt}");

    // A bad form comes back with the text kept and the field named.
    let bad = app
        .form(
            "/report",
            None,
            &[
                ("category", "duplicate-inspections"),
                ("area", "xinhe"),
                ("title", ""),
                ("body", "保留我写的内容"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("保留我写的内容"));
    assert!(bad.body.contains("aria-invalid=\"true\""));

    // Follow-up by typing the receipt (lower case, no hyphens: still accepted).
    let typed = receipt.replace('-', "").to_lowercase();
    let r = app
        .form("/follow", None, &[("receipt", &typed)])
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("一月三次检查"));
    let wrong = app
        .form("/follow", None, &[("receipt", "0000-0000-0000-0000-0000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    // The desk signs in, finds the item in the inbox, acknowledges, asks, answers.
    let desk = app.pages("desk-agri").await;
    let inbox = desk.open("/desk").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("一月三次检查"));
    let id = between(&inbox.body, "/desk/items/", "?").to_string();
    let item = format!("/desk/items/{id}");
    desk.open(&item).await.expect(StatusCode::OK);
    desk.post(&format!("{item}/acknowledge"), &[])
        .await
        .expect(StatusCode::OK);
    desk.post(
        &format!("{item}/messages"),
        &[("body", "请说明是哪几个部门。")],
    )
    .await
    .expect(StatusCode::OK);
    let r = app
        .form(
            "/follow/message",
            None,
            &[("receipt", &receipt), ("body", "民政和农业各一次。")],
        )
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("请说明是哪几个部门。"));
    desk.post(
        &format!("{item}/respond"),
        &[("outcome", "partially_resolved"), ("body", "已合并两次。")],
    )
    .await
    .expect(StatusCode::OK);

    // The reporter reopens; the desk answers again; the reporter confirms with a rating.
    app.form(
        "/follow/reopen",
        None,
        &[("receipt", &receipt), ("reason", "还有一次没合并。")],
    )
    .await
    .expect(StatusCode::OK);
    let r = desk
        .post(
            &format!("{item}/respond"),
            &[("outcome", "resolved"), ("body", "已全部合并。")],
        )
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("已全部合并。"));
    app.form(
        "/follow/confirm",
        None,
        &[("receipt", &receipt), ("satisfaction", "5")],
    )
    .await
    .expect(StatusCode::OK);
    let row = app.report(&id).await;
    assert_eq!(row.state.as_str(), "closed");
    assert_eq!(row.confirmed, Some(true));
    assert_eq!(row.satisfaction, Some(5));
    assert_eq!(row.reopens, 1);

    // English pages on request, Chinese by default.
    assert!(app
        .page("/follow?lang=en", None)
        .await
        .body
        .contains("lang=\"en\""));
    assert!(app
        .page("/follow", None)
        .await
        .body
        .contains("lang=\"zh-CN\""));
}
both_backends!(whole_loop_through_the_pages, html_loop);

async fn oversight_pages(app: TestApp) {
    app.user("sup", Role::Supervisor, Some("county")).await;
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    app.user("desk-edu", Role::Desk, Some("education")).await;
    // "other" in Xinhe matches no rule: triage.
    let (id, _) = app.submit("other", "xinhe", None).await;

    let sup = app.pages("sup").await;
    let triage = sup
        .open("/oversight/items?state=triage")
        .await
        .expect(StatusCode::OK);
    assert!(triage.body.contains(&format!("/oversight/items/{id}")));
    let item = format!("/oversight/items/{id}");
    sup.open(&item).await.expect(StatusCode::OK);
    sup.post(
        &format!("{item}/assign"),
        &[("department", "civil-affairs")],
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(app.department_of(&id).await, "civil-affairs");

    // The desk asks to transfer through its page; the supervisor sends it back, then approves the next.
    let civil = app.pages("desk-civil").await;
    let transfer = format!("/desk/items/{id}/transfer");
    let ask = |reason: &'static str| {
        let (civil, transfer) = (&civil, &transfer);
        async move {
            civil
                .post(
                    transfer,
                    &[("reason", reason), ("suggested_department", "education")],
                )
                .await
                .expect(StatusCode::OK);
        }
    };
    civil.open(&format!("/desk/items/{id}")).await;
    ask("属于教育系统").await;
    let pending = sup.open("/oversight/items?state=transfer_requested").await;
    assert!(pending.body.contains(&format!("/oversight/items/{id}")));
    let decide = format!("{item}/transfer-decision");
    sup.post(&decide, &[("approve", "false")])
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.report(&id).await.state.as_str(), "assigned");
    ask("确实属于教育系统").await;
    sup.post(&decide, &[("approve", "true"), ("department", "education")])
        .await
        .expect(StatusCode::OK);
    let row = app.report(&id).await;
    assert_eq!(
        (row.department.as_str(), row.state.as_str(), row.transfers),
        ("education", "assigned", 1)
    );

    // A desk cannot open the supervisor's pages: not the board, the lists or an item.
    for path in ["/oversight", "/oversight/items", &item] {
        assert_eq!(
            civil.open(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}
both_backends!(
    supervisor_triage_and_transfers_through_the_pages,
    oversight_pages
);
