//! Sign-in that resists attack without locking people out: the per-address limiter keyed on the real
//! client behind a trusted proxy (and deaf to a forged X-Forwarded-For from anyone else), the
//! growing per-username delay, the service-wide budget of failures, the browsers an account knows,
//! and a 429 that says how long to wait. Time is the test's clock; nothing sleeps.
use crate::support::staff::{cookie_named, PASSWORD};
use crate::support::{api_request, form_request, Options, Resp, TestApp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::net::SocketAddr;
use zhiyan::service::Role;
use zhiyan::web::proxy::Cidr;
use zhiyan::web::Deployment;

/// The same request, arriving from `peer` with `forwarded_for` (if any).
fn from(mut req: Request<Body>, peer: [u8; 4], forwarded_for: Option<&str>) -> Request<Body> {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 50000))));
    if let Some(xff) = forwarded_for {
        req.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
    }
    req
}

fn wrong_receipt() -> Request<Body> {
    api_request(
        Method::GET,
        "/api/v1/reports/mine",
        Some("Receipt 0000-0000-0000-0000-0000"),
        None,
    )
}

fn login_request(username: &str, password: &str, totp: Option<&str>) -> Request<Body> {
    let mut body = json!({ "username": username, "password": password });
    if let Some(t) = totp {
        body["totp"] = t.into();
    }
    api_request(Method::POST, "/api/v1/auth/login", None, Some(body))
}

fn behind_proxy() -> Options {
    Options {
        deployment: Deployment {
            trusted_proxies: vec![Cidr::parse("10.0.0.0/8").unwrap()],
            public_origin: None,
            ..Deployment::default()
        },
        ..Options::default()
    }
}

const PROXY: [u8; 4] = [10, 0, 0, 2];

