//! One item as staff see it, under the audience's own URLs (/desk/items/…, /oversight/items/…): as
//! JSON, as the page with the forms its state allows, and what a form post answers.
use super::audience::Audience;
use crate::domain::Outcome;
use crate::service::{Error as ServiceError, ItemDetail, ItemQuery, StaffUser};

/// The most reports a duplicate can be picked from on the item page.
const DUPLICATE_CHOICES: i64 = 200;
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{ApiStaff, Done, PageStaff};
use crate::web::extract::{Path, Query};
use crate::web::lang::Lang;
use crate::web::render::{names, render, with_depth, Notice};
use crate::web::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use minijinja::context;

/// `GET /api/v1/{desk,oversight}/items/{id}`.
pub async fn api<A: Audience>(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<ItemDetail>> {
    Ok(Json(s.service.item(&u, A::ROLE, &id).await?))
}

pub async fn page<A: Audience>(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    Path(id): Path<String>,
) -> Result<Html<String>> {
    render_page::<A>(&s, lang, &u, &id, None, None).await
}

/// The item, and what just happened: a notice or an error (shown above the forms).
async fn render_page<A: Audience>(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    id: &str,
    notice: Option<Notice>,
    error: Option<String>,
) -> Result<Html<String>> {
    let detail = s.service.item(u, A::ROLE, id).await?;
    let catalog = s.service.catalog().await?;
    // Merging a duplicate: the other open reports of the same department to pick from.
    let duplicate_candidates = if detail.actions.contains(&"duplicate") {
        let q = ItemQuery {
            department: Some(detail.summary.department.clone()),
            open_only: true,
            limit: Some(DUPLICATE_CHOICES),
            ..ItemQuery::default()
        };
        super::list::items::<A>(s, u, &q)
            .await?
            .into_iter()
            .filter(|i| i.id != detail.summary.id)
            .collect()
    } else {
        Vec::new()
    };
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let ctx = context! {
        actions => detail.actions.clone(),
        item => detail,
        base => A::BASE,
        departments => with_depth(&catalog.departments),
        outcomes => outcomes,
        names => names(&catalog),
        notice => notice.and_then(|n| s.templates.text(lang, n.key())),
        error => error,
        duplicate_candidates => duplicate_candidates,
    };
    let path = format!("{}/items/{id}", A::BASE);
    render(s, lang, "staff/item.html", &path, Some(u), ctx)
}

/// `?view=inline` on a file: an image shown in the browser rather than saved.
#[derive(serde::Deserialize)]
pub struct AttachmentQuery {
    view: String,
}

/// The policy of a file sent to staff: nothing in it runs, loads or is framed, whatever it is.
const FILE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox; \
                        frame-ancestors 'none'";

/// `GET …/items/{id}/attachments/{n}`: one of the item's files, for staff who can see the item
/// (404 otherwise), as a download (`Content-Disposition: attachment`) under its stored name; an
/// image, re-encoded when it was stored, may be shown inline. Every download is an audit event.
pub async fn attachment<A: Audience>(
    State(s): State<AppState>,
    PageStaff(u): PageStaff,
    Path((id, n)): Path<(String, i64)>,
    Query(q): Query<AttachmentQuery>,
) -> Result<Response> {
    let inline = q.is_some_and(|q| q.view == "inline");
    let file = s
        .service
        .download_attachment(&u, A::ROLE, &id, n, inline)
        .await?;
    let disposition = if inline && file.image {
        format!("inline; filename=\"{}\"", file.name)
    } else {
        format!("attachment; filename=\"{}\"", file.name)
    };
    let headers = [
        (header::CONTENT_TYPE, file.mime.to_string()),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CONTENT_SECURITY_POLICY, FILE_CSP.to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
    ];
    Ok((headers, file.bytes).into_response())
}

/// After a form post: the item again with `notice`, or with the error above its forms when the input
/// or the item's state was the problem; other errors get the error page.
pub async fn after<A: Audience>(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    id: &str,
    done: Done<crate::service::Result<()>>,
    notice: Notice,
) -> Result<Response> {
    let (r, notice) = match done {
        Done::First(r) => (r, notice),
        Done::Again => (Ok(()), Notice::AlreadyDone),
    };
    match r.map_err(Error::from) {
        Ok(()) => Ok(render_page::<A>(s, lang, u, id, Some(notice), None)
            .await?
            .into_response()),
        Err(
            e @ Error::Service(
                ServiceError::Field(_)
                | ServiceError::InvalidTransition(_)
                | ServiceError::Conflict,
            ),
        ) => {
            let info = ErrorInfo::from(&e);
            let message = localize(s, lang, &info);
            let page = render_page::<A>(s, lang, u, id, None, Some(message)).await?;
            Ok((info.status, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Before an action that cannot be taken back (reject, merge as a duplicate): the item, what will
/// happen, and a button that posts the same fields again with `confirmed`.
pub async fn confirm_page<A: Audience>(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Result<Response> {
    let detail = s.service.item(u, A::ROLE, id).await?;
    let fields: Vec<_> = fields
        .iter()
        .map(|(name, value)| context! { name => name, value => value })
        .collect();
    let ctx = context! {
        item => detail,
        base => A::BASE,
        action => action,
        fields => fields,
    };
    let path = format!("{}/items/{id}", A::BASE);
    Ok(render(s, lang, "staff/confirm.html", &path, Some(u), ctx)?.into_response())
}
