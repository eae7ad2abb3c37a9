//! Benchmark: the release binary as a user runs it, one fresh process per command, on ledger
//! directories built from synthetic Written Statement of Action tables.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_cli -- --sizes 100k --runs 5
//! ```
//!
//! `cargo run --example` builds this example and the library but not the `readiness` binary
//! (cargo builds binaries for integration tests and benches, not for examples), so run
//! `cargo build --release` first: the program stops with that advice when
//! `target/release/readiness` is missing. It looks in the target directory it was built into,
//! so `CARGO_TARGET_DIR` is honoured; `--bin PATH` measures another build.
//!
//! For each size it writes a table in the published WSoA format (a title, one area, a header
//! row with one `RAG <month> <yy>` column per review, then one row per action whose statuses
//! drift over the York scale with a seeded PRNG), then measures, each command a fresh process
//! run through `/usr/bin/time -f '%e %M'` (see [`STEPS`]):
//!
//! 1. `import TABLE` into a fresh directory (entries/s = lines of `entries.jsonl` / s);
//! 2. `verify`, and `openssl dgst -sha256` over the same `entries.jsonl`, and their ratio;
//! 3. `status 1.1 STATUS --review FIRST`: one fsynced append (the status alternates);
//! 4. `plan --as-of MIDDLE` and `matrix`, stdout to /dev/null;
//! 5. `plan --as-of MIDDLE --known-at TODAY`: a replay bounded by a date covering the import;
//! 6. `prove inclusion N` with N = half the entries;
//! 7. `export` once (timed, one run), then `restore` into a fresh directory each run;
//! 8. bytes of `entries.jsonl` against everything else in the ledger but `evidence/`.
//!
//! Wall time is taken with `Instant` around the whole spawn and wait (not the `sync` before
//! it), so it includes process start (the `true` row shows that floor); peak RSS is the
//! child's, `%M` of `/usr/bin/time`.
//! Every command runs `--runs` times, the steps taking turns (run 1 of every step, then run
//! 2, ...), and the table shows the medians of both. The first import makes the ledger the
//! other steps read (each status run adds one entry to it); later imports and every restore go
//! to fresh directories, deleted once measured. A failing command is reported in the table
//! (exit code and first line of stderr) and the run goes on. The targets are issue 9's for 1M
//! statuses, and smaller sizes are held to the same caps, but for `import`'s peak RSS: 100 MB
//! up to 100k statuses, 150 MB above. The output is Markdown, for BENCHMARKS.md.
//!
//! Options: `--sizes 100k,1m` (the default; 100k is 2,000 actions x 50 reviews, 1m is
//! 10,000 x 100, and `AxR` such as `400x50` makes a quick run), `--runs N` (default 5),
//! `--dir DIR` (a new directory is made in it; default the system temp directory), `--keep`
//! (keep that directory: tables, first ledgers, exports), `--bin PATH` and `--no-sync`.
//!
//! Before each measured command the program runs `sync`, untimed: the steps take turns, so
//! without it the `status` after a 1M `import` waits in its fsync for the disk to write back
//! the import's 400 MB (30-65 ms instead of 16-19 ms on this machine). `--no-sync` measures
//! that case.

#![forbid(unsafe_code)]

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::Parser;

/// The York scale, worst first.
const SCALE: [&str; 5] = [
    "Started but delayed",
    "Progressing but delayed",
    "Progressing and on track",
    "Completed",
    "Embedded",
];

/// A cap on wall time (seconds) and on peak RSS (MB, 10^6 bytes).
type Target = (Option<f64>, Option<f64>);

/// Issue 9's floor for `import`, in entries of the log written per second.
const IMPORT_RATE: f64 = 300_000.0;

/// Issue 9's cap on `import`'s peak RSS (MB): 100 for the 100k-status table, 150 for 1M.
fn import_rss_cap(statuses: usize) -> f64 {
    if statuses <= 100_000 {
        100.0
    } else {
        150.0
    }
}

