//! The report form and the receipt page. The receipt is shown once, in the answer to the post (no
//! redirect that could carry it).
use super::commands::NewReport;
use crate::domain::text::Field;
use crate::service::Error as ServiceError;
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::PageForm;
use crate::web::lang::Lang;
use crate::web::render::{render, with_depth};
use crate::web::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

pub async fn new_form(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    form_page(&s, lang, &NewReport::default(), None).await
}

/// The submit form, refilled after an error so that nothing the reporter typed is lost.
async fn form_page(
    s: &AppState,
    lang: Lang,
    input: &NewReport,
    error: Option<&Error>,
) -> Result<Html<String>> {
    let catalog = s.service.catalog().await?;
    let info = error.map(ErrorInfo::from);
    let ctx = context! {
        catalog => context! {
            categories => catalog.categories,
            areas => with_depth(&catalog.areas),
            departments => with_depth(&catalog.departments),
        },
        form => context! {
            category => input.category,
            area => input.area,
            subject_department => input.subject_department.clone().unwrap_or_default(),
            title => input.title,
            body => input.body,
        },
        error => info.as_ref().map(|i| localize(s, lang, i)),
        error_field => info.as_ref().and_then(|i| i.field).map(Field::as_str),
    };
    render(s, lang, "reporter/new.html", "/report/new", None, ctx)
}

pub async fn submit(
    State(s): State<AppState>,
    lang: Lang,
    PageForm(input): PageForm<NewReport>,
) -> Result<Response> {
    match s.service.submit(input.clone()).await.map_err(Error::from) {
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
