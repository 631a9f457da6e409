//! Request extractors that turn bad input into the one web error (never axum's plain-text rejections)
//! and establish who is calling: one file per kind.
mod client;
mod fields;
mod form;
mod json;
mod once;
mod origin;
mod receipt;
mod staff;
mod text;
mod upload;

pub use form::{EnrolmentForm, NoFields, PageForm, ReceiptForm, StaffForm};
pub use json::ApiJson;
pub use once::{new_token, Done, Once};
pub use receipt::ReceiptAuth;
pub use staff::{
    bearer_token, cookie, session_token, ApiStaff, PageEnrolling, PageStaff, DEVICE_COOKIE,
    SESSION_COOKIE,
};
pub use text::{Path, Query};
pub use upload::{ApiUpload, PageUpload, ReceiptUpload, KEPT};
