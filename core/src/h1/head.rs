//! Request heads: httparse underneath, a borrowed view on top.

use core::fmt;
use core::mem::MaybeUninit;

use super::{Config, RequestError};

/// Header lines a [`Connection`](super::Connection) accepts per request unless
/// told otherwise. Each costs two slices of stack while a head is parsed
/// (32 bytes on a 64-bit target, 16 on a Cortex-M). More lines: `431`.
pub const DEFAULT_MAX_HEADERS: usize = 32;

/// The HTTP version of a request.
///
/// ```
/// use lamina::h1::Version;
/// assert_eq!(Version::Http11.as_str(), "HTTP/1.1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0: close by default, no chunked coding.
    Http10,
    /// HTTP/1.1.
    Http11,
}

impl Version {
    /// The version as it appears on the wire.
    ///
    /// ```
    /// # use lamina::h1::Version;
    /// assert_eq!(Version::Http10.as_str(), "HTTP/1.0");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// The form of a request target (RFC 9112 §3.2).
///
/// ```
/// use lamina::h1::TargetForm;
/// assert_ne!(TargetForm::Origin, TargetForm::Absolute);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetForm {
    /// `/path?query`.
    Origin,
    /// `http://authority/path?query`.
    Absolute,
    /// `*`, only with `OPTIONS`.
    Asterisk,
}

/// One header line: the name as sent, the value without surrounding whitespace.
///
/// ```
/// use lamina::h1::Header;
/// let h = Header { name: "Host", value: b"example.com" };
/// assert!(h.is("host"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'b> {
    /// The name, a validated token.
    pub name: &'b str,
    /// The value: visible ASCII, spaces, tabs and obs-text; never CR or LF.
    pub value: &'b [u8],
}

impl Header<'_> {
    /// Compares the name case-insensitively.
    ///
    /// ```
    /// # use lamina::h1::Header;
    /// assert!(Header { name: "Content-Type", value: b"" }.is("content-type"));
    /// ```
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// Storage for the header lines of one request head, lent to
/// [`Connection::handle_head`](super::Connection::handle_head). It starts
/// uninitialized, so making one per request costs nothing; `H` is the header
/// capacity and must match the connection's.
///
/// ```
/// use lamina::h1::HeaderSlots;
/// let slots: HeaderSlots<'_> = HeaderSlots::new();
/// assert_eq!(slots.capacity(), lamina::h1::DEFAULT_MAX_HEADERS);
/// ```
pub struct HeaderSlots<'b, const H: usize = DEFAULT_MAX_HEADERS> {
    slots: [MaybeUninit<httparse::Header<'b>>; H],
}

impl<'b, const H: usize> HeaderSlots<'b, H> {
    /// Uninitialized slots.
    pub const fn new() -> Self {
        Self { slots: [const { MaybeUninit::uninit() }; H] }
    }

    /// How many header lines fit.
    pub const fn capacity(&self) -> usize {
        H
    }
}

impl<const H: usize> Default for HeaderSlots<'_, H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const H: usize> fmt::Debug for HeaderSlots<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderSlots").field("capacity", &H).finish()
    }
}

/// A parsed request head: a view of the caller's buffer (`'b`) and of the
/// [`HeaderSlots`] it lent (`'h`). Small and `Copy`.
///
/// ```
/// use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots, Version};
/// use lamina::time::Instant;
///
/// let mut conn: Connection = Connection::new(Config::new(), 1024, Instant::ZERO);
/// let mut slots = HeaderSlots::new();
/// let input = b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
/// let HeadStatus::Complete(head) = conn.handle_head(input, &mut slots, Instant::ZERO).unwrap() else {
///     panic!("complete");
/// };
/// assert_eq!(head.method(), "GET");
/// assert_eq!(head.target(), "/a?b=1");
/// assert_eq!(head.version(), Version::Http11);
/// assert_eq!(head.headers().get("accept"), Some(&b"*/*"[..]));
/// assert_eq!(head.len(), input.len());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RequestHead<'h, 'b> {
    method: &'b str,
    target: &'b str,
    version: Version,
    form: TargetForm,
    origin_start: usize,
    headers: &'h [httparse::Header<'b>],
    len: usize,
}

