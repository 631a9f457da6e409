//! One-time form tokens: every page form that changes something carries a random token, and its
//! first post claims it (for that form's path). A second post of the same token, a reload or Back,
//! finds it claimed and the page says the action was already done instead of doing it again.
//!
//! The claim is its own small write before the action, and is given back when the action fails (so
//! the reporter can correct the form and post it again). Only a keyed digest of token and path is
//! stored, with the local day: it links nobody to anything, and it is deleted after a day.
use super::error::Result;
use super::Service;
use crate::domain::clock::day_start;

const DAY: i64 = 86_400;

impl Service {
    /// Claim `token` for the form posted to `path`: true the first time, false ever after (until it
    /// is forgotten, a day after the day it was used).
    pub async fn claim_form_token(&self, token: &str, path: &str) -> Result<bool> {
        let day = day_start(self.now(), self.settings().utc_offset);
        let mut tx = self.store().begin().await?;
        let first = tx
            .claim_form_token(&self.form_digest(token, path), day, day - DAY)
            .await?;
        tx.commit().await?;
        Ok(first)
    }

    /// Give a claim back because the action it guarded did not happen.
    pub async fn release_form_token(&self, token: &str, path: &str) -> Result<()> {
        let mut tx = self.store().begin().await?;
        tx.release_form_token(&self.form_digest(token, path))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    fn form_digest(&self, token: &str, path: &str) -> Vec<u8> {
        self.keys()
            .labelled_mac("form-token", &format!("{path}\n{token}"))
    }
}
