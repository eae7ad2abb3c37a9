//! Keys and signed sign-offs through the binary: make, register, sign, verify; and every
//! way a sign-off can be forged or refused.

mod util;

use readiness_ledger::event::SignedOff;
use readiness_ledger::plan::trust::{hex_bytes, sign_signoff};
use serde_json::Value;
use sha2::{Digest, Sha256};
use util::{join_lines, split_lines, Ledger, ORIGIN};

const NOV: &str = "RAG November 20";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Re-links and re-hashes every line from index `from` on, as a forger would, so only the
/// signature check can tell. serde_json sorts keys and writes no whitespace: for the
/// ASCII text these tests use, that is the canonical form.
fn reseal(lines: &mut [Vec<u8>], from: usize) {
    for i in from..lines.len() {
        let mut v: Value = serde_json::from_slice(&lines[i]).unwrap();
        let map = v.as_object_mut().unwrap();
        map.insert("seq".into(), Value::from(i as u64 + 1));
        if i > 0 {
            let prev: Value = serde_json::from_slice(&lines[i - 1]).unwrap();
            map.insert("prev".into(), prev["hash"].clone());
        }
        map.remove("hash");
        let hash = sha256_hex(serde_json::to_string(&v).unwrap().as_bytes());
        v.as_object_mut()
            .unwrap()
            .insert("hash".into(), Value::String(hash));
        lines[i] = serde_json::to_string(&v).unwrap().into_bytes();
    }
}

/// Applies `change` to the event of entry `seq` (1-based), re-seals, and writes the log.
fn forge(l: &Ledger, seq: usize, change: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let mut lines = split_lines(&l.log_bytes());
    let mut v: Value = serde_json::from_slice(&lines[seq - 1]).unwrap();
    change(v["event"].as_object_mut().unwrap());
    lines[seq - 1] = serde_json::to_string(&v).unwrap().into_bytes();
    reseal(&mut lines, seq - 1);
    std::fs::write(l.log_path(), join_lines(&lines)).unwrap();
}

/// Makes a key pair `<tmp>/<name>.key` (+ `.pub`); returns the private key's path.
fn new_key(l: &Ledger, name: &str) -> String {
    let key = l.path(&format!("{name}.key"));
    let key = key.to_str().unwrap().to_string();
    l.raw(&["key", "new", name, "--out", &key]).ok();
    key
}

/// The sample ledger (9 entries) with a Chair key registered (entry 10).
fn with_key() -> (Ledger, String) {
    let l = Ledger::sample();
    let key = new_key(&l, "chair");
    let public = format!("{key}.pub");
    l.write(&[
        "key", "register", "Jo Chair", "--public", &public, "--role", "Chair",
    ])
    .ok();
    (l, key)
}

/// [`with_key`] plus a sign-off of 1.1 at November (entry 11).
fn signed() -> (Ledger, String) {
    let (l, key) = with_key();
    l.write_as(
        "jo@council",
        &[
            "sign-off",
            "1.1",
            "--review",
            NOV,
            "--key",
            &key,
            "--statement",
            "Checked against the board minutes",
        ],
    )
    .ok();
    (l, key)
}

fn verify_fails_naming(l: &Ledger, seq: u64, needle: &str) {
    let run = l.read(&["verify"]).code(1);
    let text = format!("entry {seq}:");
    assert!(run.stdout.contains(&text), "should name {text}: {run:#?}");
    assert!(
        run.stdout.contains(needle),
        "should say {needle:?}: {run:#?}"
    );
    let v = l.read(&["verify", "--format", "json"]).code(1).json();
    assert_eq!(v["failure"]["seq"], seq, "{v:#}");
}

#[test]
fn key_new_writes_a_private_file_with_mode_0600_and_a_public_file() {
    use std::os::unix::fs::PermissionsExt;
    let l = Ledger::empty();
    let key = new_key(&l, "chair");
    let private = std::fs::read_to_string(&key).unwrap();
    let public = std::fs::read_to_string(format!("{key}.pub")).unwrap();
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "private key mode");
    assert!(private
        .lines()
        .any(|l| l.starts_with('#') && l.contains("chair")));
    assert!(public
        .lines()
        .any(|l| l.starts_with('#') && l.contains("chair")));
    let seed = private.lines().find(|l| !l.starts_with('#')).unwrap();
    let pk = public.lines().find(|l| !l.starts_with('#')).unwrap();
    assert!(hex_bytes::<32>(seed).is_some() && hex_bytes::<32>(pk).is_some());
    assert_ne!(seed, pk);
    // Nothing is overwritten, and no ledger is touched.
    l.raw(&["key", "new", "other", "--out", &key])
        .code(2)
        .stderr_has("already exists");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), private);
    assert!(!l.dir().exists());
}

