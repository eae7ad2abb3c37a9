//! Crash test: the real `readiness` binary is killed with SIGKILL at random moments while it
//! writes, and the next command must work without any manual repair.
//!
//! Each round runs one write command and kills it after a random delay:
//!
//! - `status` (one entry) on the main ledger;
//! - `import` of a small generated table (a new area: a batch of 3 to 26 entries) into the
//!   main ledger;
//! - `import` of a generated table into a NEW directory (creates a ledger);
//! - `reindex` of the main ledger;
//! - `restore` of an export of the main ledger into a NEW directory;
//! - `evidence add` of a 1-2 MB file, on a second ledger (evidence is re-hashed by every
//!   `verify`, so that ledger is replaced once it holds 3 MB).
//!
//! After each kill, with no repair by hand: `verify --expect SEQ:HASH` exits 0, where
//! `SEQ HASH` is the newest head any killed command acknowledged on stdout (`head SEQ HASH`,
//! read line by line while it ran); `head` works and shows either the head before the
//! command or that plus its whole batch (exactly the acknowledged head, if there was one);
//! the plan read from the ledger (snapshots, and the writer's state database) equals the plan
//! folded from the log alone. Every tenth round, and at the end, every acknowledged entry is
//! looked up in `entries.jsonl` and every line must parse. A killed creation must leave either no ledger (nothing in the directory but `LOCK`
//! and `.entries.jsonl.tmp`; the same command run again then succeeds) or a complete one
//! that verifies. Every 25th round a status append runs to the end and must succeed.
//!
//! When to kill is drawn per round: 40% of kills at a uniform random moment of the run (0 to
//! 1.1 times what a plain run of that command took, so some land in start-up, some in the
//! write, some never); 40% within 0-3 ms of the append journal being seen holding a batch
//! (or a new ledger's temporary log appearing), so that kills land inside appends and not
//! only in the much longer start-up; 20% (appends only) within 0-8 ms of the journal being
//! cleared, while derived data is written.
//!
//! `READINESS_CRASH_SEED` replays a run (the seed is printed:
//! `cargo test --test crash -- --nocapture`). The seed fixes the commands, tables and
//! delays, not the exact instant a signal lands, so a replay usually, not always, repeats a
//! failure. `READINESS_CRASH_ROUNDS` sets the number of rounds (default 300), e.g.
//! `READINESS_CRASH_ROUNDS=5000 cargo test --release --test crash -- --nocapture`;
//! `READINESS_CRASH_KINDS=evidence,status` runs only those commands.

#![cfg(unix)]

mod util;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use readiness_ledger::plan::state::Plan;
use readiness_ledger::store::source::fold;
use readiness_ledger::store::{DirLedger, DirReader, JsonlFile};

/// Seed of the whole run, to replay a failure.
const SEED_ENV: &str = "READINESS_CRASH_SEED";
/// Number of kill rounds.
const ROUNDS_ENV: &str = "READINESS_CRASH_ROUNDS";
const DEFAULT_ROUNDS: u32 = 300;
/// Only these kinds of command (comma-separated names from the summary's first words:
/// `status`, `import`, `reindex`, `restore`, `evidence`), to dig into one; default all.
const KINDS_ENV: &str = "READINESS_CRASH_KINDS";
/// Rounds between full checks of every acknowledged entry against `entries.jsonl`.
const FULL_CHECK_EVERY: u32 = 10;
/// Rounds between plain (not killed) status appends on the main ledger.
const PLAIN_APPEND_EVERY: u32 = 25;
/// Rounds between fresh exports of the main ledger for `restore`.
const EXPORT_EVERY: u32 = 20;
/// The main ledger is replaced by a new one past this many entries (keeps rounds fast).
const MAIN_MAX_ENTRIES: u64 = 600;
/// The evidence ledger is replaced once its evidence folder holds this many bytes (every
/// `verify` re-hashes them all, at about 10 MB/s in a debug build).
const EVIDENCE_MAX_BYTES: u64 = 3 << 20;

const ACTOR: &str = "crash.tester";
/// The reviews of every generated plan (imports into the main ledger reuse them, so a
/// batch's size is known in advance).
const REVIEWS: [&str; 3] = ["RAG May 20", "RAG August 20", "RAG November 20"];
const STATUSES: [&str; 6] = [
    "Not started",
    "Started but delayed",
    "Progressing but delayed",
    "Progressing and on track",
    "Completed",
    "Embedded",
];
/// Actions of the main ledger's area 1.
const MAIN_ACTIONS: u32 = 4;

/// xorshift64*: small, seedable, good enough to pick delays and tables.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 once, so seeds like 0 and 1 start well apart and never at 0.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// Uniform in `[lo, hi)` milliseconds, at microsecond resolution.
    fn millis(&mut self, lo: f64, hi: f64) -> Duration {
        let lo = lo.max(0.0);
        let hi = hi.max(lo + 0.001);
        let span = ((hi - lo) * 1000.0) as u64;
        Duration::from_micros((lo * 1000.0) as u64 + self.range(0, span))
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

fn seed_from_env_or_time() -> u64 {
    match std::env::var(SEED_ENV) {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_ENV}={s:?} is not a u64")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 ^ u64::from(std::process::id())),
    }
}

fn rounds_from_env() -> u32 {
    match std::env::var(ROUNDS_ENV) {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{ROUNDS_ENV}={s:?} is not a number")),
        Err(_) => DEFAULT_ROUNDS,
    }
}

/// A head: `(seq, hash)`.
type Head = (u64, String);

