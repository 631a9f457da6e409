//! One-time form tokens: a page form posted twice (a reload of the answer, Back and send) acts once,
//! and the second answer says it was already done; a failed post gives its token back. Withdraw,
//! reject and duplicate ask first, with a page that says what will happen.
use crate::support::{between, form_fields, TestApp};
use axum::http::StatusCode;
use zhiyan::service::Role;

fn fields(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.row_counts().await[table]
}

async fn same_token_twice(app: TestApp) {
    app.user("desk-agri", Role::Desk, Some("agriculture")).await;

    // The report: the preview's submit form, posted twice.
    let report = [
        ("category", "duplicate-inspections"),
        ("area", "xinhe"),
        ("subject_department", ""),
        ("title", "一月三次检查"),
        ("body", "同一事项被检查三次。"),
    ];
    let preview = app
        .form("/report/preview", None, &report)
        .await
        .expect(StatusCode::OK);
    let submit = form_fields(&preview.body, "/report?");
    assert!(submit
        .iter()
        .any(|(k, v)| k == "form_token" && v.len() == 32));
    let first = app
        .form("/report", None, &fields(&submit))
        .await
        .expect(StatusCode::OK);
    let receipt = between(&first.body, "<code>", "</code>").trim().to_string();
    assert_eq!(receipt.len(), 24, "{receipt}");
    let again = app
        .form("/report", None, &fields(&submit))
        .await
        .expect(StatusCode::OK);
    assert!(
        again.body.contains("这件反映已经提交过了"),
        "{}",
        again.body
    );
    assert!(!again.body.contains(&receipt));
    assert_eq!(count(&app, "reports").await, 1);
    // In English too.
    let en = app
        .form("/report?lang=en", None, &fields(&submit))
        .await
        .expect(StatusCode::OK);
    assert!(en.body.contains("This report was already submitted"));
    assert_eq!(count(&app, "reports").await, 1);

    // A reply from the report page, posted twice.
    let desk = app.pages("desk-agri").await;
    let inbox = desk.open("/desk").await.expect(StatusCode::OK);
    let id = between(&inbox.body, "/desk/items/", "?").to_string();
    let item = format!("/desk/items/{id}");
    let page = desk.open(&item).await.expect(StatusCode::OK);
    let message = form_fields(&page.body, &format!("{item}/messages"));
    let mut ask = fields(&message);
    ask.push(("body", "请说明是哪几个部门。"));
    let messages = count(&app, "messages").await;
    let cookie = Some(desk.cookie.as_str());
    let first = app.form(&format!("{item}/messages"), cookie, &ask).await;
    first.expect(StatusCode::OK);
    let again = app
        .form(&format!("{item}/messages"), cookie, &ask)
        .await
        .expect(StatusCode::OK);
    assert!(again.body.contains("没有重复执行"), "{}", again.body);
    assert_eq!(count(&app, "messages").await, messages + 1);

    // The reporter's reply: its token is given back when the post fails (an empty text), so the
    // corrected form goes through with it; then a second post of it does nothing.
    let shown = app
        .form("/follow", None, &[("receipt", &receipt)])
        .await
        .expect(StatusCode::OK);
    let reply = form_fields(&shown.body, "/follow/message");
    let mut empty = fields(&reply);
    empty.push(("body", ""));
    let refused = app.form("/follow/message", None, &empty).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let mut answer = fields(&reply);
    answer.push(("body", "民政和农业各一次。"));
    let messages = count(&app, "messages").await + count(&app, "pending_actions").await;
    let first = app
        .form("/follow/message", None, &answer)
        .await
        .expect(StatusCode::OK);
    assert!(first.body.contains("消息已发送"));
    let again = app
        .form("/follow/message", None, &answer)
        .await
        .expect(StatusCode::OK);
    assert!(again.body.contains("没有重复执行"));
    assert_eq!(
        count(&app, "messages").await + count(&app, "pending_actions").await,
        messages + 1
    );

    // A desk action (respond), posted twice: one answer, one event.
    desk.post(&format!("{item}/acknowledge"), &[])
        .await
        .expect(StatusCode::OK);
    let page = desk.open(&item).await.expect(StatusCode::OK);
    let respond_form = form_fields(&page.body, &format!("{item}/respond"));
    let mut respond = fields(&respond_form);
    respond.extend([("outcome", "resolved"), ("body", "已合并。")]);
    let events = count(&app, "events").await;
    app.form(&format!("{item}/respond"), cookie, &respond)
        .await
        .expect(StatusCode::OK);
    let again = app
        .form(&format!("{item}/respond?lang=en"), cookie, &respond)
        .await
        .expect(StatusCode::OK);
    assert!(again.body.contains("did nothing"), "{}", again.body);
    assert_eq!(count(&app, "events").await, events + 1);
    assert_eq!(app.report(&id).await.state.as_str(), "responded");

    // The stored claims are digests with the day, nothing that names the report.
    assert!(count(&app, "form_tokens").await >= 3);
}
both_backends!(a_form_posted_twice_acts_once, same_token_twice);

