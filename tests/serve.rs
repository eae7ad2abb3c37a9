//! `readiness serve`: tokens and roles, views as JSON, problem+json errors, and writes from
//! many clients group-committed into one verifiable chain; stopped by SIGTERM.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use util::Ledger;

const YORK: &str = "tests/data/york-wsoa-area1.txt";

/// A running server, the address it bound, and what it has logged since (its stderr is
/// drained all the time, so a busy server never blocks on a full pipe).
struct Server {
    child: Child,
    addr: String,
    log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `child` (a `readiness serve`) to say where it listens, then drains its stderr.
fn serving(mut child: Child) -> Server {
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let addr = line
        .trim()
        .rsplit("://")
        .next()
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    Server { child, addr, log }
}

fn start(l: &Ledger, extra: &[&str]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args(["serve", "--listen", "127.0.0.1:0", "--ledger"])
        .arg(l.dir())
        .args(extra)
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start readiness serve");
    serving(child)
}

/// One HTTP/1.1 request; the status code and the body.
fn request(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    try_request(addr, method, path, token, body)
        .unwrap_or_else(|| panic!("no HTTP answer from {addr} to {method} {path}"))
}

/// [`request`], or `None` when no whole HTTP answer came (a server killed mid-request).
fn try_request(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    let code = answer.get(9..12)?.parse().ok()?;
    let body = answer.split_once("\r\n\r\n")?.1.to_string();
    Some((code, body))
}

fn token(l: &Ledger, name: &str, role: &str) -> String {
    let run = l
        .raw(&[
            "token",
            "add",
            name,
            "--role",
            role,
            "--ledger",
            l.dir().to_str().unwrap(),
        ])
        .ok();
    run.stdout.trim().to_string()
}

fn york() -> Ledger {
    let l = Ledger::empty();
    let file = std::fs::canonicalize(YORK).unwrap();
    l.write(&["import", file.to_str().unwrap()]).ok();
    l
}

#[test]
fn roles_views_and_errors() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let viewer = token(&l, "reader", "viewer");
    let tokens = l.dir().parent().unwrap().join("readiness-tokens.json");
    let stored = std::fs::read_to_string(&tokens).unwrap();
    assert!(!stored.contains(&officer), "only the hash is kept");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&tokens).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let base = format!("/api/v1/plans/{plan}");

    assert_eq!(request(&s.addr, "GET", "/healthz", None, "").0, 200);
    let (code, body) = request(&s.addr, "GET", &format!("{base}/matrix"), None, "");
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("\"status\":401"), "{body}");
    // The matrix is the CLI's JSON.
    let (code, body) = request(&s.addr, "GET", &format!("{base}/matrix"), Some(&viewer), "");
    assert_eq!(code, 200);
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cli = l.read(&["matrix", "--format", "json"]).ok().json();
    assert_eq!(api, cli);
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("{base}/plan?as_of=rag%20november%2020"),
        Some(&viewer),
        "",
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        l.read(&["plan", "--as-of", "RAG November 20", "--format", "json"])
            .ok()
            .json()
    );

    let before = l.snapshot();
    let status = r#"{"action":"1.3b","review":"rag august 22","status":"completed"}"#;
    let (code, body) = request(
        &s.addr,
        "POST",
        &format!("{base}/status"),
        Some(&viewer),
        status,
    );
    assert_eq!(code, 403, "{body}");
    let bad = r#"{"action":"1.3B","review":"RAG August 22","status":"Done"}"#;
    let (code, body) = request(
        &s.addr,
        "POST",
        &format!("{base}/status"),
        Some(&officer),
        bad,
    );
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("not in the plan's scale"), "{body}");
    let (code, _) = request(
        &s.addr,
        "POST",
        &format!("{base}/status"),
        Some(&officer),
        "{",
    );
    assert_eq!(code, 400);
    let stale = r#"{"action":"1.3B","review":"RAG August 22","status":"Completed","if_head":3}"#;
    let (code, body) = request(
        &s.addr,
        "POST",
        &format!("{base}/status"),
        Some(&officer),
        stale,
    );
    assert_eq!(code, 409, "{body}");
    assert_eq!(
        request(
            &s.addr,
            "GET",
            "/api/v1/plans/other/head",
            Some(&viewer),
            ""
        )
        .0,
        404
    );
    let unknown = r#"{"action":"1.9","review":"RAG August 22","status":"Completed"}"#;
    let (code, body) = request(
        &s.addr,
        "POST",
        &format!("{base}/status"),
        Some(&officer),
        unknown,
    );
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("nearest"), "{body}");
    l.assert_unchanged(&before);

    let (code, body) = request(
        &s.addr,
        "POST",
        &format!("{base}/status"),
        Some(&officer),
        status,
    );
    assert_eq!(code, 201, "{body}");
    let last = l.entries().last().unwrap().clone();
    assert_eq!(last["actor"], "officer1", "the token's name is the actor");
    // One log line per request, naming the token's name, never the token.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let log = s.log.lock().unwrap().join("\n");
    assert!(
        log.contains("POST") && log.contains("/status") && log.contains("officer1"),
        "{log}"
    );
    assert!(log.contains("status=201"), "{log}");
    assert!(
        !log.contains(&officer) && !log.contains(&viewer),
        "a token was logged: {log}"
    );
    assert_eq!(last["event"]["status"], "Completed");
    assert_eq!(last["event"]["action"], "1.3B", "the id as stored");

    // Revoked: refused at once, by the running server.
    l.raw(&[
        "token",
        "revoke",
        "officer1",
        "--ledger",
        l.dir().to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        request(
            &s.addr,
            "POST",
            &format!("{base}/status"),
            Some(&officer),
            status
        )
        .0,
        401
    );
}

