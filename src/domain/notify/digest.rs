//! What one recipient's message counts. Counts and nothing else: no item, no title, no date a
//! reporter chose or acted on. The figures are one list (`Figure`); a recipient's scope decides
//! which rows and notices feed them.
use super::notice::NoticeKind;
use super::schedule::Slot;
use crate::domain::tree::Tree;
use crate::domain::State;

/// Every figure a message can carry, in the order it shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Figure {
    NewItems,
    NewEscalations,
    NewTransferRequests,
    NewTriage,
    Open,
    DueSoon,
    Overdue,
    EscalatedOpen,
    TransferRequests,
    Triage,
}

impl Figure {
    pub const ALL: [Figure; 10] = [
        Figure::NewItems,
        Figure::NewEscalations,
        Figure::NewTransferRequests,
        Figure::NewTriage,
        Figure::Open,
        Figure::DueSoon,
        Figure::Overdue,
        Figure::EscalatedOpen,
        Figure::TransferRequests,
        Figure::Triage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Figure::NewItems => "new_items",
            Figure::NewEscalations => "new_escalations",
            Figure::NewTransferRequests => "new_transfer_requests",
            Figure::NewTriage => "new_triage",
            Figure::Open => "open",
            Figure::DueSoon => "due_within_24h",
            Figure::Overdue => "overdue",
            Figure::EscalatedOpen => "escalated_open",
            Figure::TransferRequests => "transfer_requests",
            Figure::Triage => "triage",
        }
    }

    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether a message of `slot` carries this figure: what is new only in the hourly message,
    /// what is open in all only in the digest, deadlines and waiting decisions in both.
    pub fn shown_in(self, slot: Slot) -> bool {
        let new = matches!(
            self,
            Figure::NewItems
                | Figure::NewEscalations
                | Figure::NewTransferRequests
                | Figure::NewTriage
        );
        let all_open = matches!(self, Figure::Open | Figure::EscalatedOpen);
        match slot {
            Slot::Hourly(_) => !all_open,
            Slot::Daily(_) => !new,
        }
    }

    /// What a reader is told, in Chinese and in English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Figure::NewItems => ("收件箱新事项", "new items in your inbox"),
            Figure::NewEscalations => ("上报至您的事项", "items escalated to you"),
            Figure::NewTransferRequests => ("新的转办申请", "new transfer requests to decide"),
            Figure::NewTriage => ("待分办的新事项", "new items waiting for triage"),
            Figure::Open => ("未办结事项", "open items"),
            Figure::DueSoon => ("24小时内到期", "due within 24 hours"),
            Figure::Overdue => ("已超期", "overdue"),
            Figure::EscalatedOpen => ("上报至您、尚未办结", "escalated to you, still open"),
            Figure::TransferRequests => ("待决定的转办申请", "transfer requests waiting"),
            Figure::Triage => ("待分办", "waiting for triage"),
        }
    }
}

/// The non-zero figures of one message, in `Figure` order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts(pub Vec<(Figure, i64)>);

impl Counts {
    fn of(figures: &[(Figure, i64)]) -> Counts {
        let mut v: Vec<_> = figures.iter().copied().filter(|(_, n)| *n > 0).collect();
        v.sort();
        Counts(v)
    }

    pub fn get(&self, f: Figure) -> i64 {
        self.0.iter().find(|(g, _)| *g == f).map_or(0, |(_, n)| *n)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// As the outbox stores it and a generic webhook sends it: `{"new_items":3,...}`.
    pub fn to_json(&self) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .map(|(f, n)| (f.as_str().to_string(), (*n).into()))
            .collect();
        serde_json::Value::Object(map)
    }

    /// Read back from the outbox; figures it does not know are dropped.
    pub fn from_json(v: &serde_json::Value) -> Counts {
        let figures: Vec<(Figure, i64)> = v
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, n)| Some((Figure::parse(k)?, n.as_i64()?)))
            .collect();
        Counts::of(&figures)
    }
}

