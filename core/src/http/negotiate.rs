//! Content negotiation and body type checks, as Express 4 does them:
//! `req.accepts*` (accepts 1.3.8 over negotiator 0.6.3) and `req.is`
//! (type-is 1.6.18).
//!
//! Each function takes a header's value (`None` when the request lacks the
//! header) and what the app offers, and answers the offer negotiator would
//! put first, as the app spelled it:
//!
//! | function | header | Express |
//! |---|---|---|
//! | [`accepts`] | `Accept` | `req.accepts(types)`, `res.format` |
//! | [`accepts_charsets`] | `Accept-Charset` | `req.acceptsCharsets(...)` |
//! | [`accepts_encodings`] | `Accept-Encoding` | `req.acceptsEncodings(...)` |
//! | [`accepts_languages`] | `Accept-Language` | `req.acceptsLanguages(...)` |
//! | [`is`] | `Content-Type` | `req.is(types)` |
//!
//! Negotiator's ranking, reproduced here: for each offer, the header entry
//! that matches it most specifically gives its quality (among equally
//! specific ones, the highest `q`, then the *last*); offers with a quality
//! above 0 are ranked by quality, then specificity, then the position of
//! that header entry, then the order of the offers. `q` is read as
//! JavaScript's `parseFloat` reads it (`q=.5`, `q=1.000`, `q=0.5x` are
//! numbers, `q=abc` is not and excludes the entry, like `q=0`); quirks of
//! each header's parser are kept (parameters are case-sensitive `q` in
//! `Accept-Charset`, `Accept-Language` ignores `; q=` with a space).
//!
//! **Limits.** Nothing allocates: the header is walked again for each offer.
//! Only the first [`MAX_ENTRIES`] comma-separated entries of a header count,
//! and an entry with more than [`MAX_PARAMS`] parameters is ignored, which
//! bounds the work per offer for any header. Bytes are Latin-1 (as Node
//! reads headers) and case folding is ASCII.

use core::cmp::Ordering;

use super::mime;

/// The number of a header's comma-separated entries considered; later
/// entries are ignored (browsers send fewer than 15).
pub const MAX_ENTRIES: usize = 64;

/// The number of `;` parameters an entry may have; an entry with more is
/// ignored.
pub const MAX_PARAMS: usize = 16;

/// The best of `offered` for an `Accept` header, as Express's
/// `req.accepts(types)` answers.
///
/// Offers are extensions (`"html"`, `"json"`: typed through
/// [`mime::from_extension`]; an unknown one never matches) or media types
/// (`"text/html"`, `"image/*"`; a `*` in an offer only matches a `*` in the
/// header). Without an `Accept` header, or with an empty one, the first
/// offer (whatever it is); `None` when nothing offered is acceptable or
/// nothing is offered (where Express lists the header's types).
///
/// ```
/// use lamina::http::negotiate::accepts;
///
/// let accept = Some(&b"text/*;q=.5, application/json"[..]);
/// assert_eq!(accepts(accept, &["html", "json"]), Some("json"));
/// assert_eq!(accepts(accept, &["text/html"]), Some("text/html"));
/// assert_eq!(accepts(accept, &["image/png"]), None);
/// assert_eq!(accepts(None, &["json", "html"]), Some("json"));
/// ```
#[must_use]
pub fn accepts<'a>(accept: Option<&[u8]>, offered: &[&'a str]) -> Option<&'a str> {
    let header = match accept {
        Some(header) if !header.is_empty() => header,
        _ => return offered.first().copied(),
    };
    pick(offered, |offer| {
        let mime = if offer.contains('/') { Some(offer) } else { mime::from_extension(offer) };
        let Some(offer) = mime.and_then(|m| media_range(trim(m.as_bytes()), 0)) else {
            return NO_MATCH;
        };
        best_entry(media_ranges(header).filter_map(|spec| Some(spec.priority(media_specificity(&offer, &spec)?))))
    })
}

/// The best of `offered` for an `Accept-Charset` header, as Express's
/// `req.acceptsCharsets(...)` answers.
///
/// Without the header every charset is acceptable (the first offer wins);
/// an empty header accepts none. Charsets compare without regard to ASCII
/// case; `*` matches any.
///
/// ```
/// use lamina::http::negotiate::accepts_charsets;
///
/// let header = Some(&b"utf-8, iso-8859-1;q=0.2, utf-7;q=0.5"[..]);
/// assert_eq!(accepts_charsets(header, &["iso-8859-1", "utf-7"]), Some("utf-7"));
/// assert_eq!(accepts_charsets(None, &["utf-8"]), Some("utf-8"));
/// ```
#[must_use]
pub fn accepts_charsets<'a>(accept_charset: Option<&[u8]>, offered: &[&'a str]) -> Option<&'a str> {
    let header = accept_charset.unwrap_or(b"*");
    pick(offered, |offer| best_entry(tokens(header).filter_map(|spec| spec.matching(offer))))
}