impl<'h, 'b> RequestHead<'h, 'b> {
    /// The method, case-sensitive as sent (`GET`, `POST`, ...).
    pub fn method(&self) -> &'b str {
        self.method
    }

    /// The request target exactly as sent.
    pub fn target(&self) -> &'b str {
        self.target
    }

    /// The origin-form part of the target: `/path?query` for origin-form,
    /// the part after the authority for absolute-form (empty when that has no
    /// path, which means `/`), and `*` for asterisk-form.
    ///
    /// ```
    /// # use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots};
    /// # use lamina::time::Instant;
    /// let mut conn: Connection = Connection::new(Config::new(), 1024, Instant::ZERO);
    /// let input = b"GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n";
    /// let mut slots = HeaderSlots::new();
    /// let HeadStatus::Complete(head) = conn.handle_head(input, &mut slots, Instant::ZERO).unwrap() else {
    ///     panic!()
    /// };
    /// assert_eq!(head.origin(), "/x?y");
    /// assert_eq!(head.authority(), Some("example.com"));
    /// ```
    pub fn origin(&self) -> &'b str {
        self.target.get(self.origin_start..).unwrap_or("")
    }

    /// The authority of an absolute-form target.
    pub fn authority(&self) -> Option<&'b str> {
        match self.form {
            TargetForm::Absolute => {
                let scheme_end = self.target.find("://")?.checked_add(3)?;
                self.target.get(scheme_end..self.origin_start)
            }
            _ => None,
        }
    }

    /// The target's form.
    pub fn form(&self) -> TargetForm {
        self.form
    }

    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The header lines, in order.
    pub fn headers(&self) -> Headers<'h, 'b> {
        Headers { lines: self.headers }
    }

    /// httparse's lines, for the framing pass.
    pub(crate) fn raw_headers(&self) -> &'h [httparse::Header<'b>] {
        self.headers
    }

    /// Bytes the head occupies at the start of the parsed input, including
    /// ignored leading empty lines and the final empty line.
    #[allow(clippy::len_without_is_empty)] // a head is never empty
    pub fn len(&self) -> usize {
        self.len
    }
}

/// The header lines of a request, with case-insensitive lookup.
///
/// ```
/// use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots};
/// use lamina::time::Instant;
///
/// let mut conn: Connection = Connection::new(Config::new(), 1024, Instant::ZERO);
/// let input = b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\ncookie: b=2\r\n\r\n";
/// let mut slots = HeaderSlots::new();
/// let HeadStatus::Complete(head) = conn.handle_head(input, &mut slots, Instant::ZERO).unwrap() else {
///     panic!()
/// };
/// let cookies: Vec<_> = head.headers().get_all("COOKIE").collect();
/// assert_eq!(cookies, [&b"a=1"[..], &b"b=2"[..]]);
/// assert_eq!(head.headers().len(), 3);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Headers<'h, 'b> {
    lines: &'h [httparse::Header<'b>],
}

impl<'h, 'b> Headers<'h, 'b> {
    /// The value of the first line named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'b [u8]> {
        self.get_all(name).next()
    }

    /// The values of every line named `name`, in order.
    pub fn get_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'b [u8]> + use<'h, 'b, 'n> {
        self.lines.iter().filter(move |h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value)
    }

    /// Every line, in order.
    pub fn iter(&self) -> impl Iterator<Item = Header<'b>> + use<'h, 'b> {
        self.lines.iter().map(|h| Header { name: h.name, value: h.value })
    }

    /// The number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// `true` when the request has no header lines.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Why a parse had to stop without a head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Incomplete {
    /// More bytes may complete it.
    Partial,
    /// No more bytes will come: the buffer is full or the peer closed.
    Final,
}

