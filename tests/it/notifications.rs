//! Notifications to desks and supervisors, against a real SMTP server process (aiosmtpd) and a real
//! HTTP listener for the webhook: the right people get the right counts at the scheduled slot
//! (the test's clock), never at the moment a reporter acts; nothing sent carries report text, a
//! title or a date; the signature verifies; two instances send nothing twice; a mail server that
//! is down delays only its own messages, and none is lost or sent twice when it comes back.
use crate::support::mail::{free_port, Mail, SmtpServer};
use crate::support::webhook::{Received, WebhookReceiver};
use crate::support::{Options, TestApp, BODY, T0, TITLE};
use axum::http::StatusCode;
use ring::hmac;
use serde_json::{json, Value};
use zhiyan::service::Sent;

const H: i64 = 3600;
const D: i64 = 86_400;
const SECRET: &str = "webhook-secret-of-the-agricultural-station";

fn with_smtp(url: String) -> Options {
    Options {
        smtp_url: Some(url),
        ..Options::default()
    }
}

/// A test `$body(smtp, app)` on SQLite and (when configured) PostgreSQL, each with its own SMTP
/// server that the app sends to.
macro_rules! with_smtp_on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let smtp = SmtpServer::start();
                let app = TestApp::new(crate::support::Db::Sqlite, with_smtp(smtp.url()))
                    .await
                    .unwrap();
                $body(smtp, app).await;
            }
            #[tokio::test]
            async fn postgres() {
                let smtp = SmtpServer::start();
                let opts = with_smtp(smtp.url());
                if let Some(app) = TestApp::postgres(stringify!($name), opts).await {
                    $body(smtp, app).await;
                }
            }
        }
    };
}

/// Every scheduled thing the background job does at one tick: compose a slot that has begun, send.
async fn tick(app: &TestApp) -> Sent {
    app.service.compose_notifications().await.unwrap();
    app.service.send_notifications().await.unwrap()
}

async fn set_email(
    app: &TestApp,
    bearer: &str,
    email: &str,
    schedule: &str,
) -> crate::support::Resp {
    let req = crate::support::api_request(
        axum::http::Method::PUT,
        "/api/v1/account/notifications",
        Some(bearer),
        Some(json!({ "email": email, "schedule": schedule })),
    );
    app.request(req).await
}

async fn set_webhook(
    app: &TestApp,
    bearer: &str,
    department: &str,
    body: Value,
) -> crate::support::Resp {
    let req = crate::support::api_request(
        axum::http::Method::PUT,
        &format!("/api/v1/admin/webhooks/{department}"),
        Some(bearer),
        Some(body),
    );
    app.request(req).await
}

/// Nothing a message says may point at a report: no title, no text, no date, no report id.
fn says_nothing_of_the_report(text: &str, id: &str) {
    assert!(!text.contains(TITLE), "no title: {text}");
    assert!(!text.contains(BODY), "no report text: {text}");
    assert!(!text.contains(id), "no report id: {text}");
    assert!(!text.contains("2026"), "no date: {text}");
}

/// `HMAC-SHA256(secret, "<timestamp>.<body>")`, computed here from the request as received.
fn signature_verifies(r: &Received, secret: &str) -> bool {
    let ts = r.headers["x-zhiyan-timestamp"].to_str().unwrap();
    let sig = r.headers["x-zhiyan-signature"].to_str().unwrap();
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hex::decode(sig.strip_prefix("sha256=").unwrap()).unwrap();
    hmac::verify(&key, format!("{ts}.{}", r.body).as_bytes(), &tag).is_ok()
}

fn to(mails: &[Mail], address: &str) -> Vec<Mail> {
    mails
        .iter()
        .filter(|m| m.to.contains(address))
        .cloned()
        .collect()
}