/// The best of `offered` for an `Accept-Encoding` header, as Express's
/// `req.acceptsEncodings(...)` answers.
///
/// `identity` is acceptable unless the header refuses it (`identity;q=0`,
/// or `*;q=0` without an `identity` entry): a header that names neither
/// ranks it with the lowest quality it gives, after every entry. A missing
/// header is an empty one: only `identity` is acceptable.
///
/// ```
/// use lamina::http::negotiate::accepts_encodings;
///
/// let header = Some(&b"gzip, compress;q=0.2"[..]);
/// assert_eq!(accepts_encodings(header, &["compress", "gzip"]), Some("gzip"));
/// assert_eq!(accepts_encodings(header, &["identity", "compress"]), Some("compress"));
/// assert_eq!(accepts_encodings(None, &["gzip", "identity"]), Some("identity"));
/// assert_eq!(accepts_encodings(Some(b"*;q=0"), &["identity"]), None);
/// ```
#[must_use]
pub fn accepts_encodings<'a>(accept_encoding: Option<&[u8]>, offered: &[&'a str]) -> Option<&'a str> {
    let header = accept_encoding.unwrap_or_default();
    let mut has_identity = false;
    let mut min_q: f64 = 1.0;
    for spec in tokens(header) {
        has_identity |= spec.matching("identity").is_some();
        // `Math.min(minQuality, q || 1)`
        if spec.q != 0.0 && !spec.q.is_nan() {
            min_q = min_q.min(spec.q);
        }
    }
    // After every entry, counting those that did not parse.
    let pieces = split(header, b',', false).take(MAX_ENTRIES).count();
    let identity = Token { token: b"identity", q: min_q, index: i32::try_from(pieces).unwrap_or(i32::MAX) };
    let implied = (!has_identity).then_some(identity);
    pick(offered, |offer| best_entry(tokens(header).chain(implied).filter_map(|spec| spec.matching(offer))))
}

/// The best of `offered` for an `Accept-Language` header, as Express's
/// `req.acceptsLanguages(...)` answers.
///
/// An entry matches an offer equal to it (most specific), an offer that is
/// its primary tag (`en-US` matches `en`), or an offer whose primary tag it
/// is (`en` matches `en-US`, least specific); `*` matches any. Without the
/// header every language is acceptable; an empty header accepts none.
///
/// ```
/// use lamina::http::negotiate::accepts_languages;
///
/// let header = Some(&b"en;q=0.8, es, pt"[..]);
/// assert_eq!(accepts_languages(header, &["en", "es", "pt"]), Some("es"));
/// assert_eq!(accepts_languages(Some(b"en-US"), &["en"]), Some("en"));
/// assert_eq!(accepts_languages(Some(b"en"), &["en-US"]), Some("en-US"));
/// assert_eq!(accepts_languages(Some(b"en-US"), &["en-GB"]), None);
/// ```
#[must_use]
pub fn accepts_languages<'a>(accept_language: Option<&[u8]>, offered: &[&'a str]) -> Option<&'a str> {
    let header = accept_language.unwrap_or(b"*");
    pick(offered, |offer| {
        let Some(offer) = language(trim(offer.as_bytes()), 0) else { return NO_MATCH };
        best_entry(languages(header).filter_map(|spec| {
            let exact = [(spec.full, offer.full, 4), (spec.prefix, offer.full, 2), (spec.full, offer.prefix, 1)];
            let s = exact.iter().find(|(h, o, _)| h.eq_ignore_ascii_case(o)).map(|&(.., s)| s);
            let s = s.or((spec.full == b"*").then_some(0))?;
            Some(Priority { s, q: spec.q, o: spec.index })
        }))
    })
}

/// The first of `types` a `Content-Type` matches, as type-is's
/// `is(mediaType, types)` under Express's `req.is(types)` answers.
///
/// Each entry is an extension (`"html"`, `"json"`), a media type with
/// wildcards (`"text/*"`, `"*/json"`, `"application/*+json"`, `"*/*"`), a
/// structured suffix (`"+json"` matches `application/vnd.api+json`), or one
/// of the shorthands `"urlencoded"` and `"multipart"`. The content type's
/// parameters are ignored, its case is not significant, and an invalid one
/// (not `type/subtype` tokens, a malformed parameter) matches nothing. An
/// entry must be written in lower case to match, as in type-is.
///
/// The matching entry is answered as given. (type-is answers the request's
/// own type, lower-cased, for an entry with a `*` or a leading `+`;
/// [`mime::media_type`] gives it. Express's `req.is()` with no types
/// answers the type too: `is(content_type, &["*/*"])` tells whether it is
/// valid.) Express answers `null` for a request without a body; checking
/// that is the caller's part.
///
/// ```
/// use lamina::http::negotiate::is;
///
/// let html = Some(&b"text/html; charset=utf-8"[..]);
/// assert_eq!(is(html, &["html"]), Some("html"));
/// assert_eq!(is(html, &["text/*"]), Some("text/*"));
/// assert_eq!(is(html, &["json", "text/html"]), Some("text/html"));
/// assert_eq!(is(Some(b"application/vnd.api+json"), &["+json"]), Some("+json"));
/// assert_eq!(is(Some(b"application/x-www-form-urlencoded"), &["urlencoded"]), Some("urlencoded"));
/// assert_eq!(is(None, &["html"]), None);
/// ```
#[must_use]
pub fn is<'a>(content_type: Option<&[u8]>, types: &[&'a str]) -> Option<&'a str> {
    let (ty, subtype) = mime::media_type(content_type?)?;
    types.iter().copied().find(|&entry| {
        let expected = match entry {
            "urlencoded" => "application/x-www-form-urlencoded",
            "multipart" => "multipart/*",
            _ if entry.contains('/') || entry.starts_with('+') => entry,
            _ => match mime::from_extension(entry) {
                Some(mime) => mime,
                None => return false,
            },
        };
        type_matches(expected, ty, subtype)
    })
}

