//! chromedriver and two Chromium sessions per walk (see the module above): starting them, the
//! walker's clicks and keys, the auditor's measurements and axe-core.
use super::Lang;
use crate::support::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// A viewport.
#[derive(Clone, Copy)]
pub struct Size {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Size {
    pub const PHONE: Size = Size {
        name: "phone",
        width: 360,
        height: 740,
    };
    pub const LAPTOP: Size = Size {
        name: "laptop",
        width: 1280,
        height: 800,
    };
}

/// chromedriver, running for the whole test, and axe-core's source.
pub struct Browser {
    url: String,
    _driver: Driver,
    axe: String,
}

/// The chromedriver process, ended with the test, and its port.
struct Driver(Child, u16);

impl Drop for Driver {
    /// Asked to shut down, chromedriver quits the browsers it started (also those of a walk that
    /// failed half-way); killed, it would leave them running. It is killed only if it does not
    /// exit within the bound.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.1)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = s.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = s.read(&mut [0u8; 512]);
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long chromedriver may take to listen, and a page to answer: generous upper bounds, waited on
/// by polling the socket (nothing waits for time itself to pass).
const START_LIMIT: Duration = Duration::from_secs(30);

impl Browser {
    pub async fn start() -> Browser {
        let axe_path = std::env::var("ZHIYAN_AXE_JS").unwrap_or_else(|_| {
            let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
            format!("{target}/axe/node_modules/axe-core/axe.min.js")
        });
        let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| {
            panic!("axe-core is needed at {axe_path} (ZHIYAN_AXE_JS): {e}; .ci/run installs it")
        });
        let port = free_port().await;
        let driver = Command::new(
            std::env::var("ZHIYAN_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .args(
            std::env::var("ZHIYAN_CHROMEDRIVER_LOG")
                .map(|p| vec![format!("--log-path={p}"), "--verbose".into()])
                .unwrap_or_default(),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|child| Driver(child, port))
        .expect("chromedriver (Debian's chromium-driver) must be installed");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(
                started.elapsed() < START_LIMIT,
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Browser {
            url: format!("http://127.0.0.1:{port}"),
            _driver: driver,
            axe,
        }
    }

    async fn session(&self, size: Size, lang: Lang) -> Client {
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            format!("--lang={}", lang.tag),
            format!("--window-size={},{}", size.width, size.height),
        ];
        if let Ok(extra) = std::env::var("ZHIYAN_CHROMIUM_ARGS") {
            args.extend(extra.split_whitespace().map(str::to_string));
        }
        let mut chrome = json!({
            "args": args,
            // A phone's viewport exactly (a desktop window cannot be made that narrow).
            "mobileEmulation": { "deviceMetrics": {
                "width": size.width, "height": size.height, "pixelRatio": 1.0, "mobile": size.width < 600
            } },
        });
        if let Ok(binary) = std::env::var("ZHIYAN_CHROMIUM") {
            chrome["binary"] = json!(binary);
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": chrome,
            "timeouts": { "script": 120_000, "pageLoad": 60_000 },
        });
        let caps = caps.as_object().unwrap().clone();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session through chromedriver")
    }
}

/// The app's router on a real socket; its origin.
pub async fn serve(app: &TestApp) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(zhiyan::serve(
        listener,
        router,
        Default::default(),
        std::future::pending(),
    ));
    origin
}

async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

/// One walk's two sessions.
pub struct Page<'a> {
    browser: &'a Browser,
    walker: Client,
    auditor: Client,
    origin: String,
    lang: Lang,
    size: Size,
    audited: usize,
}

impl<'a> Page<'a> {
    pub async fn open(browser: &'a Browser, origin: &str, lang: Lang, size: Size) -> Page<'a> {
        Page {
            walker: browser.session(size, lang).await,
            auditor: browser.session(size, lang).await,
            browser,
            origin: origin.to_string(),
            lang,
            size,
            audited: 0,
        }
    }

    fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{}{path}{sep}lang={}", self.origin, self.lang.tag)
    }

