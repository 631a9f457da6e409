//! Sealed texts are padded to size buckets (powers of two from 256 bytes) before sealing, so the
//! database shows no exact lengths; opening strips the padding exactly; text sealed before padding
//! existed still opens.
use crate::support::TestApp;
use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use serde_json::json;

/// Nonce and tag around every sealed text.
const OVERHEAD: usize = NONCE_LEN + 16;

/// The padded size a sealed blob holds, which must be a bucket that fits `text` and its prefix.
fn bucket_of(blob: &[u8], text: &str) -> usize {
    let padded = blob.len() - OVERHEAD;
    assert!(
        padded.is_power_of_two() && padded >= 256,
        "{padded} is not a bucket"
    );
    assert!(
        padded >= text.len() + 4,
        "{padded} cannot hold {} bytes",
        text.len()
    );
    assert!(
        padded / 2 < (text.len() + 4).max(256),
        "{padded} is a bucket too large for {} bytes",
        text.len()
    );
    padded
}

async fn buckets(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    // Around the edges of the first buckets (the prefix takes 4 bytes), in bytes of UTF-8.
    let mut seen = std::collections::BTreeSet::new();
    for len in [1usize, 100, 252, 253, 508, 509, 3000] {
        let body = format!("{}{}", "检".repeat(len / 3), "x".repeat(len % 3));
        assert_eq!(body.len(), len);
        let title = format!("长度{len}");
        let r = app
            .submit_json(json!({ "category": "duplicate-inspections", "area": "county", "title": title, "body": body }))
            .await
            .expect(StatusCode::CREATED)
            .json();
        let id = r["id"].as_str().unwrap();
        let stored = app.store.item(id).await.unwrap().unwrap();
        assert!(
            stored.sealed.key_id.starts_with("p1:"),
            "{}",
            stored.sealed.key_id
        );
        assert_eq!(bucket_of(&stored.sealed.title, &title), 256);
        seen.insert(bucket_of(&stored.sealed.body, &body));
        // Opened exactly, to the reporter and to staff.
        let reporter = app.reporter(r["receipt"].as_str().unwrap());
        assert_eq!(reporter.mine().await["body"], body.as_str());
        assert_eq!(desk.item(id).await.json()["body"], body.as_str());
        // Messages too, both ways.
        reporter
            .reply(&"补".repeat(90))
            .await
            .expect(StatusCode::CREATED);
        desk.message(id, "收到").await.expect_success();
        for m in app.store.messages(id).await.unwrap() {
            assert!(m.key_id.starts_with("p1:"));
            // 270 bytes from the reporter, 6 from the desk.
            let expect = if m.author == "reporter" { 512 } else { 256 };
            assert_eq!(m.body_sealed.len() - OVERHEAD, expect);
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [256, 512, 1024, 4096]);
}
both_backends!(sealed_lengths_fall_in_buckets, buckets);

/// A report sealed the way it was before padding (bare key id, `zhiyan/v1` associated data, the
/// text as it was) still opens for the reporter and for staff.
async fn legacy(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    let keyring: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(app.keys_dir().join("keyring.json")).unwrap(),
    )
    .unwrap();
    let key_id = keyring["current"].as_str().unwrap();
    let key = B64
        .decode(keyring["sealing_keys"][key_id].as_str().unwrap())
        .unwrap();
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).unwrap());
    let nonce = [7u8; NONCE_LEN];
    let mut buf = "旧格式的正文".as_bytes().to_vec();
    let aad = format!("zhiyan/v1\0{id}\0body");
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad.as_bytes()),
        &mut buf,
    )
    .unwrap();
    let blob = [nonce.to_vec(), buf].concat();
    // Title and body share the key id column: both the old way.
    let mut title = crate::support::TITLE.as_bytes().to_vec();
    let aad = format!("zhiyan/v1\0{id}\0title");
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key([8u8; NONCE_LEN]),
        Aad::from(aad.as_bytes()),
        &mut title,
    )
    .unwrap();
    let title = [[8u8; NONCE_LEN].to_vec(), title].concat();
    app.set_sealed(&id, key_id, &title, &blob).await;
    assert_eq!(reporter.mine().await["body"], "旧格式的正文");
    assert_eq!(desk.item(&id).await.json()["body"], "旧格式的正文");
    assert_eq!(desk.item(&id).await.json()["title"], crate::support::TITLE);
}
both_backends!(text_sealed_before_padding_still_opens, legacy);