async fn the_right_people_get_counts_at_the_slot(smtp: SmtpServer, app: TestApp) {
    let hook = WebhookReceiver::start().await;
    let desk = app.new_desk("desk-station", "agri-station").await;
    let sup = app.new_supervisor("sup-agri", "agriculture").await;
    let admin = app.new_admin("admin-notify").await;
    set_email(&app, &desk.bearer, "clerk@station.example.cn", "hourly")
        .await
        .expect(StatusCode::OK);
    set_email(&app, &sup.bearer, "chief@agri.example.cn", "hourly")
        .await
        .expect(StatusCode::OK);
    let saved = set_webhook(
        &app,
        &admin.bearer,
        "agri-station",
        json!({ "url": hook.url, "format": "generic", "schedule": "hourly", "secret": SECRET }),
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(saved["secret"], Value::Null, "a given secret is not echoed");

    // 10:00 local: the slot of this hour is composed before anything happens.
    assert_eq!(tick(&app).await, Sent::default());

    // A report arrives and is released into the station's inbox at 10:20: nobody is told now.
    app.clock.set(T0 + 20 * 60);
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    app.release_due().await;
    assert_eq!(tick(&app).await, Sent::default());
    assert!(smtp.messages().is_empty() && hook.received().is_empty());

    // At 11:00 the desk and the station's webhook hear of one new item; the supervisor hears nothing.
    app.clock.set(T0 + H);
    assert_eq!(tick(&app).await, Sent { sent: 2, failed: 0 });
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].to.contains("clerk@station.example.cn"));
    assert!(
        mails[0].body.contains("收件箱新事项：1"),
        "{}",
        mails[0].body
    );
    assert!(mails[0].body.contains("new items in your inbox: 1"));
    assert!(mails[0].body.contains("https://zhiyan.example.gov.cn/desk"));
    says_nothing_of_the_report(&mails[0].body, &id);
    says_nothing_of_the_report(&mails[0].subject, &id);
    let got = hook.received();
    assert_eq!(got.len(), 1);
    assert!(
        signature_verifies(&got[0], SECRET),
        "the signature verifies"
    );
    assert!(!signature_verifies(&got[0], "another secret"));
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["counts"], json!({ "new_items": 1 }));
    assert_eq!(body["link"], "https://zhiyan.example.gov.cn/desk");
    says_nothing_of_the_report(&got[0].body, &id);
    assert_eq!(tick(&app).await, Sent::default(), "a slot is sent once");

    // Hour by hour, as the background job does, until the acknowledgement deadline (day 3,
    // 10:20) has passed and the sweeper has escalated the item to the agriculture bureau.
    every_hour_until(&app, T0 + 2 * D + H).await;
    let mails = smtp.messages();
    let clerk = to(&mails, "clerk@station.example.cn");
    let said = |what: &str| clerk.iter().filter(|m| m.body.contains(what)).count();
    assert_eq!(
        said("24小时内到期：1"),
        2,
        "day 2 at 11:00, and the morning digest of day 3"
    );
    assert_eq!(said("每日摘要"), 2);
    assert!(
        clerk.last().unwrap().body.contains("已超期：1"),
        "day 3 at 11:00"
    );
    let chief = to(&mails, "chief@agri.example.cn");
    let hourly: Vec<_> = chief
        .iter()
        .filter(|m| m.subject.contains("每小时"))
        .collect();
    assert_eq!(
        hourly.len(),
        1,
        "only the escalation is the supervisor's news: {mails:?}"
    );
    assert!(
        hourly[0].body.contains("上报至您的事项：1"),
        "{}",
        hourly[0].body
    );
    assert!(hourly[0]
        .body
        .contains("https://zhiyan.example.gov.cn/oversight"));
    assert_eq!(chief.len(), 3, "and the morning digests of days 2 and 3");
    for m in &mails {
        says_nothing_of_the_report(&m.body, &id);
        says_nothing_of_the_report(&m.subject, &id);
    }
    for r in hook.received() {
        assert!(signature_verifies(&r, SECRET));
        says_nothing_of_the_report(&r.body, &id);
    }

    // Two instances reach the next morning's digest at the same moment: each message goes once.
    let second = app.second_instance().await;
    let before = smtp.messages().len();
    let hooks_before = hook.received().len();
    app.clock.set(T0 + 3 * D - 90 * 60);
    let (a, b) = tokio::join!(tick(&app), tick(&second));
    assert_eq!(
        a.sent + b.sent,
        3,
        "desk, supervisor and webhook: {a:?} {b:?}"
    );
    assert_eq!(
        (tick(&app).await, tick(&second).await),
        (Sent::default(), Sent::default())
    );
    let mails = smtp.messages();
    assert_eq!(mails.len(), before + 2);
    assert_eq!(hook.received().len(), hooks_before + 1);
    let chief = to(&mails, "chief@agri.example.cn");
    let digest = chief.last().unwrap();
    assert!(digest.subject.contains("每日摘要"), "{}", digest.subject);
    assert!(
        digest.body.contains("上报至您、尚未办结：1"),
        "{}",
        digest.body
    );
    let clerk = to(&mails, "clerk@station.example.cn");
    assert!(clerk.last().unwrap().body.contains("未办结事项：1"));
}

