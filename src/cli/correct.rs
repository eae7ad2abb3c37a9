//! `readiness correct`: supersede an earlier status or amendment, saying why.

use crate::entry::Seq;
use crate::event::{Correction, Event};

use super::action::ActionFields;
use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Correct an earlier status_recorded or action_amended entry (or a correction of one), or
/// supersede an evidence_attached entry (the file is kept; views stop counting it).
///
/// Nothing is edited: a correction entry is appended that says who, when and why, and
/// views show the corrected value while history keeps both. For a status give --status
/// and/or --note; for an amendment give the corrected fields (--lead, --end, ...).
/// Correct the entry that currently sets the value: to fix a correction, correct the
/// correction.
///
/// Example: readiness correct 40 --status "Progressing and on track" --reason "typo in the board pack"
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The seq of the entry to correct (see `readiness history ACTION` or `readiness log`).
    pub seq: u64,
    /// Why the correction is needed (required).
    #[arg(long)]
    pub reason: String,
    /// The corrected status (for a status entry).
    #[arg(long)]
    pub status: Option<String>,
    /// The corrected note (for a status entry).
    #[arg(long)]
    pub note: Option<String>,
    /// The corrected action text (for an amendment).
    #[arg(long)]
    pub action: Option<String>,
    #[command(flatten)]
    pub fields: ActionFields,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Looks the target up, builds the correction and appends it.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let entries = ledger.head().map_or(0, |h| h.seq.0);
    let target = match ledger.entry_at(Seq(args.seq))? {
        Some(t) if args.seq >= 1 => t,
        _ => {
            return Err(CliError::Usage(format!(
                "there is no entry {}; the ledger has {entries} entries",
                args.seq
            )))
        }
    };
    let (action, review) = match &target.event {
        Event::StatusRecorded(e) => (e.action.clone(), Some(e.review.clone())),
        Event::ActionAmended(e) => (e.id.clone(), None),
        Event::Correction(e) => (e.action.clone(), e.review.clone()),
        Event::EvidenceAttached(e) => (e.action.clone(), None),
        other => {
            return Err(CliError::Usage(format!(
                "entry {} is {}; only status_recorded, action_amended and evidence_attached entries, and corrections of statuses and amendments, can be corrected",
                args.seq,
                with_article(other.type_name())
            )))
        }
    };
    // A review renamed since keeps its statuses under its current label: the one whose
    // status the target currently sets, else the review holding or once holding the label.
    let plan = ledger.plan_with(&[&action])?;
    let review = review.map(|label| {
        let set_by_target = plan.action(&action).and_then(|a| {
            a.statuses
                .iter()
                .find(|(_, r)| r.source.0 == args.seq)
                .map(|(l, _)| l.to_string())
        });
        let named = |r: &&crate::plan::Review| r.label == label;
        let once_named = |r: &&crate::plan::Review| r.former_labels.contains(&label);
        set_by_target
            .or_else(|| plan.reviews.iter().find(named).map(|r| r.label.clone()))
            .or_else(|| {
                plan.reviews
                    .iter()
                    .find(once_named)
                    .map(|r| r.label.clone())
            })
            .unwrap_or(label)
    });
    let f = args.fields;
    let changes = f.changes(args.action);
    let scale = plan.scale();
    let status = args
        .status
        .map(|s| scale.resolve(&s).map_or(s, |st| st.name.clone()));
    let event = Event::Correction(Correction {
        target: args.seq,
        action,
        review,
        status,
        note: args.note,
        changes,
        reason: args.reason,
    });
    let appended = ledger.append(&actor, ctx.clock, vec![event])?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}

/// "an area_added", "a plan_created": event names read as nouns in messages.
fn with_article(name: &str) -> String {
    let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}
