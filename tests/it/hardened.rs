//! Hardened edges (issue 18): every text input refuses NUL and control characters with the usual 400
//! naming it (PostgreSQL used to answer 500); bad path parameters, 404 and 405 answer in the caller's
//! format; signing out needs the CSRF token (pages) or a valid token (API).
use crate::support::{form_request, Resp, StaffPages, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use zhiyan::service::Role;

/// A 400 `invalid_input` naming `field`, as JSON.
#[track_caller]
fn names(r: &Resp, field: &str) {
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "{}: {}",
        r.request,
        r.body
    );
    assert_eq!(r.error_code(), "invalid_input", "{}", r.request);
    assert_eq!(r.json()["error"]["field"], field, "{}", r.request);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(field),
        "{}",
        r.body
    );
}

#[track_caller]
fn html(r: &Resp, status: StatusCode) {
    assert_eq!(r.status, status, "{}: {}", r.request, r.body);
    let kind = r.headers[header::CONTENT_TYPE].to_str().unwrap();
    assert!(kind.starts_with("text/html"), "{}: {kind}", r.request);
    assert!(r.body.contains("<!doctype html>"), "{}", r.body);
}

#[track_caller]
fn json_error(r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}: {}", r.request, r.body);
    let kind = r.headers[header::CONTENT_TYPE].to_str().unwrap();
    assert_eq!(kind, "application/json", "{}", r.request);
    assert_eq!(r.error_code(), code, "{}", r.request);
}

async fn control_characters(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let sup = app.new_supervisor("sup", "county").await;
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    let (other, _) = app.submit("duplicate-inspections", "county", None).await;
    let chain = app.chain_length().await;

    // The requests, anonymous and signed in.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "a\u{0}", "password": "x"}),
        )
        .await;
    names(&r, "username");
    let r = app
        .form(
            "/staff/login",
            None,
            &[("username", "a\0"), ("password", "x")],
        )
        .await;
    html(&r, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("Username") || r.body.contains("用户名"),
        "{}",
        r.body
    );
    names(
        &app.get("/api/v1/desk/items/%00", Some(&desk.bearer)).await,
        "id",
    );
    names(
        &app.get("/api/v1/oversight/items/%00", Some(&sup.bearer))
            .await,
        "id",
    );
    names(&sup.assign(&id, "education\0").await, "department");
    names(&sup.duplicate(&id, &format!("{other}\0")).await, "of");
    names(
        &desk.transfer(&id, "not ours", Some("education\0")).await,
        "suggested_department",
    );
    // Other control characters, in every kind of input: JSON string and key, form field, query.
    let report =
        |title: &str| json!({ "category": "other", "area": "xinhe", "title": title, "body": "b" });
    for c in ['\u{1}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\r'] {
        names(&app.submit_json(report(&format!("t{c}t"))).await, "title");
    }
    let mut keyed = report("t");
    keyed["x\u{0}"] = json!(1);
    names(&app.submit_json(keyed).await, "x\\0");
    let nested = json!({"file": "x", "extra": [{"deep": "\u{0}"}]});
    names(
        &app.post("/api/v1/reports/preview", None, nested).await,
        "extra[0].deep",
    );
    names(&desk.items("?state=%00").await, "state");
    names(&desk.items("?state=open%ff").await, "state");
    let r = app
        .form(
            "/report",
            None,
            &[
                ("category", "other"),
                ("area", "xinhe"),
                ("title", "t\u{8}"),
                ("body", "b"),
            ],
        )
        .await;
    html(&r, StatusCode::BAD_REQUEST);
    let r = app.page("/stats?from=%00", None).await;
    html(&r, StatusCode::BAD_REQUEST);
    // Line breaks and tabs are text: as JSON, and as a browser sends a textarea (CRLF).
    app.submit_json(json!({
        "category": "other", "area": "xinhe", "title": "a\tb", "body": "one\ntwo\r\nthree",
    }))
    .await
    .expect(StatusCode::CREATED);
    let chain_after = app.chain_length().await;
    assert_eq!(chain_after, chain + 2, "only the good report was stored");
    app.form(
        "/report",
        None,
        &[
            ("category", "other"),
            ("area", "xinhe"),
            ("title", "t"),
            ("body", "one\r\ntwo"),
        ],
    )
    .await
    .expect(StatusCode::OK);
    // The refused actions changed nothing.
    assert_eq!(app.report(&id).await.state.as_str(), "assigned");
    assert_eq!(app.department_of(&id).await, "civil-affairs");
}
both_backends!(no_control_characters_in_any_input, control_characters);

