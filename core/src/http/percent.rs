//! Percent-decoding (`%XX`), the one decoder behind route parameters, query
//! strings and cookie values. Nothing is copied: the decoded bytes are an
//! iterator over the encoded text.

/// The bytes of encoded text with each `%XX` escape decoded; a `%` without
/// two hex digits after it stays as it is. See [`decoded`].
#[derive(Clone, Debug)]
pub(crate) struct Decoded<'a> {
    rest: &'a [u8],
    plus_as_space: bool,
}

/// `raw` decoded; with `plus_as_space`, `+` is a space, as in form
/// encoding (query strings), not in URL paths or cookies.
pub(crate) fn decoded(raw: &[u8], plus_as_space: bool) -> Decoded<'_> {
    Decoded { rest: raw, plus_as_space }
}

impl Iterator for Decoded<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let (&first, tail) = self.rest.split_first()?;
        if first == b'%' {
            if let (Some(high), Some(low)) = (hex(tail.first()), hex(tail.get(1))) {
                self.rest = tail.get(2..).unwrap_or_default();
                return Some(high.wrapping_mul(16).wrapping_add(low));
            }
        }
        self.rest = tail;
        Some(if first == b'+' && self.plus_as_space { b' ' } else { first })
    }
}

/// Whether every `%` of `raw` starts an escape (what `decodeURIComponent`
/// requires, besides UTF-8).
pub(crate) fn well_formed(raw: &[u8]) -> bool {
    raw.iter().enumerate().filter(|(_, b)| **b == b'%').all(|(i, _)| {
        let digit = |k: usize| hex(raw.get(i.saturating_add(k))).is_some();
        digit(1) && digit(2)
    })
}

/// The value of an ASCII hex digit.
fn hex(b: Option<&u8>) -> Option<u8> {
    b.and_then(|b| char::from(*b).to_digit(16)).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::*;

    #[test]
    fn escapes_plus_and_malformed_escapes() {
        let d = |raw: &str, plus| decoded(raw.as_bytes(), plus).collect::<Vec<u8>>();
        assert_eq!(d("a%20b+c", false), b"a b+c");
        assert_eq!(d("a%20b+c", true), b"a b c");
        assert_eq!(d("%zz%4", false), b"%zz%4");
        assert_eq!(d("%%41", false), b"%A");
        assert!(well_formed(b"a%2Fb"));
        assert!(!well_formed(b"100%"));
        assert!(!well_formed(b"%4g"));
    }
}
