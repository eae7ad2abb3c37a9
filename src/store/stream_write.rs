//! A streamed creation's two halves on two threads: this one checks, seals and folds each
//! event (the rules need order); a writer thread writes the sealed lines and computes their
//! positions and Merkle leaves as they go, so the new log need not be read back.

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::batch::Sealer;
use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::plan::Plan;

use super::error::StoreError;
use super::fsx;
use super::positions::Positions;

/// Bytes of sealed lines gathered before each hand-over to the writer.
const CHUNK: usize = 1 << 20;
/// Chunks sealed ahead of the writer: bounds memory when the disk is the slower half.
const AHEAD: usize = 2;
/// Entries whose positions and Merkle nodes are held before they go to their files: a
/// million entries' nodes would otherwise be 70 MB held until the end.
/// (Every two in the unit tests, so that their small ledgers save part way too.)
const SAVE_EVERY: usize = if cfg!(test) { 2 } else { 64 * 1024 };

/// Sealed lines (each ending in `\n`) and, for each, its entry's number, hash and length
/// without the newline.
struct Chunk {
    bytes: Vec<u8>,
    lines: Vec<(Seq, EntryHash, usize)>,
}

/// Seals `events` after `sealer`'s plan and writes them to `file` (at `path`), showing each
/// entry to `on_entry`: the plan after them and the positions of every line written (for
/// `ledger`'s derived folder, its log to be at `log`). Nothing is fsynced here.
pub(super) fn seal_and_write(
    mut sealer: Sealer,
    events: Box<dyn Iterator<Item = Event> + '_>,
    on_entry: &mut dyn FnMut(&Entry),
    (file, path): (&mut File, &Path),
    (ledger, log): (&Path, &Path),
) -> Result<(Plan, Result<Positions, StoreError>), StoreError> {
    let positions = Positions::fresh(ledger, log);
    let (tx, rx) = sync_channel(AHEAD);
    std::thread::scope(|s| {
        let writer = s.spawn(move || write_chunks(file, path, rx, positions));
        let sealed = seal_chunks(&mut sealer, events, on_entry, tx);
        let written = match writer.join() {
            Ok(w) => w,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        // A refused event is the reason to tell; a write error stops the sealing too.
        sealed?;
        let (written, positions) = written;
        written?;
        Ok((sealer.into_plan(), positions))
    })
}

/// The sealing half: hands over a chunk whenever [`CHUNK`] bytes are gathered. Stops quietly
/// if the writer has stopped (its error is the one reported).
fn seal_chunks(
    sealer: &mut Sealer,
    events: Box<dyn Iterator<Item = Event> + '_>,
    on_entry: &mut dyn FnMut(&Entry),
    tx: SyncSender<Chunk>,
) -> Result<(), StoreError> {
    let empty = || Chunk {
        bytes: Vec::with_capacity(CHUNK + 4096),
        lines: Vec::with_capacity(CHUNK / 256),
    };
    let mut chunk = empty();
    for event in events {
        let (entry, line) = sealer.seal(event)?;
        chunk.bytes.extend_from_slice(&line);
        chunk.bytes.push(b'\n');
        chunk.lines.push((entry.seq, entry.hash, line.len()));
        on_entry(&entry);
        sealer.apply_owned(entry);
        if chunk.bytes.len() >= CHUNK && tx.send(std::mem::replace(&mut chunk, empty())).is_err() {
            return Ok(());
        }
    }
    let _ = tx.send(chunk);
    Ok(())
}

/// The writing half: each chunk written, then its lines added to the positions, which go to
/// their files as they grow (derived data: the log is not yet durable either, and whatever
/// a crash leaves is checked against the log when it is next opened). A failure to write
/// the log ends it; a failure to save the positions only ends them.
fn write_chunks(
    file: &mut File,
    path: &Path,
    rx: Receiver<Chunk>,
    mut positions: Positions,
) -> (Result<(), StoreError>, Result<Positions, StoreError>) {
    let mut saved = positions.trim();
    let mut offset = 0u64;
    for chunk in rx {
        if let Err(e) = fsx::write_all(file, path, &chunk.bytes) {
            return (Err(e), saved.map(|_| positions));
        }
        if saved.is_ok() {
            let mut at = 0usize;
            for (seq, hash, len) in chunk.lines {
                positions.push(seq, hash, offset + at as u64, &chunk.bytes[at..at + len]);
                at += len + 1;
            }
            if positions.unsaved() >= SAVE_EVERY {
                saved = positions.save();
            }
        }
        offset += chunk.bytes.len() as u64;
    }
    if saved.is_ok() {
        saved = positions.save();
    }
    (Ok(()), saved.map(|_| positions))
}
