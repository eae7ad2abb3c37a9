//! The plan written back as the published WSoA table (`matrix --format wsoa`): the same
//! pipe-separated layout `import` reads (`src/import/wsoa.rs`), so what the ledger holds can
//! be published and read in again.
//!
//! The layout: the plan's title on the first line; then for each area an
//! `Area for Improvement N` line, the finding on its own line, the header row
//! (`Number | Outcomes | Action | Start date | End date | Lead | Measures of success |
//! Evidence and impact | <review labels> |`), a `---|` separator row and one line per action,
//! every cell followed by ` |`, a status cell empty where none was recorded.
//!
//! Nothing is altered to fit: text the layout cannot carry (a `|` or a line break in a cell,
//! an id or review label the importer would read differently) is refused, naming what to fix.
//! As a last guard the written text is read back with the importer and compared with what
//! was meant; any difference is refused too.

use crate::dates::parse_review_label;
use crate::import::parse_wsoa;
use crate::plan::view::Matrix;
use crate::plan::Plan;

/// The header cells before the review columns, as the importer expects them.
const TEXT_HEADER: [&str; 8] = [
    "Number",
    "Outcomes",
    "Action",
    "Start date",
    "End date",
    "Lead",
    "Measures of success",
    "Evidence and impact",
];

/// The published table, with what a person should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsoaText {
    pub text: String,
    /// What was left out or cannot be carried by the layout (withdrawn actions, an area with
    /// no action to show, a review date the label does not give).
    pub warnings: Vec<String>,
}

/// Why the plan cannot be written as a published table without changing what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write the plan as a WSoA table: {0}")]
pub struct WsoaError(pub String);

/// One action as it goes into the table: its cells, then its statuses.
struct Row<'a> {
    id: &'a str,
    /// Outcome, action, start, end, lead, measures, evidence: the columns after Number.
    fields: [&'a str; 7],
    statuses: Vec<Option<&'a str>>,
}

/// The action fields in column order, with the option of `action amend` that changes each.
const FIELDS: [(&str, &str); 7] = [
    ("Outcomes", "--outcome"),
    ("Action", "--action"),
    ("Start date", "--start"),
    ("End date", "--end"),
    ("Lead", "--lead"),
    ("Measures of success", "--measures"),
    ("Evidence and impact", "--evidence-impact"),
];

fn opt(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or_default()
}

/// A line break in any of the forms a reader or editor would break the line at.
fn line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// What in `text` the layout cannot carry, if anything.
fn unwritable(text: &str) -> Option<&'static str> {
    if text.contains('|') {
        Some("contains '|', which the table uses to separate cells")
    } else if text.contains(line_break) {
        Some("contains a line break, which the importer would join into one line")
    } else if text.trim() != text {
        Some("starts or ends with white space, which the importer trims")
    } else {
        None
    }
}

/// An action id the importer reads back as itself: `digits.digits`, optionally one capital
/// letter ("1.3A").
fn readable_action_id(id: &str) -> bool {
    let number = id
        .strip_suffix(|c: char| c.is_ascii_uppercase())
        .unwrap_or(id);
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    number
        .split_once('.')
        .is_some_and(|(major, minor)| digits(major) && digits(minor))
}

/// An area id the importer reads back from "Area for Improvement N": starts with a digit,
/// letters, digits and inner dots only.
fn readable_area_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_digit())
        && !id.ends_with('.')
        && id.chars().all(|c| c.is_alphanumeric() || c == '.')
}

/// The area's line under its heading: its finding, led by its title when the finding does
/// not already start with it (the importer takes the title from the text before a colon).
fn finding_line(title: &str, finding: Option<&str>) -> String {
    match finding {
        None => title.to_string(),
        Some(f) if title.is_empty() || f.starts_with(title) => f.to_string(),
        Some(f) => format!("{title}: {f}"),
    }
}

/// Writes one table line: every cell followed by " |", an empty cell as a bare "|".
fn push_cells<'c>(out: &mut String, cells: impl IntoIterator<Item = &'c str>) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(' ');
        }
        first = false;
        if !cell.is_empty() {
            out.push_str(cell);
            out.push(' ');
        }
        out.push('|');
    }
    out.push('\n');
}

