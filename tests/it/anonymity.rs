//! The anonymity invariants of DESIGN.md, each shown by a test that fails if it breaks.
use crate::support::json::{entries, ids};
use crate::support::{api_request, logs, Options, Resp, TestApp};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, StatusCode};
use serde_json::json;
use std::net::SocketAddr;

const UA: &str = "ZhiyanProbe/9.9 (distinctive-agent-7f3a)";
const XFF: &str = "198.51.100.23";
const CLIENT: [u8; 4] = [203, 0, 113, 77];
const SECRET_BODY: &str = "独特正文：乡里第三次台账检查-QX7Z";

/// A request carrying every piece of identifying metadata a client or proxy could add.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<serde_json::Value>,
) -> Resp {
    let mut req = api_request(method, path, auth, body);
    let h = req.headers_mut();
    h.insert(header::USER_AGENT, HeaderValue::from_static(UA));
    h.insert("x-forwarded-for", HeaderValue::from_static(XFF));
    h.insert("x-real-ip", HeaderValue::from_static(XFF));
    h.insert("forwarded", format!("for={XFF}").parse().unwrap());
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((CLIENT, 51515))));
    app.request(req).await
}

fn database_bytes(app: &TestApp) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file()
            && path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("zhiyan.db")
        {
            all.extend(std::fs::read(path).unwrap());
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_request_metadata_plain_text_or_receipt_at_rest() {
    let logs = logs::capture();
    let app = TestApp::sqlite().await;
    let desk = app.new_desk("desk-civil", "civil-affairs").await.bearer;

    let r = send(&app, Method::POST, "/api/v1/reports", None, Some(json!({
        "category": "duplicate-inspections", "area": "county", "title": "台账检查过多-QX7Z", "body": SECRET_BODY
    }))).await;
    let r = r.expect(StatusCode::CREATED);
    let receipt = r.json()["receipt"].as_str().unwrap().to_string();
    let auth = format!("Receipt {receipt}");
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        send(&app, Method::GET, "/api/v1/reports/mine", Some(&auth), None)
            .await
            .status,
        StatusCode::OK
    );
    send(
        &app,
        Method::POST,
        "/api/v1/reports/mine/messages",
        Some(&auth),
        Some(json!({"body": "补充说明-QX7Z"})),
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/desk/items/{id}/acknowledge"),
        Some(&desk),
        Some(json!({})),
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/desk/items/{id}/respond"),
        Some(&desk),
        Some(json!({"outcome": "resolved", "body": "已处理-QX7Z"})),
    )
    .await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/reports/mine/confirm",
        Some(&auth),
        Some(json!({"satisfaction": 4})),
    )
    .await;
    r.expect(StatusCode::OK);
    send(
        &app,
        Method::GET,
        "/api/v1/reports/mine",
        Some("Receipt 0000-0000-0000-0000-0000"),
        None,
    )
    .await;

    let db = database_bytes(&app);
    assert!(db.len() > 10_000, "the database files were read");
    let log_text = logs.text();
    assert!(
        log_text.contains("zhiyan::access"),
        "the access log was captured"
    );
    for needle in [UA, "distinctive-agent", XFF, "203.0.113.77"] {
        assert!(!contains(&db, needle), "{needle} is in the database");
        assert!(!log_text.contains(needle), "{needle} is in the logs");
    }
    // Sealed at rest: no report text, no message text, no receipt in any form.
    let canonical = receipt.replace('-', "");
    for needle in [
        SECRET_BODY,
        "QX7Z",
        receipt.as_str(),
        canonical.as_str(),
        &canonical.to_lowercase(),
    ] {
        assert!(
            !contains(&db, needle),
            "{needle} is in the database in plain text"
        );
        assert!(!log_text.contains(needle), "{needle} is in the logs");
    }
}

async fn delay_and_dates(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    assert_eq!(reporter.mine().await["state"], "received");
    // Hidden from staff until the random delay (at most 30 minutes) has run out.
    assert!(ids(&desk.items("").await.json()).is_empty());
    assert_eq!(desk.item(&id).await.status, StatusCode::NOT_FOUND);
    app.clock.advance(30 * 60 + 1);
    let items = desk.items("").await.json();
    assert_eq!(items["items"][0]["id"], id.as_str());
    // Reporter-originated times are dates only, to staff and in storage.
    assert_eq!(items["items"][0]["received"], "2026-11-20");
    let row = app.report(&id).await;
    assert_eq!(
        (row.received_on + 8 * 3600) % 86_400,
        0,
        "stored at day granularity"
    );
    assert_eq!(reporter.reply("补充").await.status, StatusCode::CREATED);
    let detail = desk.item(&id).await.json();
    assert!(
        detail["messages"].as_array().unwrap().is_empty(),
        "reply visible before its delay"
    );
    assert_eq!(entries(&detail, "submitted")[0]["at"], "2026-11-20");
    assert!(entries(&detail, "reporter_message").is_empty());
    app.clock.advance(30 * 60 + 1);
    let desk = app.desk("desk-civil").await;
    let detail = desk.item(&id).await.json();
    let m = &detail["messages"][0];
    assert_eq!(m["body"], "补充");
    assert_eq!(m["date"], "2026-11-20");
    assert!(
        m.get("time").is_none(),
        "a reporter message carries no time of day"
    );
    for e in app.store.report_events(&id).await.unwrap() {
        if e.actor_role == "reporter" {
            assert_eq!(
                (e.at + 8 * 3600) % 86_400,
                0,
                "event {} stored with a time of day",
                e.kind
            );
        }
    }
}
both_backends!(
    reporter_text_is_delayed_and_times_are_dates,
    delay_and_dates,
    Options {
        release_delay: 30 * 60,
        ..Options::default()
    }
);

#[tokio::test]
async fn reporter_pages_set_no_cookie_and_are_not_cached() {
    let app = TestApp::sqlite().await;
    for path in ["/", "/report/new", "/follow", "/report/new?lang=en"] {
        let r = app.page(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.headers.get(header::SET_COOKIE).is_none(),
            "{path} sets a cookie"
        );
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline")
        );
        assert_eq!(r.headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        // Nothing loaded from another origin, no script at all.
        assert!(!r.body.contains("<script"), "{path} has a script");
        assert!(
            !r.body.contains("src=\"http") && !r.body.contains("href=\"http"),
            "{path} links off-site"
        );
    }
    let form = app
        .form(
            "/report",
            None,
            &[
                ("category", "other"),
                ("area", "xinhe"),
                ("title", "标题"),
                ("body", "正文"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.headers.get(header::SET_COOKIE).is_none());
    assert!(
        form.headers.get(header::LOCATION).is_none(),
        "the receipt page is not a redirect"
    );
}
