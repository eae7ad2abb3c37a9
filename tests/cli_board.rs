//! The board views: `diff`, `check` and `report`, on the York sample and on small ledgers
//! built for the purpose; golden files in `snapshots/` (set UPDATE_SNAPSHOTS=1 to rewrite
//! them after a deliberate change, then review the diff).

mod util;

use std::path::Path;

use util::{run_in, Ledger, Run};

const SAMPLE: &str = "events/york-wsoa.jsonl";

/// Runs the binary from the crate root (so the sample's path, which the report prints, is
/// always the same).
fn york(args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--ledger", SAMPLE]);
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), &all)
}

/// Compares `got` with the golden file byte for byte, or rewrites it with UPDATE_SNAPSHOTS=1.
#[track_caller]
fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, got).expect("write golden file");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if want != got {
        let line = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .map_or(want.lines().count().min(got.lines().count()), |i| i);
        panic!(
            "{} differs from the output at line {} (UPDATE_SNAPSHOTS=1 rewrites it)\n\
             want: {:?}\n got: {:?}",
            path.display(),
            line + 1,
            want.lines().nth(line),
            got.lines().nth(line)
        );
    }
}

/// Today's date (UTC), for reviews whose statuses are recorded on time.
fn today() -> String {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .format("%Y-%m-%d")
        .to_string()
}

/// A plan whose actions are all completed at a review dated today: no gaps.
fn all_completed() -> Ledger {
    let l = Ledger::init();
    l.write(&["area", "add", "1", "--title", "Leadership"]).ok();
    for id in ["1.1", "1.2"] {
        l.write(&[
            "action",
            "add",
            id,
            "--area",
            "1",
            "--action",
            "Do it",
            "--end",
            "June 2020",
        ])
        .ok();
    }
    l.write(&["review", "add", "Board", "--date", &today()])
        .ok();
    for id in ["1.1", "1.2"] {
        l.write(&["status", id, "Completed", "--review", "Board"])
            .ok();
    }
    // Signed off, so completed is not an unsupported gap.
    let key = l.path("chair.key");
    let key = key.to_str().unwrap();
    l.raw(&["key", "new", "Chair", "--out", key]).ok();
    let public = format!("{key}.pub");
    l.write(&[
        "key", "register", "Chair", "--public", &public, "--role", "Chair",
    ])
    .ok();
    for id in ["1.1", "1.2"] {
        l.write(&["sign-off", id, "--review", "Board", "--key", key])
            .ok();
    }
    l
}

#[test]
fn york_diff_august_to_november_20_lists_two_improved_to_completed_and_four_held() {
    let run = york(&[
        "diff",
        "--from",
        "RAG August 20",
        "--to",
        "RAG November 20",
        "--format",
        "json",
    ])
    .ok();
    let v = run.json();
    assert_eq!(v["from"]["label"], "RAG August 20");
    assert_eq!(v["to"]["label"], "RAG November 20");
    assert_eq!(v["completed_status"], "Completed");
    let rows: Vec<(String, String, String, String, bool)> = v["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["from"]["status"].as_str().unwrap().to_string(),
                a["to"]["status"].as_str().unwrap().to_string(),
                a["verdict"].as_str().unwrap().to_string(),
                a["completed"].as_bool().unwrap(),
            )
        })
        .collect();
    let want = [
        ("1.1", "Completed", "Completed", "held", false),
        (
            "1.2",
            "Progressing but delayed",
            "Completed",
            "improved",
            true,
        ),
        (
            "1.3A",
            "Progressing and on track",
            "Completed",
            "improved",
            true,
        ),
        (
            "1.3B",
            "Progressing and on track",
            "Progressing and on track",
            "held",
            false,
        ),
        (
            "1.4",
            "Progressing and on track",
            "Progressing and on track",
            "held",
            false,
        ),
        ("1.5", "Completed", "Completed", "held", false),
    ];
    let want: Vec<(String, String, String, String, bool)> = want
        .iter()
        .map(|(a, f, t, v, c)| {
            (
                a.to_string(),
                f.to_string(),
                t.to_string(),
                v.to_string(),
                *c,
            )
        })
        .collect();
    assert_eq!(rows, want);
    // Each action lists the entry that recorded its November status (seq, actor, time).
    let e = &v["actions"][1]["entries"][0];
    assert_eq!(e["seq"], 32);
    assert_eq!(e["review"], "RAG November 20");
    assert_eq!(e["actor"], "plan.officer@york.example");
    assert!(e["recorded_at"].as_str().unwrap().ends_with('Z'));

    let table = york(&["diff", "--from", "RAG August 20", "--to", "RAG November 20"]).ok();
    table.stdout_has("2 improved to Completed (1.2, 1.3A), 4 held (1.1, 1.3B, 1.4, 1.5)");

    let md = york(&[
        "diff",
        "--from",
        "RAG August 20",
        "--to",
        "RAG November 20",
        "--format",
        "markdown",
    ])
    .ok();
    golden("york-diff-aug20-nov20.md", &md.stdout);
}

