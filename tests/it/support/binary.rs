//! The real `zhiyan` binary, run as an operator would run it.
use super::pg::PgDatabase;
use super::{Db, TestApp};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// `zhiyan --data-dir DATA ARGS`, with the caller's ZHIYAN_* settings kept out and logging quiet,
/// so that what the binary prints is all the test reads.
pub fn zhiyan(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhiyan"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("ZHIYAN_DATABASE_URL")
        .env_remove("ZHIYAN_DATA_DIR")
        .env("ZHIYAN_LOG", "warn")
        .output()
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl TestApp {
    /// `zhiyan verify-log ARGS` on the app's database and keyring.
    pub fn verify_log(&self, args: &[&str]) -> Output {
        let mut all = vec!["--database-url", &self.database_url, "verify-log"];
        all.extend_from_slice(args);
        zhiyan(&self.keys_dir(), &all)
    }
}

/// A fresh database for the real binary: a SQLite file in `dir`, or a new PostgreSQL database (its
/// guard, which drops it, comes along), or None (after saying so) when ZHIYAN_TEST_POSTGRES_URL is
/// not set.
pub async fn database(dir: &Path, db: Db) -> Option<(String, Option<PgDatabase>)> {
    match db {
        Db::Sqlite => Some((
            format!("sqlite://{}", dir.join("zhiyan.db").display()),
            None,
        )),
        Db::Postgres => {
            let Ok(admin) = std::env::var("ZHIYAN_TEST_POSTGRES_URL") else {
                eprintln!("PostgreSQL half skipped: ZHIYAN_TEST_POSTGRES_URL is not set");
                return None;
            };
            let pg = PgDatabase::create(&admin).await;
            Some((pg.url.clone(), Some(pg)))
        }
    }
}

/// `zhiyan serve ARGS` on an ephemeral port with `ZHIYAN_LOG` (and `RUST_LOG`) at `log_level`;
/// returns once it listens, with everything it prints (standard output and error) collected as it
/// comes, so it never blocks on a full pipe.
pub fn start_server(
    data: &Path,
    url: &str,
    args: &[&str],
    log_level: &str,
) -> (Child, SocketAddr, Arc<Mutex<String>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhiyan"))
        .arg("--data-dir")
        .arg(data)
        .args(["--database-url", url, "serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .env_remove("ZHIYAN_DATABASE_URL")
        .env_remove("ZHIYAN_DATA_DIR")
        .env("ZHIYAN_LOG", log_level)
        .env("RUST_LOG", log_level)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    collect(
        BufReader::new(child.stdout.take().unwrap()).lines(),
        log.clone(),
    );
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server exited before it listened")
            .unwrap();
        log.lock().unwrap().push_str(&format!("{line}\n"));
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    collect(lines, log.clone());
    (child, addr, log)
}

fn collect(
    lines: impl Iterator<Item = std::io::Result<String>> + Send + 'static,
    into: Arc<Mutex<String>>,
) {
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            into.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
}
