//! Exports re-hashed by independent code, and tampering that `verify` and `restore` must
//! catch, naming the first bad entry.

mod util;

use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};
use util::{join_lines, split_lines, Ledger, Run};

const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HASH_KEY: &str = ",\"hash\":\"";

/// Lowercase hex SHA-256, written here rather than borrowed from the crate.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The line with its top-level `"hash":"…",` member cut out, and the hash it held.
///
/// The top-level hash is the last `,"hash":"` in the line: only `prev`, `recorded_at` and
/// `seq` follow it, and quotes inside strings are always escaped.
fn without_hash(line: &str) -> (String, String) {
    let at = line.rfind(HASH_KEY).expect("a hash member");
    let start = at + HASH_KEY.len();
    let hash = &line[start..start + 64];
    assert_eq!(
        &line[start + 64..start + 65],
        "\"",
        "hash is 64 characters: {line}"
    );
    let body = format!("{}{}", &line[..at], &line[start + 65..]);
    (body, hash.to_string())
}

/// Gives a line a correct hash for its (changed) contents, as a forger would.
fn rehash(line: &str) -> String {
    let (body, old) = without_hash(line);
    line.replacen(&old, &sha256_hex(body.as_bytes()), 1)
}

/// A ledger whose text has quotes, non-ASCII and a fake hash member in it.
fn tricky_ledger() -> Ledger {
    let l = Ledger::sample();
    l.write(&[
        "area",
        "add",
        "2",
        "--title",
        "Joint \"commissioning\" ,\"hash\":\"x\" – café ✓",
    ])
    .ok();
    l.write(&[
        "action",
        "amend",
        "1.2",
        "--measures",
        "tab\there\nnewline \\ slash /",
        "--reason",
        "é",
    ])
    .ok();
    l
}

#[test]
fn an_export_rehashed_independently_matches_every_hash_and_link() {
    let l = tricky_ledger();
    let export = std::fs::read_to_string(l.export("all.jsonl")).unwrap();
    let lines: Vec<&str> = export
        .strip_suffix('\n')
        .expect("ends in a newline")
        .split('\n')
        .collect();
    let mut prev = ZERO.to_string();
    assert_eq!(lines.len(), 11);
    for (i, line) in lines.iter().enumerate() {
        let value: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["actor", "event", "hash", "prev", "recorded_at", "seq"]
        );
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            *line,
            "compact, sorted keys"
        );
        assert!(line.starts_with("{\"actor\":"), "{line}");
        let (body, stored) = without_hash(line);
        assert_eq!(stored, value["hash"].as_str().unwrap());
        let body_value: Value = serde_json::from_str(&body).expect("the cut line is JSON");
        assert!(body_value.get("hash").is_none() && body_value.get("prev").is_some());
        assert_eq!(
            sha256_hex(body.as_bytes()),
            stored,
            "hash of entry {}",
            i + 1
        );
        assert_eq!(
            value["prev"].as_str().unwrap(),
            prev,
            "prev of entry {}",
            i + 1
        );
        assert_eq!(value["seq"], i as u64 + 1);
        prev = stored;
    }
    assert_eq!(l.head(), format!("11 {prev}"));
}

