//! Output cannot lie to its reader: text an insider records (notes, labels, titles,
//! leads, actor names, evidence file names) never reaches a terminal with its control or
//! bidirectional characters raw, JSON keeps the exact text, and CSV cells a spreadsheet
//! would run as formulas get a leading `'` unless `--csv-raw`.

mod util;

use std::path::Path;

use serde_json::Value;
use util::{Ledger, Run};

/// Clears the screen and overwrites the start of the line.
const REVIEW: &str = "RAG\u{1b}[2J Feb 21";
/// A right-to-left override and an OSC title sequence.
const TITLE: &str = "Gov\u{202e}ecnanre\u{1b}]0;pwned\u{7}";
/// A carriage return that would overwrite what the row showed so far.
const ACTION_TEXT: &str = "Hide this\rFAKE ROW";
/// Escape sequences, a carriage return and a C1 CSI (U+009B).
const NOTE: &str = "done\u{1b}[2J\rFAKE\u{9b}31m";
/// A carriage return, an OSC title sequence and a bidi override, in an actor's name.
const ACTOR: &str = "mal\rlory\u{1b}]0;pwned\u{7}\u{202e}";
/// A file name that reads as "minutes.exe" reversed, with a clear-screen.
const FILE_NAME: &str = "minutes\u{202e}fdp.exe\u{1b}[2J";
/// A lead with an isolate and DEL.
const LEAD: &str = "Jo\u{2066}Lead\u{7f}";

/// True for what must never reach a terminal raw: C0 (but the newlines that end lines),
/// DEL, C1, and the bidirectional embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{9}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Asserts that neither stdout nor stderr holds a raw control or bidi character, scanning
/// the bytes: no C0 byte but `\n`, no DEL, and no UTF-8 encoding of a C1 or bidi character.
#[track_caller]
fn assert_safe(run: &Run) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad = text
            .as_bytes()
            .iter()
            .position(|&b| (b < 0x20 && b != b'\n') || b == 0x7f);
        assert!(bad.is_none(), "raw control byte in {name}: {run:#?}");
        let bad: Vec<char> = text.chars().filter(|&c| is_unsafe(c)).collect();
        assert!(bad.is_empty(), "raw {bad:?} in {name}: {run:#?}");
    }
}

/// The escaped form a terminal shows for `s` (Rust's string-literal escapes).
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| {
            if is_unsafe(c) || c == '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// The sample ledger (seqs 1-9) and, written by an insider:
/// 10 review REVIEW, 11 area 2 titled TITLE, 12 action 2.1 (ACTION_TEXT, LEAD),
/// 13 status of 2.1 at REVIEW with NOTE by ACTOR, 14 status of 2.1 at REVIEW again,
/// 15 evidence FILE_NAME for 2.1, 16 a key named with controls.
/// Returns the ledger and the runs of every write, to check their acknowledgements.
fn hostile() -> (Ledger, Vec<Run>) {
    let l = Ledger::sample();
    let file = l.path("minutes.pdf");
    std::fs::write(&file, b"minutes\n").unwrap();
    let key = l.path("chair.key");
    l.raw(&["key", "new", "chair", "--out", s(&key)]).ok();
    let public = format!("{}.pub", s(&key));
    let runs = vec![
        l.write(&["review", "add", REVIEW, "--date", "2021-02-28"]),
        l.write(&["area", "add", "2", "--title", TITLE]),
        l.write(&[
            "action",
            "add",
            "2.1",
            "--area",
            "2",
            "--action",
            ACTION_TEXT,
            "--lead",
            LEAD,
            "--end",
            "Phase 1: October 2020",
        ]),
        l.write_as(
            ACTOR,
            &[
                "status",
                "2.1",
                "Progressing but delayed",
                "--review",
                REVIEW,
                "--note",
                NOTE,
            ],
        ),
        l.write(&["status", "2.1", "Started but delayed", "--review", REVIEW]),
        l.write(&[
            "evidence",
            "add",
            "2.1",
            s(&file),
            "--name",
            FILE_NAME,
            "--review",
            REVIEW,
        ]),
        l.write(&[
            "key",
            "register",
            "Jo\u{1b}[2J Chair",
            "--public",
            &public,
            "--role",
            "Chair\u{202e}",
        ]),
    ];
    let runs: Vec<Run> = runs.into_iter().map(Run::ok).collect();
    assert!(
        runs[3].stdout.starts_with("appended 13: "),
        "{:#?}",
        runs[3]
    );
    (l, runs)
}

#[test]
fn acknowledgements_show_controls_as_escapes() {
    let (_l, runs) = hostile();
    for run in &runs {
        assert_safe(run);
    }
    // The status acknowledgement still says what was recorded, escaped, on one line.
    let ack = runs[3].stdout.lines().next().unwrap();
    assert_eq!(
        ack,
        format!(
            "appended 13: 2.1 at {}: Progressing but delayed (note: {})",
            shown(REVIEW),
            shown(NOTE)
        )
    );
    assert!(runs[1].stdout.contains(&shown(TITLE)), "{:#?}", runs[1]);
    assert!(
        runs[2].stdout.contains(&shown(ACTION_TEXT)),
        "{:#?}",
        runs[2]
    );
}

fn find<'a>(v: &'a Value, pred: &dyn Fn(&Value) -> bool) -> Option<&'a Value> {
    if pred(v) {
        return Some(v);
    }
    match v {
        Value::Array(a) => a.iter().find_map(|x| find(x, pred)),
        Value::Object(o) => o.values().find_map(|x| find(x, pred)),
        _ => None,
    }
}

