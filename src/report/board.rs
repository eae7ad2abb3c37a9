//! The board report: one value holding everything a board member reads before a meeting,
//! and the documents for it, for `diff` and for `check`.
//!
//! [`BoardReport`] is built once; Markdown comes from [`report_doc`], HTML from
//! [`super::html::board_html`], and both take their tables from the same grid builders
//! here, so the two formats always say the same thing.

use serde::Serialize;

use crate::asof::ResolvedPoint;
use crate::entry::Head;
use crate::plan::diff::{diff, ActionDiff, BoardError, Diff, Touches, Verdict};
use crate::plan::gaps::{gaps, Gaps, RecentEntries};
use crate::plan::view::{matrix, status_at, Matrix, ReviewRef, StatusAt};
use crate::plan::Plan;
use crate::scale::{Rag, StatusScale};

use super::board_summary::{summarise, StatusCounts, Summary};
use super::doc::{Cell, Doc, Grid};
use super::views::status_cell;

/// What `verify` (fast: hashes, links, seqs, times) said about the whole ledger, as the
/// caller summarised it ([`crate::query::verification`]): the report renders a result it
/// is given and runs no verification itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// Entries that verified (before any failure).
    pub entries: u64,
    pub source: String,
    /// The ledger's head as verified (it may be past the report's head with --known-at).
    pub head: Option<Head>,
    /// The first problem, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Verification {
    /// One sentence for people (no final full stop).
    pub fn sentence(&self) -> String {
        match &self.problem {
            None if self.ok => format!(
                "ok: {} verified in {} (every hash, link, sequence number and time)",
                crate::words::count(self.entries, "entry", "entries"),
                self.source
            ),
            None => format!("FAILED in {}", self.source),
            Some(p) => format!(
                "FAILED in {}: {p}; {} before it verified; do not rely on this report",
                self.source,
                crate::words::count(self.entries, "entry", "entries")
            ),
        }
    }
}

/// One area's counts at the review and at the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaCounts {
    pub id: String,
    pub title: String,
    pub now: StatusCounts,
    pub previous: Option<StatusCounts>,
}

/// An action's status at one review, for its trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub review: String,
    /// The review's date (YYYY-MM-DD).
    pub date: String,
    pub status: Option<String>,
    /// Position in the scale, 0 = worst.
    pub rank: Option<usize>,
    pub rag: Option<Rag>,
    pub carried_forward: bool,
}

/// One action as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionSummary {
    pub area: String,
    pub id: String,
    pub action: String,
    pub lead: Option<String>,
    pub end: Option<String>,
    pub status: Option<StatusAt>,
    pub withdrawn: bool,
    /// Its status at every review up to the report's, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// The checkpoint of the report's head: what `readiness checkpoint` prints for a ledger of
/// that many entries, for inspectors to keep and compare later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportCheckpoint {
    pub origin: String,
    pub size: u64,
    /// The Merkle root, base64 as in the checkpoint note.
    pub root: String,
}

/// What the report says about where it came from, as the caller found it.
#[derive(Debug, Clone)]
pub struct ReportSources {
    pub verification: Verification,
    /// With --known-at: the moment the ledger was replayed up to.
    pub known_at: Option<String>,
    pub checkpoint: Option<ReportCheckpoint>,
}

/// Everything in the board report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardReport {
    pub title: String,
    pub origin: String,
    pub review: ReviewRef,
    pub previous: Option<ReviewRef>,
    /// With --known-at: the moment the ledger was replayed up to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_at: Option<String>,
    /// The last entry the report was produced from.
    pub head: Option<Head>,
    pub verification: Verification,
    /// The tree of the entries up to `head` as a checkpoint (when the caller could build it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<ReportCheckpoint>,
    /// Where the plan stands, in words, for the top of the report.
    pub summary: Summary,
    /// The statuses, worst first.
    pub scale: StatusScale,
    pub counts: Vec<AreaCounts>,
    /// From --since (default: the previous review) to the report's review.
    pub moved: Diff,
    pub gaps: Gaps,
    /// Reviews up to the report's.
    pub matrix: Matrix,
    pub actions: Vec<ActionSummary>,
}

