//! `GET .../entries/stream`: Server-Sent Events, one per committed entry (`id` the seq,
//! `data` the entry's line), resuming after `Last-Event-ID`. The log is watched, not the
//! writer, so entries written by the command line are streamed too.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use crate::entry::Seq;
use crate::store::DirReader;

use super::api::{caller, served};
use super::error::ApiError;
use super::tokens::Role;
use super::AppState;

/// How often the log is looked at for new entries: well under the second a page may take.
const POLL: Duration = Duration::from_millis(200);

/// The line of entry `seq`, if written yet.
fn line(dir: &std::path::Path, seq: u64) -> Option<String> {
    let reader = DirReader::open(dir).ok()?;
    let line = reader.line_at(Seq(seq)).ok()??;
    String::from_utf8(line).ok()
}

pub async fn entries_stream(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "the entry stream")?;
    let dir: PathBuf = served(&state, &plan)?.dir.clone();
    let after = match headers.get("last-event-id") {
        None => 0,
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::BadRequest("Last-Event-ID must be an entry seq".into()))?,
    };
    Ok(entries_after(&state, dir, after))
}

/// The event stream of the entries of the ledger in `dir` after seq `after`: what the API
/// and the dashboard's live updates listen to.
pub fn entries_after(state: &AppState, dir: PathBuf, after: u64) -> Response {
    let stopping = state.stopping.clone();
    let events = stream::unfold((dir, after + 1), move |(dir, next)| {
        let stopping = stopping.clone();
        async move {
            loop {
                if *stopping.borrow() {
                    return None;
                }
                let d = dir.clone();
                let found = tokio::task::spawn_blocking(move || line(&d, next))
                    .await
                    .ok()
                    .flatten();
                if let Some(l) = found {
                    let event = Event::default().id(next.to_string()).data(l);
                    return Some((Ok::<_, Infallible>(event), (dir, next + 1)));
                }
                tokio::time::sleep(POLL).await;
            }
        }
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
