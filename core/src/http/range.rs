//! The `Range` request header, as range-parser 1.2.1 reads it for Express's
//! `req.range(size, { combine })`.
//!
//! [`parse`] writes the satisfiable byte ranges of a header, in header order,
//! into a slice the caller provides, and answers the same ranges as
//! range-parser does:
//!
//! - `bytes=0-499` is the first 500 bytes, `bytes=-500` the last 500,
//!   `bytes=9500-` everything from offset 9500; an end past the entity is
//!   clamped to its last byte;
//! - ranges that select nothing (a start past the end, a start after the end,
//!   a suffix longer than the entity, `-0`, garbage, empty entries) are
//!   dropped; when all are, the header is [`RangeError::Unsatisfiable`] (a
//!   `416`);
//! - numbers are read as JavaScript's `parseInt` reads them: leading
//!   whitespace and `+` are skipped and the digits end at the first other
//!   character (`bytes=5abc-10` is `5-10`, `bytes=5` is `5-`);
//! - with `combine`, overlapping and adjacent ranges are merged, and the
//!   merged ranges come out in the order range-parser gives them (by the
//!   first range in header order that it does not consider contained in
//!   another).
//!
//! **Where lamina differs.** range-parser returns the unit for the caller to
//! check (`range.type === 'bytes'`); [`parse`] accepts only `bytes` (exactly
//! that, as Express apps and `send` compare it) and answers
//! [`RangeError::OtherUnit`] for any other. Numbers are exact `u64`s where
//! JavaScript rounds those above 2⁵³. The caller bounds the number of ranges
//! with the length of `out` ([`RangeError::TooMany`] past it). Express's
//! `req.range` answers `undefined` without a `Range` header: that check is
//! the caller's.
//!
//! **What to answer.** One range: `206` with that range. Several: a
//! `multipart/byteranges` `206`, or (as Express's `res.sendFile` and
//! `express.static` do) the whole entity with `200`.
//! [`RangeError::status`] gives the status for each error: only
//! `Unsatisfiable` is a `416`; for the others the server ignores the header
//! and sends the whole entity, as RFC 9110 §14.2 lets it.

use core::fmt;

/// One byte range of an entity: offsets `start..=end` (`end` inclusive, as
/// range-parser and `Content-Range` give it).
///
/// ```
/// use lamina::http::range::ByteRange;
///
/// let range = ByteRange { start: 500, end: 999 };
/// assert_eq!(range.len(), 500);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ByteRange {
    /// The first byte's offset.
    pub start: u64,
    /// The last byte's offset (inclusive).
    pub end: u64,
}

impl ByteRange {
    /// The number of bytes the range selects (0 if `end < start`, which
    /// [`parse`] never gives; saturating at `u64::MAX`).
    ///
    /// ```
    /// use lamina::http::range::ByteRange;
    ///
    /// assert_eq!(ByteRange { start: 0, end: 0 }.len(), 1);
    /// ```
    #[must_use]
    pub const fn len(&self) -> u64 {
        match self.end.checked_sub(self.start) {
            Some(span) => span.saturating_add(1),
            None => 0,
        }
    }

    /// Whether the range selects nothing (`end < start`; never for a range
    /// [`parse`] gives).
    ///
    /// ```
    /// use lamina::http::range::ByteRange;
    ///
    /// assert!(!ByteRange { start: 3, end: 3 }.is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.end < self.start
    }
}

/// Why a `Range` header gives no ranges.
///
/// ```
/// use lamina::http::range::{parse, ByteRange, RangeError};
///
/// let mut out = [ByteRange::default(); 1];
/// let err = parse(1000, b"bytes=2000-", false, &mut out).unwrap_err();
/// assert_eq!(err, RangeError::Unsatisfiable);
/// assert_eq!(err.status(), 416);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeError {
    /// No range selects any byte of the entity (range-parser's `-1`): answer
    /// `416` with `Content-Range: bytes */<size>`.
    Unsatisfiable,
    /// The header has no `=` (range-parser's `-2`): ignore it.
    Malformed,
    /// The unit is not `bytes` (range-parser parses it and leaves the check
    /// to the caller): ignore the header.
    OtherUnit,
    /// More satisfiable ranges than `out` holds (counted before combining):
    /// ignore the header and send the whole entity.
    TooMany,
}

