//! HTTP dates (RFC 9110 §5.6.7): formatting as IMF-fixdate, exactly as
//! Node's `Date#toUTCString` writes them (`Expires`, `Last-Modified`), and
//! parsing the three formats a recipient must accept (`If-Modified-Since`).
//!
//! An [`HttpDate`] is a count of whole seconds since the Unix epoch. It is
//! *wall-clock* time: [`lamina::time::Instant`](crate::time::Instant) is a
//! monotonic microsecond count with an arbitrary origin and cannot be turned
//! into a date, so the caller supplies the current wall-clock seconds (from
//! `SystemTime`, an RTC, NTP, …) with [`HttpDate::from_unix_secs`].
//!
//! Limits:
//! - Dates before 1970 are not representable: [`parse`] answers `None` for
//!   them. Dates after `Fri, 31 Dec 9999 23:59:59 GMT` ([`HttpDate::MAX`])
//!   are clamped to it, so the year always has four digits.
//! - [`parse`] accepts the RFC formats only, not everything JavaScript's
//!   `Date.parse` guesses at (time zones other than `GMT`, dates without a
//!   zone, `Feb 30` rolling over to March). Like `Date.parse` it accepts day
//!   and month names in any case, a one-digit day, and does not check that
//!   the weekday matches the date. RFC 850's two-digit years are read as
//!   `Date.parse` reads them: `00`–`49` are 2000–2049, `50`–`99` 1950–1999.

use core::fmt;

/// A point in wall-clock time, in whole seconds since the Unix epoch
/// (`1970-01-01T00:00:00Z`), between [`HttpDate::UNIX_EPOCH`] and
/// [`HttpDate::MAX`].
///
/// ```
/// use lamina::http::date::HttpDate;
///
/// let date = HttpDate::from_unix_secs(784_111_777);
/// assert_eq!(date.to_string(), "Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(date.unix_secs(), 784_111_777);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct HttpDate {
    secs: u64,
}

