//! Attachments: cleaned (`domain::attachments`) before anything is stored, within the deployment's
//! limits; stored sealed in the transaction of the report or reply they came with, so that a refused
//! file leaves nothing behind; shown to staff once what they came with has been released; downloaded
//! by staff who can see the item, each download an audit event.
use super::{Error, Result, Service, StaffUser};
use crate::domain::access::Role;
use crate::domain::attachments::{self, Cleaned, Kind, Limits, Refusal, Removed};
use crate::store::{AttachmentRow, NewAttachment, NewEvent, Tx};
use serde::{Deserialize, Serialize};

/// How many files, how large, in all how much per report.
#[derive(Clone, Copy, Debug)]
pub struct AttachmentPolicy {
    /// Files with one report or one reply.
    pub max_count: usize,
    /// Bytes of one file, as sent and as cleaned.
    pub max_bytes: u64,
    /// Bytes of all of a report's cleaned files together (the report's and its replies').
    pub max_total: u64,
}

/// A file as it arrived: the name it was sent with (only to name it in an error; never stored) and
/// its bytes.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why the files of a submission were refused; nothing of the submission was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttachmentProblem {
    /// One file: its name as sent, and why.
    Refused {
        file: String,
        refusal: Refusal,
    },
    TooMany {
        max: usize,
    },
    /// The report's files would pass the per-report total.
    TotalTooLarge {
        max: u64,
    },
}

/// What is sealed beside a file: what it is and what was taken out of it.
#[derive(Serialize, Deserialize)]
struct Meta {
    kind: String,
    size: u64,
    removed: Vec<String>,
}

/// An attachment as staff (and the reporter's preview) see it.
#[derive(Clone, Debug, Serialize)]
pub struct AttachmentView {
    pub index: i64,
    /// 附件N.ext: the name it is downloaded with.
    pub name: String,
    pub kind: String,
    pub size: u64,
    pub removed: Vec<String>,
    pub image: bool,
    /// For staff: the date of the reply it came with; none for the report's own files.
    pub reply_date: Option<String>,
}

/// A file to hand to staff.
pub struct Download {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    pub image: bool,
}

/// The field an attachment's content and description are sealed under: bound with the report id.
fn field(idx: i64) -> String {
    format!("attachment:{idx}")
}

fn meta_field(idx: i64) -> String {
    format!("attachment:{idx}:meta")
}

/// Bytes of cleaned files together.
fn size(files: &[Cleaned]) -> u64 {
    files.iter().map(|c| c.bytes.len() as u64).sum()
}

/// The name a file is stored and downloaded under.
pub fn file_name(index: i64, kind: Kind) -> String {
    format!("attachment-{index}.{}", kind.extension())
}

impl AttachmentView {
    fn new(index: i64, kind: Kind, size: u64, removed: Vec<String>) -> AttachmentView {
        AttachmentView {
            index,
            name: file_name(index, kind),
            kind: kind.as_str().to_string(),
            size,
            removed,
            image: kind.is_image(),
            reply_date: None,
        }
    }

    /// How a cleaned file not yet stored will be shown (the reporter's preview), numbered from 1.
    pub fn preview(position: usize, c: &Cleaned) -> AttachmentView {
        let removed = c.removed.iter().map(|r| r.as_str().to_string()).collect();
        AttachmentView::new(position as i64 + 1, c.kind, c.bytes.len() as u64, removed)
    }
}

