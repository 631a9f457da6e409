//! Every staff member's own account: the page (change the password, enrol or replace the second
//! factor, see and end sessions) and the same under /api/v1/account.
use super::commands::{ChangePassword, ConfirmTotp, SetNotifications};
use super::{cookies, home};
use crate::service::{Enrolment, Error as ServiceError, MyAccount, MyNotifications, StaffUser};
use crate::web::error::{localize, Error, ErrorInfo, Result};
use crate::web::extract::Path;
use crate::web::extract::{
    ApiJson, ApiStaff, EnrolmentForm, NoFields, PageEnrolling, PageStaff, StaffForm,
};
use crate::web::lang::Lang;
use crate::web::qr;
use crate::web::render::{names, render};
use crate::web::{ok, AppState};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use minijinja::context;
use secrecy::ExposeSecret;

const PAGE: &str = "/staff/account";
const ENROL: &str = "/staff/account/totp";

async fn account_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Html<String>> {
    let account = s.service.my_account(u).await?;
    let notifications = s.service.my_notifications(u).await?;
    let catalog = s.service.catalog().await?;
    let notice = notice.and_then(|k| s.templates.text(lang, k));
    let ctx = context! {
        account => account,
        notifications => notifications,
        notified => matches!(u.role, crate::service::Role::Desk | crate::service::Role::Supervisor),
        names => names(&catalog),
        notice => notice,
        error => error,
    };
    render(s, lang, "staff/account.html", PAGE, Some(u), ctx)
}

pub async fn page(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
) -> Result<Html<String>> {
    account_page(&s, lang, &u, None, None).await
}

/// An input problem is shown on the page it came from; anything else is the error page.
fn shown_on_page(e: &Error) -> bool {
    matches!(
        e,
        Error::Service(ServiceError::Field(_) | ServiceError::TooManyAttempts { .. })
    )
}

pub async fn change_password(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<ChangePassword>,
) -> Result<Response> {
    let changed = s
        .service
        .change_password(
            &u,
            &c.current_password,
            &c.password,
            c.password_confirm.as_deref(),
        )
        .await
        .map_err(Error::from);
    match changed {
        Ok(device) => {
            let page = account_page(&s, lang, &u, Some("account.password_changed"), None).await?;
            let mut resp = page.into_response();
            cookies::device(&s, &mut resp, &device);
            Ok(resp)
        }
        Err(e) if shown_on_page(&e) => {
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            Ok(e.page(account_page(&s, lang, &u, None, Some(message)).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn set_notifications(
    State(s): State<AppState>,
    lang: Lang,
    StaffForm(u, c): StaffForm<SetNotifications>,
) -> Result<Response> {
    match s
        .service
        .set_my_notifications(&u, &c.email, &c.schedule)
        .await
        .map_err(Error::from)
    {
        Ok(()) => {
            let page = account_page(&s, lang, &u, Some("account.notifications_saved"), None);
            Ok(page.await?.into_response())
        }
        Err(e) if shown_on_page(&e) => {
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            Ok(e.page(account_page(&s, lang, &u, None, Some(message)).await?))
        }
        Err(e) => Err(e),
    }
}

pub async fn end_session(
    State(s): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    StaffForm(u, NoFields {}): StaffForm<NoFields>,
) -> Result<Response> {
    s.service.end_session(&u, &id).await?;
    if id == u.session_id() {
        let mut resp = Redirect::to(&format!("/staff/login{}", lang.query())).into_response();
        cookies::signed_out(&s, &mut resp);
        return Ok(resp);
    }
    Ok(
        account_page(&s, lang, &u, Some("account.session_ended"), None)
            .await?
            .into_response(),
    )
}

/// The enrolment page: the QR code and the secret as text, and the field for the first code.
async fn enrol_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    e: &Enrolment,
    error: Option<String>,
) -> Result<Html<String>> {
    let ctx = context! {
        enrolment => e,
        qr => qr::svg(&e.otpauth_url),
        first => u.enrolling,
        error => error,
        action => ENROL,
    };
    render(s, lang, "staff/enrol.html", ENROL, Some(u), ctx)
}

pub async fn enrol_form(
    State(s): State<AppState>,
    lang: Lang,
    PageEnrolling(u): PageEnrolling,
) -> Result<Html<String>> {
    let e = s.service.begin_enrolment(&u).await?;
    enrol_page(&s, lang, &u, &e, None).await
}

pub async fn enrol(
    State(s): State<AppState>,
    lang: Lang,
    EnrolmentForm(u, c): EnrolmentForm<ConfirmTotp>,
) -> Result<Response> {
    match s.service.confirm_enrolment(&u, &c.totp).await {
        Ok(done) => {
            let page = recovery_page(&s, lang, &u, &done.recovery_codes, home(u.role))?;
            let mut resp = page.into_response();
            cookies::device(&s, &mut resp, &done.device);
            Ok(resp)
        }
        Err(e @ ServiceError::Field(_)) => {
            let e = Error::from(e);
            let message = localize(&s, lang, &ErrorInfo::from(&e));
            let enrolment = s.service.begin_enrolment(&u).await?;
            Ok(e.page(enrol_page(&s, lang, &u, &enrolment, Some(message)).await?))
        }
        Err(e) => Err(e.into()),
    }
}

/// The recovery codes, shown once, and where to go next.
pub fn recovery_page(
    s: &AppState,
    lang: Lang,
    u: &StaffUser,
    codes: &[String],
    next: &str,
) -> Result<Html<String>> {
    let ctx = context! { codes => codes, next => next };
    render(s, lang, "staff/recovery_codes.html", ENROL, Some(u), ctx)
}

pub async fn api_account(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
) -> Result<Json<MyAccount>> {
    Ok(Json(s.service.my_account(&u).await?))
}

pub async fn api_change_password(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    ApiJson(c): ApiJson<ChangePassword>,
) -> Result<Json<serde_json::Value>> {
    let device = s
        .service
        .change_password(
            &u,
            &c.current_password,
            &c.password,
            c.password_confirm.as_deref(),
        )
        .await?;
    Ok(Json(
        serde_json::json!({ "ok": true, "device": device.expose_secret() }),
    ))
}

/// `POST /api/v1/account/totp`: a secret to enrol (the pending one if there is one).
pub async fn api_begin_enrolment(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
) -> Result<Json<Enrolment>> {
    Ok(Json(s.service.begin_enrolment(&u).await?))
}

pub async fn api_confirm_enrolment(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    ApiJson(c): ApiJson<ConfirmTotp>,
) -> Result<Json<serde_json::Value>> {
    let done = s.service.confirm_enrolment(&u, &c.totp).await?;
    Ok(Json(serde_json::json!({
        "recovery_codes": done.recovery_codes,
        "device": done.device.expose_secret(),
    })))
}

pub async fn api_end_session(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.end_session(&u, &id).await?;
    Ok(ok())
}

pub async fn api_notifications(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
) -> Result<Json<MyNotifications>> {
    Ok(Json(s.service.my_notifications(&u).await?))
}

pub async fn api_set_notifications(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    ApiJson(c): ApiJson<SetNotifications>,
) -> Result<Json<MyNotifications>> {
    s.service
        .set_my_notifications(&u, &c.email, &c.schedule)
        .await?;
    Ok(Json(s.service.my_notifications(&u).await?))
}
