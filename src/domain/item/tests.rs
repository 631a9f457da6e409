use super::*;

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
    i.reporter_message(0, 8 * H).unwrap();
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
    i.reopen(DAY, terms()).unwrap();
    assert_eq!(i.state, State::Acknowledged);
    assert_eq!(i.respond_due, Some(2 * DAY + 15 * DAY));
    assert!(!i.reopen_escalates());
    i.respond(Outcome::Resolved, 2 * DAY, terms()).unwrap();
    i.reopen(3 * DAY, terms()).unwrap();
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
    assert!(i.confirm(5, 0).is_err());
    assert!(
        i.reporter_message(0, H).is_ok(),
        "a reply is allowed while open"
    );
    i.withdraw(0).unwrap();
    let closed = i.clone();
    assert!(i.reporter_message(0, H).is_err());
    assert_eq!(i, closed);
    assert_ne!(before, closed);
}
