//! The organisation file: departments, areas, categories and routing rules (API.md, "Organisation
//! file"). This module only parses, validates and prints; importing into the database is elsewhere.
//!
//! Every problem is reported as an [`OrgError`] carrying the 1-based line of the offending entry or
//! value, so an administrator can fix the file without guessing. A file is either valid as a whole or
//! rejected.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::duration::Span;

/// Longest accepted code, in characters (codes are ASCII).
const MAX_CODE_LEN: usize = 64;
/// Longest accepted name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// A validated organisation: everything an `org import` brings in, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    /// Department whose supervisors receive items no rule matches. Always filled after parse: when the
    /// file omits it, it is the root department.
    pub triage: String,
    pub departments: Vec<Department>,
    pub areas: Vec<Area>,
    pub categories: Vec<Category>,
    pub rules: Vec<Rule>,
}

/// A node of the department tree (county government → bureaus); a parent supervises its children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<String>,
}

/// A node of the jurisdiction tree (county → township → village): where a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<String>,
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

/// A routing rule: (category or any, area subtree or any) → department. The most specific rule wins
/// (deepest area, then exact category, then higher priority).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// `None` = any category.
    pub category: Option<String>,
    /// `None` = any area; otherwise the area and every area below it.
    pub area: Option<String>,
    pub department: String,
    pub priority: i64,
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
        let lines = Lines::new(text);
        let raw: RawFile = toml::from_str(text).map_err(|e| OrgError {
            line: e.span().map_or(1, |span| lines.line(span.start)),
            // toml's messages may span lines ("invalid table header\nexpected ..."); keep one line.
            reason: e
                .message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
        })?;
        Validator { lines }.validate(raw)
    }

    /// Print the org back in the same TOML format (round-trips: Org::parse(&org.to_toml()) == Ok(org)).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "triage = {}", toml_string(&self.triage));
        for d in &self.departments {
            out.push_str("\n[[departments]]\n");
            write_node(
                &mut out,
                &d.code,
                &d.name,
                d.name_en.as_deref(),
                d.parent.as_deref(),
            );
        }
        for a in &self.areas {
            out.push_str("\n[[areas]]\n");
            write_node(
                &mut out,
                &a.code,
                &a.name,
                a.name_en.as_deref(),
                a.parent.as_deref(),
            );
        }
        for c in &self.categories {
            out.push_str("\n[[categories]]\n");
            write_node(&mut out, &c.code, &c.name, c.name_en.as_deref(), None);
            let _ = writeln!(
                out,
                "acknowledge_within = \"{}\"",
                c.acknowledge_within.to_text()
            );
            let _ = writeln!(out, "respond_within = \"{}\"", c.respond_within.to_text());
            let _ = writeln!(out, "confirm_within = \"{}\"", c.confirm_within.to_text());
        }
        for r in &self.rules {
            out.push_str("\n[[rules]]\n");
            if let Some(category) = &r.category {
                let _ = writeln!(out, "category = {}", toml_string(category));
            }
            if let Some(area) = &r.area {
                let _ = writeln!(out, "area = {}", toml_string(area));
            }
            let _ = writeln!(out, "department = {}", toml_string(&r.department));
            let _ = writeln!(out, "priority = {}", toml::Value::Integer(r.priority));
        }
        out
    }

    /// Departments/areas ordered so that every parent comes before its children (for inserting with FK on parent).
    pub fn departments_parents_first(&self) -> Vec<&Department> {
        parents_first(&self.departments, |d| &d.code, |d| d.parent.as_deref())
    }

    /// Areas ordered so that every parent comes before its children (for inserting with FK on parent).
    pub fn areas_parents_first(&self) -> Vec<&Area> {
        parents_first(&self.areas, |a| &a.code, |a| a.parent.as_deref())
    }
}

/// A TOML string literal, escaped by the toml crate.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn write_node(
    out: &mut String,
    code: &str,
    name: &str,
    name_en: Option<&str>,
    parent: Option<&str>,
) {
    let _ = writeln!(out, "code = {}", toml_string(code));
    let _ = writeln!(out, "name = {}", toml_string(name));
    if let Some(name_en) = name_en {
        let _ = writeln!(out, "name_en = {}", toml_string(name_en));
    }
    if let Some(parent) = parent {
        let _ = writeln!(out, "parent = {}", toml_string(parent));
    }
}