#[test]
fn board_views_are_the_cli_json() {
    let l = york();
    let viewer = token(&l, "reader", "viewer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let get = |path: &str| {
        let (code, body) = request(
            &s.addr,
            "GET",
            &format!("/api/v1/plans/{plan}/{path}"),
            Some(&viewer),
            "",
        );
        assert_eq!(code, 200, "{path}: {body}");
        body
    };
    let json = |path: &str| serde_json::from_str::<serde_json::Value>(&get(path)).unwrap();
    assert_eq!(
        json("history/1.3b"),
        l.read(&["history", "1.3B", "--format", "json"]).ok().json()
    );
    assert_eq!(
        json("diff?from=RAG%20August%2020&to=RAG%20November%2020"),
        l.read(&[
            "diff",
            "--from",
            "RAG August 20",
            "--to",
            "RAG November 20",
            "--format",
            "json"
        ])
        .ok()
        .json()
    );
    assert_eq!(
        json("log?action=1.3b&event=status_recorded,correction"),
        l.read(&[
            "log",
            "--action",
            "1.3B",
            "--event",
            "status_recorded,correction",
            "--format",
            "json"
        ])
        .ok()
        .json()
    );
    assert_eq!(
        json("actors"),
        l.read(&["actors", "--format", "json"]).ok().json()
    );
    let cli = l.read(&["check", "--as-of", "RAG February 21", "--format", "json"]);
    assert_eq!(json("check?as_of=RAG%20February%2021"), cli.json());
    let html = get("report?as_of=RAG%20February%2021");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    // The served report has the same appendix for inspectors, checkpoint included.
    assert!(html.contains("Checkpoint of those "), "{html}");
    assert_eq!(json("verify")["ok"], true);
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/diff?from=nope&to=latest"),
        Some(&viewer),
        "",
    );
    assert_eq!(code, 400, "{body}");
    // A malformed query is answered as problem+json too.
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/diff?to=latest"),
        Some(&viewer),
        "",
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body.contains("\"status\":400") && body.contains("from"),
        "{body}"
    );
}

#[test]
fn a_public_server_shows_anonymous_readers_the_plan_but_no_notes_or_entries() {
    let l = york();
    l.write(&[
        "status",
        "1.1",
        "Embedded",
        "--review",
        "RAG August 22",
        "--note",
        "private minute",
    ])
    .ok();
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &["--public"]);
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/plan?as_of=latest"),
        None,
        "",
    );
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("Embedded") && !body.contains("private minute"),
        "{body}"
    );
    for path in [
        "entries",
        "history/1.1",
        "verify",
        "report",
        "evidence/0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let (code, _) = request(
            &s.addr,
            "GET",
            &format!("/api/v1/plans/{plan}/{path}"),
            None,
            "",
        );
        assert_eq!(code, 401, "{path}");
    }
    let status = r#"{"action":"1.1","review":"RAG August 22","status":"Completed"}"#;
    assert_eq!(
        request(
            &s.addr,
            "POST",
            &format!("/api/v1/plans/{plan}/status"),
            None,
            status
        )
        .0,
        401
    );
}

