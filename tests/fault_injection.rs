//! Fault injection: every durable file operation of a write command fails in turn, and the
//! ledger must come through it.
//!
//! `READINESS_FAULT=KIND:N:ERRNO` (src/store/fsx.rs) makes the Nth call of one kind (write,
//! fsync, rename, dirsync, truncate) fail with EIO or ENOSPC. For each command below, each
//! kind and each errno, N runs 1, 2, 3, ... until a run where the fault no longer fires.
//! After every run where it fired:
//!
//! - the command exited 0 (a failure after the append was durable is only a warning, which
//!   it prints) and its acknowledged head is in the ledger with the whole batch, or it exited
//!   4 with a clear `error:` naming the failure and, for an append, wrote nothing;
//! - `entries.jsonl` never holds a partial line (every line parses as JSON);
//! - the next plain commands work without repair: `verify` (exit 0, and the head before the
//!   fault still present unchanged: `verify --expect`), `head`, and a further append.
//!
//! A command that creates a ledger (`init`, `import` or `restore` into a new directory) that
//! fails must leave either no ledger (running it again succeeds) or a complete one that
//! verifies.
//!
//! Every run starts from a fresh copy of one `Ledger::sample()` (copying the directory is
//! much cheaper than building the sample again with nine commands per run).

#![cfg(unix)]

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use util::{Ledger, Run};

const KINDS: [&str; 5] = ["write", "fsync", "rename", "dirsync", "truncate"];
const ERRNOS: [(&str, &str); 2] = [
    ("EIO", "Input/output error"),
    ("ENOSPC", "No space left on device"),
];
/// A command that still fires its fault at this N is making far more calls than any
/// command here should: stop rather than loop for ever.
const MAX_N: u32 = 60;
const ACTOR: &str = "fault.tester";

/// A small WSoA table for area `area`: two actions, statuses at two of the sample's reviews.
fn table(area: u32) -> String {
    format!(
        "Fault injection plan\n\
         Area for Improvement {area}\n\
         Area {area}: a generated area\n\
         Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | RAG May 20 | RAG November 20 |\n\
         ---|---|---|---|---|---|---|---|---|---|\n\
         {area}.1 | outcome | first action | May 2020 | June 2020 | Lead | m | e | Started but delayed | Completed |\n\
         {area}.2 | outcome | second action | May 2020 | June 2020 | Lead | m | e | Not started | |\n"
    )
}

/// Entries `import` of [`table`] appends: source, area, 2 actions, 3 statuses (plus the
/// plan and 2 reviews when it creates the ledger).
const TABLE_ENTRIES_EXISTING: u64 = 7;
const TABLE_ENTRIES_NEW: u64 = 10;

/// Copies a directory tree (regular files and folders only).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the folder to copy") {
        let entry = entry.expect("a folder entry");
        let kind = entry.file_type().expect("its type");
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// `head` output `SEQ HASH` (or a `head SEQ HASH` acknowledgement) as `SEQ:HASH`.
fn parse_head(text: &str) -> Option<String> {
    let mut parts = text.split_whitespace();
    let seq: u64 = parts.next()?.parse().ok()?;
    let hash = parts.next()?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && parts.next().is_none())
        .then(|| format!("{seq}:{hash}"))
}

/// The acknowledgement a write prints on stdout, as `SEQ:HASH`.
fn acknowledged(run: &Run) -> Option<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("head "))
        .find_map(parse_head)
}

fn seq_of(head: &str) -> u64 {
    head.split(':')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a SEQ:HASH head")
}

/// Asserts every line of the log is a whole JSON object (no partial line).
#[track_caller]
fn assert_whole_lines(log: &Path, context: &str) {
    let bytes = std::fs::read(log).unwrap_or_else(|e| panic!("{context}: read the log: {e}"));
    assert!(
        bytes.is_empty() || bytes.ends_with(b"\n"),
        "{context}: the log does not end with a newline"
    );
    for (i, line) in util::split_lines(&bytes).iter().enumerate() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(line);
        assert!(
            parsed.as_ref().is_ok_and(serde_json::Value::is_object),
            "{context}: line {} of the log is not a JSON object: {:?}",
            i + 1,
            String::from_utf8_lossy(line)
        );
    }
}

/// What a case's command does to the ledger.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Appends to an existing ledger: exit 0 means these many entries were added, non-zero
    /// means none.
    Appends(u64),
    /// Changes no entry (reindex).
    Rebuilds,
    /// Creates a ledger with these many entries in a new directory.
    Creates(u64),
}

