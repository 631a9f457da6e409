//! One-time form tokens (`form_tokens`): a keyed digest of each claimed token and the local day it
//! was used, nothing else.
use super::{Result, Tx};

impl Tx {
    /// Claim `digest` for `day`: true the first time, false when it was claimed before. Claims made
    /// before `forget_before` are deleted first, so the table holds about a day of them.
    pub async fn claim_form_token(
        &mut self,
        digest: &[u8],
        day: i64,
        forget_before: i64,
    ) -> Result<bool> {
        on_tx!(self, c => sqlx::query("DELETE FROM form_tokens WHERE used_on < $1")
            .bind(forget_before)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        let sql = "INSERT INTO form_tokens (digest, used_on) VALUES ($1, $2) \
                   ON CONFLICT (digest) DO NOTHING";
        let done = on_tx!(self, c => sqlx::query(sql)
            .bind(digest)
            .bind(day)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Give a claim back: the action it was for did not happen.
    pub async fn release_form_token(&mut self, digest: &[u8]) -> Result<()> {
        on_tx!(self, c => sqlx::query("DELETE FROM form_tokens WHERE digest = $1")
            .bind(digest)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