#[test]
fn concurrent_writes_are_group_committed_into_one_chain() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let head = l.entries().len();
    let actions = ["1.1", "1.2", "1.3A", "1.3B", "1.4", "1.5"];
    let threads: Vec<_> = (0..24)
        .map(|i| {
            let (addr, officer, plan) = (s.addr.clone(), officer.clone(), plan.clone());
            let action = actions[i % actions.len()];
            std::thread::spawn(move || {
                let body = format!(
                    r#"{{"action":"{action}","review":"RAG August 22","status":"Completed","note":"request {i}"}}"#
                );
                request(&addr, "POST", &format!("/api/v1/plans/{plan}/status"), Some(&officer), &body)
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in threads {
        let (code, body) = t.join().unwrap();
        assert_eq!(code, 201, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        seqs.push(v["entries"][0]["seq"].as_u64().unwrap());
    }
    seqs.sort();
    let want: Vec<u64> = (head as u64 + 1..=head as u64 + 24).collect();
    assert_eq!(seqs, want, "every request got its own entry");
    l.read(&["verify"]).ok();

    // SIGTERM: the server stops cleanly.
    let mut s = s;
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // Every request has its log line, those still queued written out as it stopped.
    let logged = || {
        let log = s.log.lock().unwrap();
        log.iter()
            .filter(|l| l.contains("/status") && l.contains("status=201"))
            .count()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while logged() < 24 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(logged(), 24, "{:?}", s.log.lock().unwrap());
}

#[test]
fn a_stopped_server_leaves_its_ledger_settled() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let mut s = start(&l, &[]);
    let body = r#"{"action":"1.1","review":"RAG August 22","status":"Completed"}"#;
    let path = format!("/api/v1/plans/{plan}/status");
    let (code, answer) = request(&s.addr, "POST", &path, Some(&officer), body);
    assert_eq!(code, 201, "{answer}");
    // At once: the writer still holds the ledger, its commit only in the journal.
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let journal = std::fs::metadata(l.dir().join("append.journal")).map_or(0, |m| m.len());
    assert_eq!(
        journal, 0,
        "the log was made durable and the journal emptied"
    );
    l.read(&["verify"]).ok();
}

#[test]
fn the_entry_stream_resumes_and_shows_a_new_entry_within_a_second() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let mut s = start(&l, &[]);
    let head = l.entries().len() as u64;
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    write!(
        stream,
        "GET /api/v1/plans/{plan}/entries/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {officer}\r\nLast-Event-ID: {}\r\n\r\n",
        head - 1
    )
    .unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    // Reads lines until one starts with `id: `, returning the seq it names.
    let mut next_id = || loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "stream ended");
        if let Some(id) = line.trim().strip_prefix("id: ") {
            return id.parse::<u64>().unwrap();
        }
    };
    assert_eq!(next_id(), head, "resumes after Last-Event-ID");
    let status = r#"{"action":"1.1","review":"RAG August 22","status":"Completed"}"#;
    let sent = std::time::Instant::now();
    let (code, _) = request(
        &s.addr,
        "POST",
        &format!("/api/v1/plans/{plan}/status"),
        Some(&officer),
        status,
    );
    assert_eq!(code, 201);
    assert_eq!(next_id(), head + 1);
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        sent.elapsed()
    );
    // With the stream still open, SIGTERM stops the server.
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn amendments_corrections_actions_and_areas_by_role() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let admin = token(&l, "admin1", "admin");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let post = |path: &str, token: &str, body: &str| {
        request(
            &s.addr,
            "POST",
            &format!("/api/v1/plans/{plan}/{path}"),
            Some(token),
            body,
        )
    };
    let (code, body) = post(
        "amendments",
        &officer,
        r#"{"action":"1.2","changes":{"lead":"New Lead"},"reason":"board","from":"may 2021"}"#,
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(l.entries().last().unwrap()["event"]["from"], "RAG May 21");
    // Correct the first imported status (entry 2 is source_imported; find a status).
    let target = l
        .entries()
        .iter()
        .find(|e| e["event"]["type"] == "status_recorded")
        .unwrap()["seq"]
        .as_u64()
        .unwrap();
    let (code, body) = post(
        "corrections",
        &officer,
        &format!(r#"{{"target":{target},"status":"not started","reason":"misread"}}"#),
    );
    assert_eq!(code, 201, "{body}");
    let last = l.entries().last().unwrap().clone();
    assert_eq!(last["event"]["type"], "correction");
    assert_eq!(last["event"]["status"], "Not started");
    let (code, body) = post("corrections", &officer, r#"{"target":1,"reason":"x"}"#);
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("can be corrected"), "{body}");
    let area = r#"{"id":"9","title":"New area"}"#;
    assert_eq!(post("areas", &officer, area).0, 403);
    assert_eq!(post("areas", &admin, area).0, 201);
    let action = r#"{"id":"9.1","area":"9","action":"Do it","lead":"X"}"#;
    assert_eq!(post("actions", &officer, action).0, 403);
    let (code, body) = post("actions", &admin, action);
    assert_eq!(code, 201, "{body}");
    let (code, _) = post(
        "actions",
        &admin,
        r#"{"id":"9.2","area":"9","action":"x","colour":"red"}"#,
    );
    assert_eq!(code, 400, "unknown fields are refused");
    l.read(&["verify"]).ok();
}

#[test]
fn openapi_describes_every_route_and_the_server_has_every_route_it_describes() {
    let l = york();
    let viewer = token(&l, "reader", "viewer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let (code, body) = request(&s.addr, "GET", "/openapi.json", None, "");
    assert_eq!(code, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 26, "{}", paths.len());
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            let concrete = path
                .replace("{plan}", &plan)
                .replace("{action}", "1.1")
                .replace("{seq}", "3")
                .replace("{sha256}", &"0".repeat(64));
            if concrete.ends_with("/stream") {
                continue; // an open stream; covered by its own test
            }
            let (code, body) = request(
                &s.addr,
                &method.to_uppercase(),
                &concrete,
                Some(&viewer),
                "{}",
            );
            // A missing route is axum's bare 404; every real answer has a body.
            assert!(
                !(code == 404 && body.is_empty()),
                "{method} {path} is not served"
            );
            assert_ne!(code, 405, "{method} {path}");
        }
    }
}

#[test]
fn an_inclusion_proof_over_http_verifies_offline() {
    let l = york();
    let viewer = token(&l, "reader", "viewer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/proofs/inclusion/5"),
        Some(&viewer),
        "",
    );
    assert_eq!(code, 200, "{body}");
    let proof = l.path("proof.json");
    std::fs::write(&proof, &body).unwrap();
    // The unsigned checkpoint of the same tree, from the command line, checks it.
    let ckpt = l.path("now.ckpt");
    l.read(&["checkpoint", "--out", ckpt.to_str().unwrap()])
        .ok();
    l.raw(&[
        "verify-proof",
        proof.to_str().unwrap(),
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--allow-unsigned",
    ])
    .ok();
    // Against an older tree, and a consistency proof from it to now, both check offline
    // against checkpoints the command line made at those sizes.
    let old_size = l.entries().len();
    l.write(&["status", "1.1", "Embedded", "--review", "RAG August 22"])
        .ok();
    l.write(&["status", "1.2", "Embedded", "--review", "RAG August 22"])
        .ok();
    let new_ckpt = l.path("new.ckpt");
    l.read(&["checkpoint", "--out", new_ckpt.to_str().unwrap()])
        .ok();
    let fetch = |path: String, name: &str| {
        let (code, body) = request(&s.addr, "GET", &path, Some(&viewer), "");
        assert_eq!(code, 200, "{path}: {body}");
        let file = l.path(name);
        std::fs::write(&file, &body).unwrap();
        file
    };
    let old_incl = fetch(
        format!("/api/v1/plans/{plan}/proofs/inclusion/5?size={old_size}"),
        "old-incl.json",
    );
    let cons = fetch(
        format!("/api/v1/plans/{plan}/proofs/consistency?from={old_size}"),
        "cons.json",
    );
    let verify = |args: &[&str]| {
        let mut all = vec!["verify-proof"];
        all.extend_from_slice(args);
        all.push("--allow-unsigned");
        l.raw(&all).ok();
    };
    verify(&[
        old_incl.to_str().unwrap(),
        "--checkpoint",
        ckpt.to_str().unwrap(),
    ]);
    verify(&[
        cons.to_str().unwrap(),
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--checkpoint",
        new_ckpt.to_str().unwrap(),
    ]);
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/proofs/inclusion/5?size=9999"),
        Some(&viewer),
        "",
    );
    assert_eq!(code, 400, "{body}");
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/checkpoint"),
        Some(&viewer),
        "",
    );
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("readiness checkpoint"), "{body}");
}

