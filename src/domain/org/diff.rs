//! What importing an organisation file would change, shown before it is applied: per tree and for
//! the categories, which codes are added (new, or brought back from retirement), changed (name,
//! English name, parent, deadlines) and retired (active now, absent from the file); whether the
//! routing rules are replaced; whether the triage department moves.
use super::{Category, Node, Org, Rule};
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub retired: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.retired.is_empty()
    }
}

/// The rules as they are and as the file has them: an import replaces the whole list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleChanges {
    /// False when the file's rules are the current ones, in the same order.
    pub replaced: bool,
    pub removed: Vec<Rule>,
    pub added: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TriageChange {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OrgDiff {
    pub departments: Changes,
    pub areas: Changes,
    pub categories: Changes,
    pub rules: RuleChanges,
    pub triage: Option<TriageChange>,
}

impl OrgDiff {
    /// Applying the file would change nothing.
    pub fn is_empty(&self) -> bool {
        self.departments.is_empty()
            && self.areas.is_empty()
            && self.categories.is_empty()
            && !self.rules.replaced
            && self.triage.is_none()
    }
}

/// The difference between the active organisation `current` and the file `next`.
pub fn diff(current: &Org, next: &Org) -> OrgDiff {
    let node = |n: &Node| n.code.clone();
    let category = |c: &Category| c.code.clone();
    OrgDiff {
        departments: changes(&current.departments, &next.departments, node),
        areas: changes(&current.areas, &next.areas, node),
        categories: changes(&current.categories, &next.categories, category),
        rules: rule_changes(&current.rules, &next.rules),
        triage: (current.triage != next.triage).then(|| TriageChange {
            from: current.triage.clone(),
            to: next.triage.clone(),
        }),
    }
}

fn changes<T: PartialEq>(current: &[T], next: &[T], code: impl Fn(&T) -> String) -> Changes {
    let find = |list: &'_ [T], c: &str| list.iter().position(|x| code(x) == c);
    let mut out = Changes::default();
    for n in next {
        match find(current, &code(n)) {
            None => out.added.push(code(n)),
            Some(i) if current[i] != *n => out.changed.push(code(n)),
            Some(_) => {}
        }
    }
    for c in current {
        if find(next, &code(c)).is_none() {
            out.retired.push(code(c));
        }
    }
    out
}

/// Rules are compared as lists of entries: what is in one and not matched in the other.
fn rule_changes(current: &[Rule], next: &[Rule]) -> RuleChanges {
    let unmatched = |from: &[Rule], other: &[Rule]| {
        let mut left: Vec<&Rule> = other.iter().collect();
        from.iter()
            .filter(|r| match left.iter().position(|o| o == r) {
                Some(i) => {
                    left.remove(i);
                    false
                }
                None => true,
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    RuleChanges {
        replaced: current != next,
        removed: unmatched(current, next),
        added: unmatched(next, current),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
triage = "county"
[[departments]]
code = "county"
name = "某县人民政府"
[[departments]]
code = "civil"
name = "县民政局"
parent = "county"
[[departments]]
code = "edu"
name = "县教育局"
parent = "county"
[[areas]]
code = "county"
name = "某县"
[[categories]]
code = "other"
name = "其他"
acknowledge_within = "2d"
respond_within = "15d"
confirm_within = "14d"
[[rules]]
category = "other"
department = "civil"
"#;

    #[test]
    fn the_same_file_changes_nothing() {
        let org = Org::parse(BASE).unwrap();
        let d = diff(&org, &org);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn added_changed_retired_and_rules() {
        let current = Org::parse(BASE).unwrap();
        let next_text = BASE
            .replace("县教育局", "县教育和体育局")
            .replace(
                "[[areas]]",
                "[[departments]]\ncode = \"health\"\nname = \"县卫健局\"\nparent = \"county\"\n[[areas]]",
            )
            .replace("respond_within = \"15d\"", "respond_within = \"10d\"")
            .replace("department = \"civil\"", "department = \"health\"")
            .replace(
                "[[departments]]\ncode = \"civil\"\nname = \"县民政局\"\nparent = \"county\"\n",
                "",
            );
        let next = Org::parse(&next_text).unwrap();
        let d = diff(&current, &next);
        assert_eq!(d.departments.added, ["health"]);
        assert_eq!(d.departments.changed, ["edu"]);
        assert_eq!(d.departments.retired, ["civil"]);
        assert!(d.areas.is_empty());
        assert_eq!(d.categories.changed, ["other"]);
        assert!(d.rules.replaced);
        assert_eq!(d.rules.removed[0].department, "civil");
        assert_eq!(d.rules.added[0].department, "health");
        assert!(d.triage.is_none());
    }

    #[test]
    fn reordered_rules_are_a_replacement_with_nothing_added() {
        let two = format!("{BASE}[[rules]]\ndepartment = \"edu\"\n");
        let swapped = BASE.replace(
            "[[rules]]\ncategory = \"other\"\ndepartment = \"civil\"\n",
            "[[rules]]\ndepartment = \"edu\"\n[[rules]]\ncategory = \"other\"\ndepartment = \"civil\"\n",
        );
        let d = diff(&Org::parse(&two).unwrap(), &Org::parse(&swapped).unwrap());
        assert!(d.rules.replaced);
        assert!(d.rules.added.is_empty() && d.rules.removed.is_empty());
    }
}
