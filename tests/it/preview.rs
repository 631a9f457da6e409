//! The report form's preview step: it shows exactly what the department will see, warns about what
//! could point to the reporter, and stores nothing; "edit" brings the text back into the form, and
//! "confirm" submits it. Without JavaScript: the text travels in the page's hidden fields only.
use crate::support::{between, form_fields, logs, TestApp};
use axum::http::{header, StatusCode};
use serde_json::json;

/// Everything the app keeps on disk: each file under its directory with a digest of its contents.
/// SQLite's shared-memory index (`-shm`) is left out: readers write their marks there.
fn files(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![app.dir.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if !path.to_string_lossy().ends_with("-shm") {
                out.push((
                    path.display().to_string(),
                    digest(&std::fs::read(&path).unwrap()),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Text with every kind of clue, and characters that must survive the round trip through HTML.
const BODY: &str = "上周李主任又来检查，村支书只好重填台账。\n有事打13812345678，身份证11010519491231002X。\n\"引号\" <标签> & 'apostrophe' / 斜杠  ";
const TITLE: &str = "检查 & 台账 <三次>";

fn digest(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

async fn preview_stores_nothing(app: TestApp) {
    let logs = logs::capture();
    let fields = [
        ("category", "duplicate-inspections"),
        ("area", "xinhe-east"),
        ("subject_department", ""),
        ("title", TITLE),
        ("body", BODY),
    ];
    // The form leads to the preview, not to the submission.
    let form = app.page("/report/new", None).await.expect(StatusCode::OK);
    assert!(
        form.body.contains("action=\"/report/preview"),
        "{}",
        form.body
    );

    let rows = app.row_counts().await;
    let disk = files(&app);
    let preview = app
        .form("/report/preview", None, &fields)
        .await
        .expect(StatusCode::OK);
    let json = app
        .preview_json(json!({ "category": "duplicate-inspections", "area": "xinhe-east", "title": TITLE, "body": BODY }))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(app.row_counts().await, rows, "the preview stored a row");
    assert_eq!(files(&app), disk, "the preview changed a file");
    assert!(preview.headers.get(header::SET_COOKIE).is_none());
    for needle in ["李主任", "13812345678", "台账"] {
        assert!(!logs.text().contains(needle), "{needle} is in the logs");
    }

    // What the department will see: the text, the area as staff see it, the date only.
    let page = &preview.body;
    assert!(page.contains("新河镇") && page.contains("2026-11-20"));
    assert!(page.contains("检查 &amp; 台账 &lt;三次&gt;"));
    // The warnings, with what they found.
    for found in [
        "<mark>李主任</mark>",
        "<mark>13812345678</mark>",
        "<mark>11010519491231002X</mark>",
        "<mark>村支书</mark>",
    ] {
        assert!(page.contains(found), "{found} is not flagged");
    }
    assert!(
        page.contains("干部不足 20 人"),
        "the small area is not flagged"
    );
    assert_eq!(json["area_chosen"], "xinhe-east");
    assert_eq!(json["area_shown"], "xinhe");
    assert_eq!(json["area_narrowed"], true);
    assert_eq!(json["submitted_on"], "2026-11-20");
    let kinds: Vec<&str> = json["clues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["clue"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["name", "phone", "id_card", "job_title"]);

    // "Edit": the form again with everything as typed.
    let carried = form_fields(page, "/report/new");
    let pairs: Vec<(&str, &str)> = carried
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(pairs, fields);
    let edit = app
        .form("/report/new", None, &pairs)
        .await
        .expect(StatusCode::OK);
    let textarea = between(&edit.body, "name=\"body\"", "</textarea>");
    let kept = textarea.split_once('>').unwrap().1;
    assert_eq!(
        kept.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
        BODY
    );
    assert!(edit.body.contains("value=\"检查 &amp; 台账 &lt;三次&gt;\""));
    assert!(edit.body.contains("<option value=\"xinhe-east\" selected>"));
    assert_eq!(app.row_counts().await, rows, "editing stored a row");

    // "Confirm": submitted as previewed.
    let confirm = form_fields(page, "/report?");
    let pairs: Vec<(&str, &str)> = confirm
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let receipt = app
        .form("/report", None, &pairs)
        .await
        .expect(StatusCode::OK);
    let receipt = between(&receipt.body, "<code>", "</code>")
        .trim()
        .to_string();
    let mine = app.reporter(&receipt).mine().await;
    assert_eq!(
        (mine["title"].as_str(), mine["body"].as_str()),
        (Some(TITLE), Some(BODY.trim()))
    );
    assert_eq!(mine["area"], "xinhe-east");
}
both_backends!(the_preview_stores_nothing_and_warns, preview_stores_nothing);

async fn plain_text(app: TestApp) {
    let r = app
        .form(
            "/report/preview",
            None,
            &[
                ("category", "other"),
                ("area", "baishui"),
                ("title", "表格太多"),
                ("body", "每周要填五张内容相同的表。"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        !r.body.contains("<mark>") && !r.body.contains("warning-box"),
        "{}",
        r.body
    );
    // A field error goes back to the form, as on submission.
    let bad = app
        .form(
            "/report/preview",
            None,
            &[
                ("category", "other"),
                ("area", "baishui"),
                ("title", ""),
                ("body", "留着"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("留着") && bad.body.contains("aria-invalid=\"true\""));
    let api = app
        .preview_json(json!({ "category": "nope", "area": "baishui", "title": "t", "body": "b" }))
        .await;
    assert_eq!(
        (api.status, api.json()["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("category"))
    );
}
both_backends!(plain_text_gets_no_warnings, plain_text);
