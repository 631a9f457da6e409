//! The pages in a real browser: Debian's headless Chromium driven through chromedriver (WebDriver,
//! `fantoccini`), against the real server on a socket. The whole loop, in zh-CN and en, on a phone
//! (360×740) and a laptop (1280×800): what a person sees (texts, no sideways scroll, the receipt on
//! one line, the deadline column in view) and, on every page state, axe-core's WCAG 2.1 AA audit with
//! no violations.
//!
//! Two browser sessions per walk: the walker clicks and types with JavaScript off for the pages (they
//! carry none, and their CSP refuses any: checked on every state); the auditor, where injected
//! scripts run, gets each page state's HTML written into a page of the same origin (so the same
//! stylesheet and the same viewport apply) and runs the measurements and axe there.
//!
//! Run only with `ZHIYAN_TEST_BROWSER=1` (CI sets it after installing chromium, chromium-driver,
//! fonts-noto-cjk and axe-core); `ZHIYAN_AXE_JS` names axe.min.js (default
//! `target/axe/node_modules/axe-core/axe.min.js`). Without the variable the test says it was skipped.
//! With `ZHIYAN_SCREENSHOTS=<dir>` the walk also saves the README's screenshots there.
mod driver;

use crate::support::{TestApp, T0};
use driver::{Browser, Page, Size};
use zhiyan::service::Role;

#[derive(Clone, Copy)]
pub struct Lang {
    pub tag: &'static str,
    /// Texts the walk expects to see, in this language.
    pub t: &'static Texts,
}

pub struct Texts {
    pub home: &'static str,
    pub preview: &'static str,
    pub receipt: &'static str,
    pub follow_state: &'static str,
    pub signed_out: &'static str,
    pub left: &'static str,
    pub question: &'static str,
    pub sent: &'static str,
    pub confirm_by: &'static str,
    pub confirmed: &'static str,
    pub withdraw_question: &'static str,
    pub withdrawn: &'static str,
    pub reject_question: &'static str,
    pub board: &'static str,
    pub stats: &'static str,
}

const ZH: Texts = Texts {
    home: "直言：说出基层的真实负担",
    preview: "核对部门将看到的内容",
    receipt: "提交成功，请保存回执码",
    follow_state: "当前状态",
    signed_out: "请先登录才能打开那个页面",
    left: "还剩",
    question: "部门向您提了一个问题",
    sent: "消息已发送",
    confirm_by: "请在此日期前确认或要求重新办理",
    confirmed: "您的确认已发送",
    withdraw_question: "确定撤回这件反映？",
    withdrawn: "您的撤回已发送",
    reject_question: "确定不予受理这件反映？",
    board: "督办看板",
    stats: "各部门办理情况",
};