/// type-is's `mimeMatch` of a normalized entry against a valid content
/// type: `*` wildcards, `*+suffix` subtypes, `+suffix` for `*/*+suffix`.
/// The entry is compared with the lower-cased content type.
fn type_matches(expected: &str, ty: &[u8], subtype: &[u8]) -> bool {
    let lower_eq = |want: &str, have: &[u8]| want.bytes().eq(have.iter().map(u8::to_ascii_lowercase));
    let (want_type, want_subtype, suffix) = if expected.starts_with('+') {
        ("*", "", Some(expected))
    } else {
        let Some((want_type, want_subtype)) = expected.split_once('/') else { return false };
        (want_type, want_subtype, want_subtype.strip_prefix('*').filter(|s| s.starts_with('+')))
    };
    if want_subtype.contains('/') || suffix.is_some_and(|s| s.contains('/')) {
        return false;
    }
    if want_type != "*" && !lower_eq(want_type, ty) {
        return false;
    }
    match suffix {
        Some(suffix) => subtype
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| subtype.get(at..))
            .is_some_and(|end| lower_eq(suffix, end)),
        None => want_subtype == "*" || lower_eq(want_subtype, subtype),
    }
}

/// How well one header entry matches one offer: negotiator's `{s, q, o}`.
#[derive(Clone, Copy, Debug)]
struct Priority {
    /// Specificity: which parts matched exactly rather than by wildcard.
    s: u8,
    /// The entry's quality (NaN when unreadable).
    q: f64,
    /// The entry's position in the header.
    o: i32,
}

/// No entry matched (negotiator's initial `{o: -1, q: 0, s: 0}`).
const NO_MATCH: Priority = Priority { s: 0, q: 0.0, o: -1 };

impl Priority {
    /// Whether `next` replaces `self` as an offer's match (negotiator's
    /// `getXPriority`): more specific, else higher `q` (JavaScript's
    /// `a.q - b.q || ...`: equal and NaN fall through), else later.
    fn replaced_by(&self, next: &Self) -> bool {
        let q = next.q.partial_cmp(&self.q).unwrap_or(Ordering::Equal);
        next.s.cmp(&self.s).then(q).then(next.o.cmp(&self.o)).is_gt()
    }

    /// Whether `self` sorts before `other` (negotiator's `compareSpecs`,
    /// the offer order aside): higher `q`, more specific, earlier entry.
    fn outranks(&self, other: &Self) -> bool {
        let q = self.q.partial_cmp(&other.q).unwrap_or(Ordering::Equal);
        q.then(self.s.cmp(&other.s)).then(other.o.cmp(&self.o)).is_gt()
    }
}

/// The match an offer keeps among the entries that match it.
fn best_entry(matches: impl Iterator<Item = Priority>) -> Priority {
    matches.fold(NO_MATCH, |best, next| if best.replaced_by(&next) { next } else { best })
}

/// The offer ranked first, among those whose match has a quality above 0;
/// the earlier offer on ties.
fn pick<'a>(offered: &[&'a str], mut priority: impl FnMut(&str) -> Priority) -> Option<&'a str> {
    let mut best: Option<(&'a str, Priority)> = None;
    for &offer in offered {
        let p = priority(offer);
        if p.q > 0.0 && best.is_none_or(|(_, b)| p.outranks(&b)) {
            best = Some((offer, p));
        }
    }
    best.map(|(offer, _)| offer)
}

/// One entry of an `Accept` header, or an offered media type.
struct MediaRange<'h> {
    ty: &'h [u8],
    subtype: &'h [u8],
    /// The text after the first `;` (empty without parameters).
    params: &'h [u8],
    /// How many parameters come before `q` (those after it are extensions).
    param_count: usize,
    q: f64,
    index: i32,
}

impl MediaRange<'_> {
    /// The parameters before `q`, as `(name, value)` (value unquoted).
    fn params(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        let params = if self.params.is_empty() { None } else { Some(self.params) };
        params.into_iter().flat_map(|p| split(p, b';', true)).take(self.param_count).map(param)
    }

    /// The value of the last parameter `name` before `q`.
    fn param(&self, name: &[u8]) -> Option<&[u8]> {
        self.params().filter(|(n, _)| n.eq_ignore_ascii_case(name)).last().and_then(|(_, v)| v)
    }

    fn priority(&self, s: u8) -> Priority {
        Priority { s, q: self.q, o: self.index }
    }
}

/// The entries of an `Accept` header.
fn media_ranges(header: &[u8]) -> impl Iterator<Item = MediaRange<'_>> {
    entries(header, true).filter_map(|(entry, i)| media_range(entry, i))
}

/// negotiator's `parseMediaType`: `type/subtype[;params]`.
fn media_range(entry: &[u8], index: i32) -> Option<MediaRange<'_>> {
    let (ty, rest) = token_until(entry, |b| b == b'/' || b == b';')?;
    let (subtype, rest) = token_until(rest.strip_prefix(b"/")?, |b| b == b';')?;
    let params = params_after(rest)?;
    let mut range = MediaRange { ty, subtype, params, param_count: 0, q: 1.0, index };
    if params.is_empty() {
        return Some(range);
    }
    if split(params, b';', true).nth(MAX_PARAMS).is_some() {
        return None;
    }
    for (name, value) in split(params, b';', true).map(param) {
        if name.eq_ignore_ascii_case(b"q") {
            range.q = value.map_or(f64::NAN, parse_float);
            break;
        }
        range.param_count = range.param_count.saturating_add(1);
    }
    Some(range)
}

