//! The signed checkpoint of the audit log: what `GET /api/v1/log/head` publishes verifies with the
//! published key, and `zhiyan verify-log` (the real binary, on the test's database and keyring) checks
//! the chain and a saved checkpoint against it. Both databases.
use crate::support::binary::text;
use crate::support::TestApp;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::path::PathBuf;
use zhiyan::crypto::chain::event_hash;
use zhiyan::crypto::checkpoint::{checkpoint_body, sign_note, verify_checkpoint, ORIGIN};
use zhiyan::crypto::Keyring;
use zhiyan::service::Role;

/// verify-log with `args` exits 0; returns its stdout.
fn passes(app: &TestApp, args: &[&str]) -> String {
    let out = app.verify_log(args);
    assert!(
        out.status.success(),
        "verify-log {args:?} failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// verify-log with `args` exits 2 and says `why` on stderr.
fn fails(app: &TestApp, args: &[&str], why: &str) {
    let out = app.verify_log(args);
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "verify-log {args:?}: {}{err}",
        text(&out.stdout)
    );
    assert!(
        err.contains(why),
        "verify-log {args:?}: wanted {why:?} in {err:?}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
}

fn save(app: &TestApp, name: &str, contents: &str) -> PathBuf {
    let path = app.dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

async fn backup_events(app: &TestApp) {
    app.sql("CREATE TABLE events_backup AS SELECT * FROM events")
        .await;
}

async fn restore_events(app: &TestApp) {
    app.sql("DELETE FROM events").await;
    app.sql("INSERT INTO events SELECT * FROM events_backup")
        .await;
}

/// A staff account and two reports: a chain of several events of different kinds.
async fn some_history(app: &TestApp) {
    app.user("desk1", Role::Desk, Some("civil-affairs")).await;
    app.submit("duplicate-inspections", "county", None).await;
    app.submit("excessive-paperwork", "xinhe", None).await;
}

fn other_key() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

fn signed_by(key: &Ed25519KeyPair, size: i64, head: &[u8]) -> String {
    let body = checkpoint_body(ORIGIN, size, head);
    sign_note(&body, ORIGIN, key.public_key().as_ref(), |m| {
        key.sign(m).as_ref().to_vec()
    })
    .0
}

both_backends!(published_checkpoint_verifies_with_its_key, published);
async fn published(app: TestApp) {
    some_history(&app).await;
    let events = app.store.events_after(0, 100_000).await.unwrap();
    assert!(events.len() >= 5, "{}", events.len());
    let last = events.last().unwrap();
    let json = app.log_head().await;

    let public_key = B64.decode(json["public_key"].as_str().unwrap()).unwrap();
    assert_eq!(public_key, app.service.log_public_key());
    let note = json["text"].as_str().unwrap();
    let cp = verify_checkpoint(note, &public_key).unwrap();
    assert_eq!(cp.origin, ORIGIN);
    assert_eq!(cp.size, events.len() as i64);
    assert_eq!(cp.size, last.seq);
    assert_eq!(cp.head, last.hash);
    assert_eq!(json["size"], cp.size);
    assert_eq!(json["head"].as_str().unwrap(), B64.encode(&last.hash));
    // `signature` is the Ed25519 signature in the note's signature line, after the 4-byte key hash.
    let line = note.lines().last().unwrap();
    let blob = B64.decode(line.rsplit_once(' ').unwrap().1).unwrap();
    assert_eq!(B64.encode(&blob[4..]), json["signature"].as_str().unwrap());
    assert_eq!(blob.len(), 4 + 64);
    assert!(verify_checkpoint(note, &Keyring::ephemeral().public_key()).is_err());

    // The public checkpoint is the same until its slot ends; the next one follows the log.
    app.submit("other", "baishui", None).await;
    assert_eq!(app.log_head().await["text"], note);
    app.clock.advance(3600);
    let next =
        verify_checkpoint(app.log_head().await["text"].as_str().unwrap(), &public_key).unwrap();
    assert!(next.size > cp.size, "{} then {}", cp.size, next.size);
}

both_backends!(verify_log_checks_a_saved_checkpoint, saved_checkpoint);
async fn saved_checkpoint(app: TestApp) {
    some_history(&app).await;
    let json = app.log_head().await;
    let size = json["size"].as_i64().unwrap();
    let public_key = json["public_key"].as_str().unwrap().to_string();
    let note = json["text"].as_str().unwrap().to_string();
    let note_file = save(&app, "checkpoint.txt", &note);
    let note_path = note_file.to_str().unwrap();
    let json_file = save(&app, "head.json", &json.to_string());

    // Without a checkpoint: the chain, and a checkpoint signed now and checked with the keyring's key.
    let out = passes(&app, &[]);
    assert!(out.contains(&format!("valid: {size} events")), "{out}");
    assert!(
        out.contains("checkpoint verifies (the checkpoint signed now)"),
        "{out}"
    );
    assert!(out.contains(&format!("{ORIGIN}\n{size}\n")), "{out}");

    // The note, or the whole JSON, with the keyring's key or the published one.
    let out = passes(&app, &["--checkpoint", note_path]);
    assert!(
        out.contains(&format!("checkpoint verifies ({note_path}): {size} events")),
        "{out}"
    );
    passes(
        &app,
        &[
            "--checkpoint",
            json_file.to_str().unwrap(),
            "--public-key",
            &public_key,
        ],
    );
    // As `jq -r .text` saves it, with one more newline.
    let jq = save(&app, "jq.txt", &format!("{note}\n"));
    passes(&app, &["--checkpoint", jq.to_str().unwrap()]);

    // The log grew: the checkpoint is still a prefix of it.
    app.submit("other", "baishui", None).await;
    app.submit("duplicate-inspections", "xinhe", None).await;
    let out = passes(&app, &["--checkpoint", note_path]);
    let grown = app.chain_length().await;
    assert!(grown > size);
    assert!(out.contains(&format!("valid: {grown} events")), "{out}");
    assert!(
        out.contains(&format!("checkpoint verifies ({note_path}): {size} events")),
        "{out}"
    );

    // A changed size line or signature: the signature no longer verifies.
    let signature_fails = "checkpoint signature does not verify";
    let lines: Vec<&str> = note.lines().collect();
    let smaller = note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 1), 1);
    assert_ne!(smaller, note);
    let f = save(&app, "smaller.txt", &smaller);
    fails(
        &app,
        &["--checkpoint", f.to_str().unwrap()],
        signature_fails,
    );
    let (prefix, blob) = lines[4].rsplit_once(' ').unwrap();
    let mut raw = B64.decode(blob).unwrap();
    raw[20] ^= 1;
    let flipped = note.replace(lines[4], &format!("{prefix} {}", B64.encode(raw)));
    let f = save(&app, "flipped.txt", &flipped);
    fails(
        &app,
        &["--checkpoint", f.to_str().unwrap()],
        signature_fails,
    );
    // Garbage is refused with a reason, not a crash.
    let f = save(&app, "garbage.txt", "hello\n");
    fails(
        &app,
        &["--checkpoint", f.to_str().unwrap()],
        "not a valid checkpoint note",
    );

    // Another key: its notes do not verify with ours, ours do not verify with it.
    let other = other_key();
    let other_public = B64.encode(other.public_key().as_ref());
    let by_other = save(&app, "other.txt", &signed_by(&other, size, &[9; 32]));
    let by_other = by_other.to_str().unwrap();
    fails(&app, &["--checkpoint", by_other], signature_fails);
    fails(
        &app,
        &["--checkpoint", note_path, "--public-key", &other_public],
        signature_fails,
    );
    // Checked with the other key, its note verifies but does not describe this log.
    fails(
        &app,
        &["--checkpoint", by_other, "--public-key", &other_public],
        &format!("history rewritten: event {size} no longer has the hash the checkpoint signed"),
    );
    let true_head = B64.decode(json["head"].as_str().unwrap()).unwrap();
    let same = save(&app, "same.txt", &signed_by(&other, size, &true_head));
    passes(
        &app,
        &[
            "--checkpoint",
            same.to_str().unwrap(),
            "--public-key",
            &other_public,
        ],
    );

    // Someone with write access rewrites event 2 and recomputes every hash after it: the chain
    // alone still verifies, the checkpoint exposes the rewrite.
    backup_events(&app).await;
    rewrite_from(&app, 2).await;
    passes(&app, &[]);
    fails(
        &app,
        &["--checkpoint", note_path],
        &format!("history rewritten: event {size} no longer has the hash the checkpoint signed"),
    );
    restore_events(&app).await;
    passes(&app, &["--checkpoint", note_path]);

    // Events cut off the end: a valid, shorter chain.
    app.sql(&format!("DELETE FROM events WHERE seq >= {size}"))
        .await;
    passes(&app, &[]);
    fails(
        &app,
        &["--checkpoint", note_path],
        &format!(
            "the log is shorter than the checkpoint: it has {} events",
            size - 1
        ),
    );
    restore_events(&app).await;

    // One row altered below the checkpoint: the walk names it, checkpoint or not.
    app.sql("UPDATE events SET detail = '{\"username\":\"someone-else\"}' WHERE seq = 2")
        .await;
    fails(
        &app,
        &["--checkpoint", note_path],
        "audit log BROKEN at event 2:",
    );
    fails(&app, &[], "audit log BROKEN at event 2:");
}

/// Change event `from`'s detail and recompute the hashes of it and every later event.
async fn rewrite_from(app: &TestApp, from: i64) {
    use sqlx::Connection;
    let events = app.store.events_after(0, 100_000).await.unwrap();
    let update = "UPDATE events SET detail = $1, prev_hash = $2, hash = $3 WHERE seq = $4";
    let mut prev = events[from as usize - 2].hash.clone();
    for mut e in events.into_iter().skip(from as usize - 1) {
        if e.seq == from {
            e.detail = "{\"rewritten\":true}".into();
        }
        let hash = event_hash(&prev, &e.fields());
        // The same statement on whichever database the app runs on.
        if app.database_url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            let q = sqlx::query(update).bind(&e.detail).bind(&prev).bind(&hash);
            q.bind(e.seq).execute(&mut c).await.unwrap();
        } else {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            let q = sqlx::query(update).bind(&e.detail).bind(&prev).bind(&hash);
            q.bind(e.seq).execute(&mut c).await.unwrap();
        }
        prev = hash;
    }
}

