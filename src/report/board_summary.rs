//! The board report's opening: where the plan stands in sentences a chair can read aloud,
//! and the counts split by status, so that "on track" is never lumped with "completed".

use serde::Serialize;

use crate::plan::diff::{completed_rank, Diff, Verdict};
use crate::plan::gaps::{GapKind, Gaps};
use crate::scale::{Rag, StatusScale};

use super::board::{ActionSummary, Verification};
use super::uk_date::uk_date;

/// How many actions show each status of the scale at a review.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StatusCounts {
    /// One per status of the scale, worst first.
    pub statuses: Vec<StatusCount>,
    /// No status yet, or one off the scale.
    pub no_status: u32,
    /// Withdrawn actions, counted apart.
    pub withdrawn: u32,
}

/// One status and how many actions show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: String,
    pub count: u32,
}

impl StatusCounts {
    /// Zero of every status of `scale`.
    pub fn new(scale: &StatusScale) -> StatusCounts {
        StatusCounts {
            statuses: scale
                .0
                .iter()
                .map(|s| StatusCount {
                    status: s.name.clone(),
                    count: 0,
                })
                .collect(),
            no_status: 0,
            withdrawn: 0,
        }
    }

    /// Counts one action: withdrawn, or at `rank` of the scale (none: no status).
    pub fn add(&mut self, withdrawn: bool, rank: Option<usize>) {
        match (withdrawn, rank.and_then(|r| self.statuses.get_mut(r))) {
            (true, _) => self.withdrawn += 1,
            (false, Some(s)) => s.count += 1,
            (false, None) => self.no_status += 1,
        }
    }
}

/// An action behind plan, and why in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behind {
    pub action: String,
    pub status: Option<String>,
    /// "is past its end date", "has been red or amber at 2 reviews in a row".
    pub why: Vec<String>,
}

/// Where the plan stands at the review, for the top of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Actions not withdrawn.
    pub actions: usize,
    /// The statuses that count as done ("Completed", "Embedded").
    pub done_statuses: Vec<String>,
    /// Actions at one of those statuses.
    pub done: Vec<String>,
    /// Below done, not red or amber and not past their end date.
    pub on_track: Vec<String>,
    /// Red or amber, or past their end date, and not done.
    pub behind: Vec<Behind>,
    pub no_status: Vec<String>,
    /// The summary as sentences, in the order the report prints them.
    pub sentences: Vec<String>,
}

