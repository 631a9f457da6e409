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

/// The page's filter, as its form sends it: a filter that does not parse shows everything.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    overdue: String,
}

impl ListQuery {
    pub(super) fn item_query(&self) -> ItemQuery {
        ItemQuery {
            state: Some(self.state.clone()).filter(|s| !s.is_empty()),
            overdue: Some(self.overdue == "true"),
            limit: None,
        }
    }
}

/// The list page: a desk's inbox at /desk, a supervisor's list at /oversight/items.
pub async fn page<A: Audience>(
    State(s): State<AppState>,
    lang: Lang,
    PageStaff(u): PageStaff,
    q: Query<ListQuery>,
) -> Result<Response> {
    let (template, path) = A::LIST;
    let Query(q) = q;
    let q = q.unwrap_or_default();
    let items = items::<A>(&s, &u, &q.item_query()).await?;
    let catalog = s.service.catalog().await?;
    let states: Vec<&str> = ItemState::ALL.iter().map(|s| s.as_str()).collect();
    let ctx = context! {
        items => items,
        filter => context! { state => q.state, overdue => q.overdue == "true" },
        states => states,
        names => names(&catalog),
    };
    Ok(render(&s, lang, template, path, Some(&u), ctx)?.into_response())
}
