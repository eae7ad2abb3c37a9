//! The officers' forms page: one form per write, each showing the rule a refusal broke
//! beside it, with what was typed put back.

use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::context::PlanCtx;
use super::forms::Fields;
use super::layout::page;
use super::plan_pages::frame;
use super::session::Visitor;
use crate::server::tokens::Role;
use crate::store::evidence::format_size;

/// A form refused: which one, why, and what was typed.
pub struct Refused {
    pub form: &'static str,
    pub message: String,
    pub fields: Fields,
}

/// The forms page; `refused` puts its message and values back on its form (the caller
/// sets the refusal's status code).
pub fn forms_page(
    ctx: &PlanCtx,
    visitor: &Visitor,
    done: Option<u64>,
    refused: Option<Refused>,
    max_upload: u64,
) -> Response {
    let empty = Fields::new();
    let (form, message, values) = match &refused {
        Some(r) => (r.form, Some(r.message.as_str()), &r.fields),
        None => ("", None, &empty),
    };
    let v = |f: &str, name: &str| -> Option<String> {
        (form == f).then(|| values.get(name).cloned()).flatten()
    };
    let err = |f: &str| -> Markup {
        html! {
            @if form == f {
                @if let Some(m) = message {
                    p.error role="alert" id=(format!("{f}-error")) { (m) }
                }
            }
        }
    };
    let described = |f: &str| (form == f && message.is_some()).then(|| format!("{f}-error"));
    let actions: Vec<&str> = ctx
        .plan
        .actions
        .iter()
        .map(|a| a.fields.id.as_str())
        .collect();
    let reviews: Vec<String> = ctx
        .plan
        .reviews_by_date()
        .iter()
        .map(|r| r.label.clone())
        .collect();
    let scale = ctx.plan.scale();
    let statuses = scale.names();
    let select = |f: &str, name: &str, label: &str, options: &[&str], optional: bool| -> Markup {
        let chosen = v(f, name);
        let id = format!("{f}-{name}");
        html! {
            label for=(id) { (label) }
            select id=(id) name=(name) required[!optional] aria-describedby=[described(f)] {
                @if optional { option value="" { "(none)" } }
                @for o in options {
                    option value=(o) selected[chosen.as_deref() == Some(*o)] { (o) }
                }
            }
        }
    };
    let text = |f: &str, name: &str, label: &str, kind: &str, req: bool| -> Markup {
        let id = format!("{f}-{name}");
        html! {
            label for=(id) { (label) @if req { " (required)" } }
            input id=(id) type=(kind) name=(name) value=[v(f, name)] required[req] aria-describedby=[described(f)];
        }
    };
    let review_refs: Vec<&str> = reviews.iter().map(String::as_str).collect();
    let csrf = html! { input type="hidden" name="csrf" value=(visitor.csrf); };
    let role = ctx.caller.role;
    let body = html! {
        h1 { "Record" }
        @if let Some(seq) = done {
            p.done role="status" { "Recorded as entry " (seq) "." }
        }
        @if role < Role::Officer {
            p.note { "Your token's role is " (role.as_str()) ": these forms need officer or above, and will be refused." }
        }
        section #status-form {
            h2 { "Record a status" }
            (err("status"))
            form method="post" action=(ctx.href("/record/status#status-form")) {
                (csrf)
                (select("status", "action", "Action", &actions, false))
                (select("status", "review", "Review", &review_refs, false))
                (select("status", "status", "Status", &statuses, false))
                (text("status", "note", "Note", "text", false))
                button type="submit" { "Record status" }
            }
        }
        section #review-form {
            h2 { "Add a review" }
            (err("review"))
            form method="post" action=(ctx.href("/record/review#review-form")) {
                (csrf)
                (text("review", "label", "Label, e.g. RAG May 22", "text", true))
                (text("review", "date", "Date", "date", true))
                button type="submit" { "Add review" }
            }
        }
        section #correction-form {
            h2 { "Correct an entry" }
            p.note { "The entry stays; a correction beside it says what was wrong, who said so and why." }
            (err("correction"))
            form method="post" action=(ctx.href("/record/correction#correction-form")) {
                (csrf)
                (text("correction", "target", "Entry number", "number", true))
                (select("correction", "status", "Corrected status", &statuses, true))
                (text("correction", "note", "Corrected note", "text", false))
                (text("correction", "reason", "Reason", "text", true))
                button type="submit" { "Correct entry" }
            }
        }
        section #withdrawal-form {
            h2 { "Withdraw an action" }
            (err("withdrawal"))
            form method="post" action=(ctx.href("/record/withdrawal#withdrawal-form")) {
                (csrf)
                (select("withdrawal", "action", "Action", &actions, false))
                (select("withdrawal", "from", "From review", &review_refs, true))
                (text("withdrawal", "reason", "Reason", "text", true))
                button type="submit" { "Withdraw action" }
            }
        }
        section #evidence-form {
            h2 { "Attach evidence" }
            (err("evidence"))
            @if form == "evidence" && message.is_some() { p.note { "Choose the file again: browsers never keep a chosen file." } }
            form method="post" enctype="multipart/form-data" action=(ctx.href("/record/evidence")) data-upload="yes" {
                (csrf)
                (select("evidence", "action", "Action", &actions, false))
                (select("evidence", "review", "Review", &review_refs, true))
                (text("evidence", "note", "Note", "text", false))
                label for="evidence-file" { "File (at most " (format_size(max_upload)) ")" }
                input #evidence-file type="file" name="file" required;
                progress #upload-progress max="100" value="0" hidden {}
                button type="submit" { "Attach" }
            }
        }
    };
    let mut f = frame(ctx, visitor, "/record");
    f.refresh = false;
    page("Record", &f, body).into_response()
}
