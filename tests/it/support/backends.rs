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