/// The measured commands, in the order they take turns, and their targets. Words in capitals
/// are filled in by [`Bench::argv`]; the table shows each without `BIN` and `--ledger LEDGER`.
const STEPS: [(&str, Target); 10] = [
    ("true", (None, None)),
    ("BIN import TABLE --ledger IMPORTED", (None, None)),
    ("BIN verify --ledger LEDGER", (None, Some(50.0))),
    ("openssl dgst -sha256 LOG", (None, None)),
    (
        "BIN status 1.1 STATUS --review FIRST --ledger LEDGER",
        (Some(0.020), Some(30.0)),
    ),
    (
        "BIN plan --as-of MIDDLE --ledger LEDGER",
        (Some(0.020), None),
    ),
    ("BIN matrix --ledger LEDGER", (Some(0.050), None)),
    (
        "BIN plan --as-of MIDDLE --known-at TODAY --ledger LEDGER",
        (Some(0.300), None),
    ),
    (
        "BIN prove inclusion HALF --ledger LEDGER",
        (Some(0.020), None),
    ),
    (
        "BIN restore EXPORT --ledger RESTORED",
        (Some(10.0), Some(150.0)),
    ),
];
const IMPORT: usize = 1;
const VERIFY: usize = 2;
const OPENSSL: usize = 3;
const RESTORE: usize = 9;

#[derive(Parser, Debug)]
#[command(about = "Benchmark the readiness binary, one process per command, on ledger directories")]
struct Args {
    /// Sizes, comma-separated: 100k (2,000 actions x 50 reviews), 1m (10,000 x 100), or AxR.
    #[arg(long, default_value = "100k,1m")]
    sizes: String,
    /// Times each command is measured; the table shows the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Where to make the temporary directory (default: the system temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the temporary directory (tables, ledgers, exports) instead of removing it.
    #[arg(long)]
    keep: bool,
    /// The binary to measure (default: target/release/readiness).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Do not run `sync` before each measured command, so a command also waits for the
    /// disk to write back what the commands before it wrote (an import's 400 MB at 1M).
    #[arg(long)]
    no_sync: bool,
}

// ----------------------------------------------------------------------------------------
// The synthetic table

/// A size: one area of `.1` actions with `.2` review columns, named `.0` as given.
type Shape = (String, usize, usize);

fn parse_sizes(spec: &str) -> Result<Vec<Shape>> {
    let custom = |s: &str| {
        let (a, r) = s.split_once('x')?;
        Some((a.parse().ok()?, r.parse().ok()?)).filter(|&(a, r)| a > 0 && r > 0)
    };
    let mut shapes = Vec::new();
    for name in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (actions, reviews) = match name.to_ascii_lowercase().as_str() {
            "100k" => (2_000, 50),
            "1m" => (10_000, 100),
            other => custom(other).with_context(|| {
                format!("--sizes: {name:?} is not 100k, 1m or ACTIONSxREVIEWS (e.g. 400x50)")
            })?,
        };
        shapes.push((name.to_string(), actions, reviews));
    }
    if shapes.is_empty() {
        bail!("--sizes: give at least one size");
    }
    Ok(shapes)
}

/// SplitMix64: a small seeded PRNG, so every run writes the same table.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The review labels: "RAG May 20", then every three months.
fn review_labels(reviews: usize) -> Vec<String> {
    let months = "January February March April May June July August September October \
                  November December";
    let months: Vec<&str> = months.split_whitespace().collect();
    (0..reviews)
        .map(|i| 4 + 3 * i) // months since January 2020
        .map(|m| format!("RAG {} {:02}", months[m % 12], (2020 + m / 12) % 100))
        .collect()
}

/// Writes a one-area WSoA table in the published pipe-separated format.
fn write_table(path: &Path, actions: usize, labels: &[String]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    let mut rng = Rng(7);
    writeln!(
        out,
        "Special Educational Needs and Disabilities Local Area Inspection \
         Written Statement of Action\n\
         Area for Improvement 1\n\
         Area 1 title: a finding about area 1 that inspectors described at some length\n\
         Number | Outcomes | Action | Start date | End date | Lead | Measures of success | \
         Evidence and impact | {} |\n{}",
        labels.join(" | "),
        "---|".repeat(8 + labels.len())
    )?;
    for n in 1..=actions {
        write!(
            out,
            "1.{n} | Leaders will have greater assurance on outcome 1.{n} across the partnership. \
             | Deliver action 1.{n}: co-produce and publish the framework with partners. \
             | April 2020 | September 2021 | CYC (X.{}) CCG \
             | 90% of services monitored against the framework. \
             | Performance data evidences the improvement journey.",
            n % 97
        )?;
        let mut s = 0usize;
        for _ in labels {
            // Drift: stay (twice as likely), improve, or slip back (only before Completed).
            match rng.next() % 4 {
                2 => s = (s + 1).min(SCALE.len() - 1),
                3 if s < 3 => s = s.saturating_sub(1),
                _ => {}
            }
            write!(out, " | {}", SCALE[s])?;
        }
        writeln!(out, " |")?;
    }
    out.flush()?;
    Ok(())
}

