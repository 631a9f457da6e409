//! Two-factor sign-in (RFC 6238 codes from an authenticator app), required for every staff account:
//! enrolment at the first sign-in, a right code, a wrong one, a replayed one, recovery codes that
//! work once, and the API's `totp` field. Time is the test's clock.
use crate::support::staff::{cookie_named, session_cookie, PASSWORD};
use crate::support::{between, csrf_token, Options, TestApp};
use axum::http::{header, StatusCode};
use serde_json::json;
use zhiyan::domain::totp::{code_at, step_at, STEP};
use zhiyan::domain::Clock;
use zhiyan::service::Role;

/// An account made at the command line with a password (`--password-stdin`): no second factor yet.
async fn password_only(app: &TestApp, username: &str) {
    app.service
        .create_user(username, Role::Desk, Some("civil-affairs"), PASSWORD)
        .await
        .unwrap();
}

async fn enrolment_at_first_sign_in(app: TestApp) {
    password_only(&app, "wang").await;
    // The API cannot enrol: it says so, but only to the right password.
    let r = app.login("wang", PASSWORD).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "totp_required")
    );
    let r = app.login_with("wang", PASSWORD, Some("123456")).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "totp_enrolment_required")
    );
    let r = app
        .login_with("wang", "wrong password!", Some("123456"))
        .await;
    assert_eq!(r.error_code(), "invalid_credentials");

    // The page signs the password in half-way: only the enrolment page is open to it.
    let signed_in = app
        .form(
            "/staff/login",
            None,
            &[("username", "wang"), ("password", PASSWORD)],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(
        signed_in.headers[header::LOCATION],
        "/staff/account/totp?lang=zh-CN"
    );
    assert!(cookie_named(&signed_in, "zhiyan_device").is_none());
    let cookie = session_cookie(&signed_in);
    app.page("/desk", Some(&cookie))
        .await
        .expect(StatusCode::SEE_OTHER);
    app.page("/staff/account", Some(&cookie))
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = app
        .page("/staff/account/totp", Some(&cookie))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains("设置两步验证"));
    assert!(!page.body.contains("/desk?"), "no way to the inbox yet");
    let secret = between(&page.body, "<code class=\"wrap secret\">", "</code>").to_string();
    // Reloading shows the same secret until it is confirmed.
    let again = app.page("/staff/account/totp", Some(&cookie)).await;
    assert!(again.body.contains(&secret));
    let csrf = csrf_token(&page.body);

    let wrong = app
        .form(
            "/staff/account/totp",
            Some(&cookie),
            &[("csrf", &csrf), ("totp", "000000")],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("验证码不正确"), "{}", wrong.body);
    app.remember_authenticator("wang", &secret, i64::MIN);
    let code = app.totp("wang");
    let done = app
        .form(
            "/staff/account/totp",
            Some(&cookie),
            &[("csrf", &csrf), ("totp", &code)],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(done.body.matches("<li><code>").count(), 10);
    assert!(cookie_named(&done, "zhiyan_device").is_some());
    // The same session is now a full one.
    app.page("/desk", Some(&cookie))
        .await
        .expect(StatusCode::OK);

    // From now on the page needs the code too.
    let r = app
        .form(
            "/staff/login",
            None,
            &[("username", "wang"), ("password", PASSWORD)],
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("6 位验证码"), "{}", r.body);
    app.sign_in_page("wang").await;
}
both_backends!(first_sign_in_enrols_two_factor, enrolment_at_first_sign_in);

