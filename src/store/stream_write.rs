//! A streamed creation's two halves on two threads: this one checks and folds each event
//! (the rules need order) and makes its entry's canonical parts; a writer thread links them
//! (each entry's hash covers the one before), writes the lines and computes their positions
//! and Merkle leaves as they go, so the new log need not be read back. The rules never read
//! an entry's hash, so the fold need not wait for the chain.

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

/// Bytes of lines (once linked) gathered before each hand-over to the writer.
const CHUNK: usize = 1 << 20;
/// Bytes linking adds to an entry's parts: the `hash` member, the `prev` member's name and
/// value, and the newline. A chunk is handed over at about [`CHUNK`] bytes of lines.
const LINKED: usize = (9 + 64 + 1) + (9 + 64) + 1;
/// Chunks sealed ahead of the writer: bounds memory when the disk is the slower half.
const AHEAD: usize = 2;
/// Entries whose positions and Merkle nodes are held before they go to their files: a
/// million entries' nodes would otherwise be 70 MB held until the end.
/// (Every two in the unit tests, so that their small ledgers save part way too.)
const SAVE_EVERY: usize = if cfg!(test) { 2 } else { 64 * 1024 };

/// Entries' unlinked parts ([`Entry::unlinked_into`]) one after another and, for each, its
/// number, the length of its first part and of both.
struct Chunk {
    parts: Vec<u8>,
    entries: Vec<(Seq, usize, usize)>,
}

/// Seals `events` after `sealer`'s plan and writes them to `file` (at `path`), showing each
/// entry to `on_entry` before it is linked: the plan after them (its head's hash that of
/// the last line written) and the positions of every line written (for `ledger`'s derived
/// folder, its log to be at `log`). Nothing is fsynced here.
pub(super) fn seal_and_write(
    mut sealer: Sealer,
    events: Box<dyn Iterator<Item = Event> + '_>,
    on_entry: &mut dyn FnMut(&Entry),
    (file, path): (&mut File, &Path),
    (ledger, log): (&Path, &Path),
) -> Result<(Plan, Result<Positions, StoreError>), StoreError> {
    let positions = Positions::fresh(ledger, log);
    let prev = sealer.prev();
    let (tx, rx) = sync_channel(AHEAD);
    std::thread::scope(|s| {
        let writer = s.spawn(move || write_chunks(file, path, rx, positions, prev));
        let sealed = seal_chunks(&mut sealer, events, on_entry, tx);
        let written = match writer.join() {
            Ok(w) => w,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        // A refused event is the reason to tell; a write error stops the sealing too.
        sealed?;
        let (written, positions) = written;
        sealer.linked(written?);
        Ok((sealer.into_plan(), positions))
    })
}

/// The checking half: hands over a chunk whenever [`CHUNK`] bytes are gathered. Stops
/// quietly if the writer has stopped (its error is the one reported). Each entry is shown
/// to `on_entry` before it is linked: its `prev` and `hash` are not known yet.
fn seal_chunks(
    sealer: &mut Sealer,
    events: Box<dyn Iterator<Item = Event> + '_>,
    on_entry: &mut dyn FnMut(&Entry),
    tx: SyncSender<Chunk>,
) -> Result<(), StoreError> {
    let empty = || Chunk {
        parts: Vec::with_capacity(CHUNK + 4096),
        entries: Vec::with_capacity(CHUNK / 128),
    };
    let mut chunk = empty();
    for event in events {
        let start = chunk.parts.len();
        let (entry, head_len) = sealer.seal_unlinked(event, &mut chunk.parts)?;
        chunk
            .entries
            .push((entry.seq, head_len, chunk.parts.len() - start));
        on_entry(&entry);
        sealer.apply_owned(entry);
        let line_bytes = chunk.parts.len() + chunk.entries.len() * LINKED;
        if line_bytes >= CHUNK && tx.send(std::mem::replace(&mut chunk, empty())).is_err() {
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
    mut prev: EntryHash,
) -> (Result<EntryHash, StoreError>, Result<Positions, StoreError>) {
    let mut saved = positions.trim();
    let mut offset = 0u64;
    let mut bytes = Vec::with_capacity(CHUNK + CHUNK / 2);
    let mut lines = Vec::new();
    for chunk in rx {
        bytes.clear();
        lines.clear();
        let mut at = 0usize;
        for (seq, head_len, len) in chunk.entries {
            let (head, rest) = chunk.parts[at..at + len].split_at(head_len);
            let start = bytes.len();
            prev = Entry::link_into(head, rest, &prev, &mut bytes);
            lines.push((seq, prev, bytes.len() - start));
            bytes.push(b'\n');
            at += len;
        }
        if let Err(e) = fsx::write_all(file, path, &bytes) {
            return (Err(e), saved.map(|_| positions));
        }
        if saved.is_ok() {
            let mut at = 0usize;
            for &(seq, hash, len) in &lines {
                positions.push(seq, hash, offset + at as u64, &bytes[at..at + len]);
                at += len + 1;
            }
            if positions.unsaved() >= SAVE_EVERY {
                saved = positions.save();
            }
        }
        offset += bytes.len() as u64;
    }
    if saved.is_ok() {
        saved = positions.save();
    }
    (Ok(prev), saved.map(|_| positions))
}
