//! Stored-line splitting: `ChainVerifier::check_stored`, `chain::stored_facts`,
//! `chain::stored_time` and `ChainVerifier::after_line` on each `\n`-separated line of the
//! input, with the strict path (`check_strict`) run in lockstep: whatever the strict
//! path accepts, the fast path must accept with the same seq and hash.
//!
//! The input is run twice: as given, and "relinked" (each line's `prev` set to the hash of
//! the line before and its `hash` recomputed, where those members are where a stored line
//! has them), so the fuzzer gets past the hash and link checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readiness_ledger::chain::{self, ChainVerifier};
use sha2::{Digest, Sha256};

const HASH_KEY: &[u8] = b",\"hash\":\"";
const PREV_KEY: &[u8] = b",\"prev\":\"";

fn hex(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect()
}

/// Where the 64 hex digits of `,"hash":"…"` start, if the line has that member followed by
/// `,"prev":"…"`.
fn hash_at(line: &[u8]) -> Option<usize> {
    let pos = line.windows(HASH_KEY.len()).rposition(|w| w == HASH_KEY)?;
    let at = pos + HASH_KEY.len();
    let after = line.get(at + 64..)?;
    let prev = after.strip_prefix(b"\"")?.strip_prefix(PREV_KEY)?;
    (prev.len() >= 65 && prev[64] == b'"').then_some(at)
}

fn relink(lines: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut prev_hash = vec![b'0'; 64];
    let mut out = Vec::new();
    for line in lines {
        let mut line = line.to_vec();
        if let Some(at) = hash_at(&line) {
            let prev_at = at + 64 + 1 + PREV_KEY.len();
            line[prev_at..prev_at + 64].copy_from_slice(&prev_hash);
            let mut h = Sha256::new();
            h.update(&line[..at - HASH_KEY.len()]);
            h.update(&line[at + 65..]);
            let hash = hex(&h.finalize());
            line[at..at + 64].copy_from_slice(&hash);
            prev_hash = hash;
        }
        out.push(line);
    }
    out
}

fn run(lines: &[&[u8]]) {
    let mut fast = ChainVerifier::new();
    let mut strict = ChainVerifier::new();
    let mut lockstep = true;
    for (i, line) in lines.iter().enumerate() {
        let facts = chain::stored_facts(line);
        let time = chain::stored_time(line);
        assert_eq!(facts.is_some(), time.is_some());
        if let Some(next) = lines.get(i + 1) {
            if let Some(mut after) = ChainVerifier::after_line(line) {
                let _ = after.check_stored(next);
            }
        }
        if !lockstep {
            continue;
        }
        let f = fast.check_stored(line);
        let s = strict.check_strict(line);
        match (&f, &s) {
            (Ok(f), Ok(s)) => {
                assert_eq!((f.seq, f.hash), (s.seq, s.hash));
                assert_eq!(facts.map(|x| (x.seq, x.hash)), Some((f.seq, f.hash)));
                assert_eq!(fast.head_hash(), strict.head_hash());
                assert_eq!(fast.last_time(), strict.last_time());
            }
            (Err(e), Ok(_)) => panic!(
                "strict path accepted line {} the fast path refuses: {e}",
                i + 1
            ),
            _ => lockstep = false,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').take(64).collect();
    run(&lines);
    let relinked = relink(&lines);
    let relinked: Vec<&[u8]> = relinked.iter().map(Vec::as_slice).collect();
    if relinked != lines {
        run(&relinked);
    }
});
