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

/// `zhiyan --data-dir DATA ARGS` with `input` on standard input.
fn zhiyan_with_input(
    data_dir: &std::path::Path,
    args: &[&str],
    input: &str,
) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhiyan"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("ZHIYAN_DATABASE_URL")
        .env_remove("ZHIYAN_DATA_DIR")
        .env("ZHIYAN_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The setup code a command printed.
fn printed_code(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("setup code"))
        .unwrap_or_else(|| panic!("no setup code in {stdout}"));
    line.rsplit(' ').next().unwrap().to_string()
}

#[tokio::test]
async fn admin_commands_create_disable_enable_reset() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-org.toml");
    assert!(zhiyan(&data, &["org", "import", demo]).status.success());
    let create = |name: &str| {
        zhiyan(
            &data,
            &[
                "admin",
                "create-user",
                "--username",
                name,
                "--role",
                "desk",
                "--department",
                "civil-affairs",
            ],
        )
    };

    // Without --password-stdin: a setup code, shown once, and no password anywhere.
    let out = create("wang");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let code = printed_code(&stdout);
    assert_eq!(code.len(), 24, "{stdout}");
    assert!(stdout.contains("/staff/setup") && !stdout.contains("password:"));

    // A taken username says so, and nothing else.
    let out = create("wang");
    assert!(!out.status.success());
    assert_eq!(text(&out.stderr), "error: username already exists\n");

    // With --password-stdin: the password is checked and taken from standard input.
    let args = [
        "admin",
        "create-user",
        "--username",
        "li",
        "--role",
        "supervisor",
        "--department",
        "county",
        "--password-stdin",
    ];
    let out = zhiyan_with_input(&data, &args, "short\n");
    assert_eq!(
        text(&out.stderr),
        "error: password must be at least 12 characters\n"
    );
    let out = zhiyan_with_input(&data, &args, "a long enough passphrase\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("first sign-in"));

    let out = zhiyan(&data, &["admin", "disable-user", "--username", "wang"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("disabled wang"));
    let out = zhiyan(&data, &["admin", "enable-user", "--username", "wang"]);
    assert!(out.status.success());
    let out = zhiyan(&data, &["admin", "reset-user", "--username", "wang"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = printed_code(&text(&out.stdout));
    assert_ne!(again, code);
    let out = zhiyan(&data, &["admin", "reset-user", "--username", "ghost"]);
    assert_eq!(text(&out.stderr), "error: no account named ghost\n");

    // The new code sets the account up; the first one no longer does.
    let url = format!("sqlite://{}", data.join("zhiyan.db").display());
    let service = zhiyan::open_service(
        &zhiyan::config::DataArgs {
            database_url: Some(url),
            data_dir: data.clone(),
            db_max_connections: 2,
            db_acquire_timeout: zhiyan::domain::Span::parse("5s").unwrap(),
            sqlite_synchronous: "full".into(),
        },
        std::sync::Arc::new(zhiyan::domain::SystemClock),
        zhiyan::service::Settings::default(),
    )
    .await
    .unwrap();
    assert!(service.setup_start(&code).await.is_err());
    let start = service.setup_start(&again).await.unwrap();
    assert_eq!(start.username, "wang");
    service.close().await;
    // Every command left an audit event naming the command line.
    let out = zhiyan(&data, &["verify-log"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// The README's walkthrough: `serve --demo` prints the demo accounts once (two desks for one
/// department), says that two-factor sign-in is off, and a printed password signs in.
#[test]
fn the_demo_prints_accounts_whose_passwords_sign_in() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhiyan"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env_remove("ZHIYAN_DATABASE_URL")
        .env_remove("ZHIYAN_DATA_DIR")
        .env("ZHIYAN_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stop = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    // The log is read to its end on a thread of its own (a closed pipe would make the server's
    // later log lines fail); the address it listens on is sent back as soon as it is logged.
    let stderr = child.stderr.take().unwrap();
    let (found, listening) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let rest = &line[at + "listening on http://".len()..];
                let _ = found.send(rest.split_whitespace().next().unwrap().to_string());
            }
            log.push_str(&line);
            log.push('\n');
        }
        log
    });
    let Ok(address) = listening.recv() else {
        stop(&mut child);
        panic!("the server did not start: {}", reader.join().unwrap());
    };

    // The accounts are printed before the server listens.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut accounts = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if line.starts_with("Two-factor sign-in is off") {
            break;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() == 3 {
            accounts.push((
                parts[0].to_string(),
                parts[1].to_string(),
                parts[2].to_string(),
            ));
        }
        line.clear();
    }
    let second = accounts.iter().find(|a| a.0.ends_with("-2")).cloned();
    let Some((second, _, password)) = second else {
        stop(&mut child);
        panic!("no second desk of a department among {accounts:?}");
    };
    let first = second.trim_end_matches("-2");
    assert!(accounts.iter().any(|a| a.0 == first && a.1 == "desk"));

    // Sign in over HTTP with the printed password alone.
    let body = format!(r#"{{"username":"{second}","password":"{password}"}}"#);
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    stop(&mut child);
    let log = reader.join().unwrap();
    assert!(log.contains("two-factor sign-in is not required"), "{log}");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"token\"") && answer.contains("\"role\":\"desk\""),
        "{answer}"
    );
}
