//! `readiness init`: create a ledger and its plan.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::event::{Event, KeyRegistered, PlanCreated};
use crate::import::Legend;
use crate::scale::StatusScale;
use crate::store::{DirLedger, Location, StoreError};

use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Create a new ledger holding an empty plan.
///
/// The first entry records the plan title, the status scale (worst first, each with a RAG
/// colour) and the ledger's origin: its identity for good, used in checkpoints. The default
/// scale is York's: Not started, Started but delayed, Progressing but delayed, Progressing
/// and on track, Completed, Embedded.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness init --title \"SEND Written Statement of Action\" --origin council.example/send-wsoa
  readiness init --title \"SEND WSoA\" --key-out ledger.key --ledger signed-plan")]
pub struct Args {
    /// The plan's title, e.g. "SEND Written Statement of Action".
    #[arg(long)]
    pub title: String,
    /// The ledger's identity (no spaces), e.g. "york.gov.uk/send-wsoa"; generated if not given.
    #[arg(long)]
    pub origin: Option<String>,
    /// The status scale, worst first, from a JSON file ([{"name": "Not started", "rag":
    /// "red"}, ...]; rag is red, amber, green or blue) or a legend text file: one status a
    /// line with its colour in brackets ("Not started (red)", "Complete (blue)"), `#` starting
    /// a comment line. A legend's "Word = Status" lines (for `import --legend`) are checked
    /// against the scale it defines.
    #[arg(long, value_name = "FILE")]
    pub scale: Option<PathBuf>,
    /// Also make the ledger's signing key: the private key goes to FILE (mode 0600, never
    /// into the ledger), the public key to FILE.pub, and it is registered in entry 2 so it can
    /// sign checkpoints and sign-offs (`readiness checkpoint --key FILE`).
    #[arg(long, value_name = "FILE")]
    pub key_out: Option<PathBuf>,
    /// The role recorded for the key made with --key-out.
    #[arg(long, default_value = "ledger signing key", requires = "key_out")]
    pub key_role: String,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Reads a scale file, JSON or a legend, naming the file in any error.
pub fn read_scale(path: &PathBuf) -> Result<StatusScale, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("--scale {}: {e}", path.display())))?;
    if !text.trim_start().starts_with('[') {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let legend = Legend::parse(&name, text.as_bytes())?;
        return Ok(legend.scale()?);
    }
    let scale: StatusScale = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "--scale {}: {e}; expected [{{\"name\": \"Not started\", \"rag\": \"red\"}}, ...]",
            path.display()
        ))
    })?;
    scale
        .check()
        .map_err(|e| CliError::Usage(format!("--scale {}: {e}", path.display())))?;
    Ok(scale)
}

/// A readable, practically unique origin: the title's slug and a short hash.
pub fn generated_origin(title: &str, now: &str) -> String {
    let mut slug: String = title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    // Keep the origin within check_origin's 200 characters whatever the title (ASCII only).
    slug.truncate(60);
    let slug = slug.trim_end_matches('-').to_string();
    let digest = Sha256::digest(format!("{title}\n{now}").as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let slug = if slug.is_empty() {
        "plan".to_string()
    } else {
        slug
    };
    format!("readiness/{slug}-{tag}")
}

/// Checks an origin: printable ASCII, no spaces or `+` (checkpoint origin lines forbid them).
pub fn check_origin(origin: &str) -> Result<(), CliError> {
    let ok = !origin.is_empty()
        && origin.len() <= 200
        && origin.bytes().all(|b| b.is_ascii_graphic() && b != b'+');
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "--origin {origin:?}: use 1 to 200 printable ASCII characters with no spaces or '+', e.g. york.gov.uk/send-wsoa"
        )))
    }
}

/// Creates the ledger and appends `plan_created`.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let dir = match Location::parse(ctx.ledger_path()) {
        Location::Export(p) => return Err(StoreError::ReadOnly(p).into()),
        Location::Dir(p) => p,
    };
    let scale = match &args.scale {
        Some(path) => read_scale(path)?,
        None => StatusScale::york(),
    };
    let origin = match args.origin {
        Some(o) => o,
        None => generated_origin(&args.title, &ctx.clock.now().to_rfc3339()),
    };
    check_origin(&origin)?;
    if args.title.trim().is_empty() {
        return Err(CliError::Usage("--title must not be empty".into()));
    }
    let event = Event::PlanCreated(PlanCreated {
        title: args.title,
        origin,
        scale,
    });
    let mut events = vec![event];
    if let Some(out) = &args.key_out {
        if dir.join(crate::store::log::LOG_FILE).exists() {
            return Err(StoreError::AlreadyExists(dir).into());
        }
        let (public, _) = super::key::write_key_pair(&origin_name(&events), out)?;
        events.push(Event::KeyRegistered(KeyRegistered {
            name: origin_name(&events),
            key_id: crate::plan::trust::key_id(&public),
            public_key: super::key::hex(&public),
            role: args.key_role.clone(),
        }));
    }
    if args.who.if_head.is_some_and(|h| h != 0) {
        return Err(StoreError::HeadMoved {
            expected: args.who.if_head.unwrap_or_default(),
            actual: 0,
        }
        .into());
    }
    let err = &mut *ctx.err;
    let appended = DirLedger::create(&dir, &actor, ctx.clock, events, &mut || {
        super::waiting(err, &dir)
    })?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}

/// The name a ledger's own key is registered under: its origin.
fn origin_name(events: &[Event]) -> String {
    match events.first() {
        Some(Event::PlanCreated(p)) => p.origin.clone(),
        _ => String::new(),
    }
}
