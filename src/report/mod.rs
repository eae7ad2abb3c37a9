//! Renderers: the same projection value as a terminal table, Markdown, CSV or JSON.

pub mod board;
pub mod doc;
pub mod html;
pub mod render;
pub mod views;

use serde::Serialize;

pub use doc::Doc;

/// The formats every projection can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ViewFormat {
    /// Aligned text for a terminal (coloured by RAG when writing to one).
    #[default]
    Table,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// Comma-separated values.
    Csv,
    /// JSON, the projection value itself.
    Json,
}

/// Renders a projection: JSON from the value, the rest from its document.
pub fn render<T: Serialize>(
    value: &T,
    doc: impl FnOnce(&T) -> Doc,
    format: ViewFormat,
    colour: bool,
) -> String {
    match format {
        ViewFormat::Json => {
            let mut s = serde_json::to_string_pretty(value)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            s.push('\n');
            s
        }
        ViewFormat::Table => render::to_table(&doc(value), colour),
        ViewFormat::Markdown => render::to_markdown(&doc(value)),
        ViewFormat::Csv => render::to_csv(&doc(value)),
    }
}
