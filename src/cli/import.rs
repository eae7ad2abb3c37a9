//! `readiness import`: bring a published Written Statement of Action into the ledger.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::batch::{seal_batch, Sealer};
use crate::entry::Entry;
use crate::event::PlanCreated;
use crate::import::{
    read_table, wsoa_stream, wsoa_update_events, ImportBatch, ImportError, ImportStream, Legend,
    UpdateBatch, Vocabulary, WsoaTable,
};
use crate::plan::activity::summarise;
use crate::plan::Plan;
use crate::scale::StatusScale;
use crate::store::dir::Stream;
use crate::store::{DirLedger, Location, StoreError};
use crate::words::{count, counted};

use super::init::{check_origin, generated_origin};
use super::output::{line, write_json, Format};
use super::{CliError, Context, Exit, Who};

/// Import a WSoA table (pipe-separated text, as published; the table copied from a web
/// page as plain text; or an .xlsx or .csv tracker) as one atomic batch.
///
/// The file gives one or more areas (each after its "Area for Improvement N" line and
/// finding, with its own header row), their actions, one review per "RAG <month> <yy>"
/// column (dated the last day of that month; a review in several areas' headers is
/// scheduled once) and a status for every non-empty RAG cell. Pointed at a
/// ledger that does not exist yet, import creates it (title from the file's first line
/// unless --title). Every repair the importer makes is printed as a warning. Without
/// --update, importing the same file twice is refused. --dry-run shows what would be
/// appended and writes nothing.
///
/// A web page's copy has no "|": the header's cells come one per line ("Number",
/// "Outcomes", ..., "RAG Nov 20"), each row is its number on a line of its own, one paragraph
/// per cell (a blank line starts the next) and its statuses on its last line, separated by
/// single spaces (split by the plan's statuses, longest first) or by tabs (an empty piece
/// is an empty cell). A status line must give exactly one status per review column.
///
/// A .xlsx or .csv tracker is read by its header row's names (Number/No./Ref, Action,
/// Lead/Owner, Start, End/Due, ... and a status column per review, headed "RAG Nov 20",
/// "Nov 2020" or a date), below any title rows; merged cells are read in each row they span,
/// and a status cell with only a fill colour is read as that colour's word only if the plan's
/// scale has it. Each cell the importer had to interpret is named in a warning.
///
/// The quarterly update: with --update (or --origin naming the ledger's own plan), the
/// table is compared with the plan the ledger holds and only what is new or different is
/// appended, as one batch: new reviews, areas and actions and their statuses, a correction
/// (naming the file's SHA-256) of each past status whose cell changed, an amendment of each
/// action field whose text changed. A cell or field empty in the table where the ledger has
/// a value is reported and kept. A table showing what the ledger already holds, or a file
/// (under any name) already imported, appends nothing and says so.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness import tests/data/york-wsoa-area1-to-may21.txt --origin council.example/send-wsoa
  readiness import tests/data/york-wsoa-area1.txt --update --dry-run
  readiness import tests/data/york-wsoa-area1.txt --update")]
pub struct Args {
    /// The WSoA table file (.xlsx, .csv, or the published text table).
    pub file: PathBuf,
    /// Plan title for a new ledger (default: the file's first line).
    #[arg(long)]
    pub title: Option<String>,
    /// Origin for a new ledger (default: generated); the ledger's own origin means --update.
    #[arg(long)]
    pub origin: Option<String>,
    /// Print what would be appended, and every warning; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The ledger already holds this plan: append only what the table adds or changes.
    #[arg(long)]
    pub update: bool,
    /// A legend file saying which status of the plan's scale each word the table uses means,
    /// one "Word = Status" a line ("Blue = Completed", "On track = Progressing and on track";
    /// `#` starts a comment line; "Status (colour)" lines, as `init --scale` reads, must agree
    /// with the plan's scale). A colour cell (Red, Amber, Green, Blue) is read only through
    /// such a line. The import records the legend's file name and SHA-256.
    #[arg(long, value_name = "FILE")]
    pub legend: Option<PathBuf>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Serialize)]
struct ImportReport<'a> {
    dry_run: bool,
    #[serde(flatten)]
    batch: &'a ImportBatch,
    entries: Vec<EntryLine>,
}