/// True when some string in `v` contains `needle` exactly.
fn holds(v: &Value, needle: &str) -> bool {
    find(v, &|x| x.as_str().is_some_and(|s| s.contains(needle))).is_some()
}

#[test]
fn views_show_controls_as_escapes_and_json_keeps_the_exact_text() {
    let (l, _) = hostile();
    let views: &[(&[&str], &[&str])] = &[
        (&["log"], &[NOTE, ACTOR, TITLE, ACTION_TEXT, REVIEW]),
        (&["history", "1.1"], &[REVIEW]),
        (&["history", "2.1"], &[NOTE, ACTOR, ACTION_TEXT, REVIEW]),
        (&["actors"], &[ACTOR]),
        (&["plan", "--as-of", REVIEW], &[REVIEW, TITLE, LEAD]),
        (&["matrix"], &[REVIEW]),
        (&["diff", "--from", "RAG May 20", "--to", REVIEW], &[REVIEW]),
        (&["evidence", "list"], &[]),
        (&["evidence", "list", "2.1"], &[]),
        (&["key", "list"], &["Jo\u{1b}[2J Chair", "Chair\u{202e}"]),
    ];
    for (args, texts) in views {
        let run = l.read(args).ok();
        assert_safe(&run);
        for t in *texts {
            assert!(
                run.stdout.contains(&shown(t)),
                "{args:?} should show {:?}: {run:#?}",
                shown(t)
            );
        }
    }
    // `check` exits 3 (gaps); its table is as safe.
    let check = l.read(&["check", "--as-of", REVIEW]).code(3);
    assert_safe(&check);
    assert!(check.stdout.contains(&shown(REVIEW)), "{check:#?}");
    // The evidence table shows the file name with its override escaped.
    let list = l.read(&["evidence", "list"]).ok();
    assert!(list.stdout.contains("minutes\\u{202e}fdp.exe"), "{list:#?}");

    // Markdown keeps its own escaping: controls become U+FFFD, line breaks spaces.
    for args in [&["log"][..], &["plan", "--as-of", REVIEW]] {
        let md = l.read(&[args, &["--format", "markdown"]].concat()).ok();
        assert!(
            !md.stdout.contains(|c: char| c.is_control() && c != '\n'),
            "{md:#?}"
        );
        assert!(md.stdout.contains("RAG\u{fffd}\\[2J Feb 21"), "{md:#?}");
    }

    // JSON is for programs: the exact text, controls and all (JSON-escaped).
    let json: &[(&[&str], &[&str])] = &[
        (&["log"], &[NOTE, ACTOR, TITLE, ACTION_TEXT, REVIEW]),
        (&["history", "2.1"], &[NOTE, ACTOR, ACTION_TEXT, REVIEW]),
        (&["actors"], &[ACTOR]),
        (&["plan", "--as-of", REVIEW], &[REVIEW, TITLE, LEAD]),
        (&["matrix"], &[REVIEW]),
        (&["evidence", "list"], &[FILE_NAME, REVIEW]),
        (&["key", "list"], &["Jo\u{1b}[2J Chair", "Chair\u{202e}"]),
    ];
    for (args, texts) in json {
        let run = l.read(&[*args, &["--format", "json"][..]].concat()).ok();
        let v = run.json();
        for t in *texts {
            assert!(
                holds(&v, t),
                "{args:?} --format json should hold {t:?}: {run:#?}"
            );
        }
    }
    // An acknowledgement in JSON too.
    let run = l
        .write(&[
            "status",
            "2.1",
            "Completed",
            "--review",
            REVIEW,
            "--note",
            NOTE,
            "--format",
            "json",
        ])
        .ok();
    let v = run.json();
    assert!(holds(&v, NOTE) && holds(&v, REVIEW), "{run:#?}");
}