/// Writes the plan as its published WSoA table, with the review columns of `matrix` (every
/// review up to its point, in date order).
///
/// Withdrawn actions are left out (with a warning): the table has no place to say an action
/// was withdrawn, and an import of it would bring the action back as live. An area with no
/// action left to show is left out too (the importer refuses an area without rows).
///
/// `as_of` says the matrix stops at a review the user named: the text and withdrawals are
/// then those in effect at that review. Otherwise the table is the plan as it stands now,
/// with every amendment recorded and every withdrawn action left out, ready to publish.
pub fn to_wsoa_table(plan: &Plan, matrix: &Matrix, as_of: bool) -> Result<WsoaText, WsoaError> {
    let mut warnings = Vec::new();
    let fail = |m: String| Err(WsoaError(m));
    if let Some(why) = unwritable(&plan.title) {
        return fail(format!("the plan's title {why}"));
    }
    if plan.title.is_empty() {
        return fail("the plan has no title for the table's first line".into());
    }
    if matrix.reviews.is_empty() {
        return fail("the plan has no reviews: the table needs at least one RAG column".into());
    }
    for r in &matrix.reviews {
        let Some(month) = parse_review_label(&r.label).filter(|_| unwritable(&r.label).is_none())
        else {
            return fail(format!(
                "review {:?} cannot head a column: the importer reads only labels like \"RAG November 20\" (rename it with `readiness review reschedule LABEL --label ... --reason ...`)",
                r.label
            ));
        };
        let implied = crate::dates::last_day_of_month(month)
            .format("%Y-%m-%d")
            .to_string();
        if implied != r.date {
            warnings.push(format!(
                "review {:?} is dated {}; the table carries only its label, which an import dates {implied}",
                r.label, r.date
            ));
        }
    }
    // The text of each action as it stood at the table's last review.
    let at = (matrix.reviews.last())
        .filter(|_| as_of)
        .and_then(|r| plan.review(&r.label));
    let shown: Vec<_> = plan.actions.iter().map(|a| a.fields_at(plan, at)).collect();
    let mut header: Vec<&str> = TEXT_HEADER.to_vec();
    header.extend(matrix.reviews.iter().map(|r| r.label.as_str()));
    let mut text = String::new();
    text.push_str(&plan.title);
    text.push('\n');
    // What the importer must read back: (area id, finding, rows).
    let mut written: Vec<(&str, String, Vec<Row>)> = Vec::new();
    for area in &plan.areas {
        let mut rows = Vec::new();
        for ((action, f), row) in plan.actions.iter().zip(&shown).zip(&matrix.rows) {
            if f.area != area.id {
                continue;
            }
            if action.withdrawn_at(plan, at).is_some() {
                warnings.push(format!(
                    "action {} is withdrawn: left out of the table",
                    f.id
                ));
                continue;
            }
            let fields = [
                opt(&f.outcome),
                f.action.as_str(),
                opt(&f.start),
                opt(&f.end),
                opt(&f.lead),
                opt(&f.measures),
                opt(&f.evidence_impact),
            ];
            if !readable_action_id(&f.id) {
                return fail(format!(
                    "action {:?}: the importer reads only numbers like \"1.4\" or \"1.3A\" as action numbers",
                    f.id
                ));
            }
            for (value, (column, option)) in fields.iter().zip(FIELDS) {
                if let Some(why) = unwritable(value) {
                    return fail(format!(
                        "action {}: {column} ({option}) {why}; amend it with `readiness action amend {} {option} ... --reason ...`",
                        f.id, f.id
                    ));
                }
            }
            let statuses = row
                .cells
                .iter()
                .map(|c| c.as_ref().map(|c| &*c.status))
                .collect();
            rows.push(Row {
                id: &f.id,
                fields,
                statuses,
            });
        }
        if rows.is_empty() {
            warnings.push(format!(
                "area {} has no action to show: left out of the table, which cannot hold an area without rows",
                area.id
            ));
            continue;
        }
        if !readable_area_id(&area.id) {
            return fail(format!(
                "area {:?}: the importer reads only numbers like \"2\" after \"Area for Improvement\"",
                area.id
            ));
        }
        let finding = finding_line(&area.title, area.finding.as_deref());
        if let Some(why) = unwritable(&finding) {
            return fail(format!("area {}: its title or finding {why}", area.id));
        }
        if finding.to_lowercase().starts_with("area for improvement") {
            return fail(format!(
                "area {}: its finding line {finding:?} would be read as another \"Area for Improvement\" heading",
                area.id
            ));
        }
        if finding.is_empty() {
            return fail(format!("area {}: no title or finding to write", area.id));
        }
        text.push_str(&format!("Area for Improvement {}\n{finding}\n", area.id));
        push_cells(&mut text, header.iter().copied());
        text.push_str(&"---|".repeat(header.len()));
        text.push('\n');
        for row in &rows {
            let statuses = row.statuses.iter().map(|s| s.unwrap_or_default());
            push_cells(
                &mut text,
                std::iter::once(row.id)
                    .chain(row.fields.iter().copied())
                    .chain(statuses),
            );
        }
        written.push((&area.id, finding, rows));
    }
    if written.is_empty() {
        return fail("no area has an action to show".into());
    }
    read_back(plan, &text, &written)?;
    Ok(WsoaText { text, warnings })
}

