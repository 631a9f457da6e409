//! Item lists, the same for desks (their department's inbox) and supervisors (their subtree): as JSON
//! and as a page, filtered by `?state=&overdue=`.
use super::audience::Audience;
use crate::domain::text::Field;
use crate::domain::text::Problem;
use crate::domain::State as ItemState;
use crate::service::{ItemQuery, ItemSummary, Role, StaffUser};
use crate::web::error::{Error, Result};
use crate::web::extract::Query;
use crate::web::extract::{ApiStaff, PageStaff};
use crate::web::lang::Lang;
use crate::web::render::{names, render};
use crate::web::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The audience's items: a desk's inbox, or a supervisor's subtree.
pub(super) async fn items<A: Audience>(
    s: &AppState,
    u: &StaffUser,
    q: &ItemQuery,
) -> Result<Vec<ItemSummary>> {
    Ok(match A::ROLE {
        Role::Supervisor => s.service.oversight_items(u, q).await?,
        _ => s.service.desk_items(u, q).await?,
    })
}

#[derive(Serialize)]
pub struct Items {
    pub items: Vec<ItemSummary>,
}

/// `GET /api/v1/{desk,oversight}/items`; a filter that does not parse names `state`.
pub async fn api<A: Audience>(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    q: Query<ItemQuery>,
) -> Result<Json<Items>> {
    let Query(q) = q;
    let q = q.ok_or_else(|| Error::field(Field::State, Problem::Invalid))?;
    Ok(Json(Items {
        items: items::<A>(&s, &u, &q).await?,
    }))
}

/// The page's filter, as its form sends it: a filter that does not parse shows everything. Without a
/// state, the lists show what is still open (the to-do list); `closed` shows the closed ones too.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    closed: String,
    /// A report number, or its beginning.
    #[serde(default)]
    id: String,
    /// Words in the title.
    #[serde(default)]
    q: String,
    /// Supervisors: one department (and those below it).
    #[serde(default)]
    department: String,
    #[serde(default)]
    page: String,
}

/// Rows on one page of a list.
pub const PAGE_SIZE: i64 = 50;

impl ListQuery {
    pub(super) fn item_query(&self) -> ItemQuery {
        ItemQuery {
            state: Some(self.state.clone()).filter(|s| !s.is_empty()),
            overdue: Some(self.overdue == "true"),
            open_only: self.closed != "true",
            id: Some(self.id.clone()).filter(|s| !s.trim().is_empty()),
            text: Some(self.q.clone()).filter(|s| !s.trim().is_empty()),
            department: Some(self.department.clone()).filter(|s| !s.is_empty()),
            ..ItemQuery::default()
        }
    }

    /// The page asked for, from 1.
    fn page(&self) -> i64 {
        self.page
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, 10_000)
    }

    /// The filter as a query string (without the page), for the links to other pages.
    fn query_string(&self, lang: Lang) -> String {
        let pairs = [
            ("state", self.state.as_str()),
            ("overdue", self.overdue.as_str()),
            ("closed", self.closed.as_str()),
            ("id", self.id.as_str()),
            ("q", self.q.as_str()),
            ("department", self.department.as_str()),
            ("lang", lang.tag()),
        ];
        let kept: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// The list page: a desk's inbox at /desk, a supervisor's list at /oversight/items, a page of
/// `PAGE_SIZE` rows at a time.
pub async fn page<A: Audience>(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    q: Query<ListQuery>,
) -> Result<Response> {
    let (template, path) = A::LIST;
    let Query(q) = q;
    let q = q.unwrap_or_default();
    let page = q.page();
    let asked = ItemQuery {
        limit: Some(PAGE_SIZE + 1),
        offset: (page - 1) * PAGE_SIZE,
        ..q.item_query()
    };
    let mut items = items::<A>(&s, &u, &asked).await?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let catalog = s.service.catalog().await?;
    let states: Vec<&str> = ItemState::ALL.iter().map(|s| s.as_str()).collect();
    let ctx = context! {
        items => items,
        filter => context! {
            state => q.state,
            overdue => q.overdue == "true",
            closed => q.closed == "true",
            id => q.id,
            q => q.q,
            department => q.department,
        },
        paging => context! {
            page => page,
            first => (page - 1) * PAGE_SIZE + 1,
            previous => (page > 1).then_some(page - 1),
            next => more.then_some(page + 1),
            query => q.query_string(lang),
        },
        states => states,
        names => names(&catalog),
    };
    Ok(render(&s, lang, template, path, Some(&u), ctx)?.into_response())
}
