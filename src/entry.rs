//! Ledger entries: identifiers, canonical bytes, hashing and chain links (no I/O).
//!
//! The entry layout is a public format (see FORMAT.md). Everything here reaches the hash:
//! changing a field name, the timestamp form or the canonical encoding breaks every
//! existing ledger, which the known-answer test at the bottom guards against.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::{self, CanonicalError};
use crate::event::{Event, EventError};

/// Position of an entry in the ledger, counting from 1 with no gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A SHA-256 digest: an entry's hash, or the `prev` link to one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryHash(pub [u8; 32]);

impl EntryHash {
    /// The `prev` of entry 1.
    pub const ZERO: EntryHash = EntryHash([0; 32]);

    /// Parses exactly 64 lowercase hex digits, the only form the format allows.
    pub fn from_hex(s: &str) -> Option<EntryHash> {
        crate::hex::decode::<32>(s).map(EntryHash)
    }

    /// The 64-digit lowercase hex form.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }
}

impl Serialize for EntryHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for EntryHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EntryHash::from_hex(&s)
            .ok_or_else(|| serde::de::Error::custom("expected 64 lowercase hex digits"))
    }
}

impl fmt::Display for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryHash({})", self.to_hex())
    }
}

/// The last entry of a ledger (or of a prefix of it): what a board minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: EntryHash,
}

/// The one textual form of `recorded_at`: fixed width, so text order is time order.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";
/// Length of a `recorded_at` value, e.g. `2026-11-23T11:21:15.123456Z`.
pub const TIMESTAMP_LEN: usize = 27;

/// Writes a transaction time in the entry format (UTC, microseconds, `Z`). Digits are
/// written directly: every append formats the clock a few times, and chrono's format
/// string, read anew each time, cost a shared writer a tenth of its commit.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        // Years chrono writes with a sign or more digits, and leap seconds: as chrono has them.
        return t.format(TIMESTAMP_FORMAT).to_string();
    }
    let mut out = String::with_capacity(TIMESTAMP_LEN);
    let mut digits = |value: u32, width: u32, after: char| {
        for k in (0..width).rev() {
            let digit = value / 10u32.pow(k) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(after);
    };
    digits(t.year() as u32, 4, '-');
    digits(t.month(), 2, '-');
    digits(t.day(), 2, 'T');
    digits(t.hour(), 2, ':');
    digits(t.minute(), 2, ':');
    digits(t.second(), 2, '.');
    digits(nanos / 1000, 6, 'Z');
    out
}

/// Reads a `recorded_at` value; only the exact entry form is accepted.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if s.len() != TIMESTAMP_LEN {
        return None;
    }
    NaiveDateTime::parse_from_str(s, TIMESTAMP_FORMAT)
        .ok()
        .map(|n| n.and_utc())
        .filter(|t| format_timestamp(*t) == s)
}

/// Cheap check of `YYYY-MM-DDTHH:MM:SS.ffffffZ` with sane field ranges.
pub(crate) fn timestamp_shape_ok(t: &[u8]) -> bool {
    if t.len() != TIMESTAMP_LEN {
        return false;
    }
    const PATTERN: &[u8; TIMESTAMP_LEN] = b"dddd-dd-ddTdd:dd:dd.ddddddZ";
    if !t.iter().zip(PATTERN).all(|(c, p)| {
        if *p == b'd' {
            c.is_ascii_digit()
        } else {
            c == p
        }
    }) {
        return false;
    }
    let num = |i: usize| u32::from(t[i] - b'0') * 10 + u32::from(t[i + 1] - b'0');
    (1..=12).contains(&num(5))
        && (1..=31).contains(&num(8))
        && num(11) < 24
        && num(14) < 60
        && num(17) < 60
}

/// One appended fact: who, when, what, and its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: Seq,
    /// Transaction time: when the ledger learned the fact, in [`TIMESTAMP_FORMAT`].
    pub recorded_at: String,
    pub actor: String,
    pub event: Event,
    pub prev: EntryHash,
    pub hash: EntryHash,
}

