//! Admin over HTTP: the tokens `readiness serve` accepts (the same file and rules as
//! `readiness token`), signing keys, evidence redaction and review reschedules. Ledger
//! writes go through the plan's decide step and the ledger's one writer like every other.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::plan::decide::{Command, CommandError};
use crate::store::evidence::EvidenceStore;

use super::api::{plan_of, served, write, writer, Caller};
use super::error::ApiError;
use super::extract::ApiJson;
use super::tokens::{Role, TokenError, TokenRecord, TokenStore};
use super::AppState;

/// The admin routes, merged into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{name}", delete(revoke_token))
        .route("/api/v1/plans/{plan}/keys", post(register_key))
        .route(
            "/api/v1/plans/{plan}/keys/{key_id}/revoke",
            post(revoke_key),
        )
        .route("/api/v1/plans/{plan}/redactions", post(redact))
        .route("/api/v1/plans/{plan}/reschedules", post(reschedule))
}

/// The admin token a token request comes with: its record says which plan, if one, it
/// may manage tokens of.
fn token_admin(state: &AppState, headers: &HeaderMap) -> Result<TokenRecord, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    let store = state
        .token_cache
        .current(&state.tokens)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let record = store.find(token.trim()).ok_or(ApiError::Unauthorized)?;
    Caller {
        name: Some(record.name.clone()),
        role: record.role,
    }
    .require(Role::Admin, "managing tokens")?;
    Ok(record.clone())
}

/// Refuses an admin scoped to one plan reaching a token of another plan, or of every plan.
fn within_reach(admin: &TokenRecord, plan: Option<&str>, what: &str) -> Result<(), ApiError> {
    let Some(own) = admin.plan.as_deref() else {
        return Ok(());
    };
    if plan == Some(own) {
        return Ok(());
    }
    let other = plan.map_or("every plan".to_string(), |p| format!("plan {p:?}"));
    Err(ApiError::Forbidden(format!(
        "token {:?} is for plan {own:?} only; it cannot {what} for {other}",
        admin.name
    )))
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::BadName(_) => ApiError::BadRequest(e.to_string()),
        TokenError::Taken(_) => ApiError::Conflict(e.to_string()),
        TokenError::Unknown(_) => ApiError::NotFound(e.to_string()),
        TokenError::Io { .. } | TokenError::Corrupt { .. } | TokenError::Exposed { .. } => {
            ApiError::Internal(e.to_string())
        }
    }
}

/// Changes the token file with `change` (under its lock), off the async threads.
async fn change_tokens<T: Send + 'static>(
    state: &AppState,
    change: impl FnOnce(&mut TokenStore) -> Result<T, TokenError> + Send + 'static,
) -> Result<T, ApiError> {
    let path = state.tokens.clone();
    tokio::task::spawn_blocking(move || TokenStore::update(&path, change))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(token_error)
}

fn now(state: &AppState) -> String {
    state.clock.now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A token as listed: never the token or its hash.
#[derive(Serialize)]
struct TokenRow<'a> {
    name: &'a str,
    role: Role,
    plan: Option<&'a str>,
    created_at: &'a str,
    revoked_at: Option<&'a str>,
}

impl<'a> From<&'a TokenRecord> for TokenRow<'a> {
    fn from(t: &'a TokenRecord) -> Self {
        TokenRow {
            name: &t.name,
            role: t.role,
            plan: t.plan.as_deref(),
            created_at: &t.created_at,
            revoked_at: t.revoked_at.as_deref(),
        }
    }
}

/// `GET /api/v1/tokens`: every token made (revoked ones too, for the record); an admin of
/// one plan sees that plan's.
pub async fn list_tokens(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let admin = token_admin(&state, &headers)?;
    let store = state
        .token_cache
        .current(&state.tokens)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let rows: Vec<TokenRow> = store
        .tokens
        .iter()
        .filter(|t| admin.plan.is_none() || t.plan == admin.plan)
        .map(TokenRow::from)
        .collect();
    Ok(Json(serde_json::json!({ "tokens": rows })).into_response())
}

/// `POST /api/v1/tokens`: the fields of `readiness token add`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub name: String,
    pub role: Role,
    pub plan: Option<String>,
}

