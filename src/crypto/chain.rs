//! The audit log's hash chain. Each event's hash covers every field of the event and the previous
//! hash, in an unambiguous length-prefixed encoding, so no field can change without breaking the link.

pub const GENESIS: [u8; 32] = [0; 32];

/// Every stored field of an audit event, as the hash sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFields<'a> {
    pub seq: i64,
    pub report_id: Option<&'a str>,
    pub kind: &'a str,
    pub actor_role: &'a str,
    pub actor: Option<&'a str>,
    pub department: Option<&'a str>,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub detail: &'a str,
    pub at: i64,
}

pub fn event_hash(prev: &[u8], e: &EventFields<'_>) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"zhiyan-event-v1\0");
    ctx.update(&e.seq.to_be_bytes());
    put(&mut ctx, Some(prev));
    for field in [
        e.report_id,
        Some(e.kind),
        Some(e.actor_role),
        e.actor,
        e.department,
        e.from_state,
        e.to_state,
        Some(e.detail),
    ] {
        put(&mut ctx, field.map(str::as_bytes));
    }
    ctx.update(&e.at.to_be_bytes());
    ctx.finish().as_ref().to_vec()
}

fn put(ctx: &mut ring::digest::Context, v: Option<&[u8]>) {
    match v {
        None => ctx.update(&[0]),
        Some(b) => {
            ctx.update(&[1]);
            ctx.update(&(b.len() as u64).to_be_bytes());
            ctx.update(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_hash() {
        let base = EventFields {
            seq: 1,
            report_id: Some("R-1"),
            kind: "k",
            actor_role: "desk",
            actor: Some("a"),
            department: Some("d"),
            from_state: Some("x"),
            to_state: Some("y"),
            detail: "{}",
            at: 5,
        };
        let h = event_hash(&GENESIS, &base);
        let variants = [
            EventFields {
                seq: 2,
                ..base.clone()
            },
            EventFields {
                report_id: None,
                ..base.clone()
            },
            EventFields {
                kind: "K",
                ..base.clone()
            },
            EventFields {
                actor_role: "admin",
                ..base.clone()
            },
            EventFields {
                actor: Some(""),
                ..base.clone()
            },
            EventFields {
                department: None,
                ..base.clone()
            },
            EventFields {
                from_state: Some("y"),
                to_state: Some("x"),
                ..base.clone()
            },
            EventFields {
                detail: "{ }",
                ..base.clone()
            },
            EventFields {
                at: 6,
                ..base.clone()
            },
        ];
        for v in variants {
            assert_ne!(event_hash(&GENESIS, &v), h, "{v:?}");
        }
        assert_ne!(event_hash(&[1; 32], &base), h);
    }
}
