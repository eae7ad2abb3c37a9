//! The officers' forms: record a status, add a review, correct an entry, withdraw an action
//! and attach evidence. Each builds the same `Command` as the API and the command line and
//! goes through the same writer; a refusal shows the rule in plain words beside the form,
//! with what was typed kept, and nothing written.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::context::{AtQuery, PlanCtx};
use super::error::PageError;
use super::forms_page::{forms_page, Refused};
use super::session::Visitor;
use crate::plan::decide::Command;
use crate::server::api::execute;
use crate::server::evidence::{attach, Upload};
use crate::server::tokens::Role;
use crate::server::writes::entry_at;
use crate::server::{ApiError, AppState};

/// What a form sent, by field name.
pub type Fields = BTreeMap<String, String>;

/// `?done=SEQ` after a write.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub done: Option<u64>,
}

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn required(fields: &Fields, name: &str, what: &str) -> Result<String, ApiError> {
    field(fields, name)
        .map(str::to_string)
        .ok_or_else(|| ApiError::BadRequest(format!("{what} is required")))
}

pub async fn record_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(d): Query<Done>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &AtQuery::default()).await?;
    Ok(forms_page(&ctx, &visitor, d.done, None, state.max_upload))
}

/// After a form: back to the forms with the entry's seq, or the forms with the refusal.
async fn finish(
    state: &AppState,
    visitor: &Visitor,
    plan: &str,
    form: &'static str,
    fields: Fields,
    result: Result<u64, PageError>,
) -> Result<Response, PageError> {
    match result {
        Ok(seq) => {
            let to = format!(
                "/plans/{}/record?done={seq}",
                super::format::query_escape(plan)
            );
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
        }
        Err(e @ (PageError::SignIn { .. } | PageError::Csrf)) => Err(e),
        Err(e) => {
            let ctx = PlanCtx::load(state, visitor, plan, &AtQuery::default()).await?;
            let refused = Refused {
                form,
                message: e.message(),
                fields,
            };
            let mut r = forms_page(&ctx, visitor, None, Some(refused), state.max_upload);
            *r.status_mut() = e.status();
            Ok(r)
        }
    }
}

/// Checks the CSRF field and the role, and names the actor.
fn officer(
    state: &AppState,
    visitor: &Visitor,
    plan: &str,
    fields: &Fields,
    what: &str,
) -> Result<String, PageError> {
    visitor.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or(""))?;
    let caller = visitor.caller(state, plan)?;
    Ok(caller.require(Role::Officer, what)?.to_string())
}

/// Runs `command` for `actor`; the last entry's seq.
async fn run(
    state: &AppState,
    plan: &str,
    actor: &str,
    command: Command,
) -> Result<u64, PageError> {
    let written = execute(state, plan, actor, command, None).await?;
    Ok(written.last().map_or(0, |w| w.seq))
}

fn today(state: &AppState) -> String {
    state.clock.now().format("%Y-%m-%d").to_string()
}

pub async fn post_status(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    visitor: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let result = async {
        let actor = officer(&state, &visitor, &plan, &f, "recording a status")?;
        let command = Command::RecordStatus {
            action: required(&f, "action", "the action")?,
            review: required(&f, "review", "the review")?,
            status: required(&f, "status", "the status")?,
            note: field(&f, "note").map(str::to_string),
        };
        run(&state, &plan, &actor, command).await
    }
    .await;
    finish(&state, &visitor, &plan, "status", f, result).await
}

pub async fn post_review(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    visitor: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let result = async {
        let actor = officer(&state, &visitor, &plan, &f, "adding a review")?;
        let command = Command::AddReview {
            label: required(&f, "label", "the review's label")?,
            date: required(&f, "date", "the review's date")?,
        };
        run(&state, &plan, &actor, command).await
    }
    .await;
    finish(&state, &visitor, &plan, "review", f, result).await
}

pub async fn post_correction(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    visitor: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let result = async {
        let actor = officer(&state, &visitor, &plan, &f, "correcting an entry")?;
        let typed = required(&f, "target", "the entry number")?;
        let seq: u64 = typed.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "the entry number must be a whole number, got {typed:?}"
            ))
        })?;
        let reason = required(&f, "reason", "a reason for the correction")?;
        let target = entry_at(&state, &plan, seq).await?;
        let command = Command::Correct {
            target: Box::new(target),
            status: field(&f, "status").map(str::to_string),
            note: field(&f, "note").map(str::to_string),
            changes: BTreeMap::new(),
            reason,
        };
        run(&state, &plan, &actor, command).await
    }
    .await;
    finish(&state, &visitor, &plan, "correction", f, result).await
}

pub async fn post_withdrawal(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    visitor: Visitor,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let result = async {
        let actor = officer(&state, &visitor, &plan, &f, "withdrawing an action")?;
        let command = Command::Withdraw {
            id: required(&f, "action", "the action")?,
            reason: required(&f, "reason", "a reason for the withdrawal")?,
            from: field(&f, "from").map(str::to_string),
            today: today(&state),
        };
        run(&state, &plan, &actor, command).await
    }
    .await;
    finish(&state, &visitor, &plan, "withdrawal", f, result).await
}

/// The longest text field the evidence form takes (the file itself is streamed).
const MAX_FIELD: usize = 64 * 1024;

fn unreadable(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::BadRequest(e.body_text())
}

/// A text field of the evidence form, refused past [`MAX_FIELD`] bytes.
async fn small_text(mut part: Field<'_>) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(unreadable)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD {
            return Err(ApiError::TooLarge(format!(
                "a form field is at most {MAX_FIELD} bytes"
            )));
        }
    }
    String::from_utf8(bytes).map_err(|_| ApiError::BadRequest("a form field is not UTF-8".into()))
}

/// Reads and drops a refused file field (up to `limit` bytes, for a few seconds).
async fn drain(mut part: Field<'_>, limit: u64) {
    let mut read = 0u64;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(chunk)) = part.chunk().await {
            read += chunk.len() as u64;
            if read > limit {
                break;
            }
        }
    })
    .await;
}

/// The evidence form: its fields come first, then the file, which is streamed through the
/// same attach path as the API's (hashed on the way in, never held in memory).
pub async fn post_evidence(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    visitor: Visitor,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let mut f = Fields::new();
    let result = async {
        loop {
            let Some(part) = form.next_field().await.map_err(unreadable)? else {
                return Err(ApiError::BadRequest("choose a file to attach".into()).into());
            };
            let name = part.name().unwrap_or_default().to_string();
            if name != "file" {
                let value = small_text(part).await?;
                f.insert(name, value);
                continue;
            }
            let file_name = part.file_name().unwrap_or_default().to_string();
            if file_name.is_empty() {
                return Err(ApiError::BadRequest("choose a file to attach".into()).into());
            }
            let actor = match officer(&state, &visitor, &plan, &f, "attaching evidence") {
                Ok(a) => a,
                Err(e) => {
                    // Read the file the browser is still sending, so that it shows the
                    // refusal rather than a reset connection.
                    drain(part, state.max_upload).await;
                    return Err(e);
                }
            };
            let upload = Upload {
                action: required(&f, "action", "the action")?,
                review: field(&f, "review").map(str::to_string),
                name: file_name,
                note: field(&f, "note").map(str::to_string),
                if_head: None,
            };
            let (_, entries) = attach(&state, &plan, actor, upload, part).await?;
            return Ok(entries.last().map_or(0, |w| w.seq));
        }
    }
    .await;
    finish(&state, &visitor, &plan, "evidence", f, result).await
}