#[test]
fn a_body_over_the_limit_is_refused_413_and_nothing_is_written() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let before = l.snapshot();
    let note = "x".repeat(2 << 20);
    let body = format!(
        r#"{{"action":"1.1","review":"RAG August 22","status":"Completed","note":"{note}"}}"#
    );
    let (code, answer) = request(
        &s.addr,
        "POST",
        &format!("/api/v1/plans/{plan}/status"),
        Some(&officer),
        &body,
    );
    assert_eq!(code, 413, "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("\"status\":413"), "{answer}");
    l.assert_unchanged(&before);
}

#[test]
fn a_root_serves_every_ledger_under_it_and_a_plan_token_reaches_only_its_plan() {
    let l = york();
    let root = l.dir().parent().unwrap().to_path_buf();
    let other = root.join("other");
    let file = std::fs::canonicalize(YORK).unwrap();
    l.on(&other, &["import", file.to_str().unwrap(), "--by", "me"])
        .ok();
    let mine = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let add = |name: &str, plan: Option<&str>| {
        let mut args = vec![
            "token",
            "add",
            name,
            "--role",
            "viewer",
            "--root",
            root.to_str().unwrap(),
        ];
        if let Some(p) = plan {
            args.extend(["--plan", p]);
        }
        l.raw(&args).ok().stdout.trim().to_string()
    };
    let everywhere = add("board", None);
    let only_other = add("other-officer", Some("other"));
    let s = serving(
        Command::new(env!("CARGO_BIN_EXE_readiness"))
            .args(["serve", "--listen", "127.0.0.1:0", "--root"])
            .arg(&root)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (code, body) = request(&s.addr, "GET", "/api/v1/plans", Some(&everywhere), "");
    assert_eq!(code, 200);
    let listed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut want = vec![mine.clone(), "other".to_string()];
    want.sort();
    assert_eq!(listed["plans"], serde_json::json!(want));
    assert_eq!(
        request(
            &s.addr,
            "GET",
            "/api/v1/plans/other/head",
            Some(&only_other),
            ""
        )
        .0,
        200
    );
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{mine}/head"),
        Some(&only_other),
        "",
    );
    assert_eq!(code, 403, "{body}");
}

