//! `readiness key`: make, register, revoke and list the Ed25519 keys that sign off statuses.
//!
//! The private key stays in a file of its own (mode 0600); only the public key and its id
//! ever enter the ledger.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::plan::decide::Command;
use crate::plan::trust::{hex_bytes, key_id};
use crate::store::execute::ExecuteCommands;

use super::output::{line, report_appended, row, table, write_json, Format};
use super::{CliError, Context, Exit, Who};

/// Make, register, revoke and list signing keys.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    New(NewArgs),
    Register(RegisterArgs),
    Revoke(RevokeArgs),
    List(ListArgs),
}

/// Make a new Ed25519 key pair: the private key in FILE (mode 0600), the public in FILE.pub.
///
/// Nothing is written to the ledger and no file is overwritten. Keep FILE private; give
/// FILE.pub to whoever registers the key with `readiness key register`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness key new \"Board chair\" --out chair.key")]
pub struct NewArgs {
    /// Who will hold the key, e.g. "Director of Children's Services" (written as a comment).
    pub name: String,
    /// Where to write the private key; the public key goes to FILE.pub.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Register a public key so sign-offs by its holder can be checked.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness key register \"Board chair\" --public chair.key.pub --role \"SEND board chair\"")]
pub struct RegisterArgs {
    /// Who holds the key.
    pub name: String,
    /// The public key file written by `readiness key new` (FILE.pub).
    #[arg(long, value_name = "FILE")]
    pub public: PathBuf,
    /// The role the key signs in, e.g. "SEND board chair".
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Revoke a key: it may no longer sign; its earlier sign-offs stay valid.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness key revoke fefa86dc70df6ee6230937b082c77c2d38ef34162f8c1c1cdc91edf932cb9e7d --reason \"stood down from the board\"")]
pub struct RevokeArgs {
    /// The key id as `readiness key list` shows it (64 hex digits), or the short form
    /// other output prints (16 digits; any 6 or more that fit one key).
    pub key_id: String,
    /// Why the key is revoked.
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// List the registered keys: holder, role, key id, when registered and whether revoked.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness key list")]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs a `key` subcommand.
pub fn run(cmd: KeyCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    match cmd {
        KeyCommand::New(args) => new(args, ctx),
        KeyCommand::Register(args) => register(args, ctx),
        KeyCommand::Revoke(args) => revoke(args, ctx),
        KeyCommand::List(args) => list(args, ctx),
    }
}

pub(crate) use crate::hex::encode as hex;

/// A name as a one-line comment: control characters (newlines too) are escaped.
fn comment_name(name: &str) -> String {
    name.chars().flat_map(char::escape_debug).collect()
}

/// FILE.pub next to FILE.
pub fn public_path(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

fn write_new(path: &Path, mode: u32, text: &str) -> Result<(), CliError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| {
            CliError::Usage(if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{} already exists; key files are never overwritten",
                    path.display()
                )
            } else {
                format!("cannot create {}: {e}", path.display())
            })
        })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))
}

fn new(args: NewArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let (public, pub_path) = write_key_pair(&args.name, &args.out)?;
    line(
        ctx.out,
        format!("private key: {} (mode 0600)", args.out.display()),
    )?;
    line(ctx.out, format!("public key:  {}", pub_path.display()))?;
    line(ctx.out, format!("key id:      {}", key_id(&public)))?;
    line(
        ctx.out,
        "(the key id is the SHA-256 of the public key; the .pub file holds the key itself, \
         and names its id in a comment)",
    )?;
    Ok(Exit::Success)
}

