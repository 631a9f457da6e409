//! Bad input gets a clear error naming what is wrong; nothing panics, nothing half-written.
use crate::support::json::ids;
use crate::support::{csrf_token, form_request, TestApp};
use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use serde_json::json;
use zhiyan::service::Role;

/// Not a receipt of any report, but well-formed.
const UNKNOWN_RECEIPT: &str = "0000-0000-0000-0000-0000";

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
        let r = app.submit_json(body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.body);
        assert_eq!(r.error_code(), "invalid_input");
        assert_eq!(r.json()["error"]["field"], field, "{}", r.body);
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(field));
    }
    // Exactly at the limits is fine.
    app.submit_json(report(
        "other",
        "xinhe",
        &"题".repeat(200),
        &"字".repeat(20_000),
    ))
    .await
    .expect(StatusCode::CREATED);

    // A body over the request limit: 413.
    let r = app
        .submit_json(report("other", "xinhe", "t", &"x".repeat(300 * 1024)))
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
    let r = app.submit_json(json!({ "category": "other" })).await;
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
    assert_eq!(
        app.chain_length().await,
        3,
        "org import + one submitted + one released"
    );
}
both_backends!(refused_reports_name_the_field, refused_reports);

async fn wrong_receipts(app: TestApp) {
    let (_, _good) = app.submit("other", "xinhe", None).await;
    let unknown = app.reporter(UNKNOWN_RECEIPT).view().await;
    let malformed = app.reporter("hello").view().await;
    let missing = app.get("/api/v1/reports/mine", None).await;
    for r in [&unknown, &malformed, &missing] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(unknown.body, malformed.body);
    assert_eq!(unknown.body, missing.body);
    assert_eq!(unknown.error_code(), "invalid_receipt");
    let r = app.reporter(UNKNOWN_RECEIPT).withdraw().await;
    assert_eq!(r.body, unknown.body);
}
both_backends!(wrong_receipts_get_one_uniform_answer, wrong_receipts);

async fn rate_limit(app: TestApp) {
    let guess = app.reporter(UNKNOWN_RECEIPT);
    for _ in 0..20 {
        assert_eq!(guess.view().await.status, StatusCode::UNAUTHORIZED);
    }
    let r = guess.view().await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_code(), "rate_limited");
}
both_backends!(wrong_receipts_are_rate_limited, rate_limit);

async fn other_departments_and_roles(app: TestApp) {
    let civil = app.new_desk("desk-civil", "civil-affairs").await;
    let edu = app.new_desk("desk-edu", "education").await;
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    assert_eq!(app.department_of(&id).await, "civil-affairs");
    for id in [id.as_str(), "R-NOSUCHITEM"] {
        let r = edu.item(id).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "not_found");
    }
    assert_eq!(edu.acknowledge(&id).await.status, StatusCode::NOT_FOUND);
    assert!(ids(&edu.items("").await.json()).is_empty());
    // A desk may not use oversight; no token at all is 401.
    assert_eq!(
        app.get("/api/v1/oversight/items", Some(&civil.bearer))
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
    let r = app.login("desk-civil", "wrong password!").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r2 = app.login("nobody", "wrong password!").await;
    assert_eq!(r.body, r2.body);
    // A filter that is not a state is named.
    let r = civil.items("?state=sleeping").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "state");
}
both_backends!(
    other_departments_items_are_not_found,
    other_departments_and_roles
);

async fn illegal_transitions(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    let r = desk.respond(&id, "resolved", "done").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "invalid_transition");
    assert_eq!(r.json()["error"]["state"], "assigned");
    assert_eq!(reporter.confirm(4).await.status, StatusCode::CONFLICT);
    assert_eq!(desk.acknowledge(&id).await.status, StatusCode::OK);
    let r = desk.acknowledge(&id).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["state"], "acknowledged");
    let r = desk.respond(&id, "fixed", "x").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "outcome");
    assert_eq!(
        desk.respond(&id, "resolved", "done").await.status,
        StatusCode::OK
    );
    let r = reporter.confirm(9).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "satisfaction");
    assert_eq!(reporter.withdraw().await.status, StatusCode::OK);
    for r in [
        reporter.withdraw().await,
        reporter.reopen("again").await,
        reporter.reply("hello?").await,
    ] {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.request);
        assert_eq!(r.json()["error"]["state"], "withdrawn");
    }
}
both_backends!(illegal_transitions_are_conflicts, illegal_transitions);

async fn csrf(app: TestApp) {
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    let login = app.sign_in_page("desk-civil").await;
    let set_cookie = login
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let acknowledge = format!("/desk/items/{id}/acknowledge");

    // No token: 403, and the item is untouched.
    let r = app.form(&acknowledge, Some(&cookie), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    // Wrong token: 403.
    let r = app
        .form(&acknowledge, Some(&cookie), &[("csrf", "guess")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Right token from another origin: 403.
    let page = app.page(&format!("/desk/items/{id}"), Some(&cookie)).await;
    let token = csrf_token(&page.body);
    let mut req = form_request(&acknowledge, Some(&cookie), &[("csrf", &token)]);
    req.headers_mut().insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );
    assert_eq!(app.request(req).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.report(&id).await.state.as_str(), "assigned");
    // Right token, same origin: done.
    app.form(&acknowledge, Some(&cookie), &[("csrf", &token)])
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.report(&id).await.state.as_str(), "acknowledged");
}
both_backends!(staff_forms_need_the_csrf_token_and_origin, csrf);
