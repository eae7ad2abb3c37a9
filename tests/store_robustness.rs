//! How the rewritten storage layer (src/store/) holds up against what happens to ledger
//! directories in the field (issue 9, "How it is checked"): derived data that is damaged,
//! missing, foreign or ahead of the log; symlinks planted in the directory; two creators
//! racing; FIFOs and devices given as evidence; read-only directories; readers running
//! while a writer appends; `--if-head`; an acknowledgement that cannot be written; writers
//! queueing on the lock.
//!
//! Every test runs the `readiness` binary as a user would. The six tests whose names say a
//! defect is gone were written (ignored) while the defect was there, and failed until it
//! was fixed.

#![cfg(unix)]

mod util;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use util::{Ledger, Run};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The views whose output must not depend on the state of the derived data.
const VIEWS: [&[&str]; 5] = [
    &["plan", "--format", "json"],
    &["matrix", "--format", "csv"],
    &["history", "1.1"],
    &["prove", "inclusion", "3"],
    &["checkpoint"],
];

/// Other reads checked the same way (verify's output names the ledger path, which is
/// replaced by `LEDGER` before comparing).
const OTHER_READS: [&[&str]; 3] = [&["head"], &["log", "--format", "json"], &["verify"]];

/// The reviews of the synthetic WSoA table, as published column headings.
const REVIEWS: [&str; 9] = [
    "RAG May 20",
    "RAG August 20",
    "RAG November 20",
    "RAG February 21",
    "RAG May 21",
    "RAG July 21",
    "RAG September 21",
    "RAG December 21",
    "RAG August 22",
];

/// A WSoA table for area `area` with `actions` actions and a status at every review:
/// imported into a new ledger it gives 3 + 9 + 10 * `actions` entries (312 for 30), enough
/// for the writer to keep a plan snapshot (one is due every 256 entries).
fn wsoa_table(area: u32, actions: u32) -> String {
    const STATUSES: [&str; 6] = [
        "Not started",
        "Started but delayed",
        "Progressing but delayed",
        "Progressing and on track",
        "Completed",
        "Embedded",
    ];
    let mut out = String::new();
    out.push_str("Synthetic Written Statement of Action\n");
    out.push_str(&format!("Area for Improvement {area}\n"));
    out.push_str(&format!(
        "Area {area}: a synthetic area for the storage tests\n"
    ));
    out.push_str("Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | ");
    out.push_str(&REVIEWS.join(" | "));
    out.push_str(" |\n");
    out.push_str(&"---|".repeat(8 + REVIEWS.len()));
    out.push('\n');
    for i in 1..=actions {
        let mut cells = vec![
            format!("{area}.{i}"),
            format!("Outcome {i}"),
            format!("Action {i}"),
            "February 2020".to_string(),
            "July 2020".to_string(),
            "Lead".to_string(),
            "Measure".to_string(),
            "Evidence".to_string(),
        ];
        for j in 0..REVIEWS.len() {
            cells.push(STATUSES[(i as usize + j) % STATUSES.len()].to_string());
        }
        out.push_str(&cells.join(" | "));
        out.push_str(" |\n");
    }
    out
}

/// Imports the synthetic table for `area` into `ledger` (creating it if needed).
fn import_table(l: &Ledger, ledger: &Path, area: u32) -> Run {
    let table = l.path(&format!("area{area}-{}.txt", ledger_name(ledger)));
    std::fs::write(&table, wsoa_table(area, 30)).unwrap();
    l.on(
        ledger,
        &[
            "import",
            table.to_str().unwrap(),
            "--origin",
            "test/synthetic",
            "--by",
            "x",
        ],
    )
    .ok()
}

fn ledger_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// A ledger of 312 entries (one area, 30 actions, 9 reviews, 270 statuses) with every kind
/// of derived data present, a plan snapshot included.
fn big_ledger() -> Ledger {
    let l = Ledger::empty();
    import_table(&l, l.dir(), 1).stdout_has("head 312 ");
    assert!(
        snapshot_files(l.dir()).len() == 1,
        "the writer keeps a snapshot past 256 entries"
    );
    assert!(l.dir().join("derived/merkle/01").is_file());
    l
}

fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("derived/snapshots"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Copies a folder recursively (regular files and folders only).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A fresh copy of `from` at `<tmp>/<name>` (replacing any earlier one).
fn fresh_copy(l: &Ledger, from: &Path, name: &str) -> PathBuf {
    let to = l.path(name);
    if to.exists() {
        std::fs::remove_dir_all(&to).unwrap();
    }
    copy_dir(from, &to);
    to
}

/// xorshift64*: deterministic "random" bytes, so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Writes `n` pseudo-random bytes over the middle of `path` (its length is unchanged).
fn scribble_middle(path: &Path, n: usize, seed: u64) {
    use std::os::unix::fs::FileExt;
    let len = std::fs::metadata(path).unwrap().len() as usize;
    let n = n.min(len / 2).max(1);
    let at = len / 2 - n / 2;
    let f = OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(&Rng(seed | 1).bytes(n), at as u64).unwrap();
    assert_eq!(std::fs::metadata(path).unwrap().len() as usize, len);
}

/// `derived/merkle/00`, or the lowest Merkle level stored if level 0 is not (a layout that
/// keeps leaf hashes only in the log).
fn lowest_merkle_level(dir: &Path) -> PathBuf {
    let merkle = dir.join("derived/merkle");
    let mut levels: Vec<PathBuf> = std::fs::read_dir(&merkle)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    levels.sort();
    levels.into_iter().next().expect("a Merkle level file")
}

fn truncate_to(path: &Path, len: u64) {
    let f = OpenOptions::new().write(true).open(path).unwrap();
    assert!(f.metadata().unwrap().len() > len);
    f.set_len(len).unwrap();
}

/// Holds the ledger's writer lock the way another readiness process would.
fn hold_lock(dir: &Path) -> File {
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("LOCK"))
        .unwrap();
    lock.try_lock().expect("nobody else holds the lock");
    lock
}

/// Runs `args --ledger ledger` in the temporary directory, giving up on a held lock after
/// 2 s rather than 30 (no reader here should wait for one).
fn run_quick(l: &Ledger, ledger: &Path, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--ledger", ledger.to_str().unwrap()]);
    let mut cmd = util::command(l.tmp());
    cmd.env("READINESS_LOCK_WAIT", "2").args(&all);
    util::finish(cmd, &all)
}

