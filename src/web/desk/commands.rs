//! What a desk sends about an item, read the same from a JSON body and from the item page's forms.
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Respond {
    pub outcome: String,
    pub body: String,
}

#[derive(Deserialize)]
pub struct Transfer {
    pub reason: String,
    #[serde(default)]
    pub suggested_department: Option<String>,
}