/// Writes tampered lines as an export and as a copy of the ledger directory's log.
fn tamper(l: &Ledger, name: &str, f: impl Fn(&mut Vec<Vec<u8>>)) -> (std::path::PathBuf, Ledger) {
    let mut lines = split_lines(&l.log_bytes());
    f(&mut lines);
    let mut bytes = join_lines(&lines);
    if name.contains("truncated") {
        bytes.pop();
    }
    let export = l.path(&format!("{name}.jsonl"));
    std::fs::write(&export, &bytes).unwrap();
    let copy = Ledger::empty();
    copy_dir(l.dir(), copy.dir());
    std::fs::write(copy.log_path(), &bytes).unwrap();
    (export, copy)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `verify` fails with exit 1 and its FAILED line names `entry {seq}:`.
#[track_caller]
fn assert_names(run: Run, seq: u64) {
    let run = run.code(1);
    let failed = run
        .stdout
        .lines()
        .find(|l| l.starts_with("FAILED"))
        .unwrap_or_default();
    assert!(
        failed.contains(&format!("entry {seq}:")),
        "should name entry {seq}: {run:#?}"
    );
}

/// Checks a tampered export, the same tampering in a directory, and restore of the export.
#[track_caller]
fn assert_caught(l: &Ledger, name: &str, seq: u64, f: impl Fn(&mut Vec<Vec<u8>>)) {
    let (export, dir) = tamper(l, name, f);
    assert_names(l.on(&export, &["verify"]), seq);
    let json = l
        .on(&export, &["verify", "--format", "json"])
        .code(1)
        .json();
    assert_eq!(json["failure"]["seq"], seq, "{json}");
    assert_eq!(json["entries"], seq - 1, "{json}");
    if !name.contains("truncated") {
        assert_names(dir.read(&["verify"]), seq);
    }
    let target = l.path(&format!("{name}-restored"));
    l.on(&target, &["restore", export.to_str().unwrap()])
        .code(1)
        .stdout_has("refused")
        .stdout_has(&format!("entry {seq}:"))
        .stdout_has("nothing was written");
    assert!(
        !target.join("entries.jsonl").exists(),
        "restore wrote {}",
        target.display()
    );
}

#[test]
fn a_changed_status_text_names_its_entry() {
    let l = Ledger::sample();
    assert_caught(&l, "changed", 8, |lines| {
        let text = String::from_utf8(lines[7].clone()).unwrap();
        assert!(text.contains("Started but delayed"));
        lines[7] = text
            .replace("Started but delayed", "Started but delaye!")
            .into_bytes();
    });
}

#[test]
fn a_single_flipped_byte_in_the_last_entry_names_it() {
    let l = Ledger::sample();
    assert_caught(&l, "flipped", 9, |lines| {
        let at = lines[8].iter().position(|b| *b == b'C').unwrap();
        lines[8][at] = b'c';
    });
}

#[test]
fn a_deleted_entry_names_the_missing_seq() {
    let l = Ledger::sample();
    assert_caught(&l, "deleted", 3, |lines| {
        lines.remove(2);
    });
}

#[test]
fn two_reordered_entries_name_the_first_out_of_place() {
    let l = Ledger::sample();
    assert_caught(&l, "reordered", 5, |lines| lines.swap(4, 5));
}

#[test]
fn a_duplicated_entry_names_the_seq_it_displaces() {
    let l = Ledger::sample();
    assert_caught(&l, "duplicated", 3, |lines| {
        let copy = lines[1].clone();
        lines.insert(2, copy);
    });
}

#[test]
fn a_truncated_last_entry_names_it_in_an_export() {
    let l = Ledger::sample();
    assert_caught(&l, "truncated", 9, |lines| {
        let half = lines[8].len() / 2;
        lines[8].truncate(half);
    });
}

#[test]
fn a_truncated_last_entry_in_a_directory_is_reported_not_cut() {
    let l = Ledger::sample();
    let minuted = l.head();
    let (_, dir) = tamper(&l, "truncated", |lines| {
        let half = lines[8].len() / 2;
        lines[8].truncate(half);
    });
    // No journal explains it: reported, read up to entry 8, never cut by a read.
    let bytes = std::fs::read(dir.log_path()).unwrap();
    dir.read(&["verify"])
        .code(1)
        .stderr_has("not a whole entry")
        .stdout_has("FAILED")
        .stdout_has("last good entry: 8");
    assert!(std::fs::read(dir.log_path()).unwrap() == bytes);
    dir.read(&["verify", "--expect", &minuted])
        .code(1)
        .stdout_has("expected entry 9, but the ledger has only 8");
}

#[test]
fn a_forged_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let l = Ledger::sample();
    assert_caught(&l, "forged", 8, |lines| {
        let text = String::from_utf8(lines[6].clone()).unwrap();
        let forged = rehash(&text.replace("Progressing but delayed", "Completed"));
        assert_ne!(forged, text);
        lines[6] = forged.into_bytes();
    });
    let (export, _) = tamper(&l, "forged-again", |lines| {
        let text = String::from_utf8(lines[6].clone()).unwrap();
        lines[6] = rehash(&text.replace("Progressing but delayed", "Completed")).into_bytes();
    });
    l.on(&export, &["verify"])
        .code(1)
        .stdout_has("entry 8: prev is")
        .stdout_has("the chain is broken here");
}

