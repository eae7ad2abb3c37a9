//! The other writes over HTTP: amendments and corrections (officer), actions and areas
//! (admin). Bodies are named like the command line's arguments; each goes through the
//! plan's decide step and the ledger's one writer, like `POST .../status`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::event::ActionAdded;
use crate::plan::decide::Command;
use crate::store::DirReader;

use super::api::{served, write, writer};
use super::error::ApiError;
use super::extract::ApiJson;
use super::tokens::Role;
use super::AppState;

/// `POST .../amendments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentBody {
    pub action: String,
    /// Field name (`lead`, `end`, ...) to its new text.
    pub changes: BTreeMap<String, String>,
    pub reason: String,
    pub from: Option<String>,
    pub if_head: Option<u64>,
}

/// `POST .../corrections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The seq of the entry corrected.
    pub target: u64,
    pub status: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub changes: BTreeMap<String, String>,
    pub reason: String,
    pub if_head: Option<u64>,
}

/// `POST .../actions`: the fields of `readiness action add`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    pub id: String,
    pub area: String,
    pub action: String,
    pub outcome: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub lead: Option<String>,
    pub measures: Option<String>,
    pub evidence_impact: Option<String>,
    pub if_head: Option<u64>,
}

/// `POST .../areas`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaBody {
    pub id: String,
    pub title: String,
    pub finding: Option<String>,
    pub if_head: Option<u64>,
}

pub async fn post_amendment(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AmendmentBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Officer, "amending an action")?;
    let command = Command::Amend {
        id: b.action,
        changes: b.changes,
        reason: b.reason,
        from: b.from,
        today: state.clock.now().format("%Y-%m-%d").to_string(),
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

pub async fn post_correction(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<CorrectionBody>,
) -> Result<Response, ApiError> {
    let actor = writer(
        &state,
        &headers,
        &plan,
        Role::Officer,
        "correcting an entry",
    )?;
    let target = entry_at(&state, &plan, b.target).await?;
    let command = Command::Correct {
        target: Box::new(target),
        status: b.status,
        note: b.note,
        changes: b.changes,
        reason: b.reason,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

/// Entry `seq` of `plan`, decoded: what a correction names.
pub async fn entry_at(
    state: &AppState,
    plan: &str,
    seq: u64,
) -> Result<crate::entry::Entry, ApiError> {
    let dir = served(state, plan)?.dir.clone();
    tokio::task::spawn_blocking(move || {
        let reader = DirReader::open(&dir).map_err(ApiError::from_store)?;
        let line = reader
            .line_at(crate::entry::Seq(seq))
            .map_err(ApiError::from_store)?
            .ok_or_else(|| ApiError::NotFound(format!("there is no entry {seq}")))?;
        crate::entry::Entry::decode(&line).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

pub async fn post_action(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ActionBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Admin, "adding an action")?;
    let action = ActionAdded {
        id: b.id,
        area: b.area,
        action: b.action,
        outcome: b.outcome,
        start: b.start,
        end: b.end,
        lead: b.lead,
        measures: b.measures,
        evidence_impact: b.evidence_impact,
    };
    write(&state, &plan, &actor, Command::AddAction(action), b.if_head).await
}

pub async fn post_area(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<AreaBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Admin, "adding an area")?;
    let command = Command::AddArea {
        id: b.id,
        title: b.title,
        finding: b.finding,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}
