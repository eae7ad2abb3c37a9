//! Lowercase hex, the only form hashes, keys and signatures take in entries.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Each byte's value as a lowercase hex digit, or 0xff if it is not one.
const VALUE: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < DIGITS.len() {
        table[DIGITS[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// One digit's value, as [`decode`] reads it: a table lookup, not a range match (digits and
/// letters come in random order in a hash, and a branch on which one it is mispredicts).
#[cfg(test)]
fn digit(c: u8) -> Option<u8> {
    let v = VALUE[usize::from(c)];
    (v < 16).then_some(v)
}

/// The lowercase hex form of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// [`encode`], appended to `out`.
pub fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0xf)]);
    }
}

/// [`encode`] into `out`, which must be twice as long as `bytes` (a hash's hex on the stack).
pub fn encode_to(bytes: &[u8], out: &mut [u8]) {
    for (b, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
}

/// Decodes exactly `2 * N` lowercase hex digits; anything else (uppercase included) is `None`.
pub fn decode<const N: usize>(s: &str) -> Option<[u8; N]> {
    let bytes = s.as_bytes();
    if bytes.len() != 2 * N {
        return None;
    }
    // No early return: every digit is looked up and any bad one remembered (a bad digit's
    // value is 0xff), so the loop has no branch (verify decodes four hashes per entry).
    let mut out = [0u8; N];
    let mut seen = 0u8;
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let (hi, lo) = (VALUE[usize::from(pair[0])], VALUE[usize::from(pair[1])]);
        seen |= hi | lo;
        out[i] = (hi << 4) | (lo & 0xf);
    }
    (seen < 16).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_forms() {
        let b = [0x00, 0x9f, 0xab, 0xff];
        assert_eq!(encode(&b), "009fabff");
        assert_eq!(decode::<4>("009fabff"), Some(b));
        assert_eq!(decode::<4>("009FABFF"), None);
        assert_eq!(decode::<4>("009fab"), None);
        assert_eq!(decode::<4>("009fabfg"), None);
        for c in 0..=255u8 {
            let want = match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            assert_eq!(digit(c), want, "byte {c}");
        }
    }
}