/// Stable order by depth in the tree: parents before children, file order otherwise. Tolerates
/// unknown parents (treated as roots) and cycles (never loops) so it is safe on an `Org` built by hand.
fn parents_first<T>(
    items: &[T],
    code: impl Fn(&T) -> &str,
    parent: impl Fn(&T) -> Option<&str>,
) -> Vec<&T> {
    let n = items.len();
    let index: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (code(item), i))
        .collect();
    let mut depth: Vec<Option<usize>> = vec![None; n];
    for start in 0..n {
        let mut path = Vec::new();
        let mut current = start;
        let base = loop {
            if let Some(d) = depth[current] {
                break d + 1;
            }
            path.push(current);
            match parent(&items[current]).and_then(|p| index.get(p)) {
                Some(&p) if path.len() <= n => current = p,
                _ => break 0,
            }
        };
        // The last node on the path sits at depth `base`; each earlier one is one level deeper.
        for (k, &node) in path.iter().rev().enumerate() {
            depth[node].get_or_insert(base + k);
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| depth[i]);
    order.into_iter().map(|i| &items[i]).collect()
}

// ---------------------------------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    triage: Option<Spanned<String>>,
    #[serde(default)]
    departments: Vec<Spanned<RawNode>>,
    #[serde(default)]
    areas: Vec<Spanned<RawNode>>,
    #[serde(default)]
    categories: Vec<Spanned<RawCategory>>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
}

/// A department or an area.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    code: Spanned<String>,
    name: Spanned<String>,
    name_en: Option<Spanned<String>>,
    parent: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    code: Spanned<String>,
    name: Spanned<String>,
    name_en: Option<Spanned<String>>,
    acknowledge_within: Spanned<String>,
    respond_within: Spanned<String>,
    confirm_within: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    category: Option<Spanned<String>>,
    area: Option<Spanned<String>>,
    department: Spanned<String>,
    #[serde(default)]
    priority: i64,
}

/// Byte offset → 1-based line number.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }
}

// ---------------------------------------------------------------------------------------------------
// Validation.

struct Validator {
    lines: Lines,
}

/// What the tree checks need to know about one department or area.
struct TreeNode<'a> {
    code: &'a str,
    parent: Option<&'a Spanned<String>>,
    entry: Range<usize>,
}

impl Validator {
    fn error(&self, span: Range<usize>, reason: impl Into<String>) -> OrgError {
        OrgError {
            line: self.lines.line(span.start),
            reason: reason.into(),
        }
    }

