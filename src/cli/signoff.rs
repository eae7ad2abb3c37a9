//! `readiness sign-off`: sign the status shown for an action at a review with a private key.

use std::path::PathBuf;

use crate::event::Event;
use crate::plan::sign_off_draft::DraftError;
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
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness sign-off 1.3B --review \"RAG February 21\" --key chair.key --by chair@york.example")]
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
    /// Sign for a plan served by `readiness serve` at this URL (e.g.
    /// http://127.0.0.1:8080/api/v1/plans/york) instead of a local ledger: the draft is
    /// fetched, signed here, and posted; the private key never leaves this machine.
    #[arg(long, value_name = "URL")]
    pub remote: Option<String>,
    /// The signer's token for --remote (from `readiness token add NAME --role signer`).
    #[arg(long, env = "READINESS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Appends one `signed_off`.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    if let Some(url) = args.remote.clone() {
        return remote(args, &url, ctx);
    }
    let actor = args.who.require()?;
    let secret = read_key_file(&args.key, "private key")?;
    let public = public_key(&secret);
    let id = key_id(&public);
    let mut ledger = ctx.open_for_write(&args.who)?;
    let action_id = action_for_write(&mut ledger, &args.action)?;
    let plan = ledger.plan_with(&[&action_id])?;
    let review = review_for_write(&plan, &args.review)?;
    let mut event = plan
        .sign_off_draft(&action_id, &review, &id, args.statement)
        .map_err(|e| match e {
            DraftError::Unregistered(_) | DraftError::Revoked { .. } => {
                CliError::Usage(format!("the key in {}: {e}", args.key.display()))
            }
            other => CliError::Usage(other.to_string()),
        })?;
    sign_signoff(&secret, &plan.origin, &mut event);
    let appended = ledger.append(&actor, ctx.clock, vec![Event::SignedOff(event)])?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}

/// `--remote`: fetch the draft, show it, sign it here, post it.
fn remote(args: Args, url: &str, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    use super::http_client::{encode, problem, request, split_url};
    let token = args.token.clone().ok_or_else(|| {
        CliError::Usage(
            "--remote needs the signer's token: --token TOKEN or READINESS_TOKEN".into(),
        )
    })?;
    let secret = read_key_file(&args.key, "private key")?;
    let id = key_id(&public_key(&secret));
    let (host, base) = split_url(url)?;
    let mut query = format!(
        "action={}&review={}&key_id={id}",
        encode(&args.action),
        encode(&args.review)
    );
    if let Some(s) = &args.statement {
        query.push_str(&format!("&statement={}", encode(s)));
    }
    let (code, body) = request(
        &host,
        "GET",
        &format!("{base}/sign-offs/draft?{query}"),
        &token,
        None,
    )?;
    if code != 200 {
        return Err(CliError::Usage(format!(
            "{url}: {} ({code})",
            problem(&body)
        )));
    }
    let draft: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| CliError::Usage(format!("{url}: the draft is not JSON: {e}")))?;
    let origin = draft["origin"].as_str().unwrap_or_default().to_string();
    let mut event: crate::event::SignedOff = serde_json::from_value(draft["sign_off"].clone())
        .map_err(|e| CliError::Usage(format!("{url}: the draft is not a sign-off: {e}")))?;
    event.version = crate::event::SIGNED_OFF_VERSION;
    writeln!(
        ctx.err,
        "signing for {origin}: {} at {} is {:?}, as {} with key {}, at head {} {}",
        event.action,
        event.review,
        event.status,
        event.role,
        event.key_id,
        event.head_seq,
        event.head_hash
    )
    .map_err(CliError::Output)?;
    sign_signoff(&secret, &origin, &mut event);
    let body =
        serde_json::to_string(&event).map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    let (code, answer) = request(
        &host,
        "POST",
        &format!("{base}/sign-offs"),
        &token,
        Some(&body),
    )?;
    if code != 201 {
        return Err(CliError::Usage(format!(
            "{url}: {} ({code})",
            problem(&answer)
        )));
    }
    let written: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
    for e in written["entries"].as_array().into_iter().flatten() {
        writeln!(
            ctx.out,
            "appended {} {}",
            e["seq"],
            e["hash"].as_str().unwrap_or_default()
        )
        .map_err(CliError::Output)?;
    }
    Ok(Exit::Success)
}