#[test]
fn diff_refuses_points_in_the_wrong_order_or_unknown() {
    york(&["diff", "--from", "RAG November 20", "--to", "RAG August 20"])
        .code(2)
        .stderr_has("swap them");
    york(&["diff", "--from", "RAG June 20", "--to", "RAG August 20"])
        .code(2)
        .stderr_has("--from: \"RAG June 20\" matches no review");
    york(&["diff", "--from", "RAG May 20"])
        .code(2)
        .stderr_has("--to");
    york(&[
        "diff",
        "--from",
        "May 20",
        "--to",
        "Nov 20",
        "--known-at",
        "yesterday",
    ])
    .code(2)
    .stderr_has("--known-at");
}

#[test]
fn york_gaps_at_february_21_name_1_3b_past_its_end_date() {
    let run = york(&["check", "--as-of", "RAG February 21", "--format", "json"]).code(3);
    let v = run.json();
    let gaps: Vec<_> = v["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .filter(|g| g["kind"] != "unsupported")
        .collect();
    assert_eq!(gaps.len(), 1, "{v:#}");
    assert_eq!(gaps[0]["kind"], "past_end");
    assert_eq!(gaps[0]["action"], "1.3B");
    assert_eq!(gaps[0]["end"], "Phase 2: January 2021");
    assert_eq!(gaps[0]["status"]["status"], "Progressing but delayed");

    let md = york(&[
        "check",
        "--as-of",
        "RAG February 21",
        "--format",
        "markdown",
    ])
    .code(3);
    golden("york-check-feb21.md", &md.stdout);

    // By May 21, 1.3B has also been amber at two reviews in a row.
    let v = york(&["check", "--as-of", "RAG May 21", "--format", "json"])
        .code(3)
        .json();
    let kinds: Vec<(&str, &str)> = v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["kind"].as_str().unwrap(), g["action"].as_str().unwrap()))
        .filter(|(kind, _)| *kind != "unsupported")
        .collect();
    assert_eq!(kinds, [("past_end", "1.3B"), ("delayed_run", "1.3B")]);

    // The report's gap section says the same.
    let report = york(&[
        "report",
        "--as-of",
        "RAG February 21",
        "--format",
        "markdown",
    ])
    .ok();
    let gaps = report
        .stdout
        .split("## Readiness gaps at RAG February 21")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a gaps section");
    assert!(
        gaps.contains("| past end date | 1.3B |") && gaps.contains("Phase 2: January 2021"),
        "{gaps}"
    );
}

