//! Notifications to desks and supervisors: which changes owe a notice (`notice.rs`), when messages
//! go out (`schedule.rs`), and what a message counts (`digest.rs`). Nothing here knows a reporter's
//! action time: a notice carries no time at all, and messages leave only at fixed slots.
pub mod digest;
pub mod notice;
pub mod schedule;

pub use digest::{compose, Counts, Figure, NoticeCount, OpenRow, Recipient};
pub use notice::{notices_for, Cause, Notice, NoticeKind};
pub use schedule::{parse_time_of_day, retry_after, Schedule, Slot, MAX_ATTEMPTS};
