//! `readiness import --update`: the quarterly update of a plan the ledger already holds.
//!
//! The York table cut to its first five RAG columns, then the full table; an edited past
//! cell; an identical or renamed re-import; an emptied cell; `--dry-run`; and a property
//! over random sequences of quarterly tables.

mod util;

use util::{Ledger, ORIGIN};

const FULL: &str = "tests/data/york-wsoa-area1.txt";
const CUT: &str = "tests/data/york-wsoa-area1-to-may21.txt";

fn york() -> String {
    std::fs::read_to_string(FULL).unwrap()
}

fn abs(path: &str) -> String {
    std::fs::canonicalize(path)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

/// The York table without the last `n` review columns: the header's, the separator's and
/// each row's (a row's statuses end its last line; rows run over several lines).
fn cut_columns(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let starts_row = |l: &str| {
        let number = l.split(" |").next().unwrap_or("");
        number.contains('.') && number.chars().all(|c| c.is_ascii_digit() || c == '.')
    };
    let header = lines
        .iter()
        .position(|l| l.starts_with("Number |"))
        .unwrap();
    let mut ends: Vec<usize> = (header + 3..lines.len())
        .filter(|&i| starts_row(lines[i]))
        .map(|i| i - 1)
        .collect();
    ends.push(lines.len() - 1);
    let cut = |line: &str| {
        let parts: Vec<&str> = line.split('|').collect();
        let mut end = parts.len();
        while end > 0 && parts[end - 1].trim().is_empty() {
            end -= 1;
        }
        let mut kept = parts[..end - n].to_vec();
        kept.extend_from_slice(&parts[end..]);
        kept.join("|")
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == header || i == header + 1 || ends.contains(&i) {
                cut(l)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `text` into the ledger's temporary directory and returns its path.
fn file(l: &Ledger, name: &str, text: &str) -> String {
    let path = l.path(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// A ledger holding the York table as it stood at RAG May 21.
fn at_may_21() -> Ledger {
    let l = Ledger::empty();
    l.write(&["import", &abs(CUT), "--origin", ORIGIN]).ok();
    l
}

/// A ledger holding the full York table, imported directly.
fn full() -> Ledger {
    let l = Ledger::empty();
    l.write(&["import", &abs(FULL), "--origin", ORIGIN]).ok();
    l
}

fn matrix(l: &Ledger) -> String {
    l.read(&["matrix", "--format", "csv"]).ok().stdout
}

fn types(entries: &[serde_json::Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap().to_string())
        .collect()
}

/// The seq of the status_recorded entry for `action` at `review`.
fn status_seq(l: &Ledger, action: &str, review: &str) -> u64 {
    l.entries()
        .iter()
        .find(|e| {
            e["event"]["type"] == "status_recorded"
                && e["event"]["action"] == action
                && e["event"]["review"] == review
        })
        .unwrap_or_else(|| panic!("no status for {action} at {review}"))["seq"]
        .as_u64()
        .unwrap()
}

/// York with 1.3B at RAG May 21 (its fifth status) set to `status`.
fn with_1_3b_may_21(status: &str) -> String {
    let from = "Started but delayed | Progressing and on track | Progressing and on track | Progressing but delayed | Progressing but delayed | Progressing but delayed |";
    let to = format!("Started but delayed | Progressing and on track | Progressing and on track | Progressing but delayed | {status} | Progressing but delayed |");
    let york = york();
    assert_eq!(york.matches(from).count(), 1);
    york.replace(from, &to)
}

#[test]
fn the_cut_fixture_is_the_york_table_without_its_last_four_columns() {
    let cut = std::fs::read_to_string(CUT).unwrap();
    assert_eq!(cut_columns(&york(), 4), cut);
    assert!(cut.contains("| RAG May 21 |\n---|"), "{cut}");
    assert!(!cut.contains("RAG July 21"));
    assert_ne!(cut_columns(&york(), 3), cut);
}

#[test]
fn five_columns_then_the_full_table_gives_the_direct_import_matrix() {
    let l = at_may_21();
    let before = l.entries().len();
    let run = l
        .write(&["import", &abs(FULL), "--update"])
        .ok()
        .stdout_has("updated from york-wsoa-area1.txt")
        .stdout_has(
            "4 new reviews (RAG July 21, RAG September 21, RAG December 21, RAG August 22), 24 new statuses, 0 past statuses changed",
        )
        .stdout_has("appended 50: 1.1 at RAG July 21: Embedded")
        .stdout_has("appended 71: 1.3B at RAG August 22: Progressing but delayed");
    assert!(run.stdout.contains("head 73 "), "{}", run.stdout);
    let entries = l.entries();
    let added = types(&entries[before..]);
    assert_eq!(added.len(), 29);
    assert_eq!(added[0], "source_imported");
    assert_eq!(added.iter().filter(|t| *t == "review_scheduled").count(), 4);
    assert_eq!(added.iter().filter(|t| *t == "status_recorded").count(), 24);
    let direct = full();
    assert_eq!(matrix(&l), matrix(&direct));
    for point in ["RAG May 21", "RAG December 21"] {
        let at = |l: &Ledger| {
            l.read(&["matrix", "--format", "csv", "--as-of", point])
                .ok()
                .stdout
        };
        assert_eq!(at(&l), at(&direct), "{point}");
    }
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 73 entries verified");
}

#[test]
fn naming_the_plans_origin_is_an_update_too_and_another_origin_is_refused() {
    let l = at_may_21();
    let snapshot = l.snapshot();
    l.write(&[
        "import",
        &abs(FULL),
        "--update",
        "--origin",
        "other.example/wsoa",
    ])
    .code(2)
    .stderr_has("origin");
    l.assert_unchanged(&snapshot);
    l.write(&[
        "import",
        &abs(FULL),
        "--origin",
        ORIGIN,
        "--title",
        "Renamed",
    ])
    .ok()
    .stdout_has("4 new reviews")
    .stderr_has("--title is for a new ledger");
    assert_eq!(matrix(&l), matrix(&full()));
}

#[test]
fn an_edited_past_cell_becomes_a_correction_of_the_status_shown_and_verifies() {
    let l = full();
    let target = status_seq(&l, "1.3B", "RAG May 21");
    let edited = with_1_3b_may_21("Progressing and on track");
    let path = file(&l, "york-2022-11.txt", &edited);
    l.write(&["import", &path, "--update"]).ok().stdout_has(
        "0 new reviews, 0 new statuses, 1 past status changed: 1.3B at RAG May 21 Progressing but delayed -> Progressing and on track",
    );
    let entries = l.entries();
    let last = entries.last().unwrap();
    assert_eq!(
        types(&entries[entries.len() - 2..]),
        ["source_imported", "correction"]
    );
    let event = &last["event"];
    assert_eq!(event["target"], target);
    assert_eq!(event["action"], "1.3B");
    assert_eq!(event["review"], "RAG May 21");
    assert_eq!(event["status"], "Progressing and on track");
    let reason = event["reason"].as_str().unwrap();
    assert!(reason.contains(&sha256(edited.as_bytes())), "{reason}");
    let log = l
        .read(&["log", "--event", "correction", "--format", "json"])
        .ok()
        .json();
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
    let history = l.read(&["history", "1.3B", "--format", "json"]).ok().stdout;
    assert!(history.contains("Progressing and on track"), "{history}");
    let csv = matrix(&l);
    let row = csv.lines().find(|r| r.starts_with("1.3B,")).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[5], "Progressing and on track", "{row}");
    l.read(&["verify"]).ok().stdout_has("ok:");
    // Edited once more: the correction targets the correction, which now sets the value.
    let corrected = last["seq"].as_u64().unwrap();
    let again = file(&l, "york-2023-02.txt", &with_1_3b_may_21("Completed"));
    l.write(&["import", &again, "--update"])
        .ok()
        .stdout_has("1.3B at RAG May 21 Progressing and on track -> Completed");
    let entries = l.entries();
    assert_eq!(entries.last().unwrap()["event"]["target"], corrected);
    l.read(&["verify"]).ok().stdout_has("ok:");
}

#[test]
fn an_identical_or_renamed_reimport_is_a_noop_that_says_so() {
    let l = full();
    let snapshot = l.snapshot();
    l.write(&["import", &abs(FULL), "--update"])
        .ok()
        .stdout_has("nothing to update")
        .stdout_has("already imported at entry 2")
        .stdout_has("nothing appended");
    l.assert_unchanged(&snapshot);
    let renamed = file(&l, "renamed.txt", &york());
    l.write(&["import", &renamed, "--update"])
        .ok()
        .stdout_has("nothing to update: renamed.txt")
        .stdout_has("as \"york-wsoa-area1.txt\"");
    l.assert_unchanged(&snapshot);
    // Other bytes, same table: CRLF line ends and a retitled document.
    let same = york().replace('\n', "\r\n").replacen(
        "Written Statement of Action",
        "WSoA (republished)",
        1,
    );
    let same = file(&l, "republished.txt", &same);
    l.write(&["import", &same, "--update"])
        .ok()
        .stdout_has("shows what the ledger already holds");
    let json = l
        .write(&["import", &same, "--update", "--format", "json"])
        .ok()
        .json();
    assert_eq!(json["appends"], false);
    l.assert_unchanged(&snapshot);
    // Without --update, importing it again is still refused, with a hint.
    l.write(&["import", &renamed])
        .code(2)
        .stderr_has("already imported at entry 2")
        .stderr_has("--update");
    l.assert_unchanged(&snapshot);
}

#[test]
fn an_emptied_cell_is_reported_and_the_status_stays() {
    // 1.1's first status (RAG May 20) left empty in the new table.
    let york = york();
    let from = "weakness. | Progressing but delayed | Completed";
    assert_eq!(york.matches(from).count(), 1);
    let emptied = york.replace(from, "weakness. | | Completed");
    let l = full();
    let snapshot = l.snapshot();
    let path = file(&l, "emptied.txt", &emptied);
    l.write(&["import", &path, "--update"])
        .ok()
        .stderr_has(
            "1.1 at RAG May 20 is empty in the table but the ledger has Progressing but delayed",
        )
        .stderr_has("kept, not erased")
        .stdout_has("nothing to update");
    l.assert_unchanged(&snapshot);
    // With new columns too: they are appended, the emptied cell's status stays.
    let l = at_may_21();
    let path = file(&l, "emptied.txt", &emptied);
    l.write(&["import", &path, "--update"])
        .ok()
        .stderr_has("1.1 at RAG May 20 is empty in the table")
        .stdout_has("24 new statuses");
    assert_eq!(matrix(&l), matrix(&full()));
    let log = l.entries();
    let imported = log
        .iter()
        .rev()
        .find(|e| e["event"]["type"] == "source_imported")
        .unwrap();
    let warnings = imported["event"]["warnings"].to_string();
    assert!(
        warnings.contains("1.1 at RAG May 20 is empty"),
        "{warnings}"
    );
}

#[test]
fn dry_run_writes_nothing_and_prints_the_summary() {
    let l = at_may_21();
    let snapshot = l.snapshot();
    let edited = file(
        &l,
        "edited.txt",
        &with_1_3b_may_21("Progressing and on track"),
    );
    l.write(&["import", &edited, "--update", "--dry-run"])
        .ok()
        .stdout_has("would append 50: correction of entry 42 (1.3B at RAG May 21): status = Progressing and on track")
        .stdout_has("would append 51: 1.1 at RAG July 21: Embedded")
        .stdout_has("would update from edited.txt")
        .stdout_has(
            "4 new reviews (RAG July 21, RAG September 21, RAG December 21, RAG August 22), 24 new statuses, 1 past status changed: 1.3B at RAG May 21 Progressing but delayed -> Progressing and on track",
        );
    l.assert_unchanged(&snapshot);
    let json = l
        .write(&[
            "import",
            &edited,
            "--update",
            "--dry-run",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["appends"], true);
    assert_eq!(json["summary"]["statuses_changed"][0]["action"], "1.3B");
    assert_eq!(json["entries"].as_array().map(Vec::len), Some(30));
    l.assert_unchanged(&snapshot);
}

#[test]
fn update_into_a_new_ledger_is_a_first_import() {
    let l = Ledger::empty();
    l.write(&["import", &abs(FULL), "--update"])
        .ok()
        .stdout_has("imported york-wsoa-area1.txt");
    assert_eq!(matrix(&l), matrix(&full()));
}

mod property {
    //! Random sequences of quarterly tables, through the library's import and append rules.

    use proptest::prelude::*;
    use readiness_ledger::batch::seal_batch;
    use readiness_ledger::event::{ActionWithdrawn, Event, PlanCreated};
    use readiness_ledger::import::{parse_wsoa, wsoa_events, wsoa_update_events};
    use readiness_ledger::plan::Plan;
    use readiness_ledger::scale::StatusScale;

    const MONTHS: [&str; 4] = ["February", "May", "August", "November"];
    const ACTIONS: usize = 4;

    fn label(q: usize) -> String {
        format!("RAG {} {}", MONTHS[q % 4], 20 + q / 4)
    }

    fn names() -> Vec<String> {
        StatusScale::york()
            .names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// One table: a status index (or none) per action and review column.
    type Grid = Vec<Vec<Option<usize>>>;

    fn doc(grid: &Grid) -> String {
        let scale = names();
        let columns = grid[0].len();
        let mut s = String::from("WSoA\nArea for Improvement 1\nLeadership: a finding\nNumber | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact |");
        for q in 0..columns {
            s.push_str(&format!(" {} |", label(q)));
        }
        s.push('\n');
        s.push_str(&"---|".repeat(8 + columns));
        s.push('\n');
        for (a, row) in grid.iter().enumerate() {
            s.push_str(&format!("1.{} | Outcome. | Action {a}. | April 2020 | May 2021 | CYC | Measures are written as a long sentence of several words. | Evidence is written as a long sentence of several words too. |", a + 1));
            for cell in row {
                match cell {
                    Some(i) => s.push_str(&format!(" {} |", scale[*i])),
                    None => s.push_str(" |"),
                }
            }
            s.push('\n');
        }
        s
    }

    fn sha(text: &str) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn append(plan: &mut Plan, events: Vec<Event>) -> Result<(), TestCaseError> {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let sealed = seal_batch(plan, "t", now, events)
            .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        for e in &sealed.entries {
            plan.apply(e);
        }
        Ok(())
    }

    /// Per quarter after the first: how many new columns (0 to 2), and edits of past cells
    /// (action, column, new status or empty), applied where the column exists; whether a
    /// new action row appears; which action (if any, and not already) is withdrawn before
    /// the table arrives, from the newest review the ledger has.
    type Step = (
        usize,
        Vec<Option<usize>>,
        Vec<(usize, usize, Option<usize>)>,
        bool,
        Option<usize>,
    );

    fn steps() -> impl Strategy<Value = (Vec<Option<usize>>, Vec<Step>)> {
        let cell = prop::option::weighted(0.85, 0usize..6);
        let first = prop::collection::vec(cell.clone(), ACTIONS * 2);
        let step = (
            0usize..3,
            prop::collection::vec(cell.clone(), (ACTIONS + 4) * 2),
            prop::collection::vec(
                (
                    0..ACTIONS,
                    0usize..8,
                    prop::option::weighted(0.8, 0usize..6),
                ),
                0..4,
            ),
            prop::bool::weighted(0.3),
            prop::option::weighted(0.3, 0..ACTIONS),
        );
        (first, prop::collection::vec(step, 1..5))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn every_update_shows_the_last_tables_cells_and_corrects_exactly_the_edited_ones(
            (first, steps) in steps()
        ) {
            let scale = names();
            let scale_refs: Vec<&str> = scale.iter().map(String::as_str).collect();
            // The first table: two columns.
            let mut grid: Grid = (0..ACTIONS).map(|a| vec![first[a * 2], first[a * 2 + 1]]).collect();
            // What the ledger shows: the last non-empty cell each table gave.
            let mut shown: Grid = grid.clone();
            let mut plan = Plan::new();
            let text = doc(&grid);
            let table = parse_wsoa("q0.txt", text.as_bytes(), &scale_refs).unwrap();
            let created = PlanCreated { title: "T".into(), origin: "t".into(), scale: StatusScale::york() };
            let events = wsoa_events(&plan, &table, "q0.txt", &sha(&text), Some(created)).events;
            append(&mut plan, events)?;
            // Withdrawn actions: the first column their withdrawal holds at.
            let mut withdrawn: Vec<Option<usize>> = vec![None; ACTIONS];
            let open = |withdrawn: &[Option<usize>], a: usize, c: usize| withdrawn.get(a).copied().flatten().is_none_or(|f| c < f);
            for (n, (new_columns, cells, edits, new_action, withdraw)) in steps.iter().enumerate() {
                let columns = grid[0].len();
                if let Some(a) = withdraw.filter(|&a| withdrawn[a].is_none()) {
                    let from = columns - 1;
                    append(&mut plan, vec![Event::ActionWithdrawn(ActionWithdrawn {
                        id: format!("1.{}", a + 1),
                        reason: "merged".into(),
                        from: Some(label(from)),
                    })])?;
                    withdrawn[a] = Some(from);
                }
                if *new_action {
                    grid.push(vec![None; columns]);
                    shown.push(vec![None; columns]);
                    withdrawn.push(None);
                }
                let mut expected_corrections = Vec::new();
                for &(a, c, to) in edits {
                    if c < columns {
                        grid[a][c] = to;
                    }
                }
                for (a, row) in grid.iter_mut().enumerate() {
                    for k in 0..*new_columns {
                        row.push(cells[(a * 2 + k) % cells.len()]);
                    }
                }
                for (a, row) in grid.iter().enumerate() {
                    for (c, cell) in row.iter().enumerate() {
                        let old = shown[a].get(c).copied().flatten();
                        if !open(&withdrawn, a, c) {
                            continue;
                        }
                        if let (Some(new), Some(old)) = (cell, old) {
                            if *new != old {
                                expected_corrections.push((format!("1.{}", a + 1), label(c), scale[*new].clone()));
                            }
                        }
                    }
                }
                let name = format!("q{}.txt", n + 1);
                let text = doc(&grid);
                let table = parse_wsoa(&name, text.as_bytes(), &scale_refs).unwrap();
                let batch = wsoa_update_events(&plan, &table, &name, &sha(&text));
                let mut corrections: Vec<(String, String, String)> = batch
                    .events
                    .iter()
                    .filter_map(|e| match e {
                        Event::Correction(c) => Some((c.action.clone(), c.review.clone().unwrap(), c.status.clone().unwrap())),
                        _ => None,
                    })
                    .collect();
                corrections.sort();
                expected_corrections.sort();
                prop_assert_eq!(&corrections, &expected_corrections, "step {}", n + 1);
                prop_assert!(
                    !batch.events.iter().any(|e| matches!(e, Event::ActionAmended(_) | Event::AreaAdded(_))),
                    "step {}: nothing but actions, reviews, statuses and corrections", n + 1
                );
                let added = batch.events.iter().filter(|e| matches!(e, Event::ActionAdded(_))).count();
                prop_assert_eq!(added, usize::from(*new_action), "step {}", n + 1);
                prop_assert_eq!(batch.summary.reviews_added.len(), *new_columns);
                if !batch.events.is_empty() {
                    append(&mut plan, batch.events)?;
                }
                // The model: a non-empty cell sets what is shown; an empty one keeps it.
                for (a, row) in grid.iter().enumerate() {
                    shown[a].resize(row.len(), None);
                    for (c, cell) in row.iter().enumerate() {
                        if cell.is_some() && open(&withdrawn, a, c) {
                            shown[a][c] = *cell;
                        }
                    }
                }
                // The matrix at every review equals the model; so wherever the last table has
                // a cell, it equals that cell.
                let m = readiness_ledger::plan::view::matrix(&plan, None);
                prop_assert_eq!(m.reviews.len(), grid[0].len());
                for (a, row) in m.rows.iter().enumerate() {
                    for (c, cell) in row.cells.iter().enumerate() {
                        let got = cell.as_ref().map(|x| x.status.to_string());
                        let want = shown[a][c].map(|i| scale[i].clone());
                        prop_assert_eq!(&got, &want, "step {}, 1.{} at {}", n + 1, a + 1, label(c));
                        if let (Some(i), true) = (grid[a][c], open(&withdrawn, a, c)) {
                            prop_assert_eq!(got.as_deref(), Some(scale[i].as_str()));
                        }
                    }
                    // Withdrawn at the last review only if its withdrawal holds by then; and
                    // never at the review before the one it holds from.
                    let last = grid[0].len() - 1;
                    prop_assert_eq!(row.withdrawn, !open(&withdrawn, a, last), "step {}, 1.{}", n + 1, a + 1);
                    if let Some(f) = withdrawn[a].filter(|&f| f > 0) {
                        let point = readiness_ledger::asof::resolve(&label(f - 1), &plan.reviews).unwrap();
                        let earlier = readiness_ledger::plan::view::matrix(&plan, Some(&point));
                        prop_assert!(!earlier.rows[a].withdrawn, "step {}, 1.{} before its withdrawal", n + 1, a + 1);
                    }
                }
                // The same table again: nothing to append.
                let again = wsoa_update_events(&plan, &table, "again.txt", &sha(&format!("{text}\n")));
                prop_assert!(again.events.is_empty(), "step {}: a repeated table appends", n + 1);
            }
        }
    }
}
