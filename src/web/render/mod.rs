//! Pages: the compiled templates and catalogs, rendering with what every page shares, and the lookup
//! tables and notices the page handlers pass to templates.
#[cfg(test)]
mod catalog_keys;
mod names;
mod notice;
mod templates;

pub use names::{local_name, names, with_depth};
pub use notice::Notice;
pub use templates::{Templates, STYLESHEET};

use super::error::Result;
use super::lang::Lang;
use super::AppState;
use crate::service::StaffUser;
use axum::response::Html;
use minijinja::{context, Value};
use secrecy::ExposeSecret;

/// Render `name` for `path` (the page's own URL, for the language switch and the current nav entry),
/// with the signed-in staff member and their CSRF token when there is one.
pub fn render(
    state: &AppState,
    lang: Lang,
    name: &str,
    path: &str,
    staff: Option<&StaffUser>,
    ctx: Value,
) -> Result<Html<String>> {
    let staff_ctx = staff.map(|s| context! { username => s.username, role => s.role.as_str(), department => s.department, enrolling => s.enrolling });
    let csrf = staff
        .map(|s| s.csrf_token.expose_secret().to_string())
        .unwrap_or_default();
    let form_token = crate::web::extract::new_token();
    let now = state.service.now();
    let full = context! { path => path, staff => staff_ctx, csrf => csrf, form_token => form_token, now => now, ..ctx };
    state.templates.render(name, lang, full)
}
