//! Hex identifiers typed on the command line: the library's short forms
//! ([`crate::plan::short_hex`]), refused as usage errors.

use super::CliError;

/// The one candidate `typed` names (see [`crate::plan::short_hex::resolve`]).
pub fn resolve<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    what: &'static str,
    listing: &'static str,
) -> Result<String, CliError> {
    crate::plan::short_hex::resolve(typed, candidates, what, listing)
        .map_err(|e| CliError::Usage(e.to_string()))
}
