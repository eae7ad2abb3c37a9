//! The inspector's files over HTTP: the latest signed checkpoint, and an inclusion proof of
//! an entry in the current tree, the same bytes `readiness checkpoint` and `readiness prove
//! inclusion` write.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::store::DirReader;

use super::api::{caller, served};
use super::error::ApiError;
use super::AppState;

pub async fn checkpoint(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?;
    let path = served(&state, &plan)?
        .dir
        .join("checkpoints")
        .join(crate::cli::checkpoint::LATEST);
    let read = path.clone();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(read))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    match bytes {
        Ok(bytes) => Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::NotFound(
            "no checkpoint has been signed for this ledger yet: `readiness checkpoint --key KEY` signs one".into(),
        )),
        Err(e) => Err(ApiError::Internal(format!("{}: {e}", path.display()))),
    }
}

/// `size`: the tree size the caller expects (the current one; proofs are made against it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofQuery {
    pub size: Option<u64>,
}

pub async fn inclusion(
    State(state): State<Arc<AppState>>,
    Path((plan, seq)): Path<(String, u64)>,
    q: Result<Query<ProofQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    caller(&state, &headers, &plan)?;
    let dir = served(&state, &plan)?.dir.clone();
    let proof = tokio::task::spawn_blocking(move || {
        let reader = DirReader::open(&dir).map_err(ApiError::from_store)?;
        let cli = |e: crate::cli::CliError| ApiError::BadRequest(e.to_string());
        let tree = crate::cli::prove::tree_of(&reader).map_err(cli)?;
        let c = crate::cli::checkpoint::current_checkpoint(&tree).map_err(cli)?;
        if let Some(size) = q.size.filter(|&s| s != c.size) {
            return Err(ApiError::Conflict(format!(
                "the tree now has {} entries, not {size}: proofs are made against the current tree; GET .../head, then ask again",
                c.size
            )));
        }
        crate::cli::prove::inclusion_proof(&reader, seq, &c).map_err(cli)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(proof).into_response())
}