/// How specifically `spec` (a header entry) matches `offer`, `None` if not.
fn media_specificity(offer: &MediaRange<'_>, spec: &MediaRange<'_>) -> Option<u8> {
    let mut s = part(spec.ty, offer.ty, 4)? | part(spec.subtype, offer.subtype, 2)?;
    if spec.param_count > 0 {
        for (name, _) in spec.params() {
            let wanted = spec.param(name).unwrap_or_default();
            if wanted != b"*" && !wanted.eq_ignore_ascii_case(offer.param(name).unwrap_or_default()) {
                return None;
            }
        }
        s |= 1;
    }
    Some(s)
}

/// `bit` when a header entry's part equals the offer's (ASCII case aside),
/// 0 when it is the wildcard `*`, `None` otherwise.
fn part(spec: &[u8], offer: &[u8], bit: u8) -> Option<u8> {
    if spec.eq_ignore_ascii_case(offer) { Some(bit) } else { (spec == b"*").then_some(0) }
}

/// One `name=value` parameter (trimmed), its value unquoted.
fn param(piece: &[u8]) -> (&[u8], Option<&[u8]>) {
    let piece = trim(piece);
    let mut halves = piece.splitn(2, |&b| b == b'=');
    let name = halves.next().unwrap_or_default();
    let value = halves.next().map(|v| match v {
        [b'"', inner @ .., b'"'] => inner,
        [b'"'] => &[],
        _ => v,
    });
    (name, value)
}

/// One entry of `Accept-Charset` or `Accept-Encoding` (or the implied
/// `identity`).
#[derive(Clone, Copy)]
struct Token<'h> {
    token: &'h [u8],
    q: f64,
    index: i32,
}

impl Token<'_> {
    /// The match of this entry for an offer (exact, or `*`).
    fn matching(&self, offer: &str) -> Option<Priority> {
        Some(Priority { s: part(self.token, offer.as_bytes(), 1)?, q: self.q, o: self.index })
    }
}

/// The entries of `Accept-Charset` or `Accept-Encoding` (negotiator's
/// `parseCharset` and `parseEncoding`: the first exact `q` parameter).
fn tokens(header: &[u8]) -> impl Iterator<Item = Token<'_>> {
    entries(header, false).filter_map(|(entry, index)| {
        let (token, rest) = token_until(entry, |b| b == b';')?;
        let mut q = 1.0;
        for piece in bounded_params(rest)? {
            let mut parts = trim(piece).split(|&b| b == b'=');
            if parts.next() == Some(b"q") {
                q = parts.next().map_or(f64::NAN, parse_float);
                break;
            }
        }
        Some(Token { token, q, index })
    })
}

/// One entry of `Accept-Language`, or an offered language.
struct Language<'h> {
    full: &'h [u8],
    prefix: &'h [u8],
    q: f64,
    index: i32,
}

/// The entries of an `Accept-Language` header.
fn languages(header: &[u8]) -> impl Iterator<Item = Language<'_>> {
    entries(header, false).filter_map(|(entry, i)| language(entry, i))
}

/// negotiator's `parseLanguage`: `prefix[-suffix][;params]`, the last
/// untrimmed `q=` parameter giving the quality.
fn language(entry: &[u8], index: i32) -> Option<Language<'_>> {
    let (prefix, rest) = token_until(entry, |b| b == b'-' || b == b';')?;
    let (full, rest) = match rest.strip_prefix(b"-") {
        Some(after) => {
            let (suffix, rest) = token_until(after, |b| b == b';')?;
            let full_len = prefix.len().saturating_add(1).saturating_add(suffix.len());
            (entry.get(..full_len)?, rest)
        }
        None => (prefix, rest),
    };
    let mut q = 1.0;
    for piece in bounded_params(rest)? {
        let mut parts = piece.split(|&b| b == b'=');
        if parts.next() == Some(b"q") {
            q = parts.next().map_or(f64::NAN, parse_float);
        }
    }
    Some(Language { full, prefix, q, index })
}

/// A header's first [`MAX_ENTRIES`] comma-separated entries, trimmed, with
/// their positions.
fn entries(header: &[u8], quotes: bool) -> impl Iterator<Item = (&[u8], i32)> {
    split(header, b',', quotes).take(MAX_ENTRIES).map(trim).zip(0..)
}

/// A non-empty run of bytes that are neither whitespace nor `stop`, and the
/// rest.
fn token_until(s: &[u8], stop: impl Fn(u8) -> bool) -> Option<(&[u8], &[u8])> {
    let end = s.iter().position(|&b| is_space(b) || stop(b)).unwrap_or(s.len());
    (end > 0).then(|| s.split_at_checked(end)).flatten()
}

/// What may follow an entry's value: whitespace, then the end or `;` and
/// parameters (`(?:;(.*))?$`: no line breaks in them).
fn params_after(rest: &[u8]) -> Option<&[u8]> {
    match trim_start(rest) {
        [] => Some(&[]),
        [b';', params @ ..] if !params.iter().any(|&b| b == b'\r' || b == b'\n') => Some(params),
        _ => None,
    }
}

/// The `;`-separated parameters after a charset, encoding or language,
/// `None` if malformed or more than [`MAX_PARAMS`].
fn bounded_params(rest: &[u8]) -> Option<impl Iterator<Item = &[u8]>> {
    let params = params_after(rest)?;
    let pieces = || params.split(|&b| b == b';');
    pieces().nth(MAX_PARAMS).is_none().then(pieces)
}