    fn line_of(&self, span: Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    fn validate(&self, raw: RawFile) -> Result<Org, OrgError> {
        if raw.departments.is_empty() {
            return Err(OrgError {
                line: 1,
                reason: "no departments: at least one [[departments]] entry is required".into(),
            });
        }

        // Departments.
        let mut departments = Vec::with_capacity(raw.departments.len());
        let mut department_codes: HashMap<&str, usize> = HashMap::new();
        for entry in &raw.departments {
            let node = entry.get_ref();
            self.check_code("department", &node.code, &mut department_codes)?;
            departments.push(Department {
                code: node.code.get_ref().clone(),
                name: self.check_name("name", &node.name)?,
                name_en: self.check_optional_name("name_en", node.name_en.as_ref())?,
                parent: node.parent.as_ref().map(|p| p.get_ref().clone()),
            });
        }
        let department_tree = tree_nodes(&raw.departments);
        self.check_tree("department", &department_tree, &department_codes)?;
        let roots: Vec<&TreeNode> = department_tree
            .iter()
            .filter(|n| n.parent.is_none())
            .collect();
        let root = match roots.as_slice() {
            [root] => root.code,
            [] => {
                // Unreachable after check_tree (a finite tree without a root has a cycle), kept
                // so that the rule is enforced even if the checks change.
                return Err(OrgError {
                    line: 1,
                    reason: "no root department: exactly one department must have no parent".into(),
                });
            }
            [first, second, ..] => {
                return Err(self.error(
                    second.entry.clone(),
                    format!(
                        "department {:?} has no parent, but {:?} (line {}) is already the root; \
                         exactly one department may have no parent",
                        second.code,
                        first.code,
                        self.line_of(first.entry.clone())
                    ),
                ));
            }
        };
        let triage = match &raw.triage {
            None => root.to_string(),
            Some(triage) => {
                if !department_codes.contains_key(triage.get_ref().as_str()) {
                    return Err(self.error(
                        triage.span(),
                        format!("triage {:?} is not a department code", triage.get_ref()),
                    ));
                }
                triage.get_ref().clone()
            }
        };

        // Areas (several roots are fine: a deployment may cover more than one county).
        let mut areas = Vec::with_capacity(raw.areas.len());
        let mut area_codes: HashMap<&str, usize> = HashMap::new();
        for entry in &raw.areas {
            let node = entry.get_ref();
            self.check_code("area", &node.code, &mut area_codes)?;
            areas.push(Area {
                code: node.code.get_ref().clone(),
                name: self.check_name("name", &node.name)?,
                name_en: self.check_optional_name("name_en", node.name_en.as_ref())?,
                parent: node.parent.as_ref().map(|p| p.get_ref().clone()),
            });
        }
        self.check_tree("area", &tree_nodes(&raw.areas), &area_codes)?;

        // Categories.
        let mut categories = Vec::with_capacity(raw.categories.len());
        let mut category_codes: HashMap<&str, usize> = HashMap::new();
        for entry in &raw.categories {
            let c = entry.get_ref();
            self.check_code("category", &c.code, &mut category_codes)?;
            let name = self.check_name("name", &c.name)?;
            let name_en = self.check_optional_name("name_en", c.name_en.as_ref())?;
            let acknowledge_within =
                self.check_span("acknowledge_within", &c.acknowledge_within)?;
            let respond_within = self.check_span("respond_within", &c.respond_within)?;
            let confirm_within = self.check_span("confirm_within", &c.confirm_within)?;
            if acknowledge_within > respond_within {
                return Err(self.error(
                    c.acknowledge_within.span(),
                    format!(
                        "acknowledge_within ({acknowledge_within}) is longer than respond_within \
                         ({respond_within}); an item must be acknowledged before it is answered"
                    ),
                ));
            }
            categories.push(Category {
                code: c.code.get_ref().clone(),
                name,
                name_en,
                acknowledge_within,
                respond_within,
                confirm_within,
            });
        }

        // Rules.
        let mut rules = Vec::with_capacity(raw.rules.len());
        let mut seen_rules: HashMap<(Option<&str>, Option<&str>, i64), usize> = HashMap::new();
        for entry in &raw.rules {
            let r = entry.get_ref();
            if let Some(category) = &r.category {
                if !category_codes.contains_key(category.get_ref().as_str()) {
                    return Err(self.error(
                        category.span(),
                        format!(
                            "rule category {:?} is not a category code",
                            category.get_ref()
                        ),
                    ));
                }
            }
            if let Some(area) = &r.area {
                if !area_codes.contains_key(area.get_ref().as_str()) {
                    return Err(self.error(
                        area.span(),
                        format!("rule area {:?} is not an area code", area.get_ref()),
                    ));
                }
            }
            if !department_codes.contains_key(r.department.get_ref().as_str()) {
                return Err(self.error(
                    r.department.span(),
                    format!(
                        "rule department {:?} is not a department code",
                        r.department.get_ref()
                    ),
                ));
            }
            let key = (
                r.category.as_ref().map(|c| c.get_ref().as_str()),
                r.area.as_ref().map(|a| a.get_ref().as_str()),
                r.priority,
            );
            let line = self.line_of(entry.span());
            if let Some(first_line) = seen_rules.insert(key, line) {
                return Err(OrgError {
                    line,
                    reason: format!(
                        "rule has the same category, area and priority as the rule on line \
                         {first_line}; it would be unclear which one applies"
                    ),
                });
            }
            rules.push(Rule {
                category: r.category.as_ref().map(|c| c.get_ref().clone()),
                area: r.area.as_ref().map(|a| a.get_ref().clone()),
                department: r.department.get_ref().clone(),
                priority: r.priority,
            });
        }

        Ok(Org {
            triage,
            departments,
            areas,
            categories,
            rules,
        })
    }

    /// Code format and uniqueness within its kind; records the code with its line.
    fn check_code<'a>(
        &self,
        kind: &str,
        code: &'a Spanned<String>,
        seen: &mut HashMap<&'a str, usize>,
    ) -> Result<(), OrgError> {
        let text = code.get_ref().as_str();
        if !is_valid_code(text) {
            return Err(self.error(
                code.span(),
                format!(
                    "{kind} code {text:?} is invalid: use 1 to {MAX_CODE_LEN} characters a-z, 0-9 \
                     and '-', starting with a letter or digit"
                ),
            ));
        }
        let line = self.line_of(code.span());
        if let Some(first_line) = seen.insert(text, line) {
            seen.insert(text, first_line);
            return Err(OrgError {
                line,
                reason: format!(
                    "duplicate {kind} code {text:?} (first defined on line {first_line})"
                ),
            });
        }
        Ok(())
    }