#[derive(Serialize)]
struct EntryLine {
    seq: u64,
    #[serde(rename = "type")]
    event_type: &'static str,
    summary: String,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Parses the file, builds the batch, and appends it (or shows it, with --dry-run).
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let dir = match Location::parse(ctx.ledger_path()) {
        Location::Export(p) => return Err(StoreError::ReadOnly(p).into()),
        Location::Dir(p) => p,
    };
    let bytes = std::fs::read(&args.file).map_err(|source| ImportError::Read {
        path: args.file.display().to_string(),
        source,
    })?;
    let name = file_name(&args.file);
    let sha256 = crate::hex::encode(&Sha256::digest(&bytes));
    let exists = dir.join(crate::store::log::LOG_FILE).is_file();
    let mut ledger = if exists {
        Some(ctx.open_for_write(&args.who)?)
    } else {
        None
    };
    let plan = match &mut ledger {
        Some(l) => l.plan()?,
        None => Plan::new(),
    };
    let scale = plan.scale.clone().unwrap_or_else(StatusScale::york);
    let vocabulary = match &args.legend {
        Some(path) => {
            let legend_bytes = std::fs::read(path).map_err(|source| ImportError::Read {
                path: path.display().to_string(),
                source,
            })?;
            Legend::parse(&file_name(path), &legend_bytes)?.vocabulary(&scale)?
        }
        None => Vocabulary::plain(&scale),
    };
    let mut table = read_table(&name, &bytes, &vocabulary.words())?;
    drop(bytes);
    vocabulary.apply(&mut table);
    if let (true, Some(l)) = (plan.is_created(), ledger.as_mut()) {
        let same_origin = args.origin.as_deref() == Some(plan.origin.as_str());
        if let (true, Some(other)) = (args.update && !same_origin, &args.origin) {
            return Err(CliError::Usage(format!(
                "the ledger holds the plan with origin {:?}, not {other:?}; --update brings a table into the plan the ledger holds",
                plan.origin
            )));
        }
        if args.update || same_origin {
            if args.title.is_some() {
                let w = format!(
                    "--title is for a new ledger; the plan keeps its title {:?}",
                    plan.title
                );
                super::output::warning(ctx.err, w).map_err(CliError::Output)?;
            }
            let file = Source {
                name: &name,
                sha256: &sha256,
                table: &table,
            };
            return run_update(&args, ctx, l, &plan, file, &actor);
        }
        let known = plan.imports.iter().any(|i| i.sha256 == sha256)
            || table.areas.iter().any(|a| plan.area(&a.number).is_some());
        if known {
            writeln!(
                ctx.err,
                "hint: the ledger already holds this plan; to bring in a re-published table, import it with --update"
            )
            .map_err(CliError::Output)?;
        }
    }
    let new_plan = if plan.is_created() {
        None
    } else {
        let title = args.title.clone().unwrap_or_else(|| table.title.clone());
        let origin = match args.origin.clone() {
            Some(o) => o,
            None => generated_origin(&title, &ctx.clock.now().to_rfc3339()),
        };
        check_origin(&origin)?;
        Some(PlanCreated {
            title,
            origin,
            scale,
        })
    };
    let ImportStream {
        batch,
        total,
        events,
    } = wsoa_stream(&plan, table, &name, &sha256, new_plan);
    for w in &batch.warnings {
        super::output::warning(ctx.err, crate::import::warning_for_people(w))
            .map_err(CliError::Output)?;
    }
    // One line per entry is printed only for JSON and --dry-run: not worth making otherwise.
    // The entries themselves are not kept: an import of a million is written as it is made.
    let listed = args.dry_run || args.format == Format::Json;
    let mut lines: Vec<EntryLine> = Vec::new();
    let mut last = None;
    let mut note = |e: &Entry| {
        if listed {
            lines.push(EntryLine {
                seq: e.seq.0,
                event_type: e.event.type_name(),
                summary: summarise(&e.event),
            });
        }
        last = Some((e.seq, e.hash));
    };
    if args.dry_run {
        let mut sealer =
            Sealer::new(plan.clone(), &actor, ctx.clock.now(), total).map_err(StoreError::from)?;
        for event in events {
            let (entry, _) = sealer.seal(event).map_err(StoreError::from)?;
            note(&entry);
            sealer.apply_owned(entry);
        }
    } else {
        match ledger.as_mut() {
            Some(l) => {
                let appended = l.append(&actor, ctx.clock, events.collect())?;
                ctx.warn_all(appended.warnings)?;
                appended.entries.iter().for_each(&mut note);
            }
            None => {
                if args.who.if_head.is_some_and(|h| h != 0) {
                    return Err(StoreError::HeadMoved {
                        expected: args.who.if_head.unwrap_or_default(),
                        actual: 0,
                    }
                    .into());
                }
                let err = &mut *ctx.err;
                let stream = Stream {
                    total,
                    events,
                    on_entry: &mut note,
                };
                let created =
                    DirLedger::create_streamed(&dir, &actor, ctx.clock, stream, &mut || {
                        super::waiting(err, &dir)
                    })?;
                ctx.warn_all(created.warnings)?;
                // Entries were shown before they were linked: the head's hash is the log's.
                last = created.last;
            }
        }
    }
    match args.format {
        Format::Json => write_json(
            ctx.out,
            &ImportReport {
                dry_run: args.dry_run,
                batch: &batch,
                entries: lines,
            },
        )?,
        Format::Table => {
            if args.dry_run {
                for l in &lines {
                    let summary = crate::report::safe_text::terminal(&l.summary);
                    line(ctx.out, format!("would append {}: {summary}", l.seq))?;
                }
            }
            let s = &batch.summary;
            let verb = if args.dry_run {
                "would import"
            } else {
                "imported"
            };
            line(
                ctx.out,
                format!(
                    "{verb} {} (SHA-256 {}): {}, {}, {} ({} reused), {}, {}",
                    s.file_name,
                    s.sha256,
                    counted(s.areas as u64, "area"),
                    counted(s.actions as u64, "action"),
                    count(s.reviews_added as u64, "new review", "new reviews"),
                    s.reviews_reused,
                    count(s.statuses as u64, "status", "statuses"),
                    counted(batch.warnings.len() as u64, "warning")
                ),
            )?;
            if let (false, Some((seq, hash))) = (args.dry_run, last) {
                line(ctx.out, format!("head {seq} {hash}"))?;
            }
        }
    }
    Ok(Exit::Success)
}

