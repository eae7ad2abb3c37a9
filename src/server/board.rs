//! The board's views over HTTP: an action's history, what moved between two reviews, the
//! readiness gaps, the board report and a verification, from the same queries and
//! projections as `history`, `diff`, `check`, `report` and `verify`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::asof::ResolvedPoint;
use crate::plan::Plan;
use crate::query::{history_rows, replay_board, BoardReplay};
use crate::report::board::board_report;
use crate::store::source::{Location, ReadLedger};
use crate::verify::{verify, ReplayError, VerifyOptions};

use super::api::{caller, served};
use super::error::ApiError;
use super::extract::ApiQuery;
use super::tokens::Role;
use super::AppState;

fn replay_error(e: ReplayError) -> ApiError {
    match e {
        ReplayError::Store(s) => ApiError::from_store(s),
        other => ApiError::Internal(other.to_string()),
    }
}

/// Runs `work` on the ledger of `plan` off the async threads.
pub async fn with_ledger<T: Send + 'static>(
    state: &AppState,
    plan: &str,
    work: impl FnOnce(&ReadLedger) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let dir = served(state, plan)?.dir.clone();
    tokio::task::spawn_blocking(move || {
        let ledger = ReadLedger::open(&Location::Dir(dir)).map_err(ApiError::from_store)?;
        work(&ledger)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

pub fn known(known_at: Option<String>) -> Result<Option<String>, ApiError> {
    known_at
        .map(|k| crate::bounds::time_bound("known_at", &k, true))
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The review a query parameter names.
pub fn named(plan: &Plan, param: &str, given: &str) -> Result<ResolvedPoint, ApiError> {
    crate::asof::resolve(given, &plan.reviews)
        .map_err(|e| ApiError::BadRequest(format!("{param}: {e}")))
}

pub async fn board(
    state: &AppState,
    plan: &str,
    known_at: Option<String>,
) -> Result<BoardReplay, ApiError> {
    let known_at = known(known_at)?;
    let board = with_ledger(state, plan, move |l| {
        replay_board(l, known_at.as_deref()).map_err(replay_error)
    })
    .await?;
    if !board.plan.is_created() {
        return Err(ApiError::NotFound("the ledger holds no plan yet".into()));
    }
    Ok(board)
}

/// `as_of`, `known_at`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub as_of: Option<String>,
    pub known_at: Option<String>,
}

pub async fn history(
    State(state): State<Arc<AppState>>,
    Path((plan, action)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "an action's history")?;
    let (_, h) = history_view(&state, &plan, &action, q).await?;
    Ok(Json(h).into_response())
}

/// The plan and the history of the action typed as `action`, as `readiness history` shows it.
pub async fn history_view(
    state: &AppState,
    plan: &str,
    action: &str,
    q: HistoryQuery,
) -> Result<(Plan, crate::plan::view::History), ApiError> {
    let known_at = known(q.known_at)?;
    let typed = action.to_string();
    let (p, mut rows) = with_ledger(state, plan, move |l| {
        history_rows(l, &typed, known_at.as_deref()).map_err(replay_error)
    })
    .await?;
    let id = crate::names::action_id(action, p.actions.iter().map(|a| a.fields.id.as_str()))
        .map_err(|e| ApiError::NotFound(e.to_string()))?;
    rows.retain(|r| r.action.as_deref() == Some(id.as_str()));
    let point = q
        .as_of
        .as_deref()
        .map(|a| named(&p, "as_of", a))
        .transpose()?;
    let a = p
        .action(&id)
        .ok_or_else(|| ApiError::NotFound(format!("unknown action {id:?}")))?;
    let h = crate::plan::view::history(&p, a, rows, point.as_ref());
    Ok((p, h))
}

/// `from`, `to`, `known_at`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    pub from: String,
    pub to: String,
    pub known_at: Option<String>,
}

pub async fn diff(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<DiffQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "a diff")?;
    let b = board(&state, &plan, q.known_at).await?;
    let from = named(&b.plan, "from", &q.from)?;
    let to = named(&b.plan, "to", &q.to)?;
    let d = crate::plan::diff::diff(&b.plan, Some(&from), &to, &b.touches)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(d).into_response())
}

/// `as_of` (default: the latest review), `since`, `known_at`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    pub as_of: Option<String>,
    pub since: Option<String>,
    pub known_at: Option<String>,
}