    fn check_name(&self, field: &str, name: &Spanned<String>) -> Result<String, OrgError> {
        let trimmed = name.get_ref().trim();
        let chars = trimmed.chars().count();
        if chars == 0 {
            return Err(self.error(name.span(), format!("{field} must not be empty")));
        }
        if chars > MAX_NAME_CHARS {
            return Err(self.error(
                name.span(),
                format!("{field} is {chars} characters long; at most {MAX_NAME_CHARS} are allowed"),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(self.error(
                name.span(),
                format!("{field} must not contain control characters such as line breaks or tabs"),
            ));
        }
        Ok(trimmed.to_string())
    }

    fn check_optional_name(
        &self,
        field: &str,
        name: Option<&Spanned<String>>,
    ) -> Result<Option<String>, OrgError> {
        name.map(|n| self.check_name(field, n)).transpose()
    }

    fn check_span(&self, field: &str, value: &Spanned<String>) -> Result<Span, OrgError> {
        let span = Span::parse(value.get_ref())
            .map_err(|e| self.error(value.span(), format!("{field}: {e}")))?;
        if span.seconds() <= 0 {
            return Err(self.error(value.span(), format!("{field} must be longer than 0s")));
        }
        Ok(span)
    }

    /// Every parent exists and there is no cycle.
    fn check_tree(
        &self,
        kind: &str,
        nodes: &[TreeNode],
        codes: &HashMap<&str, usize>,
    ) -> Result<(), OrgError> {
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            index.entry(node.code).or_insert(i);
        }
        let mut parent_of: Vec<Option<usize>> = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node.parent {
                None => parent_of.push(None),
                Some(parent) => {
                    let p = parent.get_ref().as_str();
                    if !codes.contains_key(p) {
                        return Err(self.error(
                            parent.span(),
                            format!(
                                "{kind} {:?}: unknown parent {p:?} (no {kind} has this code)",
                                node.code
                            ),
                        ));
                    }
                    parent_of.push(Some(index[p]));
                }
            }
        }

        // Walk up from each node; a walk that meets its own path has found a cycle.
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![UNSEEN; nodes.len()];
        let mut first_cycle: Option<Vec<usize>> = None;
        for start in 0..nodes.len() {
            let mut path = Vec::new();
            let mut current = Some(start);
            while let Some(i) = current {
                match state[i] {
                    DONE => break,
                    ON_PATH => {
                        let at = path.iter().position(|&p| p == i).unwrap_or(0);
                        let cycle = path[at..].to_vec();
                        // Keep the cycle holding the earliest entry of the file.
                        let smallest = |c: &[usize]| c.iter().copied().min();
                        let earlier = match &first_cycle {
                            None => true,
                            Some(found) => smallest(&cycle) < smallest(found),
                        };
                        if earlier {
                            first_cycle = Some(cycle);
                        }
                        break;
                    }
                    _ => {
                        state[i] = ON_PATH;
                        path.push(i);
                        current = parent_of[i];
                    }
                }
            }
            for i in path {
                state[i] = DONE;
            }
        }
        if let Some(cycle) = first_cycle {
            // Report at the parent line of the cycle's earliest entry, naming the loop from there.
            let first = cycle.iter().copied().min().unwrap_or(0);
            let mut names = vec![nodes[first].code];
            let mut current = parent_of[first];
            while let Some(i) = current {
                names.push(nodes[i].code);
                if i == first || names.len() > cycle.len() + 1 {
                    break;
                }
                current = parent_of[i];
            }
            let span = nodes[first]
                .parent
                .map_or(nodes[first].entry.clone(), |p| p.span());
            return Err(self.error(
                span,
                format!(
                    "{kind} {:?} is its own ancestor: {}",
                    nodes[first].code,
                    names.join(" -> ")
                ),
            ));
        }
        Ok(())
    }
}

fn tree_nodes(entries: &[Spanned<RawNode>]) -> Vec<TreeNode<'_>> {
    entries
        .iter()
        .map(|entry| TreeNode {
            code: entry.get_ref().code.get_ref(),
            parent: entry.get_ref().parent.as_ref(),
            entry: entry.span(),
        })
        .collect()
}

/// `^[a-z0-9][a-z0-9-]{0,63}$`
fn is_valid_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    !bytes.is_empty()
        && bytes.len() <= MAX_CODE_LEN
        && bytes[0] != b'-'
        && bytes.iter().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"triage = "county"

[[departments]]
code = "county"
name = "某县人民政府"
name_en = "County Government"

[[departments]]
code = "civil-affairs"
name = "县民政局"
parent = "county"

[[areas]]
code = "county"
name = "某县"

[[areas]]
code = "xinhe"
name = "新河镇"
parent = "county"

[[categories]]
code = "duplicate-inspections"
name = "重复检查考核"
acknowledge_within = "2d"
respond_within = "15d"
confirm_within = "14d"

