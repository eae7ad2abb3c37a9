//! Evidence over HTTP: `GET .../evidence/{sha256}` sends a stored file (viewers, never
//! anonymous), `POST .../evidence?action=&review=&name=&note=` streams the request body to a
//! file (hashed as it arrives, size-limited, fsynced, renamed to its SHA-256) and records an
//! `evidence_attached` through the ledger's writer (officers).

use std::sync::Arc;

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;

use crate::event::{Event, EvidenceAttached};
use crate::store::evidence::{
    format_size, is_sha256_hex, media_type, EvidenceError, EvidenceStore,
};

use super::api::{caller, served, writer};
use super::error::ApiError;
use super::extract::ApiQuery;
use super::tokens::Role;
use super::writer::Written;
use super::AppState;
use crate::store::evidence::Stored;

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
    let (file, size) = tokio::task::spawn_blocking(move || {
        let store = EvidenceStore::new(&dir);
        let missing = || {
            ApiError::NotFound(format!(
                "no stored evidence has SHA-256 {sha256} (never attached, or redacted)"
            ))
        };
        let path = store
            .path_of(&sha256)
            .filter(|p| p.is_file())
            .ok_or_else(missing)?;
        let file = std::fs::File::open(&path)
            .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
        let size = file
            .metadata()
            .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?
            .len();
        Ok::<_, ApiError>((file, size))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    // Sent a few chunks at a time as the client takes them: memory stays small for any size.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        loop {
            let mut buf = vec![0u8; crate::store::evidence::BUF_SIZE];
            let chunk = match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(Bytes::from(buf))
                }
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
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
    body: Body,
) -> Result<Response, ApiError> {
    let actor = match writer(&state, &headers, &plan, Role::Officer, "attaching evidence") {
        Ok(a) => a,
        Err(e) => {
            // A client that waits for "100 Continue" sends nothing more: nothing to read.
            let waits = headers
                .get(header::EXPECT)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
            if !waits {
                discard(body.into_data_stream(), state.max_upload).await;
            }
            return Err(e);
        }
    };
    let (stored, entries) = attach(&state, &plan, actor, q, body.into_data_stream()).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"sha256": stored.sha256, "size": stored.size, "entries": entries})),
    )
        .into_response())
}

/// Chunks of an upload on their way to the file: few, so memory stays small however large
/// the file is (the sender waits while the disk catches up).
const CHUNKS_IN_FLIGHT: usize = 4;

/// The upload's chunks as a blocking reader, for the store's staging (which hashes them and
/// writes them to a temporary file as they come).
struct ChunkReader {
    chunks: tokio::sync::mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Streams `chunks` as evidence for what `q` names and records it through the writer, for
/// `actor`: the one attach path of the API and the web form. The file is hashed and written
/// to a temporary file inside the evidence folder as it arrives, refused (413) as soon as it
/// passes the server's `--max-upload`, and renamed into place only once the rules allow the
/// entry. Nothing is kept on error.
pub async fn attach<S, E>(
    state: &AppState,
    plan: &str,
    actor: String,
    q: Upload,
    chunks: S,
) -> Result<(Stored, Vec<Written>), ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let limit = state.max_upload;
    // Names resolved before the file is read; the plan they came from is let go at once, so
    // that commits during a long upload fold the kept plan in place instead of copying it.
    let (served, action, review) = match resolve(state, plan, &q).await {
        Ok(found) => found,
        Err(e) => {
            discard(chunks, limit).await;
            return Err(e);
        }
    };
    let dir = served.dir.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    let name = q.name.clone();
    let note = q.note.clone();
    let staging = tokio::task::spawn_blocking(move || {
        let store = EvidenceStore::new(&dir);
        let mut reader = ChunkReader {
            chunks: rx,
            current: Bytes::new(),
        };
        let staged = store
            .stage(&mut reader, &name, limit)
            .map_err(|e| match e {
                EvidenceError::TooLarge { .. } => too_large(limit),
                e => ApiError::Internal(e.to_string()),
            })?;
        let event = Event::EvidenceAttached(EvidenceAttached {
            action,
            review,
            sha256: staged.sha256.clone(),
            file_name: name.clone(),
            size: staged.size,
            media_type: media_type(&name).to_string(),
            note,
        });
        Ok::<_, ApiError>((staged, event))
    });
    // Feed the chunks as they arrive; the stager stops taking them when the file is too large.
    let mut chunks = std::pin::pin!(chunks);
    let mut broken = None;
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(c) => {
                if tx.send(c).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                broken = Some(e.to_string());
                break;
            }
        }
    }
    drop(tx);
    let staged = staging
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(e) = broken {
        // The staged file (if any) is dropped, and with it the temporary file.
        drop(staged);
        return Err(ApiError::BadRequest(format!("the upload broke off: {e}")));
    }
    let (staged, event) = staged?;
    // The rules are checked on the head as it is now (the kept plan: no read), before the
    // file is kept; the plan is dropped before the write queues, as a write request does.
    let plan_now = super::api::plan_of(served, None).await?;
    plan_now
        .check(&event)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    drop(plan_now);
    let store = EvidenceStore::new(&served.dir);
    let stored = tokio::task::spawn_blocking(move || store.commit(staged))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
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

/// The plan, action and review an upload names.
async fn resolve<'a>(
    state: &'a AppState,
    plan: &str,
    q: &Upload,
) -> Result<(&'a super::Served, String, Option<String>), ApiError> {
    let served = served(state, plan)?;
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
    Ok((served, action, review))
}

/// Reads and drops an upload that is refused before it is stored (up to `limit` bytes, for
/// a few seconds), so that the client, still sending, gets the refusal rather than a reset
/// connection.
async fn discard<S, E>(chunks: S, limit: u64)
where
    S: Stream<Item = Result<Bytes, E>> + Send,
{
    let mut chunks = std::pin::pin!(chunks);
    let mut read = 0u64;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(Ok(chunk)) = chunks.next().await {
            read += chunk.len() as u64;
            if read > limit {
                break;
            }
        }
    })
    .await;
}

/// The refusal of an upload over `limit` bytes.
pub fn too_large(limit: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "evidence files over HTTP are at most {} ({limit} bytes; the server's --max-upload)",
        format_size(limit)
    ))
}
