//! Messages a person can act on: plain words, plurals that agree, no internal numbering,
//! the command that gets them unstuck, and short forms of hashes accepted back. Each test
//! pins the wording of a message that was once wrong.

mod util;

use std::path::Path;

use util::{run_in, Ledger};

const YORK_AREA1: &str = "tests/data/york-wsoa-area1.txt";

fn crate_file(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

/// The hash of entry `seq` of a ledger.
fn hash_of(l: &Ledger, seq: usize) -> String {
    l.entries()[seq - 1]["hash"].as_str().unwrap().to_string()
}

#[test]
fn import_names_the_line_once_and_counts_in_words() {
    let l = Ledger::empty();
    let file = crate_file(YORK_AREA1);
    let run = l
        .write(&["import", &file, "--origin", "readiness/york"])
        .ok();
    let run = run.stderr_has(
        "warning: york-wsoa-area1.txt, line 19: row 1.3B: 16 cells for 17 columns; left \"Lead\" empty",
    );
    assert!(!run.stderr.contains("(line 19)"), "{}", run.stderr);
    run.stdout_has("1 area, 6 actions, 9 new reviews (0 reused), 54 statuses, 1 warning\n");

    // Importing it again is refused by what it is, not by its place in a batch.
    let again = l.write(&["import", &file]).code(2);
    let again = again.stderr_has("error: york-wsoa-area1.txt (SHA-256 ");
    let again = again.stderr_has("--update");
    assert!(!again.stderr.contains("event 1 of"), "{}", again.stderr);
}

#[test]
fn verify_counts_agree_and_the_verdict_comes_first() {
    let l = Ledger::sample();
    let run = l.read(&["verify"]).ok();
    assert!(
        run.stdout.starts_with("ok: 9 entries verified"),
        "{}",
        run.stdout
    );
    let run = run.stdout_has("signatures: ok: 0 sign-offs checked (0 keys registered, 0 revoked)");
    run.stdout_has("evidence: ok: 0 files re-hashed (0 bytes) for 0 entries");

    let key = l.path("chair").to_str().unwrap().to_string();
    l.raw(&["key", "new", "chair", "--out", &key]).ok();
    l.write(&[
        "key",
        "register",
        "Jo Chair",
        "--public",
        &format!("{key}.pub"),
        "--role",
        "Chair",
    ])
    .ok();
    let evidence = l.path("minutes.txt");
    std::fs::write(&evidence, "minutes\n").unwrap();
    l.write(&["evidence", "add", "1.1", evidence.to_str().unwrap()])
        .ok();
    let run = l.read(&["verify"]).ok();
    let run = run.stdout_has("(1 key registered, 0 revoked)");
    let run = run.stdout_has("evidence: ok: 1 file re-hashed (8 bytes) for 1 entry in ");
    run.stdout_has("0 redacted, 0 problems, 0 stray");

    // A failure is the first line; nothing before it says "ok".
    let other = Ledger::init();
    let run = l
        .read(&["verify", "--expect", &format!("9:{}", hash_of(&other, 1))])
        .code(1);
    assert!(run.stdout.starts_with("FAILED: "), "{}", run.stdout);
    assert!(!run.stdout.contains("entries verified"), "{}", run.stdout);
}

#[test]
fn verify_tells_a_different_ledger_from_a_rewritten_one_as_far_as_it_can() {
    let l = Ledger::sample();
    // Another ledger: its entry 1 is not this one's.
    let other = Ledger::sample();
    let run = l
        .read(&["verify", "--expect", &format!("1:{}", hash_of(&other, 1))])
        .code(1);
    let run = run.stdout_has("this is a different ledger from the one whose head was noted");
    assert!(!run.stdout.contains("rewritten"), "{}", run.stdout);

    // A later entry differs: either, and the message says how to tell.
    let run = l
        .read(&["verify", "--expect", &format!("5:{}", hash_of(&other, 5))])
        .code(1);
    let run = run.stdout_has("either this is a different ledger, or this one's history was rewritten at or before entry 5");
    run.stdout_has("readiness verify --expect 1:HASH");

    // The right hash under the wrong number: a typo, named as such.
    let run = l
        .read(&["verify", "--expect", &format!("6:{}", hash_of(&l, 5))])
        .code(1);
    run.stdout_has("that hash is this ledger's entry 5, unchanged");

    // A checkpoint of a ledger of another name: a different ledger. One of the same name
    // whose entries differ: rewritten, or another ledger given that name.
    let named = |origin: &str| {
        let dir = other.path(origin);
        run_in(
            other.tmp(),
            &[
                "init",
                "--title",
                "Plan",
                "--origin",
                origin,
                "--by",
                "me",
                "--ledger",
                dir.to_str().unwrap(),
            ],
        )
        .ok();
        let cp = other.path(&format!("{origin}.cp"));
        run_in(
            other.tmp(),
            &[
                "checkpoint",
                "--ledger",
                dir.to_str().unwrap(),
                "--out",
                cp.to_str().unwrap(),
            ],
        )
        .ok();
        cp
    };
    let verify_cp = |cp: &Path| {
        l.read(&[
            "verify",
            "--checkpoint",
            cp.to_str().unwrap(),
            "--allow-unsigned",
        ])
        .code(1)
    };
    let run = verify_cp(&named("elsewhere"))
        .stdout_has("this is a different ledger: the checkpoint is for ledger \"elsewhere\"");
    assert_eq!(
        run.stdout.matches("FAILED: checkpoint").count(),
        1,
        "{}",
        run.stdout
    );
    let origin = l.entries()[0]["event"]["origin"]
        .as_str()
        .unwrap()
        .to_string();
    verify_cp(&named(&origin)).stdout_has(
        "were changed since (its history was rewritten), or it is another ledger given the same name",
    );
}

#[test]
fn refusals_name_the_command_that_helps() {
    let l = Ledger::sample();
    l.write(&["review", "add", "rag may 20", "--date", "2020-05-31"])
        .code(2)
        .stderr_has("readiness review reschedule \"rag may 20\" --date YYYY-MM-DD --reason WHY");
    l.write(&["area", "add", "1", "--title", "Again"])
        .code(2)
        .stderr_has("`readiness plan` lists the areas");
    l.write(&["correct", "99", "--status", "Completed", "--reason", "typo"])
        .code(2)
        .stderr_has("there is no entry 99; the ledger has 9 entries; `readiness log` shows each entry with its number");
    l.write(&["status", "1.2", "Completed", "--review", "latest"])
        .code(2)
        .stderr_has("the latest review is \"RAG November 20\": give \"RAG November 20\"");
}

#[test]
fn key_ids_are_explained_and_short_forms_accepted() {
    let l = Ledger::sample();
    let key = l.path("chair").to_str().unwrap().to_string();
    let made = l.raw(&["key", "new", "chair", "--out", &key]).ok();
    let id = made
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("key id:"))
        .expect("a key id line")
        .trim()
        .to_string();
    made.stdout_has("the key id is the SHA-256 of the public key");
    let public = std::fs::read_to_string(format!("{key}.pub")).unwrap();
    assert!(
        public.contains(&format!(
            "its key id (the SHA-256 of this key, as `readiness key list` shows it): {id}"
        )),
        "{public}"
    );
    let registered = l
        .write(&[
            "key",
            "register",
            "Jo Chair",
            "--public",
            &format!("{key}.pub"),
            "--role",
            "Chair",
        ])
        .ok();
    // The short id it prints is taken back.
    let short = &id[..16];
    registered.stdout_has(&format!("key {short} registered"));
    l.write(&["key", "revoke", short, "--reason", "left the board"])
        .ok()
        .stdout_has("revoked");
    l.write(&["key", "revoke", "ffffff", "--reason", "x"])
        .code(2)
        .stderr_has("no key id in this ledger starts with ffffff; `readiness key list` shows them");
}