/// Reads the written text with the importer and checks it gives back what was written.
fn read_back(
    plan: &Plan,
    text: &str,
    written: &[(&str, String, Vec<Row>)],
) -> Result<(), WsoaError> {
    let scale = plan.scale();
    let table = parse_wsoa("the written table", text.as_bytes(), &scale.names()).map_err(|e| {
        WsoaError(format!(
            "`readiness import` would refuse the table written: {e}"
        ))
    })?;
    let differs = |what: String, got: &str, want: &str| {
        Err(WsoaError(format!(
            "{what} would be read back as {got:?} instead of {want:?}"
        )))
    };
    if table.title != plan.title {
        return differs("the title".into(), &table.title, &plan.title);
    }
    if table.areas.len() != written.len() {
        return Err(WsoaError(format!(
            "the importer would read {} areas, not {}",
            table.areas.len(),
            written.len()
        )));
    }
    for (area, (id, finding, rows)) in table.areas.iter().zip(written) {
        if area.number != *id {
            return differs(format!("area {id}'s number"), &area.number, id);
        }
        if area.finding != *finding {
            return differs(format!("area {id}'s finding"), &area.finding, finding);
        }
        if area.rows.len() != rows.len() {
            return Err(WsoaError(format!(
                "the importer would read {} actions in area {id}, not {}",
                area.rows.len(),
                rows.len()
            )));
        }
        for (got, want) in area.rows.iter().zip(rows) {
            if got.id != want.id {
                return differs(format!("action {}'s number", want.id), &got.id, want.id);
            }
            let read = [
                got.outcome.as_str(),
                &got.action,
                &got.start.text,
                &got.end.text,
                &got.lead,
                &got.measures,
                &got.evidence_impact,
            ];
            for ((g, w), (column, _)) in read.iter().zip(want.fields).zip(FIELDS) {
                if *g != w {
                    return differs(format!("action {}: {column}", want.id), g, w);
                }
            }
            let statuses: Vec<Option<&str>> = got.statuses.iter().map(|s| s.as_deref()).collect();
            if statuses != want.statuses {
                return Err(WsoaError(format!(
                    "action {}: the importer would read its statuses as {statuses:?} instead of {:?}",
                    want.id, want.statuses
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_end_in_a_bar_and_an_empty_cell_is_a_bare_bar() {
        let mut out = String::new();
        push_cells(&mut out, ["1.3B", "", "Completed", ""]);
        assert_eq!(out, "1.3B | | Completed | |\n");
    }

    #[test]
    fn only_numbers_the_importer_reads_back_as_themselves_are_action_ids() {
        for ok in ["1.4", "1.3A", "12.10", "3.2B"] {
            assert!(readable_action_id(ok), "{ok}");
        }
        for bad in ["1.3a", "1", "A.1", "1.", ".1", "1.3AB", "1.3 A", ""] {
            assert!(!readable_action_id(bad), "{bad}");
        }
        assert!(readable_area_id("2") && readable_area_id("10"));
        assert!(!readable_area_id("A") && !readable_area_id("2.") && !readable_area_id(""));
    }

    #[test]
    fn bars_line_breaks_and_edge_spaces_are_unwritable() {
        assert!(unwritable("CYC (J.S)").is_none());
        for bad in ["a | b", "a\nb", "a\r\nb", "a\rb", "a\u{2028}b", " a", "a\t"] {
            assert!(unwritable(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn a_finding_is_led_by_its_title_unless_it_already_is() {
        assert_eq!(finding_line("Joint", None), "Joint");
        assert_eq!(finding_line("Joint", Some("Joint: gaps")), "Joint: gaps");
        assert_eq!(finding_line("Joint", Some("gaps")), "Joint: gaps");
    }
}