impl Service {
    /// Clean every file of one submission, off the async threads (decoding is CPU work). The
    /// first file refused refuses them all, named.
    pub async fn clean_uploads(&self, uploads: Vec<Upload>) -> Result<Vec<Cleaned>> {
        let policy = self.settings().attachments;
        if uploads.len() > policy.max_count {
            return Err(Error::Attachment(AttachmentProblem::TooMany {
                max: policy.max_count,
            }));
        }
        if uploads.is_empty() {
            return Ok(Vec::new());
        }
        let limits = Limits::for_file_size(policy.max_bytes);
        let _turn = self.cleaning_turn().await?;
        let cleaning = tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(uploads.len());
            for u in uploads {
                match attachments::clean(&u.bytes, &limits) {
                    Ok(c) => out.push(c),
                    Err(refusal) => {
                        return Err(AttachmentProblem::Refused {
                            file: u.name,
                            refusal,
                        })
                    }
                }
            }
            Ok(out)
        });
        let cleaned = cleaning.await.map_err(Error::internal)?;
        let cleaned = cleaned.map_err(Error::Attachment)?;
        self.within_total(size(&cleaned))?;
        Ok(cleaned)
    }

    /// `total` bytes of one report's files are within `--attachments-max-total`.
    fn within_total(&self, total: u64) -> Result<()> {
        let max = self.settings().attachments.max_total;
        if total > max {
            return Err(Error::Attachment(AttachmentProblem::TotalTooLarge { max }));
        }
        Ok(())
    }

    /// Store `files` with `report_id` (held with the waiting reply `pending`, if any) in the
    /// caller's transaction: numbered after the report's earlier files and counted against its total.
    pub(super) async fn store_attachments(
        &self,
        tx: &mut Tx,
        report_id: &str,
        pending: Option<i64>,
        files: &[Cleaned],
    ) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let earlier = tx.attachments(report_id).await?;
        let mut total = size(files);
        for row in &earlier {
            total += self.meta(row)?.size;
        }
        self.within_total(total)?;
        let mut idx = earlier.last().map_or(0, |r| r.idx);
        for c in files {
            idx += 1;
            let meta = Meta {
                kind: c.kind.as_str().to_string(),
                size: c.bytes.len() as u64,
                removed: c.removed.iter().map(|r| r.as_str().to_string()).collect(),
            };
            let meta = serde_json::to_vec(&meta).map_err(Error::internal)?;
            let meta_sealed = self.keys().seal_bytes(report_id, &meta_field(idx), &meta);
            let body = self.keys().seal_bytes(report_id, &field(idx), &c.bytes);
            let new = NewAttachment {
                idx,
                key_id: body.key_id,
                meta_sealed: meta_sealed.blob,
                body_sealed: body.blob,
            };
            tx.insert_attachment(report_id, pending, &new).await?;
        }
        Ok(())
    }

    /// Wait for one of the cleaning slots (`Inner::cleaning`).
    async fn cleaning_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.inner.cleaning.acquire().await.map_err(Error::internal)
    }

    fn meta(&self, row: &AttachmentRow) -> Result<Meta> {
        let plain = self
            .keys()
            .open_bytes(
                &row.report_id,
                &meta_field(row.idx),
                &row.key_id,
                &row.meta_sealed,
            )
            .map_err(Error::internal)?;
        serde_json::from_slice(&plain).map_err(Error::internal)
    }

    /// What a stored file is, from its sealed description.
    fn described(&self, row: &AttachmentRow) -> Result<(Kind, Meta)> {
        let meta = self.meta(row)?;
        let kind = Kind::parse(&meta.kind)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("unknown attachment kind")))?;
        Ok((kind, meta))
    }

    fn view(&self, row: &AttachmentRow) -> Result<AttachmentView> {
        let (kind, meta) = self.described(row)?;
        let removed = meta
            .removed
            .into_iter()
            .filter(|r| Removed::parse(r).is_some())
            .collect();
        Ok(AttachmentView::new(row.idx, kind, meta.size, removed))
    }

    /// The files of an item staff may see: the report's own, and those of released replies (dated
    /// by the reply's day). `messages` are the item's released messages: (id, day).
    pub(super) async fn released_attachments(
        &self,
        id: &str,
        messages: &[(i64, String)],
    ) -> Result<Vec<AttachmentView>> {
        let mut out = Vec::new();
        for row in self.store().attachments(id).await? {
            if row.pending_id.is_some() {
                continue;
            }
            let reply_date = match row.message_id {
                None => None,
                Some(m) => match messages.iter().find(|(id, _)| *id == m) {
                    Some((_, day)) => Some(day.clone()),
                    None => continue,
                },
            };
            let mut view = self.view(&row)?;
            view.reply_date = reply_date;
            out.push(view);
        }
        Ok(out)
    }

    /// One file of an item, for staff who can see the item (else `NotFound`, as for the item), once
    /// released. The download is recorded in the audit log, with who and which file.
    pub async fn download_attachment(
        &self,
        user: &StaffUser,
        audience: Role,
        id: &str,
        index: i64,
        inline: bool,
    ) -> Result<Download> {
        user.require(audience)?;
        self.release_due().await?;
        let stored = self.visible_item(user, id).await?;
        let (row, body) = self
            .store()
            .attachment(id, index)
            .await?
            .filter(|(row, _)| row.pending_id.is_none())
            .ok_or(Error::NotFound)?;
        let (kind, _) = self.described(&row)?;
        let bytes = self
            .keys()
            .open_bytes(id, &field(index), &row.key_id, &body)
            .map_err(Error::internal)?;
        let mut tx = self.store().begin().await?;
        tx.append_event(NewEvent {
            report_id: Some(id.to_string()),
            kind: "attachment_downloaded".into(),
            actor_role: user.role.as_str().into(),
            actor: Some(user.username.clone()),
            department: Some(stored.item.department.clone()),
            detail: serde_json::json!({ "index": index, "inline": inline }).to_string(),
            at: self.now(),
            ..NewEvent::default()
        })
        .await?;
        tx.commit().await?;
        Ok(Download {
            name: file_name(index, kind),
            mime: kind.mime(),
            bytes,
            image: kind.is_image(),
        })
    }
}
