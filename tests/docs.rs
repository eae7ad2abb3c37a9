//! The documentation is a test. Every `console` block in README.md and docs/*.md, and
//! every example in every `--help` (and `readiness help TOPIC`), runs here as a user would
//! type it, in a fresh directory holding copies of the repository files the docs name,
//! with its output checked (`[..]` stands for a hash or a time, `...` for lines).
//!
//! After changing output on purpose, regenerate the expected output and read the diff:
//!   TRYCMD=overwrite cargo test --test docs
//! Each document's `export READINESS_...` line (in its `sh` block) is the environment its
//! commands run with, so what a reader sets up and what the test runs cannot drift apart.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use sha2::Digest;
use readiness_ledger::cli::Cli;

/// Repository files the documents use, copied into each document's fresh directory.
const FIXTURES: &[&str] = &[
    "events/york-wsoa.jsonl",
    "tests/data/york-wsoa-area1.txt",
    "tests/data/york-wsoa-area1-to-may21.txt",
    "tools/verify_ledger.py",
    "deploy/readiness.service",
    "tests/data/docs/minutes-2021-02.txt",
    "tests/data/docs/deputy.key.pub",
];

/// Programs besides `readiness` that the documents run.
const OTHER_PROGRAMS: &[&str] = &["python3", "cp", "rm", "mv", "cmp", "ls"];

/// The help-example documents: each runs every example of some commands' help.
const HELP_DOCS: &str = "tests/help";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs one document in a fresh directory; with TRYCMD=overwrite, writes the new expected
/// output back into the repository's copy.
fn run_doc(doc: &str) {
    let source = repo().join(doc);
    let text = std::fs::read_to_string(&source).unwrap();
    let stage = tempfile::tempdir().unwrap();
    let name = source.file_name().unwrap();
    let staged = stage.path().join(name);
    std::fs::write(&staged, &text).unwrap();
    let workdir = staged.with_extension("in");
    for fixture in FIXTURES {
        let to = workdir.join(fixture);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(fixture), &to).unwrap();
    }

    let cases = trycmd::TestCases::new();
    cases.register_bin("readiness", PathBuf::from(env!("CARGO_BIN_EXE_readiness")));
    for program in OTHER_PROGRAMS {
        if let Some(path) = on_path(program) {
            cases.register_bin(*program, path);
        }
    }
    let exports = exports(&text);
    for var in ["READINESS_LEDGER", "READINESS_ACTOR"] {
        // Set by the document, never inherited from whoever runs the tests.
        assert!(
            exports.iter().any(|(k, _)| k == var),
            "{doc}: its `export` line must set {var}"
        );
    }
    for (key, value) in exports {
        cases.env(key, value);
    }
    cases
        .env("NO_COLOR", "1")
        .env("READINESS_LOCK_WAIT", "5")
        .timeout(std::time::Duration::from_secs(60));
    cases.case(&staged);
    cases.run();
    drop(cases);

    if std::env::var("TRYCMD").as_deref() == Ok("overwrite") {
        let new = placeholders(&std::fs::read_to_string(&staged).unwrap());
        if new != text {
            std::fs::write(&source, new).unwrap();
        }
    }
}

/// Values that are the same on every run: the sample ledger's hashes and times, and the
/// hashes of the sample files the documents use. Every other hash, key id, signature or
/// time in an output is replaced by `[..]` when expected output is regenerated.
fn fixed_values() -> BTreeSet<String> {
    let sample = std::fs::read_to_string(repo().join("events/york-wsoa.jsonl")).unwrap();
    let mut fixed = BTreeSet::new();
    for line in sample.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        for member in ["hash", "prev", "recorded_at"] {
            fixed.insert(entry[member].as_str().unwrap().to_string());
        }
    }
    let sample_files = ["tests/data/york-wsoa-area1.txt", "tests/data/docs/minutes-2021-02.txt"];
    for file in sample_files {
        let bytes = std::fs::read(repo().join(file)).unwrap();
        fixed.insert(hex(&sha2::Sha256::digest(&bytes)));
    }
    fixed.insert(DEPUTY_KEY_ID.to_string());
    fixed.insert(DEPUTY_KEY_ID[..16].to_string());
    fixed
}

/// The id of the sample key pair's public half, tests/data/docs/deputy.key.pub.
const DEPUTY_KEY_ID: &str = "fefa86dc70df6ee6230937b082c77c2d38ef34162f8c1c1cdc91edf932cb9e7d";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The document with the outputs' run-dependent values (hashes, key ids, signatures,
/// tokens, times) replaced by `[..]`; commands and prose are left alone.
fn placeholders(doc: &str) -> String {
    let fixed = fixed_values();
    let mut out = String::new();
    let mut in_console = false;
    for line in doc.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.starts_with("```") {
            in_console = !in_console && trimmed == "```console";
        } else if in_console && !trimmed.starts_with("$ ") && !trimmed.starts_with("? ") {
            out.push_str(&mask_line(line, &fixed));
            continue;
        }
        out.push_str(line);
    }
    out
}

/// One output line with each run-dependent value replaced by `[..]`.
fn mask_line(line: &str, fixed: &BTreeSet<String>) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let word_end = (i..chars.len())
            .find(|&j| !is_value_char(chars[j]))
            .unwrap_or(chars.len());
        let starts_word = i == 0 || !is_value_char(chars[i - 1]);
        if starts_word && word_end > i {
            let word: String = chars[i..word_end].iter().collect();
            out.push_str(&mask_word(&word, fixed));
            i = word_end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A word as it is, or `[..]` when it is a value that differs from run to run.
fn mask_word(word: &str, fixed: &BTreeSet<String>) -> String {
    let body = word.trim_end_matches(['.', ':']);
    let tail = &word[body.len()..];
    let masked = if fixed.contains(body) {
        body.to_string()
    } else if is_time(body) {
        "[..]".to_string()
    } else if body.contains(':') {
        let parts: Vec<String> = body.split(':').map(|p| mask_word(p, fixed)).collect();
        parts.join(":")
    } else if is_hash_or_signature(body) {
        "[..]".to_string()
    } else {
        body.to_string()
    };
    masked + tail
}

/// Characters of hashes, base64 signatures and RFC 3339 times.
fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | ':' | '.' | '-')
}

/// An RFC 3339 time in UTC, as entries record it.
fn is_time(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[10] == b'T' && word.ends_with('Z')
}

/// A SHA-256 or key id (64 hex digits), a short one (16), or base64 (a root, a signature).
fn is_hash_or_signature(word: &str) -> bool {
    let hex_run = |len: usize| {
        word.len() == len
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    let base64 = word.len() >= 40
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        && word.chars().any(|c| c.is_ascii_digit());
    hex_run(64) || hex_run(16) || base64
}
