//! Renderers: the same projection value as a terminal table, Markdown, CSV or JSON.

pub mod board;
pub mod board_doc;
pub mod board_summary;
pub mod doc;
pub mod html;
pub mod markers;
pub mod matrix_table;
mod plain_grid;
pub mod plan_table;
pub mod render;
pub mod safe_text;
mod trend_svg;
pub mod uk_date;
pub mod views;
pub mod wsoa_table;

use serde::Serialize;

pub use doc::Doc;
pub use plain_grid::TooWide;

/// The formats every projection can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ViewFormat {
    /// Aligned text for a terminal (coloured by RAG when writing to one); control and
    /// bidirectional characters in recorded text are shown as escapes (`\u{1b}`, `\r`).
    #[default]
    Table,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// Comma-separated values; a cell starting with =, +, -, @, tab or CR gets a leading '
    /// (see --csv-raw).
    Csv,
    /// JSON, the projection value itself.
    Json,
    /// `matrix` only: the published WSoA table, in the pipe-separated layout `import`
    /// reads (see `readiness matrix --help`). Every other command refuses it.
    Wsoa,
}

/// How to render besides the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderOptions {
    /// Paint table status cells by RAG (only when writing to a terminal).
    pub colour: bool,
    /// Write CSV cells exactly as recorded, without the leading `'` that keeps a
    /// spreadsheet from running a cell as a formula (see [`safe_text::csv_cell`]).
    pub csv_raw: bool,
}

/// Renders a projection: JSON from the value, the rest from its document.
///
/// Table text shows control and bidirectional characters as escapes
/// ([`safe_text::terminal`]); CSV neutralises formula cells unless `csv_raw`; JSON is the
/// exact value.
pub fn render<T: Serialize>(
    value: &T,
    doc: impl FnOnce(&T) -> Doc,
    format: ViewFormat,
    options: RenderOptions,
) -> String {
    match format {
        ViewFormat::Json => {
            let mut s = serde_json::to_string_pretty(value)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            s.push('\n');
            s
        }
        ViewFormat::Table => render::to_table(&doc(value), options.colour),
        ViewFormat::Markdown => render::to_markdown(&doc(value)),
        ViewFormat::Csv => render::to_csv(&doc(value), options.csv_raw),
        // Only the matrix has a WSoA layout (wsoa_table::to_wsoa_table), and it needs the
        // plan too: `cli::run` refuses the format for every other command before any
        // rendering, so this arm is not reached from the command line. A library caller
        // gets the Markdown rendering rather than a panic.
        ViewFormat::Wsoa => render::to_markdown(&doc(value)),
    }
}