both_backends!(altering_any_event_row_names_it, any_column);
async fn any_column(app: TestApp) {
    some_history(&app).await;
    let size = app.chain_length().await;
    let note = app.log_head().await["text"].as_str().unwrap().to_string();
    let note = save(&app, "checkpoint.txt", &note);
    let note = note.to_str().unwrap();
    backup_events(&app).await;
    let changes = [
        ("kind", "kind || '-x'"),
        ("actor_role", "actor_role || '-x'"),
        ("actor", "COALESCE(actor, '') || 'mallory'"),
        ("department", "COALESCE(department, '') || '-x'"),
        ("report_id", "COALESCE(report_id, '') || '-x'"),
        ("from_state", "COALESCE(from_state, '') || '-x'"),
        ("to_state", "COALESCE(to_state, '') || '-x'"),
        ("detail", "detail || ' '"),
        ("at", "at + 1"),
        ("prev_hash", "hash"),
        ("hash", "prev_hash"),
    ];
    for (i, (column, value)) in changes.iter().enumerate() {
        let seq = 1 + i as i64 % size;
        app.sql(&format!(
            "UPDATE events SET {column} = {value} WHERE seq = {seq}"
        ))
        .await;
        let why = format!("audit log BROKEN at event {seq}:");
        fails(&app, &[], &why);
        fails(&app, &["--checkpoint", note], &why);
        restore_events(&app).await;
    }
    // A deleted row is named as missing.
    let seq = size / 2;
    app.sql(&format!("DELETE FROM events WHERE seq = {seq}"))
        .await;
    fails(
        &app,
        &[],
        &format!("audit log BROKEN at event {seq}: event {seq} is missing"),
    );
    restore_events(&app).await;
    // Restored, the log verifies again, so each failure above came from its one change.
    passes(&app, &["--checkpoint", note]);
}