/// A request with a raw body and extra headers; the status code and the body as bytes.
fn request_bytes(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let code = std::str::from_utf8(&answer[9..12])
        .unwrap()
        .parse()
        .unwrap();
    let at = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    (code, answer[at..].to_vec())
}

#[test]
fn evidence_uploaded_over_http_downloads_byte_identical_and_redacted_content_is_refused() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let viewer = token(&l, "reader", "viewer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let file: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let path =
        format!("/api/v1/plans/{plan}/evidence?action=1.3b&review=may%202021&name=minutes.pdf");
    let (code, _) = request_bytes(&s.addr, "POST", &path, &viewer, &file);
    assert_eq!(code, 403);
    let (code, body) = request_bytes(&s.addr, "POST", &path, &officer, &file);
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let sha = answer["sha256"].as_str().unwrap().to_string();
    let last = l.entries().last().unwrap().clone();
    assert_eq!(last["event"]["action"], "1.3B");
    assert_eq!(last["event"]["review"], "RAG May 21");
    assert_eq!(last["actor"], "officer1");
    let (code, got) = request_bytes(
        &s.addr,
        "GET",
        &format!("/api/v1/plans/{plan}/evidence/{sha}"),
        &viewer,
        b"",
    );
    assert_eq!(code, 200);
    assert!(got == file, "downloaded bytes differ");
    l.read(&["verify"]).ok();
    // Redacted, the same content is refused and no file is left behind.
    l.write(&["evidence", "redact", &sha, "--reason", "personal data"])
        .ok();
    let before = l.snapshot();
    let (code, body) = request_bytes(&s.addr, "POST", &path, &officer, &file);
    assert_eq!(code, 400, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("redacted"));
    l.assert_unchanged(&before);
    assert!(!l.dir().join("evidence").join(&sha).exists());
    let strays: Vec<_> = std::fs::read_dir(l.dir().join("evidence"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".incoming"))
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
}

