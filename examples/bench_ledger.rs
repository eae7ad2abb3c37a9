//! Benchmark: durable batched appends, fast and strict verification and replay of the
//! resulting `entries.jsonl`, and plain SHA-256 over the same bytes, all in one run so the
//! ratios between them hold on a noisy machine.
//!
//! ```text
//! cargo run --release --example bench_ledger -- [--entries N] [--batch B] [--runs R]
//! ```
//!
//! Every step is timed `--runs` times, the steps taking turns (run 1 of each, then run 2 of
//! each, ...), and the table shows medians. Appends go to a fresh ledger each run through
//! [`DirLedger::append`], so every batch is journaled and fsynced; the ledger of the last
//! append run is the one the read-side steps measure. Read-side steps run on a file that
//! is in the page cache (it was just written), so they measure CPU, not the disk.
//!
//! Each step gets wall time and on-CPU time (this thread's, from
//! `/proc/thread-self/schedstat`; a child's, for `sha256sum` and `openssl`), rates per entry
//! and ratios to SHA-256 over each line of the same file, and peak RSS (`VmHWM`, reset
//! before each step through `/proc/self/clear_refs`, so the step's own growth shows).
//! For a large file: `--entries 1000000 --append-runs 1 --keep-log F`, then
//! `--log F` to measure the read side alone in a fresh process.
//!
//! Results are recorded in BENCHMARKS.md.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use readiness_ledger::clock::SystemClock;
use readiness_ledger::event::{
    ActionAdded, AreaAdded, Event, PlanCreated, ReviewScheduled, StatusRecorded,
};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::lines::LineReader;
use readiness_ledger::store::{DirLedger, JsonlFile};
use readiness_ledger::verify::{replay, verify, VerifyOptions};
use sha2::{Digest, Sha256};

/// The verification rate the ledger promises on one core.
const TARGET_VERIFY_PER_SEC: f64 = 1_000_000.0;

#[derive(Parser, Debug)]
#[command(about = "Benchmark appends, verification and replay of a readiness ledger")]
struct Args {
    /// status_recorded entries to append (after a small plan: areas, actions, reviews).
    #[arg(long, default_value_t = 100_000)]
    entries: u64,
    /// Entries per append call (each call is one journaled, fsynced batch).
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Times each step is measured; the table shows the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Fresh ledgers to time appends on (default: --runs). Use 1 for very large --entries.
    #[arg(long)]
    append_runs: Option<usize>,
    /// Where to make the temporary ledgers (default: the system temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Skip the strict verification step (slow on large files).
    #[arg(long)]

    /// Measure only the read side, on this existing entries file (e.g. one kept with
    /// --keep-log from a large run), instead of appending.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Copy the appended entries file here before the read side, for a later --log.
    #[arg(long, value_name = "FILE")]
    keep_log: Option<PathBuf>,
}

const ACTOR: &str = "plan.officer@york.example";
const AREAS: usize = 8;
const ACTIONS_PER_AREA: usize = 5;
const REVIEW_MONTHS: [(&str, &str); 12] = [
    ("January", "01"),
    ("February", "02"),
    ("March", "03"),
    ("April", "04"),
    ("May", "05"),
    ("June", "06"),
    ("July", "07"),
    ("August", "08"),
    ("September", "09"),
    ("October", "10"),
    ("November", "11"),
    ("December", "12"),
];
/// Note lengths are drawn uniformly from `NOTE_MIN..=NOTE_MAX` characters (then cut back
/// to a word boundary); about one status in ten has no note.
const NOTE_MIN: usize = 20;
const NOTE_MAX: usize = 150;
const NOTE_WORDS: &[&str] = &[
    "audit",
    "evidence",
    "panel",
    "reviewed",
    "the",
    "case",
    "files",
    "and",
    "found",
    "that",
    "supervision",
    "records",
    "are",
    "now",
    "completed",
    "within",
    "timescales",
    "in",
    "most",
    "teams;",
    "further",
    "work",
    "is",
    "needed",
    "on",
    "transition",
    "plans",
    "for",
    "young",
    "people",
    "with",
    "SEND,",
    "agreed",
    "at",
    "the",
    "partnership",
    "board",
    "(minutes",
    "item",
    "4.2).",
    "Lead",
    "officer",
    "to",
    "report",
    "back",
    "next",
    "quarter.",
];

