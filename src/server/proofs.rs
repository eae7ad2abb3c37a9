//! The inspector's files over HTTP: the latest signed checkpoint, and inclusion and
//! consistency proofs at any tree size, in the files `readiness prove` writes.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::checkpoint::{b64, Checkpoint};
use crate::entry::Seq;
use crate::proof_file::{ConsistencyProof, InclusionProof, ProofFile};
use crate::store::DirReader;

use super::api::{caller, served};
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;

pub async fn checkpoint(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?;
    let path = served(&state, &plan)?
        .dir
        .join(crate::checkpoint::CHECKPOINTS_DIR)
        .join(crate::checkpoint::LATEST);
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

/// The checkpoint (unsigned) of the tree of the first `size` entries of `reader` (default:
/// every entry).
fn checkpoint_at(reader: &DirReader, size: Option<u64>) -> Result<Checkpoint, ApiError> {
    let origin = reader.origin().map_err(ApiError::from_store)?;
    if origin.is_empty() {
        return Err(ApiError::NotFound("the ledger holds no plan yet".into()));
    }
    let positions = reader.positions();
    let size = size.unwrap_or(positions.size());
    let root = positions.checked_root_at(size).map_err(tree_failure)?;
    Checkpoint::new(&origin, size, root).map_err(|e| ApiError::Internal(e.to_string()))
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
    ApiQuery(q): ApiQuery<ProofQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?;
    let proof = on_reader(&state, &plan, move |reader| {
        let c = checkpoint_at(reader, q.size)?;
        if seq == 0 || seq > c.size {
            return Err(ApiError::BadRequest(format!(
                "no entry {seq} in a tree of {} entries (seqs run from 1 to {})",
                c.size, c.size
            )));
        }
        let line = reader
            .line_at(Seq(seq))
            .map_err(ApiError::from_store)?
            .ok_or_else(|| ApiError::Internal(format!("entry {seq} is not in the index")))?;
        let path = reader
            .positions()
            .inclusion(seq - 1, c.size, &line)
            .map_err(tree_failure)?;
        let entry = String::from_utf8(line)
            .map_err(|_| ApiError::Internal(format!("entry {seq} is not UTF-8")))?;
        Ok(ProofFile::Inclusion(InclusionProof {
            origin: c.origin.clone(),
            entry,
            seq,
            leaf_index: seq - 1,
            tree_size: c.size,
            root: b64(&c.root),
            audit_path: path.iter().map(|h| b64(h)).collect(),
        }))
    })
    .await?;
    Ok(Json(proof).into_response())
}

pub async fn consistency(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
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
