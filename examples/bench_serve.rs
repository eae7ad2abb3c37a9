//! Load benchmark of `readiness serve`, through the release binary over loopback: status
//! writes per second with p50/p99 latency at several client counts, the group commits
//! (each one journal record, fsynced once) per second, `plan?as_of=` reads per second, and
//! `/healthz` requests per second: what this machine's loopback HTTP allows at all, beside
//! which the ledger's own figures are read. The disk's fsync time is measured first.
//!
//! cargo build --release && cargo run --release --example bench_serve -- --clients 1,16,128
//!
//! Each client keeps one HTTP/1.1 connection open, and all clients run on one thread of this
//! program (tokio), so that the load takes as little of the machine as it can. The ledger is the York table imported
//! into a temporary directory, or the table `--table PATH` names (e.g. one `bench_cli --keep`
//! wrote: its actions 1.1 to 1.6 get the writes, under `--review LABEL`). `--bin PATH` serves
//! with another build (to compare before and after in one sitting). The server's peak RSS
//! (VmHWM) is reported after the writes and at the end.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> std::path::PathBuf {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--bin") {
        return args[i + 1].clone().into();
    }
    let here = std::env::current_exe().unwrap();
    here.parent().unwrap().parent().unwrap().join("readiness")
}

/// The value of option `name`, if given.
fn option(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .map(|i| args[i + 1].clone())
}

