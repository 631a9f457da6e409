//! The supervisor's board: the subtree's open work, its most late items and how fast departments answer.
use crate::service::ItemQuery;
use crate::web::charts::{horizontal_bars, Bar};
use crate::web::error::Result;
use crate::web::extract::PageStaff;
use crate::web::lang::Lang;
use crate::web::render::{local_name, names, render};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;

/// How many late items the board lists; the full list is one click away.
const BOARD_OVERDUE: usize = 50;

pub async fn page(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
) -> Result<Response> {
    let board = s.service.board(&u).await?;
    // The most late only: the board's own count says how many there are in all.
    let overdue_q = ItemQuery {
        state: None,
        overdue: Some(true),
        limit: Some(BOARD_OVERDUE as i64),
        ..ItemQuery::default()
    };
    let overdue = s.service.oversight_items(&u, &overdue_q).await?;
    let catalog = s.service.catalog().await?;
    let names = names(&catalog);
    let label = |code: &str| {
        catalog
            .departments
            .iter()
            .find(|d| d.code == code)
            .map_or(code.to_string(), |d| local_name(lang, &d.name, &d.name_en))
    };
    let t = |k: &str| s.templates.text(lang, k).unwrap_or_default();
    let bars: Vec<Bar> = board
        .departments
        .iter()
        .map(|r| Bar {
            label: label(&r.department),
            values: [r.hours_to_respond.median, r.hours_to_respond.p90]
                .map(|h| h.map(|h| h as f64)),
        })
        .collect();
    let unit = t("board.hours_unit");
    let chart = horizontal_bars(
        &t("board.chart_respond"),
        [&t("board.median"), &t("board.p90")],
        &bars,
        None,
        |v| format!("{v:.0} {unit}"),
    );
    let ctx = context! {
        board => board,
        overdue => overdue,
        overdue_total => board.total.overdue,
        overdue_shown => BOARD_OVERDUE,
        chart => chart,
        names => names,
    };
    Ok(render(
        &s,
        lang,
        "oversight/board.html",
        "/oversight",
        Some(&u),
        ctx,
    )?
    .into_response())
}