/// Sorts the actions into done, on track, behind and no status, and words it.
pub fn summarise(
    scale: &StatusScale,
    actions: &[ActionSummary],
    gaps: &Gaps,
    moved: &Diff,
    verification: &Verification,
) -> Summary {
    let done_rank = completed_rank(scale);
    let done_statuses: Vec<String> = match done_rank {
        Some(d) => scale.0[d..].iter().map(|s| s.name.clone()).collect(),
        None => Vec::new(),
    };
    let (mut done, mut on_track, mut behind, mut no_status) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let live: Vec<&ActionSummary> = actions.iter().filter(|a| !a.withdrawn).collect();
    for a in &live {
        let status = a.status.as_ref();
        let rank = status.and_then(|s| scale.rank(&s.status));
        let is_done = matches!((rank, done_rank), (Some(r), Some(d)) if r >= d);
        let mut why: Vec<String> = gaps
            .gaps
            .iter()
            .filter(|g| g.action == a.id)
            .filter_map(|g| match g.kind {
                GapKind::PastEnd => Some("is past its end date".to_string()),
                GapKind::DelayedRun => Some(format!(
                    "has been red or amber at {} reviews in a row",
                    g.reviews.len()
                )),
                _ => None,
            })
            .collect();
        let red_or_amber = matches!(status.and_then(|s| s.rag), Some(Rag::Red | Rag::Amber));
        if is_done {
            done.push(a.id.clone());
        } else if status.is_none() {
            no_status.push(a.id.clone());
        } else if red_or_amber || !why.is_empty() {
            if why.is_empty() {
                why.push(format!(
                    "is {}",
                    status.map_or(String::new(), |s| s.status.to_lowercase())
                ));
            }
            behind.push(Behind {
                action: a.id.clone(),
                status: status.map(|s| s.status.to_string()),
                why,
            });
        } else {
            on_track.push(a.id.clone());
        }
    }
    let mut s = Summary {
        actions: live.len(),
        done_statuses,
        done,
        on_track,
        behind,
        no_status,
        sentences: Vec::new(),
    };
    s.sentences = vec![standing(&s)];
    s.sentences.extend(movement(moved));
    s.sentences.extend(to_discuss(gaps));
    s.sentences.push(trust(verification));
    s
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "a, b or c".
fn or_list(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// "5 of 6 actions completed or embedded; 1 behind: 1.3B is past its end date."
fn standing(s: &Summary) -> String {
    if s.actions == 0 {
        return "The plan has no actions at this review.".to_string();
    }
    let done_words: Vec<String> = s.done_statuses.iter().map(|n| n.to_lowercase()).collect();
    let mut parts = vec![format!(
        "{} of {} {}",
        s.done.len(),
        s.actions,
        if s.actions == 1 { "action" } else { "actions" }
    )];
    parts[0].push(' ');
    parts[0].push_str(&or_list(&done_words));
    if !s.on_track.is_empty() {
        parts.push(format!("{} on track", s.on_track.len()));
    }
    if !s.behind.is_empty() {
        // Actions behind for the same reasons are named together.
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for b in &s.behind {
            let why = b.why.join(" and ");
            match groups.iter_mut().find(|(w, _)| *w == why) {
                Some((_, ids)) => ids.push(&b.action),
                None => groups.push((why, vec![&b.action])),
            }
        }
        let who: Vec<String> = groups
            .iter()
            .map(|(why, ids)| match ids.as_slice() {
                [one] => format!("{one} {why}"),
                [rest @ .., last] => format!("{} and {last} {}", rest.join(", "), plural_why(why)),
                [] => String::new(),
            })
            .collect();
        parts.push(format!("{} behind: {}", s.behind.len(), who.join("; ")));
    }
    if !s.no_status.is_empty() {
        parts.push(format!(
            "{} with no status yet ({})",
            s.no_status.len(),
            s.no_status.join(", ")
        ));
    }
    format!("{}.", parts.join("; "))
}

/// The reasons [`summarise`] words for one action, said of several.
fn plural_why(why: &str) -> String {
    why.split(" and ")
        .map(|w| {
            let w = w
                .replace("is past its end date", "are past their end dates")
                .replace("has been ", "have been ");
            match w.strip_prefix("is ") {
                Some(rest) => format!("are {rest}"),
                None => w,
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// "Since RAG November 20: 1.4 reached Completed; 1.3B fell to Progressing but delayed."
fn movement(d: &Diff) -> Option<String> {
    let from = d.from.as_ref()?;
    let mut parts = Vec::new();
    let mut held = 0;
    for a in &d.actions {
        let to =
            a.to.as_ref()
                .map_or("no status".to_string(), |s| s.status.to_string());
        match a.verdict {
            Verdict::Held | Verdict::NoStatus => held += 1,
            Verdict::Improved if a.completed => parts.push(format!("{} reached {to}", a.id)),
            Verdict::Improved => parts.push(format!("{} rose to {to}", a.id)),
            Verdict::Worsened => parts.push(format!("{} fell back to {to}", a.id)),
            Verdict::New => parts.push(format!("{} has its first status, {to}", a.id)),
            Verdict::Changed => parts.push(format!("{} changed to {to}", a.id)),
            Verdict::Withdrawn => parts.push(format!("{} was withdrawn", a.id)),
        }
    }
    if parts.is_empty() {
        return Some(format!(
            "Since {} ({}) no action has moved.",
            from.label,
            uk_date(&from.date)
        ));
    }
    if held > 0 {
        parts.push(format!("{} unchanged", plural(held, "other", "others")));
    }
    Some(format!(
        "Since {} ({}): {}.",
        from.label,
        uk_date(&from.date),
        parts.join("; ")
    ))
}

/// The gaps that are not about progress, grouped: evidence, late entries, corrections.
fn to_discuss(g: &Gaps) -> Option<String> {
    let ids = |kind: GapKind| -> Vec<&str> {
        g.gaps
            .iter()
            .filter(|x| x.kind == kind)
            .map(|x| x.action.as_str())
            .collect()
    };
    let mut parts = Vec::new();
    let unsupported = ids(GapKind::Unsupported);
    if !unsupported.is_empty() {
        parts.push(format!(
            "{} {} no evidence attached and no sign-off ({})",
            plural(unsupported.len(), "action", "actions"),
            if unsupported.len() == 1 {
                "counted done has"
            } else {
                "counted done have"
            },
            unsupported.join(", ")
        ));
    }
    let stale = ids(GapKind::Stale);
    if !stale.is_empty() {
        parts.push(format!(
            "{} nothing recorded for this review ({})",
            plural(stale.len(), "action has", "actions have"),
            stale.join(", ")
        ));
    }
    let late = ids(GapKind::LateEntry).len();
    let corrected = ids(GapKind::Correction).len();
    if late + corrected > 0 {
        parts.push(format!(
            "{} recorded late or corrected since the last review",
            plural(late + corrected, "status was", "statuses were")
        ));
    }
    (!parts.is_empty()).then(|| format!("Also to note: {}.", parts.join("; ")))
}

/// Whether the record can be relied on, without hashes.
fn trust(v: &Verification) -> String {
    if v.ok {
        format!(
            "The ledger's record checks: all {} entries are intact and linked in order; to \
             confirm nothing was rewritten since an earlier board, compare it with the head \
             minuted then (the appendix for inspectors says how).",
            v.entries
        )
    } else {
        "WARNING: the ledger's record does not check; do not rely on this report until it \
         is explained (the appendix says what failed)."
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_said_of_several_and_lists_end_in_or() {
        assert_eq!(
            plural_why("is past its end date and has been red or amber at 2 reviews in a row"),
            "are past their end dates and have been red or amber at 2 reviews in a row"
        );
        assert_eq!(
            plural_why("is started but delayed"),
            "are started but delayed"
        );
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            or_list(&words(&["completed", "embedded"])),
            "completed or embedded"
        );
        assert_eq!(or_list(&words(&["a", "b", "c"])), "a, b or c");
    }
}
