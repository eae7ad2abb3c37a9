//! The JSON API under `/api/v1/plans/{plan}`: each view is the same value the command line
//! prints with `--format json`, and each write goes through the plan's decide step and the
//! ledger's one writer.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::plan::decide::{Command, NameError};
use crate::plan::view::{matrix, plan_at};
use crate::plan::Plan;
use crate::store::source::{Location, ReadLedger};

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::tokens::Role;
use super::{AppState, Served};

/// Who is asking, and what they may do.
pub struct Caller {
    /// The token's name (the actor of its writes); `None` for an anonymous reader.
    pub name: Option<String>,
    pub role: Role,
}

/// The caller of a request for `plan`: its token's record, or an anonymous reader when the
/// server is public and no token is sent.
pub fn caller(state: &AppState, headers: &HeaderMap, plan: &str) -> Result<Caller, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    caller_of(state, token, plan)
}

/// The caller holding `token` (the bearer token, or the dashboard session's), as
/// [`caller`] decides it: the same roles for the API and the web pages.
pub fn caller_of(state: &AppState, token: Option<&str>, plan: &str) -> Result<Caller, ApiError> {
    let Some(token) = token else {
        if state.public {
            return Ok(Caller {
                name: None,
                role: Role::Viewer,
            });
        }
        return Err(ApiError::Unauthorized);
    };
    let store = match super::access_log::request_tokens() {
        Some(store) => store,
        None => state
            .token_cache
            .current(&state.tokens)
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    let record = store.find(token.trim()).ok_or(ApiError::Unauthorized)?;
    if record.plan.as_deref().is_some_and(|p| p != plan) {
        return Err(ApiError::Forbidden(format!(
            "token {:?} is for plan {:?} only",
            record.name,
            record.plan.as_deref().unwrap_or_default()
        )));
    }
    Ok(Caller {
        name: Some(record.name.clone()),
        role: record.role,
    })
}

impl Caller {
    /// Refuses a caller whose role is below `needed`, for `what`.
    pub fn require(&self, needed: Role, what: &str) -> Result<&str, ApiError> {
        match &self.name {
            Some(name) if self.role >= needed => Ok(name),
            Some(name) => Err(ApiError::Forbidden(format!(
                "token {name:?} has the role {}; {what} needs {} or above",
                self.role.as_str(),
                needed.as_str()
            ))),
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// The actor of a write to `plan`: the caller's token name, if its role is at least `needed`.
pub fn writer(
    state: &AppState,
    headers: &HeaderMap,
    plan: &str,
    needed: Role,
    what: &str,
) -> Result<String, ApiError> {
    caller(state, headers, plan)?
        .require(needed, what)
        .map(str::to_string)
}

pub fn served<'a>(state: &'a AppState, plan: &str) -> Result<&'a Served, ApiError> {
    state.plans.get(plan).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no plan {plan:?} is served here; GET /api/v1/plans lists them"
        ))
    })
}

/// `as_of` and `known_at`, as the command line's `--as-of` and `--known-at`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewQuery {
    pub as_of: Option<String>,
    pub known_at: Option<String>,
}

