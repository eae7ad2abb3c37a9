//! Chain verification over entry lines: hashes, links, seq and time order (no I/O).
//!
//! The fast path never rebuilds an entry: the stored line is already canonical, so the
//! bytes that were hashed are the line with its `"hash":"…"` member cut out. Finding that
//! member from the end of the line is safe because every member after `event` has a fixed
//! shape (`hash`, `prev`, `recorded_at`, `seq`, in key order).

use sha2::{Digest, Sha256};

use crate::canonical_check::Span;
use crate::entry::{timestamp_shape_ok, Entry, EntryError, EntryHash, Seq, TIMESTAMP_LEN};

/// The first problem found in a chain, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {seq}: {reason}")]
    Malformed { seq: Seq, reason: String },
    #[error("entry {seq}: {source}")]
    Entry { seq: Seq, source: EntryError },
    #[error("entry {expected}: found seq {found} where seq {expected} was expected (an entry is missing, duplicated or out of order)")]
    SeqGap { expected: Seq, found: u64 },
    #[error("entry {seq}: hash does not match its contents (stored {stored}, computed {computed}): the entry was altered")]
    HashMismatch {
        seq: Seq,
        stored: EntryHash,
        computed: EntryHash,
    },
    #[error("entry {seq}: prev is {found} but entry {} has hash {expected}: the chain is broken here", seq.0 - 1)]
    BrokenLink {
        seq: Seq,
        found: EntryHash,
        expected: EntryHash,
    },
    #[error("entry {seq}: recorded_at {found} is earlier than the previous entry's {previous}")]
    TimeWentBack {
        seq: Seq,
        found: String,
        previous: String,
    },
}

/// What one checked line said about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFacts {
    pub seq: Seq,
    pub hash: EntryHash,
}

/// Checks lines one after another; memory stays constant however long the log is.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next: Seq,
    prev: EntryHash,
    /// `prev` as the next line must spell it: links are compared as text, not decoded.
    prev_hex: [u8; 64],
    last_time: [u8; TIMESTAMP_LEN],
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier::new()
    }
}

impl ChainVerifier {
    /// A verifier expecting entry 1.
    pub fn new() -> ChainVerifier {
        ChainVerifier {
            next: Seq(1),
            prev: EntryHash::ZERO,
            prev_hex: hex_of(&EntryHash::ZERO),
            last_time: [b'0'; TIMESTAMP_LEN],
        }
    }

    /// A verifier continuing after a known entry: for catching up from a trusted point.
    pub fn resume(last: Seq, hash: EntryHash, last_recorded_at: &str) -> ChainVerifier {
        let mut last_time = [b'0'; TIMESTAMP_LEN];
        if last_recorded_at.len() == TIMESTAMP_LEN {
            last_time.copy_from_slice(last_recorded_at.as_bytes());
        }
        ChainVerifier {
            next: Seq(last.0 + 1),
            prev: hash,
            prev_hex: hex_of(&hash),
            last_time,
        }
    }

    /// A verifier continuing after a stored line, read as it stands (hash not re-checked):
    /// for checking the line that follows an entry already verified or trusted.
    pub fn after_line(line: &[u8]) -> Option<ChainVerifier> {
        let parts = split_line(line).ok()?;
        let mut last_time = [b'0'; TIMESTAMP_LEN];
        last_time.copy_from_slice(parts.recorded_at);
        Some(ChainVerifier {
            next: Seq(parts.seq + 1),
            prev: parts.hash,
            prev_hex: hex_of(&parts.hash),
            last_time,
        })
    }

    /// The `recorded_at` of the last accepted entry (zeros before any).
    pub fn last_time(&self) -> &[u8; TIMESTAMP_LEN] {
        &self.last_time
    }

    /// The seq the next line must carry.
    pub fn next_seq(&self) -> Seq {
        self.next
    }

