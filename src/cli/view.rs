//! Shared plumbing for the read-only views: replay the ledger, resolve `--as-of`, print.

use std::io::IsTerminal;

use crate::asof::{resolve, ResolvedPoint};
use crate::plan::Plan;
use crate::report::{RenderOptions, ViewFormat};
use crate::store::review_columns::ReviewColumns;
use crate::store::shown_actions::ShownActions;
use crate::store::ActionText;
use crate::store::ReadLedger;

use super::{CliError, Context};

/// Options every plan view takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ViewArgs {
    /// The point to show: a review label ("RAG November 20", any case; also "November 20",
    /// "Nov 2020", "2020-11"), a date (2020-11-30, 30/11/2020 or 30 November 2020: the
    /// latest review on or before it), or "latest". Default: the latest review on or
    /// before today.
    #[arg(long = "as-of", value_name = "POINT")]
    pub as_of: Option<String>,
    /// Replay only what the ledger knew at this moment (a date, whole day included, or an
    /// RFC 3339 time): "what did the board see on 2021-03-01?". Combines with --as-of.
    #[arg(long = "known-at", value_name = "DATETIME")]
    pub known_at: Option<String>,
    /// table (for people), markdown, csv or json.
    #[arg(long, value_enum, default_value_t)]
    pub format: ViewFormat,
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `--csv-raw`, for every command that writes CSV.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct CsvArgs {
    /// With --format csv: write every cell exactly as recorded. By default a cell that
    /// starts with =, +, -, @, a tab or a carriage return gets a leading ' so a
    /// spreadsheet shows it as text instead of running it as a formula.
    #[arg(long = "csv-raw")]
    pub csv_raw: bool,
}

impl CsvArgs {
    /// How to render for standard output: colour only on a terminal, CSV as asked.
    pub fn options(self) -> RenderOptions {
        RenderOptions {
            colour: colour(),
            csv_raw: self.csv_raw,
        }
    }
}

impl ViewArgs {
    /// `--known-at` in entry timestamp form.
    pub fn known_at(&self) -> Result<Option<String>, CliError> {
        self.known_at
            .as_deref()
            .map(|s| crate::bounds::time_bound("--known-at", s, true))
            .transpose()
            .map_err(CliError::from)
    }
}

/// Refuses a ledger with no plan (yet, or as known at `known_at`), saying what to run.
pub fn require_plan(
    ctx: &Context<'_>,
    plan: &Plan,
    known_at: Option<&str>,
) -> Result<(), CliError> {
    if plan.is_created() {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "{} holds no plan{}: run `readiness init` or `readiness import FILE`",
        ctx.ledger_path().display(),
        known_at
            .map(|t| format!(" as known at {t}"))
            .unwrap_or_default()
    )))
}

/// Replays the ledger (up to `known_at`, if given) into a plan.
pub fn load_plan(ctx: &mut Context<'_>, known_at: Option<&str>) -> Result<Plan, CliError> {
    let ledger = ctx.open_for_read()?;
    let (plan, notes) = ledger.load_plan(known_at)?;
    ctx.warn_all(notes)?;
    require_plan(ctx, &plan, known_at)?;
    Ok(plan)
}

/// [`load_plan`], the snapshot's statuses left in their columns when the reader can (see
/// [`crate::store::reader::DirReader::load_plan_lazily`]): the view reads those it shows.
/// Its actions have the texts `wanted`.
pub fn load_plan_lazily(
    ctx: &mut Context<'_>,
    known_at: Option<&str>,
    wanted: ActionText,
) -> Result<(Plan, Option<ReviewColumns>), CliError> {
    let ledger = ctx.open_for_read()?;
    lazily(ctx, &ledger, known_at, wanted)
}

/// [`load_plan_lazily`] from a ledger opened.
fn lazily(
    ctx: &mut Context<'_>,
    ledger: &ReadLedger,
    known_at: Option<&str>,
    wanted: ActionText,
) -> Result<(Plan, Option<ReviewColumns>), CliError> {
    let (plan, columns, notes) = ledger.load_plan_lazily(known_at, wanted)?;
    ctx.warn_all(notes)?;
    require_plan(ctx, &plan, known_at)?;
    Ok((plan, columns))
}

