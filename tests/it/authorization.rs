//! Who may use which route: every route of every audience, called by each kind of caller, with the
//! status each must get; and no answer to an administrator carries report content. The list of
//! routes is checked against the routers' source, so a new route cannot be left out.
use crate::support::{urlencode, TestApp, BODY, TITLE};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use zhiyan::service::Role;

/// The callers of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A desk of the item's department.
    DeskOwn,
    DeskOther,
    /// A supervisor whose subtree holds the item's department.
    SupervisorInside,
    SupervisorOutside,
    Admin,
    /// Signed in, then disabled by an administrator.
    Disabled,
    /// Signed in, then signed out.
    Ended,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::DeskOwn,
    Who::DeskOther,
    Who::SupervisorInside,
    Who::SupervisorOutside,
    Who::Admin,
    Who::Disabled,
    Who::Ended,
];

/// Whose route it is, and what its rightful caller gets.
#[derive(Clone, Copy, Debug)]
enum Audience {
    /// Everyone gets this status (public pages, the reporter's receipt routes, signing in).
    Public(u16),
    /// A desk's route: `item` routes name the item (others' items are 404).
    Desk {
        ok: u16,
        item: bool,
    },
    Oversight {
        ok: u16,
        item: bool,
    },
    Admin(u16),
    /// Any signed-in staff member's own account.
    Staff(u16),
}