/// One command under test.
struct Case {
    name: &'static str,
    /// The command, given the run's temporary folder (files it needs are made by `prepare`).
    args: fn(&Path) -> Vec<String>,
    /// Makes the run's world in a fresh temporary folder: returns the ledger directory.
    prepare: fn(&Path, &Path) -> PathBuf,
    effect: Effect,
    /// The further append that must work afterwards (run with `--by`).
    follow_up: fn() -> Vec<String>,
    /// Whether an exit 0 after a fault must say, as a warning, what failed. `import` drops
    /// those warnings: see `import_warns_when_derived_data_fails_after_a_durable_append`.
    warns: bool,
}

/// What the sweep saw, for the summary line.
#[derive(Default)]
struct Tally {
    fired: u32,
    exit_zero: u32,
    exit_nonzero: u32,
    /// Creations that failed but left a complete ledger.
    failed_but_created: Vec<String>,
    /// Opens after the fault that printed a repair warning.
    repairs: u32,
    /// Fault runs per kind (the last N that fired).
    calls: BTreeMap<&'static str, u32>,
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Runs `args` in `cwd`, with `fault` set if given.
fn run(cwd: &Path, args: &[String], fault: Option<&str>) -> Run {
    let mut cmd = util::command(cwd);
    cmd.args(args);
    if let Some(f) = fault {
        cmd.env("READINESS_FAULT", f);
    }
    util::finish(cmd, &strs(args))
}

fn ledger_args(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.push("--ledger".into());
    all.push(dir.to_str().expect("utf-8 temp path").into());
    all
}

/// Runs every kind, errno and N for one case.
fn sweep(case: &Case) {
    sweep_on(case, Ledger::sample());
}

/// [`sweep`] over copies of `template`.
fn sweep_on(case: &Case, template: Ledger) {
    let started = Instant::now();
    let head = parse_head(&template.head()).expect("the sample has a head");
    let before = (head, template.log_bytes());
    let mut tally = Tally::default();
    for kind in KINDS {
        for (errno, strerror) in ERRNOS {
            let mut n = 1;
            loop {
                assert!(n <= MAX_N, "{}: {kind} still fails at call {n}", case.name);
                let fault = format!("{kind}:{n}:{errno}");
                let fired = one_run(case, &template, &before, &fault, strerror, &mut tally);
                if !fired {
                    break;
                }
                tally.fired += 1;
                let c = tally.calls.entry(kind).or_default();
                *c = (*c).max(n);
                n += 1;
            }
        }
    }
    println!(
        "{}: {} faults fired ({} exit 0, {} exit non-zero), calls per kind {:?}, {} repair warnings on the next open, {:.1} s",
        case.name,
        tally.fired,
        tally.exit_zero,
        tally.exit_nonzero,
        tally.calls,
        tally.repairs,
        started.elapsed().as_secs_f64()
    );
    for f in &tally.failed_but_created {
        println!("  reported failure but left a complete ledger: {f}");
    }
    assert!(tally.fired > 0, "{}: no fault ever fired", case.name);
}

/// One run with `fault`; returns whether the fault fired.
fn one_run(
    case: &Case,
    template: &Ledger,
    before: &(String, Vec<u8>),
    fault: &str,
    strerror: &str,
    tally: &mut Tally,
) -> bool {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = (case.prepare)(tmp.path(), template.dir());
    let log = dir.join("entries.jsonl");
    let context = format!("{} with READINESS_FAULT={fault}", case.name);
    // What was acknowledged before (the copy's head and log are the template's).
    let before = match case.effect {
        Effect::Creates(_) => None,
        _ => Some(before),
    };

    let args = (case.args)(tmp.path());
    let args = ledger_args(&dir, &strs(&args));
    let faulted = run(tmp.path(), &args, Some(fault));
    let fired = faulted.stderr.contains("readiness: injected fault:");
    if !fired {
        assert_eq!(
            faulted.code, 0,
            "{context}: the fault did not fire, yet the command failed: {faulted:#?}"
        );
        return false;
    }
    let rest: Vec<&str> = faulted
        .stderr
        .lines()
        .filter(|l| !l.starts_with("readiness: injected fault:"))
        .collect();
    let ack = acknowledged(&faulted);
    if faulted.code == 0 {
        tally.exit_zero += 1;
        assert!(
            ack.is_some() || case.effect == Effect::Rebuilds,
            "{context}: exit 0 without an acknowledgement: {faulted:#?}"
        );
        // A failure after the durable write is a warning.
        assert!(
            !case.warns || rest.iter().any(|l| l.starts_with("warning:")),
            "{context}: exit 0, but no warning names the failure: {faulted:#?}"
        );
    } else {
        tally.exit_nonzero += 1;
        assert_eq!(
            faulted.code, 4,
            "{context}: an I/O failure should exit 4: {faulted:#?}"
        );
        let first = rest
            .iter()
            .find(|l| !l.starts_with("warning:"))
            .unwrap_or_else(|| {
                panic!(
                    "{context}: exit {} with no error line: {faulted:#?}",
                    faulted.code
                )
            });
        assert!(
            first.starts_with("error:") && first.contains(strerror),
            "{context}: the message should start with `error:` and name the failure: {faulted:#?}"
        );
        assert!(
            ack.is_none(),
            "{context}: a failed command acknowledged an append: {faulted:#?}"
        );
    }

    match case.effect {
        Effect::Appends(_) | Effect::Rebuilds => {
            let (old_head, old_log) = before.expect("an existing ledger");
            assert!(
                std::fs::read(&log).is_ok_and(|now| now == *old_log || now.starts_with(old_log)),
                "{context}: the entries before the fault changed"
            );
            assert_whole_lines(&log, &format!("{context}, right after the fault"));
            check_next_commands(
                &context,
                tmp.path(),
                &dir,
                Some(old_head),
                ack.as_deref(),
                tally,
            );
            let now = std::fs::read(&log).expect("read the log");
            match (case.effect, faulted.code) {
                (Effect::Appends(n), 0) => {
                    assert!(now.starts_with(old_log), "{context}: old entries changed");
                    let added = util::split_lines(&now[old_log.len()..]).len() as u64;
                    assert_eq!(
                        added, n,
                        "{context}: exit 0, but {added} entries were added, not {n}"
                    );
                }
                _ => assert!(
                    now == *old_log,
                    "{context}: exit {}, yet the log changed (a retry would append twice)",
                    faulted.code
                ),
            }
        }
        Effect::Creates(entries) => {
            let exists = log.exists();
            if faulted.code == 0 {
                assert!(exists, "{context}: exit 0 but no ledger");
            }
            if exists {
                assert_whole_lines(&log, &context);
                let lines =
                    util::split_lines(&std::fs::read(&log).expect("read the log")).len() as u64;
                assert_eq!(
                    lines, entries,
                    "{context}: a created ledger must hold the whole first batch"
                );
                if faulted.code != 0 {
                    tally
                        .failed_but_created
                        .push(format!("{fault}: {}", rest.join(" / ")));
                }
                check_next_commands(&context, tmp.path(), &dir, None, ack.as_deref(), tally);
            } else {
                // Nothing but the lock (and our own temporary file) may be left, and running
                // the same command again must succeed.
                if dir.exists() {
                    for e in std::fs::read_dir(&dir).expect("read the directory") {
                        let name = e.expect("an entry").file_name();
                        let name = name.to_string_lossy();
                        assert!(
                            name == "LOCK" || name == ".entries.jsonl.tmp",
                            "{context}: a failed creation left {name:?} behind"
                        );
                    }
                }
                let again = run(tmp.path(), &args, None);
                assert_eq!(
                    again.code, 0,
                    "{context}: running the command again fails: {again:#?}"
                );
                let ack = acknowledged(&again);
                assert!(
                    ack.is_some(),
                    "{context}: no acknowledgement on the retry: {again:#?}"
                );
                check_next_commands(&context, tmp.path(), &dir, None, ack.as_deref(), tally);
            }
        }
    }
    // A further append works, and lands whole.
    let mut more = ledger_args(&dir, &strs(&(case.follow_up)()));
    more.extend(["--by".into(), ACTOR.into()]);
    let more = run(tmp.path(), &more, None);
    assert_eq!(
        more.code, 0,
        "{context}: a further append after the fault fails: {more:#?}"
    );
    let head =
        acknowledged(&more).unwrap_or_else(|| panic!("{context}: no acknowledgement: {more:#?}"));
    let now = run(tmp.path(), &ledger_args(&dir, &["head"]), None).code(0);
    assert_eq!(
        parse_head(&now.stdout).as_deref(),
        Some(&*head),
        "{context}: the further append is not the head"
    );
    assert_whole_lines(&log, &format!("{context}, at the end"));
    true
}

/// `verify` (with the old head expected) and `head`, without the fault; the head must be
/// the acknowledged entry, if any.
fn check_next_commands(
    context: &str,
    cwd: &Path,
    dir: &Path,
    old_head: Option<&str>,
    ack: Option<&str>,
    tally: &mut Tally,
) {
    let mut verify = vec!["verify"];
    for h in [old_head, ack].into_iter().flatten() {
        verify.extend(["--expect", h]);
        let v = run(cwd, &ledger_args(dir, &verify), None);
        assert_eq!(v.code, 0, "{context}: verify after the fault fails: {v:#?}");
        if v.stderr.contains("warning:") {
            tally.repairs += 1;
        }
        verify.truncate(1);
    }
    if old_head.is_none() && ack.is_none() {
        let v = run(cwd, &ledger_args(dir, &verify), None);
        assert_eq!(v.code, 0, "{context}: verify after the fault fails: {v:#?}");
    }
    let h = run(cwd, &ledger_args(dir, &["head"]), None);
    assert_eq!(h.code, 0, "{context}: head after the fault fails: {h:#?}");
    let head = parse_head(&h.stdout).unwrap_or_else(|| panic!("{context}: head printed {h:#?}"));
    if let Some(ack) = ack {
        assert_eq!(
            head, ack,
            "{context}: the head is not the acknowledged entry"
        );
    } else if let Some(old) = old_head {
        assert!(
            seq_of(&head) >= seq_of(old),
            "{context}: the head went back"
        );
    }
}

fn sample_copy(tmp: &Path, template: &Path) -> PathBuf {
    let dir = tmp.join("ledger");
    copy_tree(template, &dir);
    dir
}

fn new_dir(tmp: &Path, _template: &Path) -> PathBuf {
    tmp.join("new")
}

fn follow_status() -> Vec<String> {
    [
        "status",
        "1.1",
        "Progressing and on track",
        "--review",
        "RAG May 20",
        "--note",
        "after the fault",
    ]
    .map(String::from)
    .to_vec()
}

fn status_args(_: &Path) -> Vec<String> {
    [
        "status",
        "1.1",
        "Completed",
        "--review",
        "RAG May 20",
        "--by",
        "x",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn status_append_survives_every_injected_fault() {
    sweep(&Case {
        name: "status",
        args: status_args,
        prepare: sample_copy,
        effect: Effect::Appends(1),
        warns: true,
        follow_up: follow_status,
    });
}

/// The sample with an area of 400 actions whose long texts make over 1 MiB of plan
/// state, one status further than its saved plan state (`stale/`, beside the ledger).
fn compaction_template() -> Ledger {
    let l = Ledger::sample();
    let long = "x".repeat(1500);
    let mut table = String::from(
        "Fault injection plan\nArea for Improvement 2\nArea 2: a generated area\n\
         Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | RAG May 20 | RAG November 20 |\n\
         ---|---|---|---|---|---|---|---|---|---|\n",
    );
    for i in 1..=400 {
        table.push_str(&format!(
            "2.{i} | {long} | action {i} | May 2020 | June 2020 | Lead | {long} | e | Not started | |\n"
        ));
    }
    std::fs::write(l.path("big.txt"), table).expect("write the table");
    let big = l.path("big.txt");
    l.write(&["import", big.to_str().expect("utf-8")]).ok();
    copy_tree(&l.dir().join("derived/state"), &l.path("stale"));
    l.write(&["status", "2.1", "Completed", "--review", "RAG May 20"])
        .ok();
    l
}

/// A copy of [`compaction_template`] with its stale plan state: the command's catch-up
/// rewrites every action, and its own store then leaves more dead records than live ones,
/// so the flush after it compacts the actions file (new file, fsync, rename, folder fsync).
fn stale_copy(tmp: &Path, template: &Path) -> PathBuf {
    let dir = sample_copy(tmp, template);
    let state = dir.join("derived/state");
    std::fs::remove_dir_all(&state).expect("remove the state");
    let stale = template
        .parent()
        .expect("the template's folder")
        .join("stale");
    copy_tree(&stale, &state);
    dir
}

#[test]
fn a_status_that_compacts_the_plan_state_survives_every_injected_fault() {
    let template = compaction_template();
    // Without a fault, the command does compact: the catch-up alone doubles the actions
    // file, and the compaction leaves about what was live, in a file with a new id.
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = stale_copy(tmp.path(), template.dir());
    let actions = dir.join("derived/state/actions");
    let before = std::fs::read(&actions).expect("the actions file");
    let plain = run(
        tmp.path(),
        &ledger_args(&dir, &strs(&status_args(tmp.path()))),
        None,
    );
    assert_eq!(plain.code, 0, "{plain:#?}");
    let after = std::fs::read(&actions).expect("the actions file");
    assert!(before.len() > 1 << 20, "{} bytes live", before.len());
    assert!(
        after.len() < before.len() * 3 / 2 && after[8..24] != before[8..24],
        "no compaction: {} -> {} bytes",
        before.len(),
        after.len()
    );
    sweep_on(
        &Case {
            name: "status (compacting)",
            args: status_args,
            prepare: stale_copy,
            effect: Effect::Appends(1),
            warns: true,
            follow_up: follow_status,
        },
        template,
    );
}

#[test]
fn batch_import_into_a_ledger_survives_every_injected_fault() {
    sweep(&Case {
        name: "import (batch append)",
        args: |tmp| {
            let table = tmp.join("area2.txt").to_str().expect("utf-8").to_string();
            vec!["import".into(), table, "--by".into(), "x".into()]
        },
        prepare: |tmp, template| {
            std::fs::write(tmp.join("area2.txt"), table(2)).expect("write the table");
            sample_copy(tmp, template)
        },
        effect: Effect::Appends(TABLE_ENTRIES_EXISTING),
        warns: false,
        follow_up: follow_status,
    });
}

#[test]
fn evidence_add_survives_every_injected_fault() {
    sweep(&Case {
        name: "evidence add",
        args: |tmp| {
            let file = tmp.join("minutes.pdf").to_str().expect("utf-8").to_string();
            [
                "evidence",
                "add",
                "1.1",
                &file,
                "--review",
                "RAG May 20",
                "--by",
                "x",
            ]
            .map(String::from)
            .to_vec()
        },
        prepare: |tmp, template| {
            let bytes: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
            std::fs::write(tmp.join("minutes.pdf"), bytes).expect("write the evidence file");
            sample_copy(tmp, template)
        },
        effect: Effect::Appends(1),
        warns: true,
        follow_up: follow_status,
    });
}

#[test]
fn reindex_survives_every_injected_fault() {
    sweep(&Case {
        name: "reindex",
        args: |_| vec!["reindex".into()],
        prepare: sample_copy,
        effect: Effect::Rebuilds,
        warns: true,
        follow_up: follow_status,
    });
}

#[test]
fn init_survives_every_injected_fault() {
    sweep(&Case {
        name: "init",
        args: |_| {
            [
                "init",
                "--title",
                "Fault plan",
                "--origin",
                "fault.test/init",
                "--by",
                "x",
            ]
            .map(String::from)
            .to_vec()
        },
        prepare: new_dir,
        effect: Effect::Creates(1),
        warns: true,
        follow_up: || {
            ["area", "add", "9", "--title", "Added after the fault"]
                .map(String::from)
                .to_vec()
        },
    });
}

#[test]
fn import_into_a_new_directory_survives_every_injected_fault() {
    sweep(&Case {
        name: "import (new ledger)",
        args: |tmp| {
            let table = tmp.join("area1.txt").to_str().expect("utf-8").to_string();
            [
                "import",
                &table,
                "--origin",
                "fault.test/import",
                "--by",
                "x",
            ]
            .map(String::from)
            .to_vec()
        },
        prepare: |tmp, template| {
            std::fs::write(tmp.join("area1.txt"), table(1)).expect("write the table");
            new_dir(tmp, template)
        },
        effect: Effect::Creates(TABLE_ENTRIES_NEW),
        warns: false,
        follow_up: follow_status,
    });
}

/// Entries in `Ledger::sample()`.
const SAMPLE_ENTRIES: u64 = 9;

#[test]
fn restore_into_a_new_directory_survives_every_injected_fault() {
    sweep(&Case {
        name: "restore",
        args: |tmp| {
            let export = tmp
                .join("sample.jsonl")
                .to_str()
                .expect("utf-8")
                .to_string();
            vec!["restore".into(), export]
        },
        prepare: |tmp, template| {
            std::fs::copy(template.join("entries.jsonl"), tmp.join("sample.jsonl"))
                .expect("export the sample");
            new_dir(tmp, template)
        },
        effect: Effect::Creates(SAMPLE_ENTRIES),
        warns: true,
        follow_up: follow_status,
    });
}

/// A copy of the sample ledger with `sample.jsonl` beside it.
fn bug_world() -> (tempfile::TempDir, PathBuf) {
    let template = Ledger::sample();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = sample_copy(tmp.path(), template.dir());
    (tmp, dir)
}

#[test]
fn import_warns_when_derived_data_fails_after_a_durable_append() {
    // Into an existing ledger: writes 1-3 are the journal and the log, 4 the offsets file.
    let (tmp, dir) = bug_world();
    std::fs::write(tmp.path().join("area2.txt"), table(2)).expect("write the table");
    let args = ledger_args(&dir, &["import", "area2.txt", "--by", "x"]);
    let r = run(tmp.path(), &args, Some("write:4:EIO"));
    assert!(r.stderr.contains("injected fault: write #4"), "{r:#?}");
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.contains("warning:"),
        "no warning that derived data failed: {r:#?}"
    );
    // Into a new directory: write 1 is the new log, 2 the offsets file.
    std::fs::write(tmp.path().join("area1.txt"), table(1)).expect("write the table");
    let args = ledger_args(
        &tmp.path().join("new"),
        &["import", "area1.txt", "--by", "x"],
    );
    let r = run(tmp.path(), &args, Some("write:2:EIO"));
    assert!(r.stderr.contains("injected fault: write #2"), "{r:#?}");
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.contains("warning:"),
        "no warning that derived data failed: {r:#?}"
    );
}

#[test]
fn a_creation_that_reports_failure_can_be_run_again() {
    let (tmp, sample) = bug_world();
    std::fs::copy(
        sample.join("entries.jsonl"),
        tmp.path().join("sample.jsonl"),
    )
    .expect("export the sample");
    std::fs::write(tmp.path().join("area1.txt"), table(1)).expect("write the table");
    let cases: [(&[&str], &str); 6] = [
        (&["init", "--title", "T", "--by", "x"], "dirsync:1:EIO"),
        (&["init", "--title", "T", "--by", "x"], "truncate:1:EIO"),
        (&["import", "area1.txt", "--by", "x"], "truncate:1:ENOSPC"),
        (&["restore", "sample.jsonl"], "dirsync:1:EIO"),
        (&["restore", "sample.jsonl"], "write:2:EIO"),
        (&["restore", "sample.jsonl"], "fsync:2:ENOSPC"),
    ];
    let mut failures = Vec::new();
    for (i, (args, fault)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("new{i}"));
        let args = ledger_args(&dir, args);
        let r = run(tmp.path(), &args, Some(fault));
        assert!(
            r.stderr.contains("injected fault"),
            "{fault} did not fire: {r:#?}"
        );
        if r.code == 0 {
            continue;
        }
        // It said it failed: the same command must now work.
        let again = run(tmp.path(), &args, None);
        if again.code != 0 {
            failures.push(format!(
                "{} with READINESS_FAULT={fault}: exit {} ({}), then again: exit {} ({})",
                args.join(" "),
                r.code,
                r.stderr.trim().replace('\n', " / "),
                again.code,
                again.stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_interrupted_restore_of_an_evidence_bundle_can_be_completed() {
    let (tmp, sample) = bug_world();
    std::fs::write(tmp.path().join("minutes.pdf"), b"board minutes").expect("write evidence");
    let attach = ledger_args(
        &sample,
        &["evidence", "add", "1.1", "minutes.pdf", "--by", "x"],
    );
    run(tmp.path(), &attach, None).code(0);
    run(
        tmp.path(),
        &ledger_args(&sample, &["export", "--with-evidence", "bundle"]),
        None,
    )
    .code(0);
    let dir = tmp.path().join("restored");
    let restore = ledger_args(&dir, &["restore", "bundle"]);
    // dirsync 1 is the new log's directory fsync, after its rename.
    let r = run(tmp.path(), &restore, Some("dirsync:1:EIO"));
    assert!(r.stderr.contains("injected fault: dirsync #1"), "{r:#?}");
    let verify = run(tmp.path(), &ledger_args(&dir, &["verify"]), None);
    if verify.code != 0 {
        let again = run(tmp.path(), &restore, None);
        assert_eq!(
            again.code, 0,
            "the restore failed ({}), the ledger it left does not verify ({}), and restoring again is refused: {again:#?}",
            r.stderr.trim(),
            verify.stdout.lines().last().unwrap_or_default()
        );
    }
}