async fn ask_before_irreversible(app: TestApp) {
    app.user("sup", Role::Supervisor, Some("county")).await;
    let (id, _) = app.submit("other", "xinhe", None).await;
    let (other, _) = app.submit("other", "xinhe", None).await;
    let (third, reporter) = app.submit("other", "xinhe", None).await;
    let sup = app.pages("sup").await;
    let item = format!("/oversight/items/{id}");

    // Reject: the first post asks and changes nothing; the confirmation's button rejects.
    let asked = sup
        .post(&format!("{item}/reject"), &[("reason", "与职能无关")])
        .await
        .expect(StatusCode::OK);
    assert!(asked.body.contains("确定不予受理这件反映？"));
    assert!(asked.body.contains("与职能无关"));
    assert_eq!(app.report(&id).await.state.as_str(), "triage");
    let confirm = form_fields(&asked.body, &format!("{item}/reject"));
    assert!(confirm.contains(&("confirmed".into(), "true".into())));
    assert!(confirm.contains(&("reason".into(), "与职能无关".into())));
    let cookie = Some(sup.cookie.as_str());
    let done = app
        .form(&format!("{item}/reject"), cookie, &fields(&confirm))
        .await
        .expect(StatusCode::OK);
    assert!(done.body.contains("已不予受理"));
    assert_eq!(app.report(&id).await.state.as_str(), "rejected");

    // Duplicate, asked the same way, in English.
    let dup = format!("/oversight/items/{other}/duplicate?lang=en");
    let asked = sup
        .post(&dup, &[("of", &third)])
        .await
        .expect(StatusCode::OK);
    assert!(asked.body.contains("Mark this report as a duplicate?"));
    assert_eq!(app.report(&other).await.state.as_str(), "triage");
    let confirm = form_fields(&asked.body, &format!("/oversight/items/{other}/duplicate"));
    app.form(&dup, cookie, &fields(&confirm))
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.report(&other).await.state.as_str(), "duplicate");

    // Withdraw: the report page's button asks; "yes" withdraws, with a notice.
    let receipt = reporter.receipt.clone();
    let asked = app
        .form("/follow/withdraw", None, &[("receipt", &receipt)])
        .await
        .expect(StatusCode::OK);
    assert!(asked.body.contains("确定撤回这件反映？"));
    assert_eq!(app.report(&third).await.state.as_str(), "triage");
    let confirm = form_fields(&asked.body, "/follow/withdraw");
    let done = app
        .form("/follow/withdraw", None, &fields(&confirm))
        .await
        .expect(StatusCode::OK);
    assert!(done.body.contains("您的撤回已发送"));
    app.release_due().await;
    assert_eq!(app.report(&third).await.state.as_str(), "withdrawn");
}
both_backends!(
    withdraw_reject_and_duplicate_ask_first,
    ask_before_irreversible
);