fn parse_head(text: &str) -> Option<Head> {
    let mut parts = text.split_whitespace();
    let seq = parts.next()?.parse().ok()?;
    let hash = parts.next()?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && parts.next().is_none())
        .then(|| (seq, hash.to_string()))
}

fn expect_arg(h: &Head) -> String {
    format!("{}:{}", h.0, h.1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Status,
    ImportBatch,
    ImportNew,
    Reindex,
    Restore,
    Evidence,
}

const KINDS: [Kind; 6] = [
    Kind::Status,
    Kind::ImportBatch,
    Kind::ImportNew,
    Kind::Reindex,
    Kind::Restore,
    Kind::Evidence,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::ImportBatch => "import (batch append)",
            Kind::ImportNew => "import (new ledger)",
            Kind::Reindex => "reindex",
            Kind::Restore => "restore (new ledger)",
            Kind::Evidence => "evidence add",
        }
    }

    /// Picks a kind: appends most often.
    fn draw(rng: &mut Rng) -> Kind {
        match rng.range(0, 99) {
            0..=24 => Kind::Status,
            25..=44 => Kind::ImportBatch,
            45..=59 => Kind::ImportNew,
            60..=69 => Kind::Reindex,
            70..=84 => Kind::Restore,
            _ => Kind::Evidence,
        }
    }

    /// Draws until the kind is one `allowed` names (all when empty).
    fn draw_from(rng: &mut Rng, allowed: &[String]) -> Kind {
        loop {
            let k = Kind::draw(rng);
            let first = k.name().split(' ').next().unwrap_or_default();
            if allowed.is_empty() || allowed.iter().any(|a| a == first) {
                return k;
            }
        }
    }

    fn creates(self) -> bool {
        matches!(self, Kind::ImportNew | Kind::Restore)
    }
}

/// When to kill a run.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after the spawn.
    After(Duration),
    /// This long after the watched file is first seen (non-empty, for an append journal):
    /// lands inside the append, or just after it.
    Seen(Duration),
    /// This long after the append journal, once seen holding a batch, is seen empty again:
    /// lands while derived data (positions, plan state, snapshots) is being written.
    Cleared(Duration),
}

/// What earlier runs of one kind took, to place kills.
#[derive(Default)]
struct Timing {
    /// Milliseconds from spawn to exit, when it ran to the end (moving average).
    duration: Option<f64>,
}

impl Timing {
    /// 40%: anywhere in the run (start-up, reading, deriving); when the kind has a file to
    /// watch, 40% within 3 ms of it appearing and, for an append, 20% within 8 ms of its
    /// journal being cleared.
    fn kill_at(&self, rng: &mut Rng, watch: Option<&Path>) -> KillAt {
        let duration = self.duration.unwrap_or(200.0);
        let journal = watch.is_some_and(|w| w.ends_with("append.journal"));
        match rng.range(0, 99) {
            0..=39 if watch.is_some() => KillAt::Seen(rng.millis(0.0, 3.0)),
            40..=59 if journal => KillAt::Cleared(rng.millis(0.0, 8.0)),
            _ => KillAt::After(rng.millis(0.0, duration * 1.1)),
        }
    }