/// Runs `args --ledger ledger` and returns stdout, asserting exit 0 (verify's path
/// replaced by `LEDGER`).
fn view(l: &Ledger, ledger: &Path, args: &[&str]) -> (String, Run) {
    let run = run_quick(l, ledger, args).ok();
    let out = run.stdout.replace(ledger.to_str().unwrap(), "LEDGER");
    (out, run)
}

/// The outputs of every view and read in [`VIEWS`] and [`OTHER_READS`].
fn all_views(l: &Ledger, ledger: &Path) -> Vec<String> {
    VIEWS
        .iter()
        .chain(OTHER_READS.iter())
        .map(|args| view(l, ledger, args).0)
        .collect()
}

/// The reference outputs: on a copy of `dir` whose derived data was rebuilt by `reindex`.
fn reference(l: &Ledger, dir: &Path) -> Vec<String> {
    let copy = fresh_copy(l, dir, "reference");
    l.on(&copy, &["reindex"]).ok().stdout_has("reindexed");
    let out = all_views(l, &copy);
    std::fs::remove_dir_all(&copy).unwrap();
    out
}

/// What a damage case expects on stderr.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Warn {
    /// At least one command says it rebuilt derived data.
    Rebuilt,
    /// Nothing is required (the damage is not what these commands read, or there was
    /// nothing to find damaged: the derived data was simply missing).
    Maybe,
}

/// A ledger to damage, with the outputs of every view and read on a clean rebuild of it.
struct Subject {
    l: Ledger,
    want: Vec<String>,
}

impl Subject {
    fn new() -> Subject {
        let l = big_ledger();
        let want = reference(&l, l.dir());
        Subject { l, want }
    }
}

/// The whole check of one way of damaging derived data.
///
/// Each of [`VIEWS`] runs on a fresh damaged copy with the lock free (the reader heals the
/// derived data first), then the other reads on that copy; then all of them on another
/// damaged copy while "another writer" holds the lock (the reader cannot heal and works in
/// memory, so the damage stays for every command). Each must exit 0 with output identical
/// to the clean rebuild's. Then, on one more damaged copy, writes must work and be checked
/// against the real plan state (an unknown action and a duplicate are refused, an area only
/// foreign derived data knows of is not), `verify` passes, and the views equal those of a
/// `reindex`ed copy.
fn check_damage(subject: &Subject, damage: &dyn Fn(&Path), warn: Warn) {
    let Subject { l, want } = subject;
    let mut stderr = String::new();
    let all: Vec<&[&str]> = VIEWS.iter().chain(OTHER_READS.iter()).copied().collect();
    let mut compare = |i: usize, case: &Path, locked: bool| {
        let (got, run) = view(l, case, all[i]);
        assert!(
            got == want[i],
            "`{}` (lock held: {locked}) differs from the output on a clean rebuild\n--- want\n{}\n--- got\n{}\n--- stderr\n{}",
            all[i].join(" "),
            want[i],
            got,
            run.stderr
        );
        stderr.push_str(&run.stderr);
    };
    for i in 0..VIEWS.len() {
        let case = fresh_copy(l, l.dir(), "case");
        damage(&case);
        compare(i, &case, false);
        if i + 1 == VIEWS.len() {
            for j in VIEWS.len()..all.len() {
                compare(j, &case, false);
            }
        }
    }
    let case = fresh_copy(l, l.dir(), "case");
    damage(&case);
    let lock = hold_lock(&case);
    for (i, args) in all.iter().enumerate() {
        if args[0] == "checkpoint" {
            // `checkpoint` takes the writer lock even unsigned: see the ignored test
            // `an_unsigned_checkpoint_is_a_read_and_takes_no_lock`.
            continue;
        }
        compare(i, &case, true);
    }
    drop(lock);
    // Writes on damaged derived data.
    let case = fresh_copy(l, l.dir(), "case");
    damage(&case);
    let w = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--by", "x"]);
        run_quick(l, &case, &all)
    };
    let run = w(&["status", "1.1", "Completed", "--review", "RAG August 22"])
        .ok()
        .stdout_has("appended 313");
    stderr.push_str(&run.stderr);
    w(&["status", "9.9", "Completed", "--review", "RAG August 22"])
        .code(2)
        .stderr_has("unknown action \"9.9\"");
    w(&["action", "add", "1.30", "--area", "1", "--action", "Again"]).code(2);
    // Area 2 exists only in the longer ledger of case (f): that state must not be used.
    w(&["area", "add", "2", "--title", "Second"])
        .ok()
        .stdout_has("appended 314");
    run_quick(l, &case, &["verify"])
        .ok()
        .stdout_has("ok: 314 entries verified");
    let healed: Vec<String> = VIEWS.iter().map(|a| view(l, &case, a).0).collect();
    let rebuilt = fresh_copy(l, &case, "rebuilt");
    run_quick(l, &rebuilt, &["reindex"]).ok();
    for (i, args) in VIEWS.iter().enumerate() {
        let want = view(l, &rebuilt, args).0;
        assert!(
            healed[i] == want,
            "after writes, `{}` differs from a clean rebuild\n--- want\n{want}\n--- got\n{}",
            args.join(" "),
            healed[i]
        );
    }
    if warn == Warn::Rebuilt {
        assert!(
            stderr.contains("warning: rebuilt derived data from the log"),
            "no command said it rebuilt the derived data; stderr of all runs:\n{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 1. Damaged derived data
// ---------------------------------------------------------------------------------------

/// A zero-byte file named as a sled snapshot in the state database.
fn check_zero_byte_sled_snapshot(name: &str, warn: Warn) {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            File::create(dir.join("derived/state").join(name)).unwrap();
        },
        warn,
    );
}

/// A kill while sled writes a snapshot leaves a zero-byte one, named after a log position
/// past its last good snapshot: sled then refuses to open ("Read corrupted data").
#[test]
fn derived_a_zero_byte_sled_generating_snapshot_file() {
    check_zero_byte_sled_snapshot("snap.00000000FFFFFFFF.generating", Warn::Rebuilt);
}

/// One named before sled's last good snapshot is passed over by sled itself: nothing to
/// rebuild, and nothing may differ.
#[test]
fn derived_a_zero_byte_sled_snapshot_file_older_than_the_last() {
    check_zero_byte_sled_snapshot("snap.0000000000000001.generating", Warn::Maybe);
}