    fn at(&self, what: &str) -> String {
        format!("[{} {}] {what}", self.lang.tag, self.size.name)
    }

    pub async fn goto(&self, path: &str) {
        self.walker.goto(&self.url(path)).await.unwrap();
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.walker
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.at(&format!("no {css} on the page"))))
    }

    pub async fn type_in(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Press the submit button of the first form matching `form`, and wait for the page it leads to.
    pub async fn submit(&self, form: &str) {
        self.leave_by(&format!("{form} button[type=submit]")).await;
    }

    /// Click a link or button that leads to another page, and wait until that page has loaded:
    /// the old document gone (its root element stale), the new one complete.
    pub async fn leave_by(&self, css: &str) {
        let old = self.find("html").await;
        self.click(css).await;
        let started = Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(
                started.elapsed() < START_LIMIT,
                "{}",
                self.at(&format!("{css} led nowhere"))
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        loop {
            let state = self
                .walker
                .execute("return document.readyState;", vec![])
                .await;
            if state.is_ok_and(|s| s == "complete") {
                break;
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "{}",
                self.at(&format!("{css}: page never loaded"))
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Type the receipt on the follow-up page and open the report.
    pub async fn follow(&self, receipt: &str) {
        self.goto("/follow").await;
        self.type_in("#receipt", receipt).await;
        self.submit("form[action^='/follow?']").await;
    }

    /// On the sign-in page (where a staff page sent us): name, password, the authenticator's code.
    pub async fn sign_in(&self, app: &TestApp, username: &str) {
        let url = self.walker.current_url().await.unwrap();
        assert!(url.path() == "/staff/login", "{}", self.at(url.as_str()));
        self.type_in("#username", username).await;
        self.type_in("#password", crate::support::staff::PASSWORD)
            .await;
        self.type_in("#totp", &app.totp(username)).await;
        self.submit("form[action^='/staff/login']").await;
    }

    pub async fn sign_out(&self) {
        self.submit("form[action^='/staff/logout']").await;
    }

    /// What a person sees here: `texts` in the main content; no sideways scroll; and axe-core finds
    /// nothing against WCAG 2.1 AA.
    pub async fn check(&mut self, state: &str, texts: &[&str]) {
        eprintln!("{}", self.at(state));
        self.no_page_script(state).await;
        let main = self.find("main").await.text().await.unwrap();
        for t in texts {
            assert!(
                main.contains(t),
                "{}",
                self.at(&format!("{state}: no {t:?} in {main}"))
            );
        }
        self.mirror().await;
        let widths = self
            .auditor
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (scroll, inner) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
        assert!(
            scroll <= inner,
            "{}",
            self.at(&format!("{state}: scrolls sideways ({scroll} > {inner})"))
        );
        if inner != f64::from(self.size.width) {
            // A phone widens its layout viewport to fit what overflows: name what does.
            let wide = self
                .auditor
                .execute(
                    "const w = arguments[0];
                     return [...document.querySelectorAll('body *')]
                         .filter(e => e.getBoundingClientRect().right > w + 0.5)
                         .slice(0, 8)
                         .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
                             + ' ' + (e.textContent || '').trim().slice(0, 40));",
                    vec![json!(self.size.width)],
                )
                .await
                .unwrap();
            panic!(
                "{}",
                self.at(&format!("{state}: wider than the screen ({inner}): {wide}"))
            );
        }
        let violations = self.axe().await;
        assert!(
            violations.as_array().is_some_and(Vec::is_empty),
            "{}",
            self.at(&format!(
                "{state}: axe-core WCAG 2.1 AA violations: {}",
                serde_json::to_string_pretty(&violations).unwrap()
            ))
        );
        self.audited += 1;
    }

    /// JavaScript is off for the pages: none carries a script, and their CSP (`default-src 'none'`,
    /// no script-src) makes the browser refuse any, as an inserted one shows. (Chrome's own
    /// "JavaScript blocked" setting cannot be used: it stops chromedriver's timers too, and clicks
    /// never return. WebDriver's commands are not page scripts.)
    async fn no_page_script(&self, state: &str) {
        let html = self.walker.source().await.unwrap();
        assert!(
            !html.to_lowercase().contains("<script"),
            "{}",
            self.at(&format!("{state}: a script in the page"))
        );
        let csp_blocked = self
            .walker
            .execute(
                "const s = document.createElement('script');
                 s.textContent = 'window.__ran = true;';
                 document.head.appendChild(s);
                 const ran = window.__ran === true; s.remove(); return !ran;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            csp_blocked,
            true,
            "{}",
            self.at(&format!("{state}: scripts would run"))
        );
    }

    /// The walker's page as it is now, written into the auditor (see `show`).
    async fn mirror(&self) {
        let html = self.walker.source().await.unwrap();
        self.show(html).await;
    }

    /// `html` written into a page of the same origin in the auditor (the same stylesheet, the same
    /// viewport), once it has loaded.
    async fn show(&self, html: String) {
        self.auditor
            .goto(&format!("{}/", self.origin))
            .await
            .unwrap();
        self.auditor
            .execute(
                "document.open(); document.write(arguments[0]); document.close();",
                vec![Value::String(html)],
            )
            .await
            .unwrap();
        self.auditor
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const ready = () => document.fonts.ready.then(() => done(true));
                 if (document.readyState === 'complete') ready();
                 else window.addEventListener('load', ready);",
                vec![],
            )
            .await
            .unwrap();
    }

    /// The audit can fail: a page with an image without a text alternative is reported.
    pub async fn axe_finds_a_missing_alt(&self) {
        let bad = r#"<!doctype html><html lang="en"><title>t</title><main><img src="/x.png"></main></html>"#;
        self.show(bad.to_string()).await;
        let found = self.axe().await;
        let ids: Vec<&str> = found
            .as_array()
            .map(|v| v.iter().filter_map(|x| x["id"].as_str()).collect())
            .unwrap_or_default();
        assert!(ids.contains(&"image-alt"), "axe-core found {found}");
    }

    async fn axe(&self) -> Value {
        self.auditor
            .execute(&format!("{}\n;return true;", self.browser.axe), vec![])
            .await
            .unwrap();
        self.auditor
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {
                     runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
                     resultTypes: ['violations'],
                 }).then(r => done(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
                 })))).catch(e => done({ error: String(e) }));",
                vec![],
            )
            .await
            .unwrap()
    }

    /// The text of `css` (an inline element), which must sit on one line.
    pub async fn one_line(&self, css: &str) -> String {
        self.mirror().await;
        let r = self
            .auditor
            .execute(
                "const e = document.querySelector(arguments[0]);
                 return [e.getClientRects().length, e.textContent.trim()];",
                vec![Value::String(css.into())],
            )
            .await
            .unwrap();
        assert_eq!(r[0], 1, "{}", self.at(&format!("{css} breaks over lines")));
        r[1].as_str().unwrap().to_string()
    }

    /// The first `css` element lies within the viewport's width, without scrolling anything.
    pub async fn in_view(&self, css: &str) {
        self.mirror().await;
        let r = self
            .auditor
            .execute(
                "const e = document.querySelector(arguments[0]);
                 const r = e.getBoundingClientRect();
                 return [r.left, r.right, window.innerWidth];",
                vec![Value::String(css.into())],
            )
            .await
            .unwrap();
        let (left, right, inner) = (
            r[0].as_f64().unwrap(),
            r[1].as_f64().unwrap(),
            r[2].as_f64().unwrap(),
        );
        assert!(
            left >= 0.0 && right <= inner,
            "{}",
            self.at(&format!("{css} is out of view: {left}..{right} of {inner}"))
        );
    }

    /// Save what the walker shows, for the README, when ZHIYAN_SCREENSHOTS names a folder.
    pub async fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("ZHIYAN_SCREENSHOTS") else {
            return;
        };
        let png = self.walker.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    /// End both sessions; how many page states were audited.
    pub async fn close(self) -> usize {
        self.walker.close().await.unwrap();
        self.auditor.close().await.unwrap();
        self.audited
    }
}
