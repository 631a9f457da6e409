//! Public statistics for everyone: the page (tables and SVG charts, no script), the CSV download and
//! the JSON of API.md. All three are the same report, so they always agree.
use super::charts::{horizontal_bars, Bar};
use super::lang::Lang;
use super::pages::{local_name, render};
use super::AppState;
use crate::domain::statistics::{Figure, Figures, Measure};
use crate::domain::text::Problem;
use crate::service::{Error as ServiceError, StatsQuery, StatsReport};
use crate::web::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stats", get(page))
        .route("/stats.csv", get(csv))
}

/// `GET /api/v1/stats`.
pub fn api_router() -> Router<AppState> {
    Router::new().route("/stats", get(json))
}

async fn report(
    s: &AppState,
    q: std::result::Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Arc<StatsReport>> {
    let q = q
        .map(|Query(q)| q)
        .map_err(|_| Error::field("from", Problem::Invalid))?;
    Ok(s.service.public_stats(&q).await?)
}

async fn json(
    State(s): State<AppState>,
    q: std::result::Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response> {
    let r = report(&s, q).await?;
    let body = s.stats_outputs.get_or_render(&r, Output::Json, || {
        serde_json::to_vec(&*r).map_err(|e| ServiceError::internal(e).into())
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn csv(
    State(s): State<AppState>,
    q: std::result::Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response> {
    let r = report(&s, q).await?;
    let body = s
        .stats_outputs
        .get_or_render(&r, Output::Csv, || Ok(to_csv(&r).into_bytes()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"zhiyan-stats.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// The three forms of a report, and the page in each language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Output {
    Json,
    Csv,
    Page(Lang),
}

type OutputKey = (Output, String, String, Option<String>);

/// Rendered outputs of the current statistics snapshot. A snapshot changes only when it is rebuilt,
/// so the bytes of each (form, period, department) are made once per snapshot and then served as they
/// are; this is what lets `/stats` keep up with far simpler routes.
#[derive(Default)]
pub struct StatsOutputs {
    inner: Mutex<(u64, HashMap<OutputKey, Bytes>)>,
}

const OUTPUTS_LIMIT: usize = 512;

impl StatsOutputs {
    fn get_or_render(
        &self,
        r: &StatsReport,
        out: Output,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Bytes> {
        let key = (
            out,
            r.period.from.clone(),
            r.period.to.clone(),
            r.department.clone(),
        );
        {
            let cache = self.inner.lock().expect("outputs lock");
            if cache.0 == r.snapshot {
                if let Some(b) = cache.1.get(&key) {
                    return Ok(b.clone());
                }
            }
        }
        let bytes = Bytes::from(render()?);
        let mut cache = self.inner.lock().expect("outputs lock");
        if cache.0 != r.snapshot {
            // Older snapshots are never served again.
            if cache.0 > r.snapshot {
                return Ok(bytes);
            }
            *cache = (r.snapshot, HashMap::new());
        }
        if cache.1.len() >= OUTPUTS_LIMIT {
            cache.1.clear();
        }
        cache.1.insert(key, bytes.clone());
        Ok(bytes)
    }
}

/// Long format, one figure per row, so a suppressed figure is an empty value with `suppressed` set:
/// `scope,code,name,figure,value,suppressed`. The first rows state the period, the lag, k and the
/// definitions.
pub fn to_csv(r: &StatsReport) -> String {
    let mut out = String::from("scope,code,name,figure,value,suppressed\n");
    let mut row = |scope: &str, code: &str, name: &str, figure: &str, value: &str, sup: &str| {
        let fields = [scope, code, name, figure, value, sup].map(csv_field);
        out.push_str(&fields.join(","));
        out.push('\n');
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

async fn page(
    State(s): State<AppState>,
    lang: Lang,
    q: std::result::Result<Query<StatsQuery>, QueryRejection>,
) -> Result<Response> {
    let r = report(&s, q).await?;
    let body = s
        .stats_outputs
        .get_or_render(&r, Output::Page(lang), || render_page(&s, lang, &r))?;
    Ok(Html(body).into_response())
}

fn render_page(s: &AppState, lang: Lang, r: &StatsReport) -> Result<Vec<u8>> {
    let t = |k: &str| s.templates.text(lang, k).unwrap_or_default();
    let pct = |f: Figure| f.value.map(|v| v * 100.0);
    let rate_bars: Vec<Bar> = r
        .departments
        .iter()
        .map(|d| Bar {
            label: local_name(lang, &d.name, &d.name_en),
            values: [
                pct(d.subtree[Measure::ResponseRate]),
                pct(d.subtree[Measure::OnTimeAnswerRate]),
            ],
        })
        .collect();
    let rates_chart = horizontal_bars(
        &t("stats.chart_rates"),
        [
            &t("stats.figures.response_rate"),
            &t("stats.figures.on_time_answer_rate"),
        ],
        &rate_bars,
        Some(100.0),
        |v| format!("{v:.1}%"),
    );
    let month_bars: Vec<Bar> = r
        .months
        .iter()
        .map(|m| Bar {
            label: m.month.clone(),
            values: [
                pct(m.figures[Measure::OnTimeAnswerRate]),
                pct(m.figures[Measure::ResolutionRate]),
            ],
        })
        .collect();
    let trend_chart = horizontal_bars(
        &t("stats.chart_trend"),
        [
            &t("stats.figures.on_time_answer_rate"),
            &t("stats.figures.resolution_rate"),
        ],
        &month_bars,
        Some(100.0),
        |v| format!("{v:.1}%"),
    );
    let ctx = context! {
        report => r,
        figure_names => Measure::ALL,
        rates_chart => rates_chart,
        trend_chart => trend_chart,
        chart_gap => t("stats.chart_gap"),
        checkpoint => &r.log_checkpoint,
    };
    Ok(render(s, lang, "stats.html", "/stats", None, ctx)?
        .0
        .into_bytes())
}