#[test]
fn derived_b_truncated_offsets_and_merkle_leaves() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            truncate_to(&dir.join("derived/offsets"), 100);
            truncate_to(&lowest_merkle_level(dir), 50);
        },
        Warn::Rebuilt,
    );
}

#[test]
fn derived_c_random_bytes_over_the_positions_mark_and_everything_else() {
    let s = Subject::new();
    // The mark is checksummed: damage there is found on open and everything is rebuilt
    // (the damage elsewhere then no longer matters; without the mark's, see the next test).
    check_damage(
        &s,
        &|dir| {
            scribble_middle(&dir.join("derived/merkle/01"), 64, 2);
            scribble_middle(&dir.join("derived/offsets"), 64, 3);
            scribble_middle(&snapshot_files(dir)[0], 64, 4);
            scribble_middle(&dir.join("derived/positions.mark"), 16, 5);
        },
        Warn::Rebuilt,
    );
}

/// Damage in the middle of the offsets, of a Merkle level or of a snapshot's payload is
/// not looked for on open (opening is O(1)); these commands do not read the damaged part,
/// so they must simply give the right answer. (Commands that do read it: see the ignored
/// tests `damaged_positions_in_the_middle_are_rebuilt_when_a_proof_fails_its_check` and
/// `a_damaged_snapshot_is_replaced`.)
#[test]
fn derived_c_random_bytes_over_the_middle_of_merkle_offsets_and_a_snapshot() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            scribble_middle(&dir.join("derived/merkle/01"), 64, 6);
            scribble_middle(&dir.join("derived/offsets"), 64, 7);
            scribble_middle(&snapshot_files(dir)[0], 64, 8);
        },
        Warn::Maybe,
    );
}

/// A snapshot's parts are checked as they are read, not on open: damage in the statuses of
/// one review (the file's last part) is met only by a view of that review, which must still
/// give the clean answer (from a full replay), say so, and replace the snapshot.
#[test]
fn derived_c_damage_in_one_reviews_statuses_is_met_when_that_review_is_shown() {
    let s = Subject::new();
    let damage = |dir: &Path| {
        use std::os::unix::fs::FileExt;
        let snap = &snapshot_files(dir)[0];
        let len = std::fs::metadata(snap).unwrap().len();
        let f = OpenOptions::new().write(true).open(snap).unwrap();
        f.write_all_at(&Rng(9).bytes(4), len - 4).unwrap();
    };
    check_damage(&s, &damage, Warn::Maybe);
    // "RAG September 21" is the last review label in text order: its records are last.
    let args = ["plan", "--as-of", "RAG September 21", "--format", "json"];
    let (want, _) = view(&s.l, s.l.dir(), &args);
    let case = fresh_copy(&s.l, s.l.dir(), "case");
    damage(&case);
    let (got, run) = view(&s.l, &case, &args);
    assert!(got == want, "the answer of a clean rebuild");
    assert!(
        run.stderr.contains("snapshot"),
        "the damaged snapshot is named: {}",
        run.stderr
    );
    let (again, run) = view(&s.l, &case, &args);
    assert!(again == want, "the same answer from the new snapshot");
    assert_eq!(run.stderr, "", "the snapshot was replaced once");
}

/// A missing derived folder is rebuilt silently: nothing was damaged, so no warning is
/// required.
#[test]
fn derived_d_deleted() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| std::fs::remove_dir_all(dir.join("derived")).unwrap(),
        Warn::Maybe,
    );
}

/// Derived data of another ledger made from the same table (same shape, same entry count,
/// same origin; only the times and so the hashes differ).
#[test]
fn derived_e_copied_from_another_ledger() {
    let s = Subject::new();
    let other = s.l.path("other");
    import_table(&s.l, &other, 1).stdout_has("head 312 ");
    let other_derived = other.join("derived");
    check_damage(
        &s,
        &|dir| {
            std::fs::remove_dir_all(dir.join("derived")).unwrap();
            copy_dir(&other_derived, &dir.join("derived"));
        },
        Warn::Rebuilt,
    );
}

/// "An index ahead of the log": derived data of a longer version of the same ledger
/// (positions, plan state and a snapshot all past the log's end); and only its plan state.
#[test]
fn derived_f_from_a_longer_version_of_the_same_ledger() {
    let s = Subject::new();
    let longer = fresh_copy(&s.l, s.l.dir(), "longer");
    import_table(&s.l, &longer, 2).stdout_has("head 614 ");
    assert_eq!(
        snapshot_files(&longer).len(),
        2,
        "the longer ledger has a snapshot past the shorter one's end"
    );
    let ahead = longer.join("derived");
    check_damage(
        &s,
        &|dir| {
            std::fs::remove_dir_all(dir.join("derived")).unwrap();
            copy_dir(&ahead, &dir.join("derived"));
        },
        Warn::Rebuilt,
    );
    let ahead_state = longer.join("derived/state");
    check_damage(
        &s,
        &|dir| {
            std::fs::remove_dir_all(dir.join("derived/state")).unwrap();
            copy_dir(&ahead_state, &dir.join("derived/state"));
        },
        Warn::Rebuilt,
    );
}

#[test]
fn derived_g_garbage_files_inside_the_state_database() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            let state = dir.join("derived/state");
            let mut rng = Rng(0x5eed);
            std::fs::write(state.join("conf"), rng.bytes(100)).unwrap();
            std::fs::write(state.join("db"), rng.bytes(5000)).unwrap();
            std::fs::write(state.join("snap.00000000000000FF"), rng.bytes(3000)).unwrap();
            std::fs::write(state.join("blobs/7"), rng.bytes(300)).unwrap();
            std::fs::write(state.join("junk"), b"junk").unwrap();
            std::fs::create_dir(state.join("junk.d")).unwrap();
            std::fs::write(state.join("junk.d/f"), b"junk").unwrap();
        },
        Warn::Rebuilt,
    );
}

/// The plan's actions file (`derived/state/actions`), damaged in each way on its own: the
/// state database still points into it, so each is found (on open, or when a record fails
/// its checksum) and the state rebuilt.
fn actions_file(dir: &Path) -> PathBuf {
    dir.join("derived/state/actions")
}

#[test]
fn derived_h_a_zero_byte_actions_file() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            File::create(actions_file(dir)).unwrap();
        },
        Warn::Rebuilt,
    );
}

#[test]
fn derived_h_a_truncated_actions_file() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            let len = std::fs::metadata(actions_file(dir)).unwrap().len();
            truncate_to(&actions_file(dir), len / 2);
        },
        Warn::Rebuilt,
    );
}

