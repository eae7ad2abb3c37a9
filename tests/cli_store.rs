//! How a ledger directory behaves on disk: exports and restores, the derived index, torn
//! lines, the lock and the append journal.

mod util;

use std::fs::{File, OpenOptions};

use sha2::{Digest, Sha256};
use util::{split_lines, Ledger, ACTOR};

/// What the ledger says about itself through the read-only commands.
fn observe(l: &Ledger) -> (String, String, String) {
    let log = l.read(&["log", "--format", "json"]).ok().stdout;
    let verify = l.read(&["verify"]).ok().stdout;
    (l.head(), log, verify)
}

#[test]
fn export_to_a_file_or_stdout_is_byte_identical_to_the_log() {
    let l = Ledger::sample();
    let file = l.path("york.jsonl");
    l.read(&["export", file.to_str().unwrap()])
        .ok()
        .stderr_has("exported 9 entries");
    assert!(std::fs::read(&file).unwrap() == l.log_bytes());
    let stdout = l.read(&["export"]).ok().stdout;
    assert!(stdout.as_bytes() == l.log_bytes().as_slice());
    std::fs::write(&file, b"keep me").unwrap();
    l.read(&["export", file.to_str().unwrap()])
        .code(2)
        .stderr_has("already exists");
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    // Read-only commands accept the export in place of the directory.
    let export = l.export("copy.jsonl");
    assert_eq!(l.on(&export, &["head"]).ok().stdout.trim_end(), l.head());
    let from_export = l.on(&export, &["log", "--format", "json"]).ok().json();
    assert_eq!(
        from_export,
        l.read(&["log", "--format", "json"]).ok().json()
    );
}

#[test]
fn restore_into_a_new_directory_gives_the_same_head_and_verifies() {
    let l = Ledger::sample();
    let export = l.export("backup.jsonl");
    let target = l.path("restored");
    l.on(&target, &["restore", export.to_str().unwrap()])
        .ok()
        .stdout_has("restored 9 entries")
        .stdout_has(&format!("head {}", l.head()));
    l.on(&target, &["verify"])
        .ok()
        .stdout_has("ok: 9 entries verified");
    assert_eq!(l.on(&target, &["head"]).ok().stdout.trim_end(), l.head());
    assert!(std::fs::read(target.join("entries.jsonl")).unwrap() == l.log_bytes());
    l.on(
        &target,
        &["area", "add", "2", "--title", "Next", "--by", ACTOR],
    )
    .ok()
    .stdout_has("appended 10");
}

#[test]
fn a_restored_ledger_reads_as_one_rebuilt_from_its_log() {
    // Restore builds its state from the plan it verified, not from a second fold: every
    // view must still be what a rebuild from the log gives.
    let l = Ledger::sample();
    l.write(&["status", "1.2", "Completed", "--review", "RAG November 20"])
        .ok();
    let export = l.export("backup.jsonl");
    let target = l.path("restored");
    l.on(&target, &["restore", export.to_str().unwrap()]).ok();
    let views: [&[&str]; 4] = [
        &["plan", "--format", "json"],
        &["plan", "--as-of", "RAG May 20", "--format", "json"],
        &["matrix"],
        &["history", "1.2"],
    ];
    let restored: Vec<String> = views.iter().map(|v| l.on(&target, v).ok().stdout).collect();
    l.on(&target, &["reindex"]).ok();
    for (view, before) in views.iter().zip(&restored) {
        assert_eq!(&l.on(&target, view).ok().stdout, before, "{view:?}");
    }
    l.on(
        &target,
        &[
            "status",
            "1.1",
            "Embedded",
            "--review",
            "RAG November 20",
            "--by",
            ACTOR,
        ],
    )
    .ok()
    .stdout_has("appended 11");
}

#[test]
fn restore_into_a_ledger_that_has_entries_is_refused() {
    let source = Ledger::sample();
    let export = source.export("backup.jsonl");
    let target = Ledger::init();
    let before = target.snapshot();
    target
        .read(&["restore", export.to_str().unwrap()])
        .code(2)
        .stderr_has("already holds a ledger");
    target.assert_unchanged(&before);
}

