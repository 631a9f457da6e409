//! The organisation file: departments, areas, categories and routing rules (API.md, "Organisation
//! file"). This module only parses, validates and prints; importing into the database is elsewhere.
//!
//! Every problem is reported as an [`OrgError`] carrying the 1-based line of the offending entry or
//! value, so an administrator can fix the file without guessing. A file is either valid as a whole or
//! rejected.
//!
//! `file` reads and prints the file as written, `validate` turns what was read into an [`Org`].

mod diff;
mod file;
#[cfg(test)]
mod tests;
mod validate;

use super::duration::Span;
use super::tree::Tree;

pub use super::routing::Rule;
pub use diff::{diff, Changes, OrgDiff, RuleChanges, TriageChange};

/// A validated organisation: everything an `org import` brings in, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    /// Department whose supervisors receive items no rule matches. Always filled after parse: when the
    /// file omits it, it is the root department.
    pub triage: String,
    /// The department that receives retaliation reports (a discipline inspection body): never the
    /// root, and overseen from within only (`domain::retaliation`). None: retaliation reports are
    /// not offered.
    pub retaliation_body: Option<String>,
    pub departments: Vec<Department>,
    pub areas: Vec<Area>,
    pub categories: Vec<Category>,
    pub rules: Vec<Rule>,
}

/// A node of the department tree (county government → bureaus); a parent supervises its children.
pub type Department = Node;

/// A node of the jurisdiction tree (county → township → village): where a problem is.
pub type Area = Node;

/// A department or an area: both trees are written, checked and printed alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<String>,
    /// Areas only: the approximate number of cadres who work there (`domain::coarsening`).
    pub cadres: Option<i64>,
}

/// A kind of problem, with its deadlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub acknowledge_within: Span,
    pub respond_within: Span,
    pub confirm_within: Span,
}

/// Why an organisation file was rejected, with the 1-based line of the problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct OrgError {
    pub line: usize,
    pub reason: String,
}

impl Org {
    /// Parse and validate an org file. Any problem -> Err naming the 1-based line and the reason.
    pub fn parse(text: &str) -> Result<Org, OrgError> {
        let (raw, lines) = file::read(text)?;
        validate::validate(raw, lines)
    }

    /// Print the org back in the same TOML format (round-trips: Org::parse(&org.to_toml()) == Ok(org)).
    pub fn to_toml(&self) -> String {
        file::print(self)
    }

    /// Departments ordered so that every parent comes before its children (for inserting with FK on parent).
    pub fn departments_parents_first(&self) -> Vec<&Department> {
        parents_first(&self.departments)
    }

    /// Areas ordered so that every parent comes before its children (for inserting with FK on parent).
    pub fn areas_parents_first(&self) -> Vec<&Area> {
        parents_first(&self.areas)
    }
}

/// The tree is built from `nodes` in their order, so its entries are their indexes.
fn parents_first(nodes: &[Node]) -> Vec<&Node> {
    let tree = Tree::new(nodes.iter().map(|n| (n.code.as_str(), n.parent.as_deref())));
    tree.parents_first()
        .into_iter()
        .map(|i| &nodes[i])
        .collect()
}
