//! Test app built from the real router, on its own database: a fresh SQLite file always, and a fresh
//! PostgreSQL database (dropped afterwards) when ZHIYAN_TEST_POSTGRES_URL is set. Time comes from a
//! FixedClock the test moves; nothing sleeps.
#![allow(dead_code)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use zhiyan::crypto::Keyring;
use zhiyan::domain::FixedClock;
use zhiyan::service::{Role, Service, Settings};
use zhiyan::store::Store;

/// 2026-11-20T02:00:00Z, a Friday morning in UTC+8.
pub const T0: i64 = 1_795_140_000;
pub const PASSWORD: &str = "correct horse battery staple";

pub const ORG: &str = r#"
triage = "county"

[[departments]]
code = "county"
name = "某县人民政府"
name_en = "County Government"
[[departments]]
code = "civil-affairs"
name = "县民政局"
parent = "county"
[[departments]]
code = "agriculture"
name = "县农业农村局"
parent = "county"
[[departments]]
code = "agri-station"
name = "县农技推广站"
parent = "agriculture"
[[departments]]
code = "education"
name = "县教育局"
parent = "county"

[[areas]]
code = "county"
name = "某县"
[[areas]]
code = "xinhe"
name = "新河镇"
parent = "county"
[[areas]]
code = "xinhe-east"
name = "东村"
parent = "xinhe"
[[areas]]
code = "baishui"
name = "白水镇"
parent = "county"

[[categories]]
code = "duplicate-inspections"
name = "重复检查考核"
acknowledge_within = "2d"
respond_within = "15d"
confirm_within = "14d"
[[categories]]
code = "excessive-paperwork"
name = "过多台账"
acknowledge_within = "2d"
respond_within = "10d"
confirm_within = "14d"
[[categories]]
code = "other"
name = "其他"
acknowledge_within = "3d"
respond_within = "20d"
confirm_within = "14d"

[[rules]]
category = "duplicate-inspections"
department = "civil-affairs"
[[rules]]
category = "duplicate-inspections"
area = "xinhe"
department = "agriculture"
[[rules]]
category = "excessive-paperwork"
department = "agri-station"
[[rules]]
area = "baishui"
department = "education"
"#;

/// Test app options; the default releases reporter text at once.
#[derive(Default)]
pub struct Options {
    pub release_delay: i64,
}

pub struct TestApp {
    pub router: Router,
    pub service: Service,
    store: Store,
    pub clock: FixedClock,
    /// Holds the SQLite file and the keyring (`keys/`); shared by every instance of one app.
    pub dir: Arc<tempfile::TempDir>,
    pub database_url: String,
    pg: Option<Arc<PgDatabase>>,
}

/// A PostgreSQL database with a random name, dropped (WITH (FORCE)) when the last holder drops it.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    /// The URL of the new database (the admin URL with the database name replaced).
    pub url: String,
}

impl PgDatabase {
    /// Create a fresh database on the server of `admin_url` (its user needs CREATEDB).
    pub async fn create(admin_url: &str) -> PgDatabase {
        let name = format!(
            "zhiyan_test_{}",
            hex::encode(zhiyan::crypto::random_bytes::<6>())
        );
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("the PostgreSQL URL is set but the server is unreachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .await
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(b, _)| b)
            .to_string();
        PgDatabase {
            admin_url: admin_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
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
        let settings = Settings {
            release_delay: opts.release_delay,
            // Deadline tests move the clock by weeks; staff sessions must outlive that.
            session_ttl: 90 * 86_400,
            ..Settings::default()
        };
        let app = TestApp::build(
            Arc::new(dir),
            database_url,
            pg,
            FixedClock::at(T0),
            settings,
            zhiyan::store::DEFAULT_ACQUIRE_TIMEOUT,
        )
        .await;
        app.store().migrate().await.unwrap();
        app.service.import_org(ORG).await.unwrap();
        Some(app)
    }

    async fn build(
        dir: Arc<tempfile::TempDir>,
        database_url: String,
        pg: Option<Arc<PgDatabase>>,
        clock: FixedClock,
        settings: Settings,
        acquire_timeout: Duration,
    ) -> TestApp {
        let store = Store::connect_with(&database_url, 5, acquire_timeout)
            .await
            .unwrap();
        let keys = Keyring::load_or_create(&dir.path().join("keys")).unwrap();
        let service = Service::new(store.clone(), keys, Arc::new(clock.clone()), settings);
        let state = zhiyan::web::AppState::new(service.clone(), false).unwrap();
        TestApp {
            router: zhiyan::web::router(state),
            service,
            store,
            clock,
            dir,
            database_url,
            pg,
        }
    }

    /// Another app instance on the same database, keyring and clock: its own connection pool,
    /// service and router (and so its own in-memory rate limiter), as a second server would have.
    pub async fn second_instance(&self) -> TestApp {
        self.instance_on(&self.database_url, zhiyan::store::DEFAULT_ACQUIRE_TIMEOUT)
            .await
    }

    /// Another instance that reaches the same database through `database_url` (e.g. via a proxy),
    /// waiting at most `acquire_timeout` for a connection.
    pub async fn instance_on(&self, database_url: &str, acquire_timeout: Duration) -> TestApp {
        TestApp::build(
            self.dir.clone(),
            database_url.to_string(),
            self.pg.clone(),
            self.clock.clone(),
            self.service.settings().clone(),
            acquire_timeout,
        )
        .await
    }

    /// The app's database, for tests that inspect it behind the application's back.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The data directory the keyring lives in (what `--data-dir` is for the binary).
    pub fn keys_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("keys")
    }

