//! `readiness serve`: one always-on service for the officers, board and inspectors of one
//! plan or of every ledger under a folder, on the library's views and the store's single
//! writer (see the server issue for what is still to come: TLS, SSE, evidence, proofs).

pub mod access_log;
pub mod admin;
pub mod api;
pub mod board;
pub mod connections;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod limits;
pub mod openapi;
pub mod plan_cache;
pub mod proofs;
pub mod sign_offs;
pub mod stream;
pub mod tokens;
pub mod view_cache;
pub mod writer;
pub mod writes;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use error::ApiError;

/// One served plan: its ledger directory and its writer.
pub struct Served {
    pub dir: PathBuf,
    pub writer: writer::Writer,
    /// The plan at the head, for views without `known_at`.
    pub cache: Arc<plan_cache::PlanCache>,
    /// Views rendered from the plan at the head.
    pub views: view_cache::ViewCache,
}

/// What every request sees.
pub struct AppState {
    pub plans: BTreeMap<String, Served>,
    /// The token file, read on each request so that a revocation holds at once.
    pub tokens: PathBuf,
    /// The token file as last read (read again when it changes).
    pub token_cache: tokens::TokenCache,
    /// Anonymous requests may read views.
    pub public: bool,
    /// The server itself answers HTTPS (behind a proxy, `X-Forwarded-Proto` says instead).
    pub tls: bool,
    /// "Today", for views without `as_of` and for changes that hold from the next review.
    pub clock: Arc<dyn crate::clock::Clock + Send + Sync>,
    /// Turns true when the server is stopping: open event streams end so it can.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Permits for requests answered at once ([`limits::MAX_IN_FLIGHT`]).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// The dashboard's signed-in browsers.
    pub sessions: crate::web::session::Sessions,
    /// The largest evidence file accepted in one upload, in bytes (`--max-upload`).
    pub max_upload: u64,
    /// The dashboard's background verifications, one per plan at a time.
    pub verify_jobs: crate::web::verify_job::VerifyJobs,
}

/// What to serve, and where.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Plan name and ledger directory, for each plan served.
    pub plans: Vec<(String, PathBuf)>,
    pub listen: SocketAddr,
    pub tokens: PathBuf,
    pub public: bool,
    /// Serve HTTPS with this certificate chain and private key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Connections served at once; more wait for one to close.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (and an idle connection may
    /// stay open) before it is closed.
    pub header_timeout: std::time::Duration,
    /// The largest evidence file accepted in one upload, in bytes.
    pub max_upload: u64,
}

/// The PEM files of a TLS certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("TLS certificate {cert} with key {key}: {source} (both must be PEM files: the certificate chain, and its private key)")]
    Tls {
        cert: PathBuf,
        key: PathBuf,
        source: std::io::Error,
    },
}

/// The routes, on `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .route("/api/v1/plans", get(api::list_plans))
        .route("/api/v1/plans/{plan}/plan", get(api::plan_view))
        .route("/api/v1/plans/{plan}/matrix", get(api::matrix_view))
        .route("/api/v1/plans/{plan}/head", get(api::head))
        .route("/api/v1/plans/{plan}/checkpoint", get(proofs::checkpoint))
        .route(
            "/api/v1/plans/{plan}/sign-offs/draft",
            get(sign_offs::draft),
        )
        .route("/api/v1/plans/{plan}/sign-offs", post(sign_offs::post))
        .route("/api/v1/plans/{plan}/evidence/{sha256}", get(evidence::get))
        .route("/api/v1/plans/{plan}/evidence", post(evidence::post))
        .route(
            "/api/v1/plans/{plan}/proofs/inclusion/{seq}",
            get(proofs::inclusion),
        )
        .route(
            "/api/v1/plans/{plan}/proofs/consistency",
            get(proofs::consistency),
        )
        .route("/api/v1/plans/{plan}/entries", get(api::entries))
        .route(
            "/api/v1/plans/{plan}/entries/stream",
            get(stream::entries_stream),
        )
        .route("/api/v1/plans/{plan}/history/{action}", get(board::history))
        .route("/api/v1/plans/{plan}/diff", get(board::diff))
        .route("/api/v1/plans/{plan}/log", get(board::log))
        .route("/api/v1/plans/{plan}/actors", get(board::actors))
        .route("/api/v1/plans/{plan}/check", get(board::check))
        .route("/api/v1/plans/{plan}/report", get(board::report))
        .route("/api/v1/plans/{plan}/verify", get(board::verify_now))
        .route("/api/v1/plans/{plan}/status", post(api::post_status))
        .route("/api/v1/plans/{plan}/reviews", post(api::post_review))
        .route(
            "/api/v1/plans/{plan}/withdrawals",
            post(api::post_withdrawal),
        )
        .route(
            "/api/v1/plans/{plan}/amendments",
            post(writes::post_amendment),
        )
        .route(
            "/api/v1/plans/{plan}/corrections",
            post(writes::post_correction),
        )
        .route("/api/v1/plans/{plan}/actions", post(writes::post_action))
        .route("/api/v1/plans/{plan}/areas", post(writes::post_area))
        .merge(admin::routes())
        .merge(crate::web::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::guard,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(limits::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access_log::log,
        ))
        .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C; requests in flight (and their commits) finish first.
