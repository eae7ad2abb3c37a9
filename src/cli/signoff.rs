//! `readiness sign-off`: sign the status shown for an action at a review with a private key.

use std::path::PathBuf;

use crate::event::{Event, SignedOff};
use crate::plan::trust::{key_id, public_key, sign_signoff};

use super::key::read_key_file;
use super::names::{action_for_write, review_for_write};
use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Sign off the status shown for an action at a review.
///
/// Appends a `signed_off` event carrying the status as shown now, the key's id and role,
/// the ledger head it was signed at, and an Ed25519 signature over those fields and the
/// ledger's origin (FORMAT.md, "Sign-offs"). The key must be registered and not revoked.
/// The private key is read from FILE and never written anywhere.
///
/// Example:
///
///   readiness sign-off 1.1 --review "RAG November 20" --key chair.key --by chair@council
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action, e.g. "1.3A" (any case).
    pub action: String,
    /// The review whose status is signed: its label in any case or spacing, or a month or
    /// day ("Nov 2020", "30/11/2020") when one review falls in it.
    #[arg(long)]
    pub review: String,
    /// The private key file written by `readiness key new`.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// What the signer states, e.g. "Checked against the board minutes of 3 Dec".
    #[arg(long)]
    pub statement: Option<String>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Appends one `signed_off`.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let secret = read_key_file(&args.key, "private key")?;
    let public = public_key(&secret);
    let id = key_id(&public);
    let mut ledger = ctx.open_for_write(&args.who)?;
    let action_id = action_for_write(&ledger, &args.action)?;
    let plan = ledger.plan_with(&[&action_id])?;
    let Some(key) = plan.key(&id) else {
        return Err(CliError::Usage(format!(
            "the key in {} (id {id}) is not registered in this ledger; register its public key with `readiness key register`",
            args.key.display()
        )));
    };
    if let Some(seq) = key.revoked {
        return Err(CliError::Usage(format!(
            "the key in {} (id {id}) was revoked at entry {seq} and may no longer sign",
            args.key.display()
        )));
    }
    let role = key.role.clone();
    let review = review_for_write(&plan, &args.review)?;
    let Some(action) = plan.action(&action_id) else {
        return Err(CliError::Usage(format!(
            "there is no action {action_id:?} in this ledger"
        )));
    };
    let Some(record) = action.statuses.get(review.as_str()) else {
        return Err(CliError::Usage(format!(
            "action {action_id} has no status at review {review:?} to sign"
        )));
    };
    let Some((head_seq, head_hash)) = plan.head else {
        return Err(CliError::Usage("the ledger is empty".into()));
    };
    let mut event = SignedOff {
        action: action_id,
        review,
        status: record.status.to_string(),
        key_id: id,
        role,
        head_seq: head_seq.0,
        head_hash: head_hash.to_hex(),
        statement: args.statement.filter(|s| !s.trim().is_empty()),
        signature: String::new(),
        version: crate::event::SIGNED_OFF_VERSION,
    };
    sign_signoff(&secret, &plan.origin, &mut event);
    let appended = ledger.append(&actor, ctx.clock, vec![Event::SignedOff(event)])?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}
