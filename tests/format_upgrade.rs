//! The ledger's first format upgrade: `signed_off` version 2 signs a context string before
//! its canonical bytes. A ledger written before it (tests/data/format-v1, committed as the
//! old program wrote it) must still verify under version 1's rules; every new sign-off is
//! written as version 2; and a version 1 sign-off after a version 2 one is refused, by the
//! append path and by `verify`.

mod util;

use readiness_ledger::entry::{Entry, EntryHash, Seq};
use readiness_ledger::event::{Event, SignedOff};
use readiness_ledger::plan::trust::{hex_bytes, key_id, public_key, sign_signoff};
use util::Ledger;

const OLD: &str = "tests/data/format-v1/ledger.jsonl";
const KEY: &str = "tests/data/format-v1/chair.key";

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn secret() -> [u8; 32] {
    let text = std::fs::read_to_string(repo(KEY)).unwrap();
    let line = text.lines().find(|l| !l.starts_with('#')).unwrap().trim();
    hex_bytes::<32>(line).unwrap()
}

#[test]
fn a_ledger_written_with_version_1_sign_offs_still_verifies() {
    let old = std::fs::read_to_string(repo(OLD)).unwrap();
    assert!(
        old.contains("\"type\":\"signed_off\",\"v\":1"),
        "the fixture is the old format"
    );
    let l = Ledger::empty();
    l.on(&repo(OLD), &["verify"])
        .ok()
        .stdout_has("ok: 7 entries verified")
        .stdout_has("1 sign-off checked");
    let restored = l.path("restored");
    l.on(&restored, &["restore", repo(OLD).to_str().unwrap()])
        .ok();
    l.on(&restored, &["verify"]).ok();
}

#[test]
fn new_sign_offs_are_written_in_version_2_and_verify() {
    let l = Ledger::empty();
    let dir = l.path("upgraded");
    l.on(&dir, &["restore", repo(OLD).to_str().unwrap()]).ok();
    l.on(
        &dir,
        &[
            "status",
            "1.1",
            "Embedded",
            "--review",
            "RAG November 20",
            "--by",
            "lead",
        ],
    )
    .ok();
    l.on(
        &dir,
        &[
            "sign-off",
            "1.1",
            "--review",
            "RAG November 20",
            "--key",
            repo(KEY).to_str().unwrap(),
            "--by",
            "chair",
        ],
    )
    .ok();
    let log = std::fs::read_to_string(dir.join("entries.jsonl")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(last.contains("\"type\":\"signed_off\",\"v\":2"), "{last}");
    l.on(&dir, &["verify"])
        .ok()
        .stdout_has("2 sign-offs checked");
}

/// Appends `e` to the export's lines as a correctly chained and hashed entry.
fn chain_onto(jsonl: &str, e: Event) -> String {
    let last = jsonl.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    let seq = v["seq"].as_u64().unwrap();
    let prev = EntryHash::from_hex(v["hash"].as_str().unwrap()).unwrap();
    let time = v["recorded_at"].as_str().unwrap().to_string();
    let (_, line) = Entry::seal(Seq(seq + 1), time, "chair".into(), e, prev).unwrap();
    format!("{jsonl}{}\n", String::from_utf8(line).unwrap())
}

#[test]
fn a_version_1_sign_off_after_a_version_2_one_is_refused() {
    let l = Ledger::empty();
    let dir = l.path("mixed");
    l.on(&dir, &["restore", repo(OLD).to_str().unwrap()]).ok();
    let sign = |dir: &std::path::Path| {
        l.on(
            dir,
            &[
                "sign-off",
                "1.1",
                "--review",
                "RAG November 20",
                "--key",
                repo(KEY).to_str().unwrap(),
                "--by",
                "chair",
            ],
        )
    };
    sign(&dir).ok();
    let jsonl = std::fs::read_to_string(dir.join("entries.jsonl")).unwrap();
    let head: serde_json::Value = serde_json::from_str(jsonl.lines().last().unwrap()).unwrap();
    // A properly signed version 1 sign-off, chained after the version 2 one: a downgrade.
    let secret = secret();
    let mut e = SignedOff {
        action: "1.1".into(),
        review: "RAG November 20".into(),
        status: "Completed".into(),
        key_id: key_id(&public_key(&secret)),
        role: "SEND board chair".into(),
        head_seq: head["seq"].as_u64().unwrap(),
        head_hash: head["hash"].as_str().unwrap().into(),
        statement: Some("signed the old way".into()),
        signature: String::new(),
        version: 1,
    };
    sign_signoff(&secret, "example.org/v1-sample", &mut e);
    let forged = chain_onto(&jsonl, Event::SignedOff(e));
    let export = l.path("downgraded.jsonl");
    std::fs::write(&export, forged).unwrap();
    l.on(&export, &["verify"])
        .code(1)
        .stdout_has("FAILED: entry 9 (signatures check)")
        .stdout_has("a version 1 sign-off after version 2 ones");
    let restored = l.path("downgraded-restored");
    l.on(&restored, &["restore", export.to_str().unwrap()])
        .code(1);
    assert!(!restored.join("entries.jsonl").exists());
}

#[test]
fn a_version_2_signature_does_not_verify_as_version_1_or_the_reverse() {
    let secret = [9u8; 32];
    let mut e = SignedOff {
        action: "1.1".into(),
        review: "R".into(),
        status: "Completed".into(),
        key_id: key_id(&public_key(&secret)),
        role: "chair".into(),
        head_seq: 3,
        head_hash: "ab".repeat(32),
        statement: None,
        signature: String::new(),
        version: 2,
    };
    sign_signoff(&secret, "o", &mut e);
    let key = readiness_ledger::plan::trust::Key {
        name: "c".into(),
        key_id: e.key_id.clone(),
        public_key: readiness_ledger::hex::encode(&public_key(&secret)),
        role: "chair".into(),
        registered: Seq(1),
        revoked: None,
    };
    assert!(readiness_ledger::plan::trust::signature_valid(
        "o", &key, &e
    ));
    let mut relabelled = e.clone();
    relabelled.version = 1;
    assert!(!readiness_ledger::plan::trust::signature_valid(
        "o",
        &key,
        &relabelled
    ));
}
