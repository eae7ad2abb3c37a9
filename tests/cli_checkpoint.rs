//! Checkpoints, inclusion and consistency proofs through the `readiness` binary (issue 6).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

use readiness_ledger::checkpoint::Checkpoint;
use readiness_ledger::cli::prove;
use readiness_ledger::clock::SystemClock;
use readiness_ledger::event::{AreaAdded, Event, PlanCreated};
use readiness_ledger::merkle::{self, leaf_hash, Hash};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::{DirLedger, DirReader};

const ORIGIN: &str = "example.org/checkpoint-test";

/// The machine's clock: the command line appends to the same ledgers, and an append refuses
/// a last entry recorded more than five minutes ahead of (or a clock that far behind) it.
fn clock() -> SystemClock {
    SystemClock
}

/// Grows the ledger in `dir` (created if need be) to `size` entries, in big batches.
fn grow_to(dir: &Path, size: u64) {
    let mut ledger = if dir.join("entries.jsonl").exists() {
        DirLedger::open(dir, &mut || {}).unwrap()
    } else {
        DirLedger::create_empty(dir).unwrap()
    };
    let mut have = ledger.head().map_or(0, |c| c.seq.0);
    let mut events = Vec::new();
    if have == 0 && size > 0 {
        events.push(Event::PlanCreated(PlanCreated {
            title: "Checkpoint test".into(),
            origin: ORIGIN.into(),
            scale: StatusScale::york(),
        }));
        have = 1;
    }
    for i in have..size {
        events.push(Event::AreaAdded(AreaAdded {
            id: format!("a{i}"),
            title: format!("Area {i}"),
            finding: None,
        }));
    }
    for chunk in events.chunks(400) {
        ledger.append("tester", &clock(), chunk.to_vec()).unwrap();
    }
}

