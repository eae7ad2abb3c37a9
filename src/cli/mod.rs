//! The `readiness` command line: argument types, dispatch and exit codes.
//!
//! Each command lives in its own file with an `Args` struct (its doc comment is the help)
//! and a `run` function, so tests can call commands without spawning the binary.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::store::{DirLedger, Location, ReadLedger, StoreError};

pub mod action;
pub mod actors;
pub mod area;
pub mod check;
pub mod checkpoint;
pub mod completions;
pub mod correct;
pub mod diff;
pub mod error;
pub mod evidence;
pub mod export;
pub mod head;
pub mod help;
pub mod history;
pub mod http_client;
pub mod import;
pub mod init;
pub mod key;
pub mod log;
pub mod man;
pub mod matrix;
pub mod names;
pub mod output;
pub mod plan;
pub mod prove;
pub mod reindex;
pub mod repair;
pub mod report;
pub mod restore;
pub mod review;
pub mod serve;
pub mod short_hex;
pub mod signoff;
pub mod snapshot;
pub mod status;
pub mod topics;
pub mod verify;
pub mod verify_proof;
pub mod view;

pub use error::{CliError, Exit};

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  verification failed (the ledger, or an --expect'ed entry, does not check out)
  2  bad input or usage (also: --if-head no longer the head, another writer still
     busy, an unfinished tail for `readiness repair`): nothing was written
  3  `check` found readiness gaps
  4  the ledger could not be read or written (I/O or index failure)

Environment:
  READINESS_LEDGER  the ledger to use when --ledger is not given (default ./ledger)
  READINESS_ACTOR   who is making changes when --by is not given
  READINESS_LOCK_WAIT  seconds a write waits for another writer (default 30)
  READINESS_TOKEN   the signer's token for `sign-off --remote`

Concepts (readiness help TOPIC):
  reviews      review points, and naming one with --as-of, --from, --to and --review
  clocks       the two clocks: the review a status is for, and when the ledger learned it
  corrections  fixing a mistake without editing anything
  evidence     evidence files: attached once, named by SHA-256, redacted lawfully
  sign-offs    signing keys, and signing off the status shown for an action
  proofs       heads, checkpoints and Merkle proofs

Examples (a new plan, by hand; `readiness import` reads a published one):
  readiness init --title \"SEND Written Statement of Action\" --by plan.officer
  readiness area add 1 --title \"Leadership and Governance\" --by plan.officer
  readiness action add 1.1 --area 1 --action \"Produce the WSoA\" --by plan.officer
  readiness review add \"RAG November 20\" --date 2020-11-30 --by plan.officer
  readiness status 1.1 Completed --review \"RAG November 20\" --by lead@council
  readiness verify";

/// An append-only, hash-chained audit ledger for inspection action plans.
///
/// Every change to the plan (statuses at each review, amendments, new actions) is an
/// entry appended to a hash-chained log; nothing is edited in place. `verify` proves the
/// history is intact and `head` prints the value a board minutes at each meeting.
#[derive(Debug, Parser)]
#[command(
    name = "readiness",
    version,
    after_help = AFTER_HELP,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The ledger: a directory, or a `.jsonl` export (read-only).
    // Listed after each command's own options: most people set READINESS_LEDGER once.
    #[arg(
        long,
        global = true,
        env = "READINESS_LEDGER",
        default_value = "ledger",
        display_order = 900
    )]
    pub ledger: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::Args),
    #[command(subcommand)]
    Area(area::AreaCommand),
    #[command(subcommand)]
    Action(action::ActionCommand),
    #[command(subcommand)]
    Review(review::ReviewCommand),
    Status(status::Args),
    Correct(correct::Args),
    Import(import::Args),
    Plan(plan::Args),
    Matrix(matrix::Args),
    History(history::Args),
    Diff(diff::Args),
    Report(report::Args),
    Check(check::Args),
    Snapshot(snapshot::Args),
    Log(log::Args),
    Actors(actors::Args),
    Verify(verify::Args),
    Head(head::Args),
    Export(export::Args),
    Restore(restore::Args),
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    Reindex(reindex::Args),
    Repair(repair::Args),
    Completions(completions::Args),
    #[command(subcommand)]
    Key(key::KeyCommand),
    #[command(name = "sign-off")]
    SignOff(signoff::Args),
    Checkpoint(checkpoint::Args),
    #[command(subcommand)]
    Prove(prove::ProveCommand),
    VerifyProof(verify_proof::Args),
    Serve(serve::Args),
    #[command(subcommand)]
    Token(serve::TokenCommand),
    Help(help::Args),
    Man(man::Args),
}

/// Who is making a change, and the head it expects: every command that writes takes them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Who {
    /// Who is making the change (recorded in every entry written).
    #[arg(long = "by", env = "READINESS_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
    /// Write only if the ledger's head is still entry SEQ (0: empty); otherwise exit 2 and
    /// write nothing. Makes a retried script safe: `readiness head` first, then this.
    #[arg(long = "if-head", value_name = "SEQ", display_order = 901)]
    pub if_head: Option<u64>,
}