    /// Hash of the last accepted entry (zeros before any).
    pub fn head_hash(&self) -> EntryHash {
        self.prev
    }

    /// Checks a line this ledger wrote: hash, link, seq and time order, without parsing the event.
    pub fn check_stored(&mut self, line: &[u8]) -> Result<LineFacts, ChainError> {
        match split_raw(line) {
            Ok(parts) => self.check_raw(line, parts),
            Err(_) => self.check_stored_slowly(line),
        }
    }

    /// [`Self::check_stored`] for a line whose members the canonical check has already found
    /// (a plain status line): the hash, link and time are read from there.
    pub fn check_spans(
        &mut self,
        line: &[u8],
        seq: u64,
        hash: Span,
        prev: Span,
        recorded_at: Span,
    ) -> Result<LineFacts, ChainError> {
        let parts = raw_from_spans(line, seq, hash, prev, recorded_at);
        match parts {
            Some(parts) => self.check_raw(line, parts),
            None => self.check_stored_slowly(line),
        }
    }

    /// The common case, without decoding a hash: the computed hash is written as hex and
    /// compared with the stored text, and `prev` with the last hash's text. Anything that
    /// does not match goes the slow way, which names the problem exactly as it always has.
    fn check_raw(&mut self, line: &[u8], parts: RawParts<'_>) -> Result<LineFacts, ChainError> {
        let mut hasher = Sha256::new();
        hasher.update(parts.before_hash);
        hasher.update(parts.after_hash);
        let computed = EntryHash(hasher.finalize().into());
        let computed_hex = hex_of(&computed);
        let good = parts.seq == self.next.0
            && parts.hash == computed_hex
            && parts.prev == self.prev_hex
            && parts.recorded_at.len() == TIMESTAMP_LEN
            && timestamp_shape_ok(parts.recorded_at);
        if !good {
            return self.check_stored_slowly(line);
        }
        let seq = self.next;
        self.accept(seq, self.prev, computed, parts.recorded_at)?;
        self.prev_hex = computed_hex;
        Ok(LineFacts {
            seq,
            hash: computed,
        })
    }

    /// Every check of [`Self::check_stored`], decoding each member: slower, and the one
    /// place that says what is wrong with a line.
    fn check_stored_slowly(&mut self, line: &[u8]) -> Result<LineFacts, ChainError> {
        let seq = self.next;
        let parts = split_line(line).map_err(|reason| ChainError::Malformed {
            seq,
            reason: reason.to_string(),
        })?;
        if parts.seq != seq.0 {
            return Err(ChainError::SeqGap {
                expected: seq,
                found: parts.seq,
            });
        }
        let mut hasher = Sha256::new();
        hasher.update(parts.before_hash);
        hasher.update(parts.after_hash);
        let computed = EntryHash(hasher.finalize().into());
        if computed != parts.hash {
            return Err(ChainError::HashMismatch {
                seq,
                stored: parts.hash,
                computed,
            });
        }
        let facts = self.accept(seq, parts.prev, parts.hash, parts.recorded_at)?;
        self.prev_hex = hex_of(&parts.hash);
        Ok(facts)
    }

    /// Checks a line from outside: everything [`Self::check_stored`] does, plus canonical form,
    /// member types and the event's shape. Returns the parsed entry.
    pub fn check_strict(&mut self, line: &[u8]) -> Result<Entry, ChainError> {
        let seq = self.next;
        let entry = Entry::parse_strict(line).map_err(|source| match source {
            EntryError::HashMismatch { stored, computed } => ChainError::HashMismatch {
                seq,
                stored,
                computed,
            },
            source => ChainError::Entry { seq, source },
        })?;
        if entry.seq != seq {
            return Err(ChainError::SeqGap {
                expected: seq,
                found: entry.seq.0,
            });
        }
        let time = entry.recorded_at.as_bytes().to_vec();
        self.accept(seq, entry.prev, entry.hash, &time)?;
        self.prev_hex = hex_of(&entry.hash);
        Ok(entry)
    }