/// JavaScript's `parseFloat`: leading whitespace, then the longest decimal
/// literal (or `Infinity`) with an optional sign; NaN when there is none.
fn parse_float(s: &[u8]) -> f64 {
    let s = trim_start(s);
    let (negative, unsigned) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = digits(unsigned);
    let after_whole = unsigned.get(whole..).unwrap_or_default();
    let fraction = match after_whole {
        [b'.', rest @ ..] => digits(rest).saturating_add(1),
        _ => 0,
    };
    let mut len = whole.saturating_add(fraction);
    if whole == 0 && fraction <= 1 {
        let infinity = unsigned.starts_with(b"Infinity");
        return match (infinity, negative) {
            (true, false) => f64::INFINITY,
            (true, true) => f64::NEG_INFINITY,
            (false, _) => f64::NAN,
        };
    }
    if let [b'e' | b'E', rest @ ..] = unsigned.get(len..).unwrap_or_default() {
        let signed = matches!(rest.first(), Some(b'+' | b'-'));
        let exponent = digits(rest.get(usize::from(signed)..).unwrap_or_default());
        if exponent > 0 {
            len = len.saturating_add(1).saturating_add(usize::from(signed)).saturating_add(exponent);
        }
    }
    let literal = unsigned.get(..len).and_then(|l| core::str::from_utf8(l).ok());
    let value: f64 = literal.and_then(|l| l.parse().ok()).unwrap_or(f64::NAN);
    if negative { -value } else { value }
}

