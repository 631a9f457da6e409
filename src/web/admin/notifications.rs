//! Notification channels in the administrators' pages: each department's webhook (set, remove,
//! send a test message) and a test email to an account's address.
use super::commands::{SetWebhook, TestEmail};
use crate::service::{Error as ServiceError, StaffUser};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::{NoFields, PageStaff, Path, StaffForm};
use crate::web::lang::Lang;
use crate::web::render::{names, render, with_depth};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

const PATH: &str = "/admin/notifications";

/// What the page says above its forms: a notice key, a made secret shown once, or an error.
#[derive(Default)]
struct Said {
    notice: Option<&'static str>,
    secret: Option<String>,
    error: Option<String>,
}

async fn notifications_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    said: Said,
) -> Result<Html<String>> {
    let webhooks = s.service.webhooks(u).await?;
    let org = s.service.org_view(u).await?;
    let catalog = s.service.catalog().await?;
    let ctx = context! {
        webhooks => webhooks,
        departments => with_depth(&org.departments),
        names => names(&catalog),
        notice => said.notice.and_then(|k| s.templates.text(lang, k)),
        secret => said.secret,
        error => said.error,
    };
    render(s, lang, "admin/notifications.html", PATH, Some(u), ctx)
}

pub async fn page(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
) -> Result<Html<String>> {
    notifications_page(&s, lang, &u, Said::default()).await
}

/// Input problems and failed test messages are said on the page; anything else is the error page.
async fn answer(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    done: std::result::Result<Said, ServiceError>,
) -> Result<Response> {
    match done.map_err(Error::from) {
        Ok(said) => Ok(notifications_page(s, lang, u, said).await?.into_response()),
        Err(e @ Error::Service(ServiceError::Field(_) | ServiceError::DeliveryFailed(_))) => {
            let error = Some(localize(s, lang, &ErrorInfo::from(&e)));
            let page = notifications_page(
                s,
                lang,
                u,
                Said {
                    error,
                    ..Said::default()
                },
            );
            Ok(e.page(page.await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn set(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<SetWebhook>,
) -> Result<Response> {
    let done = s
        .service
        .set_webhook(&u, c.department.trim(), &c.input())
        .await
        .map(|saved| Said {
            notice: Some("admin.webhook_saved"),
            secret: saved.secret,
            error: None,
        });
    answer(&s, lang, &u, done).await
}

pub async fn remove(
    State(s): State<AppState>,
    lang: Lang,
    Path(department): Path<String>,
    StaffForm(u, NoFields {}): StaffForm<NoFields>,
) -> Result<Response> {
    let done = s
        .service
        .delete_webhook(&u, &department)
        .await
        .map(|()| Said {
            notice: Some("admin.webhook_removed"),
            ..Said::default()
        });
    answer(&s, lang, &u, done).await
}

pub async fn test_webhook(
    State(s): State<AppState>,
    lang: Lang,
    Path(department): Path<String>,
    StaffForm(u, NoFields {}): StaffForm<NoFields>,
) -> Result<Response> {
    let done = s
        .service
        .test_webhook(&u, &department)
        .await
        .map(|()| Said {
            notice: Some("admin.test_sent"),
            ..Said::default()
        });
    answer(&s, lang, &u, done).await
}

pub async fn test_email(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<TestEmail>,
) -> Result<Response> {
    let done = s
        .service
        .test_email(&u, c.username.trim())
        .await
        .map(|()| Said {
            notice: Some("admin.test_sent"),
            ..Said::default()
        });
    answer(&s, lang, &u, done).await
}
