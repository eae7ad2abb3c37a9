//! The verification panel (head, latest signed checkpoint and its signers, a verify run on
//! request, the inspector's offline commands) and the sign-off page (exactly what will be
//! signed, and the `sign-off --remote` command that signs it on the signer's machine).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::context::{AtQuery, PlanCtx};
use super::error::PageError;
use super::layout::page;
use super::plan_pages::frame;
use super::session::Visitor;
use crate::checkpoint::Checkpoint;
use crate::server::tokens::Role;
use crate::server::{ApiError, AppState};
use crate::store::{Location, ReadLedger};
use crate::verify::progress::verify_counting;
use crate::verify::VerifyOptions;

use super::verify_job::Job;

/// `run=1` runs a verification.
#[derive(Debug, Default, Deserialize)]
pub struct RunQuery {
    pub run: Option<String>,
}

/// The latest signed checkpoint of the ledger in `dir`, if any.
fn latest_checkpoint(dir: &std::path::Path) -> Option<Checkpoint> {
    let path = dir
        .join(crate::checkpoint::CHECKPOINTS_DIR)
        .join(crate::checkpoint::LATEST);
    let bytes = std::fs::read(path).ok()?;
    Checkpoint::parse(&bytes).ok()
}

fn command(lines: &[String]) -> Markup {
    html! { pre.commands { code { @for l in lines { (l) "\n" } } } }
}

pub async fn verify_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<RunQuery>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &AtQuery::default()).await?;
    ctx.caller.require(Role::Viewer, "a verification")?;
    let dir = crate::server::api::served(&state, &plan)?.dir.clone();
    let job = if q.run.is_some() {
        Some(start_verify(
            &state,
            &plan,
            dir.clone(),
            ctx.head().unwrap_or(0),
        ))
    } else {
        state.verify_jobs.latest(&plan)
    };
    let checkpoint = tokio::task::spawn_blocking(move || latest_checkpoint(&dir))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let running = job.as_ref().is_some_and(|j| j.outcome().is_none());
    let head = ctx.plan.head;
    let api = format!("/api/v1/plans/{}", super::format::query_escape(&plan));
    let body = html! {
        h1 { "Verification" }
        section.panel {
            h2 { "Head" }
            @match head {
                Some((seq, hash)) => p { "Entry " (seq.0) " " code.hash { (hash.to_string()) } },
                None => p { "The ledger is empty." },
            }
            h2 { "Latest signed checkpoint" }
            @match &checkpoint {
                Some(c) => {
                    p { "Tree size " (c.size) " for origin " code { (c.origin) } }
                    p { "Signed by: "
                        @for (i, s) in c.signatures.iter().enumerate() {
                            @if i > 0 { ", " } strong { (s.name) }
                        }
                    }
                },
                None => p { "No checkpoint has been signed yet (" code { "readiness checkpoint --key KEY" } " signs one)." },
            }
            h2 { "Verify now" }
            form method="get" action=(ctx.href("/verify")) {
                input type="hidden" name="run" value="1";
                button type="submit" { "Run verify" }
            }
            @if let Some(job) = &job {
                (job_status(job, &ctx.href("/verify/progress"), &ctx.href("/verify")))
            }
        }
        section.panel {
            h2 { "Check it yourself, offline" }
            p { "An inspector needs no trust in this server: take a copy and check it with the command line or the short independent script." }
            (command(&[
                format!("curl -H \"Authorization: Bearer $TOKEN\" \"{api}/entries\" > ledger.jsonl"),
                "readiness verify --ledger ledger.jsonl".to_string(),
                "python3 tools/verify_ledger.py ledger.jsonl".to_string(),
                format!("curl -H \"Authorization: Bearer $TOKEN\" \"{api}/checkpoint\" > latest.ckpt"),
                "readiness verify --ledger ledger.jsonl --checkpoint latest.ckpt".to_string(),
            ]))
        }
    };
    let mut f = frame(&ctx, &visitor, "/verify");
    f.refresh = false;
    // Reloads go to the page without `run`: they follow this verification, not start another.
    f.reload_to = running.then(|| ctx.href("/verify"));
    Ok(page("Verification", &f, body).into_response())
}

/// Starts a verification of the ledger in `dir` (`total` entries), or joins the running one.
fn start_verify(state: &AppState, plan: &str, dir: std::path::PathBuf, total: u64) -> Arc<Job> {
    state.verify_jobs.start(plan, total, move |progress| {
        let ledger = ReadLedger::open(&Location::Dir(dir)).map_err(|e| e.to_string())?;
        verify_counting(&ledger, VerifyOptions::default(), progress).map_err(|e| e.to_string())
    })
}

/// How far a verification has got, or its verdict.
fn job_status(job: &Job, poll: &str, page: &str) -> Markup {
    let checked = job.checked();
    // Entries appended since it started are checked too.
    let total = job.total.max(checked);
    html! {
        @match job.outcome() {
            None => {
                p #verify-progress role="status" data-poll=(poll) data-page=(page) {
                    span.count { (checked) " of " (total) " entries checked" } " \u{2026}"
                }
                progress #verify-bar max=(total.max(1)) value=(checked) { (checked) " of " (total) }
            },
            Some(Ok(r)) => {
                @let v = crate::query::verification(r);
                @if v.ok {
                    p.verdict-ok role="status" { "\u{2714} Verified: " (v.entries) " entries, every hash, link and rule checked." }
                } @else {
                    p.verdict-failed role="alert" { "\u{2716} Verification failed: " (v.problem.unwrap_or_default()) }
                }
            },
            Some(Err(e)) => p.verdict-failed role="alert" { "\u{2716} The verification could not run: " (e) },
        }
    }
}

