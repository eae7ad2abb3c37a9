//! Admin over HTTP: tokens made, listed and revoked by admins only (an admin of one plan
//! only within it), signing keys registered and revoked, evidence redacted and reviews
//! rescheduled, each leaving a ledger `readiness verify` accepts.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use util::Ledger;

/// A running `readiness serve` and the address it bound.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `l` on a free port; its stderr is drained so it never blocks.
fn start(l: &Ledger) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args(["serve", "--listen", "127.0.0.1:0", "--ledger"])
        .arg(l.dir())
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start readiness serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let addr = line.trim().rsplit("://").next().unwrap().to_string();
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    Server { child, addr }
}

/// One HTTP/1.1 request: the status code and the body as JSON (null when none).
fn call(
    s: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let code = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1;
    (code, serde_json::from_str(body).unwrap_or_default())
}

/// A token made on the command line; `plan` scopes it.
fn token(l: &Ledger, name: &str, role: &str, plan: Option<&str>) -> String {
    let mut args = vec!["token", "add", name, "--role", role];
    if let Some(p) = plan {
        args.extend(["--plan", p]);
    }
    args.extend(["--ledger", l.dir().to_str().unwrap()]);
    l.raw(&args).ok().stdout.trim().to_string()
}

const PLAN: &str = "/api/v1/plans/ledger";

#[test]
fn tokens_are_made_used_and_revoked_by_admins_only() {
    let l = Ledger::sample();
    let admin = token(&l, "root", "admin", None);
    let officer = token(&l, "officer1", "officer", None);
    let s = start(&l);

    assert_eq!(call(&s, "GET", "/api/v1/tokens", None, "").0, 401);
    let (code, body) = call(&s, "GET", "/api/v1/tokens", Some(&officer), "");
    assert_eq!(code, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("needs admin"),
        "{body}"
    );
    let clerk = r#"{"name":"clerk","role":"officer"}"#;
    assert_eq!(
        call(&s, "POST", "/api/v1/tokens", Some(&officer), clerk).0,
        403
    );

    let (code, made) = call(&s, "POST", "/api/v1/tokens", Some(&admin), clerk);
    assert_eq!(code, 201, "{made}");
    let secret = made["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("rl_"), "{made}");
    let file = l.tmp().join("readiness-tokens.json");
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(
        stored.contains("clerk") && !stored.contains(&secret),
        "only the hash is kept"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (code, body) = call(&s, "POST", "/api/v1/tokens", Some(&admin), clerk);
    assert_eq!(code, 409, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("already exists"),
        "{body}"
    );
    let bad_role = r#"{"name":"x","role":"owner"}"#;
    assert_eq!(
        call(&s, "POST", "/api/v1/tokens", Some(&admin), bad_role).0,
        400
    );

    // The new token writes, as itself.
    let status = r#"{"action":"1.2","review":"rag november 20","status":"completed"}"#;
    let (code, body) = call(&s, "POST", &format!("{PLAN}/status"), Some(&secret), status);
    assert_eq!(code, 201, "{body}");
    assert_eq!(l.entries().last().unwrap()["actor"], "clerk");

    let (code, list) = call(&s, "GET", "/api/v1/tokens", Some(&admin), "");
    assert_eq!(code, 200);
    let names: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["root", "officer1", "clerk"]);
    let listed = list.to_string();
    assert!(
        !listed.contains("sha256") && !listed.contains(&secret),
        "{listed}"
    );

    let (code, body) = call(&s, "DELETE", "/api/v1/tokens/clerk", Some(&admin), "");
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        call(&s, "GET", &format!("{PLAN}/head"), Some(&secret), "").0,
        401
    );
    assert_eq!(
        call(&s, "DELETE", "/api/v1/tokens/clerk", Some(&admin), "").0,
        404
    );
    let cli = l
        .raw(&["token", "list", "--ledger", l.dir().to_str().unwrap()])
        .ok();
    assert!(
        cli.stdout.contains("clerk\tofficer\tevery plan"),
        "{}",
        cli.stdout
    );
    assert!(cli.stdout.contains("revoked"), "{}", cli.stdout);
}