async fn codes(app: TestApp) {
    app.user("wang", Role::Desk, Some("civil-affairs")).await;
    let secret = app.authenticators.lock().unwrap()["wang"].secret.clone();

    // Without the code, the answer is the same whether the password is right or not.
    let right = app.login("wang", PASSWORD).await;
    let wrong = app.login("wang", "wrong password!").await;
    let nobody = app.login("nobody", "wrong password!").await;
    assert_eq!(right.status, StatusCode::UNAUTHORIZED);
    assert_eq!(right.error_code(), "totp_required");
    assert_eq!(right.body, wrong.body);
    assert_eq!(right.body, nobody.body);

    // A right code signs in; the same code again does not (it was seen); the next one does.
    let code = app.totp("wang");
    app.login_with("wang", PASSWORD, Some(&code))
        .await
        .expect(StatusCode::OK);
    let r = app.login_with("wang", PASSWORD, Some(&code)).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "totp_reused")
    );
    app.bearer("wang").await;

    // A wrong code, a code from two steps ago, a code two steps ahead: refused alike.
    let now = step_at(app.clock.now());
    for bad in [
        "000000".to_string(),
        code_at(&secret, now - 2),
        code_at(&secret, now + 3),
    ] {
        let r = app.login_with("wang", PASSWORD, Some(&bad)).await;
        assert_eq!(r.error_code(), "invalid_credentials", "{bad}");
    }
    // Time is the clock's: a minute later the app's new code works.
    app.clock.advance(2 * STEP);
    let code = code_at(&secret, step_at(app.clock.now()));
    app.authenticators
        .lock()
        .unwrap()
        .get_mut("wang")
        .unwrap()
        .last_step = step_at(app.clock.now());
    app.login_with("wang", PASSWORD, Some(&code))
        .await
        .expect(StatusCode::OK);
    // A right code with a wrong password is refused like anything else.
    let code = app.totp("wang");
    let r = app.login_with("wang", "wrong password!", Some(&code)).await;
    assert_eq!(r.error_code(), "invalid_credentials");
}
both_backends!(a_code_works_once_and_only_in_its_window, codes);

async fn recovery(app: TestApp) {
    let issued = app
        .service
        .create_user_with_setup_code("wang", Role::Desk, Some("civil-affairs"))
        .await
        .unwrap();
    let code = secrecy::ExposeSecret::expose_secret(&issued.setup_code).to_string();
    let recovery = app.complete_setup(&code).await;
    assert_eq!(recovery.len(), 10);
    let first = recovery[0].clone();

    // A recovery code, typed carelessly, signs in once.
    let typed = first.to_lowercase().replace('-', " ");
    let r = app.login_with("wang", PASSWORD, Some(&typed)).await;
    r.expect(StatusCode::OK);
    let r = app.login_with("wang", PASSWORD, Some(&first)).await;
    assert_eq!(r.error_code(), "invalid_credentials");
    // The page takes one in the code field as well.
    let r = app
        .form(
            "/staff/login",
            None,
            &[
                ("username", "wang"),
                ("password", PASSWORD),
                ("totp", &recovery[1]),
            ],
        )
        .await;
    r.expect(StatusCode::SEE_OTHER);
    let bearer = app.bearer("wang").await;
    let mine = app.get("/api/v1/account", Some(&bearer)).await.json();
    assert_eq!(mine["recovery_codes_left"], 8);
    let used: Vec<_> = app
        .store
        .events_after(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "recovery_code_used")
        .collect();
    assert_eq!(used.len(), 2);
    assert_eq!(used[0].actor.as_deref(), Some("wang"));

    // Setting up again on a new phone: the old app and the old recovery codes stop working.
    let start = app
        .post("/api/v1/account/totp", Some(&bearer), json!({}))
        .await
        .expect(StatusCode::OK)
        .json();
    let old_secret = app.authenticators.lock().unwrap()["wang"].secret.clone();
    let new_secret = start["secret"].as_str().unwrap().to_string();
    let last = app.authenticators.lock().unwrap()["wang"].last_step;
    app.remember_authenticator("wang", &new_secret, last);
    let confirm = app.totp("wang");
    let r = app
        .post(
            "/api/v1/account/totp/confirm",
            Some(&bearer),
            json!({ "totp": confirm }),
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(r["recovery_codes"].as_array().unwrap().len(), 10);
    app.clock.advance(STEP);
    let old = code_at(&old_secret, step_at(app.clock.now()));
    let r = app.login_with("wang", PASSWORD, Some(&old)).await;
    assert_eq!(r.error_code(), "invalid_credentials");
    let r = app.login_with("wang", PASSWORD, Some(&recovery[2])).await;
    assert_eq!(r.error_code(), "invalid_credentials");
    app.bearer("wang").await;
}
both_backends!(recovery_codes_work_once, recovery);

/// With `--demo` the second factor is not required: a printed password signs in on its own.
async fn demo(app: TestApp) {
    password_only(&app, "wang").await;
    let r = app.login("wang", PASSWORD).await.expect(StatusCode::OK);
    assert!(r.json()["token"].is_string());
    let page = app
        .form(
            "/staff/login",
            None,
            &[("username", "wang"), ("password", PASSWORD)],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/desk?lang=zh-CN");
    let r = app.login("wang", "wrong password!").await;
    assert_eq!(r.error_code(), "invalid_credentials");
}
both_backends!(
    the_demo_needs_no_second_factor,
    demo,
    Options {
        demo: true,
        ..Options::default()
    }
);