/// Open items of one department in one state, as the store counts them at a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRow {
    pub department: String,
    pub state: State,
    pub escalated_to: Option<String>,
    pub items: i64,
    /// Due within the next 24 hours.
    pub due_soon: i64,
    pub overdue: i64,
    /// Came within 24 hours of their deadline since the previous slot of the same kind.
    pub became_due_soon: i64,
    /// Passed their deadline since the previous slot of the same kind.
    pub became_overdue: i64,
}

/// Who a message is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// A desk clerk: the department's own items.
    Desk(String),
    /// A supervisor: escalations, triage and transfer requests at their level and below it.
    Supervisor(String),
    /// A department's webhook: what its desk is told, and escalations to it.
    Department(String),
}

/// A notice folded into a slot: how many of one kind about one department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeCount {
    pub kind: NoticeKind,
    pub department: String,
    pub count: i64,
}

/// What the message of `slot` to `recipient` counts, or None when it has nothing to say: an hourly
/// message only when something is new, a daily digest when anything is open for them.
pub fn compose(
    recipient: &Recipient,
    slot: Slot,
    open: &[OpenRow],
    notices: &[NoticeCount],
    oversight: &Tree,
) -> Option<Counts> {
    let sum = |which: &dyn Fn(&OpenRow) -> bool, f: fn(&OpenRow) -> i64| -> i64 {
        open.iter().filter(|r| which(r)).map(f).sum()
    };
    let news = |kind, about: &dyn Fn(&str) -> bool| -> i64 {
        notices
            .iter()
            .filter(|n| n.kind == kind && about(&n.department))
            .map(|n| n.count)
            .sum()
    };
    // What is new since the last hourly slot (an hourly message goes out only then), and the figures.
    let (new, figures) = match recipient {
        Recipient::Desk(d) | Recipient::Department(d) => {
            let desk = |r: &OpenRow| r.department == *d && r.state != State::Triage;
            // A department's webhook also hears of escalations to the department itself.
            let reaches = |x: &str| matches!(recipient, Recipient::Department(_)) && x == d;
            let escalated_here = |r: &OpenRow| r.escalated_to.as_deref().is_some_and(reaches);
            let new_items = news(NoticeKind::Inbox, &|x| x == d);
            let escalated = news(NoticeKind::Escalated, &reaches);
            let became = sum(&desk, |r| r.became_due_soon + r.became_overdue);
            (
                new_items + escalated + became,
                vec![
                    (Figure::NewItems, new_items),
                    (Figure::NewEscalations, escalated),
                    (Figure::Open, sum(&desk, |r| r.items)),
                    (Figure::DueSoon, sum(&desk, |r| r.due_soon)),
                    (Figure::Overdue, sum(&desk, |r| r.overdue)),
                    (Figure::EscalatedOpen, sum(&escalated_here, |r| r.items)),
                ],
            )
        }
        // Escalations at the supervisor's level and every level below it, so that a level
        // without supervisors of its own is not left unheard.
        Recipient::Supervisor(level) => {
            let below = |d: &str| oversight.is_within(d, level);
            let under = |r: &OpenRow| below(&r.department);
            let in_state = |s: State| sum(&|r| r.state == s && under(r), |r| r.items);
            let escalated_below = |r: &OpenRow| r.escalated_to.as_deref().is_some_and(below);
            let escalated = news(NoticeKind::Escalated, &below);
            let transfers = news(NoticeKind::TransferRequest, &below);
            let triage = news(NoticeKind::Triage, &below);
            (
                escalated + transfers + triage,
                vec![
                    (Figure::NewEscalations, escalated),
                    (Figure::NewTransferRequests, transfers),
                    (Figure::NewTriage, triage),
                    (Figure::Open, sum(&under, |r| r.items)),
                    (Figure::Overdue, sum(&under, |r| r.overdue)),
                    (Figure::EscalatedOpen, sum(&escalated_below, |r| r.items)),
                    (Figure::TransferRequests, in_state(State::TransferRequested)),
                    (Figure::Triage, in_state(State::Triage)),
                ],
            )
        }
    };
    if matches!(slot, Slot::Hourly(_)) && new == 0 {
        return None;
    }
    let shown: Vec<_> = figures
        .into_iter()
        .filter(|(f, _)| f.shown_in(slot))
        .collect();
    let counts = Counts::of(&shown);
    (!counts.is_empty()).then_some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        Tree::new([
            ("county".to_string(), None),
            ("agri".to_string(), Some("county".to_string())),
            ("water".to_string(), Some("county".to_string())),
        ])
    }

    fn row(department: &str, state: State, items: i64, due_soon: i64, overdue: i64) -> OpenRow {
        OpenRow {
            department: department.into(),
            state,
            escalated_to: None,
            items,
            due_soon,
            overdue,
            became_due_soon: 0,
            became_overdue: 0,
        }
    }

    fn notice(kind: NoticeKind, department: &str, count: i64) -> NoticeCount {
        NoticeCount {
            kind,
            department: department.into(),
            count,
        }
    }

    const HOUR: Slot = Slot::Hourly(0);
    const DAY: Slot = Slot::Daily(0);

    #[test]
    fn a_desk_hears_of_new_items_hourly_and_of_everything_open_daily() {
        let open = [
            row("agri", State::Assigned, 3, 1, 1),
            row("water", State::Assigned, 5, 5, 5),
        ];
        let desk = Recipient::Desk("agri".into());
        // Nothing new this hour: no message, even with open and overdue items.
        assert_eq!(compose(&desk, HOUR, &open, &[], &tree()), None);
        let new = [
            notice(NoticeKind::Inbox, "agri", 2),
            notice(NoticeKind::Inbox, "water", 9),
        ];
        let c = compose(&desk, HOUR, &open, &new, &tree()).unwrap();
        assert_eq!(
            c.0,
            vec![
                (Figure::NewItems, 2),
                (Figure::DueSoon, 1),
                (Figure::Overdue, 1)
            ]
        );
        let c = compose(&desk, DAY, &open, &[], &tree()).unwrap();
        assert_eq!(
            c.0,
            vec![
                (Figure::Open, 3),
                (Figure::DueSoon, 1),
                (Figure::Overdue, 1)
            ]
        );
        // A deadline passing is news in itself.
        let mut late = open.clone();
        late[0].became_overdue = 1;
        assert!(compose(&desk, HOUR, &late, &[], &tree()).is_some());
    }

    #[test]
    fn a_supervisor_hears_of_escalations_transfers_and_triage_below() {
        let mut escalated = row("agri", State::Assigned, 1, 0, 1);
        escalated.escalated_to = Some("county".into());
        let open = [
            escalated,
            row("water", State::TransferRequested, 2, 0, 0),
            row("elsewhere", State::TransferRequested, 7, 0, 0),
        ];
        let sup = Recipient::Supervisor("county".into());
        assert_eq!(compose(&sup, HOUR, &open, &[], &tree()), None);
        let news = [notice(NoticeKind::Escalated, "county", 1)];
        let c = compose(&sup, HOUR, &open, &news, &tree()).unwrap();
        assert_eq!(c.get(Figure::NewEscalations), 1);
        assert_eq!(
            c.get(Figure::TransferRequests),
            2,
            "only below the supervisor"
        );
        let c = compose(&sup, DAY, &open, &[], &tree()).unwrap();
        assert_eq!(c.get(Figure::EscalatedOpen), 1);
        assert_eq!(c.get(Figure::Open), 3);
        // An escalation to a level below is this supervisor's too; one elsewhere is not.
        let below = [notice(NoticeKind::Escalated, "agri", 1)];
        assert!(compose(&sup, HOUR, &open, &below, &tree()).is_some());
        let elsewhere = [notice(NoticeKind::Escalated, "elsewhere", 1)];
        assert_eq!(compose(&sup, HOUR, &open, &elsewhere, &tree()), None);
    }

    #[test]
    fn counts_round_trip_through_the_outbox() {
        let c = Counts::of(&[
            (Figure::Overdue, 2),
            (Figure::NewItems, 1),
            (Figure::Open, 0),
        ]);
        assert_eq!(c.0, vec![(Figure::NewItems, 1), (Figure::Overdue, 2)]);
        assert_eq!(Counts::from_json(&c.to_json()), c);
    }
}
