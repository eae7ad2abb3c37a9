//! Chain verification over entry lines: hashes, links, seq and time order (no I/O).
//!
//! The fast path never rebuilds an entry: the stored line is already canonical, so the
//! bytes that were hashed are the line with its `"hash":"…"` member cut out. Finding that
//! member from the end of the line is safe because every member after `event` has a fixed
//! shape (`hash`, `prev`, `recorded_at`, `seq`, in key order).

use sha2::{Digest, Sha256};

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
        self.accept(seq, parts.prev, parts.hash, parts.recorded_at)
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

fn split_line(line: &[u8]) -> Result<LineParts<'_>, &'static str> {
    const SHAPE: &str = "not an entry line (expected {\"actor\":…,\"event\":{…},\"hash\":…,\"prev\":…,\"recorded_at\":…,\"seq\":N})";
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
    Ok(LineParts {
        before_hash,
        hash,
        after_hash,
        prev,
        recorded_at,
        seq,
    })
}

/// Splits `…,"name":"<64 hex>"` off the end of `bytes`.
fn take_hash_member<'a>(bytes: &'a [u8], key: &[u8]) -> Option<(&'a [u8], EntryHash)> {
    let rest = bytes.strip_suffix(b"\"")?;
    if rest.len() < 64 + key.len() {
        return None;
    }
    let (rest, hex) = rest.split_at(rest.len() - 64);
    let hash = EntryHash::from_hex(std::str::from_utf8(hex).ok()?)?;
    Some((rest.strip_suffix(key)?, hash))
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
}
