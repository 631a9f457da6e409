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
            retaliation_body: None,
            departments: vec![
                Department {
                    code: "county".into(),
                    name: "某县人民政府".into(),
                    name_en: Some("County Government".into()),
                    parent: None,
                    cadres: None,
                },
                Department {
                    code: "civil-affairs".into(),
                    name: "县民政局".into(),
                    name_en: None,
                    parent: Some("county".into()),
                    cadres: None,
                },
            ],
            areas: vec![
                Area {
                    code: "county".into(),
                    name: "某县".into(),
                    name_en: None,
                    parent: None,
                    cadres: None,
                },
                Area {
                    code: "xinhe".into(),
                    name: "新河镇".into(),
                    name_en: None,
                    parent: Some("county".into()),
                    cadres: None,
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
    let text = "[[departments]]\ncode = \"farm\"\nname = \"Agriculture\"\nparent = \"county\"\n\n\
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
    let text = format!("{DEPTS}[[departments]]\ncode = \"x\"\nname = \"X\"\nparent = \"nope\"\n");
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
    let text = include_str!("../../../examples/demo-org.toml");
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

#[test]
fn cadres_and_retaliation_body_parse_and_round_trip() {
    let text = format!(
        "retaliation_body = \"farm\"\n{DEPTS}[[areas]]\ncode = \"t\"\nname = \"T\"\ncadres = 40\n\
         [[areas]]\ncode = \"v\"\nname = \"V\"\nparent = \"t\"\ncadres = 0\n"
    );
    let org = Org::parse(&text).unwrap();
    assert_eq!(org.retaliation_body.as_deref(), Some("farm"));
    assert_eq!(
        org.areas.iter().map(|a| a.cadres).collect::<Vec<_>>(),
        [Some(40), Some(0)]
    );
    let printed = org.to_toml();
    assert!(
        printed.contains("retaliation_body = \"farm\"\n"),
        "{printed}"
    );
    assert!(printed.contains("cadres = 40\n"), "{printed}");
    assert_eq!(Org::parse(&printed), Ok(org));
    // Absent, they stay absent.
    let plain = Org::parse(SMALL).unwrap().to_toml();
    assert!(!plain.contains("cadres") && !plain.contains("retaliation_body"));
}

#[test]
fn cadres_are_a_headcount_of_areas_only() {
    let area =
        |cadres: &str| format!("{DEPTS}[[areas]]\ncode = \"t\"\nname = \"T\"\ncadres = {cadres}\n");
    assert_err(
        &area("-1"),
        12,
        "cadres must be a whole number from 0 to 10000000, not -1",
    );
    assert_err(&area("10000001"), 12, "not 10000001");
    assert_err(&area("\"forty\""), 12, "invalid type");
    assert_err(&area("4.5"), 12, "invalid type");
    let department = "[[departments]]\ncode = \"a\"\nname = \"A\"\ncadres = 5\n";
    assert_err(
        department,
        4,
        "cadres is a headcount of an area; a department has none",
    );
}

#[test]
fn retaliation_body_must_be_a_department_below_the_root() {
    assert_err(
        &format!("retaliation_body = \"nobody\"\n{DEPTS}"),
        1,
        "retaliation_body \"nobody\" is not a department code",
    );
    assert_err(
        &format!("\n\nretaliation_body = \"county\"\n{DEPTS}"),
        3,
        "is the root department",
    );
}
