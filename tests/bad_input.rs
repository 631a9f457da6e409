//! Bad input gets a clear error naming what is wrong; nothing panics, nothing half-written.
mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;
use serde_json::json;
use zhiyan::service::Role;

fn report(category: &str, area: &str, title: &str, body: &str) -> serde_json::Value {
    json!({ "category": category, "area": area, "title": title, "body": body })
}

async fn refused_reports(app: TestApp) {
    let cases = [
        (report("no-such", "xinhe", "t", "b"), "category"),
        (report("other", "atlantis", "t", "b"), "area"),
        (report("other", "xinhe", "   ", "b"), "title"),
        (report("other", "xinhe", &"题".repeat(201), "b"), "title"),
        (report("other", "xinhe", "t", ""), "body"),
        (report("other", "xinhe", "t", &"x".repeat(20_001)), "body"),
        (
            json!({ "category": "other", "area": "xinhe", "title": "t", "body": "b", "subject_department": "nope" }),
            "subject_department",
        ),
        (
            json!({ "category": "other", "area": "xinhe", "title": "t", "body": "b", "subject_department": "county" }),
            "subject_department",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/reports", None, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.body);
        assert_eq!(r.error_code(), "invalid_input");
        assert_eq!(r.json()["error"]["field"], field, "{}", r.body);
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(field));
    }
    // Exactly at the limits is fine.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            report("other", "xinhe", &"题".repeat(200), &"字".repeat(20_000)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A body over the request limit: 413.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            report("other", "xinhe", "t", &"x".repeat(300 * 1024)),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "too_large");

    // Malformed JSON, and a missing field: 400 with the JSON error body.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/reports")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"category\": \"other\","))
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "malformed_json");
    let r = app
        .post("/api/v1/reports", None, json!({ "category": "other" }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("area"),
        "{}",
        r.body
    );

    // Nothing of the refused reports was stored: one report, one submission event (+ release).
    let (size, _) = app.store().chain_head().await.unwrap();
    assert_eq!(size, 3, "org import + one submitted + one released");
}
both_backends!(refused_reports_name_the_field, refused_reports);

async fn wrong_receipts(app: TestApp) {
    let (_, _good) = app.submit("other", "xinhe", None).await;
    let unknown = app
        .get(
            "/api/v1/reports/mine",
            Some("Receipt 0000-0000-0000-0000-0000"),
        )
        .await;
    let malformed = app.get("/api/v1/reports/mine", Some("Receipt hello")).await;
    let missing = app.get("/api/v1/reports/mine", None).await;
    for r in [&unknown, &malformed, &missing] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(unknown.body, malformed.body);
    assert_eq!(unknown.body, missing.body);
    assert_eq!(unknown.error_code(), "invalid_receipt");
    let r = app
        .post(
            "/api/v1/reports/mine/withdraw",
            Some("Receipt 0000-0000-0000-0000-0000"),
            json!({}),
        )
        .await;
    assert_eq!(r.body, unknown.body);
}
both_backends!(wrong_receipts_get_one_uniform_answer, wrong_receipts);

async fn rate_limit(app: TestApp) {
    for _ in 0..20 {
        let r = app
            .get(
                "/api/v1/reports/mine",
                Some("Receipt 0000-0000-0000-0000-0000"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .get(
            "/api/v1/reports/mine",
            Some("Receipt 0000-0000-0000-0000-0000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_code(), "rate_limited");
}
both_backends!(wrong_receipts_are_rate_limited, rate_limit);

async fn other_departments_and_roles(app: TestApp) {
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    app.user("desk-edu", Role::Desk, Some("education")).await;
    let civil = app.bearer("desk-civil").await;
    let edu = app.bearer("desk-edu").await;
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    assert_eq!(app.department_of(&id).await, "civil-affairs");
    for path in [
        format!("/api/v1/desk/items/{id}"),
        "/api/v1/desk/items/R-NOSUCHITEM".to_string(),
    ] {
        let r = app.get(&path, Some(&edu)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "not_found");
    }
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/acknowledge"),
            Some(&edu),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        app.get("/api/v1/desk/items", Some(&edu)).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A desk may not use oversight; no token at all is 401.
    assert_eq!(
        app.get("/api/v1/oversight/items", Some(&civil))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/desk/items", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/desk/items", Some("Bearer forged"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "desk-civil", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r2 = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"username": "nobody", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(r.body, r2.body);
    // A filter that is not a state is named.
    let r = app
        .get("/api/v1/desk/items?state=sleeping", Some(&civil))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "state");
}
both_backends!(
    other_departments_items_are_not_found,
    other_departments_and_roles
);

async fn illegal_transitions(app: TestApp) {
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let desk = app.bearer("desk-civil").await;
    let (id, receipt) = app.submit("duplicate-inspections", "county", None).await;
    let respond = json!({"outcome": "resolved", "body": "done"});
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/respond"),
            Some(&desk),
            respond.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "invalid_transition");
    assert_eq!(r.json()["error"]["state"], "assigned");
    let r = app
        .post(
            "/api/v1/reports/mine/confirm",
            Some(&receipt),
            json!({"satisfaction": 4}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/acknowledge"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/acknowledge"),
            Some(&desk),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["state"], "acknowledged");
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/respond"),
            Some(&desk),
            json!({"outcome": "fixed", "body": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "outcome");
    let r = app
        .post(
            &format!("/api/v1/desk/items/{id}/respond"),
            Some(&desk),
            respond,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post(
            "/api/v1/reports/mine/confirm",
            Some(&receipt),
            json!({"satisfaction": 9}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "satisfaction");
    let r = app
        .post("/api/v1/reports/mine/withdraw", Some(&receipt), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for (path, body) in [
        ("/api/v1/reports/mine/withdraw", json!({})),
        ("/api/v1/reports/mine/reopen", json!({"reason": "again"})),
        ("/api/v1/reports/mine/messages", json!({"body": "hello?"})),
    ] {
        let r = app.post(path, Some(&receipt), body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{path}");
        assert_eq!(r.json()["error"]["state"], "withdrawn");
    }
}
both_backends!(illegal_transitions_are_conflicts, illegal_transitions);

async fn csrf(app: TestApp) {
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    let login = app
        .form(
            "/staff/login",
            None,
            &[("username", "desk-civil"), ("password", common::PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let set_cookie = login
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    // No token: 403, and the item is untouched.
    let r = app
        .form(&format!("/desk/items/{id}/acknowledge"), Some(&cookie), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    // Wrong token: 403.
    let r = app
        .form(
            &format!("/desk/items/{id}/acknowledge"),
            Some(&cookie),
            &[("csrf", "guess")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Right token from another origin: 403.
    let page = app.page(&format!("/desk/items/{id}"), Some(&cookie)).await;
    let token = extract_csrf(&page.body);
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/desk/items/{id}/acknowledge"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &cookie)
        .body(Body::from(format!("csrf={}", common::urlencode(&token))))
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::FORBIDDEN);
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
    // Right token, same origin: done.
    let r = app
        .form(
            &format!("/desk/items/{id}/acknowledge"),
            Some(&cookie),
            &[("csrf", &token)],
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
        "acknowledged"
    );
}
both_backends!(staff_forms_need_the_csrf_token_and_origin, csrf);

pub fn extract_csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a csrf field on the page")
        + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}
