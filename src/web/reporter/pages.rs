//! The report form, its preview and the receipt page. The form posts to the preview, which shows
//! exactly what the department will see and what in the text could point to the reporter; from
//! there the reporter goes back to edit (the form again, refilled) or confirms (the submission).
//! Between the steps the text travels only in the page's own hidden fields: nothing is stored, no
//! cookie is set. The receipt is shown once, in the answer to the post (no redirect that could
//! carry it).
use super::commands::NewReport;
use crate::domain::text::Field;
use crate::service::Error as ServiceError;
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{Done, Once, PageForm};
use crate::web::lang::Lang;
use crate::web::render::{names, render, with_depth};
use crate::web::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

pub async fn new_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    form_page(&s, lang, &NewReport::default(), None).await
}

/// "Edit" on the preview: the form again, with everything as the reporter wrote it.
pub async fn edit(
    State(s): State<AppState>,
    lang: Lang,
    PageForm(input): PageForm<NewReport>,
) -> Result<Html<String>> {
    form_page(&s, lang, &input, None).await
}

/// The preview: what the department will see, warnings, and the two ways on. A field error goes
/// back to the form, as a submission's would.
pub async fn preview(
    State(s): State<AppState>,
    lang: Lang,
    PageForm(input): PageForm<NewReport>,
) -> Result<Response> {
    match s.service.preview(&input).await.map_err(Error::from) {
        Ok(preview) => {
            let catalog = s.service.catalog().await?;
            let ctx = context! {
                preview => preview,
                form => form_values(&input),
                names => names(&catalog),
            };
            Ok(
                render(&s, lang, "reporter/preview.html", "/report/new", None, ctx)?
                    .into_response(),
            )
        }
        Err(e @ Error::Service(ServiceError::Field(_))) => {
            let page = form_page(&s, lang, &input, Some(&e)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
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

/// The submit form, refilled after an error so that nothing the reporter typed is lost.
async fn form_page(
    s: &AppState,
    lang: Lang,
    input: &NewReport,
    error: Option<&Error>,
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
    let ctx = context! {
        catalog => context! {
            categories => catalog.categories,
            areas => with_depth(&catalog.areas),
            departments => with_depth(&catalog.departments),
        },
        form => form_values(input),
        errors => errors,
        error_fields => error_fields,
    };
    render(s, lang, "reporter/new.html", "/report/new", None, ctx)
}

pub async fn submit(
    State(s): State<AppState>,
    lang: Lang,
    Once(token, PageForm(input)): Once<PageForm<NewReport>>,
) -> Result<Response> {
    let result = match token.once(&s, s.service.submit(input.clone())).await? {
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
        Err(e @ Error::Service(ServiceError::Field(_))) => {
            let page = form_page(&s, lang, &input, Some(&e)).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}