/// Splits at `sep`, outside double quotes when `quotes` (negotiator's
/// `splitMediaTypes` and `splitParameters`).
fn split(s: &[u8], sep: u8, quotes: bool) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let current = rest?;
        let mut quoted = false;
        let at = current.iter().position(|&b| {
            quoted ^= quotes && b == b'"';
            b == sep && !quoted
        });
        match at.and_then(|at| current.split_at_checked(at)) {
            Some((piece, tail)) => {
                rest = tail.get(1..);
                Some(piece)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// JavaScript's whitespace (`\s`, `trim`), over bytes read as Latin-1.
const fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

fn trim(s: &[u8]) -> &[u8] {
    let s = trim_start(s);
    let end = s.iter().rposition(|&b| !is_space(b)).map_or(0, |i| i.saturating_add(1));
    s.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// A header (`None`: absent), the offers, and the answer.
    type Case = (Option<&'static str>, &'static [&'static str], Option<&'static str>);

    /// The header's bytes as Node holds them (Latin-1).
    fn latin1(s: &str) -> Vec<u8> {
        s.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect()
    }

    fn check(cases: &[Case], f: fn(Option<&[u8]>, &[&'static str]) -> Option<&'static str>, what: &str) {
        for &(header, offered, expected) in cases {
            let bytes = header.map(latin1);
            assert_eq!(f(bytes.as_deref(), offered), expected, "{what}({header:?}, {offered:?})");
        }
    }

    /// Recorded with accepts 1.3.8 / negotiator 0.6.3 under Node 20; the
    /// first ones are the examples of Express's `req.accepts` documentation.
    #[test]
    fn accepts_matches_node() {
        const TYPES: &[Case] = &[
            (Some("text/html"), &["html"], Some("html")),
            (Some("text/*, application/json"), &["html"], Some("html")),
            (Some("text/*, application/json"), &["text/html"], Some("text/html")),
            (Some("text/*, application/json"), &["json", "text"], Some("json")),
            (Some("text/*, application/json"), &["application/json"], Some("application/json")),
            (Some("text/*, application/json"), &["image/png"], None),
            (Some("text/*, application/json"), &["png"], None),
            (Some("text/*;q=.5, application/json"), &["html", "json"], Some("json")),
            (None, &["json", "html"], Some("json")),
            (Some(""), &["json", "html"], Some("json")),
            (None, &["bogus", "html"], Some("bogus")),
            (Some("*/*"), &["bogus", "html"], Some("html")),
            (Some("text/html;q=0"), &["html"], None),
            (Some("text/html;q=0, */*"), &["html"], None),
            (Some("text/html;q=1.000"), &["html"], Some("html")),
            (Some("text/html;q=abc"), &["html"], None),
            (Some("text/html;q=abc, text/*"), &["html"], None),
            (Some("text/html;q=-1, */*;q=0.1"), &["html", "json"], Some("json")),
            (Some("text/html;q=2, application/json"), &["json", "html"], Some("html")),
            (Some("TEXT/HTML"), &["html"], Some("html")),
            (Some("  text/html  ;  q=0.5 , application/json;q=0.4"), &["json", "html"], Some("html")),
            (Some("text/html ;q=0.5"), &["html"], Some("html")),
            (Some("text/html;Q=0"), &["html"], None),
            (Some("text/html; q =0"), &["html"], None),
            (Some("text/html; q= 0"), &["html"], None),
            (Some("image/*"), &["image/*"], Some("image/*")),
            (Some("image/png"), &["image/*"], None),
            (Some("*/*"), &["image/*"], Some("image/*")),
            (Some("*"), &["html"], None),
            (Some("*/*;q=0.8, text/html"), &["json", "html"], Some("html")),
            (Some("application/json, text/html"), &["html", "json"], Some("json")),
            (Some("text/html, application/json"), &["json", "html"], Some("html")),
            (Some("*/*"), &["json", "html"], Some("json")),
            (Some("text/*, text/html"), &["text/plain", "html"], Some("html")),
            (Some("text/html;level=1"), &["html"], None),
            (Some("text/html;level=1"), &["text/html;level=1"], Some("text/html;level=1")),
            (
                Some("text/html;level=1, text/html;q=0.5"),
                &["text/html;level=2", "text/html;level=1"],
                Some("text/html;level=1"),
            ),
            (Some("text/html;level=\"1\""), &["text/html;level=1"], Some("text/html;level=1")),
            (Some("text/html;charset=\"a,b\";q=0.5, application/json;q=0.4"), &["json", "html"], Some("json")),
            (
                Some("text/html;charset=\"a,b\";q=0.5, application/json;q=0.4"),
                &["json", "text/html;charset=\"a,b\""],
                Some("text/html;charset=\"a,b\""),
            ),
            (Some("text/html;;q=0.5"), &["html"], Some("html")),
            (Some("text/html;;q=0.5, application/json;q=0.4"), &["json", "html"], Some("html")),
            (Some("text/html;q=0.5;level=1"), &["text/html;level=2"], Some("text/html;level=2")),
            (Some("text/html;level=*"), &["text/html;level=2"], Some("text/html;level=2")),
            (Some("text/html;q=0.5, text/html;q=0.9"), &["html"], Some("html")),
            (Some("text/html;q=0.9, text/html;q=0.5"), &["html"], Some("html")),
            (Some("text/html;q=0.5, text/html;q=0.9"), &["html", "json"], Some("html")),
            (Some("application/json;q=0.5, text/*;q=0.5, text/html;q=0.5"), &["html", "json"], Some("json")),
            (Some("application/json;q=0.5, text/html;q=0.5"), &["html", "json"], Some("json")),
            (Some("text/html;q=.5e1"), &["html"], Some("html")),
            (Some("text/html;q=Infinity, application/json;q=Infinity"), &["html", "json"], Some("html")),
            (Some("text/html;q=1e-400"), &["html"], None),
            (Some("text/html;q"), &["html"], None),
            (Some("text/html;q=\"0.5\", application/json;q=0.6"), &["html", "json"], Some("json")),
            (Some("text/html;q=0.5x, application/json;q=0.6"), &["html", "json"], Some("json")),
            (Some("text/html/x"), &["text/html/x"], Some("text/html/x")),
            (Some("text/html foo"), &["html"], None),
            (Some("text/html\u{a0};q=0.1, application/json;q=0.2"), &["html", "json"], Some("json")),
            (
                Some("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"),
                &["json", "html"],
                Some("html"),
            ),
            (Some(",,,text/html"), &["html"], Some("html")),
            (Some("text/html, text/html"), &["html", "text/html"], Some("html")),
            (Some("application/json"), &["html", "text/html", "json", "application/json"], Some("json")),
            (Some("text/html"), &["text/HTML", "html"], Some("text/HTML")),
        ];
        check(TYPES, accepts, "accepts");
        assert_eq!(accepts(Some(b"text/html"), &[]), None);
        assert_eq!(accepts(None, &[]), None);
    }

    /// Recorded with accepts 1.3.8 / negotiator 0.6.3 under Node 20,
    /// starting with negotiator's README examples.
    #[test]
    fn charsets_encodings_languages_match_node() {
        const CHARSETS: &[Case] = &[
            (None, &["utf-8", "iso-8859-1"], Some("utf-8")),
            (Some(""), &["utf-8"], None),
            (Some("utf-8, iso-8859-1;q=0.2, utf-7;q=0.5"), &["iso-8859-1", "utf-7", "utf-8"], Some("utf-8")),
            (Some("utf-8, iso-8859-1;q=0.2, utf-7;q=0.5"), &["iso-8859-1", "utf-7"], Some("utf-7")),
            (Some("UTF-8"), &["utf-8"], Some("utf-8")),
            (Some("*;q=0.5, utf-8;q=0"), &["utf-8", "latin1"], Some("latin1")),
            (Some("*, utf-8;q=0"), &["utf-8"], None),
            (Some("utf-8;q=0.5, *;q=0.5"), &["latin1", "utf-8"], Some("utf-8")),
            (Some("utf-8;Q=0"), &["utf-8"], Some("utf-8")),
            (Some("utf-8; q=0"), &["utf-8"], None),
            (Some("utf-8;q=0;q=1"), &["utf-8"], None),
            (Some("utf-8;foo;q=0"), &["utf-8"], None),
            (Some("utf-8;q=0.5=1"), &["utf-8", "x"], Some("utf-8")),
            (Some("a;q=0.5, b;q=0.5"), &["b", "a"], Some("a")),
            (Some("a, b"), &["b", "a"], Some("a")),
            (Some("*"), &["b", "a"], Some("b")),
            (Some("utf-8 ; q=0.1, x;q=0.2"), &["utf-8", "x"], Some("x")),
            (Some("utf-8 x"), &["utf-8"], None),
            (Some("utf-8;q=\"0\""), &["utf-8"], None),
        ];
        const ENCODINGS: &[Case] = &[
            (None, &["gzip", "identity"], Some("identity")),
            (None, &["gzip"], None),
            (Some(""), &["gzip", "identity"], Some("identity")),
            (Some("gzip, compress;q=0.2"), &["compress", "gzip"], Some("gzip")),
            (Some("gzip, compress;q=0.2"), &["identity", "compress"], Some("compress")),
            (Some("gzip;q=0.5"), &["identity", "gzip"], Some("gzip")),
            (Some("gzip;q=0.5"), &["gzip", "identity"], Some("gzip")),
            (Some("gzip;q=0.5, deflate;q=0.1"), &["identity"], Some("identity")),
            (Some("gzip, identity;q=0"), &["identity"], None),
            (Some("*;q=0"), &["identity"], None),
            (Some("*;q=0, gzip"), &["identity", "gzip"], Some("gzip")),
            (Some("*"), &["identity", "gzip"], Some("identity")),
            (Some("gzip;q=0"), &["identity"], Some("identity")),
            (Some("gzip;q=-1"), &["identity"], None),
            (Some("deflate, gzip;q=1.0, *;q=0.5"), &["br", "gzip"], Some("gzip")),
            (Some("br;q=1.0, gzip;q=0.8, *;q=0.1"), &["gzip", "br"], Some("br")),
            (Some("gzip;q=abc"), &["identity"], Some("identity")),
            (Some("gzip;q=abc"), &["gzip", "identity"], Some("identity")),
            (Some("IDENTITY;q=0"), &["identity"], None),
            (Some("gzip, deflate, br"), &["br", "gzip"], Some("gzip")),
        ];
        const LANGUAGES: &[Case] = &[
            (None, &["en", "es"], Some("en")),
            (Some(""), &["en"], None),
            (Some("en;q=0.8, es, pt"), &["en", "es", "pt"], Some("es")),
            (Some("en;q=0.8, es, pt"), &["en"], Some("en")),
            (Some("en-US"), &["en"], Some("en")),
            (Some("en"), &["en-US"], Some("en-US")),
            (Some("en-US, en;q=0.9"), &["en", "en-US"], Some("en-US")),
            (Some("en, en-US;q=0.9"), &["en-US", "en"], Some("en")),
            (Some("en; q=0.5, fr"), &["en", "fr"], Some("en")),
            (Some("en;q=0.5, fr"), &["en", "fr"], Some("fr")),
            (Some("en;q=0.5;q=0.9, fr;q=0.8"), &["fr", "en"], Some("en")),
            (Some("*"), &["fr", "en"], Some("fr")),
            (Some("fr-CA, *;q=0.1"), &["en", "fr"], Some("fr")),
            (Some("EN-us"), &["en-US"], Some("en-US")),
            (Some("en-US"), &["en-GB"], None),
            (Some("en-US"), &["en-us"], Some("en-us")),
            (Some("en-US-x"), &["en"], Some("en")),
            (Some("en-US"), &["en-US-x"], None),
            (Some("en-"), &["en"], None),
            (Some("zh-Hant-TW, zh;q=0.5"), &["zh-TW", "zh"], Some("zh")),
            (Some("de-CH, de;q=0.9, en;q=0.8"), &["en", "de"], Some("de")),
            (Some("de-CH"), &["de-AT", "de"], Some("de")),
            (Some("en-US"), &["*"], None),
            (Some("en"), &["en-"], None),
        ];
        check(CHARSETS, accepts_charsets, "accepts_charsets");
        check(ENCODINGS, accepts_encodings, "accepts_encodings");
        check(LANGUAGES, accepts_languages, "accepts_languages");
    }

    /// Recorded with type-is 1.6.18 under Node 20 (where type-is answers the
    /// request's type for a wildcard entry, the entry is expected).
    #[test]
    fn is_matches_node() {
        const IS: &[Case] = &[
            (Some("text/html; charset=utf-8"), &["html"], Some("html")),
            (Some("text/html"), &["text/*"], Some("text/*")),
            (Some("application/json"), &["json"], Some("json")),
            (Some("application/json"), &["html", "json"], Some("json")),
            (Some("application/vnd+json"), &["+json"], Some("+json")),
            (Some("application/vnd+json"), &["*/*+json"], Some("*/*+json")),
            (Some("application/vnd+json"), &["application/*+json"], Some("application/*+json")),
            (Some("application/json"), &["+json"], None),
            (Some("application/x-www-form-urlencoded"), &["urlencoded"], Some("urlencoded")),
            (Some("multipart/form-data; boundary=x"), &["multipart"], Some("multipart")),
            (Some("multipart/form-data"), &["multipart/*"], Some("multipart/*")),
            (Some("application/json"), &["*/json"], Some("*/json")),
            (Some("application/json"), &["application/*"], Some("application/*")),
            (Some("TEXT/HTML"), &["text/html"], Some("text/html")),
            (Some("text/html"), &["TEXT/HTML"], None),
            (Some("text/html"), &["HTML"], Some("HTML")),
            (Some("text/html;"), &["html"], None),
            (Some("text/html; charset"), &["html"], None),
            (Some("text/html; charset=\"utf-8\""), &["html"], Some("html")),
            (Some("text/html ; charset=utf-8"), &["html"], Some("html")),
            (Some("text/html;charset=utf-8 "), &["html"], Some("html")),
            (Some(" text/html"), &["html"], Some("html")),
            (Some("\ttext/html"), &["html"], None),
            (Some("text/html\t"), &["html"], None),
            (Some("text"), &["html"], None),
            (Some(""), &["html"], None),
            (Some("text/html; a=b; c=d"), &["html"], Some("html")),
            (Some("text/html; a=b;; c=d"), &["html"], None),
            (Some("application/a+"), &["application/a"], Some("application/a")),
            (Some("application/a+"), &["+json", "application/a+"], None),
            (Some("application/a++json"), &["+json"], None),
            (Some("application/a.b+c.d"), &["*/*"], None),
            (Some("text/html; a=\"x\\\"y\""), &["html"], Some("html")),
            (Some("text/html; a=\"unterminated"), &["html"], None),
            (Some("image/svg+xml"), &["svg"], Some("svg")),
            (Some("image/svg+xml"), &["+xml"], Some("+xml")),
            (Some("image/svg+xml"), &["image/svg+xml"], Some("image/svg+xml")),
            (Some("application/json"), &["bogus", "json"], Some("json")),
            (Some("application/json"), &["*+json"], None),
            (Some("text/html"), &["*/*"], Some("*/*")),
            (Some("text/html"), &["*"], None),
            (Some("text/html"), &[""], None),
            (Some("text/html"), &["+"], None),
            (Some("text/html"), &["/"], None),
            (Some("text/html"), &["text/"], None),
            (Some("a/b"), &["a/b/c"], None),
            (Some("application/ld+json"), &["*/ld+json"], Some("*/ld+json")),
            (Some("application/json"), &["+son"], None),
            (Some("application/vnd.api+json"), &["json"], None),
            (Some("a/b; q=1"), &["a/b"], Some("a/b")),
            (Some("text/html;charset=utf-8;"), &["html"], None),
            (Some("text/html;charset=\u{e9}"), &["html"], None),
            (Some("text/html;charset=\"\u{e9}\""), &["html"], Some("html")),
            (Some("text/html"), &["text/html", "html"], Some("text/html")),
            (
                Some(
                    "text/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                ),
                &["text/*"],
                Some("text/*"),
            ),
            (
                Some(
                    "text/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                ),
                &["text/*"],
                None,
            ),
            (Some("a/b;c=\"\\\u{e9}\""), &["*/*"], None),
            (Some("a/b;c=\"a\tb\""), &["*/*"], None),
            (Some("a/b; c = d "), &["*/*"], Some("*/*")),
            (Some("a/b;c=d e"), &["*/*"], None),
            (Some("text/html"), &["text/html/x"], None),
            (Some("application/vnd.api+json"), &["+json/x"], None),
            (Some("application/json"), &["application/json", "json"], Some("application/json")),
            (Some("a-b/c"), &["*/*"], Some("*/*")),
            (Some("-a/b"), &["*/*"], None),
            (Some("a/.b"), &["*/*"], None),
            (Some("a/b."), &["*/*"], Some("*/*")),
            (
                Some("application/x-www-form-urlencoded"),
                &["application/x-www-form-urlencoded"],
                Some("application/x-www-form-urlencoded"),
            ),
            (Some("text/plain"), &["txt", "text"], Some("txt")),
            (Some("a/b;=c"), &["*/*"], None),
            (Some("a/b;c="), &["*/*"], None),
            (Some("a/b;c=\"\""), &["*/*"], Some("*/*")),
        ];
        check(IS, is, "is");
        assert_eq!(is(None, &["html"]), None);
        assert_eq!(is(Some(b"text/html"), &[]), None);
    }

    #[test]
    fn parse_float_reads_like_javascript() {
        let cases: &[(&str, f64)] = &[
            ("1", 1.0),
            ("1.000", 1.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("0.5x", 0.5),
            (" \t0.25", 0.25),
            ("+0.5", 0.5),
            ("-1", -1.0),
            ("1e-3", 0.001),
            ("1E2", 100.0),
            ("1e", 1.0),
            ("1e+", 1.0),
            (".5e1", 5.0),
            ("Infinity", f64::INFINITY),
            ("-Infinityx", f64::NEG_INFINITY),
            ("1e999", f64::INFINITY),
        ];
        for &(s, expected) in cases {
            assert_eq!(parse_float(s.as_bytes()), expected, "{s:?}");
        }
        for s in ["", ".", "abc", "+", "-", "e5", "infinity", "\"0.5\"", "+-1", "-.e1"] {
            assert!(parse_float(s.as_bytes()).is_nan(), "{s:?}");
        }
    }

    #[test]
    fn bounds() {
        // Entries past MAX_ENTRIES are ignored.
        let mut header = std::string::String::new();
        for _ in 0..MAX_ENTRIES {
            header.push_str("a/b, ");
        }
        header.push_str("text/html");
        assert_eq!(accepts(Some(header.as_bytes()), &["html"]), None);
        // An entry with more than MAX_PARAMS parameters is ignored.
        let many = "text/html;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1;a=1";
        assert_eq!(accepts(Some(many.as_bytes()), &["text/html;a=1"]), None);
        assert_eq!(accepts(Some(&many.as_bytes()[..many.len() - 4]), &["text/html;a=1"]), Some("text/html;a=1"));
        for header in ["en;q=1;a;a;a;a;a;a;a;a;a;a;a;a;a;a;a;a;a", "en;a;a;a;a;a;a;a;a;a;a;a;a;a;a;a;a;q=1"] {
            assert_eq!(accepts_languages(Some(header.as_bytes()), &["en"]), None, "{header}");
            assert_eq!(accepts_charsets(Some(header.as_bytes()), &["en"]), None, "{header}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let headers: &[&[u8]] = &[
            b"",
            b",",
            b";",
            b"\"",
            b"\",\"",
            b"a/\"",
            b"a/b;\"",
            b"a/b;q=\"",
            b"*/*;q=",
            b"=",
            b"-",
            b"-;",
            b"\xff/\xff",
            b"a/b;;;;",
            b" ; ; ",
            b"\r\n",
            b"a/b;c=\"\\",
            b"text/html;q=1e99999",
        ];
        for &h in headers {
            let offers = ["html", "a/b", "*/*", "", "-", "en-", "+json", "\u{e9}"];
            let _ = (accepts(Some(h), &offers), accepts_charsets(Some(h), &offers));
            let _ = (accepts_encodings(Some(h), &offers), accepts_languages(Some(h), &offers));
            let _ = is(Some(h), &offers);
        }
    }
}