#[test]
fn register_sign_off_and_verify() {
    let (l, key) = signed();
    let entries = l.entries();
    assert_eq!(entries.len(), 11);
    let e = &entries[10]["event"];
    assert_eq!(e["type"], "signed_off");
    assert_eq!(e["status"], "Completed");
    assert_eq!(e["role"], "Chair");
    assert_eq!(e["head_seq"], 10);
    assert_eq!(e["head_hash"], entries[9]["hash"]);
    // The private key never enters the ledger.
    let private = std::fs::read_to_string(&key).unwrap();
    let seed = private.lines().find(|l| !l.starts_with('#')).unwrap();
    assert!(!String::from_utf8_lossy(&l.log_bytes()).contains(seed));

    l.read(&["verify"])
        .ok()
        .stdout_has("signatures: ok: 1 sign-off checked (1 key registered, 0 revoked)");
    let v = l.read(&["verify", "--format", "json"]).ok().json();
    assert_eq!(v["counts"]["signed_off"], 1);
    assert_eq!(v["failure"], Value::Null);
    assert_eq!(v["ok"], true);
    // An export verifies the same way.
    let export = l.export("x.jsonl");
    l.on(&export, &["verify"])
        .ok()
        .stdout_has("1 sign-off checked");
    // --strict is kept for old scripts; every verify is the full one.
    l.read(&["verify", "--strict"]).ok();

    let keys = l.read(&["key", "list", "--format", "json"]).ok().json();
    assert_eq!(keys[0]["name"], "Jo Chair");
    assert_eq!(keys[0]["role"], "Chair");
    assert_eq!(keys[0]["registered"], 10);
    assert_eq!(keys[0]["revoked"], Value::Null);
    l.read(&["key", "list"]).ok().stdout_has("Jo Chair");
}

#[test]
fn changing_any_signed_member_fails_verify_naming_the_entry() {
    type Change = fn(&mut serde_json::Map<String, Value>);
    let changes: &[(&str, Change)] = &[
        ("action", |e| {
            e.insert("action".into(), "1.2".into());
        }),
        ("review", |e| {
            e.insert("review".into(), "RAG May 20".into());
        }),
        ("status", |e| {
            e.insert("status".into(), "Embedded".into());
        }),
        ("role", |e| {
            e.insert("role".into(), "Chain".into());
        }),
        ("statement", |e| {
            e.insert(
                "statement".into(),
                "Checked against the board minutez".into(),
            );
        }),
        ("no statement", |e| {
            e.remove("statement");
        }),
        ("head_seq", |e| {
            e.insert("head_seq".into(), 9.into());
        }),
        ("head_hash", |e| {
            let h = e["head_hash"].as_str().unwrap();
            let flipped = if h.starts_with('0') { "1" } else { "0" };
            e.insert("head_hash".into(), format!("{flipped}{}", &h[1..]).into());
        }),
        ("signature", |e| {
            let s = e["signature"].as_str().unwrap();
            let flipped = if s.ends_with('0') { "1" } else { "0" };
            e.insert(
                "signature".into(),
                format!("{}{flipped}", &s[..s.len() - 1]).into(),
            );
        }),
        ("key_id", |e| {
            let s = e["key_id"].as_str().unwrap();
            let flipped = if s.starts_with('a') { "b" } else { "a" };
            e.insert("key_id".into(), format!("{flipped}{}", &s[1..]).into());
        }),
    ];
    for (what, change) in changes {
        let (l, _) = signed();
        forge(&l, 11, change);
        // The chain itself is fine (re-hashed): only the sign-off checks can catch it.
        let run = l.read(&["verify", "--format", "json"]).code(1);
        let v = run.json();
        assert_eq!(v["failure"]["seq"], 11, "{what}: {v:#}");
        let check = v["failure"]["check"].as_str().unwrap();
        assert!(
            [
                "signatures",
                "signed status shown",
                "sign-off heads",
                "plan rules"
            ]
            .contains(&check),
            "{what}: failed the {check} check, not a sign-off check: {v:#}"
        );
        l.read(&["verify"]).code(1).stdout_has("FAILED: entry 11 (");
    }
    // A byte anywhere in the signature matters, not just the last.
    for i in [0, 1, 63, 64, 126] {
        let (l, _) = signed();
        forge(&l, 11, |e| {
            let mut s = e["signature"].as_str().unwrap().as_bytes().to_vec();
            s[i] = if s[i] == b'0' { b'1' } else { b'0' };
            e.insert("signature".into(), String::from_utf8(s).unwrap().into());
        });
        l.read(&["verify"]).code(1).stdout_has("entry 11:");
    }
}