/// What the background job does every tick, at every whole hour from the clock's time until
/// `until`: the deadline sweep, then the notifications.
async fn every_hour_until(app: &TestApp, until: i64) {
    use zhiyan::domain::Clock;
    let mut t = (app.clock.now() / H + 1) * H;
    while t <= until {
        app.clock.set(t);
        app.service.sweep().await.unwrap();
        tick(app).await;
        t += H;
    }
}

with_smtp_on_both_backends!(counts_at_the_slot, the_right_people_get_counts_at_the_slot);

async fn smtp_down_then_up(port: u16, app: TestApp) {
    let hook = WebhookReceiver::start().await;
    let desk = app.new_desk("desk-station", "agri-station").await;
    let sup = app.new_supervisor("sup-agri", "agriculture").await;
    let admin = app.new_admin("admin-notify").await;
    set_email(&app, &desk.bearer, "clerk@station.example.cn", "hourly")
        .await
        .expect(StatusCode::OK);
    set_webhook(
        &app,
        &admin.bearer,
        "agri-station",
        json!({ "url": hook.url, "format": "wecom", "schedule": "hourly" }),
    )
    .await
    .expect(StatusCode::OK);
    tick(&app).await;
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    app.release_due().await;

    // 11:00: the mail server is down. The webhook still gets its message; the email waits.
    app.clock.set(T0 + H);
    assert_eq!(tick(&app).await, Sent { sent: 1, failed: 1 });
    let wecom: Value = serde_json::from_str(&hook.received()[0].body).unwrap();
    assert_eq!(wecom["msgtype"], "text");
    assert!(wecom["text"]["content"]
        .as_str()
        .unwrap()
        .contains("收件箱新事项：1"));
    // Other work goes on, and the supervisor's board shows what did not arrive.
    desk.acknowledge(&id).await.expect(StatusCode::OK);
    let board = sup.summary().await.expect(StatusCode::OK).json();
    let undelivered = board["undelivered"].as_array().unwrap();
    assert_eq!(undelivered.len(), 1, "{board}");
    assert_eq!(undelivered[0]["recipient"], "desk-station");
    assert_eq!(undelivered[0]["status"], "pending");
    assert_eq!(undelivered[0]["attempts"], 1);
    assert!(undelivered[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("SMTP"));

    // The server comes back. The retry waits for its time (a minute after the first failure)...
    let smtp = SmtpServer::start_on(port);
    assert_eq!(tick(&app).await, Sent::default());
    // ... then the message goes, once.
    app.clock.advance(60);
    assert_eq!(tick(&app).await, Sent { sent: 1, failed: 0 });
    app.clock.advance(3 * 60);
    tick(&app).await;
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "nothing lost, nothing twice: {mails:?}");
    assert!(mails[0].body.contains("收件箱新事项：1"));
    let board = sup.summary().await.json();
    assert_eq!(board["undelivered"], json!([]));
    assert_eq!(
        app.number("SELECT COUNT(*) FROM delivery_attempts").await,
        3,
        "two attempts at the email, one at the webhook"
    );
}

