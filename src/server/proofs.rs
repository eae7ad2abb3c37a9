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

use crate::checkpoint::{b64, Checkpoint};
use crate::cli::prove::{ConsistencyProof, ProofFile};
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

/// `size`: the tree to prove against (default: the current one).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofQuery {
    pub size: Option<u64>,
}

/// `from` and `to` tree sizes (`to` default: the current one).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: Option<u64>,
}

fn tree_failure(e: crate::store::positions::TreeFailure) -> ApiError {
    use crate::store::positions::TreeFailure;
    match e {
        TreeFailure::Proof(p) => ApiError::BadRequest(p.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

/// The checkpoint (unsigned) of the tree of the first `size` entries of `reader`.
fn checkpoint_at(reader: &DirReader, size: Option<u64>) -> Result<Checkpoint, ApiError> {
    let tree =
        crate::cli::prove::tree_of(reader).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let current = crate::cli::checkpoint::current_checkpoint(&tree)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    match size.filter(|&s| s != current.size) {
        None => Ok(current),
        Some(size) => {
            let root = reader
                .positions()
                .checked_root_at(size)
                .map_err(tree_failure)?;
            Checkpoint::new(&current.origin, size, root)
                .map_err(|e| ApiError::Internal(e.to_string()))
        }
    }
}

/// Runs `work` on a reader of `plan`'s ledger off the async threads.
async fn on_reader<T: Send + 'static>(
    state: &AppState,
    plan: &str,
    work: impl FnOnce(&DirReader) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let dir = served(state, plan)?.dir.clone();
    tokio::task::spawn_blocking(move || {
        let reader = DirReader::open(&dir).map_err(ApiError::from_store)?;
        work(&reader)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

pub async fn inclusion(
    State(state): State<Arc<AppState>>,
    Path((plan, seq)): Path<(String, u64)>,
    q: Result<Query<ProofQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    caller(&state, &headers, &plan)?;
    let proof = on_reader(&state, &plan, move |reader| {
        let c = checkpoint_at(reader, q.size)?;
        crate::cli::prove::inclusion_proof(reader, seq, &c)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    })
    .await?;
    Ok(Json(proof).into_response())
}

pub async fn consistency(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    q: Result<Query<ConsistencyQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    caller(&state, &headers, &plan)?;
    let proof = on_reader(&state, &plan, move |reader| {
        let new = checkpoint_at(reader, q.to)?;
        if q.from == 0 || q.from > new.size {
            return Err(ApiError::BadRequest(format!(
                "from must be a tree size from 1 to {} (to)",
                new.size
            )));
        }
        let old = checkpoint_at(reader, Some(q.from))?;
        let path = reader
            .positions()
            .consistency(old.size, new.size)
            .map_err(tree_failure)?;
        Ok(ProofFile::Consistency(ConsistencyProof {
            origin: new.origin.clone(),
            old_size: old.size,
            new_size: new.size,
            old_root: b64(&old.root),
            new_root: b64(&new.root),
            proof: path.iter().map(|h| b64(h)).collect(),
        }))
    })
    .await?;
    Ok(Json(proof).into_response())
}