impl RangeError {
    /// The status to answer: `416` for [`Unsatisfiable`](Self::Unsatisfiable),
    /// `200` (the whole entity, header ignored) for the others.
    ///
    /// ```
    /// use lamina::http::range::RangeError;
    ///
    /// assert_eq!(RangeError::Malformed.status(), 200);
    /// ```
    #[must_use]
    pub const fn status(self) -> u16 {
        match self {
            Self::Unsatisfiable => 416,
            Self::Malformed | Self::OtherUnit | Self::TooMany => 200,
        }
    }
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unsatisfiable => "range not satisfiable",
            Self::Malformed => "malformed range header",
            Self::OtherUnit => "range unit is not bytes",
            Self::TooMany => "too many ranges",
        })
    }
}

impl core::error::Error for RangeError {}

/// Parses a `Range` header for an entity of `size` bytes into `out`,
/// answering how many ranges it wrote (at least one).
///
/// `header` is the header's value (`bytes=0-499,-500`). With `combine`,
/// overlapping and adjacent ranges are merged as range-parser's `combine`
/// option does. `out` must hold every satisfiable range of the header
/// *before* combining, else [`RangeError::TooMany`]: size it for the ranges
/// you are willing to serve (`[ByteRange; 1]` for a server that, like
/// `express.static`, serves one range and the whole entity otherwise).
/// Combining costs O(n²) in `out.len()`.
///
/// ```
/// use lamina::http::range::{parse, ByteRange, RangeError};
///
/// let mut out = [ByteRange::default(); 4];
/// assert_eq!(parse(1000, b"bytes=0-499", false, &mut out), Ok(1));
/// assert_eq!(out[0], ByteRange { start: 0, end: 499 });
///
/// assert_eq!(parse(1000, b"bytes=-500,0-0", false, &mut out), Ok(2));
/// assert_eq!(out[..2], [ByteRange { start: 500, end: 999 }, ByteRange { start: 0, end: 0 }]);
///
/// assert_eq!(parse(1000, b"bytes=0-4,5-9,90-99", true, &mut out), Ok(2));
/// assert_eq!(out[..2], [ByteRange { start: 0, end: 9 }, ByteRange { start: 90, end: 99 }]);
///
/// assert_eq!(parse(1000, b"bytes=2000-", false, &mut out), Err(RangeError::Unsatisfiable));
/// assert_eq!(parse(1000, b"bytes", false, &mut out), Err(RangeError::Malformed));
/// assert_eq!(parse(1000, b"items=0-5", false, &mut out), Err(RangeError::OtherUnit));
/// ```
pub fn parse(size: u64, header: &[u8], combine: bool, out: &mut [ByteRange]) -> Result<usize, RangeError> {
    let mut halves = header.splitn(2, |&b| b == b'=');
    let unit = halves.next().unwrap_or_default();
    let specs = halves.next().ok_or(RangeError::Malformed)?;
    if unit != b"bytes" {
        return Err(RangeError::OtherUnit);
    }
    let mut count = 0;
    for range in specs.split(|&b| b == b',').filter_map(|spec| satisfiable(size, spec)) {
        *out.get_mut(count).ok_or(RangeError::TooMany)? = range;
        count = count.saturating_add(1);
    }
    let ranges = out.get_mut(..count).unwrap_or_default();
    match (ranges.len(), combine) {
        (0, _) => Err(RangeError::Unsatisfiable),
        (n, false) => Ok(n),
        (_, true) => Ok(combine_ranges(ranges)),
    }
}

/// The range one `first-last` entry selects, `None` when it selects
/// nothing (range-parser's `continue`).
fn satisfiable(size: u64, spec: &[u8]) -> Option<ByteRange> {
    let mut numbers = spec.split(|&b| b == b'-');
    let first = numbers.next().and_then(parse_int);
    let second = numbers.next().and_then(parse_int);
    let last = u128::from(size.checked_sub(1)?);
    let (start, end) = match (first, second) {
        (None, None) => return None,
        // -nnn: the last nnn bytes (none when nnn exceeds the size).
        (None, Some(suffix)) => (u128::from(size).checked_sub(suffix)?, last),
        // nnn-: to the end.
        (Some(start), None) => (start, last),
        (Some(start), Some(end)) => (start, end.min(last)),
    };
    if start > end {
        return None;
    }
    Some(ByteRange { start: u64::try_from(start).ok()?, end: u64::try_from(end).ok()? })
}

