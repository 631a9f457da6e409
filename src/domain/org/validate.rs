//! The rules an org file must follow beyond being TOML: codes, names, durations, trees without
//! loops, exactly one root department, and rules that point at what exists.

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::file::{Lines, RawFile, RawNode};
use super::{Category, Node, Org, OrgError, Rule};
use crate::domain::duration::Span;
use crate::domain::tree::Tree;

/// Longest accepted code, in characters (codes are ASCII).
const MAX_CODE_LEN: usize = 64;
/// Longest accepted name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// Largest accepted headcount of an area: far above any real one, far below any overflow.
const MAX_CADRES: i64 = 10_000_000;

/// Check what was read; the first problem found is the error.
pub(super) fn validate(raw: RawFile, lines: Lines) -> Result<Org, OrgError> {
    Validator { lines }.validate(raw)
}

struct Validator {
    lines: Lines,
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

        let (departments, department_codes) = self.check_nodes("department", &raw.departments)?;
        let roots: Vec<&Spanned<RawNode>> = raw
            .departments
            .iter()
            .filter(|entry| entry.get_ref().parent.is_none())
            .collect();
        let root = match roots.as_slice() {
            [root] => root.get_ref().code.get_ref().as_str(),
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
                    second.span(),
                    format!(
                        "department {:?} has no parent, but {:?} (line {}) is already the root; \
                         exactly one department may have no parent",
                        second.get_ref().code.get_ref(),
                        first.get_ref().code.get_ref(),
                        self.line_of(first.span())
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

        let retaliation_body = match &raw.retaliation_body {
            None => None,
            Some(body) => {
                let code = body.get_ref();
                if !department_codes.contains_key(code.as_str()) {
                    return Err(self.error(
                        body.span(),
                        format!("retaliation_body {code:?} is not a department code"),
                    ));
                }
                if code == root {
                    return Err(self.error(
                        body.span(),
                        format!(
                            "retaliation_body {code:?} is the root department; it must be a body \
                             outside the chain it looks into, so name a department below the root"
                        ),
                    ));
                }
                Some(code.clone())
            }
        };

        // Several root areas are fine: a deployment may cover more than one county.
        let (areas, area_codes) = self.check_nodes("area", &raw.areas)?;

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
            retaliation_body,
            departments,
            areas,
            categories,
            rules,
        })
    }

    /// A section of departments or areas: codes, names and the tree they form. Returns the nodes and
    /// each code with its line.
    fn check_nodes<'a>(
        &self,
        kind: &str,
        entries: &'a [Spanned<RawNode>],
    ) -> Result<(Vec<Node>, HashMap<&'a str, usize>), OrgError> {
        let mut nodes = Vec::with_capacity(entries.len());
        let mut codes = HashMap::new();
        for entry in entries {
            let node = entry.get_ref();
            self.check_code(kind, &node.code, &mut codes)?;
            nodes.push(Node {
                code: node.code.get_ref().clone(),
                name: self.check_name("name", &node.name)?,
                name_en: self.check_optional_name("name_en", node.name_en.as_ref())?,
                parent: node.parent.as_ref().map(|p| p.get_ref().clone()),
                cadres: self.check_cadres(kind, node.cadres.as_ref())?,
            });
        }
        self.check_tree(kind, entries)?;
        Ok((nodes, codes))
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

    /// A headcount: on areas only, a whole number from 0 to `MAX_CADRES`.
    fn check_cadres(
        &self,
        kind: &str,
        cadres: Option<&Spanned<i64>>,
    ) -> Result<Option<i64>, OrgError> {
        let Some(cadres) = cadres else {
            return Ok(None);
        };
        if kind != "area" {
            return Err(self.error(
                cadres.span(),
                format!("cadres is a headcount of an area; a {kind} has none"),
            ));
        }
        let n = *cadres.get_ref();
        if !(0..=MAX_CADRES).contains(&n) {
            return Err(self.error(
                cadres.span(),
                format!("cadres must be a whole number from 0 to {MAX_CADRES}, not {n}"),
            ));
        }
        Ok(Some(n))
    }

    fn check_span(&self, field: &str, value: &Spanned<String>) -> Result<Span, OrgError> {
        let span = Span::parse(value.get_ref())
            .map_err(|e| self.error(value.span(), format!("{field}: {e}")))?;
        if span.seconds() <= 0 {
            return Err(self.error(value.span(), format!("{field} must be longer than 0s")));
        }
        Ok(span)
    }

    /// Every parent exists and no entry is its own ancestor.
    fn check_tree(&self, kind: &str, entries: &[Spanned<RawNode>]) -> Result<(), OrgError> {
        let tree = Tree::new(entries.iter().map(|entry| {
            let node = entry.get_ref();
            (
                node.code.get_ref().as_str(),
                node.parent.as_ref().map(|p| p.get_ref().as_str()),
            )
        }));
        let unknown = tree.first_unknown_parent().map(|i| entries[i].get_ref());
        if let Some(RawNode {
            code,
            parent: Some(parent),
            ..
        }) = unknown
        {
            return Err(self.error(
                parent.span(),
                format!(
                    "{kind} {:?}: unknown parent {:?} (no {kind} has this code)",
                    code.get_ref(),
                    parent.get_ref()
                ),
            ));
        }
        if let Some(cycle) = tree.first_loop() {
            // Reported at the parent line of the loop's earliest entry, naming the loop from there.
            let first = &entries[cycle[0]];
            let names: Vec<&str> = cycle.iter().map(|i| tree.code(*i)).collect();
            let span = first
                .get_ref()
                .parent
                .as_ref()
                .map_or(first.span(), |p| p.span());
            return Err(self.error(
                span,
                format!(
                    "{kind} {:?} is its own ancestor: {}",
                    names[0],
                    names.join(" -> ")
                ),
            ));
        }
        Ok(())
    }
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
