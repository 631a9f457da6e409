//! Checking the audit chain, and the signed checkpoint of its head.
use super::error::Result;
use super::Service;
use crate::crypto::chain::{event_hash, GENESIS};
use crate::crypto::checkpoint::{checkpoint_body, sign_note, NoteError, VerifiedCheckpoint};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Serialize;

/// The result of walking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainStatus {
    Valid {
        size: i64,
        head: String,
    },
    /// The first event whose link does not hold, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// A signed statement of the chain's size and head, as a C2SP signed note (`crypto::checkpoint`).
#[derive(Clone, Debug, Serialize)]
pub struct Checkpoint {
    /// When it was signed (RFC 3339): for the public checkpoint, the start of its schedule slot;
    /// for the live one, now.
    pub signed_at: String,
    pub size: i64,
    /// Base64 of the hash of event `size` (the genesis value for an empty log).
    pub head: String,
    /// Base64 of the 64-byte Ed25519 signature of the note's body.
    pub signature: String,
    /// Base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The whole signed note: body, blank line, signature line.
    pub text: String,
}

pub use crate::crypto::checkpoint::ORIGIN;

/// How the chain as stored now fails to contain a checkpoint that verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointMismatch {
    #[error("the log is shorter than the checkpoint: it has {log} events, the checkpoint signed {checkpoint}")]
    Shorter { log: i64, checkpoint: i64 },
    #[error("history rewritten: event {seq} no longer has the hash the checkpoint signed")]
    Rewritten { seq: i64 },
    #[error("the checkpoint signs an empty log with a head that is not the genesis value")]
    NotGenesis,
}

/// The signed note in a saved checkpoint: either the note itself (the `text` of
/// `GET /api/v1/log/head`) or that whole JSON answer. Trailing blank lines, as `echo` or `jq -r` add,
/// are dropped; anything else must be exactly as signed.
pub fn saved_note(saved: &str) -> std::result::Result<String, NoteError> {
    let note = if saved.trim_start().starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(saved).map_err(|e| {
            NoteError::Malformed(format!("the file looks like JSON but is not: {e}"))
        })?;
        json.get("text")
            .and_then(|t| t.as_str())
            .ok_or_else(|| NoteError::Malformed("the JSON has no string \"text\" field".into()))?
            .to_string()
    } else {
        saved.to_string()
    };
    let trimmed = note.trim_end_matches('\n');
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    })
}

impl Service {
    pub async fn verify_chain(&self) -> Result<ChainStatus> {
        let mut prev = GENESIS.to_vec();
        let mut expected = 1;
        loop {
            let batch = self.store().events_after(expected - 1, 1000).await?;
            if batch.is_empty() {
                break;
            }
            for e in batch {
                if e.seq != expected {
                    return Ok(ChainStatus::Broken {
                        seq: expected,
                        reason: format!("event {expected} is missing (next is {})", e.seq),
                    });
                }
                if e.prev_hash != prev {
                    return Ok(ChainStatus::Broken {
                        seq: e.seq,
                        reason: "its previous-hash does not match the event before it".into(),
                    });
                }
                let hash = event_hash(&prev, &e.fields());
                if hash != e.hash {
                    return Ok(ChainStatus::Broken {
                        seq: e.seq,
                        reason: "its contents do not match its hash (the row was altered)".into(),
                    });
                }
                prev = hash;
                expected += 1;
            }
        }
        Ok(ChainStatus::Valid {
            size: expected - 1,
            head: B64.encode(&prev),
        })
    }

    /// Sign the current head as a checkpoint note: the live head, for `verify-log` and staff.
    pub async fn checkpoint(&self) -> Result<Checkpoint> {
        let (size, head) = self.store().chain_head().await?;
        Ok(self.sign_checkpoint(size, &head, self.now()))
    }