#[test]
fn check_exits_3_with_gaps_and_0_without() {
    let l = all_completed();
    let run = l.read(&["check", "--as-of", "Board"]).ok();
    run.stdout_has("No readiness gaps at Board.");

    // A new action with no status, ending long ago: stale and past its end date.
    l.write(&[
        "action", "add", "1.3", "--area", "1", "--action", "Late one", "--end", "May 2020",
    ])
    .ok();
    let v = l
        .read(&["check", "--as-of", "Board", "--format", "json"])
        .code(3)
        .json();
    let kinds: Vec<&str> = v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["past_end", "stale"]);

    // Withdrawn actions are left out: back to exit 0 (withdrawn from Board on; without
    // --from it would hold only from the first review after today, and Board is today).
    l.write(&[
        "action",
        "withdraw",
        "1.3",
        "--reason",
        "merged into 1.2",
        "--from",
        "Board",
    ])
    .ok();
    l.read(&["check", "--as-of", "Board"]).ok();

    // No reviews at all: nothing to check.
    let empty = Ledger::init();
    empty.read(&["check"]).ok().stdout_has("no reviews yet");
    let v = empty.read(&["check", "--format", "json"]).ok().json();
    assert_eq!(v["gaps"], serde_json::json!([]));

    // Help documents the exit code.
    l.raw(&["check", "--help"]).ok().stdout_has("exit code 3");
    l.raw(&["--help"])
        .ok()
        .stdout_has("3  `check` found readiness gaps");
}

#[test]
fn report_html_is_self_contained_and_complete() {
    let head = york(&["head"]).ok().stdout.trim().to_string();
    let (seq, hash) = head.split_once(' ').expect("SEQ HASH");
    let run = york(&["report", "--as-of", "RAG February 21"]).ok();
    let html = &run.stdout;
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.to_lowercase().contains("<script"), "no scripts");
    for attr in ["src=", "href=", "url("] {
        for scheme in ["http://", "https://", "//"] {
            for quote in ["\"", "'", ""] {
                let bad = format!("{attr}{quote}{scheme}");
                assert!(!html.contains(&bad), "fetches something: {bad}");
            }
        }
    }
    assert!(!html.contains("<link") && !html.contains("@import"));
    assert!(html.contains("<style>") && html.contains("@page { size: A4"));
    // The head it was produced from and the verification result, in the appendix for
    // inspectors; the body before it has no hash, no exact time and no command.
    let appendix = html
        .find("Appendix for inspectors: checking this report")
        .expect("an appendix for inspectors");
    let (body, appendix) = html.split_at(appendix);
    assert!(
        appendix.contains(&format!("ledger entry {seq} (the head) with hash {hash}")),
        "head"
    );
    assert!(appendix.contains("ok: 72 entries verified"), "verification");
    assert!(appendix.contains(&format!("readiness verify --expect {seq}:{hash}")));
    assert!(
        appendix.contains("Checkpoint of those 72 entries"),
        "checkpoint"
    );
    assert!(
        !body.contains(hash) && !body.contains(&hash[..12]),
        "a hash in the body"
    );
    assert!(!body.contains("readiness verify"), "a command in the body");
    assert!(!body.contains("T11:41:12"), "an ISO time in the body");
    assert!(body.contains("Board report as at RAG February 21 (28 February 2021)."));
    // The matrix, coloured and marked, with the reviews up to February 21 only.
    assert!(html.contains("<table class=\"matrix\">"));
    assert!(html.contains("<th>RAG February 21</th>") && !html.contains("<th>RAG May 21</th>"));
    assert!(html.contains("<td class=\"rag-amber\"><svg class=\"mk\""));
    assert!(html.contains("</svg>Progressing but delayed</td>"));
    // One trend chart per action, its reviews labelled by month and year.
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 6);
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert_eq!(html.matches(">Feb</tspan>").count(), 6);
    // What moved since November 20, worst first.
    let moved = html.find("<table class=\"moved\">").expect("moved table");
    let worsened = html[moved..].find("worsened").unwrap();
    let improved = html[moved..].find("improved").unwrap();
    assert!(worsened < improved);

    // Written to a file, the same bytes; the path and head are reported.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("board.html");
    let wrote = york(&[
        "report",
        "--as-of",
        "RAG February 21",
        "--out",
        out.to_str().unwrap(),
    ])
    .ok();
    wrote.stdout_has("wrote ").stdout_has(hash);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), *html);
}

