//! Withdrawals and amendments take effect from a review: views of earlier reviews show the
//! plan as it stood then; `--known-at` still shows when the ledger learned of the change.

mod util;

use serde_json::Value;
use util::Ledger;

const YORK: &str = "tests/data/york-wsoa-area1.txt";

fn york() -> Ledger {
    let l = Ledger::empty();
    let file = std::fs::canonicalize(YORK).unwrap();
    l.write(&["import", file.to_str().unwrap()]).ok();
    l
}

/// The action `id` in `plan --format json` output.
fn action<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["areas"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["actions"].as_array().unwrap())
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no action {id} in {plan:#}"))
}

fn plan_as_of(l: &Ledger, point: &str) -> Value {
    l.read(&["plan", "--as-of", point, "--format", "json"])
        .ok()
        .json()
}

fn matrix_row(l: &Ledger, extra: &[&str], id: &str) -> Value {
    let mut args = vec!["matrix", "--format", "json"];
    args.extend_from_slice(extra);
    let m = l.read(&args).ok().json();
    m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == id)
        .unwrap()
        .clone()
}

/// The verdict `diff` gives action `id` between two reviews.
fn verdict(l: &Ledger, from: &str, to: &str, id: &str) -> String {
    let d = l
        .read(&["diff", "--from", from, "--to", to, "--format", "json"])
        .ok()
        .json();
    let a = d["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap();
    a["verdict"].as_str().unwrap().to_string()
}

#[test]
fn a_withdrawal_from_a_review_leaves_earlier_reviews_as_they_were() {
    let l = york();
    let before_feb = plan_as_of(&l, "RAG February 21");
    l.write(&[
        "action",
        "withdraw",
        "1.5",
        "--reason",
        "merged into 1.2",
        "--from",
        "rag may 21",
    ])
    .ok()
    .stderr_has("holds from RAG May 21");
    let entry = l.entries().last().unwrap().clone();
    assert_eq!(entry["event"]["from"], "RAG May 21", "{entry:#}");

    // February 2021: exactly as before the withdrawal, apart from the head and a pending note.
    let feb = plan_as_of(&l, "RAG February 21");
    let (was, now) = (action(&before_feb, "1.5"), action(&feb, "1.5"));
    assert_eq!(was["status"], now["status"]);
    assert!(now.get("withdrawn").is_none(), "{now:#}");
    assert_eq!(now["withdrawal_pending"]["from"], "from RAG May 21");
    // May 2021 and later: withdrawn.
    let may = plan_as_of(&l, "RAG May 21");
    assert_eq!(
        action(&may, "1.5")["withdrawn"]["reason"],
        "merged into 1.2"
    );
    assert_eq!(
        matrix_row(&l, &["--as-of", "RAG February 21"], "1.5")["withdrawn"],
        false
    );
    assert_eq!(matrix_row(&l, &[], "1.5")["withdrawn"], true);
    // What moved: not withdrawn between November and February; withdrawn by May.
    assert_ne!(
        verdict(&l, "RAG November 20", "RAG February 21", "1.5"),
        "withdrawn"
    );
    assert_eq!(
        verdict(&l, "RAG November 20", "RAG May 21", "1.5"),
        "withdrawn"
    );
    // The board report as at February does not count it withdrawn; as at May it does.
    let report = |point: &str| {
        l.read(&["report", "--as-of", point, "--format", "json"])
            .ok()
            .json()
    };
    let withdrawn_in = |r: &Value| {
        r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "1.5")
            .unwrap()["withdrawn"]
            .clone()
    };
    assert_eq!(withdrawn_in(&report("RAG February 21")), false);
    assert_eq!(withdrawn_in(&report("RAG May 21")), true);
    // Known before the withdrawal was recorded: not withdrawn even at May 2021.
    let import_time = l.entries()[l.entries().len() - 2]["recorded_at"]
        .as_str()
        .unwrap()
        .to_string();
    let known = l
        .read(&[
            "plan",
            "--as-of",
            "RAG May 21",
            "--known-at",
            &import_time,
            "--format",
            "json",
        ])
        .ok()
        .json();
    let a = action(&known, "1.5");
    assert!(a.get("withdrawn").is_none() && a.get("withdrawal_pending").is_none());
    l.read(&["verify"]).ok();
}