fn readiness(dir: &Path, args: &[&str]) -> Output {
    // This test process opens ledgers itself while other tests spawn children: a child
    // forked in that moment holds a copy of the LOCK descriptor until it execs, so a
    // following command may briefly see the ledger "in use". Retry that case only.
    let mut tries = 0;
    loop {
        let out = Command::cargo_bin("readiness")
            .unwrap()
            .arg("--ledger")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        let busy = String::from_utf8_lossy(&out.stderr).contains("in use by another");
        if !busy || tries == 50 {
            return out;
        }
        tries += 1;
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Registers the public half of `key` (FILE.pub) so it may sign checkpoints.
fn register(dir: &Path, key: &Path) {
    let public = format!("{}.pub", key.display());
    ok(
        dir,
        &[
            "key",
            "register",
            "Board",
            "--public",
            &public,
            "--role",
            "checkpoint signer",
            "--by",
            "tester",
        ],
    );
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = readiness(dir, args);
    assert!(
        out.status.success(),
        "readiness {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Leaf hashes straight from entries.jsonl, computed here independently.
fn leaves(dir: &Path) -> Vec<Hash> {
    let log = std::fs::read(dir.join("entries.jsonl")).unwrap();
    log.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(leaf_hash)
        .collect()
}

fn save(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

#[test]
fn checkpoints_have_the_rfc6962_root_at_every_size() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    for size in [1u64, 2, 3, 7, 8, 9, 1000] {
        grow_to(&dir, size);
        let text = ok(&dir, &["checkpoint"]);
        let c = Checkpoint::parse(text.as_bytes()).unwrap();
        let leaves = leaves(&dir);
        assert_eq!(leaves.len() as u64, size);
        assert_eq!(c.origin, ORIGIN);
        assert_eq!(c.size, size);
        assert_eq!(c.root, merkle::root_from_leaves(&leaves), "size {size}");
        assert!(c.signatures.is_empty());
    }
}

#[test]
fn inclusion_proofs_for_every_entry_verify_and_survive_reindex() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    // 999 entries, then the signing key's registration makes 1000.
    grow_to(&dir, 999);
    let key = tmp.path().join("board.key");
    ok(
        &dir,
        &["key", "new", "Board", "--out", key.to_str().unwrap()],
    );
    register(&dir, &key);
    let public = tmp.path().join("board.key.pub");
    let ckpt = tmp.path().join("c1000");
    ok(
        &dir,
        &[
            "checkpoint",
            "--key",
            key.to_str().unwrap(),
            "--out",
            ckpt.to_str().unwrap(),
        ],
    );
    // Every entry's proof, built through the library in one open (the binary gives the same
    // JSON, checked on a sample below), then each checked by the `verify-proof` binary.
    let c = Checkpoint::parse(&std::fs::read(&ckpt).unwrap()).unwrap();
    let proofs: Vec<String> = {
        let ledger = DirReader::open(&dir).unwrap();
        (1..=1000u64)
            .map(|seq| {
                let p = prove::inclusion_proof(&ledger, seq, &c).unwrap();
                serde_json::to_string_pretty(&p).unwrap() + "\n"
            })
            .collect()
    };
    let files: Vec<PathBuf> = proofs
        .iter()
        .enumerate()
        .map(|(i, text)| save(&tmp.path().join(format!("proof{}.json", i + 1)), text))
        .collect();
    std::thread::scope(|s| {
        for (t, chunk) in files.chunks(125).enumerate() {
            let (ckpt, public, tmp) = (&ckpt, &public, tmp.path());
            s.spawn(move || {
                for (i, file) in chunk.iter().enumerate() {
                    let seq = t * 125 + i + 1;
                    let out = ok(
                        tmp,
                        &[
                            "verify-proof",
                            file.to_str().unwrap(),
                            "--checkpoint",
                            ckpt.to_str().unwrap(),
                            "--public-key",
                            public.to_str().unwrap(),
                        ],
                    );
                    assert!(out.starts_with(&format!("ok: entry {seq} ")), "{out}");
                }
            });
        }
    });
    let proof = tmp.path().join("proof.json");
    let mut before = Vec::new();
    for seq in [1u64, 2, 3, 255, 256, 257, 512, 999, 1000] {
        let text = ok(&dir, &["prove", "inclusion", &seq.to_string()]);
        assert_eq!(text, proofs[seq as usize - 1], "entry {seq}");
        before.push((seq, text));
    }
    // A proof with a changed entry, root or path hash is rejected.
    let (_, text) = &before[3];
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    for field in ["entry", "root", "audit_path"] {
        let mut bad = json.clone();
        match field {
            "entry" => {
                let e = bad["entry"].as_str().unwrap().replace("Area", "Arena");
                bad["entry"] = e.into();
            }
            "root" => bad["root"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
            _ => bad["audit_path"][0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        }
        save(&proof, &bad.to_string());
        let out = readiness(
            tmp.path(),
            &[
                "verify-proof",
                proof.to_str().unwrap(),
                "--checkpoint",
                ckpt.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "tampered {field} accepted");
    }
    // Derived data: delete it and the same proofs come back.
    std::fs::remove_dir_all(dir.join("derived")).unwrap();
    for (seq, text) in &before {
        assert_eq!(&ok(&dir, &["prove", "inclusion", &seq.to_string()]), text);
    }
    ok(&dir, &["reindex"]);
    let again = ok(
        &dir,
        &[
            "prove",
            "inclusion",
            "500",
            "--checkpoint",
            ckpt.to_str().unwrap(),
        ],
    );
    assert!(again.contains("\"tree_size\": 1000"));
}

#[test]
fn consistency_between_checkpoints() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    let sizes = [1u64, 2, 3, 4, 5, 7, 8, 9, 16, 17, 40];
    let mut ckpts = Vec::new();
    for size in sizes {
        grow_to(&dir, size);
        let path = tmp.path().join(format!("c{size}"));
        save(&path, &ok(&dir, &["checkpoint"]));
        ckpts.push(path);
    }
    let proof = tmp.path().join("proof.json");
    for (i, old) in ckpts.iter().enumerate() {
        for new in &ckpts[i..] {
            let text = ok(
                &dir,
                &[
                    "prove",
                    "consistency",
                    old.to_str().unwrap(),
                    new.to_str().unwrap(),
                ],
            );
            save(&proof, &text);
            let args = [
                "verify-proof",
                proof.to_str().unwrap(),
                "--checkpoint",
                old.to_str().unwrap(),
                "--checkpoint",
                new.to_str().unwrap(),
            ];
            // Unsigned checkpoints prove nothing about who made them: refused by default.
            assert_eq!(readiness(tmp.path(), &args).status.code(), Some(1));
            let mut unsigned_ok = args.to_vec();
            unsigned_ok.push("--allow-unsigned");
            let out = ok(tmp.path(), &unsigned_ok);
            assert!(out.starts_with("ok: "), "{out}");
            assert!(
                out.contains("UNSIGNED, nothing proves who made it"),
                "{out}"
            );
            // Against the wrong old checkpoint it fails.
            if i > 0 && old != new {
                let out = readiness(
                    tmp.path(),
                    &[
                        "verify-proof",
                        proof.to_str().unwrap(),
                        "--checkpoint",
                        ckpts[i - 1].to_str().unwrap(),
                        "--checkpoint",
                        new.to_str().unwrap(),
                        "--allow-unsigned",
                    ],
                );
                assert_eq!(out.status.code(), Some(1));
            }
        }
    }
    // Current ledger (40) against an old checkpoint, the new side defaulting to now.
    let text = ok(&dir, &["prove", "consistency", ckpts[2].to_str().unwrap()]);
    assert!(text.contains("\"old_size\": 3") && text.contains("\"new_size\": 40"));
}

#[test]
fn a_signed_checkpoint_with_one_byte_changed_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    grow_to(&dir, 9);
    let key = tmp.path().join("k");
    ok(
        &dir,
        &["key", "new", "Board", "--out", key.to_str().unwrap()],
    );
    register(&dir, &key);
    let public = tmp.path().join("k.pub");
    let signed = ok(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    let proof = save(
        &tmp.path().join("p.json"),
        &ok(&dir, &["prove", "inclusion", "4"]),
    );
    let ckpt = tmp.path().join("c");
    let verify = |ckpt: &Path| {
        readiness(
            tmp.path(),
            &[
                "verify-proof",
                proof.to_str().unwrap(),
                "--checkpoint",
                ckpt.to_str().unwrap(),
                "--public-key",
                public.to_str().unwrap(),
            ],
        )
    };
    save(&ckpt, &signed);
    assert!(verify(&ckpt).status.success());
    let bytes = signed.as_bytes();
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] ^= 0x01;
        std::fs::write(&ckpt, &changed).unwrap();
        let out = verify(&ckpt);
        assert_eq!(
            out.status.code(),
            Some(1),
            "byte {i} changed still verifies: {}",
            String::from_utf8_lossy(&changed)
        );
    }
    // Another key does not verify it either.
    let other = tmp.path().join("other");
    ok(
        &dir,
        &["key", "new", "Other", "--out", other.to_str().unwrap()],
    );
    save(&ckpt, &signed);
    let out = readiness(
        tmp.path(),
        &[
            "verify-proof",
            proof.to_str().unwrap(),
            "--checkpoint",
            ckpt.to_str().unwrap(),
            "--public-key",
            tmp.path().join("other.pub").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn refuses_to_sign_a_checkpoint_inconsistent_with_the_last_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    grow_to(&dir, 5);
    let key = tmp.path().join("k");
    ok(
        &dir,
        &["key", "new", "Board", "--out", key.to_str().unwrap()],
    );
    register(&dir, &key);
    ok(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    grow_to(&dir, 8);
    let latest = dir.join("checkpoints").join("latest");
    let good = std::fs::read_to_string(&latest).unwrap();
    ok(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    assert_ne!(std::fs::read_to_string(&latest).unwrap(), good);
    // A "last signed" checkpoint of a different history: the ledger does not extend it.
    let forged = Checkpoint::new(ORIGIN, 3, [7u8; 32]).unwrap();
    std::fs::write(&latest, forged.to_text()).unwrap();
    let out = readiness(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to sign"));
    // Unsigned checkpoints are still printed.
    ok(&dir, &["checkpoint"]);
}

#[test]
fn an_index_from_before_the_tree_is_rebuilt_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    grow_to(&dir, 9);
    let before = ok(&dir, &["checkpoint"]);
    {
        // What an older index looks like: no Merkle frontier, no nodes.
        let db = sled::open(dir.join("index")).unwrap();
        db.open_tree("meta").unwrap().remove("merkle").unwrap();
        db.drop_tree("merkle").unwrap();
        db.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(ok(&dir, &["checkpoint"]), before);
    grow_to(&dir, 12);
    let c = Checkpoint::parse(ok(&dir, &["checkpoint"]).as_bytes()).unwrap();
    assert_eq!(c.root, merkle::root_from_leaves(&leaves(&dir)));
}

#[test]
fn an_unregistered_or_revoked_key_cannot_sign() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    grow_to(&dir, 4);
    let key = tmp.path().join("k");
    ok(
        &dir,
        &["key", "new", "Board", "--out", key.to_str().unwrap()],
    );
    let out = readiness(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not registered"));
    register(&dir, &key);
    ok(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    let list = ok(&dir, &["key", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let id = v[0]["key_id"].as_str().unwrap().to_string();
    ok(
        &dir,
        &[
            "key",
            "revoke",
            &id,
            "--reason",
            "left post",
            "--by",
            "tester",
        ],
    );
    let out = readiness(&dir, &["checkpoint", "--key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("revoked"));
}

#[test]
fn a_key_made_at_init_signs_checkpoints_without_further_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    let key = tmp.path().join("ledger.key");
    ok(
        &dir,
        &[
            "init",
            "--title",
            "Plan",
            "--origin",
            ORIGIN,
            "--key-out",
            key.to_str().unwrap(),
            "--by",
            "tester",
        ],
    );
    let entries = std::fs::read_to_string(dir.join("entries.jsonl")).unwrap();
    assert!(entries
        .lines()
        .nth(1)
        .unwrap()
        .contains("\"type\":\"key_registered\""));
    assert!(!entries.contains(
        &std::fs::read_to_string(&key)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string()
    ));
    let ckpt = tmp.path().join("c");
    ok(
        &dir,
        &[
            "checkpoint",
            "--key",
            key.to_str().unwrap(),
            "--out",
            ckpt.to_str().unwrap(),
        ],
    );
    let proof = save(
        &tmp.path().join("p.json"),
        &ok(&dir, &["prove", "inclusion", "1"]),
    );
    let public = format!("{}.pub", key.display());
    let out = readiness(
        tmp.path(),
        &[
            "verify-proof",
            proof.to_str().unwrap(),
            "--checkpoint",
            ckpt.to_str().unwrap(),
            "--public-key",
            &public,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