#[test]
fn a_remote_sign_off_is_signed_on_the_signers_machine_and_verifies() {
    let l = york();
    let signer = token(&l, "chair", "signer");
    let officer = token(&l, "officer1", "officer");
    let key = l.path("chair.key");
    let key = key.to_str().unwrap();
    l.raw(&["key", "new", "chair", "--out", key]).ok();
    let public = format!("{key}.pub");
    l.write(&[
        "key", "register", "Jo Chair", "--public", &public, "--role", "Chair",
    ])
    .ok();
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let url = format!("http://{}/api/v1/plans/{plan}", s.addr);
    let remote = |token: &str| {
        l.raw(&[
            "sign-off",
            "1.3b",
            "--review",
            "rag may 21",
            "--key",
            key,
            "--remote",
            &url,
            "--token",
            token,
            "--statement",
            "checked against the minutes",
        ])
    };
    // An officer may not sign off; nothing is written.
    let before = l.snapshot();
    remote(&officer).code(2).stderr_has("signer");
    l.assert_unchanged(&before);
    let run = remote(&signer)
        .ok()
        .stdout_has("appended")
        .stderr_has("signing for");
    assert!(run.stderr.contains("RAG May 21"), "{run:#?}");
    let last = l.entries().last().unwrap().clone();
    assert_eq!(last["event"]["type"], "signed_off");
    assert_eq!(last["actor"], "chair");
    assert_eq!(last["event"]["action"], "1.3B");
    // The key file was only read: the server holds no private key, and verify checks the
    // signature against the registered public key.
    l.read(&["verify"]).ok().stdout_has("1 sign-off");
    // A forged signature is refused by the plan's rules.
    let (code, body) = request(
        &s.addr,
        "GET",
        &format!(
            "/api/v1/plans/{plan}/sign-offs/draft?action=1.1&review=RAG%20May%2021&key_id={}",
            last["event"]["key_id"].as_str().unwrap()
        ),
        Some(&signer),
        "",
    );
    assert_eq!(code, 200, "{body}");
    let draft: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut forged = draft["sign_off"].clone();
    forged["signature"] = serde_json::json!("00".repeat(64));
    let before = l.snapshot();
    let (code, body) = request(
        &s.addr,
        "POST",
        &format!("/api/v1/plans/{plan}/sign-offs"),
        Some(&signer),
        &forged.to_string(),
    );
    assert_eq!(code, 400, "{body}");
    l.assert_unchanged(&before);
}

#[test]
fn https_with_a_certificate_and_no_plain_http_off_loopback() {
    let l = york();
    let viewer = token(&l, "reader", "viewer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let cert = std::fs::canonicalize("tests/data/tls/cert.pem").unwrap();
    let key = std::fs::canonicalize("tests/data/tls/key.pem").unwrap();
    let s = start(
        &l,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    use rustls::pki_types::pem::PemObject;
    let ca = std::fs::canonicalize("tests/data/tls/ca.pem").unwrap();
    let der = rustls::pki_types::CertificateDer::from_pem_file(&ca).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(&s.addr).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "GET /api/v1/plans/{plan}/head HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {viewer}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer); // a close without close_notify is not our concern
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"seq\":"), "{text}");
    // Plain HTTP to the TLS port is not answered as HTTP.
    let code = try_request(&s.addr, "GET", "/healthz", None, "").map_or(0, |a| a.0);
    assert_ne!(code, 200);
    // SIGTERM stops the HTTPS server cleanly too.
    let mut s = s;
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    assert!(s.child.wait().unwrap().success());

    // Off loopback, plain HTTP needs --insecure-http.
    l.raw(&[
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--ledger",
        l.dir().to_str().unwrap(),
    ])
    .code(2)
    .stderr_has("--tls-cert");
}