/// Seconds in a day.
const DAY: u64 = 86_400;
/// Days from 0000-03-01 (the proleptic Gregorian era origin used by the
/// civil-date arithmetic below) to 1970-01-01.
const EPOCH_DAYS: u64 = 719_468;
/// Days in a 400-year Gregorian era.
const ERA_DAYS: u64 = 146_097;

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAY_NAMES: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl HttpDate {
    /// The Unix epoch, `Thu, 01 Jan 1970 00:00:00 GMT`.
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// assert_eq!(HttpDate::UNIX_EPOCH.to_string(), "Thu, 01 Jan 1970 00:00:00 GMT");
    /// ```
    pub const UNIX_EPOCH: Self = Self { secs: 0 };

    /// The latest date with a four-digit year, `Fri, 31 Dec 9999 23:59:59 GMT`.
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// assert_eq!(HttpDate::MAX.to_string(), "Fri, 31 Dec 9999 23:59:59 GMT");
    /// assert_eq!(HttpDate::from_unix_secs(u64::MAX), HttpDate::MAX);
    /// ```
    pub const MAX: Self = Self { secs: 253_402_300_799 };

    /// The length of every IMF-fixdate this type writes (29 bytes).
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// assert_eq!(HttpDate::MAX.to_string().len(), HttpDate::IMF_FIXDATE_LEN);
    /// ```
    pub const IMF_FIXDATE_LEN: usize = 29;

    /// The date `secs` seconds after the Unix epoch, clamped to
    /// [`HttpDate::MAX`]. `secs` is wall-clock time supplied by the caller.
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// assert_eq!(HttpDate::from_unix_secs(0), HttpDate::UNIX_EPOCH);
    /// ```
    #[must_use]
    pub const fn from_unix_secs(secs: u64) -> Self {
        if secs > Self::MAX.secs { Self::MAX } else { Self { secs } }
    }

    /// Seconds since the Unix epoch.
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// assert_eq!(HttpDate::from_unix_secs(42).unix_secs(), 42);
    /// ```
    #[must_use]
    pub const fn unix_secs(self) -> u64 {
        self.secs
    }

    /// This date moved by `secs` seconds (negative: earlier), saturating at
    /// [`HttpDate::UNIX_EPOCH`] and [`HttpDate::MAX`].
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// let now = HttpDate::from_unix_secs(1_000);
    /// assert_eq!(now.saturating_add_signed(900).unix_secs(), 1_900);
    /// assert_eq!(now.saturating_add_signed(-5_000), HttpDate::UNIX_EPOCH);
    /// ```
    #[must_use]
    pub const fn saturating_add_signed(self, secs: i64) -> Self {
        Self::from_unix_secs(self.secs.saturating_add_signed(secs))
    }

    /// The IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as ASCII bytes, for
    /// a header value without a formatter.
    ///
    /// ```
    /// use lamina::http::date::HttpDate;
    ///
    /// let bytes = HttpDate::from_unix_secs(784_111_777).imf_fixdate();
    /// assert_eq!(&bytes, b"Sun, 06 Nov 1994 08:49:37 GMT");
    /// ```
    #[must_use]
    pub fn imf_fixdate(self) -> [u8; Self::IMF_FIXDATE_LEN] {
        // `secs <= MAX`, so every quantity below is small and in range.
        let days = self.secs / DAY;
        let secs_of_day = self.secs % DAY;
        let (year, month, day) = civil_from_days(days);
        let weekday = days.wrapping_add(4) % 7; // 1970-01-01 was a Thursday.
        let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
        let put = |out: &mut [u8; Self::IMF_FIXDATE_LEN], at: usize, text: &[u8]| {
            if let Some(slot) = out.get_mut(at..at.wrapping_add(text.len())) {
                slot.copy_from_slice(text);
            }
        };
        let name = |names: &[&'static str], index: u64| {
            usize::try_from(index).ok().and_then(|i| names.get(i)).map_or(&b"???"[..], |n| n.as_bytes())
        };
        put(&mut out, 0, name(&DAY_NAMES, weekday));
        put(&mut out, 5, &two_digits(day));
        put(&mut out, 8, name(&MONTH_NAMES, month.wrapping_sub(1)));
        put(&mut out, 12, &two_digits(year / 100));
        put(&mut out, 14, &two_digits(year % 100));
        put(&mut out, 17, &two_digits(secs_of_day / 3600));
        put(&mut out, 20, &two_digits(secs_of_day / 60 % 60));
        put(&mut out, 23, &two_digits(secs_of_day % 60));
        out
    }
}

/// Writes the IMF-fixdate, like Node's `Date#toUTCString`; allocation-free.
impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.imf_fixdate();
        f.write_str(core::str::from_utf8(&bytes).map_err(|_| fmt::Error)?)
    }
}

/// Two ASCII digits of `n % 100`.
fn two_digits(n: u64) -> [u8; 2] {
    let n = n % 100;
    // Both quotients are below 10, so the casts are exact.
    [b'0'.wrapping_add((n / 10) as u8), b'0'.wrapping_add((n % 10) as u8)]
}

/// `(year, month 1..=12, day 1..=31)` of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`). `days` is at most
/// `HttpDate::MAX / DAY`, so nothing below overflows.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days.wrapping_add(EPOCH_DAYS);
    let era = z / ERA_DAYS;
    let doe = z % ERA_DAYS; // day of era, 0..=146096
    let yoe = doe.wrapping_sub(doe / 1460).wrapping_add(doe / 36_524).wrapping_sub(doe / 146_096) / 365;
    let doy = doe.wrapping_sub(yoe.wrapping_mul(365).wrapping_add(yoe / 4).wrapping_sub(yoe / 100));
    let mp = doy.wrapping_mul(5).wrapping_add(2) / 153; // March-based month, 0..=11
    let day = doy.wrapping_sub(mp.wrapping_mul(153).wrapping_add(2) / 5).wrapping_add(1);
    let month = if mp < 10 { mp.wrapping_add(3) } else { mp.wrapping_sub(9) };
    let year = era.wrapping_mul(400).wrapping_add(yoe).wrapping_add(u64::from(month <= 2));
    (year, month, day)
}