async fn callers_format(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    app.user("desk-pages", Role::Desk, Some("civil-affairs"))
        .await;
    let pages = StaffPages::sign_in(&app, "desk-pages").await;

    // A path parameter that is not UTF-8: the usual 400, JSON on the API, the page on the pages.
    names(
        &app.get("/api/v1/desk/items/%ff", Some(&desk.bearer)).await,
        "id",
    );
    html(
        &pages.open("/desk/items/%ff").await,
        StatusCode::BAD_REQUEST,
    );
    html(
        &pages.open("/desk/items/R-%00").await,
        StatusCode::BAD_REQUEST,
    );
    let r = pages.post("/desk/items/%ff/acknowledge", &[]).await;
    html(&r, StatusCode::BAD_REQUEST);

    // 405: the app's error, with the methods the path takes.
    let r = app
        .request(crate::support::api_request(
            Method::DELETE,
            "/api/v1/reports",
            None,
            None,
        ))
        .await;
    json_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(r.headers[header::ALLOW], "POST");
    let r = app.get("/api/v1/auth/login", None).await;
    json_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let r = app.page("/staff/logout", None).await;
    html(&r, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers[header::ALLOW], "POST");
    let put = Request::builder()
        .method(Method::PUT)
        .uri("/report/new?lang=en")
        .body(Body::empty())
        .unwrap();
    let r = app.request(put).await;
    html(&r, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.body.contains("cannot be used that way"), "{}", r.body);

    // 404: JSON anywhere under /api/, the page elsewhere.
    for path in ["/api/v1/nothing", "/api/v2/reports", "/api/"] {
        json_error(
            &app.get(path, None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    html(&app.page("/nothing", None).await, StatusCode::NOT_FOUND);
}
both_backends!(errors_in_the_callers_format, callers_format);

async fn logout(app: TestApp) {
    // Pages: the cookie alone (no CSRF token, no Origin) ends nothing.
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let pages = StaffPages::sign_in(&app, "desk-civil").await;
    let mut bare = form_request("/staff/logout", Some(&pages.cookie), &[]);
    bare.headers_mut().remove(header::ORIGIN);
    html(&app.request(bare).await, StatusCode::FORBIDDEN);
    let r = app
        .form("/staff/logout", Some(&pages.cookie), &[("csrf", "guess")])
        .await;
    html(&r, StatusCode::FORBIDDEN);
    pages.open("/desk").await.expect(StatusCode::OK);
    // With the token: signed out, and the cookie opens nothing any more.
    let r = pages
        .post("/staff/logout", &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("zhiyan_session=;"));
    let r = pages.open("/desk").await.expect(StatusCode::SEE_OTHER);
    assert!(r.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/staff/login"));
    // Signed out, the form is a way back to signing in, not an error.
    let r = app
        .form(
            "/staff/logout",
            Some(&pages.cookie),
            &[("csrf", &pages.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/staff/login"));

    // API: no token, a bogus one, an empty one: 401; a valid one: signed out.
    let desk = app.desk("desk-civil").await;
    for auth in [
        None,
        Some("Bearer bogus"),
        Some("Bearer "),
        Some("Basic eDp5"),
    ] {
        let r = app.post("/api/v1/auth/logout", auth, json!({})).await;
        json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    desk.items("").await.expect(StatusCode::OK);
    desk.sign_out().await.expect(StatusCode::OK);
    desk.items("").await.expect(StatusCode::UNAUTHORIZED);
    let r = desk.sign_out().await;
    json_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
}
both_backends!(signing_out_needs_the_token, logout);
