//! The app under test: the real router on its own database (a fresh SQLite file always, and a fresh
//! PostgreSQL database, dropped afterwards, when ZHIYAN_TEST_POSTGRES_URL is set), the test
//! organisation imported, and time from a FixedClock the test moves, so nothing sleeps.
use super::pg::PgDatabase;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zhiyan::crypto::Keyring;
use zhiyan::domain::item::Item;
use zhiyan::domain::FixedClock;
use zhiyan::service::{Service, Settings};
use zhiyan::store::Store;
use zhiyan::web::Deployment;

/// 2026-11-20T02:00:00Z, a Friday morning in UTC+8.
pub const T0: i64 = 1_795_140_000;

const ORG: &str = include_str!("../fixtures/org.toml");

/// Test app options; the default releases reporter text at once and requires two-factor sign-in.
#[derive(Default)]
pub struct Options {
    pub release_delay: i64,
    /// Trusted proxies and the public origin.
    pub deployment: Deployment,
    /// Two-factor sign-in not required, as with `--demo`.
    pub demo: bool,
    /// Failed sign-ins per minute the service allows from unknown clients (else the default).
    pub login_budget: Option<u32>,
    /// The SMTP relay notification emails go to (none: no email is sent).
    pub smtp_url: Option<String>,
    /// Load the demo organisation and its accounts (as `serve --demo`) instead of the test's.
    pub demo_org: bool,
    /// How many and how large files reporters may attach (else the defaults).
    pub attachments: Option<zhiyan::service::AttachmentPolicy>,
}

/// What the test knows of an account's authenticator: its secret, and the last step it used.
#[derive(Clone, Debug)]
pub struct Authenticator {
    pub secret: Vec<u8>,
    pub last_step: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub router: Router,
    pub service: Service,
    /// The test's own pool on the app's database, for looking at what was stored; the service's
    /// store is not the test's to reach into.
    pub store: Store,
    pub clock: FixedClock,
    /// Holds the SQLite file and the keyring (`keys/`); shared by every instance of one app.
    pub dir: Arc<tempfile::TempDir>,
    pub database_url: String,
    pg: Option<Arc<PgDatabase>>,
    deployment: Deployment,
    /// Every enrolled test account's authenticator, shared by the app's instances like a phone.
    pub authenticators: Arc<Mutex<HashMap<String, Authenticator>>>,
}

/// What every instance of one app shares besides the database.
struct Shared {
    dir: Arc<tempfile::TempDir>,
    pg: Option<Arc<PgDatabase>>,
    deployment: Deployment,
    authenticators: Arc<Mutex<HashMap<String, Authenticator>>>,
}

