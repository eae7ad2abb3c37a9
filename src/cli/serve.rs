//! `readiness serve` and `readiness token`: the shared service and who may use it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::server::tokens::{Role, TokenStore};
use crate::server::{serve, ServeConfig, TlsFiles};

use super::{CliError, Context, Exit};

/// The token file's name, beside the ledger (or in the --root folder).
const TOKEN_FILE: &str = "readiness-tokens.json";

/// Serve the plan (or every plan under --root) over HTTP, as JSON under /api/v1.
///
/// Every request carries `Authorization: Bearer TOKEN` (tokens from `readiness token add`;
/// a token's name is the actor recorded for its writes). Writes from many clients queue to
/// one writer per ledger and are group-committed: one fsync for everything waiting, each
/// request answered once its entries are durable. Listens on 127.0.0.1:8080 by default;
/// serves HTTPS with --tls-cert and --tls-key (rustls); a non-loopback address without TLS
/// is refused unless --insecure-http (for a TLS reverse proxy in front). SIGTERM or Ctrl-C
/// stops it after requests in flight.
///
/// The dashboard is at /; the API is JSON under /api/v1/plans/{plan} (views, entries, proofs,
/// evidence, and a POST for every write, each with an optional "if_head": 409 when the head
/// moved); admins manage tokens under /api/v1/tokens. GET /openapi.json lists every route
/// with the role it needs; GET /healthz is for monitors. Errors are application/problem+json:
/// 400 bad input, 401 no or unknown token, 403 role not allowed, 404 unknown plan, action or
/// review, 409 head moved, 413 too large.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness serve --ledger york
  readiness serve --root ledgers --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem")]
pub struct Args {
    /// Serve every ledger directory under DIR, each a plan named by its folder (instead of
    /// the one --ledger names).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow a non-loopback address without TLS (only behind a TLS reverse proxy).
    #[arg(long)]
    pub insecure_http: bool,
    /// Let anonymous requests read the plan (without notes), matrix, head, checkpoint and
    /// proofs (never notes, raw entries, evidence or the report).
    #[arg(long)]
    pub public: bool,
    /// The token file (default: readiness-tokens.json beside the ledger, or in --root).
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Connections served at once; more wait (up to 30 seconds) for one to close.
    #[arg(long, value_name = "N", default_value_t = crate::server::limits::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers; a connection idle that long
    /// between requests is closed too.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::server::limits::HEADER_TIMEOUT.as_secs())]
    pub header_timeout: u64,
    /// The largest evidence file one upload may carry ("100M", "1G"); uploads are
    /// streamed to disk, never held in memory.
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = upload_size)]
    pub max_upload: u64,
}

fn upload_size(s: &str) -> Result<u64, String> {
    crate::store::evidence::parse_size(s)
}

/// Manage the tokens `readiness serve` accepts.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    Add(TokenAddArgs),
    /// List the tokens: name, role and plan (never the token).
    #[command(after_help = "Examples:
  readiness token list")]
    List(TokenFileArgs),
    Revoke(TokenRevokeArgs),
}

/// Make a token: it is printed once and only its SHA-256 is kept.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness token add chair --role signer
  readiness token add board --role viewer")]
pub struct TokenAddArgs {
    /// The token's name: the actor recorded for every write made with it.
    pub name: String,
    /// viewer reads; officer also writes statuses, reviews, withdrawals; signer also signs
    /// off; admin also manages areas, actions, keys and tokens.
    #[arg(long, value_enum)]
    pub role: Role,
    /// The one plan (folder name under --root) it is for; default: every plan served.
    #[arg(long)]
    pub plan: Option<String>,
    #[command(flatten)]
    pub file: TokenFileArgs,
}

/// Revoke a token by name; it stops working at once, even on a running server.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness token revoke board")]
pub struct TokenRevokeArgs {
    pub name: String,
    #[command(flatten)]
    pub file: TokenFileArgs,
}

/// Where the token file is.
#[derive(Debug, clap::Args)]
pub struct TokenFileArgs {
    /// The folder `serve --root` serves (its token file is inside it).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The token file itself.
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
}

/// The token file for `root` or, without one, beside the ledger `ledger`.
fn token_file(given: Option<&Path>, root: Option<&Path>, ledger: &Path) -> PathBuf {
    if let Some(t) = given {
        return t.to_path_buf();
    }
    match root {
        Some(r) => r.join(TOKEN_FILE),
        None => {
            let parent = ledger.parent().filter(|p| !p.as_os_str().is_empty());
            parent.unwrap_or(Path::new(".")).join(TOKEN_FILE)
        }
    }
}

