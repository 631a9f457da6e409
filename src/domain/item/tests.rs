use super::*;
use crate::domain::lifecycle::{Action, InvalidTransition};

const H: i64 = 3600;

fn terms() -> Terms {
    Terms {
        acknowledge_within: 2 * DAY,
        respond_within: 15 * DAY,
        confirm_within: 14 * DAY,
    }
}

fn item() -> Item {
    Item::received(
        "R-1".into(),
        "other".into(),
        "xinhe".into(),
        None,
        "agri".into(),
        false,
        0,
        H,
    )
}

fn tree() -> Tree {
    Tree::new([
        ("county".to_string(), None),
        ("agri".to_string(), Some("county".to_string())),
    ])
}

#[test]
fn release_starts_the_clock_once() {
    let mut i = item();
    let t = i.release(H, terms()).unwrap();
    assert_eq!((t.from, t.to), (State::Received, State::Assigned));
    assert_eq!(i.dispatched_at, Some(H));
    assert_eq!(i.working_due(), Some(H + 2 * DAY));
    // A reassignment later keeps the first dispatch's deadlines and counts a transfer.
    i.assign("county", 5 * H, terms()).unwrap();
    assert_eq!(
        (i.dispatched_at, i.acknowledge_due),
        (Some(H), Some(H + 2 * DAY))
    );
    assert_eq!(i.transfers, 1);
}

#[test]
fn triage_items_are_not_dispatched() {
    let mut i = item();
    i.routed_to_triage = true;
    assert_eq!(i.release(H, terms()).unwrap().to, State::Triage);
    assert_eq!((i.dispatched_at, i.working_due()), (None, None));
    i.assign("agri", 2 * H, terms()).unwrap();
    assert_eq!((i.dispatched_at, i.transfers), (Some(2 * H), 0));
}

#[test]
fn a_question_waits_on_the_reporter_until_the_reply_is_visible() {
    let mut i = item();
    i.release(H, terms()).unwrap();
    i.acknowledge(2 * H).unwrap();
    i.staff_message(3 * H, Visibility::Public).unwrap();
    assert_eq!(i.awaiting_since, Some(3 * H));
    assert_eq!(i.awaiting_reporter_secs(4 * H), H);
    // Written on day 0, visible to staff at 8 h: the wait ends when staff can see it.
    i.reporter_message(8 * H).unwrap();
    assert_eq!((i.awaiting_since, i.awaiting_secs), (None, 5 * H));
    // An internal note starts no wait.
    i.staff_message(9 * H, Visibility::Internal).unwrap();
    assert_eq!(i.awaiting_since, None);
}

#[test]
fn answering_ends_the_wait() {
    let mut i = item();
    i.release(H, terms()).unwrap();
    i.acknowledge(2 * H).unwrap();
    i.staff_message(3 * H, Visibility::Public).unwrap();
    i.respond(Outcome::Resolved, 10 * H, terms()).unwrap();
    assert_eq!((i.awaiting_since, i.awaiting_secs), (None, 7 * H));
    assert_eq!(i.confirm_due, Some(10 * H + 14 * DAY));
}

#[test]
fn reopen_counts_from_the_end_of_the_day_and_the_second_escalates() {
    let mut i = item();
    i.release(H, terms()).unwrap();
    i.acknowledge(2 * H).unwrap();
    i.respond(Outcome::Resolved, 3 * H, terms()).unwrap();
    i.reopen(DAY, DAY, terms()).unwrap();
    assert_eq!(i.state, State::Acknowledged);
    assert_eq!(i.respond_due, Some(2 * DAY + 15 * DAY));
    assert!(!i.reopen_escalates());
    i.respond(Outcome::Resolved, 2 * DAY, terms()).unwrap();
    i.reopen(3 * DAY, 3 * DAY, terms()).unwrap();
    assert!(i.reopen_escalates());
    i.escalate(3 * DAY, &tree()).unwrap();
    assert_eq!(
        (i.escalation, i.escalated_to.as_deref()),
        (1, Some("county"))
    );
}

#[test]
fn missed_deadlines_escalate_once_each() {
    let mut i = item();
    i.release(0, terms()).unwrap();
    let now = 20 * DAY;
    assert_eq!(i.due_sweep(now), Some(Sweep::AcknowledgeMissed));
    i.deadline_missed(Sweep::AcknowledgeMissed, now, &tree())
        .unwrap();
    assert_eq!(i.due_sweep(now), Some(Sweep::RespondMissed));
    i.deadline_missed(Sweep::RespondMissed, now, &tree())
        .unwrap();
    assert_eq!(i.due_sweep(now), None);
    assert_eq!(i.escalation, 2);
}