impl TestApp {
    /// A fresh app on `db`, or None for PostgreSQL when ZHIYAN_TEST_POSTGRES_URL is not set.
    pub async fn new(db: Db, opts: Options) -> Option<TestApp> {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, pg) = match db {
            Db::Sqlite => (
                format!("sqlite://{}", dir.path().join("zhiyan.db").display()),
                None,
            ),
            Db::Postgres => {
                let admin_url = std::env::var("ZHIYAN_TEST_POSTGRES_URL").ok()?;
                let pg = PgDatabase::create(&admin_url).await;
                (pg.url.clone(), Some(Arc::new(pg)))
            }
        };
        let store = Store::connect(&database_url, 2).await.unwrap();
        store.migrate().await.unwrap();
        let mut settings = Settings {
            release_delay: opts.release_delay,
            // Deadline tests move the clock by weeks; staff sessions must outlive that.
            session_ttl: 90 * 86_400,
            require_totp: !opts.demo,
            ..Settings::default()
        };
        settings.notify.smtp_url = opts.smtp_url;
        settings.notify.link_base = Some("https://zhiyan.example.gov.cn".into());
        if let Some(n) = opts.login_budget {
            settings.login_budget.max_failures = n;
        }
        if let Some(p) = opts.attachments {
            settings.attachments = p;
        }
        let shared = Shared {
            dir: Arc::new(dir),
            pg,
            deployment: opts.deployment,
            authenticators: Arc::default(),
        };
        let app = TestApp::build(
            shared,
            database_url,
            store,
            FixedClock::at(T0),
            settings,
            zhiyan::store::DEFAULT_ACQUIRE_TIMEOUT,
        )
        .await;
        if opts.demo_org {
            let demo = include_str!("../../../examples/demo-org.toml");
            app.service.load_demo(demo).await.unwrap();
        } else {
            app.service.import_org(ORG).await.unwrap();
        }
        Some(app)
    }

    /// A fresh app on SQLite, for tests that need only one backend.
    pub async fn sqlite() -> TestApp {
        TestApp::new(Db::Sqlite, Options::default()).await.unwrap()
    }

    /// A fresh app on PostgreSQL, or None (after saying that `what` is skipped) when
    /// ZHIYAN_TEST_POSTGRES_URL is not set.
    pub async fn postgres(what: &str, opts: Options) -> Option<TestApp> {
        let app = TestApp::new(Db::Postgres, opts).await;
        if app.is_none() {
            eprintln!("{what} skipped: ZHIYAN_TEST_POSTGRES_URL is not set");
        }
        app
    }

    async fn build(
        shared: Shared,
        database_url: String,
        store: Store,
        clock: FixedClock,
        settings: Settings,
        acquire_timeout: Duration,
    ) -> TestApp {
        let Shared {
            dir,
            pg,
            deployment,
            authenticators,
        } = shared;
        let service_store = Store::connect_with(&database_url, 5, acquire_timeout)
            .await
            .unwrap();
        let keys = Keyring::load_or_create(&dir.path().join("keys")).unwrap();
        let service = Service::new(service_store, keys, Arc::new(clock.clone()), settings);
        let state = zhiyan::web::AppState::new(service.clone(), deployment.clone()).unwrap();
        TestApp {
            router: zhiyan::web::router(state),
            service,
            store,
            clock,
            dir,
            database_url,
            pg,
            deployment,
            authenticators,
        }
    }

    /// Another app instance on the same database, keyring and clock: its own connection pool,
    /// service and router (and so its own in-memory rate limiter), as a second server would have.
    pub async fn second_instance(&self) -> TestApp {
        self.instance_on(&self.database_url, zhiyan::store::DEFAULT_ACQUIRE_TIMEOUT)
            .await
    }

    /// Another instance that reaches the same database through `database_url` (e.g. via a proxy),
    /// waiting at most `acquire_timeout` for a connection. Its `store` is this app's: the test looks
    /// at the database directly, never through the instance's way in.
    pub async fn instance_on(&self, database_url: &str, acquire_timeout: Duration) -> TestApp {
        let shared = Shared {
            dir: self.dir.clone(),
            pg: self.pg.clone(),
            deployment: self.deployment.clone(),
            authenticators: self.authenticators.clone(),
        };
        TestApp::build(
            shared,
            database_url.to_string(),
            self.store.clone(),
            self.clock.clone(),
            self.service.settings().clone(),
            acquire_timeout,
        )
        .await
    }

    /// The data directory the keyring lives in (what `--data-dir` is for the binary).
    pub fn keys_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("keys")
    }

    /// Report `id` as stored (its lifecycle, as the domain sees it).
    pub async fn report(&self, id: &str) -> Item {
        self.store.item(id).await.unwrap().unwrap().item
    }

    pub async fn department_of(&self, id: &str) -> String {
        self.report(id).await.department
    }

    /// The test clock's time.
    pub fn clock_now(&self) -> i64 {
        use zhiyan::domain::Clock;
        self.clock.now()
    }

    /// What the background job does when release times come: reports and reporter actions whose
    /// delay has run out reach staff. (Staff reads do it too; staff writes do not.)
    pub async fn release_due(&self) {
        self.service.release_due().await.unwrap();
    }

    /// How many events the audit chain holds (read, not verified).
    pub async fn chain_length(&self) -> i64 {
        self.store.chain_head().await.unwrap().0
    }
}
