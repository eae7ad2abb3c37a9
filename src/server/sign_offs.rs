//! Sign-offs over HTTP, with the private key kept on the signer's machine:
//! `GET .../sign-offs/draft` says exactly what would be signed (the status shown, the key's
//! role, the head, the ledger's origin); the signer signs it locally (`readiness sign-off
//! --remote`) and `POST .../sign-offs` appends it once the plan's rules, the signature among
//! them, accept it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::event::{Event, SignedOff, SIGNED_OFF_VERSION};

use super::api::{plan_of, served, writer};
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::tokens::Role;
use super::AppState;

/// What to sign: the action and review as typed, and the key's id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftQuery {
    pub action: String,
    pub review: String,
    pub key_id: String,
    pub statement: Option<String>,
}

pub async fn draft(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    ApiQuery(q): ApiQuery<DraftQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    writer(&state, &headers, &plan, Role::Signer, "signing off")?;
    let p = plan_of(served(&state, &plan)?, None).await?;
    let ids = p.actions.iter().map(|a| a.fields.id.as_str());
    let action =
        crate::names::action_id(&q.action, ids).map_err(|e| ApiError::NotFound(e.to_string()))?;
    let review = crate::asof::review_label(&q.review, &p.reviews)
        .map_err(|e| ApiError::NotFound(e.to_string()))?;
    let draft = p
        .sign_off_draft(&action, &review, &q.key_id, q.statement)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(serde_json::json!({ "origin": p.origin, "sign_off": draft })).into_response())
}

pub async fn post(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    headers: HeaderMap,
    ApiJson(mut event): ApiJson<SignedOff>,
) -> Result<Response, ApiError> {
    let actor = writer(&state, &headers, &plan, Role::Signer, "signing off")?;
    event.version = SIGNED_OFF_VERSION;
    let written = served(&state, &plan)?
        .writer
        .write(actor, vec![Event::SignedOff(event)], None)
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "entries": written })),
    )
        .into_response())
}