#[test]
fn every_write_is_allowed_to_its_role_and_above_and_refused_403_below() {
    let l = york();
    let roles = ["viewer", "officer", "signer", "admin"];
    let tokens: Vec<String> = roles
        .iter()
        .map(|r| token(&l, &format!("t-{r}"), r))
        .collect();
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let target = l
        .entries()
        .iter()
        .find(|e| e["event"]["type"] == "status_recorded")
        .unwrap()["seq"]
        .as_u64()
        .unwrap();
    let sign_off = format!(
        r#"{{"action":"1.1","review":"RAG May 20","status":"Completed","key_id":"{}","role":"Chair","head_seq":1,"head_hash":"{}","signature":"{}"}}"#,
        "0".repeat(64),
        "0".repeat(64),
        "0".repeat(128)
    );
    // (path, lowest role allowed, body)
    let writes: Vec<(&str, usize, String)> = vec![
        (
            "status",
            1,
            r#"{"action":"1.1","review":"RAG August 22","status":"Completed"}"#.into(),
        ),
        (
            "reviews",
            1,
            r#"{"label":"RAG March 30","date":"2030-03-31"}"#.into(),
        ),
        (
            "withdrawals",
            1,
            r#"{"action":"1.5","reason":"merged","from":"RAG August 22"}"#.into(),
        ),
        (
            "amendments",
            1,
            r#"{"action":"1.2","changes":{"lead":"X"},"reason":"r","from":"RAG August 22"}"#.into(),
        ),
        (
            "corrections",
            1,
            format!(r#"{{"target":{target},"note":"n","reason":"r"}}"#),
        ),
        ("sign-offs", 2, sign_off),
        ("areas", 3, r#"{"id":"8","title":"T"}"#.into()),
        (
            "actions",
            3,
            r#"{"id":"8.1","area":"1","action":"A"}"#.into(),
        ),
    ];
    for (path, lowest, body) in &writes {
        for (i, token) in tokens.iter().enumerate() {
            let (code, answer) = request(
                &s.addr,
                "POST",
                &format!("/api/v1/plans/{plan}/{path}"),
                Some(token),
                body,
            );
            if i < *lowest {
                assert_eq!(code, 403, "{path} as {}: {answer}", roles[i]);
            } else {
                assert_ne!(code, 403, "{path} as {}: {answer}", roles[i]);
                assert_ne!(code, 401, "{path} as {}: {answer}", roles[i]);
            }
        }
    }
    l.read(&["verify"]).ok();
}

#[test]
fn sixty_four_clients_writing_at_once_each_land_exactly_once_while_the_cli_reads() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let head = l.entries().len() as u64;
    let actions = ["1.1", "1.2", "1.3A", "1.3B", "1.4", "1.5"];
    let statuses = ["Not started", "Started but delayed", "Completed"];
    let clients: Vec<_> = (0..64)
        .map(|c| {
            let (addr, officer, plan) = (s.addr.clone(), officer.clone(), plan.clone());
            std::thread::spawn(move || {
                (0..50)
                    .map(|w| {
                        let body = format!(
                            r#"{{"action":"{}","review":"RAG August 22","status":"{}","note":"client {c} write {w}"}}"#,
                            actions[(c + w) % actions.len()],
                            statuses[w % statuses.len()]
                        );
                        let (code, answer) = request(&addr, "POST", &format!("/api/v1/plans/{plan}/status"), Some(&officer), &body);
                        assert_eq!(code, 201, "{answer}");
                        let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
                        let e = &v["entries"][0];
                        (e["seq"].as_u64().unwrap(), e["hash"].as_str().unwrap().to_string(), format!("client {c} write {w}"))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    // The command line reads the ledger while the server writes.
    for _ in 0..3 {
        l.read(&["matrix", "--format", "json"]).ok();
    }
    let mut acked: Vec<(u64, String, String)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    acked.sort();
    assert_eq!(acked.len(), 3200);
    let entries = l.entries();
    assert_eq!(
        entries.len() as u64,
        head + 3200,
        "every write once, nothing else"
    );
    for (seq, hash, note) in &acked {
        let e = &entries[*seq as usize - 1];
        assert_eq!(e["hash"], hash.as_str(), "entry {seq}");
        assert_eq!(e["event"]["note"], note.as_str(), "entry {seq}");
    }
    l.read(&["verify"]).ok();
}

#[test]
fn a_server_killed_mid_write_keeps_every_acknowledged_entry() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    for round in 0..3 {
        let mut s = start(&l, &[]);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let clients: Vec<_> = (0..16)
            .map(|c| {
                let (addr, officer, plan, stop) = (s.addr.clone(), officer.clone(), plan.clone(), stop.clone());
                let answered = answered.clone();
                std::thread::spawn(move || {
                    let mut acked = Vec::new();
                    let mut w = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        w += 1;
                        let body = format!(
                            r#"{{"action":"1.1","review":"RAG August 22","status":"Completed","note":"round {round} client {c} write {w}"}}"#
                        );
                        // A killed server answers nothing: only a whole 201 counts.
                        let answer = try_request(&addr, "POST", &format!("/api/v1/plans/{plan}/status"), Some(&officer), &body);
                        match answer {
                            Some((201, text)) => {
                                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                                let e = &v["entries"][0];
                                acked.push((e["seq"].as_u64().unwrap(), e["hash"].as_str().unwrap().to_string()));
                                answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                            _ => break,
                        }
                    }
                    acked
                })
            })
            .collect();
        // Kill once writes are flowing (however busy the machine), at a different moment
        // each round.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while answered.load(std::sync::atomic::Ordering::Relaxed) < 20 * (round as usize + 1)
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        s.child.kill().unwrap();
        s.child.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let acked: Vec<(u64, String)> = clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        assert!(
            !acked.is_empty(),
            "round {round}: no write was answered before the kill"
        );
        // The next command finishes or rolls back an interrupted append by itself.
        l.read(&["verify"]).ok();
        let entries = l.entries();
        for (seq, hash) in &acked {
            assert_eq!(
                entries[*seq as usize - 1]["hash"],
                hash.as_str(),
                "round {round}: acknowledged entry {seq}"
            );
        }
    }
}

#[test]
fn the_command_line_writes_between_server_commits_and_the_server_sees_it_at_once() {
    let l = york();
    let officer = token(&l, "officer1", "officer");
    let plan = l.dir().file_name().unwrap().to_str().unwrap().to_string();
    let s = start(&l, &[]);
    let status = format!("/api/v1/plans/{plan}/status");
    let view = format!("/api/v1/plans/{plan}/matrix?as_of=RAG%20August%2022");
    let body = r#"{"action":"1.1","review":"RAG August 22","status":"Completed","note":"server"}"#;
    let (code, answer) = request(&s.addr, "POST", &status, Some(&officer), body);
    assert_eq!(code, 201, "{answer}");
    let (code, before) = request(&s.addr, "GET", &view, Some(&officer), "");
    assert_eq!(code, 200, "{before}");
    // The server's writer lets the ledger go when idle: the command line gets in.
    l.write(&[
        "status",
        "1.2",
        "Started but delayed",
        "--review",
        "RAG August 22",
        "--note",
        "cli",
    ])
    .ok();
    let (code, after) = request(&s.addr, "GET", &view, Some(&officer), "");
    assert_eq!(code, 200, "{after}");
    assert_ne!(before, after, "a view after a command-line write shows it");
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    let cli = l
        .read(&["matrix", "--as-of", "RAG August 22", "--format", "json"])
        .json();
    assert_eq!(after, cli, "the server's view is the command line's");
    let (code, answer) = request(&s.addr, "POST", &status, Some(&officer), body);
    assert_eq!(code, 201, "{answer}");
    let seqs: Vec<u64> = l
        .entries()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "one chain");
    l.read(&["verify"]).ok();
}