/// Parses one request head from `input[..cap]`.
///
/// `end` says whether more input can still arrive. The outcome depends only on
/// the bytes, never on how they were split: errors that depend on bytes not yet
/// seen (an unfinished version token) wait for them.
pub(crate) fn parse<'h, 'b, const H: usize>(
    input: &'b [u8],
    slots: &'h mut HeaderSlots<'b, H>,
    cap: usize,
    end: Incomplete,
    config: &Config,
) -> Result<Option<RequestHead<'h, 'b>>, RequestError> {
    let window = input.get(..cap).unwrap_or(input);
    let blank = leading_empty_lines(window);
    if blank / 2 > config.max_empty_lines {
        return Err(RequestError::TooManyEmptyLines);
    }

    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(window, &mut slots.slots) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return match end {
                Incomplete::Partial => Ok(None),
                Incomplete::Final => Err(incomplete_error(window, input.len() >= cap)),
            };
        }
        Err(httparse::Error::Version) => {
            return match (version_error(window), end) {
                (None, Incomplete::Partial) => Ok(None),
                (None, Incomplete::Final) => Err(incomplete_error(window, input.len() >= cap)),
                (Some(e), _) => Err(e),
            };
        }
        Err(_) if end == Incomplete::Partial && !in_complete_lines::<H>(window) => return Ok(None),
        Err(e) => return Err(map_httparse_error(e)),
    };
    let httparse::Request { method, path: target, version, headers } = req;
    let (Some(method), Some(target), Some(minor)) = (method, target, version) else {
        return Err(RequestError::BadRequestLine);
    };
    if has_bare_lf(window.get(..len).unwrap_or(window), blank, method, target, headers) {
        return Err(RequestError::BareLineFeed);
    }
    if target.len() > config.max_target_len {
        return Err(RequestError::TargetTooLong);
    }
    let (form, origin_start) = classify_target(method, target)?;
    Ok(Some(RequestHead {
        method,
        target,
        version: if minor == 0 { Version::Http10 } else { Version::Http11 },
        form,
        origin_start,
        headers,
        len,
    }))
}

/// Whether httparse's error in `window` lies in its complete lines, so that
/// an error is only ever decided at a line end (or at the end of the input):
/// whether a head arrives whole or trickles in, the same bytes then give the
/// same decision at the same point. An error in an unfinished last line waits
/// for its line end, a full buffer, the peer's EOF or the header deadline.
#[inline(never)] // the error path: keep its slots out of the hot frame
fn in_complete_lines<const H: usize>(window: &[u8]) -> bool {
    let Some(last_lf) = window.iter().rposition(|&b| b == b'\n') else { return false };
    let lines = window.get(..=last_lf).unwrap_or(window);
    let mut slots = HeaderSlots::<H>::new();
    httparse::Request::new(&mut []).parse_with_uninit_headers(lines, &mut slots.slots).is_err()
}

/// Bytes of CRLF empty lines at the start of `input`.
/// Where the request head at the start of `input` ends (just after its empty
/// line), if it is all there: empty lines before the request line are
/// skipped, as the parser skips them. A driver uses it to split its buffer
/// between the head (borrowed while the request is served) and what follows
/// it (body bytes, read into while the request is served) before it parses.
///
/// ```
/// use lamina::h1::head_end;
/// assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), Some(27));
/// assert_eq!(head_end(b"\r\nGET / HTTP/1.1\r\n\r\n"), Some(20));
/// assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
/// ```
pub fn head_end(input: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    while let Some(rest) = input.get(at..) {
        at = at.saturating_add(match rest {
            [b'\r', b'\n', ..] => 2,
            [b'\n', ..] => 1,
            _ => break,
        });
    }
    loop {
        let line_end = at.saturating_add(input.get(at..)?.iter().position(|&b| b == b'\n')?);
        let next = line_end.saturating_add(1);
        match input.get(next..)? {
            [b'\n', ..] => return Some(next.saturating_add(1)),
            [b'\r', b'\n', ..] => return Some(next.saturating_add(2)),
            [] | [b'\r'] => return None,
            _ => at = next,
        }
    }
}

pub(crate) fn leading_empty_lines(input: &[u8]) -> usize {
    input.chunks_exact(2).take_while(|pair| *pair == b"\r\n").count().saturating_mul(2)
}

