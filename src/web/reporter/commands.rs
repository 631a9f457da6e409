//! What a reporter sends, read the same from a JSON body and from a page's form (the receipt travels
//! apart: a header on the API, a hidden field on the pages). A new report is the service's own
//! `NewReportInput`.
use serde::Deserialize;

pub use crate::service::NewReportInput as NewReport;

#[derive(Deserialize)]
pub struct Reply {
    pub body: String,
}

#[derive(Deserialize)]
pub struct Confirm {
    pub satisfaction: i64,
}

#[derive(Deserialize)]
pub struct Reopen {
    pub reason: String,
}
