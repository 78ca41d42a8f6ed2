//! Whether a client's cached copy is still fresh: fresh 0.5.2, behind
//! Express's `req.fresh` and the `304 Not Modified` of `res.send`.
//!
//! [`fresh`] answers from header values alone, as fresh 0.5.2 does:
//!
//! 1. with neither `If-None-Match` nor `If-Modified-Since` (or both empty),
//!    the request is unconditional: not fresh;
//! 2. `Cache-Control` containing the `no-cache` directive: not fresh (an
//!    end-to-end reload);
//! 3. `If-None-Match` other than exactly `*`: one of its comma-separated
//!    tags must match the response's `ETag` by weak comparison (`W/"x"`
//!    matches `"x"` either way round); no `ETag`: not fresh;
//! 4. `If-Modified-Since`: the response's `Last-Modified` must be no later
//!    than it; a missing or unparsable date on either side: not fresh.
//!
//! Both 3 and 4 must hold when both headers are sent (fresh checks both,
//! where RFC 9110 would ignore `If-Modified-Since`).
//!
//! Express's `req.fresh` first requires a `GET` or `HEAD` request and a
//! response status of 2xx or 304; checking those is the caller's job.
//!
//! Limit: dates are read with [`date::parse`], which
//! accepts RFC 9110's formats only, while fresh uses JavaScript's lenient
//! `Date.parse`; a date only `Date.parse` understands (another time zone, no
//! zone, a year before 1970) makes the answer "not fresh" here, which only
//! costs a full response.

use super::date;

/// The request's conditional headers, as raw values (`None` when absent).
///
/// ```
/// use lamina::http::fresh::Conditions;
///
/// let req = Conditions { if_none_match: Some(b"\"foo\""), ..Conditions::default() };
/// assert!(req.if_modified_since.is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conditions<'a> {
    /// `If-None-Match`.
    pub if_none_match: Option<&'a [u8]>,
    /// `If-Modified-Since`.
    pub if_modified_since: Option<&'a [u8]>,
    /// `Cache-Control`.
    pub cache_control: Option<&'a [u8]>,
}

/// The response's validators, as raw values (`None` when absent).
///
/// ```
/// use lamina::http::fresh::Validators;
///
/// let res = Validators { etag: Some(b"W/\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\""), last_modified: None };
/// assert!(res.etag.is_some());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Validators<'a> {
    /// `ETag`.
    pub etag: Option<&'a [u8]>,
    /// `Last-Modified`.
    pub last_modified: Option<&'a [u8]>,
}

/// Whether the response described by `res` is fresh for the request's
/// conditions `req`, by fresh 0.5.2's rules (see the module docs).
///
/// ```
/// use lamina::http::fresh::{fresh, Conditions, Validators};
///
/// let res = Validators { etag: Some(b"\"bar\""), last_modified: None };
/// let cached = Conditions { if_none_match: Some(b"\"foo\", \"bar\""), ..Conditions::default() };
/// assert!(fresh(&cached, &res));
///
/// let reload = Conditions { cache_control: Some(b"no-cache"), ..cached };
/// assert!(!fresh(&reload, &res));
/// assert!(!fresh(&Conditions::default(), &res));
/// ```
#[must_use]
pub fn fresh(req: &Conditions<'_>, res: &Validators<'_>) -> bool {
    let modified_since = present(req.if_modified_since);
    let none_match = present(req.if_none_match);
    if modified_since.is_none() && none_match.is_none() {
        return false;
    }
    if req.cache_control.is_some_and(has_no_cache) {
        return false;
    }
    if let Some(none_match) = none_match.filter(|v| *v != b"*") {
        let Some(etag) = present(res.etag) else {
            return false;
        };
        // fresh's `parseTokenList`: entries split at commas, spaces (only
        // 0x20) around them dropped.
        if !none_match.split(|&b| b == b',').any(|tag| weak_match(trim(tag, |b| b == b' '), etag)) {
            return false;
        }
    }
    if let Some(modified_since) = modified_since {
        let last_modified = present(res.last_modified).and_then(date::parse);
        match (last_modified, date::parse(modified_since)) {
            (Some(last_modified), Some(since)) if last_modified <= since => {}
            _ => return false,
        }
    }
    true
}

/// The value, unless absent or empty (JavaScript treats `''` as absent).
fn present(value: Option<&[u8]>) -> Option<&[u8]> {
    value.filter(|v| !v.is_empty())
}

/// fresh's comparison: equal, or equal once one side's `W/` is dropped.
fn weak_match(tag: &[u8], etag: &[u8]) -> bool {
    tag == etag || tag.strip_prefix(b"W/") == Some(etag) || etag.strip_prefix(b"W/") == Some(tag)
}

/// Whether a `Cache-Control` value has the `no-cache` directive alone
/// between commas (fresh's `/(?:^|,)\s*?no-cache\s*?(?:,|$)/`; JavaScript's
/// `\s` on a header read as Latin-1 is tab to carriage return, space and
/// U+00A0).
fn has_no_cache(value: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|directive| trim(directive, |b| matches!(b, b'\t'..=b'\r' | b' ' | 0xA0)) == b"no-cache")
}

