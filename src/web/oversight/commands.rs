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

/// Marking a duplicate on the item page: the first post asks (a page saying what will happen), the
/// post from that page's button, with `confirmed`, does it.
#[derive(Deserialize)]
pub struct DuplicatePage {
    pub of: String,
    pub confirmed: bool,
}

/// Rejecting on the item page, asked first in the same way.
#[derive(Deserialize)]
pub struct RejectPage {
    pub reason: String,
    pub confirmed: bool,
}
