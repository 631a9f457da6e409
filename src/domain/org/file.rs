//! The organisation file as written: what TOML gives (with the place of every value, for error
//! lines) and how an [`Org`] is printed back.

use std::fmt::Write as _;

use serde::Deserialize;
use toml::Spanned;

use super::{Org, OrgError};

/// Read the TOML of an org file, before any rule of its own is checked.
pub(super) fn read(text: &str) -> Result<(RawFile, Lines), OrgError> {
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
    Ok((raw, lines))
}

/// The org in the file's format, sections in file order, absent fields left out.
pub(super) fn print(org: &Org) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "triage = {}", toml_string(&org.triage));
    if let Some(body) = &org.retaliation_body {
        let _ = writeln!(out, "retaliation_body = {}", toml_string(body));
    }
    for (section, nodes) in [("departments", &org.departments), ("areas", &org.areas)] {
        for n in nodes {
            let _ = write!(out, "\n[[{section}]]\n");
            write_node(
                &mut out,
                &n.code,
                &n.name,
                n.name_en.as_deref(),
                n.parent.as_deref(),
            );
            if let Some(cadres) = n.cadres {
                let _ = writeln!(out, "cadres = {}", toml::Value::Integer(cadres));
            }
        }
    }
    for c in &org.categories {
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
    for r in &org.rules {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) triage: Option<Spanned<String>>,
    pub(super) retaliation_body: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) departments: Vec<Spanned<RawNode>>,
    #[serde(default)]
    pub(super) areas: Vec<Spanned<RawNode>>,
    #[serde(default)]
    pub(super) categories: Vec<Spanned<RawCategory>>,
    #[serde(default)]
    pub(super) rules: Vec<Spanned<RawRule>>,
}

/// A department or an area.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNode {
    pub(super) code: Spanned<String>,
    pub(super) name: Spanned<String>,
    pub(super) name_en: Option<Spanned<String>>,
    pub(super) parent: Option<Spanned<String>>,
    /// Areas only.
    pub(super) cadres: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCategory {
    pub(super) code: Spanned<String>,
    pub(super) name: Spanned<String>,
    pub(super) name_en: Option<Spanned<String>>,
    pub(super) acknowledge_within: Spanned<String>,
    pub(super) respond_within: Spanned<String>,
    pub(super) confirm_within: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) category: Option<Spanned<String>>,
    pub(super) area: Option<Spanned<String>>,
    pub(super) department: Spanned<String>,
    #[serde(default)]
    pub(super) priority: i64,
}

/// Byte offset → 1-based line number.
pub(super) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    pub(super) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }
}