    fn accept(
        &mut self,
        seq: Seq,
        prev: EntryHash,
        hash: EntryHash,
        time: &[u8],
    ) -> Result<LineFacts, ChainError> {
        if prev != self.prev {
            return Err(ChainError::BrokenLink {
                seq,
                found: prev,
                expected: self.prev,
            });
        }
        if time < &self.last_time[..] {
            return Err(ChainError::TimeWentBack {
                seq,
                found: String::from_utf8_lossy(time).into_owned(),
                previous: String::from_utf8_lossy(&self.last_time).into_owned(),
            });
        }
        self.last_time.copy_from_slice(time);
        self.prev = hash;
        self.next = Seq(seq.0 + 1);
        Ok(LineFacts { seq, hash })
    }
}

/// The seq and stored hash of a line, read without checking the hash.
pub fn stored_facts(line: &[u8]) -> Option<LineFacts> {
    split_line(line).ok().map(|p| LineFacts {
        seq: Seq(p.seq),
        hash: p.hash,
    })
}

/// The `recorded_at` of a stored line, read without checking the hash.
pub fn stored_time(line: &[u8]) -> Option<&[u8]> {
    split_line(line).ok().map(|p| p.recorded_at)
}

/// The members after `event`, located from the end of a canonical line.
struct LineParts<'a> {
    before_hash: &'a [u8],
    hash: EntryHash,
    after_hash: &'a [u8],
    prev: EntryHash,
    recorded_at: &'a [u8],
    seq: u64,
}

/// [`LineParts`] with the two hashes left as the text they are stored as.
struct RawParts<'a> {
    before_hash: &'a [u8],
    hash: &'a [u8],
    after_hash: &'a [u8],
    prev: &'a [u8],
    recorded_at: &'a [u8],
    seq: u64,
}

/// The members of a line at the places the canonical check found them.
fn raw_from_spans(
    line: &[u8],
    seq: u64,
    hash: Span,
    prev: Span,
    recorded_at: Span,
) -> Option<RawParts<'_>> {
    const HASH_KEY: usize = b",\"hash\":\"".len();
    let at = |(a, b): Span| line.get(a as usize..b as usize);
    Some(RawParts {
        before_hash: line.get(..(hash.0 as usize).checked_sub(HASH_KEY)?)?,
        hash: at(hash)?,
        after_hash: line.get(hash.1 as usize + 1..)?,
        prev: at(prev)?,
        recorded_at: at(recorded_at)?,
        seq,
    })
}

/// The lowercase hex of a hash, without allocating.
fn hex_of(hash: &EntryHash) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(hash.0) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
    out
}

/// Finds the members after `event` from the end of a line, leaving the hashes as text.
fn split_raw(line: &[u8]) -> Result<RawParts<'_>, &'static str> {
    let parts = split_members(line)?;
    Ok(RawParts {
        before_hash: parts.0,
        hash: parts.1,
        after_hash: parts.2,
        prev: parts.3,
        recorded_at: parts.4,
        seq: parts.5,
    })
}

fn split_line(line: &[u8]) -> Result<LineParts<'_>, &'static str> {
    let raw = split_raw(line)?;
    let decode = |hex: &[u8]| {
        std::str::from_utf8(hex)
            .ok()
            .and_then(EntryHash::from_hex)
            .ok_or(SHAPE)
    };
    Ok(LineParts {
        before_hash: raw.before_hash,
        hash: decode(raw.hash)?,
        after_hash: raw.after_hash,
        prev: decode(raw.prev)?,
        recorded_at: raw.recorded_at,
        seq: raw.seq,
    })
}

const SHAPE: &str = "not an entry line (expected {\"actor\":…,\"event\":{…},\"hash\":…,\"prev\":…,\"recorded_at\":…,\"seq\":N})";