/// Builds the report at `at`, with what moved since `since` (default: the review before).
pub fn board_report(
    plan: &Plan,
    at: &ResolvedPoint,
    since: Option<&ResolvedPoint>,
    touches: &Touches,
    recent: &RecentEntries,
    sources: ReportSources,
) -> Result<BoardReport, BoardError> {
    let ReportSources {
        verification,
        known_at,
        checkpoint,
    } = sources;
    let timeline = plan.reviews_by_date();
    let i = timeline
        .iter()
        .position(|r| r.label == at.label)
        .ok_or_else(|| BoardError::UnknownReview(at.label.clone()))?;
    let previous = i.checked_sub(1).map(|j| ResolvedPoint {
        label: timeline[j].label.clone(),
        date: timeline[j].date.clone(),
    });
    let moved = diff(plan, since.or(previous.as_ref()), at, touches)?;
    let gaps = gaps(plan, at, recent)?;
    let scale = plan.scale();

    let counts_at = |k: usize, area: &str| {
        let mut c = StatusCounts::new(&scale);
        for a in plan.actions.iter().filter(|a| a.fields.area == area) {
            let s = status_at(plan, a, &timeline[..=k]);
            c.add(
                a.withdrawn_at(plan, Some(timeline[k])).is_some(),
                s.and_then(|s| scale.rank(&s.status)),
            );
        }
        c
    };
    let counts = plan
        .areas
        .iter()
        .map(|area| AreaCounts {
            id: area.id.clone(),
            title: area.title.clone(),
            now: counts_at(i, &area.id),
            previous: i.checked_sub(1).map(|j| counts_at(j, &area.id)),
        })
        .collect();

    let actions = plan
        .actions
        .iter()
        .map(|a| (a, a.fields_at(plan, Some(timeline[i]))))
        .map(|(a, fields)| ActionSummary {
            area: fields.area.clone(),
            id: fields.id.clone(),
            action: fields.action.clone(),
            lead: fields.lead.clone(),
            end: fields.end.clone(),
            status: status_at(plan, a, &timeline[..=i]),
            withdrawn: a.withdrawn_at(plan, Some(timeline[i])).is_some(),
            trend: (0..=i)
                .map(|k| {
                    let s = status_at(plan, a, &timeline[..=k]);
                    TrendPoint {
                        review: timeline[k].label.clone(),
                        date: timeline[k].date.clone(),
                        rank: s.as_ref().and_then(|s| scale.rank(&s.status)),
                        rag: s.as_ref().and_then(|s| s.rag),
                        carried_forward: s.as_ref().is_some_and(|s| s.carried_forward),
                        status: s.map(|s| s.status.to_string()),
                    }
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let summary = summarise(&scale, &actions, &gaps, &moved, &verification);

    Ok(BoardReport {
        title: plan.title.clone(),
        origin: plan.origin.clone(),
        review: gaps.review.clone(),
        previous: gaps.previous.clone(),
        known_at,
        head: plan.head.map(|(seq, hash)| Head { seq: seq.0, hash }),
        verification,
        checkpoint,
        summary,
        scale,
        counts,
        moved,
        gaps,
        matrix: matrix(plan, Some(at)),
        actions,
    })
}

// ---- text pieces shared by every format ----

fn review_text(r: &ReviewRef) -> String {
    format!("{} ({})", r.label, r.date)
}

/// "Ledger head: 72 d343…" or "Ledger head: empty".
pub fn head_text(head: Option<Head>) -> String {
    match head {
        Some(h) => format!("Ledger head: {} {}", h.seq, h.hash),
        None => "Ledger head: empty".to_string(),
    }
}

pub(super) fn verdict_cell(a: &ActionDiff) -> Cell {
    let rag = match a.verdict {
        Verdict::Worsened => Some(Rag::Red),
        Verdict::Improved => Some(Rag::Green),
        _ => None,
    };
    Cell::status(a.verdict.as_str(), rag)
}

fn entries_text(a: &ActionDiff) -> String {
    let mut parts: Vec<String> = a
        .entries
        .iter()
        .map(|e| format!("{} by {} at {}", e.seq, e.actor, e.recorded_at))
        .collect();
    if let Some(w) = &a.withdrawn {
        parts.push(format!("withdrawn by entry {}: {}", w.seq, w.reason));
    }
    parts.join("; ")
}

/// The diff's rows: action, from, to, verdict, completed, entries.
pub fn diff_grid<'a>(rows: impl IntoIterator<Item = &'a ActionDiff>) -> Grid {
    let mut g = Grid::new(&["action", "from", "to", "verdict", "completed", "entries"]);
    for a in rows {
        g.rows.push(vec![
            Cell::text(&a.id),
            status_cell(&a.from),
            status_cell(&a.to),
            verdict_cell(a),
            Cell::text(if a.completed { "yes" } else { "" }),
            Cell::text(entries_text(a)),
        ]);
    }
    g
}

/// "2 improved to Completed (1.2, 1.3A), 4 held (1.1, 1.3B, 1.4, 1.5)": each verdict,
/// worst first, with its actions.
pub fn diff_summary(d: &Diff) -> String {
    let order = [
        Verdict::Worsened,
        Verdict::Withdrawn,
        Verdict::Changed,
        Verdict::New,
        Verdict::NoStatus,
        Verdict::Improved,
        Verdict::Held,
    ];
    let mut parts = Vec::new();
    for v in order {
        let groups: Vec<(String, Vec<&str>)> = if v == Verdict::Improved {
            let to_done = format!("improved to {}", completed_name(d));
            vec![
                (to_done, ids(d, |a| a.verdict == v && a.completed)),
                (
                    "improved".to_string(),
                    ids(d, |a| a.verdict == v && !a.completed),
                ),
            ]
        } else {
            vec![(v.as_str().to_string(), ids(d, |a| a.verdict == v))]
        };
        for (name, list) in groups {
            if !list.is_empty() {
                parts.push(format!("{} {name} ({})", list.len(), list.join(", ")));
            }
        }
    }
    if parts.is_empty() {
        "no actions".to_string()
    } else {
        parts.join(", ")
    }
}

fn ids(d: &Diff, keep: impl Fn(&ActionDiff) -> bool) -> Vec<&str> {
    d.actions
        .iter()
        .filter(|a| keep(a))
        .map(|a| a.id.as_str())
        .collect()
}

fn completed_name(d: &Diff) -> &str {
    d.completed_status.as_deref().unwrap_or("completed")
}

fn from_text(d: &Diff) -> String {
    d.from
        .as_ref()
        .map_or("the start of the plan".to_string(), review_text)
}

/// `readiness diff`: every action between the two points, in plan order.
pub fn diff_doc(d: &Diff) -> Doc {
    let mut doc = Doc::default();
    doc.heading(format!(
        "{}: what moved from {} to {}",
        d.title,
        from_text(d),
        review_text(&d.to)
    ));
    doc.note(head_text(d.head));
    doc.note(format!(
        "Verdicts follow the scale's order; \"completed\" marks an action that reached {} \
         or better from below.",
        completed_name(d)
    ));
    doc.grid(diff_grid(&d.actions));
    doc.note(format!("In all: {}.", diff_summary(d)));
    doc
}

/// The gap rows: kind, action, status, detail.
pub fn gaps_grid(g: &Gaps) -> Grid {
    let mut grid = Grid::new(&["gap", "action", "status", "detail"]);
    for gap in &g.gaps {
        grid.rows.push(vec![
            Cell::text(gap.kind.as_str()),
            Cell::text(&gap.action),
            status_cell(&gap.status),
            Cell::text(&gap.detail),
        ]);
    }
    grid
}

/// What counts as a gap, in one paragraph.
pub fn gaps_explained(g: &Gaps) -> String {
    let since = match &g.previous {
        Some(p) => format!("recorded after {} ({})", p.label, p.date),
        None => "recorded at any time (this is the first review)".to_string(),
    };
    format!(
        "Gaps: past the end date and below {}; red or amber at {} or more reviews in a row; \
         stale (nothing recorded for {}); late entries and corrections {since}; \
         {} or above with no evidence attached and no sign-off of that status. \
         Withdrawn actions are left out.",
        g.completed_status.as_deref().unwrap_or("completed"),
        crate::plan::gaps::DELAYED_RUN,
        g.review.label,
        g.completed_status.as_deref().unwrap_or("completed"),
    )
}

pub(super) fn gaps_count(g: &Gaps) -> String {
    match g.gaps.len() {
        0 => format!("No readiness gaps at {}.", g.review.label),
        1 => format!("1 readiness gap at {}.", g.review.label),
        n => format!("{n} readiness gaps at {}.", g.review.label),
    }
}

/// `readiness check`: the gaps alone.
pub fn gaps_doc(g: &Gaps) -> Doc {
    let mut doc = Doc::default();
    doc.heading(format!(
        "{}: readiness gaps at {}",
        g.title,
        review_text(&g.review)
    ));
    doc.note(head_text(g.head));
    doc.note(gaps_count(g));
    if !g.gaps.is_empty() {
        doc.grid(gaps_grid(g));
    }
    doc.note(gaps_explained(g));
    doc
}