#[test]
fn derived_h_random_bytes_over_every_action_record() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| {
            use std::os::unix::fs::FileExt;
            let path = actions_file(dir);
            let len = std::fs::metadata(&path).unwrap().len();
            // Past the file's head (magic and id): the file is still its database's.
            let f = OpenOptions::new().write(true).open(&path).unwrap();
            f.write_all_at(&Rng(0x0ac7).bytes(len as usize - 24), 24)
                .unwrap();
        },
        Warn::Rebuilt,
    );
}

#[test]
fn derived_h_a_deleted_actions_file() {
    let s = Subject::new();
    check_damage(
        &s,
        &|dir| std::fs::remove_file(actions_file(dir)).unwrap(),
        Warn::Rebuilt,
    );
}

#[test]
fn derived_h_the_actions_file_of_another_ledger() {
    let s = Subject::new();
    let other = s.l.path("other");
    import_table(&s.l, &other, 1).stdout_has("head 312 ");
    let theirs = actions_file(&other);
    check_damage(
        &s,
        &|dir| {
            std::fs::copy(&theirs, actions_file(dir)).unwrap();
        },
        Warn::Rebuilt,
    );
}

/// Bug: random bytes in the middle of `derived/offsets` or `derived/merkle/01` are found
/// when a command reads them ("the stored position of entry N does not point at it" /
/// "the stored Merkle nodes do not agree with the tree's root"), but the command then
/// fails with exit 2 instead of rebuilding the derived data or falling back to the log;
/// neither later reads nor writes heal it, and `verify` passes all the while.
#[test]