#[test]
fn evidence_get_takes_the_short_hash_evidence_list_shows() {
    let l = Ledger::sample();
    // Two files whose SHA-256 share their first six digits (c19dfa).
    for (name, text) in [("a.txt", "evidence 901\n"), ("b.txt", "evidence 3701\n")] {
        let p = l.path(name);
        std::fs::write(&p, text).unwrap();
        l.write(&["evidence", "add", "1.1", p.to_str().unwrap()])
            .ok();
    }
    let a = "c19dfae178586ff29a399e33d4fe7ffde0e76f75b6a052ecc4080fd021a83cc1";
    let b = "c19dfafbbe175f3992b51a4e77cec88e24233c2fd5dff7e47824fa91b9050c14";
    let list = l.read(&["evidence", "list"]).ok();
    let shown = format!("{}…", &a[..12]);
    list.stdout_has(&shown);
    l.read(&["evidence", "get", &shown])
        .ok()
        .stdout_has("evidence 901");
    l.read(&["evidence", "get", &b[..12]])
        .ok()
        .stdout_has("evidence 3701");
    let both = l.read(&["evidence", "get", "c19dfa"]).code(2);
    both.stderr_has(&format!(
        "c19dfa starts 2 evidence SHA-256s: {a}, {b}; give more digits"
    ));
    l.read(&["evidence", "get", "c19"])
        .code(2)
        .stderr_has("\"c19\" is not an evidence SHA-256: give its 64 hex digits, or the first 6 or more of them");
    run_in(
        l.tmp(),
        &[
            "evidence",
            "get",
            "zz",
            "--ledger",
            l.dir().to_str().unwrap(),
        ],
    )
    .code(2)
    .stderr_has("is not an evidence SHA-256");
}