/// A small deterministic generator, so every run writes the same events.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn review_label(i: usize) -> String {
    format!("RAG {} 21", REVIEW_MONTHS[i].0)
}

fn action_id(i: usize) -> String {
    format!("{}.{}", i / ACTIONS_PER_AREA + 1, i % ACTIONS_PER_AREA + 1)
}

/// The plan the status entries refer to: one batch, not timed.
fn plan_events() -> Vec<Event> {
    let mut events = vec![Event::PlanCreated(PlanCreated {
        title: "Written Statement of Action: SEND local area inspection".into(),
        origin: "bench.example".into(),
        scale: StatusScale::york(),
    })];
    for a in 0..AREAS {
        events.push(Event::AreaAdded(AreaAdded {
            id: (a + 1).to_string(),
            title: format!("Area for improvement {}", a + 1),
            finding: Some(
                "Leaders do not have an accurate view of the local area's effectiveness".into(),
            ),
        }));
    }
    for i in 0..AREAS * ACTIONS_PER_AREA {
        events.push(Event::ActionAdded(ActionAdded {
            id: action_id(i),
            area: (i / ACTIONS_PER_AREA + 1).to_string(),
            action: format!("Action {} of the written statement", action_id(i)),
            outcome: Some("Families report that plans meet their children's needs".into()),
            lead: Some("Head of SEND".into()),
            ..ActionAdded::default()
        }));
    }
    for (i, (_, month)) in REVIEW_MONTHS.iter().enumerate() {
        events.push(Event::ReviewScheduled(ReviewScheduled {
            label: review_label(i),
            date: format!("2021-{month}-15"),
        }));
    }
    events
}

fn note(rng: &mut Lcg) -> Option<String> {
    if rng.below(10) == 0 {
        return None;
    }
    let want = NOTE_MIN + rng.below(NOTE_MAX - NOTE_MIN + 1);
    let mut s = String::with_capacity(want + 16);
    let mut w = rng.below(NOTE_WORDS.len());
    while s.len() < want {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(NOTE_WORDS[w % NOTE_WORDS.len()]);
        w += 1 + rng.below(3);
    }
    Some(s)
}

/// The `n`th status entry, from a fixed mix of actions, reviews, statuses and notes.
fn status_event(n: u64, rng: &mut Lcg, statuses: &[&str]) -> Event {
    let actions = AREAS * ACTIONS_PER_AREA;
    let n = n as usize;
    Event::StatusRecorded(StatusRecorded {
        action: action_id(n % actions),
        review: review_label((n / actions) % REVIEW_MONTHS.len()),
        status: statuses[rng.below(statuses.len())].to_string(),
        note: note(rng),
    })
}

/// Wall-clock and on-CPU seconds of one timed piece of work.
#[derive(Debug, Clone, Copy, Default)]
struct Timing {
    wall: f64,
    /// Time this thread (or, for an external program, the child) spent running on a CPU:
    /// unlike `wall`, it leaves out time spent waiting for a CPU other processes held.
    cpu: f64,
}