#[test]
fn a_properly_signed_sign_off_naming_a_wrong_head_fails_verify() {
    let (l, key) = signed();
    let private = std::fs::read_to_string(&key).unwrap();
    let seed = hex_bytes::<32>(private.lines().find(|l| !l.starts_with('#')).unwrap()).unwrap();
    forge(&l, 11, |e| {
        let mut s: SignedOff = serde_json::from_value(Value::Object({
            let mut m = e.clone();
            m.remove("type");
            m.remove("v");
            m
        }))
        .unwrap();
        s.version = e["v"].as_u64().unwrap(); // the version decides the bytes signed
        s.head_seq = 9; // signed, but entry 9's hash is not the one named
        sign_signoff(&seed, ORIGIN, &mut s);
        e.insert("head_seq".into(), s.head_seq.into());
        e.insert("signature".into(), s.signature.into());
    });
    verify_fails_naming(&l, 11, "names head 9");
}

#[test]
fn a_sign_off_with_an_unregistered_key_is_refused() {
    let (l, _) = with_key();
    let other = new_key(&l, "stranger");
    let before = l.snapshot();
    l.write(&["sign-off", "1.1", "--review", NOV, "--key", &other])
        .code(2)
        .stderr_has("not registered");
    l.assert_unchanged(&before);

    // Forged into the ledger: a key nobody registered.
    let (l, _) = signed();
    let stranger = new_key(&l, "stranger");
    let private = std::fs::read_to_string(&stranger).unwrap();
    let seed = hex_bytes::<32>(private.lines().find(|l| !l.starts_with('#')).unwrap()).unwrap();
    let pk = readiness_ledger::plan::trust::public_key(&seed);
    forge(&l, 11, |e| {
        let mut m = e.clone();
        m.remove("type");
        m.remove("v");
        let mut s: SignedOff = serde_json::from_value(Value::Object(m)).unwrap();
        s.key_id = readiness_ledger::plan::trust::key_id(&pk);
        sign_signoff(&seed, ORIGIN, &mut s);
        e.insert("key_id".into(), s.key_id.into());
        e.insert("signature".into(), s.signature.into());
    });
    verify_fails_naming(&l, 11, "not registered");
}

#[test]
fn a_revoked_key_cannot_sign_and_a_forged_late_sign_off_fails_verify() {
    let (l, key) = signed();
    let key_id = l.entries()[9]["event"]["key_id"]
        .as_str()
        .unwrap()
        .to_string();
    l.write(&["key", "revoke", &key_id, "--reason", "left the council"])
        .ok();
    let keys = l.read(&["key", "list", "--format", "json"]).ok().json();
    assert_eq!(keys[0]["revoked"], 12);
    // Earlier sign-offs stay valid.
    l.read(&["verify"]).ok().stdout_has("1 revoked");
    let before = l.snapshot();
    l.write(&["sign-off", "1.1", "--review", NOV, "--key", &key])
        .code(2)
        .stderr_has("revoked at entry 12");
    l.assert_unchanged(&before);

    // Move the revocation before the sign-off and re-hash: the signature still matches
    // (same fields, same head), but the key was revoked when it was appended.
    let mut lines = split_lines(&l.log_bytes());
    lines.swap(10, 11);
    // Time never goes back: the moved entries swap their recorded_at too.
    let mut a: Value = serde_json::from_slice(&lines[10]).unwrap();
    let mut b: Value = serde_json::from_slice(&lines[11]).unwrap();
    let t = a["recorded_at"].clone();
    a["recorded_at"] = b["recorded_at"].clone();
    b["recorded_at"] = t;
    lines[10] = serde_json::to_vec(&a).unwrap();
    lines[11] = serde_json::to_vec(&b).unwrap();
    reseal(&mut lines, 10);
    std::fs::write(l.log_path(), join_lines(&lines)).unwrap();
    verify_fails_naming(&l, 12, "revoked at entry 11");
}

