//! Rendered outputs of the current statistics snapshot, so `/stats` costs little more than a lookup.
use crate::service::StatsReport;
use crate::web::error::Result;
use crate::web::lang::Lang;
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// The three forms of a report, and the page in each language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    Json,
    Csv,
    Page(Lang),
}

type OutputKey = (Output, String, String, Option<String>);

/// Rendered outputs of the current statistics snapshot. A snapshot changes only when it is rebuilt,
/// so the bytes of each (form, period, department) are made once per snapshot and then served as they
/// are; this is what lets `/stats` keep up with far simpler routes.
#[derive(Default)]
pub struct StatsOutputs {
    inner: Mutex<(u64, HashMap<OutputKey, Bytes>)>,
}

const OUTPUTS_LIMIT: usize = 512;

impl StatsOutputs {
    pub(super) fn get_or_render(
        &self,
        r: &StatsReport,
        out: Output,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Bytes> {
        let key = (
            out,
            r.period.from.clone(),
            r.period.to.clone(),
            r.department.clone(),
        );
        {
            let cache = self.inner.lock().expect("outputs lock");
            if cache.0 == r.snapshot {
                if let Some(b) = cache.1.get(&key) {
                    return Ok(b.clone());
                }
            }
        }
        let bytes = Bytes::from(render()?);
        let mut cache = self.inner.lock().expect("outputs lock");
        if cache.0 != r.snapshot {
            // Older snapshots are never served again.
            if cache.0 > r.snapshot {
                return Ok(bytes);
            }
            *cache = (r.snapshot, HashMap::new());
        }
        if cache.1.len() >= OUTPUTS_LIMIT {
            cache.1.clear();
        }
        cache.1.insert(key, bytes.clone());
        Ok(bytes)
    }
}