// ----------------------------------------------------------------------------------------
// Running and timing one command

/// What one measured run gave.
enum Outcome {
    /// Wall seconds and the child's peak RSS in KiB.
    Ok(f64, u64),
    /// The exit code, if any, and the first line of stderr.
    Failed(Option<i32>, String),
    Skipped(&'static str),
}

/// Runs `argv` under `/usr/bin/time`, stdout to /dev/null, and times it; first, unless
/// `no_sync`, runs `sync` (untimed), so an fsync in `argv` waits for its own writes and not
/// for the write-back of the command before it.
fn measure(work: &Path, argv: &[String], no_sync: bool) -> Outcome {
    if !no_sync {
        if let Err(e) = Command::new("sync").status() {
            return Outcome::Failed(None, format!("cannot run sync: {e}"));
        }
    }
    let report = work.join("time.out");
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%e %M", "-o"])
        .arg(&report)
        .args(argv)
        .env("READINESS_ACTOR", "bench")
        .env_remove("READINESS_LEDGER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let secs = started.elapsed().as_secs_f64();
    let output = match output {
        Ok(output) => output,
        Err(e) => return Outcome::Failed(None, format!("cannot run /usr/bin/time: {e}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
        let msg = first.unwrap_or("(nothing on stderr)").to_string();
        return Outcome::Failed(output.status.code(), msg);
    }
    // The last line is "%e %M"; a line before it may say how the command ended.
    let text = fs::read_to_string(&report).unwrap_or_default();
    let rss = text
        .lines()
        .rev()
        .find_map(|l| l.split_whitespace().nth(1)?.parse().ok());
    Outcome::Ok(secs, rss.unwrap_or(0))
}

// ----------------------------------------------------------------------------------------
// One size: the ledger, the rounds and the results

struct Bench {
    bin: String,
    work: PathBuf,
    ledger: PathBuf,
    export: PathBuf,
    /// Today's `export` takes FILE; a later one may want `--out FILE`.
    export_uses_out: bool,
    /// The first and the middle review label.
    first: String,
    middle: String,
    today: String,
    /// Lines of `entries.jsonl` after the first import, once it succeeded.
    entries: Option<u64>,
    export_result: Option<Outcome>,
    /// See [`Args::no_sync`].
    no_sync: bool,
    /// Per step (index into [`STEPS`]), one outcome per run.
    results: Vec<Vec<Outcome>>,
}

impl Bench {
    /// The command line of `template` for run `run` (0-based); for the table if `shown`.
    fn argv(&self, template: &str, run: usize, shown: bool) -> Vec<String> {
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        let label = |l: &str| {
            if shown {
                format!("\"{l}\"")
            } else {
                l.to_string()
            }
        };
        let w = &self.work;
        let fresh = |name: &str| {
            if shown {
                "NEWDIR".into()
            } else {
                path(w.join(name))
            }
        };
        let mut template = template.to_string();
        if shown {
            template = template.replace("BIN ", "").replace(" --ledger LEDGER", "");
        }
        let words = template.split(' ').map(|word| match word {
            "BIN" => self.bin.clone(),
            "LEDGER" => path(self.ledger.clone()),
            "LOG" if shown => "entries.jsonl".into(),
            "LOG" => path(self.ledger.join("entries.jsonl")),
            "TABLE" if shown => "TABLE".into(),
            "TABLE" => path(w.join("table.txt")),
            "IMPORTED" if run == 0 && !shown => path(self.ledger.clone()),
            "IMPORTED" => fresh("import-again"),
            "RESTORED" => fresh("restored"),
            "EXPORT" if shown => "FILE.jsonl".into(),
            "EXPORT" => path(self.export.clone()),
            "STATUS" if shown => format!("{}/{}", SCALE[3], SCALE[4]),
            "STATUS" => SCALE[3 + run % 2].into(),
            "FIRST" => label(&self.first),
            "MIDDLE" => label(&self.middle),
            "TODAY" => self.today.clone(),
            "HALF" => (self.entries.unwrap_or(2) / 2).max(1).to_string(),
            other => other.into(),
        });
        words.collect()
    }

    /// One round: every step once, in order. The first import makes the ledger.
    fn round(&mut self, run: usize) {
        for (i, (template, _)) in STEPS.iter().enumerate() {
            let argv = self.argv(template, run, false);
            eprintln!(
                "  run {}: {}",
                run + 1,
                self.argv(template, run, true).join(" ")
            );
            let outcome = if i > IMPORT && self.entries.is_none() {
                Outcome::Skipped("no ledger: the first import failed")
            } else if i == RESTORE && !self.export.exists() {
                Outcome::Skipped("no export to restore from")
            } else {
                measure(&self.work, &argv, self.no_sync)
            };
            match i {
                IMPORT if run > 0 => remove(&self.work.join("import-again")),
                RESTORE => remove(&self.work.join("restored")),
                _ => {}
            }
            let outcome = match outcome {
                Outcome::Ok(..) if i == IMPORT && run == 0 => self.after_first_import(outcome),
                other => other,
            };
            self.results[i].push(outcome);
        }
    }

    /// Counts the entries of the first import and exports it (timed once) for `restore`.
    fn after_first_import(&mut self, import: Outcome) -> Outcome {
        match count_lines(&self.ledger.join("entries.jsonl")) {
            Ok(n) => self.entries = Some(n),
            Err(e) => return Outcome::Failed(Some(0), format!("import exited 0, but {e:#}")),
        }
        let out = if self.export_uses_out {
            "--out EXPORT"
        } else {
            "EXPORT"
        };
        let argv = self.argv(&format!("BIN export --ledger LEDGER {out}"), 0, false);
        self.export_result = Some(measure(&self.work, &argv, self.no_sync));
        import
    }
}

// ----------------------------------------------------------------------------------------
// Medians and the Markdown table

/// Median wall time and median peak RSS (KiB) of a step's runs, or why there are none.
fn summarise(outcomes: &[Outcome]) -> Result<(f64, f64), String> {
    let (mut secs, mut rss) = (Vec::new(), Vec::new());
    for outcome in outcomes {
        match outcome {
            Outcome::Ok(s, kib) => {
                secs.push(*s);
                rss.push(*kib as f64);
            }
            Outcome::Failed(code, msg) => {
                let failed = outcomes.iter().filter(|o| matches!(o, Outcome::Failed(..)));
                let (n, of) = (failed.count(), outcomes.len());
                let code = code.map_or("none".into(), |c| c.to_string());
                let msg = cell(msg);
                return Err(format!("FAILED in {n} of {of} runs (exit {code}: {msg})"));
            }
            Outcome::Skipped(why) => return Err(format!("skipped: {why}")),
        }
    }
    if secs.is_empty() {
        return Err("not run".into());
    }
    Ok((median(&mut secs), median(&mut rss)))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Text made safe for a Markdown table cell, and not too long.
fn cell(msg: &str) -> String {
    let mut out: String = msg.replace('|', "\\|").chars().take(120).collect();
    if msg.chars().count() > 120 {
        out.push('…');
    }
    out
}

fn fmt_secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// An integer with thousands separators: 1,234,567.
fn fmt_count(n: f64) -> String {
    let digits = format!("{n:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn yes_no(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}

/// One row: figure | median | peak RSS | target | met? (entries/s shown when `entries`; a
/// `min_rate` in entries/s is a target too).
fn row(
    figure: &str,
    summary: &Result<(f64, f64), String>,
    entries: Option<u64>,
    t: Target,
    min_rate: Option<f64>,
) {
    let mut caps = Vec::new();
    if let Some(rate) = min_rate {
        caps.push(format!("≥ {} entries/s", fmt_count(rate)));
    }
    if let Some(s) = t.0 {
        caps.push(if s < 1.0 {
            format!("≤ {:.0} ms", s * 1e3)
        } else {
            format!("≤ {s:.0} s")
        });
    }
    if let Some(mb) = t.1 {
        caps.push(format!("≤ {mb:.0} MB RSS"));
    }
    let has_target = !caps.is_empty();
    let caps = if has_target {
        caps.join(", ")
    } else {
        "—".into()
    };
    let (median, rss, met) = match summary {
        Ok((secs, kib)) => {
            let mb = kib * 1024.0 / 1e6;
            let rate = entries.map(|n| n as f64 / secs);
            let met = t.0.is_none_or(|cap| *secs <= cap)
                && t.1.is_none_or(|cap| mb <= cap)
                && min_rate.is_none_or(|floor| rate.is_some_and(|r| r >= floor));
            let rate = rate.map(|r| format!(" ({} entries/s)", fmt_count(r)));
            let median = format!("{}{}", fmt_secs(*secs), rate.unwrap_or_default());
            (
                median,
                format!("{mb:.1} MB"),
                if has_target { yes_no(met) } else { "—" },
            )
        }
        Err(why) => (
            why.clone(),
            "—".into(),
            if has_target { "**no**" } else { "—" },
        ),
    };
    println!("| {figure} | {median} | {rss} | {caps} | {met} |");
}

fn print_table(b: &Bench, (name, actions, reviews): &Shape, runs: usize) {
    let import_rss = import_rss_cap(actions * reviews);
    let statuses = fmt_count((actions * reviews) as f64);
    let entries = b.entries.map_or("?".into(), |n| fmt_count(n as f64));
    let actions = fmt_count(*actions as f64);
    println!("\n### {name}: 1 area, {actions} actions x {reviews} reviews = {statuses} statuses");
    println!("\n{entries} entries after import; medians of {runs} runs.\n");
    println!("| figure | median | peak RSS | target | met? |\n|---|---:|---:|---|---|");
    let summaries: Vec<_> = b.results.iter().map(|r| summarise(r)).collect();
    for (i, (template, target)) in STEPS.iter().enumerate() {
        let mut figure = cell(&b.argv(template, runs - 1, true).join(" "));
        figure = if i == 0 {
            "`true` (an empty process: the floor)".into()
        } else {
            figure
        };
        let rate = if i == IMPORT || i == VERIFY {
            b.entries
        } else {
            None
        };
        let (target, min_rate) = if i == IMPORT {
            ((None, Some(import_rss)), Some(IMPORT_RATE))
        } else {
            (*target, None)
        };
        row(&figure, &summaries[i], rate, target, min_rate);
        if i == OPENSSL {
            if let (Ok((v, _)), Ok((o, _))) = (&summaries[VERIFY], &summaries[OPENSSL]) {
                let met = yes_no(v / o <= 2.0);
                println!("| verify ÷ openssl | {:.2}x | — | ≤ 2x | {met} |", v / o);
            } else {
                println!("| verify ÷ openssl | — | — | ≤ 2x | **no** |");
            }
        }
        if i == RESTORE - 1 {
            if let Some(export) = &b.export_result {
                let summary = summarise(std::slice::from_ref(export));
                row(
                    "export FILE.jsonl (one run)",
                    &summary,
                    None,
                    (None, None),
                    None,
                );
            }
        }
    }
    let log = fs::metadata(b.ledger.join("entries.jsonl")).map_or(0, |m| m.len());
    let derived = dir_bytes(&b.ledger, &["entries.jsonl", "evidence"]);
    let (log_mb, derived_mb) = (log as f64 / 1e6, derived as f64 / 1e6);
    println!("| size of entries.jsonl (the log) | {log_mb:.1} MB | — | — | — |");
    println!("| size of the rest but evidence/ (derived) | {derived_mb:.1} MB | — | — | — |");
    if log > 0 {
        let ratio = derived as f64 / log as f64;
        println!(
            "| derived ÷ log | {ratio:.2} | — | < 0.5 | {} |",
            yes_no(ratio < 0.5)
        );
    } else {
        println!("| derived ÷ log | — | — | < 0.5 | **no** |");
    }
}

fn bench_size(
    bin: &Path,
    root: &Path,
    shape: &Shape,
    runs: usize,
    today: &str,
    no_sync: bool,
) -> Result<()> {
    let (name, actions, reviews) = shape;
    let work = root.join(format!("{actions}x{reviews}"));
    fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let labels = review_labels(*reviews);
    eprintln!("{name}: writing the table");
    write_table(&work.join("table.txt"), *actions, &labels)?;
    let bin = bin.to_string_lossy().into_owned();
    let export_help = capture(&bin, &["export", "--help"], "");
    let mut bench = Bench {
        bin,
        ledger: work.join("ledger"),
        export: work.join("export.jsonl"),
        work,
        export_uses_out: export_help.contains("--out <"),
        first: labels[0].clone(),
        middle: labels[labels.len() / 2].clone(),
        today: today.to_string(),
        entries: None,
        export_result: None,
        no_sync,
        results: STEPS.iter().map(|_| Vec::new()).collect(),
    };
    for run in 0..runs {
        bench.round(run);
    }
    print_table(&bench, shape, runs);
    Ok(())
}

// ----------------------------------------------------------------------------------------
// Files, machine facts and the main loop

/// Lines of a file (newline bytes).
fn count_lines(path: &Path) -> Result<u64> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (mut buf, mut lines) = (vec![0u8; 1 << 20], 0u64);
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(lines),
            n => lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64,
        }
    }
}

/// Total bytes of the files under `dir`, leaving out the top-level names in `skip`.
fn dir_bytes(dir: &Path, skip: &[&str]) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let kept = entries
        .flatten()
        .filter(|e| !skip.iter().any(|s| e.file_name() == *s));
    kept.map(|entry| match entry.metadata() {
        Ok(m) if m.is_dir() => dir_bytes(&entry.path(), &[]),
        Ok(m) => m.len(),
        Err(_) => 0,
    })
    .sum()
}

fn remove(dir: &Path) {
    if dir.exists() {
        let _ = fs::remove_dir_all(dir);
    }
}

/// A command's trimmed stdout, or `fallback` if it cannot be run or fails.
fn capture(program: &str, args: &[&str], fallback: &str) -> String {
    let output = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => fallback.to_string(),
    }
}

/// `nproc`, CPU model, OpenSSL version, date and commit, on one line.
fn machine_facts() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name"));
    let cpu = model
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, m)| m.trim());
    let nproc = capture("nproc", &[], "?");
    let openssl = capture("openssl", &["version"], "no openssl");
    let date = capture("date", &["-u", "+%Y-%m-%d %H:%M UTC"], "?");
    let git = |args: &[&str], fallback| {
        let root = env!("CARGO_MANIFEST_DIR");
        capture("git", &[&["-C", root], args].concat(), fallback)
    };
    let commit = git(&["rev-parse", "--short", "HEAD"], "unknown");
    let changes = git(&["status", "--porcelain", "--untracked-files=no"], "");
    let dirty = if changes.is_empty() {
        ""
    } else {
        " (uncommitted changes in the tree)"
    };
    format!("Machine: nproc {nproc}, CPU \"{cpu}\", {openssl}. Run {date}, commit {commit}{dirty}.")
}