/// The server's peak resident set so far, in MB.
fn peak_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(args)
        .env("READINESS_ACTOR", "bench")
        .output()
        .expect("run readiness");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One keep-alive connection. Every client of a round runs on one thread (a tokio
/// current-thread runtime): a thread per client spent most of the two cores on its own
/// context switches and reads, and the server was measured against what was left.
struct Client {
    stream: tokio::net::TcpStream,
    /// Bytes read and not yet taken as a response.
    buf: Vec<u8>,
}

impl Client {
    async fn new(addr: &str) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    /// Sends one request and reads its whole response: the status and the body.
    async fn send(&mut self, request: &[u8]) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.write_all(request).await.unwrap();
        loop {
            if let Some((code, body, end)) = response(&self.buf) {
                let body = String::from_utf8_lossy(&self.buf[body]).into_owned();
                self.buf.drain(..end);
                return (code, body);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// A request's bytes.
fn request(method: &str, path: &str, token: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The first response in `buf`, if all of it is there: its status, where its body is, and
/// where it ends. Bodies come with a Content-Length (the server does not chunk these).
fn response(buf: &[u8]) -> Option<(u16, std::ops::Range<usize>, usize)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).unwrap();
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.trim().parse().unwrap());
    let end = head_end + length;
    (buf.len() >= end).then_some((code, head_end..end, end))
}

/// Runs `clients` clients at once, all on this one thread, each `work(client number,
/// connection)`, and hands back what each returned.
fn on_clients<T: 'static, F: std::future::Future<Output = T> + 'static>(
    addr: &str,
    clients: usize,
    work: impl Fn(usize, Client) -> F,
) -> Vec<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let mut connections = Vec::with_capacity(clients);
        for _ in 0..clients {
            connections.push(Client::new(addr).await);
        }
        let tasks: Vec<_> = connections
            .into_iter()
            .enumerate()
            .map(|(c, client)| tokio::task::spawn_local(work(c, client)))
            .collect();
        let mut out = Vec::with_capacity(clients);
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: Vec<usize> = args
        .iter()
        .position(|a| a == "--clients")
        .map(|i| args[i + 1].split(',').map(|c| c.parse().unwrap()).collect())
        .unwrap_or_else(|| vec![1, 16, 128]);
    let writes: usize = args
        .iter()
        .position(|a| a == "--writes")
        .map(|i| args[i + 1].parse().unwrap())
        .unwrap_or(40_000);
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("york");
    let ledger = ledger.to_str().unwrap();
    let given = option("--table");
    let table = std::fs::canonicalize(given.as_deref().unwrap_or("tests/data/york-wsoa-area1.txt"))
        .unwrap();
    let review = option("--review").unwrap_or_else(|| "RAG August 22".into());
    run(&["import", table.to_str().unwrap(), "--ledger", ledger]);
    let token = run(&[
        "token", "add", "bench", "--role", "officer", "--ledger", ledger,
    ]);
    let token = token.trim().to_string();
    let mut server = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--ledger", ledger])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit("://").next().unwrap().to_string();
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    let disk = fsync_p50(tmp.path());
    println!("fsync of a 300-byte append on this disk, median of 200: {disk:.2} ms");
    println!();
    println!("entries in the ledger served: {}", entries(ledger));
    println!();
    let actions = match given {
        Some(_) => ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"],
        None => ["1.1", "1.2", "1.3A", "1.3B", "1.4", "1.5"],
    };
    println!("| clients | writes | writes/s | p50 ms | p99 ms | commits/s (fsynced batches) |");
    println!("|---|---|---|---|---|---|");
    for &c in &clients {
        let per = (writes / c).max(1);
        let before = entries(ledger);
        let start = Instant::now();
        let review = review.clone();
        let token = token.clone();
        let per_client = on_clients(&addr, c, move |t, mut client| {
            let (review, token) = (review.clone(), token.clone());
            async move {
                let mut latencies = Vec::with_capacity(per);
                for w in 0..per {
                    let body = format!(
                        r#"{{"action":"{}","review":"{review}","status":"Completed","note":"{t}-{w}"}}"#,
                        actions[(t + w) % actions.len()]
                    );
                    let post = request("POST", "/api/v1/plans/york/status", &token, &body);
                    let sent = Instant::now();
                    let (code, answer) = client.send(&post).await;
                    assert_eq!(code, 201, "{answer}");
                    latencies.push(sent.elapsed());
                }
                latencies
            }
        });
        let mut all: Vec<Duration> = per_client.into_iter().flatten().collect();
        let elapsed = start.elapsed().as_secs_f64();
        all.sort();
        let commits = commits_since(ledger, before);
        println!(
            "| {c} | {} | {:.0} | {:.2} | {:.2} | {:.0} |",
            all.len(),
            all.len() as f64 / elapsed,
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            commits as f64 / elapsed
        );
    }
    println!();
    println!(
        "server peak RSS (VmHWM) after the writes: {:.0} MB",
        peak_mb(server.id())
    );
    println!();
    println!("| clients | plan?as_of= reads | reads/s |");
    println!("|---|---|---|");
    let plan = "/api/v1/plans/york/plan?as_of=RAG%20May%2021";
    for &c in &clients {
        let (n, rate) = gets(&addr, &token, plan, c, (2_000 / c).max(20));
        println!("| {c} | {n} | {rate:.0} |");
    }
    println!();
    println!("| clients | GET /healthz (no ledger work: the HTTP ceiling here) | requests/s |");
    println!("|---|---|---|");
    for &c in &clients {
        let (n, rate) = gets(&addr, "-", "/healthz", c, (4_000 / c).max(20));
        println!("| {c} | {n} | {rate:.0} |");
    }
    println!();
    println!(
        "server peak RSS (VmHWM) at the end: {:.0} MB",
        peak_mb(server.id())
    );
    let _ = server.kill();
    let _ = server.wait();
}

/// `clients` connections each sending `per` GETs of `path` at once: how many were
/// answered, and how many per second.
fn gets(addr: &str, token: &str, path: &str, clients: usize, per: usize) -> (usize, f64) {
    let get = request("GET", path, token, "");
    let start = Instant::now();
    on_clients(addr, clients, move |_, mut client| {
        let (get, path) = (get.clone(), path.to_string());
        async move {
            for _ in 0..per {
                let (code, _) = client.send(&get).await;
                assert_eq!(code, 200, "GET {path}");
            }
        }
    });
    let n = per * clients;
    (n, n as f64 / start.elapsed().as_secs_f64())
}

/// What one fsync costs on the disk the ledger is on, measured in the same run: the floor
/// under a single client's write latency.
fn fsync_p50(dir: &std::path::Path) -> f64 {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    let mut times: Vec<Duration> = (0..200)
        .map(|_| {
            f.write_all(&[b'x'; 300]).unwrap();
            let t = Instant::now();
            f.sync_all().unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    let _ = std::fs::remove_file(&path);
    percentile(&times, 0.5)
}

/// Entries in the ledger now.
fn entries(ledger: &str) -> usize {
    std::fs::read(format!("{ledger}/entries.jsonl"))
        .unwrap()
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Group commits since entry `before`: the entries of one commit share one recorded_at.
fn commits_since(ledger: &str, before: usize) -> usize {
    let text = std::fs::read_to_string(format!("{ledger}/entries.jsonl")).unwrap();
    let mut times: Vec<String> = text
        .lines()
        .skip(before)
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v["recorded_at"].as_str().map(str::to_string)
        })
        .collect();
    times.dedup();
    times.len()
}