fn now(ctx: &Context<'_>) -> String {
    ctx.clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Runs a token subcommand.
pub fn token(cmd: TokenCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let usage = |e: crate::server::tokens::TokenError| CliError::Usage(e.to_string());
    match cmd {
        TokenCommand::Add(a) => {
            let path = token_file(
                a.file.tokens.as_deref(),
                a.file.root.as_deref(),
                &ctx.ledger,
            );
            let at = now(ctx);
            let token = TokenStore::update(&path, |store| store.add(&a.name, a.role, a.plan, &at))
                .map_err(usage)?;
            writeln!(ctx.out, "{token}").map_err(CliError::Output)?;
            writeln!(
                ctx.err,
                "token {:?} ({}) saved to {}; this is the only time it is shown",
                a.name,
                a.role.as_str(),
                path.display()
            )
            .map_err(CliError::Output)?;
        }
        TokenCommand::List(f) => {
            let path = token_file(f.tokens.as_deref(), f.root.as_deref(), &ctx.ledger);
            let store = TokenStore::load(&path).map_err(usage)?;
            for t in &store.tokens {
                let state = match &t.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "live".to_string(),
                };
                let plan = t.plan.as_deref().unwrap_or("every plan");
                writeln!(
                    ctx.out,
                    "{}\t{}\t{plan}\tmade {}\t{state}",
                    t.name,
                    t.role.as_str(),
                    t.created_at
                )
                .map_err(CliError::Output)?;
            }
        }
        TokenCommand::Revoke(r) => {
            let path = token_file(
                r.file.tokens.as_deref(),
                r.file.root.as_deref(),
                &ctx.ledger,
            );
            let at = now(ctx);
            TokenStore::update(&path, |store| store.revoke(&r.name, &at)).map_err(usage)?;
            writeln!(ctx.out, "revoked {}", r.name).map_err(CliError::Output)?;
        }
    }
    Ok(Exit::Success)
}

/// The plans to serve: the one ledger, or every ledger directory under `root`.
fn plans(root: Option<&Path>, ledger: &Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    let is_ledger = |d: &Path| d.join(crate::store::log::LOG_FILE).is_file();
    let Some(root) = root else {
        if !is_ledger(ledger) {
            return Err(CliError::Usage(format!(
                "{} is not a ledger directory: give --ledger DIR (or --root DIR for many)",
                ledger.display()
            )));
        }
        let name = ledger
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "plan".into());
        return Ok(vec![(name, ledger.to_path_buf())]);
    };
    let entries = std::fs::read_dir(root)
        .map_err(|e| CliError::Usage(format!("--root {}: {e}", root.display())))?;
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_ledger(p))
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p)))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(CliError::Usage(format!(
            "--root {}: no ledger directory in it (a folder holding entries.jsonl)",
            root.display()
        )));
    }
    Ok(found)
}

/// Runs the server until it is stopped.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    if args.max_connections == 0 || args.header_timeout == 0 {
        return Err(CliError::Usage(
            "--max-connections and --header-timeout must be at least 1".into(),
        ));
    }
    if !args.listen.ip().is_loopback() && tls.is_none() && !args.insecure_http {
        return Err(CliError::Usage(format!(
            "{} is not a loopback address: serve HTTPS with --tls-cert FILE --tls-key FILE, or plain HTTP behind a TLS reverse proxy with --insecure-http",
            args.listen
        )));
    }
    let plans = plans(args.root.as_deref(), &ctx.ledger)?;
    let tokens = token_file(args.tokens.as_deref(), args.root.as_deref(), &ctx.ledger);
    TokenStore::load(&tokens).map_err(|e| CliError::Usage(e.to_string()))?;
    let names: Vec<&str> = plans.iter().map(|(n, _)| n.as_str()).collect();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let summary = format!("{} ({})", names.join(", "), tokens.display());
    let config = ServeConfig {
        plans,
        listen: args.listen,
        tokens,
        public: args.public,
        tls,
        max_connections: args.max_connections,
        header_timeout: std::time::Duration::from_secs(args.header_timeout),
        max_upload: args.max_upload,
    };
    // Request logs go to stderr, one line each, after the "serving ..." line. A thread of
    // their own writes them, as many as have come in one write: a write to stderr per
    // request, on the threads answering requests, cost a write of status a tenth of its
    // time under load (BENCHMARKS.md). The guard writes what is left when the server stops.
    let (log_writer, _log_guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("readiness-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let _ = tracing_subscriber::fmt()
        .with_writer(log_writer)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the server's runtime: {e}")))?;
    let err = &mut *ctx.err;
    runtime
        .block_on(serve(config, |addr| {
            let _ = writeln!(err, "serving {summary} on {scheme}://{addr}");
            let _ = err.flush();
        }))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(Exit::Success)
}