    /// The public checkpoint: signed once per schedule slot (`--checkpoint-interval`, default one
    /// hour), the same all slot long and on every instance. The live head grows with every event,
    /// and a reporter's actions are events; published live, it would tell an observer when they
    /// happened. The first instance to publish a slot stores the head it signed and every instance
    /// publishes that one; the background job signs each slot as it starts.
    pub async fn published_checkpoint(&self) -> Result<Checkpoint> {
        let every = self.settings().checkpoint_interval;
        if every <= 0 {
            return self.checkpoint().await;
        }
        let slot = slot_start(self.now(), every, self.settings().utc_offset);
        if self.store().checkpoint_at(slot).await?.is_none() {
            let (size, head) = self.store().chain_head().await?;
            self.store().keep_checkpoint(slot, size, &head).await?;
        }
        let (slot, size, head) = self.store().latest_checkpoint(slot).await?.ok_or_else(|| {
            super::Error::internal(anyhow::anyhow!("checkpoint just stored is gone"))
        })?;
        Ok(self.sign_checkpoint(size, &head, slot))
    }

    /// Ed25519 is deterministic: the same size and head give the same note on every instance.
    fn sign_checkpoint(&self, size: i64, head: &[u8], signed_at: i64) -> Checkpoint {
        let body = checkpoint_body(ORIGIN, size, head);
        let public_key = self.keys().public_key();
        let (text, signature) = sign_note(&body, ORIGIN, &public_key, |m| self.keys().sign(m));
        Checkpoint {
            signed_at: self.fmt_time(signed_at),
            size,
            head: B64.encode(head),
            signature: B64.encode(signature),
            public_key: B64.encode(public_key),
            text,
        }
    }

    /// Whether the stored chain still contains a (verified) checkpoint: event `size` has the hash
    /// it signed. Together with `verify_chain`, which checks every link up to the head, this shows
    /// the log only grew since the checkpoint.
    pub async fn checkpoint_mismatch(
        &self,
        cp: &VerifiedCheckpoint,
    ) -> Result<Option<CheckpointMismatch>> {
        if cp.size == 0 {
            return Ok((cp.head != GENESIS).then_some(CheckpointMismatch::NotGenesis));
        }
        Ok(match self.store().event_hash(cp.size).await? {
            None => Some(CheckpointMismatch::Shorter {
                log: self.store().chain_head().await?.0,
                checkpoint: cp.size,
            }),
            Some(hash) if hash != cp.head => Some(CheckpointMismatch::Rewritten { seq: cp.size }),
            Some(_) => None,
        })
    }
}

/// The start of the schedule slot of length `every` that contains `t`, slots aligned to local
/// midnight (so hourly slots start on the hour, daily ones at midnight).
fn slot_start(t: i64, every: i64, offset: i64) -> i64 {
    (t + offset).div_euclid(every) * every - offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_start_on_the_hour_and_at_local_midnight() {
        let t = 1_795_217_400; // 2026-11-20T23:30:00Z
        assert_eq!(slot_start(t, 3600, 8 * 3600), t - 1800);
        assert_eq!(slot_start(t - 1800, 3600, 8 * 3600), t - 1800);
        // A day in UTC+8 starts at 16:00 UTC.
        assert_eq!(slot_start(t, 86_400, 8 * 3600), 1_795_190_400);
    }

    #[test]
    fn saved_note_takes_the_note_or_the_json() {
        let note = "zhiyan.local/audit-log\n2\nAAAA\n\n— zhiyan.local/audit-log QUJD\n";
        assert_eq!(saved_note(note).unwrap(), note);
        // `jq -r .text` and `echo` add a newline.
        assert_eq!(saved_note(&format!("{note}\n\n")).unwrap(), note);
        let json = serde_json::json!({ "size": 2, "head": "AAAA", "text": note }).to_string();
        assert_eq!(saved_note(&json).unwrap(), note);
        assert!(
            matches!(saved_note("{\"size\":2}"), Err(NoteError::Malformed(m)) if m.contains("\"text\""))
        );
        assert!(matches!(saved_note("{ nope"), Err(NoteError::Malformed(m)) if m.contains("JSON")));
        assert_eq!(saved_note("\n\n").unwrap(), "");
    }
}