/// (before the hash member, hash text, from `,"prev"` on, prev text, recorded_at, seq).
type Members<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a [u8], &'a [u8], u64);

fn split_members(line: &[u8]) -> Result<Members<'_>, &'static str> {
    let body = line
        .strip_prefix(b"{\"actor\":\"")
        .and_then(|_| line.strip_suffix(b"}"))
        .ok_or(SHAPE)?;
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 16 {
        return Err("seq is missing or too long");
    }
    let (rest, seq_text) = body.split_at(body.len() - digits);
    if seq_text[0] == b'0' {
        return Err("seq has a leading zero or is 0");
    }
    let seq = seq_text
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    let rest = rest.strip_suffix(b",\"seq\":").ok_or(SHAPE)?;
    let rest = rest.strip_suffix(b"\"").ok_or(SHAPE)?;
    if rest.len() < TIMESTAMP_LEN {
        return Err(SHAPE);
    }
    let (rest, recorded_at) = rest.split_at(rest.len() - TIMESTAMP_LEN);
    if !timestamp_shape_ok(recorded_at) {
        return Err("recorded_at is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ");
    }
    let rest = rest.strip_suffix(b",\"recorded_at\":\"").ok_or(SHAPE)?;
    let (rest, prev) = take_hash_member(rest, b",\"prev\":\"").ok_or(SHAPE)?;
    let after_hash = &line[rest.len()..];
    let (before_hash, hash) = take_hash_member(rest, b",\"hash\":\"").ok_or(SHAPE)?;
    Ok((before_hash, hash, after_hash, prev, recorded_at, seq))
}