    pub async fn user(&self, username: &str, role: Role, department: Option<&str>) {
        self.service
            .create_user(username, role, department, PASSWORD)
            .await
            .unwrap();
    }

    pub async fn request(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        let mut req = req.unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        self.request(req).await
    }

    pub async fn get(&self, path: &str, auth: Option<&str>) -> Resp {
        self.call(Method::GET, path, auth, None).await
    }

    pub async fn post(&self, path: &str, auth: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, auth, Some(body)).await
    }

    /// POST an HTML form (optionally with a session cookie).
    pub async fn form(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.request(b.body(Body::from(body)).unwrap()).await
    }

    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.request(b.body(Body::empty()).unwrap()).await
    }

    /// Create a staff account and sign it in through the API; the `Authorization` header value.
    pub async fn signed_in(&self, username: &str, role: Role, department: Option<&str>) -> String {
        self.user(username, role, department).await;
        self.bearer(username).await
    }

    /// Sign in through the API; returns the `Authorization` header value.
    pub async fn bearer(&self, username: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        format!("Bearer {}", r.json()["token"].as_str().unwrap())
    }

    /// Sign in through the staff page; returns the `name=value` of the session cookie.
    pub async fn cookie(&self, username: &str) -> String {
        let r = self
            .form(
                "/staff/login",
                None,
                &[("username", username), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    /// `POST /api/v1/desk/items/{id}/acknowledge` as the holder of `bearer`.
    pub async fn acknowledge(&self, id: &str, bearer: &str) -> Resp {
        let path = format!("/api/v1/desk/items/{id}/acknowledge");
        self.post(&path, Some(bearer), json!({})).await
    }

    /// Submit a report through the API; returns (id, receipt header value).
    pub async fn submit(
        &self,
        category: &str,
        area: &str,
        subject: Option<&str>,
    ) -> (String, String) {
        let mut body = json!({ "category": category, "area": area, "title": "同一检查一月三次", "body": "县里三个部门先后来检查同一项工作。" });
        if let Some(s) = subject {
            body["subject_department"] = s.into();
        }
        let r = self.post("/api/v1/reports", None, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        (
            v["id"].as_str().unwrap().to_string(),
            format!("Receipt {}", v["receipt"].as_str().unwrap()),
        )
    }

    pub async fn department_of(&self, id: &str) -> String {
        self.store()
            .item(id)
            .await
            .unwrap()
            .unwrap()
            .item
            .department
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Declare a test that runs once on SQLite and once on PostgreSQL (when configured).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let app = common::TestApp::new(common::Db::Sqlite, Default::default())
                    .await
                    .unwrap();
                ($body)(app).await;
            }
            #[tokio::test]
            async fn postgres() {
                match common::TestApp::new(common::Db::Postgres, Default::default()).await {
                    Some(app) => ($body)(app).await,
                    None => {
                        eprintln!("PostgreSQL half skipped: ZHIYAN_TEST_POSTGRES_URL is not set")
                    }
                }
            }
        }
    };
}
