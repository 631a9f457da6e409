//! Retaliation follow-up: through the receipt of a report, its reporter reports reprisal. The
//! retaliation report is a new item of its own kind, linked to the report, sent to the body the
//! organisation names only when that body is outside the report's chain (`domain::retaliation`).
//! Nothing about it is added to the report's own record, which the department that handled it reads.
use super::catalog::department_tree;
use super::{Error, Result, Service};
use crate::crypto::random_bytes;
use crate::domain::item::Item;
use crate::domain::retaliation::{self, RouteError};
use crate::domain::text::Field;
use crate::domain::text::{bounded, BODY_MAX, TITLE_MAX};
use crate::store::CatalogRows;

impl Service {
    /// Report retaliation suffered for the report behind `receipt`. Returns the new item's id; the
    /// reporter follows it with the same receipt.
    pub async fn report_retaliation(&self, receipt: &str, description: &str) -> Result<String> {
        let body = bounded(Field::Body, description, BODY_MAX)?;
        let original = self.by_receipt(receipt).await?.item;
        let rows = self.organisation().await?;
        let to = self
            .retaliation_route(&original, &rows)
            .await
            .map_err(|_| Error::NoRetaliationBody)?;
        // The title staff list it by: the description's first line, shortened.
        let first_line = body.lines().next().unwrap_or_default();
        let title: String = first_line.chars().take(TITLE_MAX.min(60)).collect();
        let received_on = self.reporter_time();
        let release_at = self.release_time();
        // The new item has no receipt of its own: a random MAC that no receipt matches fills the
        // column, and the reporter reaches it through the report's receipt.
        let unusable = self.keys().receipt_mac(&hex::encode(random_bytes::<32>()));
        let made = self
            .insert_new(&title, &body, &[], &unusable, &rows, |id| {
                Item::retaliation(id, &original, to.clone(), received_on, release_at)
            })
            .await?;
        Ok(made.id)
    }

    /// Where a retaliation report about `original` would go: the retaliation body, if it is outside
    /// the chain of every department that handled the report and the one it is about.
    pub(super) async fn retaliation_route(
        &self,
        original: &Item,
        rows: &CatalogRows,
    ) -> std::result::Result<String, RouteError> {
        let handled: Vec<String> = match self.store().report_events(&original.id).await {
            Ok(events) => events.into_iter().filter_map(|e| e.department).collect(),
            // Without the record of who handled it, nothing can be shown to be outside the chain.
            Err(_) => return Err(RouteError::BodyInChain),
        };
        let mut chain: Vec<&str> = handled.iter().map(String::as_str).collect();
        chain.push(&original.department);
        chain.extend(original.subject_department.as_deref());
        retaliation::route(
            &department_tree(rows),
            rows.retaliation_body.as_deref(),
            &chain,
        )
    }
}