#[test]
fn refused_moves_change_nothing() {
    let mut i = item();
    let before = i.clone();
    assert!(i.acknowledge(H).is_err());
    assert!(i.confirm(5, 0, 0).is_err());
    assert!(
        i.reporter_message(H).is_ok(),
        "a reply is allowed while open"
    );
    i.withdraw(0, 0).unwrap();
    let closed = i.clone();
    assert!(i.reporter_message(H).is_err());
    assert_eq!(i, closed);
    assert_ne!(before, closed);
}

// --- A reporter's action on its way (arrival.rs) -------------------------------------------

/// Released, acknowledged and answered: what a reporter confirms or reopens.
fn responded() -> Item {
    let mut i = item();
    i.release(0, terms()).unwrap();
    i.acknowledge(H).unwrap();
    i.respond(Outcome::Resolved, 2 * H, terms()).unwrap();
    i
}

#[test]
fn names_round_trip() {
    for a in [
        ReporterAction::Message,
        ReporterAction::Confirm { satisfaction: 4 },
        ReporterAction::Reopen,
        ReporterAction::Withdraw,
    ] {
        assert_eq!(ReporterAction::parse(a.as_str(), a.satisfaction()), Some(a));
    }
    assert_eq!(ReporterAction::parse("confirm", None), None);
    assert_eq!(ReporterAction::parse("rate", Some(3)), None);
}

#[test]
fn confirming_closes_before_the_window_by_the_delay() {
    let i = responded();
    let due = i.confirm_due.unwrap();
    let confirm = ReporterAction::Confirm { satisfaction: 5 };
    assert!(i.reporter_may(confirm, due - 30 * 60, 30 * 60).is_ok());
    assert!(i.reporter_may(confirm, due - 30 * 60 + 1, 30 * 60).is_err());
    assert!(i.reporter_may(ReporterAction::Reopen, due, 0).is_ok());
    // Replying and withdrawing are not bound to the window.
    assert!(i
        .reporter_may(ReporterAction::Message, due + DAY, 30 * 60)
        .is_ok());
    assert!(i
        .reporter_may(ReporterAction::Withdraw, due + DAY, 30 * 60)
        .is_ok());
    // Not in `responded`: nothing to confirm.
    let mut open = responded();
    open.arrive(ReporterAction::Reopen, DAY, DAY + H, terms());
    assert_eq!(
        open.reporter_may(confirm, DAY, 0),
        Err(InvalidTransition {
            from: State::Acknowledged,
            action: Action::Confirm
        })
    );
}

#[test]
fn arriving_applies_the_move_at_the_day() {
    let mut i = responded();
    let a = i.arrive(
        ReporterAction::Confirm { satisfaction: 4 },
        DAY,
        DAY + 5 * H,
        terms(),
    );
    assert_eq!(
        a,
        Arrival::Applied(Transition {
            from: State::Responded,
            to: State::Closed
        })
    );
    assert_eq!(
        (i.closed_at, i.satisfaction, i.confirmed),
        (Some(DAY), Some(4), Some(true))
    );
}

#[test]
fn an_action_staff_overtook_is_too_late_and_changes_nothing() {
    let mut i = responded();
    i.reject(3 * H).unwrap();
    let before = i.clone();
    for a in [
        ReporterAction::Confirm { satisfaction: 2 },
        ReporterAction::Reopen,
        ReporterAction::Withdraw,
        ReporterAction::Message,
    ] {
        assert_eq!(
            i.arrive(a, 0, 4 * H, terms()),
            Arrival::TooLate(State::Rejected)
        );
    }
    assert_eq!(i, before);
}

#[test]
fn a_wait_on_the_reporter_ends_at_the_release_whatever_the_action() {
    // Asked at 3 h; the reporter withdraws on day 0, released at 9 h.
    let mut i = responded();
    i.arrive(ReporterAction::Reopen, 0, 3 * H, terms());
    i.staff_message(3 * H, Visibility::Public).unwrap();
    assert_eq!(i.awaiting_since, Some(3 * H));
    i.arrive(ReporterAction::Withdraw, 0, 9 * H, terms());
    assert_eq!(
        (i.state, i.awaiting_since, i.awaiting_secs),
        (State::Withdrawn, None, 6 * H)
    );
    // The same for a reply.
    let mut i = responded();
    i.arrive(ReporterAction::Reopen, 0, 3 * H, terms());
    i.staff_message(4 * H, Visibility::Public).unwrap();
    i.arrive(ReporterAction::Message, 0, 10 * H, terms());
    assert_eq!((i.awaiting_since, i.awaiting_secs), (None, 6 * H));
}