impl std::ops::AddAssign for Timing {
    fn add_assign(&mut self, other: Timing) {
        self.wall += other.wall;
        self.cpu += other.cpu;
    }
}

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`, first field).
///
/// The kernel brings that figure up to date only at scheduling events, so yield first:
/// otherwise it can lag by a scheduler tick (4 ms at 250 Hz).
fn thread_cpu_ns() -> Option<u64> {
    std::thread::yield_now();
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// User + system CPU seconds of waited-for children (`/proc/self/stat` fields 16 and 17,
/// in clock ticks of 1/100 s on Linux).
fn children_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &s[s.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Field 3 of the file is fields[0] here, so field N is fields[N - 3].
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) as f64 / 100.0)
}

fn timed(f: impl FnOnce()) -> Timing {
    let cpu0 = thread_cpu_ns().unwrap_or(0);
    let start = Instant::now();
    f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_ns().unwrap_or(0).saturating_sub(cpu0) as f64 / 1e9;
    Timing { wall, cpu }
}

/// Runs an external hasher on the whole file; the time includes starting the process.
fn external(program: &'static str, args: &'static [&'static str], path: &Path) -> Timing {
    let cpu0 = children_cpu_secs().unwrap_or(0.0);
    let start = Instant::now();
    let out = Command::new(program)
        .args(args)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    let wall = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{program} failed: {out:?}");
    std::hint::black_box(out.stdout);
    let cpu = children_cpu_secs().unwrap_or(0.0) - cpu0;
    Timing { wall, cpu }
}

/// Time spent in `DirLedger::append` for one fresh ledger, and the latency of each batch.
struct AppendRun {
    total: Timing,
    batch_ms: Vec<f64>,
}

fn append_run(dir: &Path, args: &Args) -> AppendRun {
    let scale = StatusScale::york();
    let statuses = scale.names();
    let clock = SystemClock;
    let mut ledger = DirLedger::create_empty(dir).expect("create ledger");
    ledger
        .append(ACTOR, &clock, plan_events())
        .expect("append plan");
    let mut rng = Lcg(0x5eed);
    let mut batch_ms = Vec::new();
    let mut total = Timing::default();
    let mut n = 0;
    while n < args.entries {
        let len = (args.entries - n).min(args.batch as u64);
        let events: Vec<Event> = (n..n + len)
            .map(|i| status_event(i, &mut rng, &statuses))
            .collect();
        let mut appended = None;
        let t = timed(|| appended = Some(ledger.append(ACTOR, &clock, events)));
        let appended = appended.expect("ran").expect("append batch");
        assert!(appended.warnings.is_empty(), "{:?}", appended.warnings);
        total += t;
        batch_ms.push(t.wall * 1e3);
        n += len;
    }
    drop(ledger);
    AppendRun { total, batch_ms }
}

/// A `/proc/self/status` figure in KiB.
fn proc_status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident set size of this process so far (or since the last reset), in KiB.
fn peak_rss_kib() -> u64 {
    proc_status_kib("VmHWM:").unwrap_or(0)
}

/// Current resident set size, in KiB.
fn rss_kib() -> u64 {
    proc_status_kib("VmRSS:").unwrap_or(0)
}

/// Resets `VmHWM` to the current RSS (Linux `clear_refs` value 5), so a step's own peak can
/// be read after it. Returns false where the kernel does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A measured step and its timings, one per run.
struct Step {
    name: String,
    /// Entries the step handles per run (its rates are per entry).
    entries: u64,
    /// Bytes the step handles per run (for MB/s).
    bytes: u64,
    runs: Vec<Timing>,
    /// Peak RSS during each run.
    peak_kib: Vec<u64>,
    /// Peak RSS during each run less RSS at its start: what the step itself needed.
    own_kib: Vec<u64>,
}

impl Step {
    fn new(name: impl Into<String>, entries: u64, bytes: u64) -> Step {
        Step {
            name: name.into(),
            entries,
            bytes,
            runs: Vec::new(),
            peak_kib: Vec::new(),
            own_kib: Vec::new(),
        }
    }

    fn wall(&self) -> f64 {
        median(self.runs.iter().map(|t| t.wall).collect())
    }

    fn cpu(&self) -> f64 {
        median(self.runs.iter().map(|t| t.cpu).collect())
    }

    fn rate(&self) -> f64 {
        self.entries as f64 / self.wall()
    }

    fn cpu_rate(&self) -> f64 {
        self.entries as f64 / self.cpu()
    }
}

/// A read-side step: runs once over the file and returns the time to count (setup such as
/// loading the file into memory is left out by the step itself).
type ReadStep = Box<dyn Fn(&Path) -> Timing>;

fn read_all(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .expect("read entries.jsonl");
    bytes
}

fn count_lines(path: &Path) -> u64 {
    let mut n = 0u64;
    let mut reader = LineReader::open(path, 0, 1).expect("open log");
    while reader.next_line().expect("read log").is_some() {
        n += 1;
    }
    n
}

fn read_steps(lines: u64) -> Vec<(&'static str, ReadStep)> {
    let mut steps: Vec<(&'static str, ReadStep)> = vec![(
        "verify (every check: canonical scan, chain, schema, rules)",
        Box::new(move |p: &Path| {
            let source = JsonlFile::open(p).expect("open export");
            let mut report = None;
            let t = timed(|| report = Some(verify(&source, VerifyOptions::default())));
            let report = report.expect("ran").expect("verify");
            assert!(report.ok() && report.entries == lines, "{report:?}");
            t
        }),
    )];
    steps.push((
        "replay (decode + fold)",
        Box::new(move |p: &Path| {
            let source = JsonlFile::open(p).expect("open export");
            let mut plan = None;
            let t = timed(|| plan = Some(replay(&source)));
            assert_eq!(plan.expect("ran").expect("replay").len(), lines);
            t
        }),
    ));
    steps.push((
        "LineReader + SHA-256 per line",
        Box::new(move |p: &Path| {
            let mut acc = 0u8;
            let mut n = 0u64;
            let t = timed(|| {
                let mut reader = LineReader::open(p, 0, 1).expect("open");
                while let Some(line) = reader.next_line().expect("read") {
                    acc ^= Sha256::digest(line.bytes)[0];
                    n += 1;
                }
            });
            assert_eq!(n, lines);
            std::hint::black_box(acc);
            t
        }),
    ));
    steps.push((
        "SHA-256 per line, in memory",
        Box::new(move |p: &Path| {
            // Lines are found before the clock starts: this is SHA-256 alone, one digest
            // per line over the same bytes the file holds.
            let bytes = read_all(p);
            let mut lines_found = Vec::with_capacity(lines as usize);
            let mut start = 0;
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'\n' {
                    lines_found.push(&bytes[start..i]);
                    start = i + 1;
                }
            }
            assert_eq!(lines_found.len() as u64, lines);
            let mut acc = 0u8;
            let t = timed(|| {
                for line in &lines_found {
                    acc ^= Sha256::digest(line)[0];
                }
            });
            std::hint::black_box(acc);
            t
        }),
    ));
    steps.push((
        "SHA-256 whole file, in memory",
        Box::new(|p: &Path| {
            let bytes = read_all(p);
            timed(|| {
                std::hint::black_box(Sha256::digest(&bytes));
            })
        }),
    ));
    steps.push((
        "sha256sum FILE (process)",
        Box::new(|p: &Path| external("sha256sum", &[], p)),
    ));
    steps.push((
        "openssl dgst -sha256 FILE (process)",
        Box::new(|p: &Path| external("openssl", &["dgst", "-sha256"], p)),
    ));
    steps
}

fn main() {
    let args = Args::parse();
    assert!(
        args.runs > 0 && args.batch > 0 && args.entries > 0,
        "--runs, --batch and --entries must be positive"
    );
    let append_runs = args.append_runs.unwrap_or(args.runs).max(1);
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::tempdir_in(&parent).expect("temporary directory");

    match &args.log {
        Some(log) => println!(
            "bench_ledger: read side only, on {}, {} run(s)",
            log.display(),
            args.runs
        ),
        None => println!(
            "bench_ledger: {} status entries in batches of {}, {} append run(s), {} read run(s)",
            args.entries, args.batch, append_runs, args.runs
        ),
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim);
    let sha_ni = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .is_some_and(|l| l.split_whitespace().any(|f| f == "sha_ni"));
    println!(
        "machine: {} CPU(s), {model}, sha_ni {}; ledgers under {}; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if sha_ni { "yes" } else { "no" },
        parent.display(),
        load_average()
    );

    // Appends: a fresh ledger per run; the last one stays for the read side.
    let mut append = Step::new(
        format!("append, batches of {} (fsync each)", args.batch),
        args.entries,
        0,
    );
    let mut batch_ms = Vec::new();
    let mut log = args.log.clone().unwrap_or_default();
    let append_runs = if args.log.is_some() { 0 } else { append_runs };
    for run in 0..append_runs {
        let dir = tmp.path().join(format!("ledger-{run}"));
        if run > 0 {
            let _ = std::fs::remove_dir_all(tmp.path().join(format!("ledger-{}", run - 1)));
        }
        reset_peak_rss();
        let before = rss_kib();
        let r = append_run(&dir, &args);
        let peak = peak_rss_kib();
        append.peak_kib.push(peak);
        append.own_kib.push(peak.saturating_sub(before));
        println!(
            "  append run {}: {:.3} s in append() ({:.3} s on CPU), {:.0} entries/s",
            run + 1,
            r.total.wall,
            r.total.cpu,
            args.entries as f64 / r.total.wall
        );
        append.runs.push(r.total);
        batch_ms.extend(r.batch_ms);
        log = dir.join("entries.jsonl");
    }

    if let Some(keep) = &args.keep_log {
        std::fs::copy(&log, keep).expect("copy the entries file to --keep-log");
    }
    let file_bytes = std::fs::metadata(&log).expect("log metadata").len();
    let lines = count_lines(&log);
    let avg_line = (file_bytes - lines) as f64 / lines as f64;
    append.bytes = (args.entries as f64 * (avg_line + 1.0)) as u64;
    println!(
        "file: {} lines, {:.1} MB, average entry {:.1} bytes (+1 newline)",
        lines,
        file_bytes as f64 / 1e6,
        avg_line
    );

    // Read side: the steps take turns, so a noisy moment hurts one run of each, not one step.
    let read = read_steps(lines);
    let mut steps: Vec<Step> = read
        .iter()
        .map(|(name, _)| Step::new(*name, lines, file_bytes))
        .collect();
    let per_step_rss = reset_peak_rss();
    println!(
        "RSS before the read side: {:.1} MiB (what the appends, if any, left: sled, allocator)",
        mib(rss_kib())
    );
    for _ in 0..args.runs {
        for ((_, run), step) in read.iter().zip(&mut steps) {
            reset_peak_rss();
            let before = rss_kib();
            let t = run(&log);
            let peak = peak_rss_kib();
            step.runs.push(t);
            step.peak_kib.push(peak);
            step.own_kib.push(peak.saturating_sub(before));
        }
    }

    let by_name = |name: &str| steps.iter().find(|s| s.name == name).expect("step");
    let sha_line = by_name("SHA-256 per line, in memory");
    let (sha_rate, sha_cpu_rate) = (sha_line.rate(), sha_line.cpu_rate());
    let verify_step = by_name("verify (fast: check_stored)");
    let (verify_rate, verify_cpu_rate) = (verify_step.rate(), verify_step.cpu_rate());

    println!();
    println!("Medians of {} run(s) (append: {append_runs}).", args.runs);
    println!();
    println!(
        "| step | wall s | entries/s | MB/s | ÷ SHA-256/line | CPU s | entries/CPU-s | ÷ SHA-256/line (CPU) | peak RSS MiB (own) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let appended = (!append.runs.is_empty()).then_some(&append);
    for step in appended.into_iter().chain(&steps) {
        let rss = if per_step_rss {
            format!(
                "{:.1} (+{:.1})",
                mib(step.peak_kib.iter().copied().max().unwrap_or(0)),
                mib(step.own_kib.iter().copied().max().unwrap_or(0))
            )
        } else {
            "n/a".into()
        };
        println!(
            "| {} | {:.4} | {:.0} | {:.0} | {:.3} | {:.4} | {:.0} | {:.3} | {} |",
            step.name,
            step.wall(),
            step.rate(),
            step.bytes as f64 / step.wall() / 1e6,
            step.rate() / sha_rate,
            step.cpu(),
            step.cpu_rate(),
            step.cpu_rate() / sha_cpu_rate,
            rss
        );
    }
    println!();
    if !batch_ms.is_empty() {
        println!(
            "append batch latency (ms, {} batches of {}): median {:.2}, max {:.2}",
            batch_ms.len(),
            args.batch,
            median(batch_ms.clone()),
            batch_ms.iter().copied().fold(0.0, f64::max)
        );
    }
    for step in appended.into_iter().chain(&steps) {
        let wall: Vec<f64> = step
            .runs
            .iter()
            .map(|t| (step.entries as f64 / t.wall).round())
            .collect();
        println!("entries/s of each run: {}: {wall:?}", step.name);
    }
    let met = |r: f64| {
        if r >= TARGET_VERIFY_PER_SEC {
            "met"
        } else {
            "MISSED"
        }
    };
    println!(
        "target: verify >= {TARGET_VERIFY_PER_SEC:.0} entries/s on one core: {} by wall time ({verify_rate:.0}), {} by CPU time ({verify_cpu_rate:.0})",
        met(verify_rate),
        met(verify_cpu_rate)
    );
    // With per-step resets, the process peak is the largest of the steps' peaks.
    let process_peak = appended
        .into_iter()
        .chain(&steps)
        .flat_map(|s| s.peak_kib.iter().copied())
        .chain([peak_rss_kib()])
        .max()
        .unwrap_or(0);
    println!(
        "peak RSS of the process (VmHWM): {:.1} MiB; load average now {}",
        mib(process_peak),
        load_average()
    );
}