/// `bytes` without the leading and trailing bytes that are `space`.
fn trim(bytes: &[u8], space: impl Fn(u8) -> bool) -> &[u8] {
    let start = bytes.iter().position(|&b| !space(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| !space(b)).map_or(start, |i| i.saturating_add(1));
    bytes.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inm(value: &'static str) -> Conditions<'static> {
        Conditions { if_none_match: Some(value.as_bytes()), ..Conditions::default() }
    }

    fn ims(value: &'static str) -> Conditions<'static> {
        Conditions { if_modified_since: Some(value.as_bytes()), ..Conditions::default() }
    }

    fn etag(value: &'static str) -> Validators<'static> {
        Validators { etag: Some(value.as_bytes()), last_modified: None }
    }

    fn last_modified(value: &'static str) -> Validators<'static> {
        Validators { etag: None, last_modified: Some(value.as_bytes()) }
    }

    const AFTER: &str = "Sat, 01 Jan 2000 01:00:00 GMT";
    const BEFORE: &str = "Sat, 01 Jan 2000 00:00:00 GMT";

    /// fresh 0.5.2's test suite, case by case (answers checked with node).
    #[test]
    fn unconditional_requests_are_stale() {
        assert!(!fresh(&Conditions::default(), &Validators::default()));
        assert!(!fresh(&Conditions::default(), &etag("\"foo\"")));
        assert!(!fresh(&inm(""), &etag("\"foo\"")));
    }

    #[test]
    fn if_none_match() {
        assert!(fresh(&inm("\"foo\""), &etag("\"foo\"")));
        assert!(!fresh(&inm("\"foo\""), &etag("\"bar\"")));
        assert!(fresh(&inm(" \"bar\" , \"foo\""), &etag("\"foo\"")));
        assert!(!fresh(&inm("\"foo\""), &Validators::default()));
        assert!(!fresh(&inm("\"foo\""), &etag("")));
        // Weak comparison, either side weak.
        assert!(fresh(&inm("W/\"foo\""), &etag("W/\"foo\"")));
        assert!(!fresh(&inm("W/\"foo\""), &etag("W/\"bar\"")));
        assert!(fresh(&inm("W/\"foo\""), &etag("\"foo\"")));
        assert!(fresh(&inm("\"foo\""), &etag("W/\"foo\"")));
        // `*` matches anything, even no ETag; only exactly `*`.
        assert!(fresh(&inm("*"), &etag("\"foo\"")));
        assert!(fresh(&inm("*"), &Validators::default()));
        assert!(!fresh(&inm(" *"), &Validators::default()));
        // Tabs are not trimmed by fresh's token list.
        assert!(!fresh(&inm("\t\"foo\""), &etag("\"foo\"")));
        assert!(fresh(&inm("\"a\",\t\"b\",\"foo\""), &etag("\"foo\"")));
    }

    #[test]
    fn if_modified_since() {
        assert!(!fresh(&ims(BEFORE), &last_modified(AFTER)));
        assert!(fresh(&ims(AFTER), &last_modified(BEFORE)));
        assert!(fresh(&ims(AFTER), &last_modified(AFTER)));
        assert!(!fresh(&ims(AFTER), &Validators::default()));
        assert!(!fresh(&ims("foo"), &last_modified(BEFORE)));
        assert!(!fresh(&ims(AFTER), &last_modified("foo")));
        // Any of the three formats on either side.
        assert!(fresh(&ims("Saturday, 01-Jan-00 01:00:00 GMT"), &last_modified("Sat Jan  1 00:00:00 2000")));
    }

    #[test]
    fn both_headers_must_hold() {
        let req = Conditions {
            if_none_match: Some(b"\"foo\""),
            if_modified_since: Some(AFTER.as_bytes()),
            ..Conditions::default()
        };
        let both = |tag: &'static str, date: &'static str| Validators {
            etag: Some(tag.as_bytes()),
            last_modified: Some(date.as_bytes()),
        };
        assert!(fresh(&req, &both("\"foo\"", BEFORE)));
        assert!(!fresh(&req, &both("\"bar\"", BEFORE)));
        let later = Conditions { if_modified_since: Some(BEFORE.as_bytes()), ..req };
        assert!(!fresh(&later, &both("\"foo\"", AFTER)));
        // `*` still checks the date.
        let star = Conditions { if_none_match: Some(b"*"), ..later };
        assert!(!fresh(&star, &both("\"foo\"", AFTER)));
    }

    #[test]
    fn cache_control_no_cache() {
        for value in
            ["no-cache", " no-cache", "no-cache ", "public, no-cache", "no-cache,public", "max-age=0,\tno-cache , x"]
        {
            let req = Conditions { cache_control: Some(value.as_bytes()), ..inm("\"foo\"") };
            assert!(!fresh(&req, &etag("\"foo\"")), "{value}");
            let req = Conditions { cache_control: Some(value.as_bytes()), ..ims(AFTER) };
            assert!(!fresh(&req, &last_modified(BEFORE)), "{value}");
        }
        for value in ["no-cache2", "x-no-cache", "no-store", "NO-CACHE", "no-cache=\"set-cookie\"", ""] {
            let req = Conditions { cache_control: Some(value.as_bytes()), ..inm("\"foo\"") };
            assert!(fresh(&req, &etag("\"foo\"")), "{value}");
        }
    }
}
