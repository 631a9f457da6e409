//! The real `zhiyan` binary, run as an operator would run it.
use super::TestApp;
use std::path::Path;
use std::process::{Command, Output};

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
