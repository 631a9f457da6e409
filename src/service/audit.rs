//! Checking the audit chain, and the signed checkpoint of its head.
use super::Service;
use crate::crypto::chain::{event_hash, GENESIS};
use crate::error::Result;
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

/// A signed statement of the chain's size and head (C2SP tlog-checkpoint style body).
#[derive(Clone, Debug, Serialize)]
pub struct Checkpoint {
    pub size: i64,
    pub head: String,
    pub signature: String,
    pub public_key: String,
    pub text: String,
}

pub const ORIGIN: &str = "zhiyan/audit-log/v1";

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

    /// Sign the current head. The signed text is: origin line, size, base64 head hash.
    pub async fn checkpoint(&self) -> Result<Checkpoint> {
        let (size, head) = self.store().chain_head().await?;
        let head = B64.encode(head);
        let text = format!("{ORIGIN}\n{size}\n{head}\n");
        Ok(Checkpoint {
            signature: B64.encode(self.keys().sign(text.as_bytes())),
            public_key: B64.encode(self.keys().public_key()),
            size,
            head,
            text,
        })
    }
}