/// Days from 1970-01-01 to a valid civil date in years 1970..=9999
/// (Howard Hinnant's `days_from_civil`); `None` before 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let year = year.checked_sub(u64::from(month <= 2))?;
    let era = year / 400;
    let yoe = year % 400;
    let mp = if month > 2 { month.checked_sub(3)? } else { month.checked_add(9)? };
    let doy = (mp.checked_mul(153)?.checked_add(2)? / 5).checked_add(day.checked_sub(1)?)?;
    let doe = yoe.checked_mul(365)?.checked_add(yoe / 4)?.checked_sub(yoe / 100)?.checked_add(doy)?;
    era.checked_mul(ERA_DAYS)?.checked_add(doe)?.checked_sub(EPOCH_DAYS)
}

/// Days in `month` (1..=12) of `year`.
const fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an HTTP date in any of RFC 9110's three formats:
///
/// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
/// - obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`
/// - obsolete asctime: `Sun Nov  6 08:49:37 1994` (read as UTC)
///
/// Surrounding ASCII whitespace is ignored. Anything else, an impossible
/// date or time, or a date before 1970 gives `None` (see the module docs
/// for how this differs from JavaScript's `Date.parse`). Never panics.
///
/// ```
/// use lamina::http::date::{parse, HttpDate};
///
/// let date = Some(HttpDate::from_unix_secs(784_111_777));
/// assert_eq!(parse(b"Sun, 06 Nov 1994 08:49:37 GMT"), date);
/// assert_eq!(parse(b"Sunday, 06-Nov-94 08:49:37 GMT"), date);
/// assert_eq!(parse(b"Sun Nov  6 08:49:37 1994"), date);
/// assert_eq!(parse(b"yesterday"), None);
/// ```
#[must_use]
pub fn parse(value: &[u8]) -> Option<HttpDate> {
    let mut c = Cursor { rest: value.trim_ascii() };
    let weekday = c.letters();
    if !DAY_NAMES.iter().chain(LONG_DAY_NAMES.iter()).any(|name| weekday.eq_ignore_ascii_case(name.as_bytes())) {
        return None;
    }
    let (year, month, day, secs);
    if c.eat(b',') {
        c.expect(b' ')?;
        day = c.number(1, 2)?;
        if c.eat(b'-') {
            // RFC 850: DD-Mon-YY HH:MM:SS GMT
            month = c.month()?;
            c.expect(b'-')?;
            let yy = c.number(2, 2)?;
            year = if yy < 50 { yy.wrapping_add(2000) } else { yy.wrapping_add(1900) };
        } else {
            // IMF-fixdate: DD Mon YYYY HH:MM:SS GMT
            c.expect(b' ')?;
            month = c.month()?;
            c.expect(b' ')?;
            year = c.number(4, 4)?;
        }
        c.expect(b' ')?;
        secs = c.time()?;
        c.expect(b' ')?;
        if !c.letters().eq_ignore_ascii_case(b"GMT") {
            return None;
        }
    } else {
        // asctime: Mon _D HH:MM:SS YYYY
        c.expect(b' ')?;
        month = c.month()?;
        c.expect(b' ')?;
        c.eat(b' ');
        day = c.number(1, 2)?;
        c.expect(b' ')?;
        secs = c.time()?;
        c.expect(b' ')?;
        year = c.number(4, 4)?;
    }
    if !c.rest.is_empty() || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some(HttpDate::from_unix_secs(days.checked_mul(DAY)?.checked_add(secs)?))
}