#[test]
fn york_report_golden_files() {
    let md = york(&[
        "report",
        "--as-of",
        "RAG February 21",
        "--format",
        "markdown",
    ])
    .ok();
    golden("york-report-feb21.md", &md.stdout);
    let html = york(&["report", "--as-of", "RAG February 21"]).ok();
    golden("york-report-feb21.html", &html.stdout);
    // Both say the same things.
    for needle in [
        "What moved since RAG November 20",
        "1 worsened (1.3B), 1 improved to Completed (1.4), 4 held (1.1, 1.2, 1.3A, 1.5)",
        "Readiness gaps at RAG February 21",
        "Actions by status",
        "5 of 6 actions completed or embedded; 1 behind: 1.3B is past its end date.",
        "Appendix for inspectors: checking this report",
    ] {
        assert!(md.stdout.contains(needle), "markdown lacks {needle}");
        assert!(html.stdout.contains(needle), "html lacks {needle}");
    }
}

#[test]
fn report_escapes_hostile_text() {
    let hostile = "<script>alert(1)</script> & \"q\" 'x' <img src=https://evil.example/x>";
    let l = Ledger::init();
    l.write(&["area", "add", "1", "--title", "A <b>bold</b> area"])
        .ok();
    l.write(&[
        "action",
        "add",
        "1.1",
        "--area",
        "1",
        "--action",
        hostile,
        "--lead",
        "O'Brien & <co>",
    ])
    .ok();
    l.write(&["review", "add", "Q<1>", "--date", "2021-03-31"])
        .ok();
    l.write(&[
        "status",
        "1.1",
        "Not started",
        "--review",
        "Q<1>",
        "--note",
        hostile,
    ])
    .ok();
    let html = l.read(&["report", "--as-of", "Q<1>"]).ok().stdout;
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(!html.contains("<img") && !html.contains("<b>") && !html.contains("<co>"));
    assert!(html
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;x&#39; &lt;img"));
    assert!(html.contains("O&#39;Brien &amp; &lt;co&gt;"));
    assert!(html.contains("<th>Q&lt;1&gt;</th>"));
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 1);

    let md = l
        .read(&["report", "--as-of", "Q<1>", "--format", "markdown"])
        .ok()
        .stdout;
    assert!(
        md.contains("\\<script\\>alert(1)\\</script\\> \\& \"q\""),
        "{md}"
    );
    assert!(
        md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
        "an unescaped < in:\n{md}"
    );
}

#[test]
fn report_options_and_errors() {
    // --since moves the start of "what moved"; after --as-of it is refused.
    let md = york(&[
        "report",
        "--as-of",
        "RAG February 21",
        "--since",
        "RAG May 20",
        "--format",
        "markdown",
    ])
    .ok();
    md.stdout_has("## What moved since RAG May 20");
    york(&[
        "report",
        "--as-of",
        "RAG May 20",
        "--since",
        "RAG February 21",
    ])
    .code(2)
    .stderr_has("--since");
    // The first review has no previous one: everything is new.
    york(&["report", "--as-of", "RAG May 20", "--format", "markdown"])
        .ok()
        .stdout_has("What moved up to RAG May 20 (the first review)")
        .stdout_has("6 new");
    // --as-of is required; an unwritable --out is an I/O error (4).
    york(&["report"]).code(2).stderr_has("--as-of");
    york(&[
        "report",
        "--as-of",
        "latest",
        "--out",
        "/nonexistent-dir/board.html",
    ])
    .code(4)
    .stderr_has("/nonexistent-dir/board.html");
    // JSON is the report value.
    let v = york(&["report", "--as-of", "latest", "--format", "json"])
        .ok()
        .json();
    assert_eq!(v["review"]["label"], "RAG August 22");
    assert_eq!(v["verification"]["ok"], true);
    assert_eq!(v["actions"][0]["trend"].as_array().unwrap().len(), 9);
}

#[test]
fn report_on_a_ledger_that_does_not_verify_says_so_and_exits_1() {
    let l = all_completed();
    // Change a status in place without re-hashing: the chain breaks at that entry.
    let log = std::fs::read_to_string(l.log_path()).unwrap();
    let tampered = log.replacen("\"status\":\"Completed\"", "\"status\":\"Embedded\"", 1);
    assert_ne!(log, tampered);
    std::fs::write(l.log_path(), tampered).unwrap();
    let run = l
        .read(&["report", "--as-of", "Board", "--format", "markdown"])
        .code(1);
    run.stdout_has("Verification: FAILED")
        .stderr_has("does not verify");
}

