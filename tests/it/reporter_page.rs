//! The reporter's pages as a reporter reads them: the department list, a question from the department
//! at the top with the reply form, the deadlines, the receipt apart from the report number.
use crate::support::{between, TestApp};
use axum::http::StatusCode;
use zhiyan::service::Role;

/// The report page behind `receipt`, in the language of `query`.
async fn follow(app: &TestApp, receipt: &str, query: &str) -> String {
    let path = format!("/follow{query}");
    app.form(&path, None, &[("receipt", receipt)])
        .await
        .expect(StatusCode::OK)
        .body
}

async fn reporter_reads(app: TestApp) {
    // The subject list: no county government, departments in the order of their Chinese names.
    let form = app.page("/report/new", None).await.expect(StatusCode::OK);
    let list = between(&form.body, "id=\"subject_department\"", "</select>");
    assert!(!list.contains("value=\"county\""), "{list}");
    let at = |code: &str| list.find(&format!("value=\"{code}\"")).unwrap();
    assert!(at("discipline") < at("education"));
    assert!(at("education") < at("civil-affairs"));
    assert!(at("civil-affairs") < at("agriculture"));
    assert!(at("agriculture") < at("agri-station"));

    // Every problem of the form at once, each field marked, not only the first.
    let all_wrong = [
        ("category", ""),
        ("area", "xinhe"),
        ("subject_department", ""),
        ("title", ""),
        ("body", "  "),
    ];
    let refused = app.form("/report/preview", None, &all_wrong).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let alert = between(&refused.body, "id=\"form-error\"", "</div>");
    assert_eq!(alert.matches("<li>").count(), 3, "{alert}");
    assert_eq!(refused.body.matches("aria-invalid=\"true\"").count(), 3);
    for field in ["category", "title", "body"] {
        let tag = between(&refused.body, &format!("id=\"{field}\""), ">");
        assert!(tag.contains("aria-invalid=\"true\""), "{field}: {tag}");
    }

    // Chosen anyway, it is refused with why.
    let mut fields = vec![
        ("category", "duplicate-inspections"),
        ("area", "xinhe"),
        ("subject_department", "county"),
        ("title", "检查太多"),
        ("body", "一个月三次。"),
    ];
    let refused = app.form("/report/preview", None, &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("不能选县政府本身"),
        "{}",
        refused.body
    );
    let refused = app.form("/report/preview?lang=en", None, &fields).await;
    assert!(refused
        .body
        .contains("cannot be the county government itself"));

    // The receipt page: the receipt alone in its box, the report number below it, apart.
    fields[2].1 = "";
    let r = app
        .form("/report", None, &fields)
        .await
        .expect(StatusCode::OK);
    let boxed = between(&r.body, "class=\"receipt-box\"", "</section>");
    let receipt = between(boxed, "<code>", "</code>").to_string();
    assert_eq!(receipt.len(), 24);
    // The report number (R- and ten characters) is below, not in the box. (The receipt itself may
    // hold "R-" by chance: its groups are separated by dashes.)
    let numbered = between(
        &r.body,
        "class=\"facts facts-compact report-number\"",
        "</dl>",
    );
    let at = numbered.find("R-").expect("the report number is shown");
    let number = &numbered[at..at + 12];
    assert!(
        !boxed.contains(number),
        "the report number {number} is outside the receipt box"
    );

    // The department asks: the page leads with the question and the reply form, and says whom the
    // report waits for; the answer deadline is shown.
    app.user("desk-agri", Role::Desk, Some("agriculture")).await;
    let desk = app.pages("desk-agri").await;
    let inbox = desk.open("/desk").await.expect(StatusCode::OK);
    let id = between(&inbox.body, "/desk/items/", "?").to_string();
    let item = format!("/desk/items/{id}");
    desk.post(&format!("{item}/acknowledge"), &[])
        .await
        .expect(StatusCode::OK);
    desk.post(&format!("{item}/messages"), &[("body", "是哪几个部门？")])
        .await
        .expect(StatusCode::OK);
    let page = follow(&app, &receipt, "").await;
    let asked = page.find("部门向您提了一个问题").expect("question heading");
    assert!(asked < page.find("您的反映").unwrap_or(usize::MAX));
    assert!(asked < page.find("action=\"/follow/message").unwrap());
    assert!(between(&page[asked..], "class=\"pre question\">", "</div>").contains("是哪几个部门？"));
    assert!(page.contains("等待您的回答"));
    assert!(page.contains("部门答复期限"));

    // Answered: the question leaves the top. The department answers: the confirm-by date shows.
    app.form(
        "/follow/message",
        None,
        &[("receipt", &receipt), ("body", "民政和农业。")],
    )
    .await
    .expect(StatusCode::OK);
    let page = follow(&app, &receipt, "?lang=en").await;
    assert!(!page.contains("The department asked you a question"));
    desk.post(
        &format!("{item}/respond"),
        &[("outcome", "resolved"), ("body", "已合并。")],
    )
    .await
    .expect(StatusCode::OK);
    let page = follow(&app, &receipt, "?lang=en").await;
    assert!(page.contains("Confirm or ask again by"));
    assert!(!page.contains("The department must answer by"));
}
both_backends!(the_reporter_page_leads_with_what_is_needed, reporter_reads);
