//! What the integration tests share: the app on a fresh database, requests into it, and one client
//! per audience (reporter, desk, supervisor, staff in a browser, the public), so that a test reads
//! as what its users do.
#[macro_use]
mod backends;
mod admin;
mod app;
pub mod binary;
mod db;
mod desk;
mod http;
pub mod json;
pub mod logs;
pub mod mail;
mod pages;
pub mod pg;
mod public;
mod reporter;
pub mod staff;
mod supervisor;
pub mod webhook;

pub use app::{Db, Options, TestApp, T0};
pub use desk::Desk;
pub use http::{api_request, form_request, multipart_request, urlencode, Resp};
pub use pages::{between, csrf_token, form_fields, StaffPages};
pub use reporter::{Reporter, BODY, TITLE};
pub use supervisor::Supervisor;