/// The file an update reads: its name, the SHA-256 of its bytes, and its table.
struct Source<'a> {
    name: &'a str,
    sha256: &'a str,
    table: &'a WsoaTable,
}

#[derive(Serialize)]
struct UpdateReport<'a> {
    dry_run: bool,
    update: bool,
    /// False when nothing was (or, with --dry-run, would be) appended.
    appends: bool,
    #[serde(flatten)]
    batch: &'a UpdateBatch,
    entries: Vec<EntryLine>,
}

/// The quarterly update: appends only what the table adds or changes, as one batch.
fn run_update(
    args: &Args,
    ctx: &mut Context<'_>,
    ledger: &mut DirLedger,
    plan: &Plan,
    file: Source<'_>,
    actor: &str,
) -> Result<Exit, CliError> {
    let mut batch = wsoa_update_events(plan, file.table, file.name, file.sha256);
    let events = std::mem::take(&mut batch.events);
    for w in &batch.warnings {
        super::output::warning(ctx.err, crate::import::warning_for_people(w))
            .map_err(CliError::Output)?;
    }
    let entries = if events.is_empty() {
        Vec::new()
    } else if args.dry_run {
        seal_batch(plan, actor, ctx.clock.now(), events)
            .map_err(StoreError::from)?
            .entries
    } else {
        let appended = ledger.append(actor, ctx.clock, events)?;
        ctx.warn_all(appended.warnings)?;
        appended.entries
    };
    let lines: Vec<EntryLine> = entries
        .iter()
        .map(|e| EntryLine {
            seq: e.seq.0,
            event_type: e.event.type_name(),
            summary: summarise(&e.event),
        })
        .collect();
    let s = &batch.summary;
    match args.format {
        Format::Json => write_json(
            ctx.out,
            &UpdateReport {
                dry_run: args.dry_run,
                update: true,
                appends: !entries.is_empty(),
                batch: &batch,
                entries: lines,
            },
        )?,
        Format::Table if entries.is_empty() => {
            let why = match &s.already_imported {
                Some(p) => format!(
                    "{} (SHA-256 {}) was already imported at entry {} as {:?}",
                    s.file_name, s.sha256, p.seq, p.file_name
                ),
                None => format!(
                    "{} (SHA-256 {}) shows what the ledger already holds",
                    s.file_name, s.sha256
                ),
            };
            line(
                ctx.out,
                format!("nothing to update: {why}; nothing appended"),
            )?;
        }
        Format::Table => {
            let verb = if args.dry_run {
                "would append"
            } else {
                "appended"
            };
            for l in &lines {
                let summary = crate::report::safe_text::terminal(&l.summary);
                line(ctx.out, format!("{verb} {}: {summary}", l.seq))?;
            }
            let verb = if args.dry_run {
                "would update from"
            } else {
                "updated from"
            };
            line(
                ctx.out,
                format!(
                    "{verb} {} (SHA-256 {}): {}",
                    s.file_name,
                    s.sha256,
                    s.describe()
                ),
            )?;
            if let (false, Some(last)) = (args.dry_run, entries.last()) {
                line(ctx.out, format!("head {} {}", last.seq, last.hash))?;
            }
        }
    }
    Ok(Exit::Success)
}