/// Loads the plan (as known at `known_at`) off the async threads.
pub async fn load(dir: std::path::PathBuf, known_at: Option<String>) -> Result<Plan, ApiError> {
    let known_at = known_at
        .map(|k| crate::bounds::time_bound("known_at", &k, true))
        .transpose()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let ledger = ReadLedger::open(&Location::Dir(dir)).map_err(ApiError::from_store)?;
        let (plan, _notes) = ledger
            .load_plan(known_at.as_deref())
            .map_err(ApiError::from_store)?;
        if !plan.is_created() {
            return Err(ApiError::NotFound("the ledger holds no plan yet".into()));
        }
        Ok(plan)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// The plan of a served ledger as known at `known_at`, or at its head: the head's plan is
/// kept between requests while the log is unchanged.
pub async fn plan_of(served: &Served, known_at: Option<String>) -> Result<Arc<Plan>, ApiError> {
    if known_at.is_some() {
        return load(served.dir.clone(), known_at).await.map(Arc::new);
    }
    if let Some(plan) = served.cache.held() {
        return Ok(plan);
    }
    let Some(now) = super::plan_cache::stamp(&served.dir) else {
        return load(served.dir.clone(), None).await.map(Arc::new);
    };
    if let Some(plan) = served.cache.get(now) {
        return Ok(plan);
    }
    let plan = Arc::new(load(served.dir.clone(), None).await?);
    served.cache.put(now, plan.clone());
    Ok(plan)
}

/// The review `as_of` names, or the latest on or before today, as the command line reads it.
pub fn point(
    state: &AppState,
    plan: &Plan,
    as_of: Option<&str>,
) -> Result<Option<crate::asof::ResolvedPoint>, ApiError> {
    if plan.reviews.is_empty() {
        return match as_of {
            None => Ok(None),
            Some(p) => Err(ApiError::BadRequest(format!(
                "as_of {p:?}: the plan has no reviews yet"
            ))),
        };
    }
    let today = state.clock.now().format("%Y-%m-%d").to_string();
    let resolved = match as_of {
        Some(p) => crate::asof::resolve(p, &plan.reviews),
        None => crate::asof::resolve(&today, &plan.reviews)
            .or_else(|_| crate::asof::resolve("latest", &plan.reviews)),
    };
    resolved
        .map(Some)
        .map_err(|e| ApiError::BadRequest(format!("as_of: {e}")))
}

pub async fn list_plans(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let names: Vec<&String> = state
        .plans
        .keys()
        .filter(|p| caller(&state, &headers, p).is_ok())
        .collect();
    if names.is_empty() && !state.plans.is_empty() && caller(&state, &headers, "").is_err() {
        return ApiError::Unauthorized.into_response();
    }
    Json(serde_json::json!({ "plans": names })).into_response()
}

pub async fn plan_view(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<ViewQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = caller(&state, &headers, &plan)?;
    let served = served(&state, &plan)?;
    let cached = q.known_at.is_none();
    let p = plan_of(served, q.known_at).await?;
    let at = point(&state, &p, q.as_of.as_deref())?;
    let key = format!(
        "plan\0{}\0{}",
        at.as_ref().map_or("", |a| a.label.as_str()),
        who.name.is_none()
    );
    if let Some(kept) = served.views.get(p.head, &key).filter(|_| cached) {
        return Ok(kept);
    }
    let mut view = plan_at(&p, at.as_ref());
    if who.name.is_none() {
        // Anonymous readers of a public plan never see notes.
        for a in view.areas.iter_mut().flat_map(|a| a.actions.iter_mut()) {
            if let Some(s) = &mut a.status {
                s.note = None;
            }
        }
    }
    Ok(match cached {
        true => served.views.render(p.head, key, &view),
        false => Json(view).into_response(),
    })
}

pub async fn matrix_view(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<ViewQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?;
    let served = served(&state, &plan)?;
    let cached = q.known_at.is_none();
    let p = plan_of(served, q.known_at).await?;
    let at = match q.as_of.as_deref() {
        Some(_) => point(&state, &p, q.as_of.as_deref())?,
        None => None,
    };
    let key = format!("matrix\0{}", at.as_ref().map_or("", |a| a.label.as_str()));
    if let Some(kept) = served.views.get(p.head, &key).filter(|_| cached) {
        return Ok(kept);
    }
    let view = matrix(&p, at.as_ref());
    Ok(match cached {
        true => served.views.render(p.head, key, &view),
        false => Json(view).into_response(),
    })
}

pub async fn head(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller(&state, &headers, &plan)?;
    let head = plan_of(served(&state, &plan)?, None).await?.head;
    let body = match head {
        Some((seq, hash)) => serde_json::json!({"seq": seq.0, "hash": hash.to_string()}),
        None => serde_json::json!({"seq": 0, "hash": null}),
    };
    Ok(Json(body).into_response())
}

/// `from` (first seq, default 1) and `limit` (default and at most 10,000 lines).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    pub from: Option<u64>,
    pub limit: Option<u64>,
}