#[test]
fn an_admin_of_one_plan_manages_only_its_tokens() {
    let l = Ledger::sample();
    let scoped = token(&l, "plan-admin", "admin", Some("ledger"));
    token(&l, "everywhere", "viewer", None);
    let s = start(&l);
    for body in [
        r#"{"name":"wide","role":"viewer"}"#,
        r#"{"name":"other","role":"viewer","plan":"other"}"#,
    ] {
        let (code, answer) = call(&s, "POST", "/api/v1/tokens", Some(&scoped), body);
        assert_eq!(code, 403, "{body}: {answer}");
        assert!(answer["detail"]
            .as_str()
            .unwrap()
            .contains("is for plan \"ledger\" only"));
    }
    let own = r#"{"name":"reader","role":"viewer","plan":"ledger"}"#;
    let (code, made) = call(&s, "POST", "/api/v1/tokens", Some(&scoped), own);
    assert_eq!(code, 201, "{made}");
    let (_, list) = call(&s, "GET", "/api/v1/tokens", Some(&scoped), "");
    let names: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["plan-admin", "reader"]);
    assert_eq!(
        call(&s, "DELETE", "/api/v1/tokens/everywhere", Some(&scoped), "").0,
        403
    );
    assert_eq!(
        call(&s, "DELETE", "/api/v1/tokens/reader", Some(&scoped), "").0,
        200
    );
}

#[test]
fn keys_registered_and_revoked_over_http_verify() {
    let l = Ledger::sample();
    let admin = token(&l, "root", "admin", None);
    let officer = token(&l, "officer1", "officer", None);
    let key = l.path("chair.key");
    l.raw(&["key", "new", "Chair", "--out", key.to_str().unwrap()])
        .ok();
    let public = std::fs::read_to_string(l.path("chair.key.pub")).unwrap();
    let s = start(&l);
    let register =
        serde_json::json!({"name": "Chair", "public": public, "role": "SEND board chair"})
            .to_string();
    let before = l.snapshot();
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/keys"),
        Some(&officer),
        &register,
    );
    assert_eq!(code, 403, "{body}");
    l.assert_unchanged(&before);
    let (code, body) = call(&s, "POST", &format!("{PLAN}/keys"), Some(&admin), &register);
    assert_eq!(code, 201, "{body}");
    let (code, body) = call(&s, "POST", &format!("{PLAN}/keys"), Some(&admin), &register);
    assert_eq!(code, 400, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("already registered"),
        "{body}"
    );

    let keys = l.read(&["key", "list", "--format", "json"]).ok().json();
    assert_eq!(keys[0]["name"], "Chair");
    assert_eq!(keys[0]["role"], "SEND board chair");
    let id = keys[0]["key_id"].as_str().unwrap().to_string();
    let revoke = format!("{PLAN}/keys/{}/revoke", &id[..10]);
    let head = l.entries().len();
    let stale = format!(r#"{{"reason":"stood down","if_head":{}}}"#, head - 1);
    assert_eq!(call(&s, "POST", &revoke, Some(&admin), &stale).0, 409);
    let fresh = format!(r#"{{"reason":"stood down","if_head":{head}}}"#);
    let (code, body) = call(&s, "POST", &revoke, Some(&admin), &fresh);
    assert_eq!(code, 201, "{body}");
    let (code, body) = call(&s, "POST", &revoke, Some(&admin), r#"{"reason":"again"}"#);
    assert_eq!(code, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("already revoked"),
        "{body}"
    );
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/keys/ffffff/revoke"),
        Some(&admin),
        r#"{"reason":"x"}"#,
    );
    assert_eq!(code, 404, "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("`readiness key list` shows them"));
    // Not hex at all: the request is wrong, not the ledger short of something.
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/keys/not-a-key/revoke"),
        Some(&admin),
        r#"{"reason":"x"}"#,
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("not-a-key"),
        "{body}"
    );
    let keys = l.read(&["key", "list", "--format", "json"]).ok().json();
    assert!(keys[0]["revoked"].is_u64(), "{keys}");
    l.read(&["verify"]).ok();
}

#[test]
fn reviews_rescheduled_and_evidence_redacted_over_http_verify() {
    let l = Ledger::sample();
    let admin = token(&l, "root", "admin", None);
    let officer = token(&l, "officer1", "officer", None);
    let file = l.path("minutes.txt");
    std::fs::write(&file, "names a child").unwrap();
    l.write(&["evidence", "add", "1.1", file.to_str().unwrap()])
        .ok();
    let sha = l.entries().last().unwrap()["event"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = l.dir().join("evidence").join(&sha);
    assert!(stored.exists());
    let s = start(&l);

    let moved = r#"{"label":"rag may 20","date":"7 June 2020","new_label":"RAG June 20","reason":"board moved"}"#;
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/reschedules"),
        Some(&officer),
        moved,
    );
    assert_eq!(code, 201, "{body}");
    let event = l.entries().last().unwrap()["event"].clone();
    assert_eq!(event["label"], "RAG May 20");
    assert_eq!(event["date"], "2020-06-07");
    let unknown = r#"{"label":"RAG May 20","date":"2020-06-08","reason":"x"}"#;
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/reschedules"),
        Some(&officer),
        unknown,
    );
    assert_eq!(code, 404, "{body}");

    let redact = format!(r#"{{"sha256":"{}","reason":"names a child"}}"#, &sha[..8]);
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/redactions"),
        Some(&officer),
        &redact,
    );
    assert_eq!(code, 403, "{body}");
    assert!(stored.exists());
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/redactions"),
        Some(&admin),
        &redact,
    );
    assert_eq!(code, 201, "{body}");
    assert!(!stored.exists(), "the bytes are gone");
    let (code, body) = call(
        &s,
        "POST",
        &format!("{PLAN}/redactions"),
        Some(&admin),
        &redact,
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("was already redacted at entry"),
        "{body}"
    );
    l.read(&["verify"]).ok().stdout_has("redacted");
}

