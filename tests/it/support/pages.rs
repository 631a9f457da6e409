//! A staff member in a browser: the session cookie, and the CSRF token every staff page carries
//! (one per session), sent with each form.
use super::staff::session_cookie;
use super::{Resp, TestApp};
use axum::http::{header, StatusCode};

pub struct StaffPages<'a> {
    app: &'a TestApp,
    /// `name=value` of the session cookie.
    pub cookie: String,
    pub csrf: String,
}

impl<'a> StaffPages<'a> {
    /// Sign in on the sign-in page and open the page it leads to, as a browser would.
    pub async fn sign_in(app: &'a TestApp, username: &str) -> StaffPages<'a> {
        let signed_in = app.sign_in_page(username).await;
        let cookie = session_cookie(&signed_in);
        let home = signed_in.headers[header::LOCATION].to_str().unwrap();
        let home = app.page(home, Some(&cookie)).await.expect(StatusCode::OK);
        StaffPages {
            app,
            csrf: csrf_token(&home.body),
            cookie,
        }
    }

    pub async fn open(&self, path: &str) -> Resp {
        self.app.page(path, Some(&self.cookie)).await
    }

    /// Post a form of the pages: `fields` and the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.app.form(path, Some(&self.cookie), &all).await
    }
}

/// The text between the first `start` and the next `end`.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not on the page"))
        + start.len();
    html[at..].split(end).next().unwrap()
}

/// The value of the page's `csrf` form field.
pub fn csrf_token(html: &str) -> String {
    between(html, "name=\"csrf\" value=\"", "\"").to_string()
}

/// The hidden fields of the form whose `action` starts with `action`, decoded as a browser would
/// send them back.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let form = between(html, &format!("action=\"{action}"), "</form>");
    form.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|input| {
            let name = between(input, "name=\"", "\"");
            let value = between(input, "value=\"", "\"");
            (unescape(name), unescape(value))
        })
        .collect()
}

/// What minijinja's HTML escaping undoes to.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}
