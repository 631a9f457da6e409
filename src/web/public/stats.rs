//! Public statistics for everyone: the page (tables and SVG charts, no script), the CSV download and
//! the JSON of API.md. All three are the same report, so they always agree.
use super::csv::to_csv;
use super::stats_cache::Output;
use crate::domain::statistics::{Figure, Measure};
use crate::domain::text::Field;
use crate::domain::text::Problem;
use crate::service::{Error as ServiceError, StatsQuery, StatsReport};
use crate::web::charts::{horizontal_bars, Bar};
use crate::web::error::{Error, Result};
use crate::web::extract::Query;
use crate::web::lang::Lang;
use crate::web::render::{local_name, render};
use crate::web::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use std::sync::Arc;

async fn report(s: &AppState, q: Query<StatsQuery>) -> Result<Arc<StatsReport>> {
    let Query(q) = q;
    let q = q.ok_or_else(|| Error::field(Field::From, Problem::Invalid))?;
    Ok(s.service.public_stats(&q).await?)
}

pub async fn json(State(s): State<AppState>, q: Query<StatsQuery>) -> Result<Response> {
    let r = report(&s, q).await?;
    let body = s.stats_outputs.get_or_render(&r, Output::Json, || {
        serde_json::to_vec(&*r).map_err(|e| ServiceError::internal(e).into())
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn csv(State(s): State<AppState>, q: Query<StatsQuery>) -> Result<Response> {
    let r = report(&s, q).await?;
    let body = s.stats_outputs.get_or_render(&r, Output::Csv, || {
        let zh = |figure: &str| {
            let key = format!("stats.meanings.{figure}");
            s.templates.text(Lang::Zh, &key).unwrap_or_default()
        };
        Ok(to_csv(&r, zh).into_bytes())
    })?;
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

pub async fn page(State(s): State<AppState>, lang: Lang, q: Query<StatsQuery>) -> Result<Response> {
    let r = report(&s, q).await?;
    let body = s
        .stats_outputs
        .get_or_render(&r, Output::Page(lang), || render_page(&s, lang, &r))?;
    Ok(Html(body).into_response())
}

/// The figures the lists of departments, categories and months show, so that they fit a phone; a
/// department's every figure is one click away (it alone), and the CSV and JSON hold them all.
const KEY_FIGURES: [Measure; 3] = [
    Measure::Received,
    Measure::OnTimeAnswerRate,
    Measure::ResolutionRate,
];

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
        keys => KEY_FIGURES.map(Measure::name),
        rates_chart => rates_chart,
        trend_chart => trend_chart,
        chart_gap => t("stats.chart_gap"),
        checkpoint => &r.log_checkpoint,
    };
    Ok(render(s, lang, "public/stats.html", "/stats", None, ctx)?
        .0
        .into_bytes())
}
