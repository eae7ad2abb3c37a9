//! Crash test: a child process appends in a loop and is killed with SIGKILL at random
//! moments; after every kill the ledger must open (repairs allowed), verify, and still hold
//! every append the child had reported done.
//!
//! The child is this test binary run again with `--exact crash_child --ignored` and
//! `READINESS_CRASH_CHILD=<ledger dir>` in its environment. Set `READINESS_CRASH_SEED` to
//! replay a run; the seed is printed at the start (`cargo test --test crash -- --nocapture`).

#![cfg(unix)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::ControlFlow;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use readiness_ledger::chain::stored_facts;
use readiness_ledger::clock::SystemClock;
use readiness_ledger::entry::{EntryHash, Seq};
use readiness_ledger::event::{
    ActionAdded, AreaAdded, Event, PlanCreated, ReviewScheduled, StatusRecorded,
};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::{DirLedger, EntrySource};
use readiness_ledger::verify::{verify, ExpectOutcome, VerifyOptions};

/// Names the ledger directory the child appends to; unset, the child test does nothing.
const CHILD_ENV: &str = "READINESS_CRASH_CHILD";
/// Seed of the child's own random batches.
const CHILD_SEED_ENV: &str = "READINESS_CRASH_CHILD_SEED";
/// Seed of the whole run, to replay a failure.
const SEED_ENV: &str = "READINESS_CRASH_SEED";
/// Name of the child test, as `--exact` wants it.
const CHILD_TEST: &str = "crash_child";

/// Kill rounds in all.
const ROUNDS: u32 = 60;
/// Every `EARLY_KILL_EVERY`th round kills soon after spawning, maybe while the child opens.
const EARLY_KILL_EVERY: u32 = 10;
/// Rounds (by number) that delete `index/` after the kill, so the reopen rebuilds it.
const DROP_INDEX_ROUNDS: &[u32] = &[7, 19, 33, 47, 58];
/// The child stops by itself after this long, in case nobody kills it.
const CHILD_LIFETIME: Duration = Duration::from_secs(60);

/// xorshift64*: small, seedable, good enough to pick sleeps and batch sizes.
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

/// The child: opens the ledger and appends random batches until killed, reporting each
/// durable append on stdout as `done <seq> <hash>`.
#[test]
#[ignore = "child process of killed_appends_keep_every_reported_entry; a no-op when run alone"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let seed: u64 = std::env::var(CHILD_SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng::new(seed);
    let mut ledger =
        DirLedger::open(Path::new(&dir), &mut || {}).expect("child: open the ledger");
    assert_eq!(ledger.damage(), None, "child: the ledger is damaged");
    let plan = ledger.plan().expect("child: read the plan");
    let actions: Vec<String> = plan.actions.iter().map(|a| a.fields.id.clone()).collect();
    let reviews: Vec<String> = plan.reviews.iter().map(|r| r.label.clone()).collect();
    let scale = plan.scale();
    let statuses: Vec<&str> = scale.names();
    assert!(!actions.is_empty() && !reviews.is_empty());

    let mut out = std::io::stdout().lock();
    // libtest has printed `test crash_child ... ` without a newline: start a fresh line.
    writeln!(out, "\nready {}", plan.len()).expect("child: write to stdout");
    out.flush().expect("child: flush stdout");
    let started = Instant::now();
    while started.elapsed() < CHILD_LIFETIME {
        let n = rng.range(1, 49);
        let events: Vec<Event> = (0..n)
            .map(|_| {
                // Notes of varying length make batches from a few hundred bytes to tens of KB,
                // so some writes span several pages.
                let note_len = rng.range(0, 400) as usize;
                Event::StatusRecorded(StatusRecorded {
                    action: rng.pick(&actions).clone(),
                    review: rng.pick(&reviews).clone(),
                    status: rng.pick(&statuses).to_string(),
                    note: (note_len > 0).then(|| "n\u{e9}\"\\".repeat(note_len / 4 + 1)),
                })
            })
            .collect();
        let appended = ledger
            .append("crash-child", &SystemClock, events)
            .expect("child: append");
        let last = appended.entries.last().expect("a batch has entries");
        writeln!(out, "done {} {}", last.seq.0, last.hash.to_hex()).expect("child: write");
        out.flush().expect("child: flush stdout");
    }
}

