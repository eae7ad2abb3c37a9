//! The published verification vectors (`tests/vectors/`, made by `examples/make_vectors.rs`):
//! every case of `expected.json` through `readiness`, and every ledger through the
//! independent `tools/verify_ledger.py`, which must reach the same verdict at the same entry.
//!
//! The tests read the committed files only; to change a vector, change the example and run
//! `cargo run --example make_vectors -- tests/vectors`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use readiness_ledger::checkpoint::Checkpoint;
use readiness_ledger::verify::CHECKS;
use serde_json::Value;

const DIR: &str = "tests/vectors";

/// Vectors whose verdict FORMAT.md requires but `readiness` does not give yet: skipped by
/// [`readiness_gives_every_case_its_verdict`], shown by [`known_readiness_bugs`].
fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(DIR).join("expected.json")).unwrap();
    let expected: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    expected["cases"].as_array().expect("a cases array").clone()
}

fn text(v: &Value, member: &str) -> String {
    v[member]
        .as_str()
        .unwrap_or_else(|| panic!("{member} is not a string in {v}"))
        .to_string()
}

fn args(v: &Value, member: &str) -> Vec<String> {
    v[member]
        .as_array()
        .unwrap_or_else(|| panic!("{member} is not a list in {v}"))
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn is_ledger(case: &Value) -> bool {
    !case["independent"].is_null()
}

/// Runs `readiness` with the case's arguments, in tests/vectors, with a clean environment.
fn readiness(case: &Value) -> Output {
    let command = args(case, "command");
    assert_eq!(command[0], "readiness", "{case}");
    Command::cargo_bin("readiness")
        .unwrap()
        .current_dir(DIR)
        .env_remove("READINESS_LEDGER")
        .env_remove("READINESS_ACTOR")
        .args(&command[1..])
        .output()
        .unwrap()
}

/// What is wrong with `readiness`'s answer to one case, if anything.
fn readiness_disagrees(case: &Value) -> Option<String> {
    let out = readiness(case);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = format!("{stdout}{stderr}");
    let want_ok = text(case, "verdict") == "ok";
    let mut wrong = Vec::new();
    if out.status.code() != case["exit"].as_i64().map(|c| c as i32) {
        wrong.push(format!("exit {:?}", out.status.code()));
    }
    if all.contains("panicked") {
        wrong.push("a panic".into());
    }
    let mut said = all.to_string();
    if args(case, "command").contains(&"json".to_string()) {
        let json: Value = match serde_json::from_str(&stdout) {
            Ok(j) => j,
            Err(e) => return Some(format!("stdout is not JSON ({e}): {all}")),
        };
        if json["ok"].as_bool() != Some(want_ok) {
            wrong.push(format!("ok {}", json["ok"]));
        }
        let verdict = json["verdict"].as_str().unwrap_or_default();
        if verdict.starts_with("ok:") != want_ok {
            wrong.push(format!("verdict {verdict:?}"));
        }
        let failure = &json["failure"];
        if failure["seq"] != case["seq"] || failure["check"] != case["check"] {
            wrong.push(format!(
                "failure at seq {} in check {}",
                failure["seq"], failure["check"]
            ));
        }
        said = match failure["reason"].as_str() {
            Some(reason) => reason.to_string(),
            None => verdict.to_string(),
        };
    }
    if let Some(reason) = case["reason"].as_str() {
        if !said.contains(reason) {
            wrong.push(format!("a reason without {reason:?}"));
        }
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "{}: {}\n    expected {} {} {} {}\n    output: {}",
            args(case, "command").join(" "),
            wrong.join(", "),
            case["verdict"],
            case["seq"],
            case["check"],
            case["reason"],
            all.trim()
        )
    })
}