/// httparse accepts a bare LF as a line end; lamina does not (a common
/// request-smuggling lever). In a head httparse accepted, LF only occurs as a
/// line end and every CR is followed by LF, so it suffices to look at the byte
/// that ends each line httparse found: after the request line, after each
/// header value (past trailing whitespace), and at the very end. That costs a
/// few comparisons per header line, not a pass over the bytes.
///
/// Should a view ever not lie inside `head` (httparse representing an empty
/// value differently), it falls back to counting: a head has a bare LF
/// exactly when it holds more LFs than CRs.
fn has_bare_lf(head: &[u8], blank: usize, method: &str, target: &str, headers: &[httparse::Header<'_>]) -> bool {
    let base = head.as_ptr() as usize;
    let offset = |s: &[u8]| (s.as_ptr() as usize).wrapping_sub(base);
    // Leading empty lines are the CRLFs counted in `blank`; httparse would
    // also skip bare LFs, which moves the method.
    if offset(method.as_bytes()) != blank || !head.ends_with(b"\r\n") {
        return true;
    }
    // The request line is "<target> HTTP/1.x" then its line end; each header
    // line ends after its value and optional whitespace.
    let request_line = offset(target.as_bytes()).wrapping_add(target.len()).wrapping_add(9);
    let lines = headers.iter().map(|h| offset(h.value).wrapping_add(h.value.len()));
    for end in core::iter::once(request_line).chain(lines) {
        match head.get(end) {
            Some(b'\r') => {}
            Some(b' ' | b'\t') => {
                let rest = head.get(end..).unwrap_or(&[]);
                if rest.iter().find(|&&b| b != b' ' && b != b'\t') != Some(&b'\r') {
                    return true;
                }
            }
            Some(_) => return true,
            None => return count_lf(head) != count_cr(head),
        }
    }
    false
}

fn count_lf(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn count_cr(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\r').count()
}

/// A head that can no longer complete: its request line is unfinished when the
/// buffer filled (414), or its header section is (431), or the peer left (400).
fn incomplete_error(window: &[u8], full: bool) -> RequestError {
    let line_done = request_line(window).contains(&b'\n');
    match (full, line_done) {
        (true, false) => RequestError::TargetTooLong,
        (true, true) => RequestError::HeadTooLarge,
        (false, _) => RequestError::UnexpectedEof,
    }
}

/// Classifies an httparse version error once the request line is complete:
/// `HTTP/<digit>.<digit>` is a well-formed but unsupported version (505),
/// anything else is malformed (400). `None` while the line is unfinished.
fn version_error(window: &[u8]) -> Option<RequestError> {
    let rest = request_line(window);
    let line_end = rest.iter().position(|&b| b == b'\n')?;
    let line = rest.get(..line_end)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let token = line.rsplit(|&b| b == b' ').next().unwrap_or(line);
    Some(match token {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit() => {
            RequestError::UnsupportedVersion
        }
        _ => RequestError::BadVersion,
    })
}

/// The input from the request line on, skipping empty lines the way httparse
/// does (CRLF or bare LF; the bare ones are refused once the head completes).
fn request_line(window: &[u8]) -> &[u8] {
    let mut rest = window;
    loop {
        rest = match rest {
            [b'\r', b'\n', tail @ ..] | [b'\n', tail @ ..] => tail,
            _ => return rest,
        };
    }
}

fn map_httparse_error(e: httparse::Error) -> RequestError {
    match e {
        httparse::Error::HeaderName | httparse::Error::HeaderValue => RequestError::BadHeader,
        httparse::Error::TooManyHeaders => RequestError::TooManyHeaders,
        httparse::Error::Version => RequestError::BadVersion,
        _ => RequestError::BadRequestLine,
    }
}

/// Origin-form, absolute-form, or asterisk-form with `OPTIONS`; returns where
/// the origin-form part starts.
fn classify_target(method: &str, target: &str) -> Result<(TargetForm, usize), RequestError> {
    if target.starts_with('/') {
        return Ok((TargetForm::Origin, 0));
    }
    if target == "*" {
        return if method == "OPTIONS" { Ok((TargetForm::Asterisk, 0)) } else { Err(RequestError::BadTarget) };
    }
    // absolute-form: scheme "://" authority [ path-abempty ] [ "?" query ]
    let (scheme, rest) = target.split_once("://").ok_or(RequestError::BadTarget)?;
    let mut scheme_chars = scheme.bytes();
    let scheme_ok = scheme_chars.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if !scheme_ok || authority_len == 0 || !is_authority(rest.as_bytes().get(..authority_len)) {
        return Err(RequestError::BadTarget);
    }
    let origin_start = scheme.len().saturating_add(3).saturating_add(authority_len);
    Ok((TargetForm::Absolute, origin_start))
}

/// Characters of an authority (RFC 3986 §3.2): unreserved, sub-delims, `%`,
/// `:`, `@`, `[`, `]`. Also used for `Host` values.
pub(crate) fn is_authority(bytes: Option<&[u8]>) -> bool {
    bytes.is_some_and(|bytes| bytes.iter().all(|&b| AUTHORITY.get(usize::from(b)).copied().unwrap_or(false)))
}

// Built at compile time: an index out of range would fail the build, not a request.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
static AUTHORITY: [bool; 256] = {
    let mut table = [false; 256];
    let allowed = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%:@[]";
    let mut i = 0;
    while i < allowed.len() {
        table[allowed[i] as usize] = true;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses with 8 slots and returns the outcome with owned parts.
    fn parse_all(input: &[u8]) -> Result<Option<Parsed>, RequestError> {
        let mut slots = HeaderSlots::<8>::new();
        let head = parse(input, &mut slots, input.len().max(1), Incomplete::Partial, &Config::new())?;
        Ok(head.map(|h| Parsed::from(&h)))
    }

    #[derive(Debug, PartialEq)]
    struct Parsed {
        method: std::string::String,
        target: std::string::String,
        version: Version,
        form: TargetForm,
        origin: std::string::String,
        authority: Option<std::string::String>,
        host: Option<std::vec::Vec<u8>>,
        len: usize,
    }

    impl Parsed {
        fn from(h: &RequestHead<'_, '_>) -> Self {
            Parsed {
                method: h.method().into(),
                target: h.target().into(),
                version: h.version(),
                form: h.form(),
                origin: h.origin().into(),
                authority: h.authority().map(Into::into),
                host: h.headers().get("HOST").map(<[u8]>::to_vec),
                len: h.len(),
            }
        }
    }

    fn parse_with(input: &[u8], cap: usize, end: Incomplete, config: &Config) -> Result<Option<usize>, RequestError> {
        let mut slots = HeaderSlots::<8>::new();
        parse(input, &mut slots, cap, end, config).map(|h| h.map(|h| h.len()))
    }

    #[test]
    fn parses_a_minimal_get() {
        let head = parse_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest").unwrap().unwrap();
        assert_eq!((head.method.as_str(), head.target.as_str(), head.version), ("GET", "/", Version::Http11));
        assert_eq!(head.len, 27);
        assert_eq!(head.host.as_deref(), Some(&b"a"[..]));
    }

    #[test]
    fn bare_lf_anywhere_is_refused() {
        for input in [
            &b"GET / HTTP/1.1\nHost: a\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n\n",
            b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(parse_all(input).err(), Some(RequestError::BareLineFeed), "{input:?}");
        }
    }

    #[test]
    fn line_ends_after_empty_values_and_whitespace() {
        for ok in [
            &b"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nY: \t \r\nZ:v \r\n\r\n"[..],
            b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.0\r\n\r\n",
        ] {
            assert!(parse_all(ok).unwrap().is_some(), "{ok:?}");
        }
        for bad in [
            &b"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\r\nY: \t \n\r\n",
            b"\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.0\n\r\n",
            b"GET / HTTP/1.0\r\n\n",
        ] {
            assert_eq!(parse_all(bad).err(), Some(RequestError::BareLineFeed), "{bad:?}");
        }
    }

    #[test]
    fn the_counting_fallback_agrees() {
        assert_eq!(count_lf(b"a\r\nb\n"), 2);
        assert_eq!(count_cr(b"a\r\nb\n"), 1);
    }

    #[test]
    fn bare_cr_anywhere_is_refused() {
        for input in [
            &b"GET / HTTP/1.1\rHost: a\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
            b"GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n",
            b"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\r\n",
            b"\rGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            let err = parse_all(input).err();
            assert!(err.is_some_and(|e| e.status() == 400), "{input:?}: {err:?}");
        }
    }

    #[test]
    fn version_errors_wait_for_the_whole_token() {
        assert_eq!(parse_all(b"GET / HTTP/2").unwrap(), None);
        assert_eq!(parse_all(b"GET / HTTP/2.0\r\n").err(), Some(RequestError::UnsupportedVersion));
        assert_eq!(parse_all(b"GET / HTTP/1.2\r\n").err(), Some(RequestError::UnsupportedVersion));
        assert_eq!(parse_all(b"GET / HTTP/1.10\r\n").err().map(RequestError::status), Some(400));
        assert_eq!(parse_all(b"GET / HTTX/1.1\r\n").err(), Some(RequestError::BadVersion));
        assert_eq!(parse_all(b"GET / http/1.1\r\n").err(), Some(RequestError::BadVersion));
    }

    #[test]
    fn errors_wait_for_their_line_end() {
        // The bad byte is in an unfinished line: undecided until it ends.
        assert_eq!(parse_all(b"GE(T / HTTP/1.1").unwrap(), None);
        assert_eq!(parse_all(b"\r\n\r:").unwrap(), None);
        assert_eq!(parse_all(b"GET / HTTP/1.1\r\nHo st: a").unwrap(), None);
        // Once the line ends, or a later line exists, the error is decided.
        assert_eq!(parse_all(b"GE(T / HTTP/1.1\r\n").err(), Some(RequestError::BadRequestLine));
        assert_eq!(parse_all(b"GET / HTTP/1.1\r\nHo st: a\r\nX").err(), Some(RequestError::BadHeader));
        // At the end of the input nothing waits.
        let eof = parse_with(b"GE(T / HTTP/1.1", 100, Incomplete::Final, &Config::new());
        assert_eq!(eof.err(), Some(RequestError::BadRequestLine));
    }

    #[test]
    fn the_request_line_follows_any_empty_lines() {
        // Found by the h1_connection fuzzer: a bare-LF empty line is not the request line.
        assert_eq!(parse_all(b"\r\n\nTi 1i 1").unwrap(), None);
        assert_eq!(parse_all(b"\r\n\nGET / HTTP/2.0\r\n").err(), Some(RequestError::UnsupportedVersion));
        let full = parse_with(b"\n\nGET /aaaa", 11, Incomplete::Final, &Config::new());
        assert_eq!(full.err(), Some(RequestError::TargetTooLong));
    }

    #[test]
    fn target_forms() {
        let head = parse_all(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").unwrap().unwrap();
        assert_eq!(head.form, TargetForm::Asterisk);
        assert_eq!(parse_all(b"GET * HTTP/1.1\r\nHost: a\r\n\r\n").err(), Some(RequestError::BadTarget));
        let head = parse_all(b"GET HTTP://h:8/p?q HTTP/1.1\r\nHost: a\r\n\r\n").unwrap().unwrap();
        assert_eq!(
            (head.form, head.origin.as_str(), head.authority.as_deref()),
            (TargetForm::Absolute, "/p?q", Some("h:8"))
        );
        let head = parse_all(b"GET http://h HTTP/1.1\r\nHost: a\r\n\r\n").unwrap().unwrap();
        assert_eq!((head.origin.as_str(), head.authority.as_deref()), ("", Some("h")));
        for bad in [&b"CONNECT h:443"[..], b"GET h/x", b"GET http:///x", b"GET 1http://h/", b"GET http://h\"/"] {
            let mut input = bad.to_vec();
            input.extend_from_slice(b" HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(parse_all(&input).err(), Some(RequestError::BadTarget), "{bad:?}");
        }
    }

    #[test]
    fn incomplete_heads_at_the_end() {
        let config = Config::new();
        let full = |input: &'static [u8]| parse_with(input, input.len(), Incomplete::Final, &config).err();
        assert_eq!(full(b"GET /aaaaaaaa"), Some(RequestError::TargetTooLong));
        assert_eq!(full(b"GET / HTTP/1.1\r\nHost: a"), Some(RequestError::HeadTooLarge));
        assert_eq!(full(b"GET / HTTP/1"), Some(RequestError::TargetTooLong));
        let eof = parse_with(b"GET / HT", 100, Incomplete::Final, &config).err();
        assert_eq!(eof, Some(RequestError::UnexpectedEof));
    }

    #[test]
    fn empty_lines_before_the_request_line() {
        let config = Config::new().max_empty_lines(1);
        let ok = parse_with(b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 64, Incomplete::Partial, &config);
        assert!(ok.unwrap().is_some());
        let bad = parse_with(b"\r\n\r\nGET / HTTP/1.1\r\n", 64, Incomplete::Partial, &config);
        assert_eq!(bad.err(), Some(RequestError::TooManyEmptyLines));
    }

    #[test]
    fn too_many_headers() {
        let input = b"GET / HTTP/1.1\r\na: 1\r\nb: 1\r\nc: 1\r\n\r\n";
        let mut slots = HeaderSlots::<2>::new();
        let r = parse(input, &mut slots, input.len(), Incomplete::Partial, &Config::new()).map(|h| h.map(|h| h.len()));
        assert_eq!(r.err(), Some(RequestError::TooManyHeaders));
    }
}