#[test]
fn known_at_before_the_plan_existed_is_a_clear_error() {
    york(&[
        "report",
        "--as-of",
        "RAG May 20",
        "--known-at",
        "2000-01-01",
    ])
    .code(2)
    .stderr_has("holds no plan as known at");
}

#[test]
fn report_is_written_for_the_board() {
    let html = york(&["report", "--as-of", "RAG February 21"]).ok().stdout;
    // A summary a chair can read aloud, first.
    let summary = html.find("<div class=\"summary\">").expect("a summary");
    assert!(summary < html.find("<h2>").unwrap());
    assert!(html[summary..].contains(
        "<p>5 of 6 actions completed or embedded; 1 behind: 1.3B is past its end date.</p>"
    ));
    assert!(html.contains("Since RAG November 20 (30 November 2020): 1.3B fell back to Progressing but delayed; 1.4 reached Completed; 4 others unchanged."));
    // Every status of the legend has its own marker: no two share shape and colour.
    let legend = html
        .split("<div class=\"legend\">")
        .nth(1)
        .and_then(|l| l.split("</div>").next())
        .expect("a legend");
    let markers: Vec<&str> = legend
        .split("<svg class=\"mk\"")
        .skip(1)
        .map(|m| m.split("</svg>").next().unwrap())
        .collect();
    assert_eq!(markers.len(), 6, "{legend}");
    let attr = |m: &str, name: &str| {
        m.split(&format!("{name}=\""))
            .nth(1)
            .map_or(String::new(), |v| v.split('"').next().unwrap().to_string())
    };
    let shapes: std::collections::HashSet<String> = markers
        .iter()
        .map(|m| {
            let element = m.split('<').nth(1).unwrap().split(' ').next().unwrap();
            format!("{element} {}", attr(m, "points"))
        })
        .collect();
    let colours: std::collections::HashSet<String> =
        markers.iter().map(|m| attr(m, "fill")).collect();
    assert_eq!(shapes.len(), 6, "each status its own shape: {markers:#?}");
    assert_eq!(colours.len(), 6, "each status its own colour: {markers:#?}");
    // Counts split by status: on track apart from completed and embedded.
    assert!(html.contains("</svg>Progressing and on track</th>"));
    assert!(html.contains("</svg>Completed</th>") && html.contains("</svg>Embedded</th>"));
    // Gaps grouped, the real one first, the five alike in one row.
    let gaps = html
        .split("<table class=\"gaps\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap();
    assert_eq!(gaps.matches("<tr>").count(), 3, "header + 2 rows: {gaps}");
    assert!(gaps.find("past end date").unwrap() < gaps.find("no evidence or sign-off").unwrap());
    assert!(gaps.contains("1.1, 1.2, 1.3A, 1.4, 1.5"));
    assert!(gaps.contains("that month ended on 31 January 2021"));
    // JSON holds the same summary and counts.
    let v = york(&["report", "--as-of", "RAG February 21", "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        v["summary"]["sentences"][0],
        "5 of 6 actions completed or embedded; 1 behind: 1.3B is past its end date."
    );
    assert_eq!(v["summary"]["behind"][0]["action"], "1.3B");
    assert_eq!(v["counts"][0]["now"]["statuses"][4]["status"], "Completed");
    assert_eq!(v["counts"][0]["now"]["statuses"][4]["count"], 5);
    assert_eq!(v["checkpoint"]["size"], 72);
    // Actions behind for the same reason are named together.
    york(&["report", "--as-of", "RAG May 20", "--format", "markdown"])
        .ok()
        .stdout_has("0 of 6 actions completed or embedded; 6 behind: 1.1 is progressing but delayed; 1.2, 1.3A, 1.3B, 1.4 and 1.5 are started but delayed.");
}
