//! Retaliation follow-up (EU Directive 2019/1937 Art. 19; ISO 37002): a reporter who suffers
//! reprisal for a report says so through the receipt of that report. The retaliation report is an
//! item of its own kind (`item::Kind::Retaliation`), linked to the report, and these are its rules:
//!
//! - It goes to the body the organisation names (`retaliation_body`, e.g. the discipline inspection
//!   commission), and only if that body is outside the chain of the report: not the department the
//!   report was about, not one that handled it, and not an ancestor of either.
//! - That body and the departments below it are an island of oversight: in the tree that decides
//!   who supervises what, the body has no parent. Supervisors above it do not see its items, its
//!   rows on their board, or its escalations; nothing escalates out of it.
//! - It has its own deadlines (`TERMS`), and is never transferred or merged as a duplicate.
//! - Public statistics count it only as a total per quarter, suppressed below k.
//! - Once the report is closed, the reporter's follow-up page asks at 30, 60 and 90 days whether
//!   anything has happened to them since (`follow_up`).
use super::item::Terms;
use super::statistics::Figure;
use super::tree::Tree;

const DAY: i64 = 86_400;

/// A retaliation report's deadlines: a day to acknowledge, ten to answer (the same confirmation
/// window as any answer). Shorter than a burden's: a reprisal may still be under way.
pub const TERMS: Terms = Terms {
    acknowledge_within: DAY,
    respond_within: 10 * DAY,
    confirm_within: 14 * DAY,
};

/// The days after closure at which the follow-up page asks; each question stays up for this long.
pub const FOLLOW_UP_DAYS: [i64; 3] = [30, 60, 90];
const FOLLOW_UP_SHOWN_FOR: i64 = 30;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("the organisation names no body for retaliation reports")]
    NoBody,
    #[error("the retaliation body is part of the report's chain (the department it is about, one that handled it, or above them)")]
    BodyInChain,
}

/// Where a retaliation report about a report goes: the organisation's `body`, provided no department
/// in `chain` (the department the report was about and every department that handled it) is the
/// body or lies below it, i.e. the body is neither one of them nor an ancestor of one. `departments`
/// is the full department tree.
pub fn route(departments: &Tree, body: Option<&str>, chain: &[&str]) -> Result<String, RouteError> {
    let body = body.ok_or(RouteError::NoBody)?;
    if chain.iter().any(|d| departments.is_within(d, body)) {
        return Err(RouteError::BodyInChain);
    }
    Ok(body.to_string())
}

/// The tree that decides oversight and escalation: the department tree with the retaliation body's
/// link to its parent cut, so that the body's subtree is overseen from within only.
pub fn oversight_tree<'a>(
    departments: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    body: Option<&str>,
) -> Tree {
    Tree::new(
        departments
            .into_iter()
            .map(|(code, parent)| (code, parent.filter(|_| Some(code) != body))),
    )
}

/// The follow-up question due for a report closed at `closed_at`, asked at `now`: the milestone
/// reached (30, 60 or 90 days), for the 30 days after it; None before the first and after the last.
pub fn follow_up(closed_at: i64, now: i64) -> Option<i64> {
    let days = (now - closed_at).div_euclid(DAY);
    FOLLOW_UP_DAYS
        .into_iter()
        .rev()
        .find(|m| days >= *m)
        .filter(|m| days < m + FOLLOW_UP_SHOWN_FOR)
}

/// The published number of retaliation reports in one quarter: shown from k on, and suppressed
/// below it, zero included, so the page never says whether there was one.
pub fn quarterly_total(count: i64, k: i64) -> Figure {
    if count >= k.max(1) {
        Figure {
            value: Some(count as f64),
            suppressed: false,
        }
    } else {
        Figure::SUPPRESSED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// county ← {agriculture ← station, discipline ← inspection-office}.
    fn tree() -> Vec<(&'static str, Option<&'static str>)> {
        vec![
            ("county", None),
            ("agriculture", Some("county")),
            ("station", Some("agriculture")),
            ("discipline", Some("county")),
            ("inspection-office", Some("discipline")),
        ]
    }

    #[test]
    fn goes_to_the_body_only_from_outside_its_chain() {
        let full = Tree::new(tree());
        let body = Some("discipline");
        assert_eq!(
            route(&full, body, &["station", "agriculture"]).unwrap(),
            "discipline"
        );
        // About the county government itself: the body is below it, not above it.
        assert_eq!(route(&full, body, &["county"]).unwrap(), "discipline");
        // About the body, or handled inside it: nobody outside the chain is left.
        assert_eq!(
            route(&full, body, &["discipline"]),
            Err(RouteError::BodyInChain)
        );
        assert_eq!(
            route(&full, body, &["agriculture", "inspection-office"]),
            Err(RouteError::BodyInChain)
        );
        assert_eq!(route(&full, None, &["station"]), Err(RouteError::NoBody));
    }

    #[test]
    fn the_body_is_overseen_from_within_only() {
        let t = oversight_tree(tree(), Some("discipline"));
        assert!(!t.is_within("inspection-office", "county"));
        assert!(t.is_within("inspection-office", "discipline"));
        assert!(t.is_within("station", "county"));
        assert_eq!(
            t.ancestors("inspection-office"),
            ["inspection-office", "discipline"]
        );
        // Without a body, the tree is the department tree.
        let plain = oversight_tree(tree(), None);
        assert!(plain.is_within("inspection-office", "county"));
    }

    #[test]
    fn quarterly_totals_hide_everything_below_k_including_zero() {
        assert_eq!(quarterly_total(0, 5), Figure::SUPPRESSED);
        assert_eq!(quarterly_total(4, 5), Figure::SUPPRESSED);
        assert_eq!(quarterly_total(5, 5).value, Some(5.0));
        assert_eq!(quarterly_total(0, 0), Figure::SUPPRESSED);
    }

    #[test]
    fn asks_at_30_60_and_90_days() {
        let closed = 1_000 * DAY;
        let at = |d: i64| follow_up(closed, closed + d * DAY);
        assert_eq!(at(0), None);
        assert_eq!(at(29), None);
        assert_eq!(at(30), Some(30));
        assert_eq!(at(59), Some(30));
        assert_eq!(at(60), Some(60));
        assert_eq!(at(90), Some(90));
        assert_eq!(at(119), Some(90));
        assert_eq!(at(120), None);
        assert_eq!(follow_up(closed, closed + 30 * DAY - 1), None);
    }
}
