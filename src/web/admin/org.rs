//! The organisation in the administrators' pages: the trees, categories with their deadlines and the
//! routing rules; an organisation file uploaded, previewed (what it would add, change and retire,
//! and whether the rules are replaced) and then applied, all or nothing; the current file downloaded.
use super::commands::OrgFile;
use crate::service::{Error as ServiceError, StaffUser};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{PageStaff, StaffForm};
use crate::web::lang::Lang;
use crate::web::render::{names, render, with_depth};
use crate::web::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

const PATH: &str = "/admin/org";

async fn org_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Html<String>> {
    let org = s.service.org_view(u).await?;
    let catalog = s.service.catalog().await?;
    let notice = notice.and_then(|k| s.templates.text(lang, k));
    let ctx = context! {
        department_tree => with_depth(&org.departments),
        area_tree => with_depth(&org.areas),
        org => org,
        names => names(&catalog),
        notice => notice,
        error => error,
    };
    render(s, lang, "admin/org.html", PATH, Some(u), ctx)
}

pub async fn page(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
) -> Result<Html<String>> {
    org_page(&s, lang, &u, None, None).await
}

/// A file that does not validate, or an organisation changed since the preview: said on the page.
fn on_page(e: &Error) -> bool {
    matches!(
        e,
        Error::Service(ServiceError::InvalidOrg(_) | ServiceError::OrgChanged)
    )
}

pub async fn preview(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<OrgFile>,
) -> Result<Response> {
    match s
        .service
        .preview_org(&u, c.content())
        .await
        .map_err(Error::from)
    {
        Ok(preview) => {
            let catalog = s.service.catalog().await?;
            let ctx = context! {
                preview => preview,
                file => c.content(),
                names => names(&catalog),
            };
            Ok(render(&s, lang, "admin/org_preview.html", PATH, Some(&u), ctx)?.into_response())
        }
        Err(e) if on_page(&e) => {
            let m = localize(&s, lang, &ErrorInfo::from(&e));
            Ok(e.page(org_page(&s, lang, &u, None, Some(m)).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn apply(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<OrgFile>,
) -> Result<Response> {
    let applied = s
        .service
        .apply_org_file(&u, c.content(), c.base.as_deref())
        .await
        .map_err(Error::from);
    match applied {
        Ok(_) => Ok(org_page(&s, lang, &u, Some("admin.org_applied"), None)
            .await?
            .into_response()),
        Err(e) if on_page(&e) => {
            let m = localize(&s, lang, &ErrorInfo::from(&e));
            Ok(e.page(org_page(&s, lang, &u, None, Some(m)).await?))
        }
        Err(e) => Err(e),
    }
}

/// The current organisation file, as a download.
pub async fn file(State(s): State<AppState>, PageStaff(u): PageStaff) -> Result<Response> {
    let text = s.service.org_file(&u).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"organisation.toml\"",
            ),
        ],
        text,
    )
        .into_response())
}
