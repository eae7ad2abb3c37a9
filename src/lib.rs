//! readiness-ledger: an append-only, hash-chained audit ledger for inspection action plans.
//!
//! The core is pure (no I/O, no clock, no terminal): [`canonical`], [`hex`], [`entry`], [`event`],
//! [`wire`], [`scale`], [`chain`], [`batch`], [`plan`], [`asof`], [`dates`], [`merkle`],
//! [`checkpoint`]. Around it: [`store`] (the entry log, the sled index, evidence files),
//! [`verify`] (streaming checks, the evidence among them), [`import`]
//! (WSoA tables), [`report`] (renderers), [`clock`] (the one place that reads the time),
//! [`cli`] (one module per command), [`server`] (`readiness serve`: the JSON API) and [`web`]
//! (the dashboard pages it also serves). See ARCHITECTURE.md.
#![forbid(unsafe_code)]
pub mod asof;
pub mod batch;
pub mod bounds;
pub mod canonical;
pub mod canonical_check;
pub mod chain;
pub mod checkpoint;
pub mod cli;
pub mod clock;
pub mod dates;
pub mod entry;
pub mod event;
pub mod hex;
pub mod import;
pub mod merkle;
pub mod names;
pub mod plan;
pub mod proof_file;
pub mod query;
pub mod report;
pub mod scale;
pub mod server;
pub mod shown_view;
pub mod store;
pub mod sym;
pub mod verify;
pub mod web;
pub mod wire;
mod wire_fast;
pub mod words;

#[cfg(test)]
mod test_events;
