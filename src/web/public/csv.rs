//! The statistics report as CSV.
use crate::domain::statistics::Figures;
use crate::service::StatsReport;
use crate::web::csv::record;

/// Long format, one figure per row, so a suppressed figure is an empty value with `suppressed` set:
/// `scope,code,name,figure,value,suppressed`. The first rows state the period, the lag, k and the
/// definitions, in English (`definition`) and in Chinese (`definition_zh`, from `zh_meaning`). It
/// starts with a UTF-8 byte order mark, so that Excel on a Chinese Windows reads it as UTF-8.
pub fn to_csv(r: &StatsReport, zh_meaning: impl Fn(&str) -> String) -> String {
    let mut out = String::from("\u{feff}scope,code,name,figure,value,suppressed\n");
    let mut row = |scope: &str, code: &str, name: &str, figure: &str, value: &str, sup: &str| {
        out.push_str(&record(&[scope, code, name, figure, value, sup]));
    };
    for (k, v) in [
        ("period_from", r.period.from.clone()),
        ("period_to", r.period.to.clone()),
        ("data_until", r.data_until.clone()),
        ("lag", r.lag.clone()),
        ("k", r.k.to_string()),
        ("department", r.department.clone().unwrap_or_default()),
    ] {
        row("meta", k, "", "", &v, "");
    }
    for d in &r.definitions {
        row("definition", d.figure, d.meaning, "", "", "");
    }
    for d in &r.definitions {
        row("definition_zh", d.figure, &zh_meaning(d.figure), "", "", "");
    }
    let mut figures = |scope: &str, code: &str, name: &str, f: &Figures| {
        for (measure, value) in f.iter() {
            let (v, sup) = match value.value {
                Some(v) => (format_value(v), "false"),
                None => (String::new(), "true"),
            };
            row(scope, code, name, measure.name(), &v, sup);
        }
    };
    figures("overall", "", "", &r.overall);
    for d in &r.departments {
        figures("department_own", &d.code, &d.name, &d.own);
        figures("department_subtree", &d.code, &d.name, &d.subtree);
    }
    for c in &r.categories {
        figures("category", &c.code, &c.name, &c.figures);
    }
    for m in &r.months {
        figures("month", &m.month, "", &m.figures);
    }
    out
}

/// Integers without a decimal point; rates as they are in the JSON.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
