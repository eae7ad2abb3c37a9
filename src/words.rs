//! Counts in words, with the noun agreeing: "1 warning", "2 warnings", "0 keys".

/// `n` and the noun for that many.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` and a noun made plural by adding "s" when `n` is not 1.
pub fn counted(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns_agree_with_their_count() {
        assert_eq!(counted(1u64, "warning"), "1 warning");
        assert_eq!(counted(0u64, "warning"), "0 warnings");
        assert_eq!(count(1u64, "status", "statuses"), "1 status");
        assert_eq!(count(3u64, "status", "statuses"), "3 statuses");
    }
}
