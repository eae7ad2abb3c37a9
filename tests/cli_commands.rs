//! Every command end to end, against a ledger in a temporary directory.

mod util;

use serde_json::{json, Value};
use util::{argv, Ledger, ACTOR, LEAD, ORIGIN};

const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn hash_of(entry: &Value) -> &str {
    entry["hash"].as_str().expect("hash is a string")
}

fn seqs(rows: &Value) -> Vec<u64> {
    let rows = rows.as_array().expect("log --format json is an array");
    rows.iter()
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect()
}

#[test]
fn init_with_an_origin_records_the_plan_as_entry_one() {
    let l = Ledger::empty();
    let run = l
        .write(&["init", "--title", "SEND WSoA", "--origin", ORIGIN])
        .ok();
    let entries = l.entries();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e["seq"], 1);
    assert_eq!(e["prev"], ZERO);
    assert_eq!(e["actor"], ACTOR);
    assert_eq!(e["event"]["type"], "plan_created");
    assert_eq!(e["event"]["title"], "SEND WSoA");
    assert_eq!(e["event"]["origin"], ORIGIN);
    let names: Vec<&str> = (e["event"]["scale"].as_array().unwrap().iter())
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Not started");
    assert_eq!(names.len(), 6, "York's scale has six statuses: {names:?}");
    assert!(
        run.stdout.contains(&format!("head 1 {}", hash_of(e))),
        "{run:#?}"
    );
}