#[test]
fn errors_show_controls_as_escapes() {
    let (l, _) = hostile();
    // Entry 13 no longer sets 2.1's status at REVIEW (14 does): the refusal names the
    // review, as recorded, in its message.
    let run = l
        .write(&["correct", "13", "--status", "Completed", "--reason", "typo"])
        .code(2);
    assert_safe(&run);
    assert!(
        run.stderr.contains(&format!("2.1 at {}", shown(REVIEW))),
        "{run:#?}"
    );
    // The ledger path, as given, in an error.
    let bad = l.path("no\u{1b}]0;pwned\u{7}such.jsonl");
    let run = l.on(&bad, &["log"]);
    assert_ne!(run.code, 0, "{run:#?}");
    assert_safe(&run);
}

/// The cells of CSV text (RFC 4180 quoting), row by row.
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// The sample ledger with formula-like text where each CSV puts it: a review "@x", an
/// action "=1+1" (text "+x", lead "=1+1", start "+x", end "-x"), its status at "@x" with
/// note "-x" by actor "-x".
fn formulas() -> Ledger {
    let l = Ledger::sample();
    l.write(&["review", "add", "@x", "--date", "2021-02-28"])
        .ok();
    l.write(&[
        "action", "add", "=1+1", "--area", "1", "--action", "+x", "--lead", "=1+1", "--start",
        "+x", "--end=-x",
    ])
    .ok();
    l.read(&[
        "status",
        "=1+1",
        "Completed",
        "--review",
        "@x",
        "--note=-x",
        "--by=-x",
    ])
    .ok();
    l
}

#[test]
fn csv_cells_that_could_be_formulas_get_a_quote_unless_raw() {
    let l = formulas();
    let commands: &[(&[&str], &[&str])] = &[
        (&["matrix"], &["@x", "=1+1"]),
        (&["plan", "--as-of", "@x"], &["=1+1", "+x", "-x"]),
        (&["log"], &["-x", "=1+1 at @x: Completed (note: -x)"]),
        (&["history", "=1+1"], &["-x", "@x"]),
        (&["actors"], &["-x"]),
        (&["diff", "--from", "RAG May 20", "--to", "@x"], &["=1+1"]),
    ];
    for (args, texts) in commands {
        let args = [*args, &["--format", "csv"][..]].concat();
        let safe = l.read(&args).ok();
        let cells: Vec<String> = csv_cells(&safe.stdout).into_iter().flatten().collect();
        for t in *texts {
            assert!(
                cells.contains(&format!("'{t}")),
                "{args:?}: a cell should read '{t}: {cells:?}"
            );
        }
        for c in &cells {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{args:?}: formula cell {c:?}: {cells:?}"
            );
        }

        let raw = l.read(&[&args[..], &["--csv-raw"]].concat()).ok();
        let cells: Vec<String> = csv_cells(&raw.stdout).into_iter().flatten().collect();
        for t in *texts {
            assert!(
                cells.contains(&t.to_string()),
                "{args:?} --csv-raw: a cell should read {t}: {cells:?}"
            );
        }
        assert!(
            !cells.iter().any(|c| c.starts_with('\'')),
            "{args:?} --csv-raw: {cells:?}"
        );
    }
}

#[test]
fn csv_raw_is_documented_on_every_command_that_writes_csv() {
    let l = Ledger::empty();
    for cmd in [
        "plan", "matrix", "history", "diff", "check", "log", "actors",
    ] {
        l.raw(&[cmd, "--help"])
            .ok()
            .stdout_has("--csv-raw")
            .stdout_has("formula");
    }
}
