//! Desks and supervisors see items through the same handlers, each audience under its own URLs. The
//! audience is a type parameter of those handlers, so each router names whose routes they are.
use crate::service::Role;

pub trait Audience: Send + Sync + 'static {
    /// The role the service checks for this audience's views.
    const ROLE: Role;
    /// Where its pages live; items are under `{BASE}/items/{id}`.
    const BASE: &'static str;
    /// Its list page: the template, and the path the page is served at.
    const LIST: (&'static str, &'static str);
}

/// A department desk: /desk.
pub enum Desk {}

impl Audience for Desk {
    const ROLE: Role = Role::Desk;
    const BASE: &'static str = "/desk";
    const LIST: (&'static str, &'static str) = ("desk/inbox.html", "/desk");
}

/// Supervisors: /oversight.
pub enum Oversight {}

impl Audience for Oversight {
    const ROLE: Role = Role::Supervisor;
    const BASE: &'static str = "/oversight";
    const LIST: (&'static str, &'static str) = ("oversight/list.html", "/oversight/items");
}