impl Who {
    /// The actor, or a usage error saying how to give one.
    pub fn require(&self) -> Result<String, CliError> {
        match self.actor.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => Ok(a.to_string()),
            _ => Err(CliError::Usage(
                "who is making this change? Give --by NAME or set READINESS_ACTOR".into(),
            )),
        }
    }
}

/// What a command needs from the world: where, who, when, and where to write.
pub struct Context<'a> {
    pub ledger: PathBuf,
    pub clock: &'a dyn Clock,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

impl Context<'_> {
    /// Opens the ledger directory for writing (waiting for another writer, and saying so
    /// after a second), prints any repairs made on open, and checks `--if-head`.
    pub fn open_for_write(&mut self, who: &Who) -> Result<DirLedger, CliError> {
        let dir = self.write_dir()?;
        let err = &mut *self.err;
        let mut ledger = DirLedger::open(&dir, &mut || waiting(err, &dir))?;
        self.warn_all(ledger.take_warnings())?;
        ledger.require_head(who.if_head)?;
        Ok(ledger)
    }

    /// The ledger directory to write to (an export is read-only).
    pub fn write_dir(&self) -> Result<PathBuf, CliError> {
        match Location::parse(&self.ledger) {
            Location::Export(p) => Err(StoreError::ReadOnly(p).into()),
            Location::Dir(p) => Ok(p),
        }
    }

    /// Opens the ledger (directory or export) for reading, without any lock.
    pub fn open_for_read(&mut self) -> Result<ReadLedger, CliError> {
        let mut ledger = ReadLedger::open(&Location::parse(&self.ledger))?;
        self.warn_all(ledger.take_warnings())?;
        Ok(ledger)
    }

    /// Prints warnings to stderr, control characters shown as escapes.
    pub fn warn_all(&mut self, warnings: Vec<String>) -> Result<(), CliError> {
        for w in warnings {
            output::warning(self.err, w).map_err(CliError::Output)?;
        }
        Ok(())
    }

    /// The ledger path as given, for messages.
    pub fn ledger_path(&self) -> &Path {
        &self.ledger
    }
}

/// Says, once a writer has waited a second, what it is waiting for.
pub(crate) fn waiting(err: &mut dyn Write, dir: &Path) {
    let _ = writeln!(
        err,
        "waiting for another readiness process to finish writing to {} ...",
        dir.display()
    );
}

/// Runs a parsed command line.
pub fn run(
    cli: Cli,
    clock: &dyn Clock,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, CliError> {
    view::refuse_wsoa(&cli.command)?;
    let mut ctx = Context {
        ledger: cli.ledger,
        clock,
        out,
        err,
    };
    match cli.command {
        Command::Init(args) => init::run(args, &mut ctx),
        Command::Area(cmd) => area::run(cmd, &mut ctx),
        Command::Action(cmd) => action::run(cmd, &mut ctx),
        Command::Review(cmd) => review::run(cmd, &mut ctx),
        Command::Status(args) => status::run(args, &mut ctx),
        Command::Correct(args) => correct::run(args, &mut ctx),
        Command::Import(args) => import::run(args, &mut ctx),
        Command::Plan(args) => plan::run(args, &mut ctx),
        Command::Matrix(args) => matrix::run(args, &mut ctx),
        Command::History(args) => history::run(args, &mut ctx),
        Command::Diff(args) => diff::run(args, &mut ctx),
        Command::Report(args) => report::run(args, &mut ctx),
        Command::Check(args) => check::run(args, &mut ctx),
        Command::Snapshot(args) => snapshot::run(args, &mut ctx),
        Command::Log(args) => log::run(args, &mut ctx),
        Command::Actors(args) => actors::run(args, &mut ctx),
        Command::Verify(args) => verify::run(args, &mut ctx),
        Command::Head(args) => head::run(args, &mut ctx),
        Command::Export(args) => export::run(args, &mut ctx),
        Command::Restore(args) => restore::run(args, &mut ctx),
        Command::Evidence(cmd) => evidence::run(cmd, &mut ctx),
        Command::Reindex(args) => reindex::run(args, &mut ctx),
        Command::Repair(args) => repair::run(args, &mut ctx),
        Command::Completions(args) => completions::run(args, &mut ctx),
        Command::Serve(args) => serve::run(args, &mut ctx),
        Command::Token(cmd) => serve::token(cmd, &mut ctx),
        Command::Key(cmd) => key::run(cmd, &mut ctx),
        Command::SignOff(args) => signoff::run(args, &mut ctx),
        Command::Checkpoint(args) => checkpoint::run(args, &mut ctx),
        Command::Prove(cmd) => prove::run(cmd, &mut ctx),
        Command::VerifyProof(args) => verify_proof::run(args, &mut ctx),
        Command::Help(args) => help::run(args, &mut ctx),
        Command::Man(args) => man::run(args, &mut ctx),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn top_level_help_lists_every_topic() {
        let help = super::Cli::command().render_long_help().to_string();
        for topic in super::topics::TOPICS {
            assert!(
                help.contains(&format!("\n  {:<12} ", topic.name)),
                "{}",
                topic.name
            );
        }
    }
}
