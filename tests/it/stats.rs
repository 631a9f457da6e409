//! Public statistics on a fixed fixture: every figure checked against a hand-computed value,
//! suppression below k (and of the cells a total would give away), the lag, and JSON, CSV and HTML
//! agreeing with each other.
use crate::support::{TestApp, T0};
use axum::http::StatusCode;
use serde_json::{json, Value};

const H: i64 = 3600;
const D: i64 = 86_400;

/// The fixture, all dispatched at T0 (2026-11-20 10:00 local), read at T0 + 5 days, so with the
/// default lag of 1 day the data ends at 2026-11-24 00:00 local:
/// - civil-affairs, 6 items: 5 acknowledged after 1, 2, 3, 4, 5 hours; the 6th never (its deadline,
///   T0 + 2 d, has passed: overdue). 4 answered after a day; 2 of those confirmed (ratings 5 and 4).
/// - agri-station, 4 items (k − 1): never acknowledged, all overdue.
/// - education, 7 items: all acknowledged after 10 hours.
/// - one item in triage (never dispatched: not counted), and two submitted on the last two days
///   (hidden by the lag).
///
/// Hand-computed, k = 5:
/// - overall: received 17; response rate 12/17 = 0.7059; acknowledgement hours
///   [1,2,3,4,5,10×7] → median (rank 6) 10, p90 (rank 11) 10; overdue 1 + 4 = 5; closed 2 → hidden;
///   transfer rate 0/17 = 0; no answer deadline has passed → on-time answer rate hidden.
/// - civil-affairs: received 6 but hidden, because agri-station's 4 is hidden and would otherwise
///   be 17 − 6 − 7; response rate 5/6 = 0.8333; hours median 3, p90 5; overdue 1 → hidden.
/// - agri-station: received 4 → hidden, response rate (base 4) hidden, overdue 4 → hidden.
/// - education: received 7, response rate 1, hours 10 / 10, overdue 0.
/// - categories: excessive-paperwork 4 → hidden, so duplicate-inspections 6 is hidden too; other 7.
async fn fixture(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let civil = app.new_desk("desk-civil", "civil-affairs").await;
    let edu = app.new_desk("desk-edu", "education").await;
    let mut civil_items = Vec::new();
    for _ in 0..6 {
        civil_items.push(app.submit("duplicate-inspections", "county", None).await);
    }
    for _ in 0..4 {
        app.submit("excessive-paperwork", "xinhe", None).await;
    }
    let mut edu_items = Vec::new();
    for _ in 0..7 {
        edu_items.push(app.submit("other", "baishui", None).await.0);
    }
    app.submit("other", "county", None).await; // triage
    for (n, (id, _)) in civil_items.iter().take(5).enumerate() {
        app.clock.set(T0 + (n as i64 + 1) * H);
        civil.acknowledge(id).await.expect_success();
    }
    app.clock.set(T0 + 10 * H);
    for id in &edu_items {
        edu.acknowledge(id).await.expect_success();
    }
    app.clock.set(T0 + D);
    for (id, _) in civil_items.iter().take(4) {
        civil
            .respond(id, "resolved", "已处理")
            .await
            .expect(StatusCode::OK);
    }
    for ((_, reporter), rating) in civil_items.iter().zip([5, 4]) {
        reporter.confirm(rating).await.expect(StatusCode::OK);
    }
    // Two more on the last two days: the lag must hide them.
    app.clock.set(T0 + 4 * D);
    app.submit("other", "baishui", None).await;
    app.clock.set(T0 + 5 * D);
    app.submit("other", "baishui", None).await;
    (
        civil_items.into_iter().map(|(id, _)| id).collect(),
        edu_items,
    )
}

fn dept<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no department {code}"))
}

fn cat<'a>(v: &'a Value, code: &str) -> &'a Value {
    &v["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap()["figures"]
}

fn shown(f: &Value, value: f64) {
    assert_eq!(f["value"].as_f64(), Some(value), "{f}");
    assert!(f.get("suppressed").is_none(), "{f}");
}