/// The release binary of the target directory this example was built into.
fn find_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find this example's own path")?;
    // <target>/<profile>/examples/bench_cli
    let target = exe
        .ancestors()
        .nth(3)
        .context("this example is not in a target directory")?;
    let bin = target.join("release").join("readiness");
    if !bin.is_file() {
        bail!(
            "{} is missing: run `cargo build --release` first \
             (`cargo run --example` does not build the binary)",
            bin.display()
        );
    }
    Ok(bin)
}

/// The command line, as one would type it again.
fn command_line() -> String {
    let mut line = "cargo run --release --example bench_cli".to_string();
    for (i, arg) in std::env::args().skip(1).enumerate() {
        line.push_str(if i == 0 { " -- " } else { " " });
        let plain = |c: char| c.is_ascii_alphanumeric() || "-_=,./:+".contains(c);
        let quoted = arg.is_empty() || !arg.chars().all(plain);
        line.push_str(&if quoted { format!("'{arg}'") } else { arg });
    }
    line
}

fn main() -> Result<()> {
    let args = Args::parse();
    let shapes = parse_sizes(&args.sizes)?;
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let bin = match args.bin {
        Some(bin) if bin.is_file() => bin,
        Some(bin) => bail!("--bin {}: no such file", bin.display()),
        None => find_binary()?,
    };
    // UTC, like `recorded_at`, so `--known-at TODAY` covers the import.
    let today = capture("date", &["-u", "+%F"], "");
    if today.is_empty() {
        bail!("cannot read today's date with `date -u +%F`");
    }
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let parent = args.dir.unwrap_or_else(std::env::temp_dir);
    let root = parent.join(format!("bench_cli-{}-{stamp}", std::process::id()));
    fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    eprintln!("measuring {} in {}", bin.display(), root.display());

    println!("Command: `{}`\n", command_line());
    println!("{}", machine_facts());
    println!(
        "Binary `{}`. Each command is a fresh process, stdout to /dev/null; wall time includes \
         process start; peak RSS is the child's (`/usr/bin/time -f %M`). {}",
        bin.display(),
        if args.no_sync {
            "No `sync` between commands (`--no-sync`): a command may wait for the write-back of \
             the one before."
        } else {
            "`sync` runs (untimed) before each command, so none waits for the write-back of \
             the one before."
        }
    );
    let mut result = Ok(());
    for shape in &shapes {
        result = bench_size(&bin, &root, shape, args.runs, &today, args.no_sync);
        if result.is_err() {
            break;
        }
    }
    if args.keep {
        eprintln!("kept {}", root.display());
    } else {
        remove(&root);
    }
    result
}