/// Most entry lines one request returns.
const MAX_LINES: u64 = 10_000;

pub async fn entries(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = caller(&state, &headers, &plan)?;
    who.require(Role::Viewer, "reading raw entries")?;
    let dir = served(&state, &plan)?.dir.clone();
    let from = q.from.unwrap_or(1).max(1);
    let limit = q.limit.unwrap_or(MAX_LINES).min(MAX_LINES);
    let body = tokio::task::spawn_blocking(move || {
        let reader = crate::store::reader::DirReader::open(&dir).map_err(ApiError::from_store)?;
        let mut out = Vec::new();
        for seq in from..from.saturating_add(limit) {
            match reader
                .line_at(crate::entry::Seq(seq))
                .map_err(ApiError::from_store)?
            {
                Some(line) => {
                    out.extend_from_slice(&line);
                    out.push(b'\n');
                }
                None => break,
            }
        }
        Ok::<_, ApiError>(out)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// `POST .../status`: the body is named like `readiness status`'s arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub action: String,
    pub review: String,
    pub status: String,
    pub note: Option<String>,
    pub if_head: Option<u64>,
}

/// `POST .../reviews`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub label: String,
    pub date: String,
    pub if_head: Option<u64>,
}

/// `POST .../withdrawals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalBody {
    pub action: String,
    pub reason: String,
    pub from: Option<String>,
    pub if_head: Option<u64>,
}

/// Resolves `command` against the plan's header and hands it to the writer; 201 with the
/// entries appended.
pub async fn write(
    state: &AppState,
    plan: &str,
    actor: &str,
    command: Command,
    if_head: Option<u64>,
) -> Result<Response, ApiError> {
    let written = execute(state, plan, actor, command, if_head).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "entries": written })),
    )
        .into_response())
}

/// Resolves `command` against the plan, decides it and has the writer append it: the one
/// write path of the API and the web forms.
/// A name that matches nothing is 404; one that cannot name anything (not hex) or names
/// several things is the client's input to fix, 400.
fn name_error(e: NameError) -> ApiError {
    use crate::plan::short_hex::ShortHexError;
    match e {
        NameError::Hex(ShortHexError::NotHex { .. } | ShortHexError::Ambiguous { .. }) => {
            ApiError::BadRequest(e.to_string())
        }
        _ => ApiError::NotFound(e.to_string()),
    }
}

pub async fn execute(
    state: &AppState,
    plan: &str,
    actor: &str,
    command: Command,
    if_head: Option<u64>,
) -> Result<Vec<super::writer::Written>, ApiError> {
    let served = served(state, plan)?;
    // The plan is let go before the commit: a request still holding it then would make the
    // writer copy the whole plan to leave this request its head (see `plan_cache`).
    let events = {
        let plan = plan_of(served, None).await?;
        let command = plan.resolve_names(command).map_err(name_error)?;
        plan.decide_names(&command)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?
    };
    served
        .writer
        .write(actor.to_string(), events, if_head)
        .await
}

pub async fn post_status(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<StatusBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Officer, "recording a status")?;
    let command = Command::RecordStatus {
        action: b.action,
        review: b.review,
        status: b.status,
        note: b.note,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

pub async fn post_review(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Officer, "adding a review")?;
    let command = Command::AddReview {
        label: b.label,
        date: b.date,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

pub async fn post_withdrawal(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<WithdrawalBody>,
) -> Result<Response, ApiError> {
    let actor = writer(
        &state,
        &headers,
        &plan,
        Role::Officer,
        "withdrawing an action",
    )?;
    let command = Command::Withdraw {
        id: b.action,
        reason: b.reason,
        from: b.from,
        today: state.clock.now().format("%Y-%m-%d").to_string(),
    };
    write(&state, &plan, &actor, command, b.if_head).await
}