/// Creates the ledger the child appends to: a plan with a few actions and reviews.
fn create_ledger(dir: &Path) {
    let mut events = vec![
        Event::PlanCreated(PlanCreated {
            title: "Crash test plan".into(),
            origin: "crash-test".into(),
            scale: StatusScale::york(),
        }),
        Event::AreaAdded(AreaAdded {
            id: "1".into(),
            title: "Leadership".into(),
            finding: None,
        }),
    ];
    for i in 1..=6 {
        events.push(Event::ActionAdded(ActionAdded {
            id: format!("1.{i}"),
            area: "1".into(),
            action: format!("Action number {i}"),
            ..Default::default()
        }));
    }
    for (label, date) in [
        ("RAG May 20", "2020-05-31"),
        ("RAG Nov 20", "2020-11-30"),
        ("RAG May 21", "2021-05-31"),
    ] {
        events.push(Event::ReviewScheduled(ReviewScheduled {
            label: label.into(),
            date: date.into(),
        }));
    }
    DirLedger::create(dir, "setup", &SystemClock, events, &mut || {})
        .expect("create the ledger");
}

/// A running child and the threads reading its output.
struct Running {
    child: Child,
    lines: Receiver<String>,
    stdout: JoinHandle<()>,
    stderr: JoinHandle<String>,
}

fn spawn_child(dir: &Path, seed: u64) -> Running {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            CHILD_TEST,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir)
        .env(CHILD_SEED_ENV, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().expect("piped stdout");
    let stdout = thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            // A line cut by the kill has no newline yet; `lines` still yields it, and
            // the parser below refuses it unless it is whole.
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
    Running {
        child,
        lines,
        stdout,
        stderr,
    }
}

/// Parses `done <seq> <hash>`; anything else (libtest's own lines, `ready`) is `None`.
fn parse_done(line: &str) -> Option<(Seq, EntryHash)> {
    let mut parts = line.strip_prefix("done ")?.split(' ');
    let seq = parts.next()?.parse().ok()?;
    let hash = EntryHash::from_hex(parts.next()?)?;
    parts.next().is_none().then_some((Seq(seq), hash))
}

/// The (seq, hash) of every line in the log, read without checking (verify does that).
fn stored_hashes(ledger: &DirLedger) -> HashMap<u64, EntryHash> {
    let mut found = HashMap::new();
    ledger
        .scan(&mut |line| {
            if let Some(f) = stored_facts(line.bytes) {
                found.insert(f.seq.0, f.hash);
            }
            Ok(ControlFlow::Continue(()))
        })
        .expect("scan the log");
    found
}

#[derive(Default)]
struct Repairs {
    /// Kills that left `append.journal` non-empty: they landed inside an append.
    mid_append: u32,
    rounds: u32,
    rolled_forward: u32,
    torn_tails: u32,
    other: u32,
}

