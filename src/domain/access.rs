//! Who may see an item and who may do what to it: role × state × ownership, in one place.
//!
//! What staff may do is not a hand-kept table: each role has its actions, and an action is offered
//! exactly when the lifecycle allows its move from the item's current state.
use super::item::{Item, Kind};
use super::lifecycle::{next, Action, State};
use super::tree::Tree;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Desk,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Desk, Role::Supervisor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A signed-in staff member as the rules see them: a role, and the department they belong to
/// (a desk's own department, a supervisor's subtree root; admins may have none).
#[derive(Clone, Copy, Debug)]
pub struct Staff<'a> {
    pub role: Role,
    pub department: Option<&'a str>,
}

/// What staff can do to an item, in the order the item page offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffAction {
    Acknowledge,
    Respond,
    Message,
    Transfer,
    TransferDecision,
    Assign,
    Duplicate,
    Reject,
}

impl StaffAction {
    pub const ALL: [StaffAction; 8] = [
        StaffAction::Acknowledge,
        StaffAction::Respond,
        StaffAction::Message,
        StaffAction::Transfer,
        StaffAction::TransferDecision,
        StaffAction::Assign,
        StaffAction::Duplicate,
        StaffAction::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffAction::Acknowledge => "acknowledge",
            StaffAction::Respond => "respond",
            StaffAction::Message => "message",
            StaffAction::Transfer => "transfer",
            StaffAction::TransferDecision => "transfer_decision",
            StaffAction::Assign => "assign",
            StaffAction::Duplicate => "duplicate",
            StaffAction::Reject => "reject",
        }
    }

    /// Desks work their own items; supervisors route, decide and close; both may talk to the reporter.
    pub fn allowed_to(self, role: Role) -> bool {
        use StaffAction as A;
        match role {
            Role::Desk => matches!(self, A::Acknowledge | A::Respond | A::Message | A::Transfer),
            Role::Supervisor => matches!(
                self,
                A::Message | A::TransferDecision | A::Assign | A::Duplicate | A::Reject
            ),
            Role::Admin => false,
        }
    }

    /// Retaliation reports stay with the body they reached: never moved away on a desk's or a
    /// supervisor's say ("not ours", approve a transfer) and never merged into another item.
    pub fn allowed_on(self, kind: Kind) -> bool {
        use StaffAction as A;
        kind != Kind::Retaliation
            || !matches!(self, A::Transfer | A::TransferDecision | A::Duplicate)
    }

    /// The lifecycle move this action makes on `item` (a transfer decision is tried as the refusal:
    /// an approval is an assignment, allowed wherever the refusal is).
    fn action(self, item: &Item) -> Action {
        use StaffAction as A;
        match self {
            A::Acknowledge => Action::Acknowledge,
            A::Respond => Action::Respond,
            A::Message => Action::Message,
            A::Transfer => Action::RequestTransfer,
            A::TransferDecision => Action::SendBack {
                was_acknowledged: item.acknowledged_at.is_some(),
            },
            A::Assign => Action::Assign,
            A::Duplicate => Action::MarkDuplicate,
            A::Reject => Action::Reject,
        }
    }
}

/// Desks see what was dispatched to their own department (not while it waits in triage);
/// supervisors see every released item of their subtree; admins configure and see no content.
/// `departments` is the oversight tree (`retaliation::oversight_tree`), in which the retaliation
/// body's subtree belongs to no supervisor above it.
pub fn can_see(staff: Staff<'_>, item: &Item, departments: &Tree) -> bool {
    let Some(own) = staff.department else {
        return false;
    };
    match staff.role {
        Role::Desk => {
            item.department == own && item.dispatched_at.is_some() && item.state != State::Triage
        }
        Role::Supervisor => {
            item.state != State::Received && departments.is_within(&item.department, own)
        }
        Role::Admin => false,
    }
}

/// Administration (accounts, the organisation) is the administrators' alone, and it is all they do:
/// they have no staff action and see no item (`can_see`), so no administrator reads report content.
pub fn may_administer(role: Role) -> bool {
    role == Role::Admin
}