/// `ready` is told the address actually bound (useful with port 0).
pub async fn serve(config: ServeConfig, ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let plans = config
        .plans
        .into_iter()
        .map(|(name, dir)| {
            let cache = Arc::new(plan_cache::PlanCache::default());
            let writer = writer::Writer::spawn(dir.clone(), cache.clone());
            (
                name,
                Served {
                    dir,
                    writer,
                    cache,
                    views: Default::default(),
                },
            )
        })
        .collect();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let state = Arc::new(AppState {
        plans,
        tokens: config.tokens,
        token_cache: tokens::TokenCache::default(),
        public: config.public,
        tls: config.tls.is_some(),
        clock: Arc::new(crate::clock::SystemClock),
        stopping,
        in_flight: Arc::new(tokio::sync::Semaphore::new(limits::MAX_IN_FLIGHT)),
        sessions: Default::default(),
        max_upload: config.max_upload,
        verify_jobs: Default::default(),
    });
    let listen = config.listen;
    let std_listener = std::net::TcpListener::bind(listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|source| ServerError::Listen {
            addr: listen,
            source,
        })?;
    let bound = std_listener.local_addr().map_err(ServerError::Serve)?;
    let app = router(state.clone());
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop.send(true);
        stopper.graceful_shutdown(Some(limits::TIMEOUT));
    });
    let Some(tls) = config.tls else {
        let mut server = axum_server::from_tcp(std_listener)
            .map_err(ServerError::Serve)?
            .acceptor(connections::LimitAcceptor::new(
                axum_server::accept::DefaultAcceptor::new(),
                config.max_connections,
            ));
        limits::header_timeout(server.http_builder(), config.header_timeout);
        ready(bound);
        let served = server.handle(handle).serve(app.into_make_service()).await;
        stop_writers(&state).await;
        return served.map_err(ServerError::Serve);
    };
    // rustls with the ring provider (no C toolchain beyond the linker's); installing it
    // twice (a second server in one process) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rustls_config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
        .await
        .map_err(|source| ServerError::Tls {
            cert: tls.cert.clone(),
            key: tls.key.clone(),
            source,
        })?;
    let mut server = axum_server::from_tcp(std_listener)
        .map_err(ServerError::Serve)?
        .acceptor(connections::LimitAcceptor::new(
            axum_server::tls_rustls::RustlsAcceptor::new(rustls_config),
            config.max_connections,
        ));
    limits::header_timeout(server.http_builder(), config.header_timeout);
    ready(bound);
    let served = server.handle(handle).serve(app.into_make_service()).await;
    stop_writers(&state).await;
    served.map_err(ServerError::Serve)
}

/// Leaves every served ledger settled once the last request is answered: the log fsynced,
/// the journal empty and the derived data saved, as after any pause in the writes.
async fn stop_writers(state: &AppState) {
    for served in state.plans.values() {
        served.writer.stop().await;
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