/// Splits `…,"name":"<64 bytes>"` off the end of `bytes` (the 64 bytes not yet read as hex).
fn take_hash_member<'a>(bytes: &'a [u8], key: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let rest = bytes.strip_suffix(b"\"")?;
    if rest.len() < 64 + key.len() {
        return None;
    }
    let (rest, hex) = rest.split_at(rest.len() - 64);
    Some((rest.strip_suffix(key)?, hex))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AreaAdded, Event};

    fn chain(n: u64) -> Vec<Vec<u8>> {
        let mut prev = EntryHash::ZERO;
        (1..=n)
            .map(|i| {
                let ev = Event::AreaAdded(AreaAdded {
                    id: i.to_string(),
                    title: format!("area \"{i}\" with ,\"hash\":\"x\" inside"),
                    finding: None,
                });
                let (e, line) = Entry::seal(
                    Seq(i),
                    format!("2020-11-30T09:00:{:02}.000000Z", i % 60),
                    "a".into(),
                    ev,
                    prev,
                )
                .unwrap();
                prev = e.hash;
                line
            })
            .collect()
    }

    #[test]
    fn fast_and_strict_paths_agree_on_a_good_chain() {
        let lines = chain(5);
        let (mut fast, mut strict) = (ChainVerifier::new(), ChainVerifier::new());
        for line in &lines {
            let f = fast.check_stored(line).unwrap();
            let s = strict.check_strict(line).unwrap();
            assert_eq!((f.seq, f.hash), (s.seq, s.hash));
        }
        assert_eq!(fast.head_hash(), strict.head_hash());
        assert_eq!(fast.next_seq(), Seq(6));
    }

    #[test]
    fn every_single_byte_change_is_detected_by_the_fast_path() {
        let lines = chain(3);
        for i in 0..lines[1].len() {
            let mut bad = lines[1].clone();
            bad[i] ^= 0x01;
            let mut v = ChainVerifier::new();
            v.check_stored(&lines[0]).unwrap();
            let second = v.check_stored(&bad);
            let third = second.is_ok().then(|| v.check_stored(&lines[2]));
            assert!(
                second.is_err() || matches!(third, Some(Err(_))),
                "byte {i} flip not detected"
            );
        }
    }

    #[test]
    fn names_missing_reordered_and_relinked_entries() {
        let lines = chain(3);
        let mut v = ChainVerifier::new();
        v.check_stored(&lines[0]).unwrap();
        assert_eq!(
            v.check_stored(&lines[2]),
            Err(ChainError::SeqGap {
                expected: Seq(2),
                found: 3
            })
        );
        let mut v = ChainVerifier::new();
        assert!(matches!(
            v.check_stored(&lines[1]),
            Err(ChainError::SeqGap { .. })
        ));
    }

    #[test]
    fn time_going_back_is_reported() {
        let (e1, l1) = Entry::seal(
            Seq(1),
            "2021-01-01T00:00:00.000000Z".into(),
            "a".into(),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "t".into(),
                finding: None,
            }),
            EntryHash::ZERO,
        )
        .unwrap();
        let (_, l2) = Entry::seal(
            Seq(2),
            "2020-12-31T23:59:59.999999Z".into(),
            "a".into(),
            Event::AreaAdded(AreaAdded {
                id: "2".into(),
                title: "t".into(),
                finding: None,
            }),
            e1.hash,
        )
        .unwrap();
        let mut v = ChainVerifier::new();
        v.check_stored(&l1).unwrap();
        assert!(matches!(
            v.check_stored(&l2),
            Err(ChainError::TimeWentBack { .. })
        ));
    }

    /// Statuses, the lines whose members the canonical check finds for the chain check.
    fn status_chain(n: u64) -> Vec<Vec<u8>> {
        let mut prev = EntryHash::ZERO;
        (1..=n)
            .map(|i| {
                let ev = Event::StatusRecorded(crate::event::StatusRecorded {
                    action: format!("1.{i}"),
                    review: "RAG May 20".into(),
                    status: "Completed".into(),
                    note: (i % 2 == 0).then(|| "checked".into()),
                });
                let time = format!("2020-11-30T09:00:{:02}.000000Z", i % 60);
                let (e, line) = Entry::seal(Seq(i), time, "a".into(), ev, prev).unwrap();
                prev = e.hash;
                line
            })
            .collect()
    }

    /// The quick paths (hashes compared as text, members from the canonical check's spans)
    /// accept and refuse exactly what the decoding path does, with the same error, for any
    /// one byte of the middle line changed to any of a few telling values.
    #[test]
    fn quick_paths_agree_with_the_decoding_path_on_every_changed_byte() {
        for lines in [chain(3), status_chain(3)] {
            for i in 0..lines[1].len() {
                for b in [b'0', b'a', b'A', b'"', b'9', b'f', b'g', b'{'] {
                    let mut bad = lines[1].clone();
                    bad[i] = b;
                    let mut slow = ChainVerifier::new();
                    slow.check_stored(&lines[0]).unwrap();
                    let (mut quick, mut spans) = (slow.clone(), slow.clone());
                    let want = slow.check_stored_slowly(&bad);
                    assert_eq!(quick.check_stored(&bad), want, "byte {i} set to {b}");
                    if let Ok((_, Some(at))) = crate::canonical_check::check_line(&bad) {
                        let got = spans.check_spans(&bad, at.seq, at.hash, at.prev, at.recorded_at);
                        assert_eq!(got, want, "spans, byte {i} set to {b}");
                    }
                    if want.is_ok() {
                        assert_eq!(quick.check_stored(&lines[2]), slow.check_stored(&lines[2]));
                    }
                }
            }
            // Unchanged, every path accepts the whole chain, and the spans path was taken.
            let mut v = ChainVerifier::new();
            for l in &lines {
                v.check_stored(l).unwrap();
            }
        }
        let lines = status_chain(3);
        let mut v = ChainVerifier::new();
        for l in &lines {
            let (_, at) = crate::canonical_check::check_line(l).unwrap();
            let at = at.expect("a plain status line");
            v.check_spans(l, at.seq, at.hash, at.prev, at.recorded_at)
                .unwrap();
        }
    }
}