/// Why bytes are not a valid entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("member `{0}` is missing or has the wrong type")]
    Member(&'static str),
    #[error(
        "unexpected member `{0}` (an entry has exactly seq, recorded_at, actor, event, prev, hash)"
    )]
    ExtraMember(String),
    #[error("`recorded_at` {0:?} is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")]
    Timestamp(String),
    #[error("the actor is empty")]
    EmptyActor,
    #[error("event: {0}")]
    Event(#[from] EventError),
    #[error("{0}")]
    Canonical(#[from] CanonicalError),
    #[error("the bytes are not in canonical form (keys sorted, no whitespace, RFC 8785)")]
    NotCanonical,
    #[error("stored hash {stored} does not match the computed {computed}")]
    HashMismatch {
        stored: EntryHash,
        computed: EntryHash,
    },
}

impl Entry {
    /// Links and hashes a new entry; returns it with its canonical line (no newline).
    pub fn seal(
        seq: Seq,
        recorded_at: String,
        actor: String,
        event: Event,
        prev: EntryHash,
    ) -> Result<(Entry, Vec<u8>), EntryError> {
        if actor.trim().is_empty() {
            return Err(EntryError::EmptyActor);
        }
        if parse_timestamp(&recorded_at).is_none() {
            return Err(EntryError::Timestamp(recorded_at));
        }
        Ok(Entry::seal_checked(seq, recorded_at, actor, event, prev)?)
    }

    /// [`Entry::seal`] for an actor and time already checked (a batch checks them once).
    pub(crate) fn seal_checked(
        seq: Seq,
        recorded_at: String,
        actor: String,
        event: Event,
        prev: EntryHash,
    ) -> Result<(Entry, Vec<u8>), CanonicalError> {
        let mut parts = Vec::with_capacity(512);
        let head_len = Entry::unlinked_into(seq, &recorded_at, &actor, &event, &mut parts)?;
        let mut line = Vec::with_capacity(parts.len() + 160);
        let hash = Entry::link_into(&parts[..head_len], &parts[head_len..], &prev, &mut line);
        let entry = Entry {
            seq,
            recorded_at,
            actor,
            event,
            prev,
            hash,
        };
        Ok((entry, line))
    }

    /// Appends to `out` an entry's canonical members but the two hashes, in two parts: the
    /// members before them (`{"actor":…,"event":…`), then those after `prev`'s value
    /// (`","recorded_at":…,"seq":…}`). Returns the first part's length. The parts do not
    /// depend on the chain, so they can be made ahead of [`Entry::link_into`], on another
    /// thread.
    pub(crate) fn unlinked_into(
        seq: Seq,
        recorded_at: &str,
        actor: &str,
        event: &Event,
        out: &mut Vec<u8>,
    ) -> Result<usize, CanonicalError> {
        // Members in canonical (sorted) order: actor, event, [hash,] prev, recorded_at, seq.
        // The event is the only nested value; it is canonicalised once.
        let event_bytes = event.canonical_bytes()?;
        let start = out.len();
        out.reserve(event_bytes.len() + actor.len() + recorded_at.len() + 64);
        out.extend_from_slice(b"{\"actor\":");
        canonical::write_string(actor, out);
        out.extend_from_slice(b",\"event\":");
        out.extend_from_slice(&event_bytes);
        let head_len = out.len() - start;
        out.extend_from_slice(b"\",\"recorded_at\":");
        canonical::write_string(recorded_at, out);
        out.extend_from_slice(b",\"seq\":");
        let _ = std::io::Write::write_fmt(out, format_args!("{}", seq.0));
        out.push(b'}');
        Ok(head_len)
    }

    /// Links the parts made by [`Entry::unlinked_into`] after `prev`: appends the entry's
    /// canonical line (no newline) to `line` and returns its hash, which covers the line
    /// without its own `hash` member.
    pub(crate) fn link_into(
        head: &[u8],
        rest: &[u8],
        prev: &EntryHash,
        line: &mut Vec<u8>,
    ) -> EntryHash {
        let mut prev_member = [0u8; 9 + 64];
        prev_member[..9].copy_from_slice(b",\"prev\":\"");
        crate::hex::encode_to(&prev.0, &mut prev_member[9..]);
        let mut hasher = Sha256::new();
        hasher.update(head);
        hasher.update(prev_member);
        hasher.update(rest);
        let hash = EntryHash(hasher.finalize().into());
        line.reserve(head.len() + rest.len() + 9 + 64 + 2 + prev_member.len());
        line.extend_from_slice(head);
        line.extend_from_slice(b",\"hash\":\"");
        crate::hex::encode_into(&hash.0, line);
        line.push(b'"');
        line.extend_from_slice(&prev_member);
        line.extend_from_slice(rest);
        hash
    }

    /// Reads one line completely: shape, event, canonical form and hash are all checked.
    ///
    /// Use this for bytes from outside (restore, strict verification); the chain links are
    /// the caller's job ([`crate::chain::ChainVerifier`]).
    pub fn parse_strict(line: &[u8]) -> Result<Entry, EntryError> {
        let value: Value =
            serde_json::from_slice(line).map_err(|e| EntryError::Json(e.to_string()))?;
        let canonical_line = canonical::to_canonical_bytes(&value)?;
        if canonical_line != line {
            return Err(EntryError::NotCanonical);
        }
        let Value::Object(mut map) = value else {
            return Err(EntryError::Member("entry object"));
        };
        let stored = take_hash(&mut map, "hash")?;
        let body = canonical::to_canonical_bytes(&Value::Object(map.clone()))?;
        let computed = EntryHash(Sha256::digest(&body).into());
        if computed != stored {
            return Err(EntryError::HashMismatch { stored, computed });
        }
        let mut entry = entry_from_map(map)?;
        entry.hash = stored;
        Ok(entry)
    }
}

fn take_hash(map: &mut Map<String, Value>, key: &'static str) -> Result<EntryHash, EntryError> {
    match map.remove(key) {
        Some(Value::String(s)) => EntryHash::from_hex(&s).ok_or(EntryError::Member(key)),
        _ => Err(EntryError::Member(key)),
    }
}

fn entry_from_map(mut map: Map<String, Value>) -> Result<Entry, EntryError> {
    let seq = map
        .remove("seq")
        .and_then(|v| v.as_u64())
        .filter(|s| *s >= 1)
        .ok_or(EntryError::Member("seq"))?;
    let recorded_at = match map.remove("recorded_at") {
        Some(Value::String(s)) if parse_timestamp(&s).is_some() => s,
        Some(Value::String(s)) => return Err(EntryError::Timestamp(s)),
        _ => return Err(EntryError::Member("recorded_at")),
    };
    let actor = match map.remove("actor") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) => return Err(EntryError::EmptyActor),
        _ => return Err(EntryError::Member("actor")),
    };
    let prev = take_hash(&mut map, "prev")?;
    let event = Event::from_value(map.remove("event").ok_or(EntryError::Member("event"))?)?;
    if let Some(extra) = map.keys().next() {
        return Err(EntryError::ExtraMember(extra.clone()));
    }
    Ok(Entry {
        seq: Seq(seq),
        recorded_at,
        actor,
        event,
        prev,
        hash: EntryHash::ZERO,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AreaAdded, StatusRecorded};

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        use chrono::{Datelike, TimeZone};
        let chrono_form = |t: DateTime<Utc>| t.format(TIMESTAMP_FORMAT).to_string();
        // A walk over 1970-2060 with uneven steps (every field moves), and the edges.
        let mut t = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        let step = chrono::Duration::seconds(86_400 * 37 + 3_671)
            + chrono::Duration::nanoseconds(123_457_891);
        while t.year() < 2060 {
            assert_eq!(format_timestamp(t), chrono_form(t));
            t += step;
        }
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .unwrap()
            .and_utc();
        let edges = [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 1, 12, 0, 0).unwrap(),
            leap,
        ];
        for t in edges {
            assert_eq!(format_timestamp(t), chrono_form(t), "{t:?}");
        }
        assert_eq!(format_timestamp(edges[0]), "0000-01-01T00:00:00.000000Z");
    }

    fn sample() -> (Entry, Vec<u8>) {
        Entry::seal(
            Seq(1),
            "2020-11-30T09:00:00.000000Z".into(),
            "plan.officer@york.example".into(),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Leadership and Governance".into(),
                finding: None,
            }),
            EntryHash::ZERO,
        )
        .unwrap()
    }

    /// Pins the format: if this hash changes, every existing ledger is broken.
    #[test]
    fn known_answer_hash() {
        let (entry, line) = sample();
        assert_eq!(
            String::from_utf8(line).unwrap(),
            concat!(
                r#"{"actor":"plan.officer@york.example","event":{"id":"1","title":"Leadership and Governance","type":"area_added","v":1},"#,
                r#""hash":"HASH","prev":"0000000000000000000000000000000000000000000000000000000000000000","#,
                r#""recorded_at":"2020-11-30T09:00:00.000000Z","seq":1}"#
            )
            .replace("HASH", &entry.hash.to_hex())
        );
        assert_eq!(
            entry.hash.to_hex(),
            "e2afc53b5bced0185dcec52fbd57c27f1d16bfc7a84d623c00fea5f3a32f02ad"
        );
    }

    #[test]
    fn strict_parse_round_trips_and_detects_changes() {
        let (entry, line) = sample();
        assert_eq!(Entry::parse_strict(&line).unwrap(), entry);
        assert_eq!(Entry::decode(&line).unwrap(), entry);
        let tampered = String::from_utf8(line.clone())
            .unwrap()
            .replace("Leadership", "Leaderships");
        assert!(matches!(
            Entry::parse_strict(tampered.as_bytes()),
            Err(EntryError::HashMismatch { .. })
        ));
        let spaced = String::from_utf8(line).unwrap().replacen(",", ", ", 1);
        assert_eq!(
            Entry::parse_strict(spaced.as_bytes()),
            Err(EntryError::NotCanonical)
        );
    }

    #[test]
    fn seal_rejects_empty_actor_and_bad_time() {
        let ev = || {
            Event::StatusRecorded(StatusRecorded {
                action: "1.1".into(),
                review: "R".into(),
                status: "Completed".into(),
                note: None,
            })
        };
        let t = "2020-11-30T09:00:00.000000Z".to_string();
        assert_eq!(
            Entry::seal(Seq(1), t.clone(), " ".into(), ev(), EntryHash::ZERO).unwrap_err(),
            EntryError::EmptyActor
        );
        for bad in [
            "2020-11-30T09:00:00Z",
            "2020-13-30T09:00:00.000000Z",
            "2020-11-30 09:00:00.000000Z",
        ] {
            assert!(matches!(
                Entry::seal(Seq(1), bad.into(), "a".into(), ev(), EntryHash::ZERO),
                Err(EntryError::Timestamp(_))
            ));
        }
    }

    #[test]
    fn hash_hex_round_trips_and_rejects_uppercase() {
        let h = EntryHash([0xab; 32]);
        assert_eq!(EntryHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(EntryHash::from_hex(&h.to_hex().to_uppercase()), None);
        assert_eq!(EntryHash::from_hex("ab"), None);
    }
}
