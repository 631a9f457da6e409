//! The public statistics of DESIGN.md, as pure rules: what one item contributes as of the cut-off,
//! how contributions add up, how a tally becomes published figures under the k threshold, and which
//! counts disclosure control hides across every table at once.
//!
//! Everything is evaluated "as of the cut-off" (now minus the lag, rounded down to a day): a fact
//! that happened at or after the cut-off does not exist yet for the public.
mod disclosure;
mod figure;
mod grid;
mod tally;

pub use figure::{Figure, Figures, Hidden, Measure};
pub use grid::{Grid, Row};
pub use tally::{ItemFacts, Tallies, Tally};
