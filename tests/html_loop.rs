//! The same closed loop through the HTML forms, as a browser with JavaScript off would drive it.
mod common;

use axum::http::StatusCode;
use common::TestApp;
use zhiyan::service::Role;

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not on the page"))
        + start.len();
    html[at..].split(end).next().unwrap()
}

fn csrf(html: &str) -> String {
    between(html, "name=\"csrf\" value=\"", "\"").to_string()
}

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
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
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
    let r = app.form("/follow", None, &[("receipt", &typed)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("一月三次检查"));
    let wrong = app
        .form("/follow", None, &[("receipt", "0000-0000-0000-0000-0000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    // The desk signs in, finds the item in the inbox, acknowledges, asks, answers.
    let cookie = app.cookie("desk-agri").await;
    let inbox = app.page("/desk", Some(&cookie)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("一月三次检查"));
    let id = between(&inbox.body, "/desk/items/", "?").to_string();
    let page = app.page(&format!("/desk/items/{id}"), Some(&cookie)).await;
    let token = csrf(&page.body);
    let post = |action: &'static str, fields: Vec<(&'static str, String)>| {
        let (app, id, cookie, token) = (&app, id.clone(), cookie.clone(), token.clone());
        async move {
            let mut all: Vec<(&str, String)> = vec![("csrf", token)];
            all.extend(fields);
            let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app
                .form(
                    &format!("/desk/items/{id}/{action}"),
                    Some(&cookie),
                    &borrowed,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.body);
            r
        }
    };
    post("acknowledge", vec![]).await;
    post("messages", vec![("body", "请说明是哪几个部门。".into())]).await;
    let r = app
        .form(
            "/follow/message",
            None,
            &[("receipt", &receipt), ("body", "民政和农业各一次。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("请说明是哪几个部门。"));
    post(
        "respond",
        vec![
            ("outcome", "partially_resolved".into()),
            ("body", "已合并两次。".into()),
        ],
    )
    .await;

    // The reporter reopens; the desk answers again; the reporter confirms with a rating.
    let r = app
        .form(
            "/follow/reopen",
            None,
            &[("receipt", &receipt), ("reason", "还有一次没合并。")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = post(
        "respond",
        vec![
            ("outcome", "resolved".into()),
            ("body", "已全部合并。".into()),
        ],
    )
    .await;
    assert!(r.body.contains("已全部合并。"));
    let r = app
        .form(
            "/follow/confirm",
            None,
            &[("receipt", &receipt), ("satisfaction", "5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = app.store().item(&id).await.unwrap().unwrap().item;
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

    let sup = app.cookie("sup").await;
    let triage = app.page("/oversight/items?state=triage", Some(&sup)).await;
    assert_eq!(triage.status, StatusCode::OK, "{}", triage.body);
    assert!(triage.body.contains(&format!("/oversight/items/{id}")));
    let page = app
        .page(&format!("/oversight/items/{id}"), Some(&sup))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = csrf(&page.body);
    let r = app
        .form(
            &format!("/oversight/items/{id}/assign"),
            Some(&sup),
            &[("csrf", &token), ("department", "civil-affairs")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.department_of(&id).await, "civil-affairs");

    // The desk asks to transfer through its page; the supervisor sends it back, then approves the next.
    let civil = app.cookie("desk-civil").await;
    let desk_page = app.page(&format!("/desk/items/{id}"), Some(&civil)).await;
    let desk_token = csrf(&desk_page.body);
    let transfer = |reason: &'static str| {
        let (app, id, civil, desk_token) = (&app, id.clone(), civil.clone(), desk_token.clone());
        async move {
            let path = format!("/desk/items/{id}/transfer");
            let r = app
                .form(
                    &path,
                    Some(&civil),
                    &[
                        ("csrf", &desk_token),
                        ("reason", reason),
                        ("suggested_department", "education"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    };
    transfer("属于教育系统").await;
    let pending = app
        .page("/oversight/items?state=transfer_requested", Some(&sup))
        .await;
    assert!(pending.body.contains(&format!("/oversight/items/{id}")));
    let decide = format!("/oversight/items/{id}/transfer-decision");
    let r = app
        .form(
            &decide,
            Some(&sup),
            &[("csrf", &token), ("approve", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.store()
            .item(&id)
            .await
            .unwrap()
            .unwrap()
            .item
            .state
            .as_str(),
        "assigned"
    );
    transfer("确实属于教育系统").await;
    let r = app
        .form(
            &decide,
            Some(&sup),
            &[
                ("csrf", &token),
                ("approve", "true"),
                ("department", "education"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = app.store().item(&id).await.unwrap().unwrap().item;
    assert_eq!(
        (row.department.as_str(), row.state.as_str(), row.transfers),
        ("education", "assigned", 1)
    );

    // A desk cannot open the supervisor's pages: not the board, the lists or an item.
    for path in [
        "/oversight".to_string(),
        "/oversight/items".to_string(),
        format!("/oversight/items/{id}"),
    ] {
        assert_eq!(
            app.page(&path, Some(&civil)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}
both_backends!(
    supervisor_triage_and_transfers_through_the_pages,
    oversight_pages
);
