//! `GET /openapi.json`: the API described for client generators and readers, built from
//! one table of routes so the description cannot name a route the server lacks (a test
//! asks the server for every route listed).

use serde_json::{json, Map, Value};

/// Method, path, who may call it, and what it does.
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    ("get", "/healthz", "anyone", "ok when the server is up, for monitors"),
    ("get", "/api/v1/plans", "viewer (or anyone with --public)", "the plans served"),
    ("get", "/api/v1/plans/{plan}/plan", "viewer (or anyone with --public, without notes)", "the plan at a review (as_of, known_at), as `readiness plan --format json`"),
    ("get", "/api/v1/plans/{plan}/matrix", "viewer (or anyone with --public)", "the RAG matrix (as_of, known_at), as `readiness matrix --format json`"),
    ("get", "/api/v1/plans/{plan}/head", "viewer (or anyone with --public)", "the head entry's seq and hash"),
    ("get", "/api/v1/plans/{plan}/checkpoint", "viewer (or anyone with --public)", "the latest signed checkpoint, as `readiness checkpoint` wrote it"),
    ("get", "/api/v1/plans/{plan}/proofs/inclusion/{seq}", "viewer (or anyone with --public)", "an inclusion proof of entry seq in the tree of `size` entries (default: all), as `readiness prove inclusion`"),
    ("get", "/api/v1/plans/{plan}/proofs/consistency", "viewer (or anyone with --public)", "a consistency proof from the tree of `from` entries to that of `to` (default: all), as `readiness prove consistency`"),
    ("get", "/api/v1/plans/{plan}/entries", "viewer", "raw entry lines as NDJSON (from, limit) to mirror and verify the ledger"),
    ("get", "/api/v1/plans/{plan}/entries/stream", "viewer", "Server-Sent Events, one per committed entry (id = seq), resuming after Last-Event-ID"),
    ("get", "/api/v1/plans/{plan}/history/{action}", "viewer", "an action's history (as_of, known_at), as `readiness history --format json`"),
    ("get", "/api/v1/plans/{plan}/diff", "viewer", "what moved between two reviews (from, to, known_at), as `readiness diff --format json`"),
    ("get", "/api/v1/plans/{plan}/log", "viewer", "the activity log (action, area, event (comma-separated types), by, since, until), as `readiness log --format json`"),
    ("get", "/api/v1/plans/{plan}/actors", "viewer", "who wrote what (known_at), as `readiness actors --format json`"),
    ("get", "/api/v1/plans/{plan}/check", "viewer", "the readiness gaps at a review (as_of, known_at), as `readiness check --format json`"),
    ("get", "/api/v1/plans/{plan}/report", "viewer", "the board report as HTML (as_of, since, known_at)"),
    ("get", "/api/v1/plans/{plan}/verify", "viewer", "runs every check of `readiness verify` now"),
    ("post", "/api/v1/plans/{plan}/status", "officer", "record a status: {action, review, status, note, if_head}"),
    ("post", "/api/v1/plans/{plan}/reviews", "officer", "schedule a review: {label, date, if_head}"),
    ("post", "/api/v1/plans/{plan}/withdrawals", "officer", "withdraw an action from a review: {action, reason, from, if_head}"),
    ("post", "/api/v1/plans/{plan}/amendments", "officer", "amend an action from a review: {action, changes, reason, from, if_head}"),
    ("post", "/api/v1/plans/{plan}/corrections", "officer", "correct an entry: {target, status, note, changes, reason, if_head}"),
    ("post", "/api/v1/plans/{plan}/actions", "admin", "add an action: {id, area, action, outcome, start, end, lead, measures, evidence_impact, if_head}"),
    ("post", "/api/v1/plans/{plan}/areas", "admin", "add an area: {id, title, finding, if_head}"),
    ("post", "/api/v1/plans/{plan}/reschedules", "officer", "move or rename a review: {label, new_label, date, reason, if_head}, as `readiness review reschedule`"),
    ("post", "/api/v1/plans/{plan}/redactions", "admin", "redact an evidence file (the bytes are removed, the chain kept): {sha256 (or 6 or more of its first digits), reason, if_head}"),
    ("post", "/api/v1/plans/{plan}/keys", "admin", "register a signing key: {name, public (64 hex digits, or the text of the .pub file `readiness key new` wrote), role, if_head}"),
    ("post", "/api/v1/plans/{plan}/keys/{key_id}/revoke", "admin", "revoke a key (its id, or 6 or more of its first digits): {reason, if_head}"),
    ("get", "/api/v1/tokens", "admin (of one plan: that plan's tokens)", "the tokens made: name, role, plan, created_at, revoked_at (never a token or its hash)"),
    ("post", "/api/v1/tokens", "admin (of one plan: only tokens for it)", "make a token: {name, role, plan}; the answer shows it once and only its SHA-256 is kept, as `readiness token add`"),
    ("delete", "/api/v1/tokens/{name}", "admin (of one plan: only its tokens)", "revoke a token: it stops working from the next request"),
    ("get", "/api/v1/plans/{plan}/evidence/{sha256}", "viewer", "a stored evidence file, by its SHA-256"),
    ("post", "/api/v1/plans/{plan}/evidence", "officer", "attach the request body as evidence, streamed to disk and hashed on the way in (query: action, review, name, note, if_head; at most the server's --max-upload, default 100 MiB, else 413)"),
    ("get", "/api/v1/plans/{plan}/sign-offs/draft", "signer", "what a sign-off would sign (query: action, review, key_id, statement) and the ledger's origin, to sign on the signer's machine"),
    ("post", "/api/v1/plans/{plan}/sign-offs", "signer", "append a sign-off signed on the signer's machine (the draft with its signature); `readiness sign-off --remote` does both steps"),
    ("get", "/openapi.json", "anyone", "this description"),
];

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, who, what) in ROUTES {
        let mut responses = Map::new();
        let ok = if *method == "post" { "201" } else { "200" };
        let guarded = path.contains("{plan}") || path.starts_with("/api/v1/tokens");
        responses.insert(ok.into(), json!({"description": "success"}));
        for (code, why) in [
            ("400", "bad input (problem+json)"),
            ("401", "no token, or an unknown or revoked one"),
            ("403", "the token's role does not allow it"),
            ("404", "unknown plan, action or review"),
            ("409", "if_head is no longer the head"),
        ] {
            if guarded {
                responses.insert(code.into(), json!({"description": why}));
            }
        }
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|p| p.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = json!({
            "summary": what,
            "description": format!("Who may call it: {who}. Requests carry `Authorization: Bearer TOKEN`."),
            "parameters": parameters,
            "responses": responses,
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "readiness-ledger",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The audit ledger of an inspection action plan: views as the command line's JSON, writes group-committed to the hash-chained log.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    })
}
