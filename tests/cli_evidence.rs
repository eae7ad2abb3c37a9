//! `readiness evidence`: attach, list, get, redact, and what `verify`, `export
//! --with-evidence` and `restore` make of the evidence store.

mod util;

use std::path::{Path, PathBuf};

use util::Ledger;

const HELLO_SHA: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

fn write_file(l: &Ledger, name: &str, bytes: &[u8]) -> PathBuf {
    let p = l.path(name);
    std::fs::write(&p, bytes).expect("write test file");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn evidence_file(l: &Ledger, sha: &str) -> PathBuf {
    l.dir().join("evidence").join(sha)
}

/// A sample ledger with `hello\n` (as report.pdf) attached to 1.1 at seq 10.
fn with_evidence() -> (Ledger, PathBuf) {
    let l = Ledger::sample();
    let f = write_file(&l, "report.pdf", b"hello\n");
    l.write(&[
        "evidence",
        "add",
        "1.1",
        s(&f),
        "--review",
        "rag may 20",
        "--note",
        "board minutes",
    ])
    .ok()
    .stdout_has("appended 10");
    (l, f)
}

#[test]
fn attach_list_get_verify() {
    let (l, _) = with_evidence();
    let stored = std::fs::read(evidence_file(&l, HELLO_SHA)).unwrap();
    assert_eq!(stored, b"hello\n");
    let entry = &l.entries()[9];
    let ev = &entry["event"];
    assert_eq!(ev["type"], "evidence_attached");
    assert_eq!(ev["file_name"], "report.pdf");
    assert_eq!(ev["media_type"], "application/pdf");
    assert_eq!(ev["size"], 6);
    assert_eq!(ev["review"], "RAG May 20");
    assert_eq!(ev["sha256"], HELLO_SHA);

    l.read(&["evidence", "list"])
        .ok()
        .stdout_has("report.pdf")
        .stdout_has("application/pdf");
    let json = l
        .read(&["evidence", "list", "1.1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(json[0]["seq"], 10);
    assert_eq!(json[0]["stored"], "yes");
    l.read(&["evidence", "list", "1.2"])
        .ok()
        .stdout_has("no evidence");

    let got = l.read(&["evidence", "get", HELLO_SHA]).ok();
    assert_eq!(got.stdout, "hello\n");
    let out = l.path("copy.pdf");
    l.read(&["evidence", "get", HELLO_SHA, "--out", s(&out)])
        .ok();
    assert_eq!(std::fs::read(&out).unwrap(), b"hello\n");
    // --out never overwrites.
    l.read(&["evidence", "get", HELLO_SHA, "--out", s(&out)])
        .code(2)
        .stderr_has("already exists");

    let v = l.read(&["verify"]).ok();
    assert!(
        v.stdout.contains("evidence: ok: 1 file re-hashed"),
        "{v:#?}"
    );
    let json = l.read(&["verify", "--format", "json"]).ok().json();
    assert_eq!(json["evidence"]["verified"], 1);
    assert_eq!(json["entries"], 10, "the chain report keeps its shape");
}

#[test]
fn same_content_twice_is_stored_once_with_two_entries() {
    let (l, _) = with_evidence();
    let again = write_file(&l, "copy.txt", b"hello\n");
    l.write(&["evidence", "add", "1.2", s(&again)])
        .ok()
        .stdout_has("appended 11");
    let names: Vec<_> = std::fs::read_dir(l.dir().join("evidence"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1);
    assert_eq!(l.entries()[10]["event"]["media_type"], "text/plain");
    l.read(&["verify"]).ok();
}

#[test]
fn an_altered_byte_fails_verify_naming_entry_and_file() {
    let (l, _) = with_evidence();
    let path = evidence_file(&l, HELLO_SHA);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    l.read(&["verify"])
        .code(1)
        .stdout_has("entry 10")
        .stdout_has(HELLO_SHA)
        .stdout_has("report.pdf")
        .stdout_has("altered");
    // get refuses altered bytes.
    l.read(&["evidence", "get", HELLO_SHA]).code(1);
    // --no-evidence skips the check.
    l.read(&["verify", "--no-evidence"]).ok();
}

#[test]
fn a_deleted_file_is_named_as_missing() {
    let (l, _) = with_evidence();
    std::fs::remove_file(evidence_file(&l, HELLO_SHA)).unwrap();
    l.read(&["verify"])
        .code(1)
        .stdout_has("entry 10")
        .stdout_has("report.pdf")
        .stdout_has("missing");
    let json = l.read(&["verify", "--format", "json"]).code(1).json();
    assert_eq!(json["evidence"]["problems"][0]["problem"], "missing");
}

#[test]
fn a_stray_file_is_reported() {
    let (l, _) = with_evidence();
    std::fs::write(l.dir().join("evidence").join("left-over"), b"x").unwrap();
    l.read(&["verify"])
        .ok()
        .stdout_has("stray")
        .stdout_has("left-over");
}

#[test]
fn redaction_removes_bytes_and_verify_reports_it() {
    let (l, _) = with_evidence();
    let before = l.head();
    l.write(&[
        "evidence",
        "redact",
        HELLO_SHA,
        "--reason",
        "names a child (erasure request)",
    ])
    .ok()
    .stdout_has("appended 11");
    assert!(!evidence_file(&l, HELLO_SHA).exists(), "bytes removed");
    assert_eq!(l.entries().len(), 11, "entries stay");
    assert!(l.head() != before);
    l.read(&["verify"])
        .ok()
        .stdout_has("redacted at entry 11")
        .stdout_has(util::ACTOR)
        .stdout_has("names a child (erasure request)");
    l.read(&["evidence", "get", HELLO_SHA])
        .code(2)
        .stderr_has("redacted");
    l.read(&["evidence", "list"])
        .ok()
        .stdout_has("redacted at 11");
    // Twice is refused; re-attaching redacted content is refused.
    let snap = l.snapshot();
    l.write(&["evidence", "redact", HELLO_SHA, "--reason", "again"])
        .code(2)
        .stderr_has("already redacted");
    let f = write_file(&l, "again.pdf", b"hello\n");
    l.write(&["evidence", "add", "1.1", s(&f)])
        .code(2)
        .stderr_has("redacted");
    l.assert_unchanged(&snap);
    assert!(!evidence_file(&l, HELLO_SHA).exists());
}

#[test]
fn hostile_names_are_data_and_shown_escaped() {
    let l = Ledger::sample();
    let f = write_file(&l, "plain.txt", b"content");
    let long = "n".repeat(300);
    let hostile = ["../x", "/etc/passwd", "evil\n\x1b[31mred", long.as_str()];
    for name in hostile {
        l.write(&["evidence", "add", "1.1", s(&f), "--name", name])
            .ok();
    }
    // A file whose own name has control characters: its last component is recorded.
    let ctrl = write_file(&l, "a\nb\x1bc.txt", b"ctrl");
    l.write(&["evidence", "add", "1.1", s(&ctrl)]).ok();
    let names: Vec<String> = l.entries()[9..]
        .iter()
        .map(|e| e["event"]["file_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names[..4], hostile.map(String::from));
    assert_eq!(names[4], "a\nb\x1bc.txt");
    // Nothing written outside the evidence folder.
    assert!(!l.tmp().join("x").exists());
    assert!(!l.dir().join("x").exists());
    let mut in_store: Vec<_> = std::fs::read_dir(l.dir().join("evidence"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    in_store.sort();
    assert_eq!(in_store.len(), 2);
    assert!(in_store.iter().all(|n| n.len() == 64));

    let table = l.read(&["evidence", "list"]).ok();
    assert!(!table.stdout.contains('\x1b'), "no raw escape: {table:#?}");
    assert!(table.stdout.contains("evil\\n\\u{1b}[31mred"), "{table:#?}");
    assert!(table.stdout.contains("a\\nb\\u{1b}c.txt"), "{table:#?}");
    assert!(
        !table.stdout.contains(&long),
        "long names are cut in tables"
    );
    assert!(table.stdout.contains('…'));
    // JSON keeps the names whole (JSON-escaped).
    let json = l
        .read(&["evidence", "list", "--format", "json"])
        .ok()
        .json();
    assert_eq!(json[3]["file_name"], long);
    l.read(&["verify"]).ok();
    // Altered: the verify message escapes the name too.
    let sha = l.entries()[9]["event"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(evidence_file(&l, &sha), b"changed").unwrap();
    let v = l.read(&["verify"]).code(1);
    assert!(!v.stdout.contains('\x1b'), "{v:#?}");
}

#[test]
fn size_limit_is_a_clear_error() {
    let l = Ledger::sample();
    let f = write_file(&l, "big.bin", &vec![7u8; 4096]);
    let snap = l.snapshot();
    l.write(&["evidence", "add", "1.1", s(&f), "--max-size", "1K"])
        .code(2)
        .stderr_has("big.bin")
        .stderr_has("1 KiB")
        .stderr_has("--max-size");
    l.assert_unchanged(&snap);
    let left: Vec<_> = std::fs::read_dir(l.dir().join("evidence"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no temporary file left behind");
    l.write(&["evidence", "add", "1.1", s(&f), "--max-size", "lots"])
        .code(2)
        .stderr_has("not a size");
    l.write(&["evidence", "add", "1.1", s(&f), "--max-size", "4K"])
        .ok();
}

#[test]
fn export_with_evidence_and_restore_round_trip() {
    let (l, _) = with_evidence();
    let other = write_file(&l, "other.csv", b"a,b\n1,2\n");
    l.write(&["evidence", "add", "1.2", s(&other)]).ok();
    let out = l.path("bundle");
    l.read(&["export", "--with-evidence", s(&out)]).ok();
    assert_eq!(
        std::fs::read(out.join("entries.jsonl")).unwrap(),
        l.log_bytes()
    );
    assert_eq!(
        std::fs::read(out.join("evidence").join(HELLO_SHA)).unwrap(),
        b"hello\n"
    );
    // Not over a non-empty folder.
    l.read(&["export", "--with-evidence", s(&out)]).code(2);

    let restored = l.path("restored");
    l.on(&restored, &["restore", s(&out)])
        .ok()
        .stdout_has("2 evidence files");
    l.on(&restored, &["verify"])
        .ok()
        .stdout_has("evidence: ok: 2 files");
    assert_eq!(l.on(&restored, &["head"]).ok().stdout.trim(), l.head());

    // An altered file in the bundle: restore refuses and writes nothing.
    std::fs::write(out.join("evidence").join(HELLO_SHA), b"HELLO\n").unwrap();
    let refused = l.path("refused");
    l.on(&refused, &["restore", s(&out)])
        .code(1)
        .stdout_has("entry 10")
        .stdout_has("nothing was written");
    assert!(!refused.join("entries.jsonl").exists());
}

#[test]
fn bad_input_exits_2_and_leaves_head_unchanged() {
    let (l, f) = with_evidence();
    let snap = l.snapshot();
    let missing = l.path("nope.pdf");
    for args in [
        vec!["evidence", "add", "9.9", s(&f)],
        vec!["evidence", "add", "1.1", s(&missing)],
        vec!["evidence", "add", "1.1", s(&f), "--review", "RAG Never"],
        vec!["evidence", "add", "1.1", s(l.tmp())],
        vec!["evidence", "redact", "abc", "--reason", "x"],
        vec!["evidence", "redact", &"0".repeat(64), "--reason", "x"],
        vec!["evidence", "redact", HELLO_SHA, "--reason", " "],
    ] {
        l.write(&args).code(2);
        l.assert_unchanged(&snap);
    }
    l.read(&["evidence", "get", "../../etc/passwd"]).code(2);
    l.read(&["evidence", "get", &"0".repeat(64)]).code(2);
    // No actor.
    l.read(&["evidence", "add", "1.1", s(&f)]).code(2);
    l.assert_unchanged(&snap);
    let names: Vec<_> = std::fs::read_dir(l.dir().join("evidence"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no strays from refused attaches");
}

#[test]
fn an_attachment_is_superseded_by_a_correction_never_deleted() {
    let (l, _) = with_evidence();
    l.write(&["correct", "10", "--reason", "attached to the wrong action"])
        .ok()
        .stdout_has("appended 11");
    let ev = &l.entries()[10]["event"];
    assert_eq!(ev["type"], "correction");
    assert_eq!(ev["target"], 10);
    // Superseding twice names the correction that already did it.
    let before = l.snapshot();
    l.write(&["correct", "10", "--reason", "again"])
        .code(2)
        .stderr_has("entry 11");
    l.assert_unchanged(&before);
    // The file and the attaching entry stay; verify still re-hashes it.
    assert_eq!(
        std::fs::read(evidence_file(&l, HELLO_SHA)).unwrap(),
        b"hello\n"
    );
    l.read(&["verify"]).ok();
}