    fn learn(&mut self, run: &Killed) {
        if !run.killed {
            let ms = ms(run.elapsed);
            self.duration = Some(self.duration.map_or(ms, |o| 0.7 * o + 0.3 * ms));
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A command run until it ended or was killed.
struct Killed {
    /// SIGKILL ended it (it was still running).
    killed: bool,
    status: ExitStatus,
    elapsed: Duration,
    /// `head SEQ HASH` lines it printed: appends it acknowledged.
    acks: Vec<Head>,
    stdout: Vec<String>,
    stderr: String,
}

/// Runs the binary with `args` in `cwd` and SIGKILLs it at `kill` unless it ended first.
/// `watch` is the file [`KillAt::Seen`] waits for: an append journal (seen once non-empty)
/// or another file (seen once it exists, e.g. a new ledger's temporary log).
fn run_and_kill(cwd: &Path, args: &[String], kill: KillAt, watch: Option<&Path>) -> Killed {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args(args)
        .current_dir(cwd)
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .env_remove("READINESS_FAULT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn readiness");
    let out = child.stdout.take().expect("piped stdout");
    let (tx, lines) = mpsc::channel();
    let stdout = thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            // A line cut by the kill has no newline; `lines` still yields it, and only a
            // whole `head SEQ HASH` counts as an acknowledgement.
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut err = child.stderr.take().expect("piped stderr");
    let stderr = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let mut deadline = match kill {
        KillAt::After(d) => Some(started + d),
        KillAt::Seen(_) | KillAt::Cleared(_) => None,
    };
    let mut was_seen = false;
    // An append journal counts once it holds a batch; any other file once it exists.
    let seen = |path: &Path| {
        std::fs::metadata(path).is_ok_and(|m| m.len() > 0 || !path.ends_with("append.journal"))
    };
    let (killed, status) = loop {
        let now = Instant::now();
        if let (None, Some(w)) = (deadline, watch) {
            match kill {
                KillAt::Seen(d) if seen(w) => deadline = Some(now + d),
                KillAt::Cleared(d) if was_seen && !seen(w) => deadline = Some(now + d),
                KillAt::Cleared(_) => was_seen = was_seen || seen(w),
                _ => {}
            }
        }
        if let Some(status) = child.try_wait().expect("poll the child") {
            break (false, status);
        }
        if deadline.is_some_and(|d| now >= d) {
            child.kill().expect("SIGKILL the child");
            let status = child.wait().expect("reap the child");
            // It may have ended just before the signal.
            break (status.signal() == Some(libc::SIGKILL), status);
        }
        // Watching for the file needs a short nap (an append's journal is non-empty for a
        // millisecond or two); otherwise a millisecond is fine.
        let nap = match deadline {
            None => Duration::from_micros(250),
            Some(d) => d
                .saturating_duration_since(now)
                .min(Duration::from_millis(1)),
        };
        thread::sleep(nap);
    };
    let elapsed = started.elapsed();
    stdout.join().expect("stdout reader");
    let stderr = stderr.join().unwrap_or_default();
    let stdout: Vec<String> = lines.try_iter().collect();
    let acks = stdout
        .iter()
        .filter_map(|l| l.strip_prefix("head "))
        .filter_map(parse_head)
        .collect();
    Killed {
        killed,
        status,
        elapsed,
        acks,
        stdout,
        stderr,
    }
}

/// Runs `args --ledger DIR` to the end (checked for panics by `util`).
fn plain(cwd: &Path, dir: &Path, args: &[&str]) -> util::Run {
    let mut all = args.to_vec();
    all.extend(["--ledger", dir.to_str().expect("utf-8 temp path")]);
    util::run_in(cwd, &all)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// A generated WSoA table: area `area` with `actions` actions, one column per review in
/// `columns` (indexes into [`REVIEWS`]), some cells empty. Returns the text and how many
/// status cells it fills.
fn gen_table(rng: &mut Rng, area: u32, actions: u32, columns: &[usize]) -> (String, u64) {
    let mut header = String::from(
        "Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact |",
    );
    for &c in columns {
        header.push_str(&format!(" {} |", REVIEWS[c]));
    }
    let mut rule = String::from("---|---|---|---|---|---|---|---|");
    rule.push_str(&"---|".repeat(columns.len()));
    let mut rows = String::new();
    let mut statuses = 0;
    for i in 1..=actions {
        // Long action texts make batches from a few hundred bytes to tens of KB.
        let words = rng.range(1, 300) as usize;
        let text = "improve joint working ".repeat(words);
        rows.push_str(&format!(
            "{area}.{i} | outcome {i} | {text}| May 2020 | July 2021 | Lead {i} | measure | impact |"
        ));
        for _ in columns {
            if rng.range(0, 4) == 0 {
                rows.push_str(" |");
            } else {
                rows.push_str(&format!(" {} |", rng.pick(&STATUSES)));
                statuses += 1;
            }
        }
        rows.push('\n');
    }
    let text = format!(
        "Crash test plan\nArea for Improvement {area}\nArea {area}: generated for round data\n{header}\n{rule}\n{rows}"
    );
    (text, statuses)
}

/// A ledger the rounds write to, with every head it acknowledged.
struct Tracked {
    dir: PathBuf,
    /// Every acknowledged head, oldest first.
    acks: Vec<Head>,
    /// The head as last checked.
    head: Head,
    generation: u32,
}

/// Counts for the summary.
#[derive(Default)]
struct KindStats {
    rounds: u32,
    killed: u32,
    finished: u32,
    acks: u32,
    /// Killed after its batch was durable but before it acknowledged it.
    durable_unacked: u32,
    /// Kills that left `append.journal` non-empty: they landed inside an append.
    mid_append: u32,
    /// Creations: the directory held no ledger / a complete one after the kill.
    no_ledger: u32,
    complete: u32,
}

#[derive(Default)]
struct Stats {
    kinds: BTreeMap<Kind, KindStats>,
    /// Opens after a kill that printed a repair warning, by the warning's start.
    repairs: BTreeMap<String, u32>,
    rounds_with_repair: u32,
    evidence_strays: u32,
    plain_appends: u32,
    full_checks: u32,
    rotations: u32,
}

impl Stats {
    fn note_warnings(&mut self, stderr: &str) -> bool {
        let mut any = false;
        for w in stderr.lines().filter_map(|l| l.strip_prefix("warning: ")) {
            any = true;
            let key = w
                .split(['(', ';', ':'])
                .next()
                .unwrap_or(w)
                .trim()
                .to_string();
            *self.repairs.entry(key).or_default() += 1;
        }
        any
    }
}

/// Everything the rounds share.
struct World {
    tmp: tempfile::TempDir,
    rng: Rng,
    seed: u64,
    main: Tracked,
    evidence: Tracked,
    /// An export of the main ledger, and the head it holds.
    export: (PathBuf, Head),
    timing: HashMap<Kind, Timing>,
    stats: Stats,
    next_area: u32,
    next_file: u32,
    /// Kinds to run ([`KINDS_ENV`]); empty: all.
    allowed: Vec<String>,
}

impl World {
    fn cwd(&self) -> &Path {
        self.tmp.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Creates a ledger by importing a generated table into a new directory.
    fn new_ledger(&mut self, name: &str, actions: u32) -> Tracked {
        let dir = self.path(name);
        let (table, _) = gen_table(&mut self.rng, 1, actions, &[0, 1, 2]);
        let file = self.path(&format!("{name}.txt"));
        std::fs::write(&file, table).expect("write the table");
        let run = plain(
            self.cwd(),
            &dir,
            &["import", file.to_str().expect("utf-8"), "--by", ACTOR],
        )
        .ok();
        let head = run
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("head "))
            .find_map(parse_head)
            .expect("import acknowledges its head");
        Tracked {
            dir,
            acks: vec![head.clone()],
            head,
            generation: 0,
        }
    }

    fn refresh_export(&mut self) {
        let path = self.path("main-export.jsonl");
        let _ = std::fs::remove_file(&path);
        plain(
            self.cwd(),
            &self.main.dir,
            &["export", path.to_str().expect("utf-8")],
        )
        .ok();
        let head = parse_head(&plain(self.cwd(), &path, &["head"]).ok().stdout)
            .expect("the export has a head");
        self.export = (path, head);
    }
}

/// A round's command: its arguments, the ledger it writes, what it may append.
struct Planned {
    args: Vec<String>,
    dir: PathBuf,
    /// Entries a whole run appends (or creates).
    batch: u64,
    /// The file whose appearance [`KillAt::Seen`] waits for, if any.
    watch: Option<PathBuf>,
    /// The input file made for this round (a table or evidence), removed after it.
    input: Option<PathBuf>,
}

/// Removes a round's input file when the round is over.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn plan_round(w: &mut World, kind: Kind, round: u32) -> Planned {
    let by = ["--by", ACTOR];
    match kind {
        Kind::Status => {
            let action = format!("1.{}", w.rng.range(1, u64::from(MAIN_ACTIONS)));
            let review = *w.rng.pick(&REVIEWS);
            let status = *w.rng.pick(&STATUSES);
            let note = "n\u{e9}\"\\ ".repeat(w.rng.range(0, 100) as usize);
            let mut args = strings(&["status", &action, status, "--review", review]);
            if !note.is_empty() {
                args.extend(strings(&["--note", &note]));
            }
            args.extend(strings(&by));
            let dir = w.main.dir.clone();
            Planned {
                args,
                watch: Some(dir.join("append.journal")),
                dir,
                batch: 1,
                input: None,
            }
        }
        Kind::ImportBatch => {
            let area = w.next_area;
            w.next_area += 1;
            let actions = w.rng.range(1, 6) as u32;
            // A non-empty subset of the reviews, in order.
            let mask = w.rng.range(1, (1 << REVIEWS.len()) - 1);
            let columns: Vec<usize> = (0..REVIEWS.len()).filter(|i| mask >> i & 1 == 1).collect();
            let (table, statuses) = gen_table(&mut w.rng, area, actions, &columns);
            let file = w.path(&format!("area-{area}.txt"));
            std::fs::write(&file, table).expect("write the table");
            let mut args = strings(&["import", file.to_str().expect("utf-8")]);
            args.extend(strings(&by));
            let dir = w.main.dir.clone();
            Planned {
                args,
                watch: Some(dir.join("append.journal")),
                dir,
                // source_imported, area, actions, statuses (the reviews exist).
                batch: 2 + u64::from(actions) + statuses,
                input: Some(file),
            }
        }
        Kind::ImportNew => {
            let actions = w.rng.range(1, 6) as u32;
            let ncols = w.rng.range(1, REVIEWS.len() as u64) as usize;
            let columns: Vec<usize> = (0..ncols).collect();
            let (table, statuses) = gen_table(&mut w.rng, 1, actions, &columns);
            let file = w.path(&format!("new-{round}.txt"));
            std::fs::write(&file, table).expect("write the table");
            let dir = w.path(&format!("new-{round}"));
            let mut args = strings(&["import", file.to_str().expect("utf-8")]);
            args.extend(strings(&["--origin", "crash.test/import"]));
            args.extend(strings(&by));
            Planned {
                args,
                watch: Some(dir.join(".entries.jsonl.tmp")),
                dir,
                // plan, source_imported, area, actions, reviews, statuses.
                batch: 3 + u64::from(actions) + ncols as u64 + statuses,
                input: Some(file),
            }
        }
        Kind::Reindex => {
            let dir = w.main.dir.clone();
            Planned {
                args: strings(&["reindex"]),
                // Nothing to aim at: kills land anywhere in the run.
                watch: None,
                dir,
                batch: 0,
                input: None,
            }
        }
        Kind::Restore => {
            let dir = w.path(&format!("restored-{round}"));
            Planned {
                args: strings(&["restore", w.export.0.to_str().expect("utf-8")]),
                watch: Some(dir.join(".entries.jsonl.tmp")),
                dir,
                batch: w.export.1 .0,
                input: None,
            }
        }
        Kind::Evidence => {
            w.next_file += 1;
            let size = w.rng.range(1 << 20, 2 << 20) as usize;
            let mut bytes = Vec::with_capacity(size + 8);
            while bytes.len() < size {
                bytes.extend_from_slice(&w.rng.next().to_le_bytes());
            }
            bytes.truncate(size);
            let file = w.path(&format!("minutes-{}.pdf", w.next_file));
            std::fs::write(&file, bytes).expect("write the evidence file");
            let review = *w.rng.pick(&REVIEWS);
            let mut args = strings(&[
                "evidence",
                "add",
                "1.1",
                file.to_str().expect("utf-8"),
                "--review",
                review,
            ]);
            args.extend(strings(&by));
            let dir = w.evidence.dir.clone();
            Planned {
                args,
                watch: Some(dir.join("append.journal")),
                dir,
                batch: 1,
                input: Some(file),
            }
        }
    }
}

/// Full command line: the planned arguments and `--ledger DIR`.
fn full_args(p: &Planned) -> Vec<String> {
    let mut args = p.args.clone();
    args.extend(strings(&["--ledger", p.dir.to_str().expect("utf-8")]));
    args
}

/// Reads the log: every line must be whole JSON; returns seq -> hash.
fn read_log(dir: &Path, context: &str) -> HashMap<u64, String> {
    let bytes = std::fs::read(dir.join("entries.jsonl"))
        .unwrap_or_else(|e| panic!("{context}: read entries.jsonl: {e}"));
    assert!(
        bytes.ends_with(b"\n"),
        "{context}: entries.jsonl does not end with a whole line"
    );
    let mut found = HashMap::new();
    for (i, line) in util::split_lines(&bytes).iter().enumerate() {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap_or_else(|e| {
            panic!(
                "{context}: line {} of entries.jsonl is not JSON ({e}): {:?}",
                i + 1,
                String::from_utf8_lossy(line)
            )
        });
        let seq = v["seq"].as_u64().expect("an entry has a seq");
        let hash = v["hash"].as_str().expect("an entry has a hash").to_string();
        assert_eq!(
            seq,
            i as u64 + 1,
            "{context}: line {} holds entry {seq}",
            i + 1
        );
        found.insert(seq, hash);
    }
    found
}

/// Every acknowledged head of `t` is in its log with the same hash.
fn check_all_acks(t: &Tracked, context: &str) {
    let found = read_log(&t.dir, context);
    for (seq, hash) in &t.acks {
        assert_eq!(
            found.get(seq),
            Some(hash),
            "{context}: acknowledged entry {seq} is missing or changed"
        );
    }
}

/// Names the parts in which two plans differ, showing where (cut short).
fn plan_diff(a: &Plan, b: &Plan) -> String {
    fn part(out: &mut Vec<String>, name: &str, x: &dyn std::fmt::Debug, y: &dyn std::fmt::Debug) {
        let (x, y) = (format!("{x:?}"), format!("{y:?}"));
        if x == y {
            return;
        }
        // Show both from a little before the first difference.
        let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
        let from = x[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
        let cut = |s: &str| s[from..].chars().take(400).collect::<String>();
        out.push(format!(
            "{name} differs from byte {at} of {}: ...{} vs ...{}",
            x.len(),
            cut(&x),
            cut(&y)
        ));
    }
    let mut out = Vec::new();
    part(&mut out, "title", &a.title, &b.title);
    part(&mut out, "origin", &a.origin, &b.origin);
    part(&mut out, "scale", &a.scale, &b.scale);
    part(&mut out, "areas", &a.areas, &b.areas);
    part(&mut out, "action count", &a.actions.len(), &b.actions.len());
    for (x, y) in a.actions.iter().zip(&b.actions) {
        part(&mut out, &format!("action {}", x.fields.id), x, y);
    }
    part(&mut out, "reviews", &a.reviews, &b.reviews);
    part(&mut out, "imports", &a.imports, &b.imports);
    part(&mut out, "evidence", &a.evidence, &b.evidence);
    part(&mut out, "keys", &a.keys, &b.keys);
    part(&mut out, "head", &a.head, &b.head);
    part(
        &mut out,
        "last_recorded_at",
        &a.last_recorded_at,
        &b.last_recorded_at,
    );
    out.join("\n  ")
}

/// The plan as readers see it (snapshots and the log) and as the writer's state database
/// holds it must both equal the plan folded from the log alone.
fn check_plans(dir: &Path, context: &str) {
    let folded = fold(
        &JsonlFile::open(&dir.join("entries.jsonl")).expect("open the log as an export"),
        None,
    )
    .expect("fold the log");
    let mut reader = DirReader::open(dir).unwrap_or_else(|e| panic!("{context}: open: {e}"));
    let warnings = reader.take_warnings();
    let (read, _) = reader.load_plan(None).expect("load the plan");
    assert!(
        read == folded,
        "{context}: the plan read through snapshots (warnings {warnings:?}) differs from the \
         plan folded from the log; snapshot vs log:\n  {}",
        plan_diff(&read, &folded)
    );
    let mut ledger = DirLedger::open(dir, &mut || {})
        .unwrap_or_else(|e| panic!("{context}: open for writing: {e}"));
    assert_eq!(ledger.damage(), None, "{context}: damaged");
    let _ = ledger.take_warnings();
    let state = ledger.plan().expect("the state database's plan");
    // `plan` rebuilds a state that does not read back: that must not have been needed.
    let healed = ledger.take_warnings();
    assert!(
        healed.is_empty(),
        "{context}: the writer's plan state did not read back: {healed:?}"
    );
    assert!(
        state == folded,
        "{context}: the writer's plan state differs from the plan folded from the log; \
         state vs log:\n  {}",
        plan_diff(&state, &folded)
    );
}

/// `verify --expect` the tracked head (and exit 0), then `head`: returns the head.
fn verify_and_head(w: &mut World, dir: &Path, expect: Option<&Head>, context: &str) -> Head {
    let mut args = vec!["verify"];
    let arg;
    if let Some(h) = expect {
        arg = expect_arg(h);
        args.extend(["--expect", &arg]);
    }
    let v = plain(w.cwd(), dir, &args);
    assert_eq!(v.code, 0, "{context}: verify fails after the kill: {v:#?}");
    if w.stats.note_warnings(&v.stderr) {
        w.stats.rounds_with_repair += 1;
    }
    if let Some(n) = v
        .stdout
        .split(" stray")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse::<u32>().ok())
    {
        w.stats.evidence_strays = w.stats.evidence_strays.max(n);
    }
    let h = plain(w.cwd(), dir, &["head"]);
    assert_eq!(h.code, 0, "{context}: head fails after the kill: {h:#?}");
    parse_head(&h.stdout).unwrap_or_else(|| panic!("{context}: head printed {h:#?}"))
}

fn one_round(w: &mut World, round: u32) {
    let kind = Kind::draw_from(&mut w.rng, &w.allowed);
    let planned = plan_round(w, kind, round);
    let _input = RemoveOnDrop(planned.input.clone());
    let args = full_args(&planned);
    let kill = w
        .timing
        .entry(kind)
        .or_default()
        .kill_at(&mut w.rng, planned.watch.as_deref());
    let context = format!(
        "round {round} ({}, kill {kill:?}; replay with {SEED_ENV}={})",
        kind.name(),
        w.seed
    );
    let before = match kind {
        Kind::Evidence => Some(w.evidence.head.clone()),
        k if k.creates() => None,
        _ => Some(w.main.head.clone()),
    };
    let run = run_and_kill(w.cwd(), &args, kill, planned.watch.as_deref());
    w.timing.entry(kind).or_default().learn(&run);
    assert!(
        !run.stderr.contains("panicked"),
        "{context}: the binary panicked: {}",
        run.stderr
    );
    if !run.killed {
        assert!(
            run.status.success(),
            "{context}: it ended by itself with {}: stdout {:?}, stderr {}",
            run.status,
            run.stdout,
            run.stderr
        );
    }
    assert!(run.acks.len() <= 1, "{context}: several heads acknowledged");
    let ack = run.acks.first().cloned();
    let journal = std::fs::metadata(planned.dir.join("append.journal")).map_or(0, |m| m.len());
    {
        let s = w.stats.kinds.entry(kind).or_default();
        s.rounds += 1;
        if run.killed {
            s.killed += 1;
        } else {
            s.finished += 1;
        }
        if ack.is_some() {
            s.acks += 1;
        }
        if run.killed && journal > 0 {
            s.mid_append += 1;
        }
    }

    if kind.creates() {
        check_creation(w, kind, &planned, &args, ack, run.killed, &context);
        return;
    }
    let before = before.expect("an existing ledger");
    let expect = ack.clone().unwrap_or_else(|| before.clone());
    let head = verify_and_head(w, &planned.dir, Some(&expect), &context);
    if let Some(ack) = &ack {
        assert_eq!(
            &head, ack,
            "{context}: the head is not the acknowledged entry"
        );
    } else if head != before {
        assert_eq!(
            head.0,
            before.0 + planned.batch,
            "{context}: the head moved from {} to {}, not by the whole batch of {}",
            before.0,
            head.0,
            planned.batch
        );
        w.stats.kinds.entry(kind).or_default().durable_unacked += 1;
    }
    let tracked = if kind == Kind::Evidence {
        &mut w.evidence
    } else {
        &mut w.main
    };
    if let Some(ack) = ack {
        tracked.acks.push(ack);
    }
    let moved = tracked.head != head;
    tracked.head = head;
    // The plans are checked whenever the kill may have caught derived data mid-update, and
    // every fifth round anyway.
    if moved || journal > 0 || kind == Kind::Reindex || round.is_multiple_of(5) {
        check_plans(&planned.dir, &context);
    }
}

/// After a killed `import` or `restore` into a new directory.
fn check_creation(
    w: &mut World,
    kind: Kind,
    planned: &Planned,
    args: &[String],
    ack: Option<Head>,
    killed: bool,
    context: &str,
) {
    let dir = &planned.dir;
    let has_log = dir.join("entries.jsonl").exists();
    if has_log {
        w.stats.kinds.entry(kind).or_default().complete += 1;
        let head = verify_and_head(w, dir, ack.as_ref(), context);
        if let Some(ack) = &ack {
            assert_eq!(
                &head, ack,
                "{context}: the head is not the acknowledged entry"
            );
        }
        assert_eq!(
            head.0, planned.batch,
            "{context}: a created ledger must hold its whole first batch"
        );
        if kind == Kind::Restore {
            assert_eq!(head, w.export.1, "{context}: restored a different ledger");
        }
        read_log(dir, context);
        check_plans(dir, context);
    } else {
        assert!(
            ack.is_none(),
            "{context}: acknowledged, but there is no log"
        );
        assert!(killed, "{context}: ended without a ledger");
        w.stats.kinds.entry(kind).or_default().no_ledger += 1;
        if dir.exists() {
            for e in std::fs::read_dir(dir).expect("read the directory") {
                let name = e.expect("a directory entry").file_name();
                let name = name.to_string_lossy();
                assert!(
                    name == "LOCK" || name == ".entries.jsonl.tmp" || name == ".creating",
                    "{context}: the killed creation left {name:?} but no entries.jsonl"
                );
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let again = util::run_in(w.cwd(), &args);
        assert_eq!(
            again.code, 0,
            "{context}: running it again fails: {again:#?}"
        );
        let ack = again
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("head "))
            .find_map(parse_head)
            .unwrap_or_else(|| panic!("{context}: the rerun acknowledged nothing: {again:#?}"));
        let head = verify_and_head(w, dir, Some(&ack), context);
        assert_eq!(
            head, ack,
            "{context}: the head is not the acknowledged entry"
        );
        assert_eq!(head.0, planned.batch, "{context}: wrong number of entries");
    }
    std::fs::remove_dir_all(dir).expect("remove the created ledger");
}

/// Replaces a tracked ledger that grew too big with a new one, after a last full check.
fn rotate(w: &mut World, evidence: bool) {
    let (t, name, actions) = if evidence {
        (&w.evidence, "evidence", 1)
    } else {
        (&w.main, "main", MAIN_ACTIONS)
    };
    check_all_acks(t, &format!("before replacing the {name} ledger"));
    let old = t.dir.clone();
    let generation = t.generation + 1;
    let mut fresh = w.new_ledger(&format!("{name}-{generation}"), actions);
    fresh.generation = generation;
    std::fs::remove_dir_all(&old).expect("remove the old ledger");
    if evidence {
        w.evidence = fresh;
    } else {
        w.main = fresh;
        w.refresh_export();
    }
    w.stats.rotations += 1;
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

#[test]
fn killed_commands_leave_a_ledger_the_next_command_can_use() {
    let started = Instant::now();
    let seed = seed_from_env_or_time();
    let rounds = rounds_from_env();
    println!("crash test seed {seed} (replay with {SEED_ENV}={seed}), {rounds} rounds");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let mut rng = Rng::new(seed);
    let placeholder = Tracked {
        dir: PathBuf::new(),
        acks: Vec::new(),
        head: (0, String::new()),
        generation: 0,
    };
    let mut w = World {
        tmp,
        rng: Rng::new(rng.next()),
        seed,
        main: placeholder,
        evidence: Tracked {
            dir: PathBuf::new(),
            acks: Vec::new(),
            head: (0, String::new()),
            generation: 0,
        },
        export: (PathBuf::new(), (0, String::new())),
        timing: HashMap::new(),
        stats: Stats::default(),
        next_area: 2,
        next_file: 0,
        allowed: std::env::var(KINDS_ENV)
            .unwrap_or_default()
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
    };
    w.main = w.new_ledger("main-0", MAIN_ACTIONS);
    w.evidence = w.new_ledger("evidence-0", 1);
    w.refresh_export();

    // One run of each kind to the end first: it must work, and it times the kinds.
    for kind in KINDS {
        let planned = plan_round(&mut w, kind, 100_000 + kind as u32);
        let _input = RemoveOnDrop(planned.input.clone());
        let run = run_and_kill(
            w.cwd(),
            &full_args(&planned),
            KillAt::After(Duration::from_secs(60)),
            None,
        );
        assert!(
            run.status.success() && !run.killed,
            "{}: a plain run fails: {} {:?}",
            kind.name(),
            run.stderr,
            run.stdout
        );
        w.timing.entry(kind).or_default().learn(&run);
        let context = format!("plain run of {}", kind.name());
        match kind {
            k if k.creates() => std::fs::remove_dir_all(&planned.dir).expect("remove it"),
            Kind::Evidence => {
                let head = verify_and_head(&mut w, &planned.dir, run.acks.first(), &context);
                w.evidence.acks.extend(run.acks);
                w.evidence.head = head;
            }
            _ => {
                let expect = run.acks.first().unwrap_or(&w.main.head).clone();
                let head = verify_and_head(&mut w, &planned.dir, Some(&expect), &context);
                w.main.acks.extend(run.acks);
                w.main.head = head;
            }
        }
    }
    let calibrated: Vec<String> = KINDS
        .iter()
        .map(|k| {
            let t = &w.timing[k];
            format!("{} {:.0} ms", k.name(), t.duration.unwrap_or_default())
        })
        .collect();
    println!("plain runs: {}", calibrated.join(", "));
    w.stats.rotations = 0;

    for round in 0..rounds {
        one_round(&mut w, round);
        if round % FULL_CHECK_EVERY == FULL_CHECK_EVERY - 1 {
            check_all_acks(&w.main, &format!("round {round}, main ledger"));
            check_all_acks(&w.evidence, &format!("round {round}, evidence ledger"));
            w.stats.full_checks += 1;
        }
        if round % PLAIN_APPEND_EVERY == PLAIN_APPEND_EVERY - 1 {
            // A write run to the end works after whatever the kills left.
            let run = plain(
                w.cwd(),
                &w.main.dir.clone(),
                &[
                    "status",
                    "1.1",
                    "Completed",
                    "--review",
                    "RAG May 20",
                    "--by",
                    ACTOR,
                ],
            );
            assert_eq!(run.code, 0, "round {round}: a plain append fails: {run:#?}");
            let ack = run
                .stdout
                .lines()
                .filter_map(|l| l.strip_prefix("head "))
                .find_map(parse_head)
                .expect("an acknowledgement");
            assert_eq!(ack.0, w.main.head.0 + 1, "round {round}: the plain append");
            w.main.acks.push(ack.clone());
            w.main.head = ack;
            w.stats.plain_appends += 1;
        }
        if round % EXPORT_EVERY == EXPORT_EVERY - 1 {
            w.refresh_export();
        }
        if w.main.head.0 > MAIN_MAX_ENTRIES {
            rotate(&mut w, false);
        }
        if folder_bytes(&w.evidence.dir.join("evidence")) > EVIDENCE_MAX_BYTES {
            rotate(&mut w, true);
        }
    }
    check_all_acks(&w.main, "at the end, main ledger");
    check_all_acks(&w.evidence, "at the end, evidence ledger");

    println!(
        "{rounds} rounds in {:.1} s (seed {seed}):",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  {:<22} {:>6} {:>6} {:>8} {:>5} {:>15} {:>10} {:>9} {:>8}",
        "command",
        "rounds",
        "killed",
        "finished",
        "acks",
        "durable-unacked",
        "mid-append",
        "no-ledger",
        "complete"
    );
    let (mut kills, mut mid) = (0, 0);
    for (kind, s) in &w.stats.kinds {
        kills += s.killed;
        mid += s.mid_append;
        println!(
            "  {:<22} {:>6} {:>6} {:>8} {:>5} {:>15} {:>10} {:>9} {:>8}",
            kind.name(),
            s.rounds,
            s.killed,
            s.finished,
            s.acks,
            s.durable_unacked,
            s.mid_append,
            s.no_ledger,
            s.complete
        );
    }
    println!(
        "  {kills} kills, {mid} inside an append (journal non-empty); {} checks after a kill printed a repair warning: {:?}",
        w.stats.rounds_with_repair, w.stats.repairs
    );
    println!(
        "  {} full checks of every acknowledged entry, {} plain appends, {} ledgers replaced, at most {} evidence strays",
        w.stats.full_checks, w.stats.plain_appends, w.stats.rotations, w.stats.evidence_strays
    );
    assert!(
        kills > 0,
        "nothing was ever killed: the test tested nothing"
    );
}

/// A restore of an `export --with-evidence` folder killed after its log is in place but
/// before its evidence is copied leaves a ledger that fails `verify` (the evidence is
/// missing), and `restore` refuses to run again because the directory holds a ledger.
#[test]
fn killed_restore_of_an_evidence_bundle_leaves_nothing_or_a_ledger_that_verifies() {
    let seed = seed_from_env_or_time();
    println!("seed {seed} (replay with {SEED_ENV}={seed})");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let cwd = tmp.path();
    let mut rng = Rng::new(seed);
    let (table, _) = gen_table(&mut rng, 1, 1, &[0]);
    std::fs::write(cwd.join("plan.txt"), table).expect("write the table");
    let source = cwd.join("source");
    plain(cwd, &source, &["import", "plan.txt", "--by", ACTOR]).ok();
    for i in 0..2 {
        let bytes: Vec<u8> = (0..(1u64 << 20) / 8)
            .flat_map(|_| rng.next().to_le_bytes())
            .collect();
        let name = format!("minutes-{i}.pdf");
        std::fs::write(cwd.join(&name), bytes).expect("write evidence");
        plain(
            cwd,
            &source,
            &["evidence", "add", "1.1", &name, "--by", ACTOR],
        )
        .ok();
    }
    plain(cwd, &source, &["export", "--with-evidence", "bundle"]).ok();
    for round in 0..20 {
        let dir = cwd.join(format!("restored-{round}"));
        let args = strings(&[
            "restore",
            "bundle",
            "--ledger",
            dir.to_str().expect("utf-8"),
        ]);
        // Kill within 3 ms of the restored log appearing: while the evidence is copied.
        let kill = KillAt::Seen(rng.millis(0.0, 3.0));
        let run = run_and_kill(cwd, &args, kill, Some(&dir.join("entries.jsonl")));
        let context = format!("round {round} ({kill:?}, replay with {SEED_ENV}={seed})");
        if dir.join("entries.jsonl").exists() {
            let v = plain(cwd, &dir, &["verify"]);
            if v.code != 0 {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let again = util::run_in(cwd, &args);
                panic!(
                    "{context}: killed: {}; the restored ledger does not verify: {}; restoring again: exit {} {}",
                    run.killed,
                    v.stdout.lines().last().unwrap_or_default(),
                    again.code,
                    again.stderr.trim()
                );
            }
        } else {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            util::run_in(cwd, &args).ok();
            plain(cwd, &dir, &["verify"]).ok();
        }
    }
}

/// Evidence adds killed while their derived data is written, hundreds of times on one
/// ledger: the writer's plan state must stay in step with the log. When the state database
/// stored an update as three sled batches (ids, actions, then the mark), sled could persist
/// the actions without the mark; the next open folded the entry again onto actions that
/// already held it, listing the evidence twice on its action (statuses are overwritten in
/// place, so they never showed it). This found it within 10 to 70 rounds; fixed in 83464ea.
/// The main test covers the same kills, fewer of them.
#[test]
#[ignore = "slow (about 3 minutes in a debug build): a deep run of one kind of kill; run with --ignored"]
fn killed_evidence_adds_keep_the_writer_state_in_step_with_the_log() {
    let seed = seed_from_env_or_time();
    let rounds = std::env::var(ROUNDS_ENV)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(400u32);
    println!("seed {seed} (replay with {SEED_ENV}={seed}), up to {rounds} rounds");
    let tmp = tempfile::tempdir().expect("a temp dir");
    let cwd = tmp.path();
    let mut rng = Rng::new(seed);
    let (table, _) = gen_table(&mut rng, 1, 1, &[0, 1, 2]);
    std::fs::write(cwd.join("plan.txt"), table).expect("write the table");
    let dir = cwd.join("ledger");
    plain(cwd, &dir, &["import", "plan.txt", "--by", ACTOR]).ok();
    let mut timing = Timing::default();
    let mut killed = 0;
    for round in 0..rounds {
        let bytes: Vec<u8> = (0..2048).flat_map(|_| rng.next().to_le_bytes()).collect();
        let file = cwd.join(format!("e{round}.txt"));
        std::fs::write(&file, bytes).expect("write evidence");
        let mut args = strings(&["evidence", "add", "1.1", file.to_str().expect("utf-8")]);
        args.extend(strings(&[
            "--by",
            ACTOR,
            "--ledger",
            dir.to_str().expect("utf-8"),
        ]));
        let kill = match rng.range(0, 3) {
            0 => KillAt::After(rng.millis(0.0, timing.duration.unwrap_or(200.0) * 1.1)),
            _ => KillAt::Cleared(rng.millis(0.0, 8.0)),
        };
        let journal = dir.join("append.journal");
        let run = run_and_kill(cwd, &args, kill, Some(&journal));
        timing.learn(&run);
        killed += u32::from(run.killed);
        let context = format!("round {round} ({kill:?}, replay with {SEED_ENV}={seed})");
        plain(cwd, &dir, &["verify"]).ok();
        check_plans(&dir, &context);
        let _ = std::fs::remove_file(&file);
    }
    println!("{rounds} rounds, {killed} killed: the state kept in step");
}
