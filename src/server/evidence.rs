//! Evidence over HTTP: `GET .../evidence/{sha256}` sends a stored file (viewers, never
//! anonymous), `POST .../evidence?action=&review=&name=&note=` stores the request body as a
//! file (hashed while it is written, fsynced, named by its SHA-256) and records an
//! `evidence_attached` through the ledger's writer (officers).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::event::{Event, EvidenceAttached};
use crate::store::evidence::{is_sha256_hex, media_type, EvidenceStore};

use super::api::{caller, served, writer};
use super::error::ApiError;
use super::extract::ApiQuery;
use super::tokens::Role;
use super::writer::Written;
use super::AppState;
use crate::store::evidence::Stored;

/// The largest evidence file accepted over HTTP.
pub const MAX_EVIDENCE: usize = 25 << 20;

pub async fn get(
    State(state): State<Arc<AppState>>,
    Path((plan, sha256)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?.require(Role::Viewer, "downloading evidence")?;
    send(&state, &plan, sha256).await
}

/// The stored evidence file `sha256` of `plan`, as a download.
pub async fn send(state: &AppState, plan: &str, sha256: String) -> Result<Response, ApiError> {
    if !is_sha256_hex(&sha256) {
        return Err(ApiError::BadRequest(format!(
            "{sha256:?} is not a SHA-256 (64 lowercase hex digits)"
        )));
    }
    let dir = served(state, plan)?.dir.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let store = EvidenceStore::new(&dir);
        match store.path_of(&sha256) {
            Some(path) if path.is_file() => std::fs::read(&path)
                .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display()))),
            _ => Err(ApiError::NotFound(format!(
                "no stored evidence has SHA-256 {sha256} (never attached, or redacted)"
            ))),
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

/// What the file backs, as `readiness evidence add` takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    pub action: String,
    pub review: Option<String>,
    /// The file's name, kept as data (never a path).
    pub name: String,
    pub note: Option<String>,
    pub if_head: Option<u64>,
}

pub async fn post(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<Upload>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(format!(
            "evidence files over HTTP are at most {MAX_EVIDENCE} bytes"
        )),
        _ => ApiError::BadRequest(e.body_text()),
    })?;
    let actor = writer(&state, &headers, &plan, Role::Officer, "attaching evidence")?;
    let (stored, entries) = attach(&state, &plan, actor, q, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"sha256": stored.sha256, "size": stored.size, "entries": entries})),
    )
        .into_response())
}

/// Stores `body` as evidence for what `q` names and records it through the writer, for
/// `actor`: the one attach path of the API and the web form. Nothing is kept on error.
pub async fn attach(
    state: &AppState,
    plan: &str,
    actor: String,
    q: Upload,
    body: Bytes,
) -> Result<(Stored, Vec<Written>), ApiError> {
    let served = served(state, plan)?;
    let dir = served.dir.clone();
    // Names resolved and the rules checked before the file is kept.
    let plan_now = super::api::plan_of(served, None).await?;
    let ids = plan_now.actions.iter().map(|a| a.fields.id.as_str());
    let action =
        crate::names::action_id(&q.action, ids).map_err(|e| ApiError::NotFound(e.to_string()))?;
    let review = q
        .review
        .as_deref()
        .map(|r| crate::asof::review_label(r, &plan_now.reviews))
        .transpose()
        .map_err(|e| ApiError::NotFound(e.to_string()))?;
    let stored = tokio::task::spawn_blocking(move || {
        let store = EvidenceStore::new(&dir);
        let staged = store
            .stage(&mut body.as_ref(), &q.name, MAX_EVIDENCE as u64)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let event = Event::EvidenceAttached(EvidenceAttached {
            action,
            review,
            sha256: staged.sha256.clone(),
            file_name: q.name.clone(),
            size: staged.size,
            media_type: media_type(&q.name).to_string(),
            note: q.note,
        });
        plan_now
            .check(&event)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let stored = store
            .commit(staged)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok::<_, ApiError>((stored, event))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let (stored, event) = stored;
    let written = served.writer.write(actor, vec![event], q.if_head).await;
    match written {
        Ok(entries) => Ok((stored, entries)),
        Err(e) => {
            // The file was kept for an entry that was refused: remove it if it is new.
            if stored.new {
                let _ = EvidenceStore::new(&served.dir).remove(&stored.sha256);
            }
            Err(e)
        }
    }
}
