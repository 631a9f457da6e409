//! Each test body runs on SQLite always and on PostgreSQL when ZHIYAN_TEST_POSTGRES_URL is set.

/// Declare a test that runs once on SQLite and once on PostgreSQL (when configured), each on a
/// fresh app made with `Options` (the default unless given).
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        both_backends!($name, $body, $crate::support::Options::default());
    };
    ($name:ident, $body:expr, $options:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::support::TestApp::new($crate::support::Db::Sqlite, $options)
                    .await
                    .unwrap();
                ($body)(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) =
                    $crate::support::TestApp::postgres("PostgreSQL half", $options).await
                {
                    ($body)(app).await;
                }
            }
        }
    };
}

/// Declare a test of the real binary that runs once on SQLite and once on PostgreSQL (when
/// configured): `$body(data_dir, database_url)` on a fresh database (see `binary::database`).
macro_rules! binary_on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                binary_on_both_backends!(@run $crate::support::Db::Sqlite, $body);
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                binary_on_both_backends!(@run $crate::support::Db::Postgres, $body);
            }
        }
    };
    (@run $db:expr, $body:expr) => {
        let dir = tempfile::tempdir().unwrap();
        if let Some((url, _pg)) = $crate::support::binary::database(dir.path(), $db).await {
            ($body)(dir.path(), &url).await;
        }
    };
}
