//! `readiness evidence`: attach files to actions, list, get and redact them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::plan::decide::{Command, CommandError};
use crate::store::evidence::{
    attach, copy_hashing, display_name, escape_name, format_size, hash_file, parse_size,
    AttachRequest, EvidenceError, EvidenceStore, Source,
};
use crate::store::{Location, StoreError};
use crate::verify::evidence::{collect, Attachment, Attachments};

use super::names::{action_for_write, action_in, review_for_write};
use super::output::{line, report_appended, row, table, write_json, Format};
use super::{CliError, Context, Exit, Who};

/// Evidence files behind an action's status: attach, list, get, redact.
#[derive(Debug, clap::Subcommand)]
pub enum EvidenceCommand {
    Add(AddArgs),
    List(ListArgs),
    Get(GetArgs),
    Redact(RedactArgs),
}

/// Attach a file to an action as evidence.
///
/// The file is copied into the ledger's evidence store (`evidence/<SHA-256>`), hashed while
/// it is copied, and an `evidence_attached` entry is appended. The same content attached
/// twice is stored once. The file's name is recorded as data, never used as a path.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness evidence add 1.3B minutes-2021-02.txt --review \"RAG February 21\" --note \"minutes\"")]
pub struct AddArgs {
    /// The action, e.g. "1.3A" (any case).
    pub action: String,
    /// The file to attach.
    pub file: PathBuf,
    /// The review this evidence is for: its label in any case ("RAG November 20"), or a
    /// month or day ("Nov 2020", "30/11/2020") when one review falls in it.
    #[arg(long)]
    pub review: Option<String>,
    /// A short note about the evidence.
    #[arg(long)]
    pub note: Option<String>,
    /// The file name to record (default: FILE's last component); data only.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Refuse files larger than this (bytes, or with K, M, G, T: 500M, 1G).
    #[arg(long, value_parser = parse_size, value_name = "SIZE", default_value = "100M")]
    pub max_size: u64,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// List evidence attached to actions (all, or one action's).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness evidence list 1.3B
  readiness evidence list --format json")]
pub struct ListArgs {
    /// Only this action's evidence (its id in any case).
    pub action: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Write an evidence file's bytes to standard output or to --out FILE.
///
/// The bytes are re-hashed first: a file that no longer matches its SHA-256 is not given
/// out (exit 1). --out never overwrites an existing file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness evidence get 9d3c8678a121f75035b944f92587dd4b64c60453875dae4765ae1c79411e42a7 --out minutes-copy.txt")]
pub struct GetArgs {
    /// The evidence's SHA-256, as `evidence list` shows it (its first 12 digits will do,
    /// or any 6 or more that fit one file).
    pub sha256: String,
    /// Where to write (a new file); standard output if not given.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Remove an evidence file's bytes (lawful erasure), keeping the chain intact.
///
/// Appends `evidence_redacted` (who, when, why) and deletes the stored file. Entries and
/// hashes are untouched; `verify` reports the file as redacted, not missing.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness evidence redact 9d3c8678a121f75035b944f92587dd4b64c60453875dae4765ae1c79411e42a7 --reason \"names a child\"")]
pub struct RedactArgs {
    /// The evidence's SHA-256 (or 6 or more of its first digits that fit one file).
    pub sha256: String,
    /// Why the bytes are removed, e.g. "personal data of a child (UK GDPR art. 17)".
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs an evidence subcommand.
pub fn run(cmd: EvidenceCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    match cmd {
        EvidenceCommand::Add(a) => add(a, ctx),
        EvidenceCommand::List(a) => list(a, ctx),
        EvidenceCommand::Get(a) => get(a, ctx),
        EvidenceCommand::Redact(a) => redact(a, ctx),
    }
}

/// Maps an evidence error to the command line's: refusals and size are usage (exit 2),
/// I/O is exit 4.
pub fn cli_error(e: EvidenceError) -> CliError {
    match e {
        EvidenceError::Io { path, source } => CliError::Store(StoreError::Io { path, source }),
        EvidenceError::Store(s) => CliError::Store(s),
        EvidenceError::TooLarge { .. } | EvidenceError::Refused(_) => {
            CliError::Usage(e.to_string())
        }
    }
}

fn add(args: AddArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    if !args.file.exists() {
        return Err(CliError::Usage(format!(
            "{}: no such file",
            args.file.display()
        )));
    }
    // Opened and checked before the ledger is locked: a FIFO or device is refused at once.
    let source = Source::open(&args.file, args.max_size).map_err(cli_error)?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let header = ledger.header()?;
    let action = action_for_write(&mut ledger, &args.action)?;
    let review = args
        .review
        .map(|r| review_for_write(&header, &r))
        .transpose()?;
    let req = AttachRequest {
        action,
        review,
        file_name: args.name,
        note: args.note,
    };
    let done = attach(&mut ledger, ctx.clock, &actor, source, req).map_err(cli_error)?;
    if !done.stored.new && args.format == Format::Table {
        line(
            ctx.err,
            format!(
                "note: this content is already in the store ({}); it is stored once",
                done.stored.sha256
            ),
        )?;
    }
    report_appended(ctx.out, ctx.err, &done.appended, args.format)?;
    Ok(Exit::Success)
}

fn evidence_dir(ctx: &Context<'_>) -> Result<PathBuf, CliError> {
    match Location::parse(ctx.ledger_path()) {
        Location::Dir(p) => Ok(p),
        Location::Export(p) => Err(CliError::Usage(format!(
            "{} is a .jsonl export: evidence files live in ledger directories (or in a folder written by `export --with-evidence`)",
            p.display()
        ))),
    }
}

#[derive(Serialize)]
struct ListRow<'a> {
    #[serde(flatten)]
    attachment: &'a Attachment,
    stored: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    redacted: Option<&'a crate::verify::evidence::RedactionInfo>,
}

fn list(mut args: ListArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    if let Some(typed) = &args.action {
        let plan = super::view::load_plan(ctx, None)?;
        args.action = Some(action_in(&plan, typed)?);
    }
    let ledger = ctx.open_for_read()?;
    let all = collect(&ledger)?;
    let store = match Location::parse(ctx.ledger_path()) {
        Location::Dir(p) => Some(EvidenceStore::new(&p)),
        Location::Export(_) => None,
    };
    let rows: Vec<ListRow<'_>> = all
        .attached
        .iter()
        .filter(|a| args.action.as_deref().is_none_or(|x| x == a.event.action))
        .map(|a| {
            let redacted = all.redacted.get(&a.event.sha256);
            let stored = match (&redacted, &store) {
                (Some(_), _) => "redacted",
                (None, None) => "not here (export)",
                (None, Some(s)) if s.contains(&a.event.sha256) => "yes",
                (None, Some(_)) => "MISSING",
            };
            ListRow {
                attachment: a,
                stored,
                redacted,
            }
        })
        .collect();
    match args.format {
        Format::Json => write_json(ctx.out, &rows)?,
        Format::Table => {
            if rows.is_empty() {
                let what = args
                    .action
                    .map_or("this ledger".to_string(), |a| escape_name(&a));
                line(ctx.out, format!("no evidence attached in {what}"))?;
                return Ok(Exit::Success);
            }
            let mut t = table(&[
                "seq", "action", "review", "file", "size", "type", "sha256", "stored",
            ]);
            for r in &rows {
                let e = &r.attachment.event;
                row(
                    &mut t,
                    [
                        r.attachment.seq.to_string(),
                        escape_name(&e.action),
                        e.review.as_deref().map(escape_name).unwrap_or_default(),
                        display_name(&e.file_name, 40),
                        format_size(e.size),
                        escape_name(&e.media_type),
                        e.sha256.chars().take(12).collect::<String>() + "…",
                        match r.redacted {
                            Some(x) => {
                                format!("redacted at {}: {}", x.seq, display_name(&x.reason, 40))
                            }
                            None => r.stored.to_string(),
                        },
                    ],
                );
            }
            line(ctx.out, t)?;
        }
    }
    Ok(Exit::Success)
}

fn find<'a>(all: &'a Attachments, sha: &str) -> Option<&'a Attachment> {
    all.attached.iter().find(|a| a.event.sha256 == sha)
}

fn get(mut args: GetArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let dir = evidence_dir(ctx)?;
    let ledger = ctx.open_for_read()?;
    let all = collect(&ledger)?;
    args.sha256 = super::short_hex::resolve(
        &args.sha256,
        all.attached.iter().map(|a| a.event.sha256.as_str()),
        "evidence SHA-256",
        "readiness evidence list",
    )?;
    let Some(att) = find(&all, &args.sha256) else {
        return Err(CliError::Usage(format!(
            "no evidence with SHA-256 {} is attached in this ledger",
            args.sha256
        )));
    };
    if let Some(r) = all.redacted.get(&args.sha256) {
        return Err(CliError::Usage(format!(
            "evidence {} (\"{}\") was redacted at entry {} by {} on {}: {}; its bytes are gone",
            args.sha256,
            display_name(&att.event.file_name, 80),
            r.seq,
            escape_name(&r.actor),
            r.recorded_at,
            escape_name(&r.reason)
        )));
    }
    let store = EvidenceStore::new(&dir);
    let path = store.dir().join(&args.sha256);
    let shown = path.display().to_string();
    // Re-hash before giving anything out.
    match hash_file(&path) {
        Ok((found, _)) if found == args.sha256 => {}
        Ok((found, _)) => {
            line(
                ctx.err,
                format!(
                    "FAILED: entry {}: evidence file {shown} was altered (SHA-256 now {found}); nothing was written",
                    att.seq
                ),
            )?;
            return Ok(Exit::VerificationFailed);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            line(
                ctx.err,
                format!(
                    "FAILED: entry {}: evidence file {shown} is missing; nothing was written",
                    att.seq
                ),
            )?;
            return Ok(Exit::VerificationFailed);
        }
        Err(source) => return Err(StoreError::Io { path, source }.into()),
    }
    let mut src = std::fs::File::open(&path).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    let (found, size) = match &args.out {
        None => copy_hashing(&mut src, ctx.out).map_err(CliError::Output)?,
        Some(out) => write_new(out, &mut src)?,
    };
    if found != args.sha256 {
        if let Some(out) = &args.out {
            let _ = std::fs::remove_file(out);
        }
        line(
            ctx.err,
            format!("FAILED: evidence file {shown} changed while it was read"),
        )?;
        return Ok(Exit::VerificationFailed);
    }
    if let Some(out) = &args.out {
        line(
            ctx.err,
            format!(
                "wrote {} (\"{}\", {}) to {}",
                args.sha256,
                display_name(&att.event.file_name, 80),
                format_size(size),
                out.display()
            ),
        )?;
    }
    Ok(Exit::Success)
}

/// Streams `src` into a new file at `out` (never overwriting), fsynced.
fn write_new(out: &Path, src: &mut std::fs::File) -> Result<(String, u64), CliError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CliError::Usage(format!(
                "{} already exists; choose another file name",
                out.display()
            )),
            _ => StoreError::Io {
                path: out.to_path_buf(),
                source: e,
            }
            .into(),
        })?;
    let io = |source| {
        CliError::Store(StoreError::Io {
            path: out.to_path_buf(),
            source,
        })
    };
    let result = copy_hashing(src, &mut file).and_then(|r| file.sync_all().map(|_| r));
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            let _ = std::fs::remove_file(out);
            Err(io(e))
        }
    }
}

fn redact(args: RedactArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let header = ledger.header()?;
    let command = super::names::resolve(
        &header,
        Command::RedactEvidence {
            sha256: args.sha256,
            reason: args.reason,
        },
    )?;
    let store = EvidenceStore::new(ledger.dir());
    let events = match header.decide_names(&command) {
        Ok(events) => events,
        Err(CommandError::AlreadyRedacted { sha256, seq, .. })
            // Already redacted: only finish removing the bytes if an earlier run was cut short.
            if store.remove(&sha256).map_err(cli_error)? =>
        {
            line(
                ctx.out,
                format!("removed the bytes of {sha256} (redacted at entry {seq})"),
            )?;
            return Ok(Exit::Success);
        }
        Err(e) => return Err(e.into()),
    };
    // The entry first, then the bytes: a crash in between leaves bytes that verify reports
    // and a second `redact` removes, never a missing file with no explanation.
    let appended = ledger.append(&actor, ctx.clock, events)?;
    if let Command::RedactEvidence { sha256, .. } = &command {
        store.remove(sha256).map_err(cli_error)?;
    }
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}
