//! Entry lines from outside: `Entry::parse_strict`, `Entry::decode` / `wire::decode_entry`
//! and `canonical_check::check`, with two differential properties:
//!
//! * `canonical_check::check(b)` is `Ok` exactly when `b` parses as JSON and
//!   `canonical::to_canonical_bytes` of the parsed value gives back `b` (for values
//!   nested no deeper than the checker's documented limit of 32);
//! * what `parse_strict` accepts, the fast `decode` accepts as the same entry.
//!
//! Each input is also tried with its `hash` member recomputed, so the fuzzer gets past the
//! hash check into the member and event decoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readiness_ledger::canonical::to_canonical_bytes;
use readiness_ledger::canonical_check;
use readiness_ledger::entry::Entry;
use readiness_ledger::wire;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The checker refuses any value deeper than this (root = 0).
const CHECK_MAX_DEPTH: usize = 32;

fn max_depth(v: &Value, depth: usize) -> usize {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| max_depth(i, depth + 1))
            .max()
            .unwrap_or(depth),
        Value::Object(map) => map
            .values()
            .map(|i| max_depth(i, depth + 1))
            .max()
            .unwrap_or(depth),
        _ => depth,
    }
}

fn canonical_differential(bytes: &[u8]) {
    let checked = canonical_check::check(bytes);
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let round_trips = parsed
        .as_ref()
        .and_then(|v| to_canonical_bytes(v).ok())
        .is_some_and(|c| c == bytes);
    if checked.is_ok() {
        assert!(
            round_trips,
            "check accepted bytes that do not re-serialise to themselves: {:?}",
            String::from_utf8_lossy(bytes)
        );
    } else if round_trips {
        let depth = max_depth(parsed.as_ref().unwrap(), 0);
        assert!(
            depth > CHECK_MAX_DEPTH,
            "check refused canonical bytes ({checked:?}): {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn entry_paths(bytes: &[u8]) {
    let strict = Entry::parse_strict(bytes);
    let fast = Entry::decode(bytes);
    let wire = wire::decode_entry(bytes);
    assert_eq!(fast, wire);
    if let Ok(strict) = &strict {
        assert!(
            canonical_check::check(bytes).is_ok(),
            "parse_strict accepted a non-canonical line"
        );
        match &fast {
            Ok(fast) => assert_eq!(strict, fast, "strict and fast decoding disagree"),
            Err(e) => panic!("parse_strict accepted a line decode refuses: {e}"),
        }
    }
}

/// The same JSON object with `hash` set to the SHA-256 of the canonical rest, canonical.
fn rehashed(bytes: &[u8]) -> Option<Vec<u8>> {
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(bytes) else {
        return None;
    };
    map.remove("hash");
    let body = to_canonical_bytes(&Value::Object(map.clone())).ok()?;
    let hash: [u8; 32] = Sha256::digest(&body).into();
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    map.insert("hash".into(), Value::String(hex));
    to_canonical_bytes(&Value::Object(map)).ok()
}

fuzz_target!(|data: &[u8]| {
    canonical_differential(data);
    entry_paths(data);
    if let Some(fixed) = rehashed(data) {
        if fixed != data {
            canonical_differential(&fixed);
            entry_paths(&fixed);
        }
    }
});
