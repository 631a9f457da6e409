//! Pure rules: no HTTP, no SQL, no I/O. Everything here is decided from values passed in.
pub mod access;
pub mod account;
pub mod attachments;
pub mod backoff;
pub mod clock;
pub mod coarsening;
pub mod deadlines;
pub mod duration;
pub mod item;
pub mod lifecycle;
pub mod narrowing;
pub mod notify;
pub mod org;
pub mod percentiles;
pub mod receipt;
pub mod retaliation;
pub mod routing;
pub mod statistics;
pub mod text;
pub mod totp;
pub mod tree;

pub use clock::{Clock, FixedClock, SystemClock};
pub use duration::Span;
pub use lifecycle::{Action, Outcome, State};
