//! Attachments (`attachments`): sealed files keyed by report id and index. Reads return what a list
//! needs (the sealed description, not the file); the file is read one at a time, for a download.
use super::{Result, Store, Tx};

/// One attachment as listed: where it belongs and its sealed description.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRow {
    pub report_id: String,
    pub idx: i64,
    /// Set while the reply it came with waits for its release: staff see nothing of it.
    pub pending_id: Option<i64>,
    /// The reply's message, once released; none for the report's own files.
    pub message_id: Option<i64>,
    pub key_id: String,
    pub meta_sealed: Vec<u8>,
}

/// A file to store: its index in the report, sealed description and sealed content.
pub struct NewAttachment {
    pub idx: i64,
    pub key_id: String,
    pub meta_sealed: Vec<u8>,
    pub body_sealed: Vec<u8>,
}

const COLUMNS: &str = "report_id, idx, pending_id, message_id, key_id, meta_sealed";

impl Store {
    /// A report's attachments in index order, released or not.
    pub async fn attachments(&self, report_id: &str) -> Result<Vec<AttachmentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE report_id = $1 ORDER BY idx");
        Ok(on_pool!(self, c => sqlx::query_as(&sql).bind(report_id).fetch_all(c).await)?)
    }

    /// One attachment with its sealed content.
    pub async fn attachment(
        &self,
        report_id: &str,
        idx: i64,
    ) -> Result<Option<(AttachmentRow, Vec<u8>)>> {
        let sql = format!(
            "SELECT {COLUMNS}, body_sealed FROM attachments WHERE report_id = $1 AND idx = $2"
        );
        #[derive(sqlx::FromRow)]
        struct Full {
            #[sqlx(flatten)]
            row: AttachmentRow,
            body_sealed: Vec<u8>,
        }
        let full: Option<Full> = on_pool!(self, c => sqlx::query_as(&sql)
            .bind(report_id)
            .bind(idx)
            .fetch_optional(c)
            .await)?;
        Ok(full.map(|f| (f.row, f.body_sealed)))
    }
}

impl Tx {
    /// The same as `Store::attachments`, inside the transaction that adds to them.
    pub async fn attachments(&mut self, report_id: &str) -> Result<Vec<AttachmentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE report_id = $1 ORDER BY idx");
        Ok(on_tx!(self, c => sqlx::query_as(&sql).bind(report_id).fetch_all(c).await)?)
    }

    /// Store a file of `report_id`, held with the waiting reply `pending_id` if any.
    pub async fn insert_attachment(
        &mut self,
        report_id: &str,
        pending_id: Option<i64>,
        a: &NewAttachment,
    ) -> Result<()> {
        let sql = "INSERT INTO attachments (report_id, idx, pending_id, key_id, meta_sealed, \
                   body_sealed) VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(report_id)
            .bind(a.idx)
            .bind(pending_id)
            .bind(&a.key_id)
            .bind(&a.meta_sealed)
            .bind(&a.body_sealed)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A reply has been released: its files move from the waiting action to its message (or, when
    /// it brought no message, to the report).
    pub async fn release_attachments(
        &mut self,
        pending_id: i64,
        message_id: Option<i64>,
    ) -> Result<()> {
        let sql = "UPDATE attachments SET pending_id = NULL, message_id = $1 WHERE pending_id = $2";
        on_tx!(self, c => sqlx::query(sql)
            .bind(message_id)
            .bind(pending_id)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