fn damaged_positions_in_the_middle_are_rebuilt_when_a_proof_fails_its_check() {
    let l = big_ledger();
    let seqs: Vec<u64> = (145..=170).collect();
    let reference_copy = fresh_copy(&l, l.dir(), "reference");
    l.on(&reference_copy, &["reindex"]).ok();
    let want: Vec<String> = seqs
        .iter()
        .map(|s| view(&l, &reference_copy, &["prove", "inclusion", &s.to_string()]).0)
        .collect();
    let mut failures = Vec::new();
    for file in ["derived/offsets", "derived/merkle/01"] {
        let case = fresh_copy(&l, l.dir(), "case");
        scribble_middle(&case.join(file), 64, 11);
        // A full read first: it could notice and heal.
        l.on(&case, &["verify"]).ok();
        for (s, want) in seqs.iter().zip(&want) {
            let run = l.on(&case, &["prove", "inclusion", &s.to_string()]);
            if run.code != 0 || &run.stdout != want {
                failures.push(format!(
                    "{file} damaged: `prove inclusion {s}` exit {}: {}",
                    run.code,
                    run.stderr.trim_end()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "each should give the same proof as a clean rebuild:\n{}",
        failures.join("\n")
    );
}

/// Bug: a snapshot whose payload is damaged (header intact) is ignored by every read,
/// each one warning and replaying from the log, but no writer replaces it.
#[test]

fn a_damaged_snapshot_is_replaced() {
    let l = big_ledger();
    scribble_middle(&snapshot_files(l.dir())[0], 64, 12);
    l.read(&["plan"]).ok();
    l.write_as(
        "x",
        &["status", "1.1", "Completed", "--review", "RAG August 22"],
    )
    .ok();
    l.write_as(
        "x",
        &["status", "1.2", "Completed", "--review", "RAG August 22"],
    )
    .ok();
    let run = l.read(&["plan"]).ok();
    assert!(
        !run.stderr.contains("ignored the plan snapshot"),
        "two writes later the damaged snapshot is still there: {run:#?}"
    );
}

/// Bug: a derived part replaced by the wrong kind of file (`derived/state` or
/// `derived/snapshots` a regular file, `derived/merkle` a regular file, `derived/offsets`
/// a folder) makes reads and writes fail with an I/O error (exit 4) instead of being
/// rebuilt like any other damaged derived data.
#[test]

fn a_derived_part_of_the_wrong_kind_is_rebuilt() {
    let l = big_ledger();
    let mut failures = Vec::new();
    for (part, folder) in [
        ("derived/state", false),
        ("derived/merkle", false),
        ("derived/snapshots", false),
        ("derived/offsets", true),
    ] {
        let case = fresh_copy(&l, l.dir(), "case");
        let path = case.join(part);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        if folder {
            std::fs::create_dir(&path).unwrap();
        } else {
            std::fs::write(&path, b"not what you expect").unwrap();
        }
        for args in [
            &["head"][..],
            &["plan"],
            &["prove", "inclusion", "3"],
            &[
                "status",
                "1.1",
                "Completed",
                "--review",
                "RAG May 20",
                "--by",
                "x",
            ],
        ] {
            let run = l.on(&case, args);
            if run.code != 0 {
                failures.push(format!(
                    "{part} a {}: `{}` exit {}: {}",
                    if folder { "folder" } else { "file" },
                    args.join(" "),
                    run.code,
                    run.stderr.trim_end()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Bug: `checkpoint` without `--key` only prints origin, size and root, yet it opens the
/// ledger for writing: it queues behind any writer (and gives up after READINESS_LOCK_WAIT)
/// and fails on a ledger it cannot write, where every other read works.
#[test]

fn an_unsigned_checkpoint_is_a_read_and_takes_no_lock() {
    let l = Ledger::sample();
    let want = l.read(&["checkpoint"]).ok().stdout;
    let lock = hold_lock(l.dir());
    let start = Instant::now();
    let run = run_quick(&l, l.dir(), &["checkpoint"]);
    let waited = start.elapsed();
    drop(lock);
    assert!(
        run.code == 0 && run.stdout == want && waited < Duration::from_secs(1),
        "an unsigned checkpoint is a read: it must not wait for the writer lock (waited {waited:?}): {run:#?}"
    );
    // On a ledger this user cannot write (as `nobody` when running as root).
    std::fs::set_permissions(l.tmp(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_nobody = is_root() && can_run_as_nobody(l.tmp());
    if is_root() && !as_nobody {
        return;
    }
    set_modes(l.dir(), false);
    let _restore = Writable(l.dir());
    run_as(l.tmp(), l.dir(), &["plan"], as_nobody).ok();
    let run = run_as(l.tmp(), l.dir(), &["checkpoint"], as_nobody);
    assert!(
        run.code == 0 && run.stdout == want,
        "an unsigned checkpoint of a read-only ledger: {run:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 2. Symlinks
// ---------------------------------------------------------------------------------------

/// What an outside file or folder held before, to prove nothing was written through a link.
fn outside_state(path: &Path) -> Vec<(String, Vec<u8>)> {
    if path.is_dir() {
        let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        all.sort();
        all
    } else {
        vec![(String::new(), std::fs::read(path).unwrap())]
    }
}

#[test]
fn symlinks_in_place_of_ledger_files_are_refused_and_never_written_through() {
    let l = Ledger::sample();
    let head = l.head();
    let outside_file = l.path("outside.bin");
    let outside_dir = l.path("outside.d");
    let known: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let write_args = [
        "status",
        "1.2",
        "Completed",
        "--review",
        "RAG November 20",
        "--by",
        "x",
    ];
    // (name in the ledger, link to a folder rather than a file)
    let cases = [
        ("append.journal", false),
        ("entries.jsonl", false),
        ("derived", false),
        ("derived", true),
        ("derived/state", false),
        ("derived/state", true),
    ];
    for (name, to_dir) in cases {
        let case = fresh_copy(&l, l.dir(), "case");
        std::fs::write(&outside_file, &known).unwrap();
        if outside_dir.exists() {
            std::fs::remove_dir_all(&outside_dir).unwrap();
        }
        std::fs::create_dir(&outside_dir).unwrap();
        std::fs::write(outside_dir.join("f"), &known).unwrap();
        let target = if to_dir { &outside_dir } else { &outside_file };
        let before = outside_state(target);
        let link = case.join(name);
        if link.is_dir() {
            std::fs::remove_dir_all(&link).unwrap();
        } else if link.exists() {
            std::fs::remove_file(&link).unwrap();
        }
        symlink(target, &link).unwrap();
        let what = format!("{name} -> {}", if to_dir { "folder" } else { "file" });
        let log_before = std::fs::read(case.join("entries.jsonl")).ok();
        for args in [&["head"][..], &["verify"], &write_args] {
            let run = l.on(&case, args);
            let is_write = args.len() > 1 && args[0] == "status";
            if name == "derived/state" && !is_write && run.code == 0 {
                // Readers never open the plan state, so a link there is not followed; they
                // may answer, and then correctly.
                assert!(run.stdout.contains(&head), "{what}: {run:#?}");
            } else {
                assert!(
                    run.code != 0 && run.stderr.contains("symbolic link"),
                    "{what}: `{}` must refuse, naming the link: {run:#?}",
                    args.join(" ")
                );
                assert!(
                    run.stderr.contains(name),
                    "{what}: the message names the link: {run:#?}"
                );
            }
            assert!(
                outside_state(target) == before,
                "{what}: {run:#?} wrote through the link"
            );
            assert!(
                std::fs::read(case.join("entries.jsonl")).ok() == log_before,
                "{what}: the log changed"
            );
        }
        // The link is still a link, not replaced by a file of ours.
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
    // A healing read (positions gone) must not follow a linked state folder either.
    let case = fresh_copy(&l, l.dir(), "case");
    std::fs::remove_dir_all(case.join("derived/state")).unwrap();
    std::fs::remove_file(case.join("derived/positions.mark")).unwrap();
    symlink(&outside_dir, case.join("derived/state")).unwrap();
    let before = outside_state(&outside_dir);
    let run = l.on(&case, &["head"]);
    assert!(
        (run.code == 0 && run.stdout.contains(&head)) || run.stderr.contains("symbolic link"),
        "{run:#?}"
    );
    assert!(outside_state(&outside_dir) == before);
}

/// Bug: with `evidence/` a symlink to an outside folder, `evidence add` refuses ("is a
/// symbolic link", exit 2) only after it has streamed the file into the outside folder
/// and renamed it there: the file is left outside the ledger.
#[test]

fn evidence_add_never_writes_through_a_symlinked_evidence_folder() {
    let l = Ledger::sample();
    let outside = l.path("outside.d");
    std::fs::create_dir(&outside).unwrap();
    symlink(&outside, l.dir().join("evidence")).unwrap();
    let file = l.path("minutes.txt");
    std::fs::write(&file, b"board minutes").unwrap();
    let before = l.snapshot();
    let run = l
        .write(&["evidence", "add", "1.1", file.to_str().unwrap()])
        .code(2)
        .stderr_has("symbolic link");
    l.assert_unchanged(&before);
    let written: Vec<_> = std::fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        written.is_empty(),
        "files written outside the ledger through the link: {written:?}; {run:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 3. Creation races
// ---------------------------------------------------------------------------------------

fn spawn(cwd: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args(args)
        .current_dir(cwd)
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish_child(child: std::process::Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// No temporary or half-made files are left beside the log.
fn assert_no_leftovers(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "{name} left in {}", dir.display());
    }
}

#[test]
fn init_and_restore_racing_on_a_new_directory_one_wins_whole() {
    let l = Ledger::sample();
    let export = l.export("sample.jsonl");
    let exported = std::fs::read(&export).unwrap();
    let (mut init_won, mut restore_won) = (0, 0);
    for round in 0..30 {
        let dir = l.path(&format!("race-{round}"));
        let d = dir.to_str().unwrap();
        let init_args = ["init", "--title", "T", "--by", "x", "--ledger", d];
        let restore_args = ["restore", export.to_str().unwrap(), "--ledger", d];
        // Alternate who starts first; restore verifies the export before it locks, so it
        // is given the head start more often.
        let (init, restore) = if round % 3 == 0 {
            let i = spawn(l.tmp(), &init_args);
            (i, spawn(l.tmp(), &restore_args))
        } else {
            let r = spawn(l.tmp(), &restore_args);
            (spawn(l.tmp(), &init_args), r)
        };
        let (ic, _, ierr) = finish_child(init);
        let (rc, rout, rerr) = finish_child(restore);
        let log = std::fs::read(dir.join("entries.jsonl")).unwrap();
        match (ic, rc) {
            (0, 2) => {
                init_won += 1;
                assert!(rerr.contains("already holds a ledger"), "{rerr}");
                let entries = util::parse_lines(&log);
                assert_eq!(entries.len(), 1, "round {round}");
                assert_eq!(entries[0]["event"]["type"], "plan_created");
                assert_eq!(entries[0]["event"]["title"], "T");
            }
            (2, 0) => {
                restore_won += 1;
                assert!(ierr.contains("already holds a ledger"), "{ierr}");
                assert!(rout.contains("restored 9 entries"), "{rout}");
                assert!(log == exported, "round {round}: the log is the export");
            }
            other => panic!(
                "round {round}: exactly one must win, the other exit 2; got {other:?}\ninit: {ierr}\nrestore: {rerr}"
            ),
        }
        assert_no_leftovers(&dir);
        if round % 10 == 0 {
            l.on(&dir, &["verify"]).ok();
        }
    }
    eprintln!("init won {init_won}, restore won {restore_won}");
}

#[test]
fn two_inits_racing_on_a_new_directory_one_wins_whole() {
    let l = Ledger::empty();
    for round in 0..20 {
        let dir = l.path(&format!("race-{round}"));
        let d = dir.to_str().unwrap();
        let a = spawn(
            l.tmp(),
            &["init", "--title", "A", "--by", "x", "--ledger", d],
        );
        let b = spawn(
            l.tmp(),
            &["init", "--title", "B", "--by", "x", "--ledger", d],
        );
        let (ac, _, aerr) = finish_child(a);
        let (bc, _, berr) = finish_child(b);
        let winner = match (ac, bc) {
            (0, 2) => {
                assert!(berr.contains("already holds a ledger"), "{berr}");
                "A"
            }
            (2, 0) => {
                assert!(aerr.contains("already holds a ledger"), "{aerr}");
                "B"
            }
            other => panic!("round {round}: {other:?}\nA: {aerr}\nB: {berr}"),
        };
        let entries = util::parse_lines(&std::fs::read(dir.join("entries.jsonl")).unwrap());
        assert_eq!(entries.len(), 1, "round {round}");
        assert_eq!(entries[0]["event"]["title"], winner, "round {round}");
        assert_no_leftovers(&dir);
    }
}

// ---------------------------------------------------------------------------------------
// 4. Evidence that is not a regular file
// ---------------------------------------------------------------------------------------

#[test]
fn evidence_add_refuses_a_fifo_a_folder_and_a_device_at_once() {
    let l = Ledger::sample();
    let fifo = l.path("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    let folder = l.path("folder");
    std::fs::create_dir(&folder).unwrap();
    let before = l.snapshot();
    for (path, kind) in [
        (fifo.to_str().unwrap(), "FIFO"),
        (folder.to_str().unwrap(), "folder"),
        ("/dev/null", "device"),
    ] {
        let start = Instant::now();
        let run = l
            .write(&["evidence", "add", "1.1", path])
            .code(2)
            .stderr_has(kind)
            .stderr_has("regular file");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{path} took {:?}: {run:#?}",
            start.elapsed()
        );
        l.assert_unchanged(&before);
    }
    let names: Vec<_> = std::fs::read_dir(l.dir().join("evidence"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(names.is_empty(), "nothing is stored: {names:?}");
    // Even with a writer holding the lock, the refusal comes before any wait for it.
    let lock = hold_lock(l.dir());
    let start = Instant::now();
    l.write(&["evidence", "add", "1.1", fifo.to_str().unwrap()])
        .code(2)
        .stderr_has("FIFO");
    assert!(start.elapsed() < Duration::from_secs(1));
    drop(lock);
}

// ---------------------------------------------------------------------------------------
// 5. Read-only ledger directories
// ---------------------------------------------------------------------------------------

/// Sets `0555` on every folder and `0444` on every file under `dir` (and `dir`); or, with
/// `writable`, `0755` and `0644` again.
fn set_modes(dir: &Path, writable: bool) {
    let (d, f) = if writable {
        (0o755, 0o644)
    } else {
        (0o555, 0o444)
    };
    if !writable {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                set_modes(&p, writable);
            } else {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f)).unwrap();
            }
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(d)).unwrap();
    } else {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(d)).unwrap();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                set_modes(&p, writable);
            } else {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f)).unwrap();
            }
        }
    }
}

/// Makes a directory writable again when dropped (even if the test fails), so the
/// temporary directory can be removed.
struct Writable<'a>(&'a Path);

impl Drop for Writable<'_> {
    fn drop(&mut self) {
        set_modes(self.0, true);
    }
}

/// The unprivileged user to run as when the tests run as root (chmod does not stop root).
const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `args --ledger ledger` in `cwd`; as `NOBODY` when `as_nobody`.
fn run_as(cwd: &Path, ledger: &Path, args: &[&str], as_nobody: bool) -> Run {
    let mut all = args.to_vec();
    all.extend(["--ledger", ledger.to_str().unwrap()]);
    let mut std_cmd = Command::new(env!("CARGO_BIN_EXE_readiness"));
    std_cmd
        .args(&all)
        .current_dir(cwd)
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER");
    if as_nobody {
        std_cmd.uid(NOBODY).gid(NOBODY);
    }
    let mut cmd = assert_cmd::Command::from_std(std_cmd);
    cmd.timeout(Duration::from_secs(60));
    util::finish(cmd, &all)
}

/// Whether this process can run the binary as `NOBODY` (root with CAP_SETUID, and the
/// binary readable by others).
fn can_run_as_nobody(cwd: &Path) -> bool {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_readiness"));
    cmd.arg("--version")
        .current_dir(cwd)
        .uid(NOBODY)
        .gid(NOBODY);
    cmd.output().is_ok_and(|o| o.status.success())
}

/// Read-only ledger directories: every read works (in memory when the derived data cannot
/// be written), every write is refused and changes nothing.
///
/// chmod does not stop root. When the tests run as root, the commands are run as the
/// unprivileged user `nobody` (uid 65534) instead, so the refusal is still checked; if that
/// is not possible either (no CAP_SETUID), the "write refused" half is skipped and only the
/// reads are checked on the chmod-ed directory.
#[test]
fn a_read_only_ledger_can_be_read_but_not_written() {
    let l = big_ledger();
    let want = reference(&l, l.dir());
    let root = is_root();
    // The temporary directory is 0700: let `nobody` through it.
    std::fs::set_permissions(l.tmp(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_nobody = root && can_run_as_nobody(l.tmp());
    let enforced = !root || as_nobody;
    if !enforced {
        eprintln!("running as root without a way to drop privileges: skipping the write refusals");
    }
    for drop_derived in [false, true] {
        let case = fresh_copy(&l, l.dir(), "case");
        if drop_derived {
            std::fs::remove_dir_all(case.join("derived")).unwrap();
        }
        set_modes(&case, false);
        let _restore = Writable(&case);
        let log = std::fs::read(case.join("entries.jsonl")).unwrap();
        for (i, args) in VIEWS.iter().chain(OTHER_READS.iter()).enumerate() {
            if args[0] == "checkpoint" && enforced {
                // It opens the ledger for writing: see the ignored test
                // `an_unsigned_checkpoint_is_a_read_and_takes_no_lock`.
                continue;
            }
            let run = run_as(l.tmp(), &case, args, as_nobody).ok();
            let got = run.stdout.replace(case.to_str().unwrap(), "LEDGER");
            assert!(
                got == want[i],
                "`{}` on a read-only ledger (derived dropped: {drop_derived})\n--- want\n{}\n--- got\n{got}\n{run:#?}",
                args.join(" "),
                want[i]
            );
        }
        if enforced {
            for args in [
                &[
                    "status",
                    "1.1",
                    "Completed",
                    "--review",
                    "RAG May 20",
                    "--by",
                    "x",
                ][..],
                &["area", "add", "2", "--title", "T", "--by", "x"],
                &["reindex"],
            ] {
                let run = run_as(l.tmp(), &case, args, as_nobody);
                assert!(
                    run.code == 2 || run.code == 4,
                    "a write to a read-only ledger must be refused: {run:#?}"
                );
                assert!(run.stderr.contains("error"), "{run:#?}");
            }
            assert!(
                !drop_derived || !case.join("derived").exists(),
                "nothing was created in a read-only ledger"
            );
        }
        assert!(
            std::fs::read(case.join("entries.jsonl")).unwrap() == log,
            "the log is unchanged"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 6. Readers during appends
// ---------------------------------------------------------------------------------------

/// Appends made by the writer thread, one `status` process each. The issue asks for 1,000;
/// a debug build spends ~100-150 ms per append process (sled, fsyncs), so 1,000 would take
/// minutes. 150 processes keep the test around 40 s on 2 cores while a reader runs the
/// whole time.
const APPENDS: usize = 150;

/// The warning a reader gives when it finds the positions past the log end it fixed: a
/// writer appended between the two looks (see
/// `a_reader_racing_appends_keeps_the_positions`).
const RACE_WARNING: &str = "the entry positions do not match the log";

/// Runs `appends` `status` processes one after another while `readers` threads each run
/// `head --format json` and `verify --format json` in a loop. Checks that readers never
/// fail, only ever see whole entries of the final log, and never see the head go back;
/// returns the warnings readers gave (anything but [`RACE_WARNING`] fails at once).
fn appends_with_readers(appends: usize, readers: usize) -> Vec<String> {
    let l = Ledger::sample();
    let dir = l.dir().to_path_buf();
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let dir = dir.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let reviews = ["RAG May 20", "RAG November 20"];
            let statuses = [
                "Started but delayed",
                "Progressing and on track",
                "Completed",
            ];
            for i in 0..appends {
                let action = if i % 2 == 0 { "1.1" } else { "1.2" };
                let args = [
                    "status",
                    action,
                    statuses[i % statuses.len()],
                    "--review",
                    reviews[(i / 2) % 2],
                    "--by",
                    "x",
                    "--ledger",
                    dir.to_str().unwrap(),
                ];
                let run = util::run_in(dir.parent().unwrap(), &args);
                if run.code != 0 {
                    done.store(true, Ordering::SeqCst);
                    panic!("append {i} failed: {run:#?}");
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let reader = |_: usize| {
        let dir = dir.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let cwd = dir.parent().unwrap().to_path_buf();
            let ledger = dir.to_str().unwrap().to_string();
            // (seq, hash, which command), in the order seen.
            let mut seen: Vec<(u64, String, &str)> = Vec::new();
            let mut warnings = Vec::new();
            let check_stderr = |run: &Run, warnings: &mut Vec<String>| {
                for line in run.stderr.lines() {
                    assert!(line.contains(RACE_WARNING), "a reader warned: {run:#?}");
                    warnings.push(line.to_string());
                }
            };
            while !done.load(Ordering::SeqCst) {
                let run = util::run_in(&cwd, &["head", "--format", "json", "--ledger", &ledger]);
                assert_eq!(run.code, 0, "a reader failed: {run:#?}");
                check_stderr(&run, &mut warnings);
                let v = run.json();
                seen.push((
                    v["seq"].as_u64().unwrap(),
                    v["hash"].as_str().unwrap().to_string(),
                    "head",
                ));
                let run = util::run_in(
                    &cwd,
                    &[
                        "verify",
                        "--format",
                        "json",
                        "--no-evidence",
                        "--ledger",
                        &ledger,
                    ],
                );
                assert_eq!(run.code, 0, "verify failed during appends: {run:#?}");
                check_stderr(&run, &mut warnings);
                let v = run.json();
                assert!(v["failure"].is_null(), "{run:#?}");
                let head = &v["head"];
                assert_eq!(v["entries"], head["seq"], "{run:#?}");
                seen.push((
                    head["seq"].as_u64().unwrap(),
                    head["hash"].as_str().unwrap().to_string(),
                    "verify",
                ));
                // Leave the writer some CPU on a small machine.
                std::thread::sleep(Duration::from_millis(10));
            }
            (seen, warnings)
        })
    };
    let readers: Vec<_> = (0..readers).map(reader).collect();
    let results: Vec<_> = readers
        .into_iter()
        .map(|r| r.join().expect("a reader thread"))
        .collect();
    writer.join().expect("the writer thread");
    let entries = l.entries();
    assert_eq!(entries.len(), 9 + appends);
    l.read(&["verify"])
        .ok()
        .stdout_has(&format!("ok: {} entries verified", 9 + appends));
    let mut all_warnings = Vec::new();
    for (seen, warnings) in results {
        let mut last = 0;
        for (seq, hash, by) in &seen {
            assert!(
                *seq >= last,
                "{by} saw head {seq} after {last}: it went backwards"
            );
            last = *seq;
            let entry = &entries[*seq as usize - 1];
            assert_eq!(
                entry["hash"].as_str(),
                Some(hash.as_str()),
                "{by} saw entry {seq} with a hash the finished log does not have"
            );
        }
        let mut heads: Vec<u64> = seen.iter().map(|x| x.0).collect();
        heads.dedup();
        assert!(seen.len() > 20, "a reader ran only {} times", seen.len());
        assert!(
            heads.len() > 5,
            "a reader saw only {} distinct heads",
            heads.len()
        );
        eprintln!(
            "a reader ran {} times and saw {} distinct heads during {appends} appends",
            seen.len(),
            heads.len()
        );
        all_warnings.extend(warnings);
    }
    all_warnings
}

#[test]
fn readers_during_appends_never_fail_never_see_a_partial_entry_never_go_back() {
    let warnings = appends_with_readers(APPENDS, 1);
    // A known, harmless-but-wrong warning (see the ignored test below) is tolerated here.
    if !warnings.is_empty() {
        eprintln!("readers warned {} times: {warnings:#?}", warnings.len());
    }
}

/// Bug: a reader fixes the log's readable end first and reads `derived/positions.mark`
/// after; a writer that appends and saves positions in between makes the reader find the
/// mark past its end, call the positions damaged ("the entry positions do not match the
/// log ... reading from the log itself"), and rebuild them in memory from the whole log
/// (O(log size) for that read). Nothing is wrong with them. Seen about once per 100
/// appends with two readers; this test gives the race 300 appends and two readers.
#[test]

fn a_reader_racing_appends_keeps_the_positions() {
    let warnings = appends_with_readers(120, 2);
    assert!(
        warnings.is_empty(),
        "readers called valid positions damaged {} times: {warnings:#?}",
        warnings.len()
    );
}

// ---------------------------------------------------------------------------------------
// 7. --if-head
// ---------------------------------------------------------------------------------------

#[test]
fn if_head_writes_only_on_the_expected_head() {
    let l = Ledger::sample();
    l.write(&[
        "status",
        "1.2",
        "Completed",
        "--review",
        "RAG November 20",
        "--if-head",
        "9",
    ])
    .ok()
    .stdout_has("appended 10");
    let before = l.snapshot();
    for args in [
        &[
            "status",
            "1.2",
            "Embedded",
            "--review",
            "RAG November 20",
            "--if-head",
            "9",
        ][..],
        &["area", "add", "2", "--title", "T", "--if-head", "0"],
        &["area", "add", "2", "--title", "T", "--if-head", "11"],
    ] {
        l.write(args)
            .code(2)
            .stderr_has("head is entry 10")
            .stderr_has("nothing was written");
        l.assert_unchanged(&before);
    }
    l.write(&["area", "add", "2", "--title", "T", "--if-head", "10"])
        .ok()
        .stdout_has("appended 11");
    // A new ledger: the head of an empty ledger is 0.
    let fresh = l.path("fresh");
    l.on(
        &fresh,
        &["init", "--title", "T", "--by", "x", "--if-head", "0"],
    )
    .ok()
    .stdout_has("appended 1");
    let other = l.path("other");
    l.on(
        &other,
        &["init", "--title", "T", "--by", "x", "--if-head", "3"],
    )
    .code(2)
    .stderr_has("not 3");
    assert!(!other.join("entries.jsonl").exists());
    // init on an existing ledger with --if-head 0: its head is not 0.
    let log = std::fs::read(fresh.join("entries.jsonl")).unwrap();
    l.on(
        &fresh,
        &["init", "--title", "T", "--by", "x", "--if-head", "0"],
    )
    .code(2);
    assert!(std::fs::read(fresh.join("entries.jsonl")).unwrap() == log);
}

// ---------------------------------------------------------------------------------------
// 8. An acknowledgement that cannot be written
// ---------------------------------------------------------------------------------------

#[test]
fn an_append_whose_stdout_is_full_succeeds_and_says_so_on_stderr() {
    let l = Ledger::sample();
    let head_before = l.head();
    assert!(head_before.starts_with("9 "));
    let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
    let args = [
        "status",
        "1.2",
        "Completed",
        "--review",
        "RAG November 20",
        "--by",
        "x",
        "--ledger",
        l.dir().to_str().unwrap(),
    ];
    // util::finish would pipe stdout; this child writes to /dev/full (every write: ENOSPC).
    let out = Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args(args)
        .current_dir(l.tmp())
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .stdin(Stdio::null())
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let run = Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{run:#?}");
    let run = run.ok().stderr_has("warning").stderr_has("acknowledgement");
    assert!(run.stderr.contains("the append is saved"), "{run:#?}");
    let head = l.head();
    assert!(head.starts_with("10 "), "head advanced by one: {head}");
    assert!(
        run.stderr.contains(&head),
        "the warning gives the new head: {run:#?}"
    );
    let entries = l.entries();
    assert_eq!(entries.len(), 10);
    assert_eq!(entries[9]["event"]["action"], "1.2");
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 10 entries verified");
}

// ---------------------------------------------------------------------------------------
// 9. Writers queue on the lock
// ---------------------------------------------------------------------------------------

#[test]
fn a_writer_waits_for_the_lock_says_so_and_completes_when_it_is_released() {
    let l = Ledger::sample();
    let lock = hold_lock(l.dir());
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args([
            "area", "add", "2", "--title", "Queued", "--by", "x", "--ledger",
        ])
        .arg(l.dir())
        .current_dir(l.tmp())
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .env("READINESS_LOCK_WAIT", "5")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let _ = tx.send((start.elapsed(), line));
        }
    });
    let (said_at, line) = rx
        .recv_timeout(Duration::from_secs(4))
        .expect("the writer says it is waiting");
    assert!(
        line.contains("waiting for another readiness process"),
        "{line}"
    );
    assert!(
        said_at >= Duration::from_millis(900) && said_at < Duration::from_millis(2500),
        "said after {said_at:?}, not after about a second"
    );
    std::thread::sleep(Duration::from_secs(2).saturating_sub(start.elapsed()));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the writer waits while the lock is held"
    );
    assert_eq!(l.entries().len(), 9, "nothing written while waiting");
    lock.unlock().unwrap();
    drop(lock);
    let status = child.wait().unwrap();
    let elapsed = start.elapsed();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    reader.join().unwrap();
    let rest: Vec<String> = rx.try_iter().map(|(_, l)| l).collect();
    assert_eq!(status.code(), Some(0), "stdout {stdout}; stderr {rest:?}");
    assert!(stdout.contains("appended 10"), "{stdout}");
    assert!(
        elapsed < Duration::from_secs(4),
        "completed soon after the release, not at the wait limit: {elapsed:?}"
    );
    assert!(
        !rest.iter().any(|l| l.contains("error")),
        "no error after the wait: {rest:?}"
    );
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 10 entries verified");
}