#[test]
fn deleting_the_derived_folder_loses_nothing() {
    let l = Ledger::sample();
    let before = observe(&l);
    let bytes = l.log_bytes();
    std::fs::remove_dir_all(l.dir().join("derived")).unwrap();
    assert_eq!(observe(&l), before);
    assert!(
        l.dir().join("derived/positions.mark").is_file(),
        "a read rebuilds the derived data when no writer holds the lock"
    );
    assert!(l.log_bytes() == bytes);
    // The rebuilt plan state still checks new entries.
    std::fs::remove_dir_all(l.dir().join("derived")).unwrap();
    l.write(&["status", "9.9", "Completed", "--review", "RAG May 20"])
        .code(2)
        .stderr_has("unknown action \"9.9\"");
    std::fs::remove_dir_all(l.dir().join("derived")).unwrap();
    l.write(&["status", "1.2", "Completed", "--review", "rag may 20"])
        .ok()
        .stdout_has("appended 10");
    std::fs::remove_dir_all(l.dir().join("derived")).unwrap();
    l.read(&["reindex"]).ok().stdout_has("reindexed 10 entries");
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 10 entries verified");
}

#[test]
fn an_index_from_another_ledger_is_not_trusted() {
    let l = Ledger::sample();
    let other = Ledger::init();
    other
        .write(&["area", "add", "9", "--title", "Elsewhere"])
        .ok();
    other
        .write(&[
            "action", "add", "9.9", "--area", "9", "--action", "Not ours",
        ])
        .ok();
    let before = observe(&l);
    std::fs::remove_dir_all(l.dir().join("derived")).unwrap();
    copy_dir(&other.dir().join("derived"), &l.dir().join("derived"));
    assert_eq!(observe(&l), before);
    l.write(&["status", "9.9", "Completed", "--review", "RAG May 20"])
        .code(2)
        .stderr_has("unknown action \"9.9\"");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn append_raw(l: &Ledger, bytes: &[u8]) {
    use std::io::Write;
    let mut f = OpenOptions::new().append(true).open(l.log_path()).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn a_foreign_partial_tail_is_reported_refuses_appends_and_repair_keeps_a_copy() {
    let l = Ledger::sample();
    let (head, bytes) = (l.head(), l.log_bytes());
    let torn = b"{\"actor\":\"plan.officer\",\"event\":{\"type\":\"are";
    append_raw(&l, torn);
    // Reads report it and read up to the last whole entry; nothing is cut.
    l.read(&["head"])
        .ok()
        .stderr_has("not a whole entry")
        .stderr_has(&format!("byte {}", bytes.len()))
        .stdout_has(&head);
    l.read(&["verify"])
        .code(1)
        .stdout_has(&format!("last good entry: {head}"));
    assert!(
        l.log_bytes().len() == bytes.len() + torn.len(),
        "a read cuts nothing"
    );
    // Appends refuse, naming the bytes and the command that repairs them.
    let before = l.log_bytes();
    l.write(&["area", "add", "2", "--title", "After the tear"])
        .code(2)
        .stderr_has(&format!("{} bytes at byte {}", torn.len(), bytes.len()))
        .stderr_has("readiness repair");
    assert!(l.log_bytes() == before);
    // repair sets the bytes aside, keeping a copy, and appends continue.
    let run = l.write(&["repair"]).ok().stdout_has("set aside");
    assert!(l.log_bytes() == bytes, "exactly the foreign bytes are cut");
    let kept: Vec<_> = std::fs::read_dir(l.dir().join("repairs"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 1, "{run:#?}");
    let copy = std::fs::read(kept[0].as_ref().unwrap().path()).unwrap();
    assert_eq!(copy, torn.to_vec());
    l.write(&["repair"]).ok().stdout_has("nothing to repair");
    l.write(&["area", "add", "2", "--title", "After the repair"])
        .ok()
        .stdout_has("appended 10");
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 10 entries verified");
}

#[test]
fn a_whole_last_entry_missing_only_its_newline_is_kept() {
    let l = Ledger::sample();
    let (head, bytes) = (l.head(), l.log_bytes());
    truncate_log(&l, bytes.len() as u64 - 1);
    let run = l.read(&["head"]).ok().stdout_has(&head);
    assert!(!run.stderr.contains("warning"), "{run:#?}");
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 9 entries verified");
    assert_eq!(l.log_bytes().len(), bytes.len() - 1, "nothing is cut");
    // The next append writes the newline first.
    l.write(&["area", "add", "2", "--title", "After"])
        .ok()
        .stdout_has("appended 10");
    assert!(l.log_bytes().starts_with(&bytes));
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 10 entries verified");
}

#[test]
fn repair_refuses_to_cut_entries_after_damage() {
    let l = Ledger::sample();
    let mut lines = split_lines(&l.log_bytes());
    lines[4] = b"not an entry".to_vec();
    std::fs::write(l.log_path(), util::join_lines(&lines)).unwrap();
    let before = l.log_bytes();
    l.write(&["repair"])
        .code(2)
        .stderr_has("not an unfinished append");
    assert!(l.log_bytes() == before);
}

#[test]
fn a_held_lock_blocks_only_writers_and_they_wait_then_give_up() {
    let l = Ledger::sample();
    let before = l.snapshot();
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .open(l.dir().join("LOCK"))
        .unwrap();
    lock.try_lock().expect("nobody else holds the lock");
    for args in [
        &["head"][..],
        &["verify"],
        &["plan"],
        &["prove", "inclusion", "3"],
    ] {
        l.read(args).ok();
    }
    let writes: [&[&str]; 3] = [
        &["reindex"],
        &["area", "add", "2", "--title", "T", "--by", "plan.officer"],
        &[
            "status",
            "1.1",
            "Embedded",
            "--review",
            "RAG May 20",
            "--by",
            "plan.officer",
        ],
    ];
    for args in writes {
        let mut all = args.to_vec();
        all.extend(["--ledger", l.dir().to_str().unwrap()]);
        let mut cmd = util::command(l.tmp());
        cmd.env("READINESS_LOCK_WAIT", "1.5").args(&all);
        util::finish(cmd, &all)
            .code(2)
            .stderr_has("waiting for another readiness process")
            .stderr_has("still being written by another readiness process");
    }
    assert!(l.log_bytes() == before.log);
    lock.unlock().unwrap();
    drop(lock);
    l.assert_unchanged(&before);
    l.write(&["area", "add", "2", "--title", "T"]).ok();
}

/// The journal header as src/store/journal.rs lays it out: magic, start offset and length
/// (little-endian u64), then SHA-256 of those 24 bytes followed by `digest_of`.
fn journal_header(start: u64, len: usize, digest_of: &[u8]) -> Vec<u8> {
    let mut j = b"RLJRNL02".to_vec();
    j.extend_from_slice(&start.to_le_bytes());
    j.extend_from_slice(&(len as u64).to_le_bytes());
    let mut h = Sha256::new();
    h.update(&j);
    h.update(digest_of);
    j.extend_from_slice(&h.finalize());
    j
}

/// Writes `append.journal`: the header, then the batch bytes.
fn write_journal(l: &Ledger, start: u64, batch: &[u8], digest_of: &[u8]) {
    let mut j = journal_header(start, batch.len(), digest_of);
    j.extend_from_slice(batch);
    std::fs::write(l.dir().join("append.journal"), j).unwrap();
}

/// The last entry's line (with its newline) and where it starts.
fn last_batch(l: &Ledger) -> (u64, Vec<u8>) {
    let mut line = split_lines(&l.log_bytes()).pop().unwrap();
    line.push(b'\n');
    ((l.log_bytes().len() - line.len()) as u64, line)
}

fn truncate_log(l: &Ledger, len: u64) {
    File::options()
        .write(true)
        .open(l.log_path())
        .unwrap()
        .set_len(len)
        .unwrap();
}

#[test]
fn a_complete_journal_is_rolled_forward_on_open() {
    // The crash came after the journal was durable: the log holds none or half of it.
    for (half, drop_index) in [(false, false), (true, true)] {
        let l = Ledger::sample();
        let (head, bytes) = (l.head(), l.log_bytes());
        let (start, batch) = last_batch(&l);
        write_journal(&l, start, &batch, &batch);
        let written = if half { batch.len() / 2 } else { 0 };
        truncate_log(&l, start + written as u64);
        if drop_index {
            std::fs::remove_dir_all(l.dir().join("derived")).unwrap();
        }
        l.read(&["head"])
            .ok()
            .stderr_has("completed an append that was interrupted")
            .stdout_has(&head);
        assert!(l.log_bytes() == bytes, "the batch is back, whole");
        let journal = std::fs::metadata(l.dir().join("append.journal")).unwrap();
        assert_eq!(journal.len(), 0, "the journal is cleared once applied");
        l.read(&["verify"])
            .ok()
            .stdout_has("ok: 9 entries verified");
    }
}

#[test]
fn an_incomplete_journal_is_discarded_and_the_log_left_alone() {
    let l = Ledger::sample();
    let (start, batch) = last_batch(&l);
    truncate_log(&l, start);
    let (head8, bytes8) = (l.head(), l.log_bytes());
    assert!(head8.starts_with("8 "), "{head8}");
    // The crash came while the journal itself was being written: its body is short.
    let short = &batch[..batch.len() - 10];
    let mut j = journal_header(start, batch.len(), &batch);
    j.extend_from_slice(short);
    std::fs::write(l.dir().join("append.journal"), j).unwrap();
    let run = l.read(&["head"]).ok();
    assert_eq!(run.stdout.trim_end(), head8);
    assert!(!run.stderr.contains("completed"), "{run:#?}");
    assert!(l.log_bytes() == bytes8);
    // A journal whose checksum does not match its body is not applied either.
    write_journal(&l, start, &batch, b"something else");
    assert_eq!(l.head(), head8);
    assert!(l.log_bytes() == bytes8);
}

#[test]
fn a_stale_journal_changes_nothing_and_a_conflicting_one_is_reported() {
    let l = Ledger::sample();
    let (head, bytes) = (l.head(), l.log_bytes());
    let (start, batch) = last_batch(&l);
    write_journal(&l, start, &batch, &batch);
    let run = l.read(&["head"]).ok();
    assert_eq!(run.stdout.trim_end(), head);
    assert!(!run.stderr.contains("warning"), "{run:#?}");
    let mut other = batch.clone();
    let at = other.iter().position(|b| *b == b'C').unwrap();
    other[at] = b'K';
    write_journal(&l, start, &other, &other);
    l.read(&["head"])
        .ok()
        .stderr_has("ignored an append journal that does not match")
        .stdout_has(&head);
    assert!(l.log_bytes() == bytes);
}

#[test]
fn a_damaged_log_refuses_appends_and_reindex_says_where_it_stopped() {
    let l = Ledger::sample();
    let mut lines = split_lines(&l.log_bytes());
    lines.remove(2);
    std::fs::write(l.log_path(), util::join_lines(&lines)).unwrap();
    let before = l.log_bytes();
    l.write(&["area", "add", "2", "--title", "T"])
        .code(2)
        .stderr_has("fails verification")
        .stderr_has("entry 3");
    assert!(l.log_bytes() == before);
    l.read(&["reindex"])
        .code(1)
        .stdout_has("reindexed 2 entries")
        .stdout_has("stopped early: entry 3");
}

#[test]
fn an_altered_entry_the_index_already_covers_still_blocks_appends() {
    let l = Ledger::sample();
    // Open once more so the index covers every entry, then alter an early one in place.
    l.read(&["head"]).ok();
    let text = String::from_utf8(l.log_bytes()).unwrap();
    let altered = text.replacen("\"type\":\"area_added\"", "\"type\":\"area_added\" ", 1);
    assert_ne!(altered, text);
    std::fs::write(l.log_path(), &altered).unwrap();
    let before = l.log_bytes();
    l.write(&["area", "add", "2", "--title", "T"])
        .code(2)
        .stderr_has("fails verification")
        .stderr_has("entry 2");
    assert!(l.log_bytes() == before);
}

#[test]
fn concurrent_writers_queue_and_all_append_whole() {
    let l = Ledger::sample();
    let children: Vec<_> = (2..10)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_readiness"))
                .args([
                    "area",
                    "add",
                    &i.to_string(),
                    "--title",
                    "Parallel",
                    "--by",
                    "plan.officer",
                ])
                .arg("--ledger")
                .arg(l.dir())
                .env_remove("READINESS_ACTOR")
                .env_remove("READINESS_LEDGER")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut added = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => added += 1,
            other => panic!("exit {other:?}: {stderr}"),
        }
    }
    assert_eq!(added, 8, "every writer waits its turn");
    let entries = l.entries();
    assert_eq!(entries.len(), 9 + added);
    l.read(&["verify"])
        .ok()
        .stdout_has(&format!("ok: {} entries verified", 9 + added));
}

#[test]
fn head_of_a_directory_comes_from_its_tail_and_verify_still_finds_damage_before_it() {
    let l = Ledger::sample();
    let head = l.head();
    // Make the second line no entry at all, keeping every length: the tail and the derived
    // mark still agree, so opening (and `head`) reads nothing that far back.
    let mut log = l.log_bytes();
    let second = log.iter().position(|&b| b == b'\n').unwrap() + 1;
    log[second] = b'x';
    std::fs::write(l.log_path(), &log).unwrap();
    assert_eq!(l.read(&["head"]).ok().stdout.trim_end(), head);
    l.read(&["verify"]).code(1);
}