#[test]
fn statuses_before_a_withdrawal_are_taken_and_after_it_refused() {
    let l = york();
    l.write(&[
        "action",
        "withdraw",
        "1.5",
        "--reason",
        "merged",
        "--from",
        "RAG July 21",
    ])
    .ok();
    let before = l.snapshot();
    l.write(&["status", "1.5", "Completed", "--review", "RAG September 21"])
        .code(2)
        .stderr_has("withdrawn")
        .stderr_has("from RAG July 21");
    l.assert_unchanged(&before);
    l.write(&["status", "1.5", "Completed", "--review", "RAG May 21"])
        .ok();
    l.write(&["action", "withdraw", "1.5", "--reason", "again"])
        .code(2)
        .stderr_has("already withdrawn");
    l.write(&[
        "action", "amend", "1.5", "--lead", "Someone", "--reason", "x",
    ])
    .code(2);
    l.write(&[
        "action",
        "withdraw",
        "1.4",
        "--reason",
        "x",
        "--from",
        "RAG June 30",
    ])
    .code(2)
    .stderr_has("unknown review");
}

#[test]
fn a_withdrawal_with_no_later_review_changes_no_review_yet() {
    // The York reviews all lie in the past: without --from, nothing scheduled shows it.
    let l = york();
    let before = plan_as_of(&l, "latest");
    l.write(&["action", "withdraw", "1.5", "--reason", "merged into 1.2"])
        .ok()
        .stderr_has("from the first review after");
    let entry = l.entries().last().unwrap().clone();
    assert!(entry["event"].get("from").is_none(), "{entry:#}");
    let after = plan_as_of(&l, "latest");
    assert_eq!(
        action(&before, "1.5")["status"],
        action(&after, "1.5")["status"]
    );
    assert!(action(&after, "1.5").get("withdrawn").is_none());
    assert!(action(&after, "1.5")["withdrawal_pending"]["from"]
        .as_str()
        .unwrap()
        .starts_with("from the first review after"));
    assert_ne!(
        verdict(&l, "RAG November 20", "RAG February 21", "1.5"),
        "withdrawn"
    );
    // A review scheduled after today is the first one it holds at.
    l.write(&["review", "add", "RAG March 40", "--date", "2040-03-31"])
        .ok();
    let later = plan_as_of(&l, "RAG March 40");
    assert!(action(&later, "1.5").get("withdrawn").is_some());
    l.read(&["verify"]).ok();
}

#[test]
fn an_amendment_holds_from_its_review_in_views_and_the_published_table() {
    let l = york();
    let lead_at = |point: &str| action(&plan_as_of(&l, point), "1.2")["lead"].clone();
    let old = lead_at("RAG February 21");
    l.write(&[
        "action",
        "amend",
        "1.2",
        "--lead",
        "New Lead (N.L)",
        "--reason",
        "board agreed a new lead",
        "--from",
        "May 2021",
    ])
    .ok();
    assert_eq!(lead_at("RAG February 21"), old);
    assert_eq!(lead_at("RAG May 21"), "New Lead (N.L)");
    assert_eq!(lead_at("latest"), "New Lead (N.L)");
    let table = |point: &str| {
        l.read(&["matrix", "--format", "wsoa", "--as-of", point])
            .ok()
            .stdout
    };
    assert!(!table("RAG February 21").contains("New Lead (N.L)"));
    assert!(table("RAG May 21").contains("New Lead (N.L)"));
    l.read(&["verify"]).ok();
}