mod smtp_down_then_up {
    use super::*;
    #[tokio::test]
    async fn sqlite() {
        let port = free_port();
        let app = TestApp::new(
            crate::support::Db::Sqlite,
            with_smtp(format!("smtp://127.0.0.1:{port}")),
        )
        .await
        .unwrap();
        smtp_down_then_up(port, app).await;
    }
    #[tokio::test]
    async fn postgres() {
        let port = free_port();
        let opts = with_smtp(format!("smtp://127.0.0.1:{port}"));
        if let Some(app) = TestApp::postgres("smtp down", opts).await {
            smtp_down_then_up(port, app).await;
        }
    }
}

/// The outbox holds no time and no item: only what kind of news, and whose.
async fn notices_hold_no_time(app: TestApp) {
    assert_eq!(app.columns("notices").await, ["department", "id", "kind"]);
    app.new_desk("desk-station", "agri-station").await;
    app.submit("excessive-paperwork", "xinhe", None).await;
    app.release_due().await;
    assert_eq!(app.number("SELECT COUNT(*) FROM notices").await, 1);
    // Counted and gone at the next slot, whether or not anyone has a channel.
    app.clock.advance(H);
    tick(&app).await;
    assert_eq!(app.number("SELECT COUNT(*) FROM notices").await, 0);
}
both_backends!(notices_hold_no_time, notices_hold_no_time);

async fn channels_are_checked(smtp: SmtpServer, app: TestApp) {
    let desk = app.new_desk("desk-station", "agri-station").await;
    let admin = app.new_admin("admin-notify").await;
    let r = set_email(&app, &desk.bearer, "not an address", "hourly").await;
    assert_eq!(
        r.expect(StatusCode::BAD_REQUEST).json()["error"]["field"],
        "email"
    );
    let r = set_email(&app, &desk.bearer, "clerk@station.example.cn", "weekly").await;
    assert_eq!(
        r.expect(StatusCode::BAD_REQUEST).json()["error"]["field"],
        "schedule"
    );
    let mine = set_email(&app, &desk.bearer, "clerk@station.example.cn", "daily")
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine["schedule"], "daily");
    assert_eq!(mine["email_available"], true);
    // Administrators are not notified of items (they see none).
    let r = set_email(&app, &admin.bearer, "root@example.cn", "hourly").await;
    r.expect(StatusCode::FORBIDDEN);

    let hook =
        |url: &str, format: &str| json!({ "url": url, "format": format, "schedule": "hourly" });
    // Each refused for the field it names; nothing is stored.
    for (department, url, format, field) in [
        ("agri-station", "ftp://x", "generic", "url"),
        ("agri-station", "https://x.cn/h", "telegram", "format"),
        ("nowhere", "https://x.cn/h", "generic", "department"),
    ] {
        let r = set_webhook(&app, &admin.bearer, department, hook(url, format)).await;
        let e = r.expect(StatusCode::BAD_REQUEST).json();
        assert_eq!(e["error"]["field"], field);
    }
    let r = set_webhook(
        &app,
        &desk.bearer,
        "agri-station",
        hook("https://x.cn/h", "generic"),
    );
    r.await.expect(StatusCode::FORBIDDEN);
    assert_eq!(
        app.number("SELECT COUNT(*) FROM department_webhooks").await,
        0
    );

    // A receiver that fails: the test message says so (502), and names no secret.
    let receiver = WebhookReceiver::start().await;
    let made = set_webhook(
        &app,
        &admin.bearer,
        "agri-station",
        hook(&receiver.url, "dingtalk"),
    )
    .await
    .expect(StatusCode::OK)
    .json();
    let secret = made["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64, "a made secret is shown once");
    receiver.fail(true);
    let test = "/api/v1/admin/webhooks/agri-station/test";
    let r = app.post(test, Some(&admin.bearer), json!({})).await;
    let e = r.expect(StatusCode::BAD_GATEWAY).json();
    assert_eq!(e["error"]["code"], "delivery_failed");
    assert!(!e.to_string().contains(&secret));
    receiver.fail(false);
    app.post(test, Some(&admin.bearer), json!({}))
        .await
        .expect(StatusCode::OK);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].uri.contains("timestamp=") && got[0].uri.contains("sign="),
        "DingTalk signing"
    );
    assert!(signature_verifies(&got[0], &secret));

    // A test email to the clerk's address.
    let r = app
        .post(
            "/api/v1/admin/accounts/desk-station/test-email",
            Some(&admin.bearer),
            json!({}),
        )
        .await;
    r.expect(StatusCode::OK);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("测试消息"));
    // Every change of a channel is in the audit log, naming who made it.
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM events WHERE kind IN ('notifications_set', 'webhook_set')"
        )
        .await,
        2
    );
}