#[test]
fn killed_appends_keep_every_reported_entry() {
    let test_started = Instant::now();
    let seed = seed_from_env_or_time();
    println!("crash test seed {seed} (replay with {SEED_ENV}={seed})");
    let mut rng = Rng::new(seed);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path().join("ledger");
    create_ledger(&dir);

    // Every append any child reported done, across all rounds, oldest first.
    let mut reported: Vec<(Seq, EntryHash)> = Vec::new();
    let mut repairs = Repairs::default();
    let mut appends_seen = 0usize;
    for round in 0..ROUNDS {
        let child_seed = rng.next();
        let mut running = spawn_child(&dir, child_seed);
        let context = format!("round {round} (run seed {seed}, child seed {child_seed})");
        let early = round % EARLY_KILL_EVERY == EARLY_KILL_EVERY - 1;
        let mut pending = Vec::new();
        let sleep_ms = if early {
            rng.range(0, 120)
        } else {
            // Wait until the child has opened the ledger, so the kill lands among appends.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match running.lines.recv_timeout(left) {
                    Ok(line) if line.starts_with("ready ") => break,
                    Ok(line) => pending.push(line),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                        let _ = running.child.kill();
                        let _ = running.child.wait();
                        let err = running.stderr.join().unwrap_or_default();
                        panic!("{context}: the child never became ready; its stderr:\n{err}");
                    }
                }
            }
            rng.range(5, 150)
        };
        thread::sleep(Duration::from_millis(sleep_ms));

        if let Some(status) = running.child.try_wait().expect("poll the child") {
            let err = running.stderr.join().unwrap_or_default();
            panic!("{context}: the child exited by itself ({status}); its stderr:\n{err}");
        }
        running.child.kill().expect("SIGKILL the child");
        let status = running.child.wait().expect("reap the child");
        assert_eq!(
            status.signal(),
            Some(9),
            "{context}: child ended with {status}"
        );
        running.stdout.join().expect("stdout reader");
        let _ = running.stderr.join();
        pending.extend(running.lines.try_iter());

        let mut round_appends = 0;
        for line in &pending {
            if let Some(done) = parse_done(line) {
                if let Some(last) = reported.last() {
                    assert!(
                        done.0 > last.0,
                        "{context}: child reported seq {} after {}",
                        done.0,
                        last.0
                    );
                }
                reported.push(done);
                round_appends += 1;
            }
        }
        appends_seen += round_appends;

        // Peek (read-only) at the journal: non-empty means the kill landed between the
        // journal write and its clearing, i.e. inside an append.
        let journal = std::fs::metadata(dir.join("append.journal")).map_or(0, |m| m.len());
        if journal > 0 {
            repairs.mid_append += 1;
        }

        let drop_index = DROP_INDEX_ROUNDS.contains(&round);
        if drop_index {
            std::fs::remove_dir_all(dir.join("derived")).expect("delete the derived data");
        }

        let mut ledger = DirLedger::open(&dir, &mut || {})
            .unwrap_or_else(|e| panic!("{context}: the ledger does not open: {e}"));
        let warnings = ledger.take_warnings();
        if !warnings.is_empty() {
            repairs.rounds += 1;
            for w in &warnings {
                if w.starts_with("completed an append") {
                    repairs.rolled_forward += 1;
                } else if w.starts_with("cut off an incomplete last line") {
                    repairs.torn_tails += 1;
                } else {
                    repairs.other += 1;
                }
            }
        }
        assert_eq!(
            ledger.damage(),
            None,
            "{context}: damaged after reopen (warnings {warnings:?})"
        );

        let expect = reported.last().copied();
        let report = verify(
            &ledger,
            VerifyOptions {
                strict: false,
                expect,
            },
        )
        .expect("read the log");
        assert!(
            report.ok(),
            "{context}: verify failed: {report:?} (repairs {warnings:?})"
        );
        if let Some((seq, _)) = expect {
            assert!(
                matches!(report.expect, Some(ExpectOutcome::Found { seq: s, .. }) if s == seq.0),
                "{context}: {:?}",
                report.expect
            );
        }
        let head = report.head.map(|h| (Seq(h.seq), h.hash));
        assert_eq!(
            ledger.head().map(|c| (c.seq, c.hash)),
            head,
            "{context}: the opened plan's head is not the log's last entry"
        );
        let stored = stored_hashes(&ledger);
        for (seq, hash) in &reported {
            assert_eq!(
                stored.get(&seq.0),
                Some(hash),
                "{context}: reported entry {seq} is missing or changed"
            );
        }
        println!(
            "round {round:2}: slept {sleep_ms:3} ms{}, {round_appends:3} appends reported, \
             journal {journal:5} bytes, {} entries, repairs {warnings:?}{}",
            if early { " from spawn" } else { "" },
            report.entries,
            if drop_index { ", index rebuilt" } else { "" },
        );
        drop(ledger);
    }

    println!(
        "{ROUNDS} kills, {appends_seen} appends reported done; {} kills landed inside an \
         append; rounds with a repair: {} (journal roll-forwards {}, torn tails cut {}, \
         other {}); {:.1} s",
        repairs.mid_append,
        repairs.rounds,
        repairs.rolled_forward,
        repairs.torn_tails,
        repairs.other,
        test_started.elapsed().as_secs_f64()
    );
    assert!(
        appends_seen > 0,
        "no child ever reported an append: the kills tested nothing"
    );
    assert_eq!(
        repairs.other, 0,
        "an open made a repair that a crash should not need"
    );
}
