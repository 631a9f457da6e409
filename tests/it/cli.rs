//! The binary itself: org import (all-or-nothing, errors name the line), export, verify-log.
use crate::support::binary::{text, zhiyan};

#[tokio::test]
async fn org_import_export_and_verify_log_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-org.toml");
    let out = zhiyan(&data, &["org", "import", demo]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A bad file changes nothing and names the line.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[departments]]\ncode = \"x\"\nname = \"X\"\n\n[[departments]]\ncode = \"y\"\nname = \"Y\"\nparent = \"nowhere\"\n").unwrap();
    let out = zhiyan(&data, &["org", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 8"), "{err}");

    // Export round-trips the demo organisation.
    let out = zhiyan(&data, &["org", "export"]);
    assert!(out.status.success());
    let exported = String::from_utf8(out.stdout).unwrap();
    let again = zhiyan::domain::org::Org::parse(&exported).unwrap();
    let original =
        zhiyan::domain::org::Org::parse(&std::fs::read_to_string(demo).unwrap()).unwrap();
    assert_eq!(again.departments.len(), original.departments.len());
    assert_eq!(again.rules, original.rules);

    let out = zhiyan(
        &data,
        &[
            "admin",
            "create-user",
            "--username",
            "desk1",
            "--role",
            "desk",
            "--department",
            "civil-affairs",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("setup code (shown once"));

    let out = zhiyan(&data, &["verify-log"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("valid: 2 events"),
        "{}",
        text(&out.stdout)
    );

    // Alter one event row behind the application's back: verify-log fails and names it.
    let url = format!("sqlite://{}", data.join("zhiyan.db").display());
    let store = zhiyan::store::Store::connect(&url, 1).await.unwrap();
    tamper(&url).await;
    store.close().await;
    let out = zhiyan(&data, &["verify-log"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("event 2"), "{err}");
}

async fn tamper(url: &str) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("UPDATE events SET detail = '{\"username\":\"someone-else\"}' WHERE seq = 2")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
}