with_smtp_on_both_backends!(channels_are_checked, channels_are_checked);

/// The pages: a clerk sets an address on the account page; an administrator sets a webhook and
/// sees the made secret once; a bad address is said on the page in the reader's language.
async fn pages_set_channels(app: TestApp) {
    app.new_desk("desk-station", "agri-station").await;
    let clerk = app.pages("desk-station").await;
    let page = clerk.open("/staff/account").await.expect(StatusCode::OK);
    assert!(page.body.contains("name=\"email\""));
    let r = clerk
        .post(
            "/staff/account/notifications",
            &[("email", "no-at-sign"), ("schedule", "hourly")],
        )
        .await;
    assert!(r.expect(StatusCode::BAD_REQUEST).body.contains("电子邮箱"));
    let r = clerk
        .post(
            "/staff/account/notifications",
            &[
                ("email", "clerk@station.example.cn"),
                ("schedule", "hourly"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("通知设置已保存"));
    assert!(r.body.contains("value=\"clerk@station.example.cn\""));

    app.new_admin("admin-pages").await;
    let admin = app.pages("admin-pages").await;
    admin
        .open("/admin/notifications")
        .await
        .expect(StatusCode::OK);
    let r = admin
        .post(
            "/admin/webhooks",
            &[
                ("department", "agri-station"),
                (
                    "url",
                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                ),
                ("format", "wecom"),
                ("schedule", "daily"),
                ("secret", ""),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(r.body.contains("Webhook 已保存"));
    assert!(r.body.contains("企业微信群机器人"));
    assert!(
        r.body.contains("不会再次显示"),
        "the made secret, shown once"
    );
    let again = admin.open("/admin/notifications").await;
    assert!(!again.body.contains("不会再次显示"));
}
both_backends!(pages_set_channels, pages_set_channels);

/// The demo: a clerk who never opens the inbox learns of a new item within the hour and of its
/// deadline passing; the county's supervisor learns of the escalation.
async fn the_demo_tells_the_clerk(smtp: SmtpServer, app: TestApp) {
    tick(&app).await;
    let (id, _) = app.submit("excessive-paperwork", "xinhe", None).await;
    app.release_due().await;
    every_hour_until(&app, T0 + H).await;
    let clerk = to(&smtp.messages(), "desk-civil-affairs@demo.zhiyan.invalid");
    assert_eq!(clerk.len(), 1, "{:?}", smtp.messages());
    assert!(clerk[0].body.contains("收件箱新事项：1"));
    every_hour_until(&app, T0 + 2 * D + 2 * H).await;
    let mails = smtp.messages();
    let clerk = to(&mails, "desk-civil-affairs@demo.zhiyan.invalid");
    assert!(
        clerk.iter().any(|m| m.body.contains("已超期：1")),
        "{clerk:?}"
    );
    let chief = to(&mails, "supervisor@demo.zhiyan.invalid");
    assert!(
        chief.iter().any(|m| m.body.contains("上报至您的事项：1")),
        "{chief:?}"
    );
    for m in &mails {
        says_nothing_of_the_report(&m.body, &id);
    }
}

#[tokio::test]
async fn the_demo_tells_the_clerk_within_the_hour() {
    let smtp = SmtpServer::start();
    let opts = Options {
        demo_org: true,
        demo: true,
        ..with_smtp(smtp.url())
    };
    let app = TestApp::new(crate::support::Db::Sqlite, opts)
        .await
        .unwrap();
    the_demo_tells_the_clerk(smtp, app).await;
}