/// A plan loaded for a view: its actions as a snapshot keeps them for `plan` and
/// `matrix`, or as [`load_plan_lazily`] loads them.
pub enum Loaded {
    Shown(Plan, ShownActions, ReviewColumns),
    Lazy(Plan, Option<ReviewColumns>),
}

/// [`Loaded::Shown`] where the ledger's newest snapshot allows it (see
/// [`crate::store::reader::DirReader::load_shown`]), else [`load_plan_lazily`].
pub fn load_plan_shown(
    ctx: &mut Context<'_>,
    known_at: Option<&str>,
    wanted: ActionText,
) -> Result<Loaded, CliError> {
    let ledger = ctx.open_for_read()?;
    if let Some((plan, shown, columns)) = ledger.load_shown(known_at)? {
        if plan.is_created() {
            return Ok(Loaded::Shown(plan, shown, columns));
        }
    }
    let (plan, columns) = lazily(ctx, &ledger, known_at, wanted)?;
    Ok(Loaded::Lazy(plan, columns))
}

/// Frees a large value (a loaded plan, a view of it) off the command's path: the answer is
/// already written, and freeing a million statuses one by one costs more than printing them.
pub fn release<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// Resolves `--as-of` (or today's default) against the plan's reviews.
pub fn resolve_point(
    plan: &Plan,
    as_of: Option<&str>,
    ctx: &Context<'_>,
) -> Result<Option<ResolvedPoint>, CliError> {
    if plan.reviews.is_empty() {
        return match as_of {
            None => Ok(None),
            Some(p) => Err(CliError::Usage(
                resolve(p, &plan.reviews).unwrap_err().to_string(),
            )),
        };
    }
    let today = ctx.clock.now().date_naive().format("%Y-%m-%d").to_string();
    let point = match as_of {
        Some(p) => resolve(p, &plan.reviews),
        None => resolve(&today, &plan.reviews).or_else(|_| resolve("latest", &plan.reviews)),
    };
    point.map(Some).map_err(|e| CliError::Usage(e.to_string()))
}

/// Whether to colour table output: only on a terminal, and not when NO_COLOR is set.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Writes rendered text.
pub fn emit(ctx: &mut Context<'_>, text: &str) -> Result<(), CliError> {
    ctx.out.write_all(text.as_bytes()).map_err(CliError::Output)
}

/// Refuses `--format wsoa` for every command but `matrix`, the one that writes the
/// published WSoA table; called once, by [`super::run`], before any command runs.
///
/// The match names every command, so a new one that takes a view format must say here
/// whether it writes the table.
pub fn refuse_wsoa(command: &super::Command) -> Result<(), CliError> {
    use super::Command as C;
    let (name, format) = match command {
        C::Plan(a) => ("plan", a.view.format),
        C::History(a) => ("history", a.view.format),
        C::Check(a) => ("check", a.view.format),
        C::Diff(a) => ("diff", a.format),
        C::Log(a) => ("log", a.format),
        C::Actors(a) => ("actors", a.format),
        C::Matrix(_)
        | C::Init(_)
        | C::Area(_)
        | C::Action(_)
        | C::Review(_)
        | C::Status(_)
        | C::Correct(_)
        | C::Import(_)
        | C::Report(_)
        | C::Snapshot(_)
        | C::Verify(_)
        | C::Head(_)
        | C::Export(_)
        | C::Restore(_)
        | C::Evidence(_)
        | C::Reindex(_)
        | C::Repair(_)
        | C::Completions(_)
        | C::Key(_)
        | C::SignOff(_)
        | C::Checkpoint(_)
        | C::Prove(_)
        | C::VerifyProof(_)
        | C::Serve(_)
        | C::Token(_)
        | C::Help(_)
        | C::Man(_) => return Ok(()),
    };
    if format != ViewFormat::Wsoa {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "--format wsoa (the published WSoA table) is written only by `readiness matrix`; \
         `readiness {name}` takes --format table, markdown, csv or json"
    )))
}
