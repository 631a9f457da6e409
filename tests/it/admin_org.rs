//! The organisation in the administrators' hands: seen (trees, categories with their deadlines,
//! routing rules), downloaded as a file, and changed by uploading a file whose effect is previewed
//! first and then applied all at once, or not at all.
use crate::support::{between, TestApp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use std::net::SocketAddr;
use zhiyan::service::Role;

/// The test organisation with one department renamed, one added, the agricultural station retired
/// (its rule goes to its parent), and a new deadline for paperwork.
fn edited(current: &str) -> String {
    current
        .replace("name = \"县教育局\"", "name = \"县教育和体育局\"")
        .replacen(
            "[[areas]]",
            "[[departments]]\ncode = \"health\"\nname = \"县卫生健康局\"\nparent = \"county\"\n\n[[areas]]",
            1,
        )
        .replace(
            "[[departments]]\ncode = \"agri-station\"\nname = \"县农技推广站\"\nparent = \"agriculture\"\n",
            "",
        )
        .replace("department = \"agri-station\"", "department = \"agriculture\"")
        .replace("respond_within = \"10d\"", "respond_within = \"7d\"")
}

async fn through_the_api(app: TestApp) {
    let admin = app.new_admin("root").await;
    let org = admin.org().await.expect(StatusCode::OK).json();
    assert_eq!(org["triage"], "county");
    assert!(org["departments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "agri-station" && d["parent"] == "agriculture"));
    let paperwork = org["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "excessive-paperwork")
        .unwrap()
        .clone();
    assert_eq!(paperwork["respond_within"], "10d");
    assert_eq!(org["rules"].as_array().unwrap().len(), 4);

    let file = admin.org_file().await.expect(StatusCode::OK);
    assert!(file.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/toml"));
    let current = file.body.clone();
    assert_eq!(current, app.service.export_org().await.unwrap());

    // The same file changes nothing.
    let same = admin.preview(&current).await.expect(StatusCode::OK).json();
    assert_eq!(same["unchanged"], true);

    let next = edited(&current);
    let preview = admin.preview(&next).await.expect(StatusCode::OK).json();
    let changes = &preview["changes"];
    assert_eq!(
        changes["departments"]["added"],
        serde_json::json!(["health"])
    );
    assert_eq!(
        changes["departments"]["changed"],
        serde_json::json!(["education"])
    );
    assert_eq!(
        changes["departments"]["retired"],
        serde_json::json!(["agri-station"])
    );
    assert_eq!(
        changes["categories"]["changed"],
        serde_json::json!(["excessive-paperwork"])
    );
    assert_eq!(changes["rules"]["replaced"], true);
    assert_eq!(changes["rules"]["removed"][0]["department"], "agri-station");
    assert_eq!(changes["rules"]["added"][0]["department"], "agriculture");
    // A preview changes nothing.
    assert_eq!(app.service.export_org().await.unwrap(), current);

    // A bad file is refused whole, naming its line; nothing changes.
    let bad = next.replacen(
        "parent = \"county\"\n\n[[areas]]",
        "parent = \"nowhere\"\n\n[[areas]]",
        1,
    );
    let r = admin
        .apply(&bad, None)
        .await
        .expect(StatusCode::BAD_REQUEST);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "invalid_org");
    assert_eq!(e["field"], "file");
    assert!(e["line"].as_u64().unwrap() > 1, "{e}");
    assert_eq!(app.service.export_org().await.unwrap(), current);

    // Applied against the version previewed.
    let base = preview["base"].as_str().unwrap();
    let applied = admin
        .apply(&next, Some(base))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(applied["changes"], *changes);
    let org = admin.org().await.json();
    assert!(org["departments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "health"));
    assert!(!org["departments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "agri-station"));
    // A report now goes where the new rules say.
    let (id, _) = app.submit("excessive-paperwork", "county", None).await;
    assert_eq!(app.department_of(&id).await, "agriculture");
    // The same preview again is stale: the organisation has changed since.
    let r = admin
        .apply(&current, Some(base))
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "org_changed");
    // The audit log names the administrator.
    let events = app.store.events_after(0, 1000).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.kind == "org_imported" && e.actor.as_deref() == Some("root")));
}
both_backends!(the_organisation_through_the_api, through_the_api);

/// A multipart form post, as a browser sends a form with a file input.
fn upload(cookie: &str, csrf: &str, file: &str) -> Request<Body> {
    let boundary = "zhiyan-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"org.toml\"\r\nContent-Type: application/toml\r\n\r\n{file}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n\
         --{boundary}--\r\n"
    );
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/admin/org/preview")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

/// Decode the few entities minijinja writes in an attribute value.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

async fn through_the_pages(app: TestApp) {
    app.user("root", Role::Admin, None).await;
    let admin = app.pages("root").await;
    let page = admin.open("/admin/org").await.expect(StatusCode::OK);
    for text in [
        "县农技推广站",
        "过多台账",
        "10d",
        "分派规则",
        "及下辖地区",
        "enctype=\"multipart/form-data\"",
    ] {
        assert!(page.body.contains(text), "{text} not on the page");
    }
    let en = admin
        .open("/admin/org?lang=en")
        .await
        .expect(StatusCode::OK);
    assert!(en.body.contains("Routing rules") && en.body.contains("Upload an organisation file"));

    let download = admin.open("/admin/org/file").await.expect(StatusCode::OK);
    assert!(download.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let next = edited(&download.body);

    // Upload a file: the preview lists what would change, and changes nothing yet.
    let preview = app.request(upload(&admin.cookie, &admin.csrf, &next)).await;
    let preview = preview.expect(StatusCode::OK);
    assert!(
        preview.body.contains("<code>health</code>"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("<code>agri-station</code>"));
    assert!(preview.body.contains("分派规则将整体替换"));
    assert_eq!(app.service.export_org().await.unwrap(), download.body);

    // A pasted file that does not validate: said on the page, with the line.
    let bad = admin
        .post(
            "/admin/org/preview",
            &[("text", "[[departments]]\ncode = \"x\"\n")],
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("文件未导入") && bad.body.contains("第 "),
        "{}",
        bad.body
    );

    // Apply what was previewed: the hidden fields carry the file and its base.
    let text = unescape(between(&preview.body, "name=\"text\" value=\"", "\""));
    assert_eq!(text, next);
    let base = between(&preview.body, "name=\"base\" value=\"", "\"").to_string();
    let applied = admin
        .post("/admin/org/apply", &[("text", &text), ("base", &base)])
        .await
        .expect(StatusCode::OK);
    assert!(applied.body.contains("组织架构文件已导入"));
    assert!(applied.body.contains("县卫生健康局"));
    let again = admin
        .post("/admin/org/apply", &[("text", &text), ("base", &base)])
        .await
        .expect(StatusCode::CONFLICT);
    assert!(again.body.contains("请重新预览"));

    // Supervisors and desks see none of it.
    app.user("sup", Role::Supervisor, Some("county")).await;
    let sup = app.pages("sup").await;
    sup.open("/admin/org").await.expect(StatusCode::FORBIDDEN);
    sup.open("/admin/org/file")
        .await
        .expect(StatusCode::FORBIDDEN);
}
both_backends!(the_organisation_through_the_pages, through_the_pages);
