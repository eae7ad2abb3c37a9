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
use std::path::PathBuf;

use clap::CommandFactory;
use readiness_ledger::cli::Cli;
use sha2::Digest;

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
    let sample_files = [
        "tests/data/york-wsoa-area1.txt",
        "tests/data/docs/minutes-2021-02.txt",
    ];
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
    } else if is_time(body) || is_hash_or_signature(body) {
        "[..]".to_string()
    } else if let Some(sep) = body.chars().find(|c| matches!(c, ':' | '-' | '/')) {
        // "72:HASH", "send-wsoa-90ffe9ff" (a generated origin), "checkpoints/...-HASH"
        let parts: Vec<String> = body.split(sep).map(|p| mask_word(p, fixed)).collect();
        parts.join(&sep.to_string())
    } else if is_generated_suffix(body) {
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

/// Eight hex digits with a letter among them: the random part of a generated origin.
fn is_generated_suffix(word: &str) -> bool {
    word.len() == 8
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        && word.chars().any(|c| c.is_ascii_alphabetic())
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

/// The `KEY=VALUE` pairs of the document's `export` lines.
fn exports(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim().trim_start_matches("$ ").strip_prefix("export "))
        .flat_map(shlex::split)
        .flatten()
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[test]
fn readme() {
    run_doc("README.md");
}

#[test]
fn officer_guide() {
    run_doc("docs/officer-guide.md");
}

#[test]
fn inspector_guide() {
    run_doc("docs/inspector-guide.md");
}

#[test]
fn deploy_guide_and_restore_drill() {
    run_doc("docs/deploy.md");
}

#[test]
fn help_examples_run() {
    for doc in help_docs() {
        run_doc(&doc);
    }
}

/// Examples that start a server, which runs until stopped: they are checked to parse here,
/// and tests/serve.rs runs the server.
const SERVER_EXAMPLE: &str = "readiness serve ";

/// Every example a `--help` or a help topic shows is run by one of the help documents, so
/// an example that stops working, or one added without being run, fails here.
#[test]
fn every_help_example_is_run() {
    let mut run = BTreeSet::new();
    for doc in help_docs() {
        let text = std::fs::read_to_string(repo().join(doc)).unwrap();
        run.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("$ "))
                .map(|l| l.trim().to_string()),
        );
    }
    let shown = help_examples();
    assert!(shown.len() > 40, "too few examples found: {shown:?}");
    let missing: Vec<_> = shown
        .iter()
        .filter(|(_, example)| !example.starts_with(SERVER_EXAMPLE))
        .filter(|(_, example)| !run.contains(example))
        .map(|(page, example)| format!("{page}: {example}"))
        .collect();
    assert!(
        missing.is_empty(),
        "help examples no document in {HELP_DOCS}/ runs (add each as a `$ ` line):\n{}",
        missing.join("\n")
    );
    // A group (`key`, `evidence`, ...) lists its commands; each of those has examples.
    let groups = [
        "area", "action", "review", "evidence", "key", "prove", "token",
    ];
    let pages_without: Vec<String> = help_pages()
        .into_iter()
        .map(|(page, _)| page)
        .filter(|page| !groups.contains(&page.as_str()))
        .filter(|page| !shown.iter().any(|(p, _)| p == page))
        .collect();
    assert!(
        pages_without.is_empty(),
        "help without an example: {pages_without:?}"
    );
}

/// Every help example is a command line `readiness` accepts.
#[test]
fn every_help_example_parses() {
    use clap::Parser;
    for (page, example) in help_examples() {
        let words = shlex::split(&example).unwrap_or_else(|| panic!("{page}: {example}"));
        if let Err(e) = Cli::try_parse_from(&words) {
            panic!(
                "`readiness {page} --help` shows an example that does not parse: {example}\n{e}"
            );
        }
    }
}

fn help_docs() -> Vec<String> {
    let mut docs: Vec<String> = std::fs::read_dir(repo().join(HELP_DOCS))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| format!("{HELP_DOCS}/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    docs.sort();
    docs
}

/// Each command's long help (and each help topic's text), by its command path.
fn help_pages() -> Vec<(String, String)> {
    // Unwrapped, so each example is one line whatever the terminal.
    let mut root = Cli::command().term_width(0);
    root.build();
    let mut pages = Vec::new();
    collect(&mut root, "", &mut pages);
    for topic in readiness_ledger::cli::topics::TOPICS {
        pages.push((format!("help {}", topic.name), topic.text.to_string()));
    }
    pages
}

fn collect(cmd: &mut clap::Command, path: &str, pages: &mut Vec<(String, String)>) {
    pages.push((path.to_string(), cmd.render_long_help().to_string()));
    for sub in cmd.get_subcommands_mut() {
        let name = format!("{path} {}", sub.get_name());
        collect(sub, name.trim(), pages);
    }
}

/// The lines under an "Examples...:" heading that run `readiness`, by help page.
fn help_examples() -> Vec<(String, String)> {
    let mut examples = Vec::new();
    for (page, text) in help_pages() {
        let mut in_examples = false;
        for line in text.lines() {
            if line.starts_with("Examples") && line.trim_end().ends_with(':') {
                in_examples = true;
            } else if in_examples && line.starts_with("  readiness ") {
                examples.push((page.clone(), line.trim().to_string()));
            } else if !line.starts_with(' ') {
                in_examples = false;
            }
        }
    }
    examples
}

#[test]
fn exports_are_read_from_the_document() {
    let text = "```sh\n$ export READINESS_LEDGER=york READINESS_ACTOR=\"a b\"\n```\n";
    assert_eq!(
        exports(text),
        vec![
            ("READINESS_LEDGER".into(), "york".into()),
            ("READINESS_ACTOR".into(), "a b".into())
        ]
    );
}

#[test]
fn regenerated_outputs_keep_fixed_values_and_mask_the_rest() {
    let fixed = fixed_values();
    let sample_head = "d3432155868ca5a922c72faf3d93890f0d2cda81bbd7f0d0047f10bd5f37a335";
    let other = "a45483e5aecb88990af9ce4849b0035e98c7505663e2efd0a5a75a44e1c09eda";
    let line = format!("head 72 {sample_head}; head 74 {other}, at 2026-12-01T03:49:37.902832Z.\n");
    assert_eq!(
        mask_line(&line, &fixed),
        format!("head 72 {sample_head}; head 74 [..], at [..].\n")
    );
    assert_eq!(mask_word("74:cafe", &fixed), "74:cafe");
    assert_eq!(
        mask_word("readiness/send-wsoa-efb37232", &fixed),
        "readiness/send-wsoa-[..]"
    );
    assert_eq!(mask_word("2021-01-31", &fixed), "2021-01-31");
}

/// The committed systemd unit starts `readiness serve` with options this version accepts.
#[test]
fn the_service_unit_runs_readiness_serve() {
    use clap::Parser;
    let unit = std::fs::read_to_string(repo().join("deploy/readiness.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    let words = shlex::split(exec).unwrap();
    assert!(words[0].ends_with("/readiness"), "{exec}");
    let cli = Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{exec}\n{e}"));
    assert!(
        matches!(cli.command, readiness_ledger::cli::Command::Serve(_)),
        "{exec}"
    );
}