pub async fn create_token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<TokenBody>,
) -> Result<Response, ApiError> {
    let admin = token_admin(&state, &headers)?;
    within_reach(&admin, b.plan.as_deref(), "make a token")?;
    if let Some(p) = &b.plan {
        served(&state, p)?;
    }
    let (name, role, plan, at) = (b.name, b.role, b.plan, now(&state));
    let row = serde_json::json!({
        "name": name,
        "role": role,
        "plan": plan,
        "created_at": at,
    });
    let token = change_tokens(&state, move |store| store.add(&name, role, plan, &at)).await?;
    let mut body = row;
    body["token"] = token.into();
    body["note"] = "this is the only time the token is shown; only its SHA-256 is kept".into();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE /api/v1/tokens/{name}`: the token stops working from the next request.
pub async fn revoke_token(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let admin = token_admin(&state, &headers)?;
    let store = state
        .token_cache
        .current(&state.tokens)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let target = store
        .live()
        .find(|t| t.name == name)
        .ok_or_else(|| token_error(TokenError::Unknown(name.clone())))?;
    within_reach(&admin, target.plan.as_deref(), "revoke a token")?;
    let at = now(&state);
    let revoked = name.clone();
    change_tokens(&state, move |store| store.revoke(&revoked, &at)).await?;
    Ok(Json(serde_json::json!({ "revoked": name })).into_response())
}

/// `POST .../keys`: the arguments of `readiness key register`, the public key given as its
/// 64 hex digits or the text of the `.pub` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    pub name: String,
    pub public: String,
    pub role: String,
    pub if_head: Option<u64>,
}

pub async fn register_key(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<KeyBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Admin, "registering a key")?;
    let command = Command::RegisterKey {
        name: b.name,
        public: b.public,
        role: b.role,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

/// `POST .../keys/{key_id}/revoke`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
    pub if_head: Option<u64>,
}

pub async fn revoke_key(
    State(state): State<Arc<AppState>>,
    Path((plan, key_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ReasonBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Admin, "revoking a key")?;
    let command = Command::RevokeKey {
        key_id,
        reason: b.reason,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

/// `POST .../reschedules`: the arguments of `readiness review reschedule`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    pub label: String,
    pub new_label: Option<String>,
    pub date: Option<String>,
    pub reason: String,
    pub if_head: Option<u64>,
}

pub async fn reschedule(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RescheduleBody>,
) -> Result<Response, ApiError> {
    let actor = writer(
        &state,
        &headers,
        &plan,
        Role::Officer,
        "rescheduling a review",
    )?;
    let command = Command::RescheduleReview {
        label: b.label,
        new_label: b.new_label,
        date: b.date,
        reason: b.reason,
    };
    write(&state, &plan, &actor, command, b.if_head).await
}

/// `POST .../redactions`: the arguments of `readiness evidence redact`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactionBody {
    pub sha256: String,
    pub reason: String,
    pub if_head: Option<u64>,
}

/// Appends `evidence_redacted`, then removes the bytes (as the command line does, so a
/// crash in between leaves bytes a second redaction removes). Asked again after such a
/// crash, it only removes the bytes left.
pub async fn redact(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<RedactionBody>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Admin, "redacting evidence")?;
    let served = served(&state, &plan)?;
    let p = plan_of(served, None).await?;
    let command = p
        .resolve_names(Command::RedactEvidence {
            sha256: b.sha256,
            reason: b.reason,
        })
        .map_err(|e| ApiError::NotFound(e.to_string()))?;
    let Command::RedactEvidence { sha256, .. } = &command else {
        return Err(ApiError::Internal(
            "a redaction resolved to another command".into(),
        ));
    };
    let sha256 = sha256.clone();
    let store = EvidenceStore::new(&served.dir);
    let remove = |sha256: String| async move {
        tokio::task::spawn_blocking(move || store.remove(&sha256))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(e.to_string()))
    };
    let events = match p.decide_names(&command) {
        Ok(events) => events,
        Err(e @ CommandError::AlreadyRedacted { .. }) => {
            return match remove(sha256.clone()).await? {
                true => Ok(Json(serde_json::json!({ "removed": sha256 })).into_response()),
                false => Err(ApiError::BadRequest(e.to_string())),
            };
        }
        Err(e) => return Err(ApiError::BadRequest(e.to_string())),
    };
    let written = served.writer.write(actor, events, b.if_head).await?;
    remove(sha256).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "entries": written })),
    )
        .into_response())
}