/// JavaScript's `parseInt(s, 10)` for the digits a range can hold: leading
/// whitespace and one `+` skipped, digits up to the first other byte, `None`
/// (NaN) without digits. Saturates far above any `u64` size.
fn parse_int(s: &[u8]) -> Option<u128> {
    let s = s.iter().position(|&b| !is_js_space(b)).and_then(|i| s.get(i..)).unwrap_or_default();
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let digits = s.iter().take_while(|b| b.is_ascii_digit());
    let mut any = false;
    let mut value: u128 = 0;
    for &d in digits {
        any = true;
        value = value.saturating_mul(10).saturating_add(u128::from(d.wrapping_sub(b'0')));
    }
    any.then_some(value)
}

/// JavaScript's whitespace, over header bytes read as Latin-1.
const fn is_js_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0)
}

/// Merges overlapping and adjacent ranges in place, in range-parser's order,
/// answering how many remain at the front of `ranges`.
///
/// range-parser sorts by start, sweeps, and orders each merged range by the
/// smallest header index among the ranges that extended its end during the
/// sweep. Those are exactly the ranges that no range before them in the
/// sorted order contains, so: first drop every range contained in one that
/// sorts before it (this changes no merged range), then merge in header
/// order, each merged range staying where its first member was.
fn combine_ranges(ranges: &mut [ByteRange]) -> usize {
    let n = ranges.len();
    let mut kept = 0;
    for i in 0..n {
        let Some(&r) = ranges.get(i) else { break };
        let before = ranges.get(..kept).unwrap_or_default();
        let after = ranges.get(i.saturating_add(1)..).unwrap_or_default();
        let contained = before.iter().any(|o| o.start <= r.start && o.end >= r.end)
            || after.iter().any(|o| o.start < r.start && o.end >= r.end);
        if !contained {
            if let Some(slot) = ranges.get_mut(kept) {
                *slot = r;
            }
            kept = kept.saturating_add(1);
        }
    }
    let mut merged = 0;
    for i in 0..kept {
        let Some(&range) = ranges.get(i) else { break };
        let mut grown = range;
        let mut into = None;
        let mut g = 0;
        while g < merged {
            let Some(&group) = ranges.get(g) else { break };
            let touches = group.start <= grown.end.saturating_add(1) && grown.start <= group.end.saturating_add(1);
            if !touches {
                g = g.saturating_add(1);
                continue;
            }
            grown = ByteRange { start: group.start.min(grown.start), end: group.end.max(grown.end) };
            if into.is_none() {
                into = Some(g);
                g = g.saturating_add(1);
            } else {
                // Bridged into an earlier group: close the gap.
                if let Some(rest) = ranges.get_mut(g..merged) {
                    rest.rotate_left(1);
                }
                merged = merged.saturating_sub(1);
            }
        }
        let slot = into.unwrap_or(merged);
        if let Some(target) = ranges.get_mut(slot) {
            *target = grown;
        }
        if into.is_none() {
            merged = merged.saturating_add(1);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    fn run(size: u64, header: &str, combine: bool) -> Result<Vec<(u64, u64)>, RangeError> {
        let mut out = [ByteRange::default(); 16];
        let n = parse(size, header.as_bytes(), combine, &mut out)?;
        Ok(out[..n].iter().map(|r| (r.start, r.end)).collect())
    }

    /// Recorded with range-parser 1.2.1 under Node 20: size, header, the
    /// answer without and with `combine` (`-1` Unsatisfiable, `-2` Malformed).
    #[test]
    fn matches_range_parser() {
        type Answer = Result<&'static [(u64, u64)], RangeError>;
        use RangeError::{Malformed, Unsatisfiable};
        let cases: &[(u64, &str, Answer, Answer)] = &[
            (1000, "bytes=0-499", Ok(&[(0, 499)]), Ok(&[(0, 499)])),
            (1000, "bytes=-500", Ok(&[(500, 999)]), Ok(&[(500, 999)])),
            (1000, "bytes=9500-", Err(Unsatisfiable), Err(Unsatisfiable)),
            (10000, "bytes=9500-", Ok(&[(9500, 9999)]), Ok(&[(9500, 9999)])),
            (1000, "bytes=0-0,-1", Ok(&[(0, 0), (999, 999)]), Ok(&[(0, 0), (999, 999)])),
            (1000, "bytes=0-99999", Ok(&[(0, 999)]), Ok(&[(0, 999)])),
            (1000, "bytes=-2000", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=-0", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=abc", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes", Err(Malformed), Err(Malformed)),
            (1000, "", Err(Malformed), Err(Malformed)),
            (1000, "bytes=", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=0-1,,2-3", Ok(&[(0, 1), (2, 3)]), Ok(&[(0, 3)])),
            (1000, "bytes= 5 - 10 ", Ok(&[(5, 10)]), Ok(&[(5, 10)])),
            (1000, "bytes=\t5-\n6", Ok(&[(5, 6)]), Ok(&[(5, 6)])),
            (1000, "bytes=5", Ok(&[(5, 999)]), Ok(&[(5, 999)])),
            (1000, "bytes=1-2-3", Ok(&[(1, 2)]), Ok(&[(1, 2)])),
            (1000, "bytes=+5-+10", Ok(&[(5, 10)]), Ok(&[(5, 10)])),
            (1000, "bytes=5abc-10x", Ok(&[(5, 10)]), Ok(&[(5, 10)])),
            (1000, "bytes=0x10-20", Ok(&[(0, 20)]), Ok(&[(0, 20)])),
            (1000, "bytes=1--5", Ok(&[(1, 999)]), Ok(&[(1, 999)])),
            (1000, "bytes=--5", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=500-400", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=0-1=2", Ok(&[(0, 1)]), Ok(&[(0, 1)])),
            (1000, "bytes=1.5-3", Ok(&[(1, 3)]), Ok(&[(1, 3)])),
            (1000, "bytes=1e3-", Ok(&[(1, 999)]), Ok(&[(1, 999)])),
            (0, "bytes=0-0", Err(Unsatisfiable), Err(Unsatisfiable)),
            (0, "bytes=-1", Err(Unsatisfiable), Err(Unsatisfiable)),
            (0, "bytes=0-", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1, "bytes=0-", Ok(&[(0, 0)]), Ok(&[(0, 0)])),
            (1, "bytes=-1", Ok(&[(0, 0)]), Ok(&[(0, 0)])),
            (1, "bytes=-2", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1, "bytes=0-0", Ok(&[(0, 0)]), Ok(&[(0, 0)])),
            (1, "bytes=1-1", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=99999999999999999999999-", Err(Unsatisfiable), Err(Unsatisfiable)),
            (1000, "bytes=0-99999999999999999999999", Ok(&[(0, 999)]), Ok(&[(0, 999)])),
            (1000, "bytes=-99999999999999999999999", Err(Unsatisfiable), Err(Unsatisfiable)),
            (
                1000,
                "bytes=0-4,90-99,5-75,100-199,101-102",
                Ok(&[(0, 4), (90, 99), (5, 75), (100, 199), (101, 102)]),
                Ok(&[(0, 75), (90, 199)]),
            ),
            (
                150,
                "bytes=0-4,90-99,5-75,100-199,101-102",
                Ok(&[(0, 4), (90, 99), (5, 75), (100, 149), (101, 102)]),
                Ok(&[(0, 75), (90, 149)]),
            ),
        ];
        for &(size, header, plain, combined) in cases {
            assert_eq!(run(size, header, false), plain.map(<[_]>::to_vec), "{size} {header:?}");
            assert_eq!(run(size, header, true), combined.map(<[_]>::to_vec), "{size} {header:?} combined");
        }
    }

    /// range-parser's order of combined ranges, recorded under Node 20
    /// (size 100).
    #[test]
    fn combined_order_matches_range_parser() {
        let cases: &[(&str, &[(u64, u64)])] = &[
            ("bytes=5-6,20-30,0-10", &[(20, 30), (0, 10)]),
            ("bytes=0-10,0-20,30-40", &[(0, 20), (30, 40)]),
            ("bytes=30-40,0-10,5-20", &[(30, 40), (0, 20)]),
            ("bytes=10-20,0-5,6-9", &[(0, 20)]),
            ("bytes=40-50,10-20,0-5,21-30,6-9", &[(40, 50), (0, 30)]),
            ("bytes=0-0,2-2,4-4,1-1,3-3", &[(0, 4)]),
            ("bytes=50-60,0-100", &[(0, 99)]),
            ("bytes=-10,0-5,80-", &[(0, 5), (80, 99)]),
        ];
        for &(header, expected) in cases {
            assert_eq!(run(100, header, true), Ok(expected.to_vec()), "{header:?}");
        }
    }

    /// range-parser's `combineRanges`, written out with a `Vec` and a
    /// stable sort.
    fn reference_combine(ranges: &[ByteRange]) -> Vec<ByteRange> {
        let mut ordered: Vec<(ByteRange, usize)> = ranges.iter().copied().zip(0..).collect();
        ordered.sort_by_key(|(r, _)| r.start);
        let mut merged: Vec<(ByteRange, usize)> = Vec::new();
        for (range, index) in ordered {
            match merged.last_mut() {
                Some((current, current_index)) if range.start <= current.end + 1 => {
                    if range.end > current.end {
                        current.end = range.end;
                        *current_index = (*current_index).min(index);
                    }
                }
                _ => merged.push((range, index)),
            }
        }
        merged.sort_by_key(|&(_, index)| index);
        merged.into_iter().map(|(r, _)| r).collect()
    }

    #[test]
    fn combine_agrees_with_range_parser_algorithm() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        for _ in 0..20_000 {
            let count = 1 + next(8) as usize;
            let ranges: Vec<ByteRange> = (0..count)
                .map(|_| {
                    let start = next(40);
                    ByteRange { start, end: start + next(12) }
                })
                .collect();
            let mut work = ranges.clone();
            let n = combine_ranges(&mut work);
            assert_eq!(work[..n], reference_combine(&ranges)[..], "{ranges:?}");
        }
    }

    #[test]
    fn capacity_and_units() {
        let mut none: [ByteRange; 0] = [];
        assert_eq!(parse(10, b"bytes=0-1", false, &mut none), Err(RangeError::TooMany));
        assert_eq!(parse(10, b"bytes=20-", false, &mut none), Err(RangeError::Unsatisfiable));
        let mut one = [ByteRange::default(); 1];
        assert_eq!(parse(10, b"bytes=0-1,2-3", true, &mut one), Err(RangeError::TooMany));
        assert_eq!(parse(10, b"bytes=0-1,20-30", true, &mut one), Ok(1));
        for unit in ["Bytes=0-1", " bytes=0-1", "=0-1", "items=0-5"] {
            assert_eq!(parse(10, unit.as_bytes(), false, &mut one), Err(RangeError::OtherUnit), "{unit}");
        }
        assert_eq!(parse(u64::MAX, b"bytes=-18446744073709551615", false, &mut one), Ok(1));
        assert_eq!(one[0], ByteRange { start: 0, end: u64::MAX - 1 });
        assert_eq!(parse(u64::MAX, b"bytes=-18446744073709551616", false, &mut one), Err(RangeError::Unsatisfiable));
        assert_eq!(one[0].len(), u64::MAX);
        // Node reads header bytes as Latin-1: 0xA0 is a no-break space.
        assert_eq!(parse(10, b"bytes=\xa05-6", false, &mut one), Ok(1));
        assert_eq!(one[0], ByteRange { start: 5, end: 6 });
        assert_eq!(RangeError::TooMany.to_string(), "too many ranges");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let mut out = [ByteRange::default(); 4];
        for header in [
            &b"bytes=\xff-\x00"[..],
            b"bytes=,,,,",
            b"bytes=-",
            b"bytes==",
            b"=",
            b"bytes=99999999999999999999999999999999999999999999-",
        ] {
            for size in [0, 1, u64::MAX] {
                let _ = parse(size, header, true, &mut out);
            }
        }
    }
}
