//! Live updates for a signed-in page: the API's entry stream, authorised by the session
//! cookie (an `EventSource` cannot send a bearer token), resuming after `?after=SEQ` or
//! `Last-Event-ID`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::error::PageError;
use super::session::Visitor;
use crate::server::api::served;
use crate::server::stream::entries_after;
use crate::server::tokens::Role;
use crate::server::AppState;

/// The head the page was drawn at.
#[derive(Debug, Default, Deserialize)]
pub struct After {
    pub after: Option<u64>,
}

pub async fn live(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<After>,
    headers: HeaderMap,
    visitor: Visitor,
) -> Result<Response, PageError> {
    visitor
        .caller(&state, &plan)?
        .require(Role::Viewer, "live updates")?;
    let dir = served(&state, &plan)?.dir.clone();
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok());
    let after = resumed.or(q.after).unwrap_or(0);
    Ok(entries_after(&state, dir, after))
}