/// Makes a new Ed25519 key pair: the private seed in `out` (mode 0600), the public key in
/// `out.pub`. Nothing is overwritten. Returns the public key and the `.pub` path.
pub fn write_key_pair(name: &str, out: &Path) -> Result<([u8; 32], PathBuf), CliError> {
    if name.trim().is_empty() {
        return Err(CliError::Usage("the key's holder name is empty".into()));
    }
    let pub_path = public_path(out);
    for p in [out, pub_path.as_path()] {
        if p.symlink_metadata().is_ok() {
            return Err(CliError::Usage(format!(
                "{} already exists; key files are never overwritten",
                p.display()
            )));
        }
    }
    let signing = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    let public = signing.verifying_key().to_bytes();
    let name = comment_name(name);
    write_new(
        out,
        0o600,
        &format!(
            "# readiness Ed25519 private key (seed) for {name}\n# keep this file secret; register {} instead\n{}\n",
            pub_path.display(),
            hex(&signing.to_bytes())
        ),
    )?;
    if let Err(e) = write_new(
        &pub_path,
        0o644,
        &format!(
            "# readiness Ed25519 public key for {name}\n\
             # its key id (the SHA-256 of this key, as `readiness key list` shows it): {}\n{}\n",
            key_id(&public),
            hex(&public)
        ),
    ) {
        // Leave no half pair behind: the private key alone is of no use.
        let _ = std::fs::remove_file(out);
        return Err(e);
    }
    Ok((public, pub_path))
}

/// Reads a key file: `#` comment lines and blank lines, then one line of 64 hex digits.
pub fn read_key_file(path: &Path, what: &str) -> Result<[u8; 32], CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))?;
    if meta.len() > 64 * 1024 {
        return Err(CliError::Usage(format!(
            "{} is too large to be a {what} file",
            path.display()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::Usage(format!(
            "{} is not a {what} file (not UTF-8 text)",
            path.display()
        ))
    })?;
    let mut keys = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((number, hex_line)) = keys.next() else {
        return Err(CliError::Usage(format!(
            "{} holds no key (expected a line of 64 hex digits)",
            path.display()
        )));
    };
    if let Some((extra, _)) = keys.next() {
        return Err(CliError::Usage(format!(
            "{}, line {extra}: unexpected text after the key on line {number}",
            path.display()
        )));
    }
    hex_bytes::<32>(&hex_line.to_ascii_lowercase()).ok_or_else(|| {
        CliError::Usage(format!(
            "{}, line {number}: not a {what} (expected 64 hex digits)",
            path.display()
        ))
    })
}

fn register(args: RegisterArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let public = read_key_file(&args.public, "public key")?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let command = Command::RegisterKey {
        name: args.name,
        public: hex(&public),
        role: args.role,
    };
    let appended = ledger.execute(&actor, ctx.clock, &command)?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}

fn revoke(args: RevokeArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let command = super::names::resolve(
        &ledger.header()?,
        Command::RevokeKey {
            key_id: args.key_id,
            reason: args.reason,
        },
    )?;
    let appended = ledger.execute(&actor, ctx.clock, &command)?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}

#[derive(Serialize)]
struct KeyRow<'a> {
    name: &'a str,
    role: &'a str,
    key_id: &'a str,
    public_key: &'a str,
    registered: u64,
    revoked: Option<u64>,
}

fn list(args: ListArgs, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let source = ctx.open_for_read()?;
    let plan = crate::verify::replay(&source)?;
    let mut keys: Vec<_> = plan.keys.values().collect();
    keys.sort_by_key(|k| k.registered);
    let rows: Vec<KeyRow> = keys
        .iter()
        .map(|k| KeyRow {
            name: &k.name,
            role: &k.role,
            key_id: &k.key_id,
            public_key: &k.public_key,
            registered: k.registered.0,
            revoked: k.revoked.map(|s| s.0),
        })
        .collect();
    match args.format {
        Format::Json => write_json(ctx.out, &rows)?,
        Format::Table => {
            if rows.is_empty() {
                line(ctx.out, "no keys are registered")?;
            } else {
                let mut t = table(&["name", "role", "key id", "registered", "revoked"]);
                for r in &rows {
                    row(
                        &mut t,
                        [
                            r.name.to_string(),
                            r.role.to_string(),
                            r.key_id.to_string(),
                            format!("entry {}", r.registered),
                            r.revoked.map_or("no".into(), |s| format!("entry {s}")),
                        ],
                    );
                }
                line(ctx.out, t)?;
            }
        }
    }
    Ok(Exit::Success)
}