fn hidden(f: &Value) {
    assert_eq!(f["value"], Value::Null, "{f}");
    assert_eq!(f["suppressed"], true, "{f}");
}

async fn figures_match_hand_computed_values(app: TestApp) {
    fixture(&app).await;
    let s = app.stats_json("").await;
    // The default period is the calendar year of the cut-off.
    assert_eq!(s["period"], json!({"from": "2026-01", "to": "2026-12"}));
    assert_eq!(s["data_until"], "2026-11-24T00:00:00+08:00");
    assert_eq!(s["lag"], "1d");
    assert_eq!(s["k"], 5);
    assert_eq!(s["definitions"].as_array().unwrap().len(), 14);

    let o = &s["overall"];
    shown(&o["received"], 17.0);
    shown(&o["response_rate"], 0.7059);
    shown(&o["median_hours_to_acknowledge"], 10.0);
    shown(&o["p90_hours_to_acknowledge"], 10.0);
    shown(&o["overdue_now"], 5.0);
    shown(&o["transfer_rate"], 0.0);
    hidden(&o["closed"]);
    hidden(&o["on_time_answer_rate"]);
    hidden(&o["median_hours_to_respond"]);
    hidden(&o["satisfaction_rate"]);
    hidden(&o["resolution_rate"]);

    let civil = dept(&s, "civil-affairs");
    for scope in ["own", "subtree"] {
        let f = &civil[scope];
        hidden(&f["received"]);
        shown(&f["response_rate"], 0.8333);
        shown(&f["median_hours_to_acknowledge"], 3.0);
        shown(&f["p90_hours_to_acknowledge"], 5.0);
        hidden(&f["overdue_now"]);
        hidden(&f["closed"]);
    }
    // A department with k − 1 items: no count, no rate.
    let station = dept(&s, "agri-station");
    for scope in ["own", "subtree"] {
        let f = &station[scope];
        hidden(&f["received"]);
        hidden(&f["response_rate"]);
        hidden(&f["overdue_now"]);
        hidden(&f["median_hours_to_acknowledge"]);
    }
    hidden(&dept(&s, "agriculture")["subtree"]["received"]);
    shown(&dept(&s, "agriculture")["own"]["received"], 0.0);
    let edu = dept(&s, "education");
    shown(&edu["own"]["received"], 7.0);
    shown(&edu["own"]["response_rate"], 1.0);
    shown(&edu["subtree"]["median_hours_to_acknowledge"], 10.0);
    shown(&edu["own"]["overdue_now"], 0.0);
    let county = dept(&s, "county");
    shown(&county["subtree"]["received"], 17.0);
    shown(&county["own"]["received"], 0.0);
    shown(&county["subtree"]["response_rate"], 0.7059);

    hidden(&cat(&s, "excessive-paperwork")["received"]);
    hidden(&cat(&s, "duplicate-inspections")["received"]);
    shown(&cat(&s, "other")["received"], 7.0);
    let months = s["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[10]["month"], "2026-11");
    shown(&months[10]["figures"]["received"], 17.0);
    shown(&months[0]["figures"]["received"], 0.0);

    // No published total gives a hidden count away: in every sum the hidden parts are at least two
    // and add up to at least k (here: the departments' own counts, 4 + 6, under the overall 17).
    let own_received: Vec<&Value> = s["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["own"]["received"])
        .collect();
    let shown_sum: f64 = own_received
        .iter()
        .filter_map(|f| f["value"].as_f64())
        .sum();
    let hidden_count = own_received
        .iter()
        .filter(|f| f["suppressed"] == true)
        .count();
    assert!(hidden_count >= 2);
    assert!(17.0 - shown_sum >= 5.0);

    // One department's subtree, and a range that excludes the data.
    let r = app
        .stats_json("?department=education&from=2026-11&to=2026-11")
        .await;
    shown(&r["overall"]["received"], 7.0);
    assert_eq!(r["departments"].as_array().unwrap().len(), 1);
    // Civil affairs' 6 is hidden in the full table (it protects agri-station's 4); asking for civil
    // affairs alone must not show it either.
    let r = app.stats_json("?department=civil-affairs").await;
    hidden(&r["overall"]["received"]);
    shown(&r["overall"]["response_rate"], 0.8333);
    let r = app.stats_json("?from=2026-07&to=2026-09").await;
    shown(&r["overall"]["received"], 0.0);
    hidden(&r["overall"]["response_rate"]);
}
both_backends!(figures, figures_match_hand_computed_values);

async fn the_lag_hides_recent_items(app: TestApp) {
    fixture(&app).await;
    // The next day the cut-off moves a day: the item submitted on day 4 appears, day 5's does not.
    app.clock.set(T0 + 6 * D);
    let s = app.stats_json("").await;
    assert_eq!(s["data_until"], "2026-11-25T00:00:00+08:00");
    shown(&s["overall"]["received"], 18.0);
}
both_backends!(lag, the_lag_hides_recent_items);

async fn bad_parameters_name_the_field(app: TestApp) {
    for (q, field) in [
        ("from=2026-13", "from"),
        ("to=20261", "to"),
        ("from=2026-11&to=2026-01", "from"),
        ("from=2000-01&to=2026-01", "to"),
        ("from=2026-02&to=2026-04", "from"),
        ("from=2026-01&to=2026-05", "to"),
        ("department=nope", "department"),
    ] {
        let r = app.stats(&format!("?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], field, "{q}");
        let page = app.stats_page(&format!("?{q}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(page.body.contains("<html"), "{q}: an HTML error page");
    }
}
both_backends!(bad_parameters, bad_parameters_name_the_field);

/// Five items in October and two in November: the quarter (7) and October (5) would each pass k,
/// and their difference would give November's 2 away. Disclosure control runs along the calendar too,
/// so October is hidden as well, whichever period is asked for.
async fn periods_cannot_be_subtracted(app: TestApp) {
    app.clock.set(T0 - 40 * D); // 2026-10-11
    for _ in 0..5 {
        app.submit("other", "baishui", None).await;
    }
    app.clock.set(T0);
    for _ in 0..2 {
        app.submit("other", "baishui", None).await;
    }
    app.clock.set(T0 + 5 * D);
    let quarter = app.stats_json("?from=2026-10&to=2026-12").await;
    shown(&quarter["overall"]["received"], 7.0);
    shown(&dept(&quarter, "education")["own"]["received"], 7.0);
    for month in ["from=2026-10", "from=2026-11"] {
        let m = app.stats_json(&format!("?{month}")).await;
        assert_eq!(m["months"].as_array().unwrap().len(), 1);
        hidden(&m["overall"]["received"]);
        hidden(&dept(&m, "education")["own"]["received"]);
        hidden(&dept(&m, "education")["subtree"]["received"]);
    }
    let year = app.stats_json("").await;
    shown(&year["overall"]["received"], 7.0);
    hidden(&year["months"][9]["figures"]["received"]);
    hidden(&year["months"][10]["figures"]["received"]);
}
both_backends!(calendar_differencing, periods_cannot_be_subtracted);

/// The CSV rows for one scope and code: figure → (value, suppressed).
fn csv_rows(
    csv: &str,
    scope: &str,
    code: &str,
) -> std::collections::HashMap<String, (String, bool)> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f.len() == 6 && f[0] == scope && f[1] == code)
        .map(|f| (f[3].to_string(), (f[4].to_string(), f[5] == "true")))
        .collect()
}

/// The text of one figure's cell in the page: in the row `row_id` (the lists of departments,
/// categories and months), or in the row `{row_id}-{figure}` (the figures of the scope shown, one a
/// row); None when the page does not show that figure there.
fn html_cell(html: &str, row_id: &str, figure: &str) -> Option<String> {
    let start = html
        .find(&format!("<tr id=\"{row_id}\""))
        .or_else(|| html.find(&format!("<tr id=\"{row_id}-{figure}\"")))?;
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    let marker = format!("class=\"num fig-{figure}\">");
    let at = row.find(&marker)? + marker.len();
    let cell = &row[at..at + row[at..].find("</td>").unwrap()];
    // Strip the suppression span, keep its text.
    Some(
        cell.replace("<span class=\"suppressed\">", "")
            .replace("</span>", ""),
    )
}

/// The figures a list row shows on the page (the rest are one click away, and in the CSV).
const KEY_FIGURES: [&str; 3] = ["received", "on_time_answer_rate", "resolution_rate"];

fn assert_cell(cell: &str, f: &Value, what: &str) {
    match f["value"].as_f64() {
        None => assert_eq!(cell, "fewer than 5", "{what}"),
        Some(v) => {
            let expected = if what.ends_with("_rate") || what.ends_with("_share") {
                format!("{:.1}%", v * 100.0)
            } else {
                format!("{}", v as i64)
            };
            assert_eq!(cell, expected, "{what}");
        }
    }
}

async fn json_csv_and_html_agree(app: TestApp) {
    fixture(&app).await;
    let json = app.stats_json("").await;
    let csv = app.stats_csv().await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.body;
    // A byte order mark first, for Excel; the definitions in English and in Chinese.
    assert!(csv.starts_with("\u{feff}scope,code,name,figure,value,suppressed\n"));
    assert!(csv.contains("meta,k,,,5,"));
    assert!(csv.contains("meta,lag,,,1d,"));
    assert!(csv.contains("meta,period_from,,,2026-01,"));
    assert!(csv.contains("\ndefinition,received,"));
    let zh = csv
        .lines()
        .find(|l| l.starts_with("definition_zh,received,"))
        .expect("the Chinese definition of received");
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{zh}"
    );
    let page = app.stats_page("").await.expect(StatusCode::OK);
    let html = page.body;
    assert!(!html.contains("<script"));
    assert!(html.contains("<svg"));
    assert!(html.contains("2026-01 – 2026-12"));
    assert!(html.contains("Response rate"));

    // CSV and JSON agree on every figure; the page shows the scope's every figure (one a row) and
    // the key figures of each department, category and month.
    let checks: Vec<(&str, &str, &str, &Value)> = vec![
        ("overall", "", "overall", &json["overall"]),
        (
            "department_own",
            "civil-affairs",
            "",
            &dept(&json, "civil-affairs")["own"],
        ),
        (
            "department_subtree",
            "county",
            "d-county",
            &dept(&json, "county")["subtree"],
        ),
        (
            "department_subtree",
            "agri-station",
            "d-agri-station",
            &dept(&json, "agri-station")["subtree"],
        ),
        ("category", "other", "c-other", cat(&json, "other")),
        (
            "month",
            "2026-11",
            "m-2026-11",
            &json["months"][10]["figures"],
        ),
    ];
    for (scope, code, row_id, figures) in checks {
        let rows = csv_rows(&csv, scope, code);
        assert_eq!(rows.len(), 14, "{scope} {code}");
        for (figure, f) in figures.as_object().unwrap() {
            let (csv_value, csv_suppressed) = &rows[figure.as_str()];
            match f["value"].as_f64() {
                None => assert!(
                    *csv_suppressed && csv_value.is_empty(),
                    "{scope} {code} {figure}"
                ),
                Some(v) => {
                    assert!(!csv_suppressed);
                    assert_eq!(
                        csv_value.parse::<f64>().unwrap(),
                        v,
                        "{scope} {code} {figure}"
                    );
                }
            }
            if row_id.is_empty() {
                continue;
            }
            let cell = html_cell(&html, row_id, figure);
            let shown = scope == "overall" || KEY_FIGURES.contains(&figure.as_str());
            assert_eq!(cell.is_some(), shown, "{scope} {code} {figure}");
            if let Some(cell) = cell {
                assert_cell(&cell, f, figure);
            }
        }
    }

    // One department at a time: its page shows all of its figures, as its JSON has them.
    let one = app
        .stats_page("?department=agriculture")
        .await
        .expect(StatusCode::OK);
    let one_json = app.stats_json("?department=agriculture").await;
    for (figure, f) in one_json["overall"].as_object().unwrap() {
        let cell = html_cell(&one.body, "overall", figure).expect(figure);
        assert_cell(&cell, f, figure);
    }
}
both_backends!(agree, json_csv_and_html_agree);