async fn trusted_proxy(app: TestApp) {
    // One client behind the proxy types wrong receipts until it is stopped.
    for _ in 0..20 {
        let r = app
            .request(from(wrong_receipt(), PROXY, Some("203.0.113.5")))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let stopped = app
        .request(from(wrong_receipt(), PROXY, Some("203.0.113.5")))
        .await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = stopped.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    assert_eq!(stopped.json()["error"]["retry_after"], wait);
    // A client that writes its own X-Forwarded-For is still known by what the proxy appended.
    let forged = app
        .request(from(
            wrong_receipt(),
            PROXY,
            Some("198.51.100.77, 203.0.113.5"),
        ))
        .await;
    assert_eq!(forged.status, StatusCode::TOO_MANY_REQUESTS);

    // Every other client behind the same proxy goes on as before: receipts, and staff sign-in.
    let other = app
        .request(from(wrong_receipt(), PROXY, Some("203.0.113.6")))
        .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let code = app.totp("wang");
    let r = app
        .request(from(
            login_request("wang", PASSWORD, Some(&code)),
            PROXY,
            Some("203.0.113.6"),
        ))
        .await;
    r.expect(StatusCode::OK);
}
both_backends!(
    behind_a_trusted_proxy_clients_are_apart,
    trusted_proxy,
    behind_proxy()
);

async fn untrusted_peer(app: TestApp) {
    let peer = [198, 51, 100, 7];
    // A client not behind a trusted proxy cannot escape its limit by inventing addresses.
    for i in 0..20 {
        let xff = format!("203.0.113.{i}");
        let r = app.request(from(wrong_receipt(), peer, Some(&xff))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .request(from(wrong_receipt(), peer, Some("192.0.2.200")))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = app.request(from(wrong_receipt(), peer, None)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Nor can it get someone else limited by naming their address.
    let victim = app
        .request(from(wrong_receipt(), [203, 0, 113, 3], None))
        .await;
    assert_eq!(victim.status, StatusCode::UNAUTHORIZED);
}
both_backends!(
    from_an_untrusted_peer_the_header_changes_nothing,
    untrusted_peer,
    behind_proxy()
);

/// Each failure from an address of its own, so only the per-username delay and the budget apply.
async fn fail_from(app: &TestApp, n: u8, username: &str) -> Resp {
    app.request(from(
        login_request(username, "wrong password!", Some("123456")),
        [192, 0, 2, n],
        None,
    ))
    .await
}

async fn backoff(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    for n in 0..5 {
        assert_eq!(
            fail_from(&app, n, "wang").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The sixth attempt waits a second, even with the right password and code.
    let code = app.totp("wang");
    let r = app.login_with("wang", PASSWORD, Some(&code)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers[header::RETRY_AFTER], "1");
    app.clock.advance(1);
    let r = fail_from(&app, 6, "wang").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Each further failure doubles the wait: 2 seconds now.
    let r = fail_from(&app, 7, "wang").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"]["retry_after"], 2);
    // Other accounts are not delayed.
    app.user("li", Role::Desk, Some("civil-affairs")).await;
    app.bearer("li").await;
    // A delay, not a lock: once it has passed, the right password and code sign in.
    app.clock.advance(2);
    let code = app.totp("wang");
    app.login_with("wang", PASSWORD, Some(&code))
        .await
        .expect(StatusCode::OK);
    // ... and the count starts again.
    for n in 10..15 {
        assert_eq!(
            fail_from(&app, n, "wang").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Unknown usernames are delayed the same way, so the delay tells nothing about who exists.
    for n in 20..25 {
        assert_eq!(
            fail_from(&app, n, "nobody").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        fail_from(&app, 26, "nobody").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
both_backends!(failed_sign_ins_slow_down_one_username, backoff);

/// A flood of failures against one username, from many addresses, never delays its holder on a
/// browser the account has signed in from before.
async fn known_browser(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let signed_in = app.sign_in_page("wang").await;
    let device = cookie_named(&signed_in, "zhiyan_device").unwrap();
    assert!(signed_in
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|c| c.to_str().unwrap().contains("Path=/staff/login")));
    // The holder's next code, read before the flood so that reading it takes no time.
    let code = app.totp("wang");
    for n in 0..40 {
        fail_from(&app, n, "wang").await;
    }
    let fields = [
        ("username", "wang"),
        ("password", PASSWORD),
        ("totp", &code),
    ];
    let stranger = app.form("/staff/login", None, &fields).await;
    assert_eq!(stranger.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stranger.body.contains("尝试次数过多"), "{}", stranger.body);
    let mut req = form_request("/staff/login", None, &fields);
    req.headers_mut()
        .insert(header::COOKIE, device.parse().unwrap());
    let known = app.request(req).await;
    assert_eq!(known.status, StatusCode::SEE_OTHER, "{}", known.body);
    // A forged proof is a stranger.
    let mut req = form_request("/staff/login", None, &fields);
    let forged = "zhiyan_device=wang.AAAAAAAAAAAAAAAAAAAAAA";
    req.headers_mut()
        .insert(header::COOKIE, forged.parse().unwrap());
    assert_eq!(app.request(req).await.status, StatusCode::TOO_MANY_REQUESTS);
}
both_backends!(a_flood_never_delays_a_known_browser, known_browser);

async fn budget(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let api_proof = {
        let code = app.totp("wang");
        let r = app.login_with("wang", PASSWORD, Some(&code)).await;
        r.expect(StatusCode::OK).json()["device"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Ten failures across ten usernames and ten addresses spend the minute's budget.
    for n in 0..10 {
        let r = fail_from(&app, n, &format!("guess-{n}")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = fail_from(&app, 50, "guess-50").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait = r.json()["error"]["retry_after"].as_i64().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Strangers wait, whatever they send (nothing is checked); public pages do not.
    let r = app.login_with("wang", PASSWORD, Some("123456")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    app.get("/stats", None).await.expect(StatusCode::OK);
    app.submit("duplicate-inspections", "county", None).await;
    // A client with the account's device proof is not a stranger.
    let code = app.totp("wang");
    let body =
        json!({ "username": "wang", "password": PASSWORD, "totp": code, "device": api_proof });
    app.post("/api/v1/auth/login", None, body)
        .await
        .expect(StatusCode::OK);
    // The next minute has a budget again.
    app.clock.advance(wait);
    let code = app.totp("wang");
    app.login_with("wang", PASSWORD, Some(&code))
        .await
        .expect(StatusCode::OK);
}
both_backends!(
    a_budget_of_failures_for_the_whole_service,
    budget,
    Options {
        login_budget: Some(10),
        ..Options::default()
    }
);

/// The 429 page says how long to wait, in the page's language.
async fn wait_page(app: TestApp) {
    let fields = [
        ("username", "nobody"),
        ("password", "wrong password"),
        ("totp", "123456"),
    ];
    for _ in 0..20 {
        app.form("/staff/login", None, &fields).await;
        app.clock.advance(900);
    }
    let zh = app.form("/staff/login", None, &fields).await;
    assert_eq!(zh.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(zh.headers.contains_key(header::RETRY_AFTER));
    assert!(
        zh.body.contains("尝试次数过多，请在") && zh.body.contains("分钟后再试"),
        "{}",
        zh.body
    );
    let en = app.form("/staff/login?lang=en", None, &fields).await;
    assert!(
        en.body.contains("Please try again in") && en.body.contains("minutes"),
        "{}",
        en.body
    );
    // The reporter's follow-up page says it the same way.
    let follow = app
        .form("/follow", None, &[("receipt", "0000-0000-0000-0000-0000")])
        .await;
    assert_eq!(follow.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(follow.body.contains("分钟后再试"), "{}", follow.body);
}
both_backends!(the_429_page_says_how_long_to_wait, wait_page);

async fn public_origin(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let code = app.totp("wang");
    let fields = [
        ("username", "wang"),
        ("password", PASSWORD),
        ("totp", &code),
    ];
    // A form from any other origin than the public one is refused...
    let r = app.form("/staff/login", None, &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // ... from the public one it is accepted, and the cookies are Secure.
    let mut req = form_request("/staff/login", None, &fields);
    req.headers_mut().insert(
        header::ORIGIN,
        "https://zhiyan.example.gov.cn".parse().unwrap(),
    );
    let r = app.request(req).await.expect(StatusCode::SEE_OTHER);
    let cookies: Vec<_> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(
        cookies.iter().all(|c| c.ends_with("; Secure")),
        "{cookies:?}"
    );
}
both_backends!(
    the_public_origin_sets_secure_cookies_and_the_csrf_origin,
    public_origin,
    Options {
        deployment: Deployment {
            trusted_proxies: Vec::new(),
            public_origin: Some("https://zhiyan.example.gov.cn".into()),
            ..Deployment::default()
        },
        ..Options::default()
    }
);

async fn no_public_origin(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let r = app.sign_in_page("wang").await;
    assert!(r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .all(|c| !c.to_str().unwrap().contains("Secure")));
}
both_backends!(
    without_a_public_origin_cookies_are_not_secure,
    no_public_origin
);