#[test]
fn every_vector_is_listed_present_tiny_and_parses() {
    let cases = cases();
    let dir = Path::new(DIR);
    let mut named = BTreeSet::from(["README.md".to_string(), "expected.json".to_string()]);
    let mut checks = BTreeSet::new();
    for case in &cases {
        let file = text(case, "file");
        assert!(dir.join(&file).is_file(), "{file} is listed but missing");
        named.insert(file);
        for a in args(case, "command") {
            if dir.join(&a).is_file() {
                named.insert(a);
            }
        }
        assert!(
            ["ok", "FAILED"].contains(&text(case, "verdict").as_str()),
            "{case}"
        );
        assert_eq!(
            case["exit"].as_i64(),
            Some(i64::from(text(case, "verdict") == "FAILED")),
            "{case}"
        );
        if let Some(check) = case["check"].as_str() {
            assert!(CHECKS.contains(&check), "{check:?} is not a check: {case}");
            checks.insert(check);
        }
        if is_ledger(case) && text(case, "verdict") == "FAILED" {
            assert!(case["seq"].as_u64().is_some_and(|s| s >= 1), "{case}");
        }
    }
    // One vector at least for every check FORMAT.md's "Verifying" lists.
    let missing: Vec<_> = CHECKS.iter().filter(|c| !checks.contains(*c)).collect();
    assert!(missing.is_empty(), "no vector for {missing:?}");
    for item in std::fs::read_dir(dir).unwrap() {
        let name = item.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            named.contains(&name),
            "{name} is in tests/vectors but no case uses it"
        );
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        if name.ends_with(".jsonl") {
            let lines = bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty());
            assert!(lines.count() <= 12, "{name} has more than 12 entries");
        } else if name.ends_with(".ckpt") {
            Checkpoint::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else if name.ends_with(".json") {
            serde_json::from_slice::<Value>(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else if name.ends_with(".pub") {
            let text = String::from_utf8(bytes).unwrap();
            let key = text.lines().find(|l| !l.starts_with('#')).unwrap_or("");
            assert!(
                key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}"
            );
        }
    }
}

#[test]
fn readiness_gives_every_case_its_verdict() {
    let mut wrong = Vec::new();
    let mut ran = 0;
    for case in cases() {
        ran += 1;
        wrong.extend(readiness_disagrees(&case));
    }
    assert!(ran > 40, "only {ran} cases");
    assert!(
        wrong.is_empty(),
        "{} of {ran} cases disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn python_can(code: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", code])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `FAILED at entry N: CHECK check: reason` as (N, CHECK); `ok N HASH` as None.
fn python_failure(stdout: &str) -> Result<Option<(u64, String)>, String> {
    let line = stdout.lines().next().unwrap_or_default();
    if line.starts_with("ok ") {
        return Ok(None);
    }
    let rest = line
        .strip_prefix("FAILED at entry ")
        .ok_or_else(|| format!("unexpected output {stdout:?}"))?;
    let (seq, reason) = rest
        .split_once(": ")
        .ok_or_else(|| format!("unexpected output {stdout:?}"))?;
    let check = reason.split_once(" check: ").map_or("", |(c, _)| c);
    let seq = seq
        .parse()
        .map_err(|_| format!("unexpected output {stdout:?}"))?;
    Ok(Some((seq, check.to_string())))
}

#[test]
fn the_independent_python_verifier_agrees_on_every_ledger() {
    if !python_can("import json") {
        eprintln!("python3 not found: skipping the independent verifier on the vectors");
        return;
    }
    let signatures = python_can("import cryptography.hazmat.primitives.asymmetric.ed25519");
    if !signatures {
        eprintln!(
            "note: the Python package `cryptography` is not installed, so tools/verify_ledger.py \
             does not check Ed25519 signatures: skipping the vectors whose verdict needs them"
        );
    }
    let mut wrong = Vec::new();
    let mut ran = 0;
    for case in cases().iter().filter(|c| is_ledger(c)) {
        if case["needs_signature_math"] == Value::Bool(true) && !signatures {
            eprintln!("skipped for Python: {}", text(case, "file"));
            continue;
        }
        ran += 1;
        let command = args(case, "independent");
        let out = std::process::Command::new(&command[0])
            .args(&command[1..])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let want = case["seq"].as_u64().map(|s| (s, text(case, "check")));
        let agrees = match python_failure(&stdout) {
            Ok(got) => {
                // The script names its checks as FORMAT.md does, so they must match too.
                got == want && out.status.code() == Some(i32::from(want.is_some()))
            }
            Err(_) => false,
        };
        if !agrees {
            wrong.push(format!(
                "{}: expected {} {:?}, got exit {:?}: {}{}",
                command.join(" "),
                case["verdict"],
                want,
                out.status.code(),
                stdout.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(ran > 10, "only {ran} ledgers");
    assert!(
        wrong.is_empty(),
        "tools/verify_ledger.py disagrees on {} of {ran} ledgers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