#[test]
fn plan_marks_signed_statuses_and_flags_a_superseded_sign_off() {
    let (l, _) = signed();
    let v = l
        .read(&["plan", "--as-of", NOV, "--format", "json"])
        .ok()
        .json();
    let actions = v["areas"][0]["actions"].as_array().unwrap();
    let s11 = &actions[0]["status"];
    let s12 = &actions[1]["status"];
    assert_eq!(s11["signed_by"], serde_json::json!(["Chair"]), "{v:#}");
    assert_eq!(s12["signed_by"], Value::Null, "not signed: {v:#}");
    l.read(&["plan", "--as-of", NOV])
        .ok()
        .stdout_has("signed off by Chair");

    // The signed status is corrected: the sign-off no longer covers what is shown.
    l.write(&[
        "correct",
        "9",
        "--status",
        "Progressing and on track",
        "--reason",
        "minutes say otherwise",
    ])
    .ok();
    let v = l
        .read(&["plan", "--as-of", NOV, "--format", "json"])
        .ok()
        .json();
    let s11 = &v["areas"][0]["actions"][0]["status"];
    assert_eq!(s11["signoff_superseded"], true, "{v:#}");
    assert_eq!(s11["signed_by"], Value::Null);
    l.read(&["plan", "--as-of", NOV])
        .ok()
        .stdout_has("an earlier sign-off was of another status");
    // The history still verifies: the sign-off was right when made.
    l.read(&["verify"]).ok();
}

#[test]
fn check_lists_completed_actions_with_no_evidence_and_no_sign_off() {
    let l = Ledger::sample();
    let kinds = |l: &Ledger| -> Vec<(String, String)> {
        let v = l
            .read(&["check", "--as-of", NOV, "--format", "json"])
            .json();
        v["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["kind"] == "unsupported")
            .map(|g| (g["kind"].to_string(), g["action"].to_string()))
            .collect()
    };
    assert_eq!(kinds(&l).len(), 1, "1.1 is Completed and unsupported");
    let (l, _) = signed();
    assert!(kinds(&l).is_empty());
}

#[test]
fn bad_inputs_exit_2_and_leave_the_head_unchanged() {
    let (l, key) = signed();
    let junk = l.path("junk.key");
    std::fs::write(&junk, "# nothing here\nnot hex\n").unwrap();
    let junk = junk.to_str().unwrap();
    let empty = l.path("empty.key");
    std::fs::write(&empty, "# only a comment\n").unwrap();
    let empty = empty.to_str().unwrap();
    let missing = l.path("missing.key");
    let missing = missing.to_str().unwrap();
    let public = format!("{key}.pub");
    let key_id = l.entries()[9]["event"]["key_id"]
        .as_str()
        .unwrap()
        .to_string();
    let unknown_id = "ab".repeat(32);
    let before = l.snapshot();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["sign-off", "1.1", "--review", NOV, "--key", missing],
            "cannot read",
        ),
        (
            vec!["sign-off", "1.1", "--review", NOV, "--key", junk],
            "line 2",
        ),
        (
            vec!["sign-off", "1.1", "--review", NOV, "--key", empty],
            "holds no key",
        ),
        (
            vec!["sign-off", "9.9", "--review", NOV, "--key", &key],
            "unknown action \"9.9\"; nearest: 1.1, 1.2",
        ),
        (
            vec!["sign-off", "1.2", "--review", NOV, "--key", &key],
            "no status",
        ),
        (
            vec!["sign-off", "1.1", "--review", "RAG Nowhere", "--key", &key],
            "unknown review \"RAG Nowhere\"; nearest:",
        ),
        (
            vec!["key", "register", "X", "--public", junk, "--role", "R"],
            "line 2",
        ),
        (
            vec!["key", "register", "X", "--public", &public, "--role", " "],
            "role",
        ),
        (
            vec!["key", "register", "X", "--public", &public, "--role", "R"],
            "already registered",
        ),
        (
            vec!["key", "revoke", "abc", "--reason", "r"],
            "not a key id",
        ),
        (
            vec!["key", "revoke", &unknown_id, "--reason", "r"],
            "no key",
        ),
        (vec!["key", "revoke", &key_id, "--reason", " "], "reason"),
    ];
    for (args, needle) in cases {
        let run = l.write(&args).code(2);
        assert!(
            run.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{args:?} should say {needle:?}: {run:#?}"
        );
        l.assert_unchanged(&before);
    }
    // No actor.
    l.read(&["sign-off", "1.1", "--review", NOV, "--key", &key])
        .code(2)
        .stderr_has("--by");
    l.assert_unchanged(&before);
}
