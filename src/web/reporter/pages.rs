//! The report form, its preview and the receipt page. The form posts to the preview, which shows
//! exactly what the department will see and what in the text could point to the reporter; from
//! there the reporter goes back to edit (the form again, refilled) or confirms (the submission).
//! Between the steps the text travels only in the page's own hidden fields: nothing is stored, no
//! cookie is set. The receipt is shown once, in the answer to the post (no redirect that could
//! carry it).
use super::commands::NewReport;
use crate::domain::text::Field;
use crate::service::Error as ServiceError;
use crate::service::Upload;
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{Done, Once, PageUpload, KEPT};
use crate::web::lang::Lang;
use crate::web::render::{names, render, with_depth};
use crate::web::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use minijinja::context;

pub async fn new_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    form_page(&s, lang, &NewReport::default(), None, &[]).await
}

/// "Edit" on the preview: the form again, with everything as the reporter wrote it and the files
/// they attached carried on.
pub async fn edit(
    State(s): State<AppState>,
    lang: Lang,
    PageUpload(input, files): PageUpload<NewReport>,
) -> Result<Html<String>> {
    form_page(&s, lang, &input, None, &files).await
}

/// The preview: what the department will see, the files as they will be stored (what was removed
/// from each; images shown), warnings, and the two ways on. A field's or a file's error goes back to
/// the form, as a submission's would.
pub async fn preview(
    State(s): State<AppState>,
    lang: Lang,
    PageUpload(input, files): PageUpload<NewReport>,
) -> Result<Response> {
    match s
        .service
        .preview_with_files(&input, files.clone())
        .await
        .map_err(Error::from)
    {
        Ok((preview, cleaned)) => {
            let catalog = s.service.catalog().await?;
            let files: Vec<_> = preview
                .attachments
                .iter()
                .zip(&cleaned)
                .map(|(view, c)| {
                    let data = B64.encode(&c.bytes);
                    let image = view
                        .image
                        .then(|| format!("data:{};base64,{data}", c.kind.mime()));
                    context! { view => view, kept => data, image => image }
                })
                .collect();
            let ctx = context! {
                preview => preview,
                files => files,
                kept_field => KEPT,
                form => form_values(&input),
                names => names(&catalog),
            };
            let page = render(&s, lang, "reporter/preview.html", "/report/new", None, ctx)?;
            // The cleaned images are shown from the page itself: nothing of them is stored yet.
            Ok(([(header::CONTENT_SECURITY_POLICY, PREVIEW_CSP)], page).into_response())
        }
        Err(e) => back_to_form(&s, lang, &input, e, &files).await,
    }
}

/// The page's policy, as everywhere, plus images from `data:` URLs (the cleaned files).
const PREVIEW_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                           form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A field's or a file's problem: the form again with it (files kept unless a file was the
/// problem); any other error as it is.
async fn back_to_form(
    s: &AppState,
    lang: Lang,
    input: &NewReport,
    e: Error,
    files: &[Upload],
) -> Result<Response> {
    match e {
        Error::Service(ServiceError::Field(_)) => {
            let page = form_page(s, lang, input, Some(&e), files).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Error::Service(ServiceError::Attachment(_)) => {
            let page = form_page(s, lang, input, Some(&e), &[]).await?;
            Ok((e.status(), page).into_response())
        }
        e => Err(e),
    }
}

/// The form's fields as the reporter typed them, for refilling the form or carrying them on.
fn form_values(input: &NewReport) -> minijinja::Value {
    context! {
        category => input.category,
        area => input.area,
        subject_department => input.subject_department.clone().unwrap_or_default(),
        title => input.title,
        body => input.body,
    }
}

/// The submit form, refilled after an error so that nothing the reporter typed is lost; files
/// already attached are carried on in hidden fields.
async fn form_page(
    s: &AppState,
    lang: Lang,
    input: &NewReport,
    error: Option<&Error>,
    files: &[Upload],
) -> Result<Html<String>> {
    let catalog = s.service.catalog().await?;
    // A field's problem: all of the form's problems, each field marked, not only the first.
    let all = match error {
        Some(Error::Service(ServiceError::Field(_))) => s.service.report_problems(input).await?,
        _ => Vec::new(),
    };
    let mut infos: Vec<ErrorInfo> = all
        .into_iter()
        .map(|e| ErrorInfo::from(&Error::from(e)))
        .collect();
    if infos.is_empty() {
        infos.extend(error.map(ErrorInfo::from));
    }
    let errors: Vec<String> = infos.iter().map(|i| localize(s, lang, i)).collect();
    let error_fields: Vec<&str> = infos
        .iter()
        .filter_map(|i| i.field)
        .map(Field::as_str)
        .collect();
    let kept: Vec<String> = files.iter().map(|f| B64.encode(&f.bytes)).collect();
    let policy = s.service.settings().attachments;
    let ctx = context! {
        catalog => context! {
            categories => catalog.categories,
            areas => with_depth(&catalog.areas),
            departments => with_depth(&catalog.departments),
        },
        form => form_values(input),
        errors => errors,
        error_fields => error_fields,
        kept => kept,
        kept_field => KEPT,
        max_files => policy.max_count,
        max_mib => policy.max_bytes >> 20,
    };
    render(s, lang, "reporter/new.html", "/report/new", None, ctx)
}

pub async fn submit(
    State(s): State<AppState>,
    lang: Lang,
    Once(token, PageUpload(input, files)): Once<PageUpload<NewReport>>,
) -> Result<Response> {
    let submitting = s.service.submit_with_files(input.clone(), files.clone());
    let result = match token.once(&s, submitting).await? {
        Done::First(r) => r.map_err(Error::from),
        Done::Again => {
            let page = render(
                &s,
                lang,
                "reporter/already_submitted.html",
                "/report/new",
                None,
                context! {},
            )?;
            return Ok(page.into_response());
        }
    };
    match result {
        Ok(submitted) => Ok(render(
            &s,
            lang,
            "reporter/receipt.html",
            "/report/new",
            None,
            context! { submitted => submitted },
        )?
        .into_response()),
        Err(e) => back_to_form(&s, lang, &input, e, &files).await,
    }
}
