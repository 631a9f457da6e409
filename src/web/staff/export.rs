//! A staff list as a CSV download (`/desk/items.csv`, `/oversight/items.csv`), with the list page's
//! filter. Only what identifies and tracks an item: no title, no text. A spreadsheet travels further
//! than a page (the forwarding slip that reaches the accused), so it carries nothing a reporter
//! wrote, and areas only as coarse as staff may see them.
use super::audience::Audience;
use super::list::{items, ListQuery};
use crate::web::csv::record;
use crate::web::error::Result;
use crate::web::extract::PageStaff;
use crate::web::extract::Query;
use crate::web::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const COLUMNS: [&str; 10] = [
    "id",
    "kind",
    "state",
    "category",
    "area",
    "department",
    "received",
    "due",
    "overdue",
    "escalation",
];

pub async fn csv<A: Audience>(
    State(s): State<AppState>,
    PageStaff(u): PageStaff,
    q: Query<ListQuery>,
) -> Result<Response> {
    let Query(q) = q;
    let q = q.unwrap_or_default();
    // Every state, as the download always had, unless one is asked for.
    let query = crate::service::ItemQuery {
        open_only: false,
        ..q.item_query()
    };
    let rows = items::<A>(&s, &u, &query).await?;
    let mut out = record(&COLUMNS);
    for i in &rows {
        out.push_str(&record(&[
            i.id.as_str(),
            &i.kind,
            &i.state,
            &i.category,
            &i.area,
            &i.department,
            &i.received,
            i.due.as_deref().unwrap_or(""),
            if i.overdue { "true" } else { "false" },
            &i.escalation.to_string(),
        ]));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"zhiyan-items.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
