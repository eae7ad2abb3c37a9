//! Canonical JSON (RFC 8785, integers only): the exact bytes every entry hash is taken over.
//!
//! Changing anything in this file changes the bytes of every entry, and so breaks every
//! existing ledger: the known-answer tests below pin it.

use serde_json::Value;

/// Why a JSON value has no canonical form in this ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// RFC 8785 allows floats, but their text form is too easy to get wrong across languages.
    #[error("floating-point number {0} is not allowed in an entry (use an integer or a string)")]
    Float(String),
    /// I-JSON limits integers to what an IEEE double holds exactly.
    #[error(
        "integer {0} is outside the range -(2^53-1)..=2^53-1 that every JSON reader keeps exactly"
    )]
    IntegerRange(String),
}

/// Largest integer magnitude that every JSON implementation round-trips exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Serialises `value` in canonical form: keys sorted by UTF-16 code units, no whitespace.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

/// Appends the canonical form of `value` to `out`.
pub fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(&map[key], out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_number(n: &serde_json::Number, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(CanonicalError::IntegerRange(u.to_string()));
        }
        out.extend_from_slice(u.to_string().as_bytes());
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(CanonicalError::IntegerRange(i.to_string()));
        }
        out.extend_from_slice(i.to_string().as_bytes());
    } else {
        return Err(CanonicalError::Float(n.to_string()));
    }
    Ok(())
}

/// Writes a string the way ECMAScript's `JSON.stringify` does, as RFC 8785 requires.
pub fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_canonical_bytes(&v).unwrap()).unwrap()
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v = json!({"b": [1, {"z": null, "a": true}], "a": "x"});
        assert_eq!(canon(v), r#"{"a":"x","b":[1,{"a":true,"z":null}]}"#);
    }

    #[test]
    fn escapes_like_json_stringify() {
        let v = json!("q\"b\\\u{8}\t\n\u{c}\r\u{1}\u{1f}/é€😀\u{7f}");
        assert_eq!(
            canon(v),
            "\"q\\\"b\\\\\\b\\t\\n\\f\\r\\u0001\\u001f/é€😀\u{7f}\""
        );
    }

    #[test]
    fn sorts_by_utf16_code_units_not_bytes() {
        // U+FF61 sorts after U+1F600 in UTF-8 bytes but before it in UTF-16 (surrogates D83D..).
        let v = json!({"\u{ff61}": 1, "\u{1f600}": 2});
        assert_eq!(canon(v), "{\"\u{1f600}\":2,\"\u{ff61}\":1}");
    }

    #[test]
    fn rejects_floats_and_unsafe_integers() {
        assert!(matches!(
            to_canonical_bytes(&json!({"x": 1.5})),
            Err(CanonicalError::Float(_))
        ));
        assert!(matches!(
            to_canonical_bytes(&json!(9_007_199_254_740_992u64)),
            Err(CanonicalError::IntegerRange(_))
        ));
        assert_eq!(canon(json!(-9_007_199_254_740_991i64)), "-9007199254740991");
    }
}