/// `GET /plans/{plan}/verify/progress`: the running verification, for the page's script.
pub async fn verify_progress(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    visitor
        .caller(&state, &plan)?
        .require(Role::Viewer, "a verification")?;
    let job = state.verify_jobs.latest(&plan);
    let body = match &job {
        None => serde_json::json!({"running": false}),
        Some(j) => serde_json::json!({
            "running": j.outcome().is_none(),
            "checked": j.checked(),
            "total": j.total.max(j.checked()),
        }),
    };
    Ok(axum::Json(body).into_response())
}

/// What to sign: action, review, the signer's key id, an optional statement.
#[derive(Debug, Default, Deserialize)]
pub struct SignOffQuery {
    pub action: Option<String>,
    pub review: Option<String>,
    pub key_id: Option<String>,
    pub statement: Option<String>,
}

/// The command that signs `d` on the signer's machine.
/// The scheme the browser used: a proxy in front says so, else this server's own.
fn scheme(forwarded: Option<&str>, tls: bool) -> &'static str {
    match forwarded.map(str::trim) {
        Some("https") => "https",
        Some("http") => "http",
        _ if tls => "https",
        _ => "http",
    }
}

fn sign_off_command(d: &crate::event::SignedOff, base: &str, statement: Option<&str>) -> String {
    let mut cmd = format!(
        "readiness sign-off {} --review \"{}\" --key YOUR.key --remote {base} --token \"$READINESS_TOKEN\"",
        d.action, d.review
    );
    if let Some(s) = statement {
        cmd.push_str(&format!(" --statement \"{s}\""));
    }
    cmd
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub async fn sign_off_page(
    State(state): State<Arc<AppState>>,
    Path(plan): Path<String>,
    Query(q): Query<SignOffQuery>,
    headers: axum::http::HeaderMap,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let ctx = PlanCtx::load(&state, &visitor, &plan, &AtQuery::default()).await?;
    let may_sign = ctx.caller.require(Role::Signer, "signing off").err();
    let draft = match (given(&q.action), given(&q.review), given(&q.key_id)) {
        (Some(a), Some(r), Some(k)) => Some((|| {
            let ids = ctx.plan.actions.iter().map(|x| x.fields.id.as_str());
            let action = crate::names::action_id(a, ids).map_err(|e| e.to_string())?;
            let review =
                crate::asof::review_label(r, &ctx.plan.reviews).map_err(|e| e.to_string())?;
            ctx.plan
                .sign_off_draft(&action, &review, k, given(&q.statement).map(str::to_string))
                .map_err(|e| e.to_string())
        })()),
        _ => None,
    };
    let keys: Vec<(&str, &str, &str)> = ctx
        .plan
        .keys
        .values()
        .filter(|k| k.revoked.is_none())
        .map(|k| (k.key_id.as_str(), k.name.as_str(), k.role.as_str()))
        .collect();
    let actions: Vec<&str> = ctx
        .plan
        .actions
        .iter()
        .map(|a| a.fields.id.as_str())
        .collect();
    let reviews = ctx.plan.reviews_by_date();
    // The address the browser used: what the signer's machine reaches too, most likely.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok());
    let scheme = scheme(forwarded, state.tls);
    let base = format!(
        "{scheme}://{host}/api/v1/plans/{}",
        super::format::query_escape(&plan)
    );
    let body = html! {
        h1 { "Sign off" }
        p { "The private key never reaches the browser or this server: choose what to sign here, check it, then sign it on your own machine with the command below." }
        @if let Some(e) = &may_sign { p.note { (e.to_string()) } }
        form.pick method="get" action=(ctx.href("/sign-off")) {
            label for="so-action" { "Action" }
            select #so-action name="action" {
                @for a in &actions { option value=(a) selected[given(&q.action) == Some(*a)] { (a) } }
            }
            label for="so-review" { "Review" }
            select #so-review name="review" {
                @for r in &reviews { option value=(r.label) selected[given(&q.review) == Some(r.label.as_str())] { (r.label) } }
            }
            label for="so-key" { "Your key" }
            select #so-key name="key_id" {
                @for (id, name, role) in &keys { option value=(id) selected[given(&q.key_id) == Some(*id)] { (name) " (" (role) ")" } }
            }
            label for="so-statement" { "Statement" }
            input #so-statement name="statement" value=[given(&q.statement)];
            button type="submit" { "Show what will be signed" }
        }
        @if keys.is_empty() { p.note { "No signing key is registered yet (" code { "readiness key add" } ")." } }
        @match &draft {
            Some(Ok(d)) => {
                h2 { "What will be signed" }
                pre.draft { code { (serde_json::to_string_pretty(d).unwrap_or_default()) } }
                h2 { "Sign it on your machine" }
                (command(&[sign_off_command(d, &base, given(&q.statement))]))
            },
            Some(Err(e)) => p.error role="alert" { (e) },
            None => {},
        }
    };
    let mut f = frame(&ctx, &visitor, "/sign-off");
    f.refresh = false;
    Ok(page("Sign off", &f, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::scheme;

    #[test]
    fn the_sign_off_command_names_the_scheme_the_browser_used() {
        assert_eq!(scheme(None, false), "http");
        assert_eq!(scheme(None, true), "https");
        assert_eq!(scheme(Some("https"), false), "https");
        assert_eq!(scheme(Some(" http "), true), "http");
        assert_eq!(scheme(Some("gopher"), true), "https");
    }
}
