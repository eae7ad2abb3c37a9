//! The one writer of a served ledger: write requests queue to it and are group-committed.
//!
//! Everything waiting when a commit starts goes into one journalled, fsynced batch; each
//! request is answered only after the fsync that made its entries durable, or with its own
//! refusal. Reads never go through here.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::clock::SystemClock;
use crate::event::Event;
use crate::store::dir::{DirLedger, Group};

use super::error::ApiError;
use super::plan_cache::PlanCache;

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

/// What the writer task is sent.
enum Message {
    Write(WriteRequest),
    /// Settle and stop once the writes before this are answered; then say so.
    Stop(oneshot::Sender<()>),
}

/// A handle to a ledger's writer task.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Message>,
}

impl Writer {
    /// Starts the writer task of the ledger directory `dir`.
    pub fn spawn(dir: PathBuf, cache: Arc<PlanCache>) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(dir, rx, cache));
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
            .send(Message::Write(request))
            .await
            .map_err(|_| ApiError::Internal("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the writer stopped before answering".into()))?
    }

    /// Answers the writes queued so far, settles the ledger (log fsynced, journal emptied,
    /// derived data saved) and stops the writer: how a stopping server leaves its ledgers.
    pub async fn stop(&self) {
        let (done, stopped) = oneshot::channel();
        if self.tx.send(Message::Stop(done)).await.is_ok() {
            let _ = stopped.await;
        }
    }
}

/// How long the writer keeps the ledger open (and locked) after its last commit: a steady
/// stream of writes pays for opening once, and a command-line writer gets in when it pauses.
const IDLE: std::time::Duration = std::time::Duration::from_millis(50);

async fn run(dir: PathBuf, mut rx: mpsc::Receiver<Message>, cache: Arc<PlanCache>) {
    let mut open: Option<DirLedger> = None;
    let mut stop = None;
    while stop.is_none() {
        let first = match open.is_some() {
            true => match tokio::time::timeout(IDLE, rx.recv()).await {
                Ok(r) => r,
                Err(_) => {
                    if let Some(ledger) = open.take() {
                        release(&dir, &cache, ledger).await;
                    }
                    continue;
                }
            },
            false => rx.recv().await,
        };
        let first = match first {
            Some(Message::Write(w)) => w,
            Some(Message::Stop(done)) => {
                stop = Some(done);
                break;
            }
            None => break,
        };
        let mut requests = vec![first];
        while requests.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(Message::Write(more)) => requests.push(more),
                Ok(Message::Stop(done)) => {
                    stop = Some(done);
                    break;
                }
                Err(_) => break,
            }
        }
        let (groups, replies): (Vec<Group>, Vec<_>) =
            requests.into_iter().map(|r| (r.group, r.reply)).unzip();
        let (d, c, ledger) = (dir.clone(), cache.clone(), open.take());
        let done = tokio::task::spawn_blocking(move || commit(&d, ledger, &c, groups)).await;
        let answers = match done {
            Ok((ledger, Ok(answers))) => {
                open = ledger;
                answers
            }
            Ok((_, Err(e))) => {
                cache.release();
                let message = e.to_string();
                replies
                    .iter()
                    .map(|_| Err(ApiError::Internal(message.clone())))
                    .collect()
            }
            Err(e) => {
                cache.release();
                replies
                    .iter()
                    .map(|_| Err(ApiError::Internal(format!("the commit failed: {e}"))))
                    .collect()
            }
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
    if let Some(ledger) = open.take() {
        release(&dir, &cache, ledger).await;
    }
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

/// Flushes the derived data and closes the ledger, letting other writers in.
async fn release(dir: &std::path::Path, cache: &PlanCache, mut ledger: DirLedger) {
    cache.release();
    let settled = tokio::task::spawn_blocking(move || ledger.settle()).await;
    if let Ok(Err(e)) = settled {
        eprintln!("readiness serve: {}: {e}", dir.display());
    }
}

type Answers = Vec<Result<Vec<Written>, ApiError>>;

/// Opens the ledger unless it is still open from the last commit (waiting for any other
/// writer, a CLI one included), commits the groups and splits the entries written among
/// them. The ledger comes back for the next commit unless something failed.
fn commit(
    dir: &std::path::Path,
    ledger: Option<DirLedger>,
    cache: &PlanCache,
    groups: Vec<Group>,
) -> (Option<DirLedger>, Result<Answers, crate::store::StoreError>) {
    let mut ledger = match ledger {
        Some(l) => l,
        None => match DirLedger::open(dir, &mut || {}) {
            Ok(mut l) => {
                l.hold();
                // A plan kept under the log's stamp now is the log's plan: a copy of it
                // spares decoding every action from the state after each idle pause.
                if let Some(kept) = super::plan_cache::stamp(dir).and_then(|s| cache.get(s)) {
                    l.keep_whole((*kept).clone());
                }
                cache.adopt(dir);
                l
            }
            Err(e) => return (None, Err(e)),
        },
    };
    let done = match ledger.append_groups(&SystemClock, groups) {
        Ok(done) => done,
        Err(e) => {
            cache.release();
            // What earlier commits left to settle is settled before the lock goes; if that
            // fails too, the journal still holds it for the next open.
            let _ = ledger.settle();
            return (None, Err(e));
        }
    };
    for w in &done.appended.warnings {
        eprintln!("readiness serve: {}: {w}", dir.display());
    }
    match ledger.whole_plan() {
        Some(plan) => cache.advance(dir, &done.appended.entries, plan),
        None => cache.release(),
    }
    let mut entries = done.appended.entries.into_iter();
    let answers = done
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
        .collect();
    (Some(ledger), Ok(answers))
}