/// A reading position in a date being parsed.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Consumes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        match self.rest.split_first() {
            Some((&b, rest)) if b == byte => {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    /// Consumes `byte`, or fails.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Consumes a run of ASCII letters (possibly empty).
    fn letters(&mut self) -> &'a [u8] {
        let len = self.rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let (word, rest) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = rest;
        word
    }

    /// Consumes `min..=max` decimal digits (at most 4, so no overflow).
    fn number(&mut self, min: usize, max: usize) -> Option<u64> {
        let len = self.rest.iter().take(max).take_while(|b| b.is_ascii_digit()).count();
        if len < min {
            return None;
        }
        let (digits, rest) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = rest;
        Some(digits.iter().fold(0u64, |n, d| n.wrapping_mul(10).wrapping_add(u64::from(d.wrapping_sub(b'0')))))
    }

    /// Consumes a three-letter month name; answers 1..=12.
    fn month(&mut self) -> Option<u64> {
        let name = self.letters();
        let index = MONTH_NAMES.iter().position(|m| name.eq_ignore_ascii_case(m.as_bytes()))?;
        u64::try_from(index).ok()?.checked_add(1)
    }

    /// Consumes `HH:MM:SS`; answers seconds since midnight. Second 60 (a
    /// leap second) is accepted and counts as the next minute's first.
    fn time(&mut self) -> Option<u64> {
        let hour = self.number(2, 2)?;
        self.expect(b':')?;
        let minute = self.number(2, 2)?;
        self.expect(b':')?;
        let second = self.number(2, 2)?;
        (hour < 24 && minute < 60 && second <= 60)
            .then(|| hour.wrapping_mul(3600).wrapping_add(minute.wrapping_mul(60)).wrapping_add(second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    /// Node: `new Date(ms).toUTCString()` for these instants.
    #[test]
    fn formats_like_to_utc_string() {
        let cases: [(u64, &str); 8] = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (1_700_000_900, "Tue, 14 Nov 2023 22:28:20 GMT"),
            (1_699_999_998, "Tue, 14 Nov 2023 22:13:18 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
            (1_709_337_599, "Fri, 01 Mar 2024 23:59:59 GMT"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
        ];
        for (secs, text) in cases {
            assert_eq!(HttpDate::from_unix_secs(secs).to_string(), text, "{secs}");
            assert_eq!(parse(text.as_bytes()), Some(HttpDate::from_unix_secs(secs)), "{text}");
        }
        assert_eq!(HttpDate::from_unix_secs(253_402_300_800), HttpDate::MAX);
    }

    #[test]
    fn round_trips_every_day() {
        // One instant per day over 1970..2400 (covers 2000 and 2100 leap rules).
        let mut secs = 12_345;
        while secs < 13_569_465_600 {
            let date = HttpDate::from_unix_secs(secs);
            assert_eq!(parse(date.to_string().as_bytes()), Some(date));
            secs += DAY;
        }
    }

    /// Node: `Date.parse(text) / 1000` for the accepted cases.
    #[test]
    fn parses_the_three_formats() {
        let cases: [(&str, Option<u64>); 22] = [
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("  Sun, 06 Nov 1994 08:49:37 GMT\t", Some(784_111_777)),
            ("sun, 06 nov 1994 08:49:37 gmt", Some(784_111_777)),
            ("Mon, 06 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("Sun, 6 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", Some(784_111_777)),
            ("Sunday, 06-Nov-49 08:49:37 GMT", Some(2_519_801_377)),
            ("Sunday, 06-Nov-70 08:49:37 GMT", Some(26_729_377)),
            ("Sun Nov  6 08:49:37 1994", Some(784_111_777)),
            ("Sun Nov 6 08:49:37 1994", Some(784_111_777)),
            ("Sun Nov 16 08:49:37 1994", Some(784_975_777)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("Fri, 01 Mar 2024 23:59:60 GMT", Some(1_709_337_600)),
            ("Sunday, 06-Nov-50 08:49:37 GMT", None), // 1950
            ("Wed, 31 Dec 1969 23:59:59 GMT", None),
            ("Fri, 30 Feb 2024 00:00:00 GMT", None),
            ("Fri, 01 Mar 2024 24:00:00 GMT", None),
            ("Xyz, 06 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06 Nov 1994 08:49:37 UTC", None),
            ("Sun, 06 Nov 1994 08:49:37", None),
            ("Sun, 06 Nov 1994 8:49:37 GMT", None),
            ("Sun, 06 Nov 1994 08:49:37 GMT x", None),
        ];
        for (text, secs) in cases {
            assert_eq!(parse(text.as_bytes()), secs.map(HttpDate::from_unix_secs), "{text:?}");
        }
    }

    #[test]
    fn never_panics_on_prefixes_and_garbage() {
        let full = b"Sunday, 06-Nov-94 08:49:37 GMT";
        for end in 0..full.len() {
            assert_eq!(parse(&full[..end]), None);
        }
        for text in
            [&b""[..], b",", b"Sun,", b"Sun, 99 Nov 9999 99:99:99 GMT", b"\xff\xfe", b"Sun Nov  6 08:49:37 99999"]
        {
            assert_eq!(parse(text), None);
        }
    }
}