#[derive(Clone, Copy, Debug)]
enum Payload {
    None,
    Json(&'static str),
    Form(&'static [(&'static str, &'static str)]),
}

struct Route {
    method: Method,
    /// As the router declares it (with `{id}`, `{username}`, `{other}`, `{department}`).
    path: &'static str,
    audience: Audience,
    body: Payload,
}

/// A page route, or an API route when `path` starts with /api/v1.
fn r(method: Method, path: &'static str, audience: Audience, body: Payload) -> Route {
    Route {
        method,
        path,
        audience,
        body,
    }
}

/// One route a line, so the table reads as a table.
#[rustfmt::skip]
fn routes() -> Vec<Route> {
    use Audience::*;
    use Payload::{Form, Json, None as Empty};
    let get = Method::GET;
    let post = Method::POST;
    let desk_item = |ok| Desk { ok, item: true };
    let sup_item = |ok| Oversight { ok, item: true };
    vec![
        // Public.
        r(get.clone(), "/", Public(200), Empty),
        r(get.clone(), "/static/style.css", Public(200), Empty),
        r(get.clone(), "/healthz", Public(200), Empty),
        r(get.clone(), "/readyz", Public(200), Empty),
        r(get.clone(), "/stats", Public(200), Empty),
        r(get.clone(), "/stats.csv", Public(200), Empty),
        r(get.clone(), "/api/v1/stats", Public(200), Empty),
        r(get.clone(), "/api/v1/log/head", Public(200), Empty),
        r(get.clone(), "/api/v1/catalog", Public(200), Empty),
        // The reporter: no receipt (staff credentials are none) is 401; bad input 400.
        r(get.clone(), "/report/new", Public(200), Empty),
        r(post.clone(), "/report/new", Public(200), Form(&[("title", "")])),
        r(post.clone(), "/report/preview", Public(400), Form(&[("title", "")])),
        r(post.clone(), "/report", Public(400), Form(&[("title", "")])),
        r(post.clone(), "/api/v1/reports/preview", Public(400), Json("{}")),
        r(post.clone(), "/api/v1/reports", Public(400), Json("{}")),
        r(get.clone(), "/follow", Public(200), Empty),
        r(post.clone(), "/follow", Public(401), Form(&[("receipt", "")])),
        r(post.clone(), "/follow/message", Public(401), Form(&[("receipt", ""), ("body", "x")])),
        r(post.clone(), "/follow/confirm", Public(401), Form(&[("receipt", ""), ("satisfaction", "4")])),
        r(post.clone(), "/follow/reopen", Public(401), Form(&[("receipt", ""), ("reason", "x")])),
        r(post.clone(), "/follow/withdraw", Public(401), Form(&[("receipt", "")])),
        r(post.clone(), "/follow/retaliation", Public(401), Form(&[("receipt", ""), ("body", "x")])),
        r(post.clone(), "/follow/retaliation/{action}", Public(401), Form(&[("receipt", ""), ("item", "R-NOTHING")])),
        r(post.clone(), "/follow/{other}", Public(404), Form(&[("receipt", "")])),
        r(get.clone(), "/api/v1/reports/mine", Public(401), Empty),
        r(post.clone(), "/api/v1/reports/mine/messages", Public(401), Json(r#"{"body":"x"}"#)),
        r(post.clone(), "/api/v1/reports/mine/confirm", Public(401), Json(r#"{"satisfaction":4}"#)),
        r(post.clone(), "/api/v1/reports/mine/reopen", Public(401), Json(r#"{"reason":"x"}"#)),
        r(post.clone(), "/api/v1/reports/mine/withdraw", Public(401), Json("{}")),
        r(post.clone(), "/api/v1/reports/mine/retaliation", Public(401), Json(r#"{"body":"x"}"#)),
        r(post.clone(), "/api/v1/reports/mine/retaliation/{id}/{action}", Public(401), Json("{}")),
        // Signing in and setting up: wrong credentials and codes are 401 for everyone.
        r(get.clone(), "/staff/login", Public(200), Empty),
        r(post.clone(), "/staff/login", Public(401), Form(&[("username", "@who"), ("password", "wrong password"), ("totp", "123456")])),
        r(post.clone(), "/api/v1/auth/login", Public(401), Json(r#"{"username":"@who","password":"wrong password","totp":"123456"}"#)),
        r(get.clone(), "/staff/setup", Public(200), Empty),
        r(post.clone(), "/staff/setup", Public(401), Form(&[("code", "0000-0000-0000-0000-0000")])),
        r(post.clone(), "/staff/setup/complete", Public(401), Form(&[("code", "0000-0000-0000-0000-0000"), ("password", "long enough password"), ("password_confirm", "long enough password"), ("totp", "123456")])),
        r(post.clone(), "/api/v1/auth/setup", Public(401), Json(r#"{"code":"0000-0000-0000-0000-0000"}"#)),
        r(post.clone(), "/api/v1/auth/setup/complete", Public(401), Json(r#"{"code":"0000-0000-0000-0000-0000","password":"long enough password","totp":"123456"}"#)),
        // Desks. The item is closed, so an allowed action is 409: past who-may and who-sees.
        r(get.clone(), "/desk", Desk { ok: 200, item: false }, Empty),
        r(get.clone(), "/desk/items.csv", Desk { ok: 200, item: false }, Empty),
        r(get.clone(), "/desk/items/{id}", desk_item(200), Empty),
        // The matrix's item has no files: its own desk gets past who-may and who-sees to 404 (the
        // downloads themselves are tests/it/attachments.rs).
        r(get.clone(), "/desk/items/{id}/attachments/{n}", desk_item(404), Empty),
        r(post.clone(), "/desk/items/{id}/acknowledge", desk_item(409), Form(&[])),
        r(post.clone(), "/desk/items/{id}/messages", desk_item(409), Form(&[("body", "x")])),
        r(post.clone(), "/desk/items/{id}/respond", desk_item(409), Form(&[("outcome", "resolved"), ("body", "x")])),
        r(post.clone(), "/desk/items/{id}/transfer", desk_item(409), Form(&[("reason", "x")])),
        r(get.clone(), "/api/v1/desk/items", Desk { ok: 200, item: false }, Empty),
        r(get.clone(), "/api/v1/desk/items/{id}", desk_item(200), Empty),
        r(post.clone(), "/api/v1/desk/items/{id}/acknowledge", desk_item(409), Json("{}")),
        r(post.clone(), "/api/v1/desk/items/{id}/messages", desk_item(409), Json(r#"{"body":"x"}"#)),
        r(post.clone(), "/api/v1/desk/items/{id}/respond", desk_item(409), Json(r#"{"outcome":"resolved","body":"x"}"#)),
        r(post.clone(), "/api/v1/desk/items/{id}/transfer", desk_item(409), Json(r#"{"reason":"x"}"#)),
        // Supervisors.
        r(get.clone(), "/oversight", Oversight { ok: 200, item: false }, Empty),
        r(get.clone(), "/oversight/items", Oversight { ok: 200, item: false }, Empty),
        r(get.clone(), "/oversight/items.csv", Oversight { ok: 200, item: false }, Empty),
        r(get.clone(), "/oversight/items/{id}", sup_item(200), Empty),
        r(get.clone(), "/oversight/items/{id}/attachments/{n}", sup_item(404), Empty),
        r(post.clone(), "/oversight/items/{id}/assign", sup_item(409), Form(&[("department", "civil-affairs")])),
        r(post.clone(), "/oversight/items/{id}/transfer-decision", sup_item(409), Form(&[("approve", "false")])),
        r(post.clone(), "/oversight/items/{id}/duplicate", sup_item(409), Form(&[("of", "@other"), ("confirmed", "true")])),
        r(post.clone(), "/oversight/items/{id}/reject", sup_item(409), Form(&[("reason", "x"), ("confirmed", "true")])),
        r(post.clone(), "/oversight/items/{id}/messages", sup_item(409), Form(&[("body", "x")])),
        r(get.clone(), "/api/v1/oversight/summary", Oversight { ok: 200, item: false }, Empty),
        r(get.clone(), "/api/v1/oversight/items", Oversight { ok: 200, item: false }, Empty),
        r(get.clone(), "/api/v1/oversight/items/{id}", sup_item(200), Empty),
        r(post.clone(), "/api/v1/oversight/items/{id}/assign", sup_item(409), Json(r#"{"department":"civil-affairs"}"#)),
        r(post.clone(), "/api/v1/oversight/items/{id}/transfer-decision", sup_item(409), Json(r#"{"approve":false}"#)),
        r(post.clone(), "/api/v1/oversight/items/{id}/duplicate", sup_item(409), Json(r#"{"of":"@other"}"#)),
        r(post.clone(), "/api/v1/oversight/items/{id}/reject", sup_item(409), Json(r#"{"reason":"x"}"#)),
        r(post.clone(), "/api/v1/oversight/items/{id}/messages", sup_item(409), Json(r#"{"body":"x"}"#)),
        // Administrators. Their writes get input that is refused (400) or names no account (404):
        // past the role check, without changing anything the other cells rely on.
        r(get.clone(), "/admin", Admin(200), Empty),
        r(post.clone(), "/admin/accounts", Admin(400), Form(&[("username", ""), ("role", "desk")])),
        r(get.clone(), "/admin/accounts/{username}", Admin(200), Empty),
        r(post.clone(), "/admin/accounts/{username}/disable", Admin(404), Form(&[])),
        r(post.clone(), "/admin/accounts/{username}/enable", Admin(404), Form(&[])),
        r(post.clone(), "/admin/accounts/{username}/reset", Admin(404), Form(&[])),
        r(post.clone(), "/admin/accounts/{username}/placement", Admin(404), Form(&[("role", "desk")])),
        r(get.clone(), "/admin/org", Admin(200), Empty),
        r(post.clone(), "/admin/org/preview", Admin(400), Form(&[("text", "[[departments]]")])),
        r(post.clone(), "/admin/org/apply", Admin(400), Form(&[("text", "[[departments]]")])),
        r(get.clone(), "/admin/org/file", Admin(200), Empty),
        r(get.clone(), "/api/v1/admin/accounts", Admin(200), Empty),
        r(post.clone(), "/api/v1/admin/accounts", Admin(400), Json(r#"{"username":"","role":"desk"}"#)),
        r(get.clone(), "/api/v1/admin/accounts/{username}", Admin(200), Empty),
        r(post.clone(), "/api/v1/admin/accounts/{username}/disable", Admin(404), Json("{}")),
        r(post.clone(), "/api/v1/admin/accounts/{username}/enable", Admin(404), Json("{}")),
        r(post.clone(), "/api/v1/admin/accounts/{username}/reset", Admin(404), Json("{}")),
        r(post.clone(), "/api/v1/admin/accounts/{username}/placement", Admin(404), Json(r#"{"role":"desk"}"#)),
        r(get.clone(), "/api/v1/admin/org", Admin(200), Empty),
        r(get.clone(), "/api/v1/admin/org/file", Admin(200), Empty),
        r(post.clone(), "/api/v1/admin/org/preview", Admin(400), Json(r#"{"file":"[[departments]]"}"#)),
        r(post.clone(), "/api/v1/admin/org/apply", Admin(400), Json(r#"{"file":"[[departments]]"}"#)),
        r(get.clone(), "/admin/notifications", Admin(200), Empty),
        r(post.clone(), "/admin/webhooks", Admin(400), Form(&[("department", "civil-affairs"), ("url", ""), ("format", "generic"), ("schedule", "hourly")])),
        r(post.clone(), "/admin/webhooks/{department}/remove", Admin(404), Form(&[])),
        r(post.clone(), "/admin/webhooks/{department}/test", Admin(404), Form(&[])),
        r(post.clone(), "/admin/test-email", Admin(404), Form(&[("username", "nobody")])),
        r(get.clone(), "/api/v1/admin/webhooks", Admin(200), Empty),
        r(Method::PUT, "/api/v1/admin/webhooks/{department}", Admin(400), Json(r#"{"url":"https://x.example.cn/h","format":"generic","schedule":"hourly"}"#)),
        r(Method::DELETE, "/api/v1/admin/webhooks/{department}", Admin(404), Empty),
        r(post.clone(), "/api/v1/admin/webhooks/{department}/test", Admin(404), Json("{}")),
        r(post.clone(), "/api/v1/admin/accounts/{username}/test-email", Admin(404), Json("{}")),
        // Every staff member's own account.
        r(get.clone(), "/staff/account", Staff(200), Empty),
        r(post.clone(), "/staff/account/password", Staff(400), Form(&[("current_password", "not the password"), ("password", "long enough password"), ("password_confirm", "long enough password")])),
        r(get.clone(), "/staff/account/totp", Staff(200), Empty),
        r(post.clone(), "/staff/account/totp", Staff(400), Form(&[("totp", "abc")])),
        r(post.clone(), "/staff/account/sessions/{id}/end", Staff(404), Form(&[])),
        r(post.clone(), "/staff/account/notifications", Staff(400), Form(&[("email", "not an address"), ("schedule", "hourly")])),
        r(get.clone(), "/api/v1/account/notifications", Staff(200), Empty),
        r(Method::PUT, "/api/v1/account/notifications", Staff(400), Json(r#"{"email":"not an address","schedule":"hourly"}"#)),
        r(get.clone(), "/api/v1/account", Staff(200), Empty),
        r(post.clone(), "/api/v1/account/password", Staff(400), Json(r#"{"current_password":"not the password","password":"long enough password"}"#)),
        r(post.clone(), "/api/v1/account/totp", Staff(200), Json("{}")),
        r(post.clone(), "/api/v1/account/totp/confirm", Staff(400), Json(r#"{"totp":"abc"}"#)),
        r(post.clone(), "/api/v1/account/sessions/{id}/end", Staff(404), Json("{}")),
        // Signing out last: it ends the caller's session (the cells after it would see that).
        r(post.clone(), "/staff/logout", Staff(303), Form(&[])),
        r(post.clone(), "/api/v1/auth/logout", Staff(200), Json("{}")),
    ]
}

/// What `who` must get from `route`.
fn expected(route: &Route, who: Who) -> u16 {
    let api = route.path.starts_with("/api/");
    let signed_out = if api { 401 } else { 303 };
    let signed_in = !matches!(who, Who::Anonymous | Who::Disabled | Who::Ended);
    match route.audience {
        Audience::Public(s) => s,
        _ if !signed_in => signed_out,
        Audience::Staff(ok) => ok,
        Audience::Admin(ok) => {
            if who == Who::Admin {
                ok
            } else {
                403
            }
        }
        Audience::Desk { ok, item } => match who {
            Who::DeskOwn => ok,
            Who::DeskOther if item => 404,
            Who::DeskOther => ok,
            // A supervisor who opens the desk's inbox is sent to their own.
            Who::SupervisorInside | Who::SupervisorOutside if route.path == "/desk" => 303,
            _ => 403,
        },
        Audience::Oversight { ok, item } => match who {
            Who::SupervisorInside => ok,
            Who::SupervisorOutside if item => 404,
            Who::SupervisorOutside => ok,
            _ => 403,
        },
    }
}

/// A caller's credentials: the API token, and the page cookie with its CSRF token.
struct Caller {
    who: Who,
    bearer: Option<String>,
    cookie: Option<String>,
    csrf: String,
}

async fn caller(app: &TestApp, who: Who, username: &str) -> Caller {
    let pages = app.pages(username).await;
    Caller {
        who,
        bearer: Some(app.bearer(username).await),
        cookie: Some(pages.cookie.clone()),
        csrf: pages.csrf.clone(),
    }
}

/// Each request comes from an address of its own, so that the failures the matrix provokes on
/// purpose (no receipt, wrong passwords) never add up to a rate limit.
static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(1);

fn request(route: &Route, c: &Caller, path: &str, fill: &dyn Fn(&str) -> String) -> Request<Body> {
    let api = route.path.starts_with("/api/");
    let mut b = Request::builder()
        .method(route.method.clone())
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost");
    if api {
        if let Some(t) = &c.bearer {
            b = b.header(header::AUTHORIZATION, t);
        }
    } else if let Some(cookie) = &c.cookie {
        b = b.header(header::COOKIE, cookie);
    }
    let mut req = match route.body {
        Payload::None => b.body(Body::empty()),
        Payload::Json(text) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(fill(text))),
        Payload::Form(fields) => {
            let mut all = vec![("csrf".to_string(), c.csrf.clone())];
            all.extend(fields.iter().map(|(k, v)| (k.to_string(), fill(v))));
            let text = all
                .iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(text))
        }
    }
    .unwrap();
    let n = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed);
    let addr = SocketAddr::from(([10, (n >> 16) as u8, (n >> 8) as u8, n as u8], 40000));
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

async fn matrix(app: TestApp) {
    // The item: in civil-affairs, answered and confirmed (closed); a second one to name as the
    // canonical item of a duplicate.
    let answer = "AUTHZ-RESPONSE-TEXT";
    let own = app.new_desk("desk-own", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    let (other, _) = app.submit("duplicate-inspections", "county", None).await;
    own.acknowledge(&id).await.expect(StatusCode::OK);
    own.respond(&id, "resolved", answer)
        .await
        .expect(StatusCode::OK);
    reporter.confirm(5).await.expect(StatusCode::OK);

    app.user("desk-other", Role::Desk, Some("education")).await;
    app.user("sup-in", Role::Supervisor, Some("county")).await;
    app.user("sup-out", Role::Supervisor, Some("education"))
        .await;
    app.user("admin", Role::Admin, None).await;
    app.user("desk-disabled", Role::Desk, Some("civil-affairs"))
        .await;
    app.user("desk-ended", Role::Desk, Some("civil-affairs"))
        .await;

    let mut callers = vec![Caller {
        who: Who::Anonymous,
        bearer: None,
        cookie: None,
        csrf: "no-session".into(),
    }];
    for (who, name) in [
        (Who::DeskOwn, "desk-own"),
        (Who::DeskOther, "desk-other"),
        (Who::SupervisorInside, "sup-in"),
        (Who::SupervisorOutside, "sup-out"),
        (Who::Admin, "admin"),
        (Who::Disabled, "desk-disabled"),
        (Who::Ended, "desk-ended"),
    ] {
        callers.push(caller(&app, who, name).await);
    }
    let admin = callers.iter().find(|c| c.who == Who::Admin).unwrap();
    let r = app
        .post(
            "/api/v1/admin/accounts/desk-disabled/disable",
            admin.bearer.as_deref(),
            json!({}),
        )
        .await;
    r.expect(StatusCode::OK);
    let ended = callers.iter().find(|c| c.who == Who::Ended).unwrap();
    app.post("/api/v1/auth/logout", ended.bearer.as_deref(), json!({}))
        .await
        .expect(StatusCode::OK);
    app.form(
        "/staff/logout",
        ended.cookie.as_deref(),
        &[("csrf", &ended.csrf)],
    )
    .await
    .expect(StatusCode::SEE_OTHER);

    let content = [TITLE, BODY, answer];
    let mut failures = Vec::new();
    let mut cells = 0;
    for route in routes() {
        for c in &callers {
            assert!(EVERYONE.contains(&c.who));
            // An account that exists to read, none to change; a session id that is nobody's.
            let username = if route.method == Method::GET {
                "admin"
            } else {
                "nobody"
            };
            let item = if route.path.contains("/sessions/") {
                "0000000000000000"
            } else {
                id.as_str()
            };
            let path = route
                .path
                .replace("{id}", item)
                .replace("{username}", username)
                .replace("{other}", "elsewhere")
                .replace("{department}", "nowhere")
                .replace("{action}", "withdraw")
                .replace("{n}", "1");
            let fill = |text: &str| {
                text.replace(
                    "@who",
                    &format!("nobody-{}", NEXT_ADDRESS.load(Ordering::Relaxed)),
                )
                .replace("@other", &other)
            };
            let resp = app.request(request(&route, c, &path, &fill)).await;
            cells += 1;
            let want = expected(&route, c.who);
            if resp.status.as_u16() != want {
                failures.push(format!(
                    "{} {path} as {:?}: got {}, expected {want}: {}",
                    route.method,
                    c.who,
                    resp.status.as_u16(),
                    resp.body.chars().take(200).collect::<String>()
                ));
            }
            if c.who == Who::Admin {
                for text in content {
                    assert!(
                        !resp.body.contains(text),
                        "{} {path} gave an administrator report content",
                        route.method
                    );
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(cells, routes().len() * EVERYONE.len());
}
both_backends!(every_route_for_every_caller, matrix);

/// The matrix lists exactly the routes the routers declare (read from their source: `.route(` in
/// `router()`, and in `api()` under /api/v1).
#[test]
fn the_matrix_covers_every_route() {
    let mut declared = BTreeSet::new();
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    for entry in std::fs::read_dir(&web).unwrap() {
        let module = entry.unwrap().path().join("mod.rs");
        let Ok(source) = std::fs::read_to_string(&module) else {
            continue;
        };
        let api_from = source.find("fn api(").unwrap_or(source.len());
        for (at, _) in source.match_indices(".route(") {
            let call = route_call(&source[at + ".route(".len()..]);
            let path = call.split('"').nth(1).unwrap();
            let prefix = if at > api_from { "/api/v1" } else { "" };
            for (method, handler) in [
                ("GET", "get("),
                ("POST", "post("),
                ("PUT", "put("),
                ("DELETE", "delete("),
            ] {
                if call.contains(&format!(" {handler}")) || call.contains(&format!(".{handler}")) {
                    declared.insert(format!("{method} {prefix}{path}"));
                }
            }
        }
    }
    let listed: BTreeSet<String> = routes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let missing: Vec<_> = declared.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&declared).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes not in the matrix: {missing:#?}; in the matrix but not declared: {extra:#?}"
    );
    assert!(declared.len() > 90, "the scan found only {declared:?}");
}

/// The arguments of one `.route(` call: up to its closing parenthesis.
fn route_call(after_open: &str) -> &str {
    let mut depth = 1;
    for (i, c) in after_open.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &after_open[..i];
                }
            }
            _ => {}
        }
    }
    after_open
}
