//! The one writer of a served ledger: write requests queue to it and are group-committed.
//!
//! Everything waiting when a commit starts goes into one journalled, fsynced batch; each
//! request is answered only after the fsync that made its entries durable, or with its own
//! refusal. Reads never go through here.

use std::path::PathBuf;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::clock::SystemClock;
use crate::event::Event;
use crate::store::dir::{DirLedger, Group};

use super::error::ApiError;

/// Requests taken into one commit at most.
const MAX_GROUP: usize = 512;
/// Requests that may wait for the writer before new ones are refused as busy.
const QUEUE: usize = 4096;

/// An entry a write appended, as the answer names it.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub seq: u64,
    pub hash: String,
}

/// One write: the actor (the token's name), its events, the head it expects.
pub struct WriteRequest {
    pub group: Group,
    pub reply: oneshot::Sender<Result<Vec<Written>, ApiError>>,
}

/// A handle to a ledger's writer task.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<WriteRequest>,
}

impl Writer {
    /// Starts the writer task of the ledger directory `dir`.
    pub fn spawn(dir: PathBuf) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(dir, rx));
        Writer { tx }
    }

    /// Queues a write and waits until it is durable or refused.
    pub async fn write(
        &self,
        actor: String,
        events: Vec<Event>,
        if_head: Option<u64>,
    ) -> Result<Vec<Written>, ApiError> {
        let (reply, answer) = oneshot::channel();
        let request = WriteRequest {
            group: Group {
                actor,
                events,
                if_head,
            },
            reply,
        };
        self.tx
            .send(request)
            .await
            .map_err(|_| ApiError::Internal("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the writer stopped before answering".into()))?
    }
}

async fn run(dir: PathBuf, mut rx: mpsc::Receiver<WriteRequest>) {
    while let Some(first) = rx.recv().await {
        let mut requests = vec![first];
        while requests.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(more) => requests.push(more),
                Err(_) => break,
            }
        }
        let (groups, replies): (Vec<Group>, Vec<_>) =
            requests.into_iter().map(|r| (r.group, r.reply)).unzip();
        let dir = dir.clone();
        let done = tokio::task::spawn_blocking(move || commit(&dir, groups)).await;
        let answers = match done {
            Ok(Ok(answers)) => answers,
            Ok(Err(e)) => {
                let message = e.to_string();
                replies
                    .iter()
                    .map(|_| Err(ApiError::Internal(message.clone())))
                    .collect()
            }
            Err(e) => replies
                .iter()
                .map(|_| Err(ApiError::Internal(format!("the commit failed: {e}"))))
                .collect(),
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

/// Opens the ledger (waiting for any other writer, a CLI one included), commits the groups
/// and splits the entries written among them.
fn commit(
    dir: &std::path::Path,
    groups: Vec<Group>,
) -> Result<Vec<Result<Vec<Written>, ApiError>>, crate::store::StoreError> {
    let mut ledger = DirLedger::open(dir, &mut || {})?;
    let done = ledger.append_groups(&SystemClock, groups)?;
    for w in &done.appended.warnings {
        eprintln!("readiness serve: {}: {w}", dir.display());
    }
    let mut entries = done.appended.entries.into_iter();
    Ok(done
        .outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(n) => Ok(entries
                .by_ref()
                .take(n)
                .map(|e| Written {
                    seq: e.seq.0,
                    hash: e.hash.to_string(),
                })
                .collect()),
            Err(e) => Err(ApiError::from_store(e)),
        })
        .collect())
}