/// Applies `edit` to line `at` (0-based), then re-links and re-hashes the whole chain with
/// this file's own SHA-256, as a forger with write access would.
fn rewrite_chain(lines: &mut [Vec<u8>], at: usize, edit: impl Fn(String) -> String) {
    let mut prev = ZERO.to_string();
    for (i, line) in lines.iter_mut().enumerate() {
        let mut text = String::from_utf8(line.clone()).unwrap();
        if i == at {
            text = edit(text);
        }
        let value: Value = serde_json::from_str(&text).unwrap();
        let old_prev = value["prev"].as_str().unwrap();
        let relinked = text.replacen(
            &format!("\"prev\":\"{old_prev}\""),
            &format!("\"prev\":\"{prev}\""),
            1,
        );
        text = rehash(&relinked);
        prev = without_hash(&text).1;
        *line = text.into_bytes();
    }
}

#[test]
fn a_fully_rewritten_chain_verifies_but_fails_the_minuted_head() {
    let l = Ledger::sample();
    let minuted = l.head();
    let (export, _) = tamper(&l, "rewritten", |lines| {
        rewrite_chain(lines, 6, |t| {
            t.replace("Progressing but delayed", "Completed")
        });
    });
    l.on(&export, &["verify"])
        .ok()
        .stdout_has("ok: 9 entries verified");
    l.on(&export, &["verify", "--strict"]).ok();
    l.on(&export, &["verify", "--expect", &minuted])
        .code(1)
        .stdout_has("history was rewritten");
}

#[test]
fn a_rewritten_chain_that_breaks_a_plan_rule_fails_strict_verify_and_restore() {
    let l = Ledger::sample();
    let (export, _) = tamper(&l, "unknown-action", |lines| {
        rewrite_chain(lines, 6, |t| {
            t.replace("\"action\":\"1.1\"", "\"action\":\"7.7\"")
        });
    });
    // Every verify replays the rules (once only --strict did).
    for args in [&["verify"][..], &["verify", "--strict"]] {
        l.on(&export, args)
            .code(1)
            .stdout_has("FAILED: entry 7 (plan rules check)")
            .stdout_has("entry 7: unknown action \"7.7\"");
    }
    let target = l.path("rules-restored");
    l.on(&target, &["restore", export.to_str().unwrap()])
        .code(1)
        .stdout_has("entry 7: unknown action");
    assert!(!target.join("entries.jsonl").exists());
}

#[test]
fn a_rehashed_line_that_is_not_canonical_fails_strict_verify_and_restore() {
    let l = Ledger::sample();
    let (export, _) = tamper(&l, "spaced", |lines| {
        rewrite_chain(lines, 3, |t| {
            t.replacen("\"event\":{\"action\":", "\"event\":{\"action\": ", 1)
        });
    });
    assert!(std::fs::read_to_string(&export)
        .unwrap()
        .contains("\"action\": "));
    // Every verify checks canonical form (once only --strict did).
    for args in [&["verify"][..], &["verify", "--strict"]] {
        l.on(&export, args)
            .code(1)
            .stdout_has("FAILED: entry 4 (canonical form check)")
            .stdout_has("not canonical JSON at byte");
    }
    let target = l.path("spaced-restored");
    l.on(&target, &["restore", export.to_str().unwrap()])
        .code(1)
        .stdout_has("entry 4:");
    assert!(!target.join("entries.jsonl").exists());
}

#[test]
fn a_rehashed_entry_dated_before_its_predecessor_is_named() {
    let l = Ledger::sample();
    let (export, _) = tamper(&l, "backdated", |lines| {
        rewrite_chain(lines, 4, |t| {
            let value: Value = serde_json::from_str(&t).unwrap();
            let at = value["recorded_at"].as_str().unwrap().to_string();
            t.replace(&at, "2000-01-01T00:00:00.000000Z")
        });
    });
    l.on(&export, &["verify"])
        .code(1)
        .stdout_has("entry 5: recorded_at 2000-01-01T00:00:00.000000Z is earlier");
}
