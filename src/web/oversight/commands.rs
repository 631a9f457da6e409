//! What a supervisor sends about an item, read the same from a JSON body and from the item page's
//! forms. A transfer decision is the service's own `TransferDecision` (`approve`: a JSON bool, or
//! "true" from the page's hidden field).
use serde::Deserialize;

pub use crate::service::TransferDecision;

#[derive(Deserialize)]
pub struct Assign {
    pub department: String,
}

#[derive(Deserialize)]
pub struct Duplicate {
    pub of: String,
}

#[derive(Deserialize)]
pub struct Reject {
    pub reason: String,
}
