//! `readiness help`: a command's help, or a concept explained (`readiness help clocks`).

use clap::CommandFactory;

use super::{topics, Cli, CliError, Context, Exit};

/// Explain a concept, or show a command's help.
///
/// With a topic (reviews, clocks, corrections, evidence, sign-offs, proofs) it explains that
/// concept; with a command's name it shows that command's help; alone it lists both.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness help clocks
  readiness help evidence
  readiness help review add")]
pub struct Args {
    /// A topic, or a command (and subcommand), e.g. `proofs` or `key register`.
    pub words: Vec<String>,
}

/// Prints the topic or the help asked for.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let text = page(&args.words)?;
    ctx.out
        .write_all(text.as_bytes())
        .and_then(|()| ctx.out.flush())
        .map_err(CliError::Output)?;
    Ok(Exit::Success)
}

/// The text `readiness help WORDS...` prints.
pub fn page(words: &[String]) -> Result<String, CliError> {
    let mut cmd = Cli::command();
    cmd.build();
    if words.is_empty() {
        // The top-level help lists the topics too.
        return Ok(cmd.render_long_help().to_string());
    }
    if let [word] = words {
        if let Some(topic) = topics::find(word) {
            return Ok(topic.text.to_string());
        }
    }
    let mut found = &mut cmd;
    for word in words {
        found = match found.find_subcommand_mut(word) {
            Some(sub) => sub,
            None => {
                return Err(CliError::Usage(format!(
                    "no help topic or command called \"{}\"\n{}Commands: readiness --help",
                    words.join(" "),
                    topics::list()
                )))
            }
        };
    }
    Ok(found.render_long_help().to_string())
}

#[cfg(test)]
mod tests {
    use super::page;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn a_topic_by_its_name_or_another_spelling() {
        assert!(page(&words("clocks"))
            .unwrap()
            .starts_with("The two clocks"));
        assert!(page(&words("known-at"))
            .unwrap()
            .starts_with("The two clocks"));
    }

    #[test]
    fn a_command_and_its_subcommand() {
        let text = page(&words("key register")).unwrap();
        assert!(text.contains("Usage: readiness key register"), "{text}");
    }

    #[test]
    fn an_unknown_word_lists_the_topics() {
        let e = page(&words("nonsense")).unwrap_err().to_string();
        assert!(e.contains("\"nonsense\"") && e.contains("  proofs "), "{e}");
    }
}