#[test]
fn every_admin_route_is_refused_below_admin_and_writes_nothing() {
    let l = Ledger::sample();
    let roles = ["viewer", "officer", "signer"].map(|r| (r, token(&l, r, r, None)));
    let s = start(&l);
    let before = l.snapshot();
    let tokens_before = std::fs::read(l.tmp().join("readiness-tokens.json")).unwrap();
    let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let register = format!(r#"{{"name":"x","public":"{key}","role":"chair"}}"#);
    let admin_only = [
        ("POST", format!("{PLAN}/keys"), register.as_str()),
        (
            "POST",
            format!("{PLAN}/keys/{key}/revoke"),
            r#"{"reason":"x"}"#,
        ),
        (
            "POST",
            format!("{PLAN}/redactions"),
            r#"{"sha256":"abcdef","reason":"x"}"#,
        ),
        (
            "POST",
            "/api/v1/tokens".into(),
            r#"{"name":"x","role":"viewer"}"#,
        ),
        ("GET", "/api/v1/tokens".into(), ""),
        ("DELETE", "/api/v1/tokens/viewer".into(), ""),
    ];
    for (role, t) in &roles {
        for (method, path, body) in &admin_only {
            let (code, answer) = call(&s, method, path, Some(t), body);
            assert_eq!(code, 403, "{role}: {method} {path}: {answer}");
            assert!(
                answer["detail"].as_str().unwrap().contains("needs admin"),
                "{answer}"
            );
        }
    }
    let moved = r#"{"label":"RAG May 20","date":"2020-06-07","reason":"x"}"#;
    let (code, _) = call(
        &s,
        "POST",
        &format!("{PLAN}/reschedules"),
        Some(&roles[0].1),
        moved,
    );
    assert_eq!(code, 403, "a viewer cannot reschedule");
    l.assert_unchanged(&before);
    let tokens_after = std::fs::read(l.tmp().join("readiness-tokens.json")).unwrap();
    assert_eq!(tokens_before, tokens_after);
}