const EN: Texts = Texts {
    home: "Zhiyan: say what the real burdens are",
    preview: "Check what the department will see",
    receipt: "Submitted: keep your receipt",
    follow_state: "Status",
    signed_out: "Please sign in to open that page",
    left: "left",
    question: "The department asked you a question",
    sent: "Message sent",
    confirm_by: "Confirm or ask again by",
    confirmed: "Your confirmation has been sent",
    withdraw_question: "Withdraw the report?",
    withdrawn: "Your withdrawal has been sent",
    reject_question: "Reject this report?",
    board: "Oversight board",
    stats: "How departments answer",
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_loop_in_a_real_browser() {
    if std::env::var("ZHIYAN_TEST_BROWSER").as_deref() != Ok("1") {
        eprintln!(
            "SKIPPED: the real-browser tests (set ZHIYAN_TEST_BROWSER=1 with chromium, \
             chromium-driver and axe-core installed; .ci/run does)"
        );
        return;
    }
    let browser = Browser::start().await;
    let langs = [
        Lang {
            tag: "zh-CN",
            t: &ZH,
        },
        Lang { tag: "en", t: &EN },
    ];
    let mut audited = 0;
    for lang in langs {
        for size in [Size::PHONE, Size::LAPTOP] {
            audited += walk(&browser, lang, size).await;
        }
    }
    eprintln!("browser: 4 walks, {audited} page states audited with axe-core");
}

/// One walk through the loop: a report, the desk's question, the reply, the answer, the
/// confirmation; a withdrawal; the supervisor's board, list, a rejection and own account; an
/// administrator's notification channels; the statistics.
/// Returns how many page states it audited.
async fn walk(browser: &Browser, lang: Lang, size: Size) -> usize {
    let app = TestApp::sqlite().await;
    app.user("desk-agri", Role::Desk, Some("agriculture")).await;
    app.user("sup", Role::Supervisor, Some("county")).await;
    app.user("adm", Role::Admin, None).await;
    let origin = driver::serve(&app).await;
    let mut page = Page::open(browser, &origin, lang, size).await;
    page.axe_finds_a_missing_alt().await;
    let t = lang.t;
    let shots = size.name == "laptop" && lang.tag == "zh-CN";

    // The reporter, JavaScript off: the form, the preview, the receipt.
    page.goto("/").await;
    page.check("home", &[t.home]).await;
    page.goto("/report/new").await;
    page.check("report form", &[]).await;
    page.select("#category", "duplicate-inspections").await;
    page.select("#area", "xinhe").await;
    page.select("#subject_department", "education").await;
    page.type_in("#title", "一个月被检查三次").await;
    page.type_in("#body", "同一件事，三个部门各来检查一次，台账要准备三份。")
        .await;
    page.submit("form[action^='/report/preview']").await;
    page.check("preview", &[t.preview]).await;
    page.submit("form[action^='/report?']").await;
    page.check("receipt", &[t.receipt]).await;
    let receipt = page.one_line(".receipt code").await;
    assert_eq!(receipt.len(), 24, "{receipt}");

    // Following it up with the receipt.
    page.follow(&receipt).await;
    page.check("report page", &[t.follow_state]).await;

    // The desk: signed out, the inbox sends to sign-in and back; the deadline column in view.
    page.goto("/desk").await;
    page.check("sign-in, signed out", &[t.signed_out]).await;
    page.sign_in(&app, "desk-agri").await;
    page.check("desk inbox", &[t.left]).await;
    page.in_view("td.due").await;
    if shots {
        page.screenshot("desk-inbox").await;
    }
    page.leave_by("table.items a").await;
    page.check("desk item", &[t.left]).await;
    page.submit("form[action*='/acknowledge']").await;
    page.check("desk item, acknowledged", &[]).await;
    page.type_in("#message-body", "是哪三个部门？请写出部门名称。")
        .await;
    page.submit("form[action*='/messages']").await;
    page.check("desk item, question asked", &[]).await;
    page.sign_out().await;

    // The reporter sees the question first and answers it.
    page.follow(&receipt).await;
    page.check("report page, question", &[t.question]).await;
    page.type_in("#body", "农业、教育和民政。").await;
    page.submit("form[action^='/follow/message']").await;
    page.check("report page, reply sent", &[t.sent]).await;

    // The desk answers.
    page.goto("/desk").await;
    page.sign_in(&app, "desk-agri").await;
    page.leave_by("table.items a").await;
    page.select("#respond-outcome", "resolved").await;
    page.type_in("#respond-body", "已与教育和民政商定，今后合并为一次检查。")
        .await;
    page.submit("form[action*='/respond']").await;
    page.check("desk item, answered", &[]).await;
    page.sign_out().await;

    // The reporter confirms, with a rating.
    page.follow(&receipt).await;
    page.check("report page, answered", &[t.confirm_by]).await;
    if shots {
        page.screenshot("report-page").await;
    }
    page.click("#satisfaction-5").await;
    page.submit("form[action^='/follow/confirm']").await;
    page.check("report page, confirmed", &[t.confirmed]).await;

    // A second report, withdrawn after the confirmation step.
    let (_, other) = app.submit("other", "xinhe", None).await;
    page.follow(&other.receipt).await;
    page.submit("form[action^='/follow/withdraw']").await;
    page.check("withdraw, asked", &[t.withdraw_question]).await;
    page.submit("form[action^='/follow/withdraw']").await;
    page.check("withdraw, done", &[t.withdrawn]).await;

    // The supervisor: board, list, an item in triage, a rejection asked first.
    let (triage, _) = app.submit("other", "xinhe", None).await;
    app.clock.set(T0 + 40 * 86_400);
    page.goto("/oversight").await;
    page.sign_in(&app, "sup").await;
    page.check("board", &[t.board]).await;
    page.goto("/oversight/items").await;
    page.check("oversight list", &[]).await;
    page.in_view("td.due").await;
    page.goto(&format!("/oversight/items/{triage}")).await;
    page.check("oversight item", &[]).await;
    page.type_in("#reject-reason", "不属于本县职责范围。").await;
    page.submit("form[action*='/reject']").await;
    page.check("reject, asked", &[t.reject_question]).await;
    // Their own account, with the notification settings.
    page.goto("/staff/account").await;
    page.check("own account", &[]).await;
    page.sign_out().await;

    // An administrator's notification channels.
    page.goto("/admin/notifications").await;
    page.sign_in(&app, "adm").await;
    page.goto("/admin/notifications").await;
    page.check("admin notifications", &[]).await;
    page.sign_out().await;

    // The public statistics.
    app.service.refresh_stats().await.unwrap();
    page.goto("/stats").await;
    page.check("statistics", &[t.stats]).await;
    if shots {
        page.screenshot("stats").await;
    }
    page.close().await
}
