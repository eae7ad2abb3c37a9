//! Benchmark: `verify` of a ledger holding N signed sign-offs (default 10,000).
//!
//! ```text
//! cargo run --release --example bench_signed_verify -- [--signoffs N] [--runs R]
//! ```
//!
//! Builds a ledger in a temporary directory with the library and a `FixedClock`: a plan,
//! one area, one action, one review, a status, a registered key, then N `signed_off`
//! entries appended in batches of 1,000 (each signed over the head before its batch).
//! Then, `--runs` times each (the table shows medians): the chain check
//! (`verify::verify`, what `readiness verify` always does), the signature check
//! (`verify_signatures`, which it adds), and both together. The file is in the page cache,
//! so this measures CPU. Results are recorded in BENCHMARKS.md.

use std::time::Instant;

use chrono::TimeZone;
use clap::Parser;
use readiness_ledger::clock::FixedClock;
use readiness_ledger::event::{
    ActionAdded, AreaAdded, Event, KeyRegistered, PlanCreated, ReviewScheduled, SignedOff,
    StatusRecorded,
};
use readiness_ledger::plan::trust::{key_id, public_key, sign_signoff};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::DirLedger;
use readiness_ledger::verify::{verify, VerifyOptions};

#[derive(Parser, Debug)]
#[command(about = "Benchmark verification of a ledger of signed sign-offs")]
struct Args {
    /// signed_off entries to append.
    #[arg(long, default_value_t = 10_000)]
    signoffs: u64,
    /// Times each step is measured; the table shows the median.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("ledger");
    let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 3, 1, 9, 0, 0).unwrap());
    let mut ledger = DirLedger::create_empty(&dir)?;
    let secret = [42u8; 32];
    let pk = public_key(&secret);
    let origin = "bench.example/send";
    ledger.append(
        "bench",
        &clock,
        vec![
            Event::PlanCreated(PlanCreated {
                title: "Bench".into(),
                origin: origin.into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Area".into(),
                finding: None,
            }),
            Event::ActionAdded(ActionAdded {
                id: "1.1".into(),
                area: "1".into(),
                action: "Do it".into(),
                ..Default::default()
            }),
            Event::ReviewScheduled(ReviewScheduled {
                label: "Q1".into(),
                date: "2021-03-31".into(),
            }),
            Event::StatusRecorded(StatusRecorded {
                action: "1.1".into(),
                review: "Q1".into(),
                status: "Completed".into(),
                note: None,
            }),
            Event::KeyRegistered(KeyRegistered {
                name: "Chair".into(),
                key_id: key_id(&pk),
                public_key: hex(&pk),
                role: "Chair".into(),
            }),
        ],
    )?;
    let build = Instant::now();
    let mut left = args.signoffs;
    while left > 0 {
        let n = left.min(1000);
        left -= n;
        let head = ledger.head().ok_or("empty ledger")?;
        let (seq, hash) = (head.seq, head.hash);
        let batch = (0..n)
            .map(|i| {
                let mut e = SignedOff {
                    action: "1.1".into(),
                    review: "Q1".into(),
                    status: "Completed".into(),
                    key_id: key_id(&pk),
                    role: "Chair".into(),
                    head_seq: seq.0,
                    head_hash: hash.to_hex(),
                    statement: Some(format!("sign-off {}", left + i)),
                    signature: String::new(),
                    version: readiness_ledger::event::SIGNED_OFF_VERSION,
                };
                sign_signoff(&secret, origin, &mut e);
                Event::SignedOff(e)
            })
            .collect();
        ledger.append("chair", &clock, batch)?;
    }
    let build = build.elapsed().as_secs_f64();
    let entries = ledger.head().map_or(0, |c| c.seq.0);
    let bytes = std::fs::metadata(ledger.log_path())?.len();
    println!(
        "ledger: {entries} entries ({} signed), {:.1} MiB; built (sign + append) in {build:.2} s",
        args.signoffs,
        bytes as f64 / (1024.0 * 1024.0)
    );

    let mut all = Vec::new();
    for _ in 0..args.runs.max(1) {
        let t = Instant::now();
        let r = verify(&ledger, VerifyOptions::default())?;
        all.push(t.elapsed().as_secs_f64());
        assert!(r.ok() && r.counts.signed_off == args.signoffs, "{r:?}");
    }
    println!("| step | median (ms) | entries/s |");
    println!("|---|---:|---:|");
    let m = median(all);
    println!(
        "| verify::verify (every check, signatures included) | {:.1} | {:.0} |",
        m * 1000.0,
        entries as f64 / m
    );
    Ok(())
}
