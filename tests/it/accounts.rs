//! Staff accounts a county can run: administrators create personal accounts, whose holders set them
//! up with a one-time code; disable, enable, reset and move them; every change is an audit event
//! naming who made it; disabling or resetting ends the account's sessions at once.
use crate::support::staff::{cookie_named, session_cookie, PASSWORD};
use crate::support::{between, TestApp};
use axum::http::{header, StatusCode};
use serde_json::json;
use zhiyan::service::Role;

/// The audit events about accounts: (kind, actor, account).
async fn account_events(app: &TestApp) -> Vec<(String, Option<String>, String)> {
    let events = app.store.events_after(0, 10_000).await.unwrap();
    events
        .into_iter()
        .filter(|e| e.report_id.is_none())
        .filter_map(|e| {
            let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
            let username = detail["username"].as_str()?.to_string();
            Some((e.kind, e.actor, username))
        })
        .collect()
}

/// The holder of a setup code, through the API: which account, the secret, then the password and
/// the first code. Returns the answer with the token and the recovery codes.
async fn set_up_through_the_api(app: &TestApp, code: &str) -> serde_json::Value {
    let start = app
        .post("/api/v1/auth/setup", None, json!({ "code": code }))
        .await
        .expect(StatusCode::OK)
        .json();
    let username = start["username"].as_str().unwrap().to_string();
    let secret = start["enrolment"]["secret"].as_str().unwrap();
    assert!(start["enrolment"]["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("otpauth://totp/Zhiyan:{username}?secret={secret}")));
    app.remember_authenticator(&username, secret, i64::MIN);
    let totp = app.totp(&username);
    let body = json!({ "code": code, "password": PASSWORD, "totp": totp });
    app.post("/api/v1/auth/setup/complete", None, body)
        .await
        .expect(StatusCode::OK)
        .json()
}

async fn through_the_api(app: TestApp) {
    let admin = app.new_admin("root").await;

    // Create: the answer is the setup code, never a password.
    let created = admin
        .create("wang", "desk", Some("civil-affairs"))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(created["username"], "wang");
    let code = created["setup_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 24);
    assert!(created["expires"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-21T10:00"));
    assert!(!created.to_string().contains("password"));

    // Refusals name the field; a taken username says exactly that.
    let r = admin.create("wang", "desk", Some("civil-affairs")).await;
    r.expect(StatusCode::BAD_REQUEST);
    let taken = admin
        .create("wang", "supervisor", Some("county"))
        .await
        .json();
    assert_eq!(taken["error"]["field"], "username");
    assert_eq!(taken["error"]["message"], "username already exists");
    for (body, field) in [
        (admin.create("li", "desk", None).await, "department"),
        (
            admin.create("li", "desk", Some("nowhere")).await,
            "department",
        ),
        (admin.create("li", "clerk", Some("county")).await, "role"),
        (admin.create("李", "desk", Some("county")).await, "username"),
    ] {
        assert_eq!(body.status, StatusCode::BAD_REQUEST, "{}", body.body);
        assert_eq!(body.json()["error"]["field"], field, "{}", body.body);
    }

    let listed = admin.accounts().await.expect(StatusCode::OK).json();
    let wang = listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "wang")
        .unwrap()
        .clone();
    assert_eq!(wang["status"], "awaiting_setup");
    assert_eq!(wang["two_factor"], false);
    assert!(wang["setup_expires"].is_string());

    // Its holder sets it up; the code then works no more.
    let done = set_up_through_the_api(&app, &code).await;
    assert_eq!(done["recovery_codes"].as_array().unwrap().len(), 10);
    assert_eq!(done["role"], "desk");
    let token = format!("Bearer {}", done["token"].as_str().unwrap());
    app.get("/api/v1/desk/items", Some(&token))
        .await
        .expect(StatusCode::OK);
    let again = app
        .post("/api/v1/auth/setup", None, json!({ "code": code }))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(again.error_code(), "invalid_setup_code");
    let wang = admin.account("wang").await.expect(StatusCode::OK).json();
    assert_eq!(wang["status"], "active");
    assert_eq!(wang["two_factor"], true);
    assert_eq!(wang["recovery_codes_left"], 10);

    // A new role applies to the sessions already open.
    admin
        .place("wang", "supervisor", Some("county"))
        .await
        .expect(StatusCode::OK);
    app.get("/api/v1/oversight/items", Some(&token))
        .await
        .expect(StatusCode::OK);
    app.get("/api/v1/desk/items", Some(&token))
        .await
        .expect(StatusCode::FORBIDDEN);
    let r = admin.place("wang", "supervisor", None).await;
    assert_eq!(r.json()["error"]["field"], "department");

    // The last administrator can be neither disabled nor demoted.
    let r = admin.disable("root").await.expect(StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "last_admin");
    let r = admin.place("root", "desk", Some("county")).await;
    assert_eq!(r.error_code(), "last_admin");
    assert_eq!(admin.disable("nobody").await.status, StatusCode::NOT_FOUND);

    // Only administrators administer.
    let r = app.get("/api/v1/admin/accounts", Some(&token)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A setup code not used in 24 hours expires.
    let late = admin
        .create("zhao", "desk", Some("education"))
        .await
        .expect(StatusCode::CREATED)
        .json();
    app.clock.advance(24 * 3600);
    let r = app
        .post(
            "/api/v1/auth/setup",
            None,
            json!({ "code": late["setup_code"] }),
        )
        .await;
    assert_eq!(r.error_code(), "invalid_setup_code");

    // Every change is an audit event naming the administrator.
    let events = account_events(&app).await;
    for (kind, account) in [
        ("staff_created", "wang"),
        ("setup_completed", "wang"),
        ("staff_changed", "wang"),
        ("staff_created", "zhao"),
    ] {
        let actor = if kind == "setup_completed" {
            "wang"
        } else {
            "root"
        };
        assert!(
            events
                .iter()
                .any(|(k, a, u)| k == kind && a.as_deref() == Some(actor) && u == account),
            "no {kind} of {account} by {actor} in {events:?}"
        );
    }
    let view = admin.accounts().await.json();
    assert!(!view.to_string().contains("$argon2"));
}
both_backends!(administration_through_the_api, through_the_api);

/// Disable and reset end every session of the account at once, the page cookie and the API token
/// alike; enabling does not bring them back.
async fn sessions_end(app: TestApp) {
    let admin = app.new_admin("root").await;
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let bearer = app.bearer("wang").await;
    let cookie = app.cookie("wang").await;
    let works = |bearer: String, cookie: String| {
        let app = &app;
        async move {
            let api = app.get("/api/v1/desk/items", Some(&bearer)).await.status;
            let page = app.page("/desk", Some(&cookie)).await.status;
            (api, page)
        }
    };
    assert_eq!(
        works(bearer.clone(), cookie.clone()).await,
        (StatusCode::OK, StatusCode::OK)
    );

    admin.disable("wang").await.expect(StatusCode::OK);
    let ended = (StatusCode::UNAUTHORIZED, StatusCode::SEE_OTHER);
    assert_eq!(works(bearer.clone(), cookie.clone()).await, ended);
    // A disabled account cannot sign in, and the answer does not say why.
    let code = app.totp("wang");
    let r = app.login_with("wang", PASSWORD, Some(&code)).await;
    assert_eq!(r.error_code(), "invalid_credentials");
    admin.enable("wang").await.expect(StatusCode::OK);
    assert_eq!(works(bearer.clone(), cookie.clone()).await, ended);

    let bearer = app.bearer("wang").await;
    let cookie = app.cookie("wang").await;
    let issued = admin.reset("wang").await.expect(StatusCode::OK).json();
    assert_eq!(works(bearer, cookie).await, ended);
    // The old password no longer works; the new setup code does.
    let code = app.totp("wang");
    let r = app.login_with("wang", PASSWORD, Some(&code)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        admin.account("wang").await.json()["status"],
        "awaiting_setup"
    );
    let done = set_up_through_the_api(&app, issued["setup_code"].as_str().unwrap()).await;
    let bearer = format!("Bearer {}", done["token"].as_str().unwrap());
    app.get("/api/v1/desk/items", Some(&bearer))
        .await
        .expect(StatusCode::OK);

    let events = account_events(&app).await;
    for kind in ["staff_disabled", "staff_enabled", "staff_reset"] {
        assert!(events
            .iter()
            .any(|(k, a, u)| k == kind && a.as_deref() == Some("root") && u == "wang"));
    }
}
both_backends!(disable_and_reset_end_sessions_at_once, sessions_end);

/// The setup code on the page that shows it once.
fn shown_code(page: &str) -> String {
    between(page, "<p class=\"receipt\"><code>", "</code>").to_string()
}

async fn through_the_pages(app: TestApp) {
    app.user("root", Role::Admin, None).await;
    // Signing in as an administrator leads to the accounts page.
    let signed_in = app.sign_in_page("root").await;
    assert_eq!(signed_in.headers[header::LOCATION], "/admin?lang=zh-CN");
    let admin = app.pages("root").await;
    let list = admin.open("/admin").await.expect(StatusCode::OK);
    assert!(list.body.contains("工作人员账号") && list.body.contains("root"));
    let en = admin.open("/admin?lang=en").await.expect(StatusCode::OK);
    assert!(en.body.contains("Staff accounts") && en.body.contains("Create an account"));

    // A refused form says why, above the form, keeping what was typed.
    let r = admin
        .post("/admin/accounts", &[("username", "li"), ("role", "desk")])
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(r.body.contains("部门不能为空"), "{}", r.body);
    assert!(r.body.contains("value=\"li\""));

    let created = admin
        .post(
            "/admin/accounts",
            &[
                ("username", "li"),
                ("role", "desk"),
                ("department", "civil-affairs"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    let code = shown_code(&created.body);
    assert_eq!(code.len(), 24);
    assert!(created.body.contains("/staff/setup"));
    let taken = admin
        .post(
            "/admin/accounts",
            &[
                ("username", "li"),
                ("role", "desk"),
                ("department", "civil-affairs"),
            ],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(taken.body.contains("用户名已存在"), "{}", taken.body);

    // Li sets the account up in a browser.
    app.page("/staff/setup", None).await.expect(StatusCode::OK);
    let wrong = app
        .form(
            "/staff/setup",
            None,
            &[("code", "0000-0000-0000-0000-0000")],
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("设置码无效或已过期"));
    let form = app
        .form("/staff/setup", None, &[("code", &code.to_lowercase())])
        .await
        .expect(StatusCode::OK);
    assert!(form.body.contains("<svg") && form.body.contains("li"));
    let secret = between(&form.body, "<code class=\"wrap secret\">", "</code>").to_string();
    app.remember_authenticator("li", &secret, i64::MIN);
    let mismatch = app
        .form(
            "/staff/setup/complete",
            None,
            &[
                ("code", &code),
                ("password", PASSWORD),
                ("password_confirm", "something else entirely"),
                ("totp", "000000"),
            ],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        mismatch.body.contains("再次输入的密码与新密码不一致"),
        "{}",
        mismatch.body
    );
    let totp = app.totp("li");
    let done = app
        .form(
            "/staff/setup/complete",
            None,
            &[
                ("code", &code),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("totp", &totp),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(done.body.matches("<li><code>").count(), 10, "{}", done.body);
    let li_cookie = session_cookie(&done);
    assert!(cookie_named(&done, "zhiyan_device").is_some());
    app.page("/desk", Some(&li_cookie))
        .await
        .expect(StatusCode::OK);

    // The administrator disables, enables, moves and resets Li's account.
    let page = admin
        .open("/admin/accounts/li")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("正常"), "{}", page.body);
    let r = admin
        .post("/admin/accounts/li/disable", &[])
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("账号已停用"));
    app.page("/desk", Some(&li_cookie))
        .await
        .expect(StatusCode::SEE_OTHER);
    admin
        .post("/admin/accounts/li/enable", &[])
        .await
        .expect(StatusCode::OK);
    let r = admin
        .post(
            "/admin/accounts/li/placement",
            &[("role", "supervisor"), ("department", "county")],
        )
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("角色和部门已保存"));
    let li = app.pages("li").await;
    li.open("/oversight").await.expect(StatusCode::OK);
    let reset = admin
        .post("/admin/accounts/li/reset", &[])
        .await
        .expect(StatusCode::OK);
    let new_code = shown_code(&reset.body);
    assert_ne!(new_code, code);
    li.open("/oversight").await.expect(StatusCode::SEE_OTHER);

    // The history names the administrator.
    let list = admin.open("/admin").await.expect(StatusCode::OK);
    assert!(list.body.contains("重置账号") && list.body.contains("停用账号"));
    // Desks and supervisors get no administration.
    app.user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;
    let desk = app.pages("desk-civil").await;
    desk.open("/admin").await.expect(StatusCode::FORBIDDEN);
}
both_backends!(administration_through_the_pages, through_the_pages);

/// Every staff member's own account page: change the password (the current one required), see the
/// sessions and end one.
async fn own_account(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let other_browser = app.bearer("wang").await;
    let me = app.pages("wang").await;
    let page = me.open("/staff/account").await.expect(StatusCode::OK);
    assert!(page.body.contains("当前会话") && page.body.contains("API 令牌"));

    let wrong = me
        .post(
            "/staff/account/password",
            &[
                ("current_password", "not my password"),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("当前密码不正确"), "{}", wrong.body);
    let short = me
        .post(
            "/staff/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(short.body.contains("至少需要 12 个字符"), "{}", short.body);
    let changed = me
        .post(
            "/staff/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(changed.body.contains("密码已修改"));
    // The other session ended; this one goes on; the new password signs in.
    app.get("/api/v1/account", Some(&other_browser))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    me.open("/staff/account").await.expect(StatusCode::OK);
    let code = app.totp("wang");
    app.login_with("wang", "a brand new passphrase", Some(&code))
        .await
        .expect(StatusCode::OK);

    // The API's view of the sessions, and ending one from the list.
    let api = app.bearer_with("wang", "a brand new passphrase").await;
    let mine = app
        .get("/api/v1/account", Some(&api))
        .await
        .expect(StatusCode::OK)
        .json();
    let sessions = mine["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3, "{mine}");
    let current = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(current["kind"], "api");
    let page_session = sessions.iter().find(|s| s["kind"] == "page").unwrap();
    let id = page_session["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/account/sessions/{id}/end"),
        Some(&api),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    me.open("/staff/account")
        .await
        .expect(StatusCode::SEE_OTHER);
    let events = account_events(&app).await;
    assert!(events
        .iter()
        .any(|(k, a, u)| k == "password_changed" && a.as_deref() == Some("wang") && u == "wang"));
}
both_backends!(own_account_page, own_account);
