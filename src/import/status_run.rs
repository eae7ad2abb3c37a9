//! Splits a run of statuses written one after another with single spaces ("Started but
//! delayed Progressing and on track Completed"), as a web page's RAG cells arrive when copied
//! as plain text, into the statuses the plan accepts; pure.
//!
//! At each point the longest accepted phrase that matches wins (word by word, ignoring case),
//! so "Not yet due" is read whole even when "Not yet" is also accepted.

use std::ops::Range;

/// How a run split: the word ranges of each status read, and where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Each status's words, as a range of the run's words, in order.
    pub statuses: Vec<Range<usize>>,
    /// The first word no accepted phrase starts at; the run's length when it split whole.
    pub stuck_at: usize,
}

/// The accepted phrases as lowercase word lists, longest first (ties keep their given order).
fn phrases(words: &[&str]) -> Vec<Vec<String>> {
    let mut phrases: Vec<Vec<String>> = words
        .iter()
        .map(|w| w.split_whitespace().map(str::to_lowercase).collect())
        .filter(|p: &Vec<String>| !p.is_empty())
        .collect();
    phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
    phrases
}

/// Whether `phrase` is written at `run[at..]`, ignoring case.
fn matches_at(run: &[&str], at: usize, phrase: &[String]) -> bool {
    run.get(at..at + phrase.len()).is_some_and(|words| {
        words
            .iter()
            .zip(phrase)
            .all(|(w, p)| w.to_lowercase() == *p)
    })
}

/// Splits `run` (its words) by the accepted `words`, longest phrase first.
pub fn split_run(run: &[&str], words: &[&str]) -> Split {
    let phrases = phrases(words);
    let mut statuses = Vec::new();
    let mut at = 0;
    while at < run.len() {
        let Some(p) = phrases.iter().find(|p| matches_at(run, at, p)) else {
            break;
        };
        statuses.push(at..at + p.len());
        at += p.len();
    }
    Split {
        statuses,
        stuck_at: at,
    }
}

/// Another reading of the whole run as exactly `count` statuses, if one exists: offered in
/// the error when the longest-first split gives a different number.
pub fn reading_of(run: &[&str], words: &[&str], count: usize) -> Option<Vec<Range<usize>>> {
    let phrases = phrases(words);
    let n = run.len();
    // fits[i][k]: run[i..] splits into exactly k statuses.
    let mut fits = vec![vec![false; count + 1]; n + 1];
    fits[n][0] = true;
    for i in (0..n).rev() {
        for k in 1..=count {
            fits[i][k] = phrases
                .iter()
                .any(|p| matches_at(run, i, p) && fits[i + p.len()][k - 1]);
        }
    }
    if !fits[0][count] {
        return None;
    }
    let (mut at, mut left, mut out) = (0, count, Vec::with_capacity(count));
    while left > 0 {
        let p = phrases
            .iter()
            .find(|p| matches_at(run, at, p) && fits[at + p.len()][left - 1])?;
        out.push(at..at + p.len());
        at += p.len();
        left -= 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const YORK: [&str; 6] = [
        "Not started",
        "Started but delayed",
        "Progressing but delayed",
        "Progressing and on track",
        "Completed",
        "Embedded",
    ];

    fn words(run: &str) -> Vec<&str> {
        run.split_whitespace().collect()
    }

    /// The statuses of a split as text, and the unread rest.
    fn read(run: &str, accepted: &[&str]) -> (Vec<String>, String) {
        let w = words(run);
        let split = split_run(&w, accepted);
        let statuses = split.statuses.iter().map(|r| w[r.clone()].join(" "));
        (statuses.collect(), w[split.stuck_at..].join(" "))
    }

    #[test]
    fn york_run_splits_into_its_statuses() {
        let (statuses, rest) = read(
            "Started but delayed Progressing and on track Completed Completed Embedded",
            &YORK,
        );
        assert_eq!(
            statuses,
            [
                "Started but delayed",
                "Progressing and on track",
                "Completed",
                "Completed",
                "Embedded"
            ]
        );
        assert_eq!(rest, "");
    }

    #[test]
    fn case_and_spacing_are_ignored() {
        let (statuses, rest) = read("not  STARTED\tcompleted", &YORK);
        assert_eq!(statuses, ["not STARTED", "completed"]);
        assert_eq!(rest, "");
    }

    #[test]
    fn longest_phrase_wins_over_its_prefix() {
        let accepted = ["Not yet", "Not yet due", "Due", "On track"];
        let (statuses, _) = read("Not yet due On track", &accepted);
        assert_eq!(statuses, ["Not yet due", "On track"]);
        // Given in the other order, the longer phrase still wins.
        let accepted = ["Not yet due", "Not yet", "Due", "On track"];
        let (statuses, _) = read("Not yet due On track", &accepted);
        assert_eq!(statuses, ["Not yet due", "On track"]);
    }

    #[test]
    fn an_ambiguous_run_is_read_longest_first_and_the_other_reading_is_found() {
        // "Not yet due" could be one status or two ("Not yet", "Due").
        let accepted = ["Not yet", "Not yet due", "Due"];
        let w = words("Not yet due Due");
        let split = split_run(&w, &accepted);
        assert_eq!(split.statuses, [0..3, 3..4]);
        // Three columns: only the other reading fits, and it is offered, not taken.
        assert_eq!(reading_of(&w, &accepted, 3), Some(vec![0..2, 2..3, 3..4]));
        assert_eq!(reading_of(&w, &accepted, 2), Some(vec![0..3, 3..4]));
        assert_eq!(reading_of(&w, &accepted, 4), None);
    }

    #[test]
    fn an_unknown_word_stops_the_split_where_it_starts() {
        let (statuses, rest) = read("Completed Completd Embedded", &YORK);
        assert_eq!(statuses, ["Completed"]);
        assert_eq!(rest, "Completd Embedded");
        // A phrase cut short is not a status either.
        let (statuses, rest) = read("Embedded Progressing and on", &YORK);
        assert_eq!(statuses, ["Embedded"]);
        assert_eq!(rest, "Progressing and on");
    }

    #[test]
    fn too_many_and_too_few_are_counted_not_guessed() {
        let w = words("Completed Completed Embedded");
        assert_eq!(split_run(&w, &YORK).statuses.len(), 3);
        assert_eq!(reading_of(&w, &YORK, 2), None);
        assert_eq!(reading_of(&w, &YORK, 4), None);
        assert_eq!(reading_of(&w, &YORK, 3), Some(vec![0..1, 1..2, 2..3]));
    }

    #[test]
    fn an_empty_run_has_no_statuses() {
        let split = split_run(&[], &YORK);
        assert!(split.statuses.is_empty());
        assert_eq!(split.stuck_at, 0);
        assert_eq!(reading_of(&[], &YORK, 0), Some(vec![]));
    }
}