/// The actions `role` may take on `item` now.
pub fn actions(role: Role, item: &Item) -> Vec<StaffAction> {
    StaffAction::ALL
        .into_iter()
        .filter(|a| {
            a.allowed_to(role)
                && a.allowed_on(item.kind)
                && next(item.state, a.action(item)).is_ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(state: State) -> Item {
        let mut i = Item::received(
            "R-1".into(),
            "c".into(),
            "a".into(),
            None,
            "agri".into(),
            false,
            0,
            0,
        );
        i.state = state;
        i.dispatched_at = Some(0);
        i
    }

    fn names(role: Role, state: State) -> Vec<&'static str> {
        actions(role, &item(state))
            .into_iter()
            .map(StaffAction::as_str)
            .collect()
    }

    #[test]
    fn desks_work_their_items_in_order() {
        assert_eq!(
            names(Role::Desk, State::Assigned),
            ["acknowledge", "message", "transfer"]
        );
        assert_eq!(
            names(Role::Desk, State::Acknowledged),
            ["respond", "message", "transfer"]
        );
        assert_eq!(names(Role::Desk, State::TransferRequested), ["message"]);
        assert_eq!(names(Role::Desk, State::Responded), ["message"]);
        assert!(names(Role::Desk, State::Closed).is_empty());
    }

    #[test]
    fn supervisors_route_decide_and_close() {
        assert_eq!(
            names(Role::Supervisor, State::Triage),
            ["message", "assign", "duplicate", "reject"]
        );
        assert_eq!(
            names(Role::Supervisor, State::TransferRequested),
            [
                "message",
                "transfer_decision",
                "assign",
                "duplicate",
                "reject"
            ]
        );
        assert_eq!(
            names(Role::Supervisor, State::Responded),
            ["message", "duplicate", "reject"]
        );
        assert!(names(Role::Supervisor, State::Withdrawn).is_empty());
        assert!(names(Role::Admin, State::Assigned).is_empty());
    }

    #[test]
    fn retaliation_reports_are_never_moved_away_or_merged() {
        let mut i = item(State::Assigned);
        i.kind = Kind::Retaliation;
        let names = |role| {
            actions(role, &i)
                .into_iter()
                .map(StaffAction::as_str)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Role::Desk), ["acknowledge", "message"]);
        assert_eq!(names(Role::Supervisor), ["message", "assign", "reject"]);
    }

    #[test]
    fn who_sees_what() {
        let tree = Tree::new([
            ("county".to_string(), None),
            ("agri".to_string(), Some("county".to_string())),
            ("edu".to_string(), Some("county".to_string())),
        ]);
        let desk = |d| Staff {
            role: Role::Desk,
            department: Some(d),
        };
        let sup = |d| Staff {
            role: Role::Supervisor,
            department: Some(d),
        };
        let assigned = item(State::Assigned);
        assert!(can_see(desk("agri"), &assigned, &tree));
        assert!(!can_see(desk("edu"), &assigned, &tree));
        assert!(can_see(sup("county"), &assigned, &tree));
        assert!(!can_see(sup("edu"), &assigned, &tree));
        assert!(!can_see(desk("agri"), &item(State::Triage), &tree));
        assert!(!can_see(sup("county"), &item(State::Received), &tree));
        let admin = Staff {
            role: Role::Admin,
            department: Some("county"),
        };
        assert!(!can_see(admin, &assigned, &tree));
    }

    #[test]
    fn administrators_administer_and_see_no_item() {
        let tree = Tree::new([("county".to_string(), None::<String>)]);
        let admin = Staff {
            role: Role::Admin,
            department: Some("county"),
        };
        for state in State::ALL {
            let mut i = item(state);
            i.department = "county".into();
            assert!(!can_see(admin, &i, &tree));
            assert!(actions(Role::Admin, &i).is_empty());
        }
        assert!(may_administer(Role::Admin));
        assert!(!may_administer(Role::Desk) && !may_administer(Role::Supervisor));
    }
}