#[test]
fn init_without_an_origin_generates_one_from_the_title() {
    let (a, b) = (Ledger::empty(), Ledger::empty());
    for l in [&a, &b] {
        l.write(&["init", "--title", "SEND Written Statement: York!"])
            .ok();
    }
    let origin = |l: &Ledger| {
        l.entries()[0]["event"]["origin"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (oa, ob) = (origin(&a), origin(&b));
    let tag = oa
        .strip_prefix("readiness/send-written-statement-york-")
        .unwrap_or_else(|| panic!("origin {oa:?} should be built from the title"));
    assert!(
        tag.len() == 8 && tag.bytes().all(|c| c.is_ascii_hexdigit()),
        "{oa}"
    );
    assert_ne!(
        oa, ob,
        "ledgers made at different times get different origins"
    );
    // However long the title's words, the generated origin passes the origin rules.
    let long = Ledger::empty();
    long.write(&["init", "--title", &"Safeguarding".repeat(20)])
        .ok();
    let origin = origin(&long);
    assert!(
        origin.starts_with("readiness/safeguarding") && origin.len() <= 200,
        "{origin}"
    );
}

#[test]
fn init_with_a_custom_scale_file_uses_that_scale() {
    let l = Ledger::empty();
    let scale = json!([
        {"name": "Off track", "rag": "red"},
        {"name": "At risk", "rag": "amber"},
        {"name": "On track", "rag": "green"},
        {"name": "Sustained", "rag": "blue"}
    ]);
    let file = l.path("scale.json");
    std::fs::write(&file, scale.to_string()).unwrap();
    l.write(&["init", "--title", "Plan", "--scale", file.to_str().unwrap()])
        .ok();
    assert_eq!(l.entries()[0]["event"]["scale"], scale);
    l.write(&["area", "add", "1", "--title", "A"]).ok();
    l.write(&["action", "add", "1.1", "--area", "1", "--action", "Do"])
        .ok();
    l.write(&["review", "add", "Q1", "--date", "2021-03-31"])
        .ok();
    l.write(&["status", "1.1", "at RISK", "--review", "q1"])
        .ok();
    assert_eq!(l.entries()[4]["event"]["status"], "At risk");
    let before = l.snapshot();
    l.write(&["status", "1.1", "Completed", "--review", "Q1"])
        .code(2)
        .stderr_has("\"Completed\" is not in the plan's scale")
        .stderr_has("\"On track\"");
    l.assert_unchanged(&before);
}

#[test]
fn init_with_a_bad_scale_file_names_the_problem_and_creates_nothing() {
    let cases = [
        ("not-json.json", "[{\"name\": \"A\",", "expected [{\"name\""),
        ("purple.json", r#"[{"name":"A","rag":"purple"}]"#, "purple"),
        ("empty.json", "[]", "has no statuses"),
        (
            "twice.json",
            r#"[{"name":"Done","rag":"green"},{"name":"done","rag":"blue"}]"#,
            "appears twice",
        ),
        ("blank.json", r#"[{"name":" ","rag":"red"}]"#, "blank name"),
    ];
    let l = Ledger::empty();
    for (name, text, reason) in cases {
        let file = l.path(name);
        std::fs::write(&file, text).unwrap();
        l.write(&["init", "--title", "Plan", "--scale", file.to_str().unwrap()])
            .code(2)
            .stderr_has(&format!("--scale {}", file.display()))
            .stderr_has(reason);
        assert!(!l.dir().exists(), "{name}: nothing may be created");
    }
    l.write(&["init", "--title", "Plan", "--scale", "missing.json"])
        .code(2)
        .stderr_has("--scale missing.json");
    assert!(!l.dir().exists());
}

#[test]
fn area_and_action_add_store_every_optional_field() {
    let l = Ledger::init();
    l.write(&argv(
        "area|add|1|--title|Leadership|--finding|No oversight",
    ))
    .ok()
    .stdout_has("appended 2: area 1 added: Leadership");
    l.write(&argv(concat!(
        "action|add|1.3A|--area|1|--action|Publish the JSNA|--outcome|A JSNA|--start|March 2020",
        "|--end|Phase 1: October 2020|--lead|CYC (J.S)|--measures|Completion|--evidence-impact|Used"
    )))
    .ok();
    let e = l.entries();
    assert_eq!(
        e[1]["event"],
        json!({"type": "area_added", "v": 1, "id": "1", "title": "Leadership", "finding": "No oversight"})
    );
    assert_eq!(
        e[2]["event"],
        json!({
            "type": "action_added", "v": 1, "id": "1.3A", "area": "1", "action": "Publish the JSNA",
            "outcome": "A JSNA", "start": "March 2020", "end": "Phase 1: October 2020",
            "lead": "CYC (J.S)", "measures": "Completion", "evidence_impact": "Used"
        })
    );
    assert_eq!(e[2]["prev"], e[1]["hash"]);
}

#[test]
fn action_amend_records_the_changed_fields_and_the_reason() {
    let l = Ledger::sample();
    l.write(&argv(
        "action|amend|1.1|--lead|CYC (K.McN)|--end|March 2021|--outcome||--reason|Lead changed",
    ))
    .ok();
    let e = &l.entries()[9];
    assert_eq!(e["seq"], 10);
    assert_eq!(
        e["event"],
        json!({
            "type": "action_amended", "v": 1, "id": "1.1", "reason": "Lead changed",
            "changes": {"lead": "CYC (K.McN)", "end": "March 2021", "outcome": ""}
        })
    );
    let before = l.snapshot();
    l.write(&["action", "amend", "1.1", "--reason", "Nothing really"])
        .code(2)
        .stderr_has("nothing to amend");
    l.assert_unchanged(&before);
}

#[test]
fn review_add_stores_the_label_and_date() {
    let l = Ledger::sample();
    let e = l.entries();
    assert_eq!(
        e[5]["event"],
        json!({"type": "review_scheduled", "v": 1, "label": "RAG November 20", "date": "2020-11-30"})
    );
}

#[test]
fn status_resolves_case_and_spacing_to_the_stored_spelling() {
    let l = Ledger::sample();
    let args = "status|1.2|  progressing  AND on TRACK |--review|rag NOVEMBER 20|--note|on plan";
    l.write_as(LEAD, &argv(args))
        .ok()
        .stdout_has("appended 10: 1.2 at RAG November 20: Progressing and on track");
    let e = &l.entries()[9];
    assert_eq!(e["actor"], LEAD);
    assert_eq!(
        e["event"],
        json!({
            "type": "status_recorded", "v": 1, "action": "1.2", "review": "RAG November 20",
            "status": "Progressing and on track", "note": "on plan"
        })
    );
}

#[test]
fn log_filters_by_action_actor_and_recording_time() {
    let l = Ledger::sample();
    let log = |extra: &[&str]| {
        seqs(
            &l.read(&[&["log", "--format", "json"][..], extra].concat())
                .ok()
                .json(),
        )
    };
    assert_eq!(log(&[]), (1..=9).collect::<Vec<_>>());
    assert_eq!(log(&["--action", "1.1"]), [3, 7, 9]);
    assert_eq!(log(&["--by", LEAD]), [7, 8]);
    assert_eq!(log(&["--by", LEAD, "--action", "1.2"]), [8]);

    let entries = l.entries();
    let time = |i: usize| entries[i]["recorded_at"].as_str().unwrap().to_string();
    let t7 = time(6);
    let seqs_where = |keep: &dyn Fn(&str) -> bool| -> Vec<u64> {
        (0..9)
            .filter(|i| keep(&time(*i)))
            .map(|i| i as u64 + 1)
            .collect()
    };
    let since = seqs_where(&|t| t >= t7.as_str());
    assert!(since.contains(&7) && !since.contains(&1), "{since:?}");
    assert_eq!(log(&["--since", &t7]), since);
    assert_eq!(log(&["--until", &t7]), seqs_where(&|t| t <= t7.as_str()));
    let day = time(0)[..10].to_string();
    let same_day = seqs_where(&|t| t[..10] <= *day);
    assert_eq!(
        log(&["--until", &day]),
        same_day,
        "--until DATE takes in that whole day"
    );
    assert_eq!(log(&["--since", &day]), (1..=9).collect::<Vec<_>>());
    assert!(log(&["--since", "2999-01-01"]).is_empty());
    assert!(log(&["--until", "2000-01-01"]).is_empty());

    let rows = l
        .read(&["log", "--action", "1.2", "--format", "json"])
        .ok()
        .json();
    assert_eq!(rows[1]["summary"], "1.2 at RAG May 20: Started but delayed");
    assert_eq!(rows[1]["type"], "status_recorded");
    let table = l.read(&["log", "--by", LEAD]).ok();
    assert!(
        table.stdout.contains("recorded at") && table.stdout.contains(LEAD),
        "{table:#?}"
    );
    assert!(!table.stdout.contains("plan_created"), "{table:#?}");
    l.read(&["log", "--since", "2999-01-01"])
        .ok()
        .stdout_has("no entries match");
}

#[test]
fn verify_and_head_report_the_last_entry() {
    let l = Ledger::sample();
    let last = l.entries()[8].clone();
    let head = format!("9 {}", hash_of(&last));
    assert_eq!(l.head(), head);
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 9 entries verified")
        .stdout_has(&format!("head: {head}"));
    let report = l.read(&["verify", "--format", "json"]).ok().json();
    assert_eq!(report["entries"], 9);
    assert_eq!(report["head"], json!({"seq": 9, "hash": last["hash"]}));
    assert_eq!(report["failure"], Value::Null);
    let h = l.read(&["head", "--format", "json"]).ok().json();
    assert_eq!(h, json!({"seq": 9, "hash": last["hash"]}));
}

#[test]
fn verify_expect_accepts_a_minuted_head_after_the_ledger_grows() {
    let l = Ledger::sample();
    let minuted = l.head();
    let (seq, hash) = minuted.split_once(' ').unwrap();
    let colon = format!("{seq}:{hash}");
    l.write(&["area", "add", "2", "--title", "Joint commissioning"])
        .ok();
    for expect in [colon.as_str(), minuted.as_str()] {
        l.read(&["verify", "--expect", expect])
            .ok()
            .stdout_has(&format!("expected entry 9 {hash} is present and unchanged"));
    }
    let third = l.entries()[2]["hash"].as_str().unwrap().to_string();
    l.read(&["verify", "--expect", &format!("3:{third}")]).ok();
    let export = l.export("later.jsonl");
    l.on(&export, &["verify", "--expect", &colon]).ok();
}

#[test]
fn verify_expect_fails_on_an_export_with_a_different_history() {
    let hash = Ledger::init().head().split_once(' ').unwrap().1.to_string();
    let (first, twelfth) = (format!("1:{hash}"), format!("12:{hash}"));
    let other = Ledger::sample();
    let export = other.export("other.jsonl");
    let verify = |args: &[&str]| other.on(&export, &[&["verify"][..], args].concat());
    // Entry 1 differs: not this ledger rewritten, but another ledger.
    verify(&["--expect", &first])
        .code(1)
        .stdout_has("this is a different ledger");
    let json = verify(&["--expect", &first, "--format", "json"])
        .code(1)
        .json();
    assert_eq!(json["expect"]["outcome"], "differs");
    verify(&["--expect", &twelfth])
        .code(1)
        .stdout_has("expected entry 12, but the ledger has only 9");
}

#[test]
fn completions_for_bash_cover_the_commands_and_flags() {
    let script = Ledger::empty().raw(&["completions", "bash"]).ok();
    for word in argv("_readiness|complete -F|restore|verify|--expect|--evidence-impact") {
        assert!(
            script.stdout.contains(word),
            "completion script lacks {word}"
        );
    }
}

#[test]
fn completions_for_zsh_fish_and_powershell_name_the_program() {
    let ledger = Ledger::empty();
    for (shell, marker) in [
        ("zsh", "#compdef readiness"),
        ("fish", "complete -c readiness"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = ledger.raw(&["completions", shell]).ok();
        assert!(script.stdout.contains(marker), "{shell}: no {marker:?}");
    }
}

/// `readiness completions bash | head` and the like: the reader went away, which is not
/// the command's failure.
#[test]
fn a_closed_stdout_ends_read_commands_quietly_with_exit_0() {
    for args in [
        vec!["completions", "bash"],
        vec![
            "log",
            "--ledger",
            "events/york-wsoa.jsonl",
            "--format",
            "json",
        ],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_readiness"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn json_output_of_every_writing_command_parses_and_names_the_new_head() {
    let l = Ledger::empty();
    let steps = [
        "init|--title|Plan",
        "area|add|1|--title|A",
        "action|add|1.1|--area|1|--action|Do",
        "action|amend|1.1|--lead|Me|--reason|Named",
        "review|add|R1|--date|2021-01-31",
        "status|1.1|Completed|--review|R1",
    ];
    for (i, step) in steps.iter().enumerate() {
        let out = l.write(&argv(&format!("{step}|--format|json"))).ok().json();
        let seq = i as u64 + 1;
        assert_eq!(out["appended"][0]["seq"], seq, "{out}");
        assert_eq!(out["head"]["seq"], seq, "{out}");
        assert_eq!(out["head"]["hash"], l.entries()[i]["hash"], "{out}");
    }
}

/// The subcommand names listed under "Commands:" in a help text (without `help`).
fn listed_commands(help: &str) -> Vec<String> {
    let Some((_, rest)) = help.split_once("Commands:\n") else {
        return Vec::new();
    };
    rest.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_of_every_command_exits_zero_and_the_top_level_lists_exit_codes() {
    let l = Ledger::empty();
    let top = l.raw(&["--help"]).ok();
    let codes = "Exit codes|0  success|1  verification failed|2  bad input|4  the ledger could not";
    for text in argv(codes) {
        assert!(top.stdout.contains(text), "top-level help lacks {text:?}");
    }
    let mut pending: Vec<Vec<String>> = listed_commands(&top.stdout)
        .into_iter()
        .map(|c| vec![c])
        .collect();
    let required =
        "init area action review status log verify head export restore reindex completions";
    for required in required.split(' ') {
        assert!(
            pending.iter().any(|p| p[0] == required),
            "top-level help lacks {required}: {pending:?}"
        );
    }
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).chain(["--help"]).collect();
        let run = l.raw(&args).ok();
        assert!(
            run.stdout
                .contains(&format!("Usage: readiness {}", path.join(" "))),
            "{run:#?}"
        );
        for sub in listed_commands(&run.stdout) {
            pending.push([path.clone(), vec![sub]].concat());
        }
        seen += 1;
    }
    assert!(seen >= 16, "only {seen} commands were found in the help");
}

#[test]
fn help_lists_a_commands_own_options_before_the_ledger_and_if_head() {
    let tmp = tempfile::tempdir().unwrap();
    for (command, own) in [
        (&["status", "--help"][..], "--review"),
        (&["matrix", "--help"][..], "--as-of"),
        (&["evidence", "add", "--help"][..], "--review"),
    ] {
        let help = util::run_in(tmp.path(), command).ok().stdout;
        let at = |flag: &str| {
            help.find(&format!("  {flag} "))
                .unwrap_or_else(|| panic!("{command:?} --help has no {flag}:\n{help}"))
        };
        assert!(at(own) < at("--ledger"), "{command:?}: {own} first\n{help}");
        if help.contains("--if-head") {
            assert!(
                at(own) < at("--if-head"),
                "{command:?}: {own} before --if-head"
            );
        }
    }
}