[[rules]]
category = "duplicate-inspections"
area = "xinhe"
department = "civil-affairs"
priority = 3

[[rules]]
department = "county"
"#;

    fn err(text: &str) -> OrgError {
        match Org::parse(text) {
            Ok(org) => panic!("expected an error, parsed {org:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the error is on `line` and its reason contains `needle`.
    fn assert_err(text: &str, line: usize, needle: &str) {
        let e = err(text);
        assert_eq!(e.line, line, "wrong line for {e}");
        assert!(e.reason.contains(needle), "{e:?} should mention {needle:?}");
    }

    /// Two departments, used as a prefix for tests of the later sections.
    const DEPTS: &str = "[[departments]]\ncode = \"county\"\nname = \"County\"\n\n\
                         [[departments]]\ncode = \"farm\"\nname = \"Agriculture\"\nparent = \"county\"\n";
    // Lines 1-3: county, 4 blank, 5-8: farm (code on line 6); text appended after it starts on line 9.

    fn category(code: &str, ack: &str, respond: &str, confirm: &str) -> String {
        format!(
            "[[categories]]\ncode = \"{code}\"\nname = \"N\"\nacknowledge_within = \"{ack}\"\n\
             respond_within = \"{respond}\"\nconfirm_within = \"{confirm}\"\n"
        )
    }

    #[test]
    fn parses_a_small_file() {
        let org = Org::parse(SMALL).unwrap();
        assert_eq!(
            org,
            Org {
                triage: "county".into(),
                departments: vec![
                    Department {
                        code: "county".into(),
                        name: "某县人民政府".into(),
                        name_en: Some("County Government".into()),
                        parent: None,
                    },
                    Department {
                        code: "civil-affairs".into(),
                        name: "县民政局".into(),
                        name_en: None,
                        parent: Some("county".into()),
                    },
                ],
                areas: vec![
                    Area {
                        code: "county".into(),
                        name: "某县".into(),
                        name_en: None,
                        parent: None,
                    },
                    Area {
                        code: "xinhe".into(),
                        name: "新河镇".into(),
                        name_en: None,
                        parent: Some("county".into()),
                    },
                ],
                categories: vec![Category {
                    code: "duplicate-inspections".into(),
                    name: "重复检查考核".into(),
                    name_en: None,
                    acknowledge_within: Span(2 * 86_400),
                    respond_within: Span(15 * 86_400),
                    confirm_within: Span(14 * 86_400),
                }],
                rules: vec![
                    Rule {
                        category: Some("duplicate-inspections".into()),
                        area: Some("xinhe".into()),
                        department: "civil-affairs".into(),
                        priority: 3,
                    },
                    Rule {
                        category: None,
                        area: None,
                        department: "county".into(),
                        priority: 0,
                    },
                ],
            }
        );
    }

    #[test]
    fn triage_defaults_to_the_root_department() {
        let text =
            "[[departments]]\ncode = \"farm\"\nname = \"Agriculture\"\nparent = \"county\"\n\n\
                    [[departments]]\ncode = \"county\"\nname = \"County\"\n";
        assert_eq!(Org::parse(text).unwrap().triage, "county");
    }

    #[test]
    fn explicit_triage_may_be_any_department() {
        let text = format!("triage = \"farm\"\n{DEPTS}");
        assert_eq!(Org::parse(&text).unwrap().triage, "farm");
    }

    #[test]
    fn names_are_trimmed_and_sections_other_than_departments_are_optional() {
        let text = "[[departments]]\ncode = \"c\"\nname = \"  County \"\n";
        let org = Org::parse(text).unwrap();
        assert_eq!(org.departments[0].name, "County");
        assert!(org.areas.is_empty() && org.categories.is_empty() && org.rules.is_empty());
    }

    #[test]
    fn round_trips_through_to_toml() {
        let org = Org::parse(SMALL).unwrap();
        let text = org.to_toml();
        assert!(text.starts_with("triage = \"county\"\n"), "{text}");
        assert!(text.contains("acknowledge_within = \"2d\""), "{text}");
        assert!(!text.contains("name_en = \"\""), "{text}");
        assert_eq!(Org::parse(&text), Ok(org));
    }

    #[test]
    fn to_toml_orders_sections_and_omits_absent_fields() {
        let text = Org::parse(SMALL).unwrap().to_toml();
        let pos = |s: &str| {
            text.find(s)
                .unwrap_or_else(|| panic!("{s} missing in {text}"))
        };
        assert!(pos("triage") < pos("[[departments]]"));
        assert!(pos("[[departments]]") < pos("[[areas]]"));
        assert!(pos("[[areas]]") < pos("[[categories]]"));
        assert!(pos("[[categories]]") < pos("[[rules]]"));
        // The catch-all rule has neither category nor area.
        assert!(
            text.ends_with("[[rules]]\ndepartment = \"county\"\npriority = 0\n"),
            "{text}"
        );
    }

    #[test]
    fn to_toml_escapes_awkward_strings() {
        let mut org = Org::parse(SMALL).unwrap();
        org.departments[0].name = r#"He said "hi" \ it's 'quoted' ''' """ "#.trim().into();
        org.departments[1].name_en = Some("Civil Affairs \\n not a newline".into());
        org.areas[0].name = "'".into();
        org.categories[0].acknowledge_within = Span(90);
        org.categories[0].respond_within = Span(5400);
        org.rules[0].priority = -7;
        let text = org.to_toml();
        assert_eq!(Org::parse(&text), Ok(org), "{text}");
    }

    #[test]
    fn parents_first_puts_every_parent_before_its_children() {
        let text = r#"
[[departments]]
code = "office"
name = "Office"
parent = "bureau"
[[departments]]
code = "bureau"
name = "Bureau"
parent = "county"
[[departments]]
code = "county"
name = "County"
[[departments]]
code = "other"
name = "Other"
parent = "county"

[[areas]]
code = "village"
name = "Village"
parent = "town"
[[areas]]
code = "town"
name = "Town"
parent = "county"
[[areas]]
code = "county"
name = "County"
[[areas]]
code = "second-county"
name = "Second county"
"#;
        let org = Org::parse(text).unwrap();
        let codes: Vec<&str> = org
            .departments_parents_first()
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(codes, ["county", "bureau", "other", "office"]);
        let codes: Vec<&str> = org
            .areas_parents_first()
            .iter()
            .map(|a| a.code.as_str())
            .collect();
        assert_eq!(codes, ["county", "second-county", "town", "village"]);
    }

    #[test]
    fn parents_first_survives_a_hand_built_cycle() {
        let mut org = Org::parse(SMALL).unwrap();
        org.departments[0].parent = Some("civil-affairs".into());
        assert_eq!(org.departments_parents_first().len(), 2);
    }

    // --- one test per validation error, each checking the line ---

    #[test]
    fn toml_syntax_error() {
        let e = err("[[departments]]\ncode = \"a\"\nname = \"A\"\n[[departments\n");
        assert_eq!(e.line, 4, "{e}");
        assert!(e.reason.contains("invalid table header; expected"), "{e:?}");
        assert_err("[[departments]]\ncode = \"a\"\nname = \"A\n", 3, "");
    }

    #[test]
    fn wrong_type() {
        assert_err(
            "[[departments]]\ncode = \"a\"\nname = 5\n",
            3,
            "invalid type: integer",
        );
        let text = format!(
            "{DEPTS}{}",
            category("x", "1d", "2d", "3d").replace("\"3d\"", "3")
        );
        assert_err(&text, 14, "invalid type");
    }

    #[test]
    fn unknown_top_level_key() {
        assert_err(
            &format!("owner = \"me\"\n{DEPTS}"),
            1,
            "unknown field `owner`",
        );
    }

    #[test]
    fn unknown_key_in_entry() {
        let text = "[[departments]]\ncode = \"a\"\nname = \"A\"\nhead = \"Wang\"\n";
        assert_err(text, 4, "unknown field `head`");
        let text = format!("{DEPTS}[[rules]]\ndepartment = \"farm\"\nweight = 2\n");
        assert_err(&text, 11, "unknown field `weight`");
    }

    #[test]
    fn missing_field_points_at_the_entry() {
        assert_err(
            &format!("{DEPTS}\n[[areas]]\ncode = \"t\"\n"),
            10,
            "missing field `name`",
        );
        assert_err(
            &format!("{DEPTS}[[rules]]\narea = \"x\"\n"),
            9,
            "missing field `department`",
        );
    }

    #[test]
    fn no_departments() {
        assert_err("", 1, "at least one [[departments]]");
        assert_err(
            "# nothing\n\n[[areas]]\ncode = \"a\"\nname = \"A\"\n",
            1,
            "at least one",
        );
    }

    #[test]
    fn invalid_codes() {
        let long = "a".repeat(65);
        for bad in [
            "",
            "County",
            "-county",
            "co unty",
            "co_unty",
            "县",
            long.as_str(),
        ] {
            let text = format!("[[departments]]\nname = \"N\"\ncode = \"{bad}\"\n");
            assert_err(&text, 3, "code");
        }
        let max = "a".repeat(64);
        for good in ["a", "0", "county-2", "9-", max.as_str()] {
            let text = format!("[[departments]]\nname = \"N\"\ncode = \"{good}\"\n");
            assert!(Org::parse(&text).is_ok(), "{good}");
        }
        assert_err(
            &format!("{DEPTS}[[areas]]\ncode = \"X\"\nname = \"A\"\n"),
            10,
            "area code",
        );
        let text = format!("{DEPTS}{}", category("Bad", "1d", "2d", "3d"));
        assert_err(&text, 10, "category code");
    }

    #[test]
    fn duplicate_department_code() {
        let text = format!("{DEPTS}[[departments]]\ncode = \"farm\"\nname = \"Again\"\n");
        assert_err(
            &text,
            10,
            "duplicate department code \"farm\" (first defined on line 6)",
        );
    }

    #[test]
    fn duplicate_area_code() {
        let text = format!(
            "{DEPTS}[[areas]]\ncode = \"a\"\nname = \"A\"\n[[areas]]\ncode = \"a\"\nname = \"B\"\n"
        );
        assert_err(&text, 13, "duplicate area code \"a\"");
    }

    #[test]
    fn duplicate_category_code() {
        let c = category("x", "1d", "2d", "3d");
        assert_err(
            &format!("{DEPTS}{c}{c}"),
            16,
            "duplicate category code \"x\"",
        );
    }

    #[test]
    fn same_code_in_different_kinds_is_fine() {
        let text = format!("{DEPTS}[[areas]]\ncode = \"county\"\nname = \"County\"\n");
        assert!(Org::parse(&text).is_ok());
    }

    #[test]
    fn empty_name() {
        assert_err(
            "[[departments]]\ncode = \"a\"\n\nname = \"  \"\n",
            4,
            "name must not be empty",
        );
        assert_err(
            "[[departments]]\ncode = \"a\"\nname = \"A\"\nname_en = \"\"\n",
            4,
            "name_en must not be empty",
        );
    }

    #[test]
    fn name_too_long() {
        let ok = "县".repeat(200);
        assert!(Org::parse(&format!("[[departments]]\ncode = \"a\"\nname = \"{ok}\"\n")).is_ok());
        let long = "县".repeat(201);
        let text = format!("[[departments]]\ncode = \"a\"\nname = \"{long}\"\n");
        assert_err(&text, 3, "201 characters");
    }

    #[test]
    fn name_with_line_break() {
        let text = "[[departments]]\ncode = \"a\"\nname = \"\"\"two\nlines\"\"\"\n";
        assert_err(text, 3, "control characters");
    }

    #[test]
    fn unknown_department_parent() {
        let text =
            format!("{DEPTS}[[departments]]\ncode = \"x\"\nname = \"X\"\nparent = \"nope\"\n");
        assert_err(
            &text,
            12,
            "unknown parent \"nope\" (no department has this code)",
        );
    }

    #[test]
    fn unknown_area_parent() {
        let text = format!("{DEPTS}[[areas]]\ncode = \"t\"\nparent = \"nope\"\nname = \"T\"\n");
        assert_err(&text, 11, "unknown parent \"nope\" (no area has this code)");
    }

    #[test]
    fn department_cycle() {
        let text = format!(
            "{DEPTS}[[departments]]\ncode = \"a\"\nname = \"A\"\nparent = \"b\"\n\
             [[departments]]\ncode = \"b\"\nname = \"B\"\nparent = \"a\"\n"
        );
        assert_err(
            &text,
            12,
            "department \"a\" is its own ancestor: a -> b -> a",
        );
    }

    #[test]
    fn department_is_its_own_parent() {
        let text = format!("{DEPTS}[[departments]]\ncode = \"a\"\nname = \"A\"\nparent = \"a\"\n");
        assert_err(&text, 12, "a -> a");
    }

    #[test]
    fn area_cycle() {
        let text = format!(
            "{DEPTS}[[areas]]\ncode = \"x\"\nname = \"X\"\nparent = \"z\"\n\
             [[areas]]\ncode = \"y\"\nname = \"Y\"\nparent = \"x\"\n\
             [[areas]]\ncode = \"z\"\nname = \"Z\"\nparent = \"y\"\n"
        );
        assert_err(
            &text,
            12,
            "area \"x\" is its own ancestor: x -> z -> y -> x",
        );
    }

    #[test]
    fn two_root_departments() {
        let text = format!("{DEPTS}\n[[departments]]\ncode = \"party\"\nname = \"Party\"\n");
        assert_err(
            &text,
            10,
            "department \"party\" has no parent, but \"county\" (line 1)",
        );
    }

    #[test]
    fn several_root_areas_are_allowed() {
        let text = format!(
            "{DEPTS}[[areas]]\ncode = \"a\"\nname = \"A\"\n[[areas]]\ncode = \"b\"\nname = \"B\"\n"
        );
        assert_eq!(Org::parse(&text).unwrap().areas.len(), 2);
    }

    #[test]
    fn unknown_triage() {
        assert_err(
            &format!("\ntriage = \"desk\"\n{DEPTS}"),
            2,
            "triage \"desk\"",
        );
    }

    #[test]
    fn invalid_duration() {
        let text = format!("{DEPTS}{}", category("x", "2d", "two weeks", "3d"));
        assert_err(&text, 13, "respond_within: invalid duration \"two weeks\"");
        let text = format!("{DEPTS}{}", category("x", "2", "3d", "3d"));
        assert_err(&text, 12, "acknowledge_within");
    }

    #[test]
    fn zero_duration() {
        let text = format!("{DEPTS}{}", category("x", "1d", "2d", "0s"));
        assert_err(&text, 14, "confirm_within must be longer than 0s");
    }

    #[test]
    fn acknowledge_after_respond() {
        let text = format!("{DEPTS}{}", category("x", "3d", "2d", "1d"));
        assert_err(&text, 12, "longer than respond_within");
    }

    #[test]
    fn rule_with_unknown_category() {
        let text = format!("{DEPTS}[[rules]]\ndepartment = \"farm\"\ncategory = \"nope\"\n");
        assert_err(&text, 11, "rule category \"nope\"");
    }

    #[test]
    fn rule_with_unknown_area() {
        let text = format!("{DEPTS}[[rules]]\narea = \"nope\"\ndepartment = \"farm\"\n");
        assert_err(&text, 10, "rule area \"nope\"");
    }

    #[test]
    fn rule_with_unknown_department() {
        let text = format!("{DEPTS}[[rules]]\n\ndepartment = \"nope\"\n");
        assert_err(&text, 11, "rule department \"nope\"");
    }

    #[test]
    fn ambiguous_rules() {
        let text = format!(
            "{DEPTS}[[rules]]\ndepartment = \"farm\"\n[[rules]]\ndepartment = \"county\"\npriority = 0\n"
        );
        assert_err(
            &text,
            11,
            "same category, area and priority as the rule on line 9",
        );
        let text = format!(
            "{DEPTS}[[rules]]\ndepartment = \"farm\"\n[[rules]]\ndepartment = \"county\"\npriority = 1\n"
        );
        assert!(Org::parse(&text).is_ok());
    }

    #[test]
    fn error_display_names_the_line() {
        let e = err("[[departments]]\ncode = \"A\"\nname = \"A\"\n");
        assert!(
            e.to_string()
                .starts_with("line 2: department code \"A\" is invalid"),
            "{e}"
        );
    }

    #[test]
    fn demo_org_is_valid() {
        let text = include_str!("../../examples/demo-org.toml");
        let org = Org::parse(text).unwrap_or_else(|e| panic!("demo org: {e}"));
        assert!(org.departments.len() >= 7);
        let root = org.departments.iter().find(|d| d.parent.is_none()).unwrap();
        assert_eq!(org.triage, root.code);
        assert!(org
            .departments
            .iter()
            .any(|d| d.parent.as_deref() == Some(root.code.as_str()) && d.name.contains("纪委")));
        assert!(org.departments.iter().all(|d| d.name_en.is_some()));
        let townships = org
            .areas
            .iter()
            .filter(|a| a.name.ends_with('镇') || a.name.ends_with('乡'))
            .count();
        assert!(townships >= 5, "{townships} townships");
        assert!(org.areas.iter().any(|a| a.name.ends_with('村')));
        let codes: Vec<&str> = org.categories.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "duplicate-inspections",
                "excessive-paperwork",
                "unrealistic-indicators",
                "conflicting-policies",
                "unfunded-mandates",
                "excessive-meetings",
                "duplicate-data-reporting",
                "other"
            ]
        );
        for c in &org.categories {
            assert!(
                org.rules
                    .iter()
                    .any(|r| r.category.as_deref() == Some(c.code.as_str()) && r.area.is_none()),
                "no county-wide rule for {}",
                c.code
            );
        }
        assert!(org
            .rules
            .iter()
            .any(|r| r.category.is_some() && r.area.is_some()));
        assert!(org
            .rules
            .iter()
            .any(|r| r.category.is_none() && r.area.is_some()));
        assert_eq!(Org::parse(&org.to_toml()), Ok(org));
    }
}
