//! Benchmark: attaching a large evidence file through the library (the same `attach` the
//! command line calls), then attaching the same content again, and re-hashing the store as
//! `verify` does. Reports time, throughput and peak RSS (`VmHWM` from /proc/self/status,
//! reset before each step through /proc/self/clear_refs) of this process.
//!
//! ```text
//! cargo run --release --example bench_evidence -- --size 1G [--dir /tmp]
//! ```
//!
//! The input file is generated in a temporary directory, 64 KiB at a time (pseudo-random
//! bytes, so nothing compresses or deduplicates below us). Results are in BENCHMARKS.md.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use readiness_ledger::clock::SystemClock;
use readiness_ledger::event::{ActionAdded, AreaAdded, Event, PlanCreated};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::evidence::{
    attach, format_size, parse_size, AttachRequest, Source, BUF_SIZE,
};
use readiness_ledger::store::DirLedger;
use readiness_ledger::verify::evidence::verify_evidence;

#[derive(Debug, Parser)]
struct Args {
    /// Size of the file to attach (bytes, or 500M, 1G, ...).
    #[arg(long, value_parser = parse_size, default_value = "1G")]
    size: u64,
    /// Where the temporary directory goes.
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

struct Row {
    step: &'static str,
    secs: f64,
    bytes: u64,
    rss_before: u64,
    hwm: u64,
}

fn measure<T>(step: &'static str, bytes: u64, f: impl FnOnce() -> T) -> (T, Row) {
    let reset = reset_hwm();
    let rss_before = proc_status_kib("VmRSS:").unwrap_or(0);
    let start = Instant::now();
    let out = f();
    let secs = start.elapsed().as_secs_f64();
    let hwm = proc_status_kib("VmHWM:").unwrap_or(0);
    if !reset {
        eprintln!("note: /proc/self/clear_refs not writable; VmHWM is the whole process's peak");
    }
    (
        out,
        Row {
            step,
            secs,
            bytes,
            rss_before,
            hwm,
        },
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let tmp = match &args.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let input = tmp.path().join("evidence-input.bin");
    let ledger_dir = tmp.path().join("ledger");
    let clock = SystemClock;

    // The input, streamed: xorshift64* bytes, 64 KiB at a time.
    let (_, gen_row) = measure("generate input (not the product)", args.size, || {
        let mut f = std::io::BufWriter::with_capacity(BUF_SIZE, std::fs::File::create(&input)?);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut buf = vec![0u8; BUF_SIZE];
        let mut left = args.size;
        while left > 0 {
            for chunk in buf.chunks_exact_mut(8) {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                chunk.copy_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
            }
            let n = left.min(BUF_SIZE as u64) as usize;
            f.write_all(&buf[..n])?;
            left -= n as u64;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()
    });

    let mut ledger = DirLedger::create_empty(&ledger_dir)?;
    ledger.append(
        "bench",
        &clock,
        vec![
            Event::PlanCreated(PlanCreated {
                title: "Benchmark plan".into(),
                origin: "bench.example/evidence".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Leadership".into(),
                finding: None,
            }),
            Event::ActionAdded(ActionAdded {
                id: "1.1".into(),
                area: "1".into(),
                action: "Produce the WSoA".into(),
                ..ActionAdded::default()
            }),
        ],
    )?;
    let request = || AttachRequest {
        action: "1.1".into(),
        review: None,
        file_name: Some("board-pack.pdf".into()),
        note: None,
    };
    let source = || Source::open(&input, args.size).expect("the input file opens");

    let (first, attach_row) = measure(
        "evidence add (stream, hash, fsync, rename, append)",
        args.size,
        || attach(&mut ledger, &clock, "bench", source(), request()),
    );
    let first = first?;
    let (second, again_row) = measure(
        "evidence add, same content again (stored once)",
        args.size,
        || attach(&mut ledger, &clock, "bench", source(), request()),
    );
    let second = second?;
    assert!(first.stored.new && !second.stored.new);
    let (report, verify_row) = measure("verify evidence (re-hash the store)", args.size, || {
        verify_evidence(&ledger, &ledger_dir)
    });
    let report = report?;
    assert!(report.ok() && report.verified == 1);

    println!(
        "file: {} ({} bytes), SHA-256 {}",
        format_size(args.size),
        args.size,
        first.stored.sha256
    );
    println!("| step | time (s) | MiB/s | RSS before (MiB) | peak RSS, VmHWM (MiB) |");
    println!("|---|---:|---:|---:|---:|");
    for r in [gen_row, attach_row, again_row, verify_row] {
        println!(
            "| {} | {:.2} | {:.0} | {:.1} | {:.1} |",
            r.step,
            r.secs,
            r.bytes as f64 / (1024.0 * 1024.0) / r.secs,
            mib(r.rss_before),
            mib(r.hwm)
        );
    }
    println!(
        "peak RSS of the whole process (VmHWM since the last reset): {:.1} MiB",
        mib(proc_status_kib("VmHWM:").unwrap_or(0))
    );
    Ok(())
}