pub async fn check(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<BoardQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "the readiness gaps")?;
    let b = board(&state, &plan, q.known_at).await?;
    let at = named(&b.plan, "as_of", q.as_of.as_deref().unwrap_or("latest"))?;
    let g = crate::plan::gaps::gaps(&b.plan, &at, &b.recent)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(g).into_response())
}

pub async fn report(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<BoardQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Not for anonymous readers: its gaps quote entries, notes included.
    caller(&state, &headers, &plan)?.require(Role::Viewer, "the board report")?;
    let html = report_html(&state, &plan, q).await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The board report's page for `q`, as the API and the dashboard serve it.
pub async fn report_html(state: &AppState, plan: &str, q: BoardQuery) -> Result<String, ApiError> {
    let verification = with_ledger(state, plan, |l| {
        verify(l, VerifyOptions::default())
            .map(|r| crate::query::verification(&r))
            .map_err(ApiError::from_store)
    })
    .await?;
    let known_at = known(q.known_at.clone())?;
    let b = board(state, plan, q.known_at).await?;
    let at = named(&b.plan, "as_of", q.as_of.as_deref().unwrap_or("latest"))?;
    let size = b.plan.head.map_or(0, |(seq, _)| seq.0);
    let checkpoint = with_ledger(state, plan, move |l| {
        Ok(crate::query::checkpoint_at(l, size))
    })
    .await?;
    let since = q
        .since
        .as_deref()
        .map(|s| named(&b.plan, "since", s))
        .transpose()?;
    let r = board_report(
        &b.plan,
        &at,
        since.as_ref(),
        &b.touches,
        &b.recent,
        crate::report::board::ReportSources {
            verification,
            known_at,
            checkpoint,
        },
    )
    .map_err(|e| ApiError::BadRequest(format!("since: {e}")))?;
    Ok(crate::report::html::board_html(&r))
}

pub async fn verify_now(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "a verification")?;
    let report = with_ledger(&state, &plan, |l| {
        verify(l, VerifyOptions::default()).map_err(ApiError::from_store)
    })
    .await?;
    Ok(Json(serde_json::json!({
        "ok": report.ok(),
        "verification": crate::query::verification(&report),
    }))
    .into_response())
}

/// The log's filters, as `readiness log` takes them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    pub action: Option<String>,
    pub area: Option<String>,
    /// Event types, comma-separated.
    pub event: Option<String>,
    pub by: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

pub async fn log(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<LogParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "the activity log")?;
    let rows = log_rows(&state, &plan, q).await?;
    Ok(Json(rows).into_response())
}

/// The activity rows `q` selects, as `readiness log` prints them.
pub async fn log_rows(
    state: &AppState,
    plan: &str,
    q: LogParams,
) -> Result<Vec<crate::plan::activity::ActivityRow>, ApiError> {
    let bound = |flag: &str, v: &Option<String>, end: bool| {
        v.as_deref()
            .map(|s| crate::bounds::time_bound(flag, s, end))
            .transpose()
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    };
    let event_types: Vec<String> = q
        .event
        .iter()
        .flat_map(|e| e.split(','))
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    if let Some(bad) = event_types
        .iter()
        .find(|e| !crate::event::Event::TYPES.contains(&e.as_str()))
    {
        return Err(ApiError::BadRequest(format!(
            "event {bad:?} is not an event type; types: {}",
            crate::event::Event::TYPES.join(", ")
        )));
    }
    let query = crate::query::LogQuery {
        filter: crate::plan::activity::ActivityFilter {
            action: None,
            actor: q.by,
            since: bound("since", &q.since, false)?,
            until: bound("until", &q.until, true)?,
            event_types,
            area: q.area,
        },
        action: q.action,
    };
    with_ledger(state, plan, move |l| {
        crate::query::log_rows(l, &query).map_err(|e| match e {
            crate::query::LogError::Replay(r) => replay_error(r),
            other => ApiError::NotFound(other.to_string()),
        })
    })
    .await
}

pub async fn actors(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "who wrote what")?;
    if q.as_of.is_some() {
        return Err(ApiError::BadRequest(
            "actors takes known_at, not as_of: it counts entries, not statuses at a review".into(),
        ));
    }
    let known_at = known(q.known_at)?;
    let view = with_ledger(&state, &plan, move |l| {
        crate::query::actors(l, known_at).map_err(replay_error)
    })
    .await?;
    Ok(Json(view).into_response())
}
