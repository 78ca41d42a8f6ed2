//! Express 4's response helpers as methods of [`Response`], answering as
//! Express 4.22.3 answers (its `lib/response.js` and the packages it uses).
//!
//! | Express | lamina |
//! |---|---|
//! | `res.status(code)` | [`set_status`](Response::set_status) (`status()` is the getter) |
//! | `res.send(body)` | [`send`](Response::send) (`&str`: text, `&[u8]`: bytes) |
//! | `res.json(obj)` | [`json`](Response::json), [`json_in`](Response::json_in) |
//! | `res.jsonp(obj)` | [`jsonp`](Response::jsonp), [`jsonp_in`](Response::jsonp_in) |
//! | `res.sendStatus(code)` | [`send_status`](Response::send_status) |
//! | `res.type(t)`, `res.contentType(t)` | [`content_type`](Response::content_type) |
//! | `res.attachment(name)` | [`attachment`](Response::attachment) |
//! | `res.location(url)` | [`location`](Response::location) |
//! | `res.redirect([status,] url)` | [`redirect`](Response::redirect) |
//! | `res.cookie(name, value, opts)` | [`cookie`](Response::cookie) |
//! | `res.clearCookie(name, opts)` | [`clear_cookie`](Response::clear_cookie) |
//! | `res.links(links)` | [`links`](Response::links) |
//! | `res.vary(field)` | [`vary`](Response::vary) |
//! | `res.format(obj)` | [`format`](Response::format) (returns the type; the caller answers) |
//! | `res.render(view)` | [`render`](Response::render) (any `Display`, streamed) |
//! | `res.set(name, value)`, `res.get(name)` | [`set_header`](Response::set_header), [`header`](Response::header) |
//! | `res.append(name, value)` | [`append_header`](Response::append_header) |
//! | `res.end(data)` (Node) | [`end`](Response::end): raw, no header added |
//! | `res.headersSent` (Node) | [`headers_sent`](Response::headers_sent) |
//!
//! Not here: `res.sendFile` and `res.download` (no file system in the
//! core), `res.locals` ([`App::with_locals`](super::App::with_locals)).
//!
//! Header values these helpers compute (`Location`, `Set-Cookie`, `Link`...)
//! are written straight into the response's header arena, so their only
//! limit is the arena's room ([`ResponseError::HeadersFull`]). Bodies:
//! [`send`](Response::send) takes one in memory, [`json`](Response::json)
//! serializes into a buffer ([`Response::JSON_BUFFER`] bytes on the
//! future's stack, or one the caller lends to `json_in`), and
//! [`render`](Response::render) streams.

use core::fmt::{self, Write as _};

use serde::Serialize;

use super::json::{JsonError, SliceWriter, write_json};
use super::{ETag, Response, ResponseError};
use crate::Error;
use crate::h1::reason_phrase;
use crate::http::{etag, fresh, query};

/// A body [`Response::send`] takes: text (`&str`) or bytes (`&[u8]`,
/// `&[u8; N]`), which Express tells apart to pick a default
/// `Content-Type` (`text/html; charset=utf-8` or
/// `application/octet-stream`).
///
/// ```
/// use lamina::app::SendBody;
///
/// assert!("text".is_text());
/// assert!(!b"bytes".is_text());
/// assert_eq!("é".body(), [0xc3, 0xa9]);
/// ```
pub trait SendBody {
    /// The body's bytes.
    fn body(&self) -> &[u8];
    /// Whether the body is text (Express's string bodies).
    fn is_text(&self) -> bool;
}

impl SendBody for str {
    fn body(&self) -> &[u8] {
        self.as_bytes()
    }
    fn is_text(&self) -> bool {
        true
    }
}

impl SendBody for [u8] {
    fn body(&self) -> &[u8] {
        self
    }
    fn is_text(&self) -> bool {
        false
    }
}

impl<const N: usize> SendBody for [u8; N] {
    fn body(&self) -> &[u8] {
        self
    }
    fn is_text(&self) -> bool {
        false
    }
}

impl<T: SendBody + ?Sized> SendBody for &T {
    fn body(&self) -> &[u8] {
        (**self).body()
    }
    fn is_text(&self) -> bool {
        (**self).is_text()
    }
}

impl<T: SendBody + ?Sized> SendBody for &mut T {
    fn body(&self) -> &[u8] {
        (**self).body()
    }
    fn is_text(&self) -> bool {
        (**self).is_text()
    }
}

impl<'r> Response<'r> {
    /// Bytes of the buffer [`json`](Self::json) and [`jsonp`](Self::jsonp)
    /// serialize into (held by their future while the body is sent).
    pub const JSON_BUFFER: usize = 1024;

    /// Sends a whole body and ends the response, as Express's `res.send`:
    ///
    /// - `Content-Type`: text gets `text/html; charset=utf-8` when none is
    ///   set, else the type set with its charset made `utf-8`; bytes get
    ///   `application/octet-stream` when none is set;
    /// - `ETag` (of the whole body, by the app's [`ETag`] setting) unless one
    ///   is set, whatever the status, as Express does;
    /// - `304 Not Modified` without a body when the request is fresh (a
    ///   `GET` or `HEAD` whose `If-None-Match` / `If-Modified-Since` match
    ///   the `ETag` / `Last-Modified`; the status must be 2xx);
    /// - `204` and `304` lose `Content-Type` and the body, `205` the body;
    ///   a `HEAD` answer gets the `Content-Length` and no body.
    ///
    /// [`end`](Self::end) sends bytes as they are, adding nothing.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.send("<p>hi</p>").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.contains("Content-Type: text/html; charset=utf-8\r\n"));
    /// assert!(text.contains("ETag: W/\"9-"));
    /// assert!(text.ends_with("\r\n\r\n<p>hi</p>"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`ResponseError::Ended`] once the head or any body was written; a
    /// `500` for a `Content-Type` that is not a valid media type (text
    /// only); header capacity; IO errors.
    pub async fn send(&mut self, body: impl SendBody) -> Result<(), Error> {
        let body = self.prepare_send(body.body(), body.is_text())?;
        self.end(body).await
    }

    /// Sends `value` as JSON (Express's `res.json`): `JSON.stringify`'s
    /// compact text, `Content-Type: application/json; charset=utf-8` unless
    /// a type is set, then as [`send`](Self::send) (`ETag`, `304`, `HEAD`).
    ///
    /// The value is serialized once, into a buffer of
    /// [`JSON_BUFFER`](Self::JSON_BUFFER) bytes, so that its `ETag` and
    /// length are known before the head goes out; use
    /// [`json_in`](Self::json_in) with a buffer of your own for larger
    /// bodies.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// #[derive(serde::Serialize)]
    /// struct User<'a> { name: &'a str, age: u32 }
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.json(&User { name: "tobi", age: 2 }).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.contains("Content-Type: application/json; charset=utf-8\r\n"));
    /// assert!(text.ends_with("\r\n\r\n{\"name\":\"tobi\",\"age\":2}"));
    /// ```
    ///
    /// # Errors
    ///
    /// A `500` when the JSON is larger than the buffer or the value cannot
    /// be serialized (a map key that is not a string or number); else as
    /// [`send`](Self::send).
    pub async fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let mut buf = [0; Self::JSON_BUFFER];
        let body = self.prepare_json(value, &mut buf)?;
        self.end(body).await
    }

    /// [`json`](Self::json), serializing into `buf`.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     let mut buf = [0u8; 16];
    ///     assert!(res.json_in(&[1; 10], &mut buf).await.is_err());
    ///     res.json_in(&[1, 2, 3], &mut buf).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\n[1,2,3]"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`json`](Self::json), with `buf`'s size as the limit.
    pub async fn json_in<T: Serialize + ?Sized>(&mut self, value: &T, buf: &mut [u8]) -> Result<(), Error> {
        let body = self.prepare_json(value, buf)?;
        self.end(body).await
    }

    /// Sends `value` as JSON with JSONP support (Express's `res.jsonp`):
    /// when the query string has a non-empty `callback_key` (Express's
    /// `jsonp callback name`, `"callback"` by default), the body is
    /// `/**/ typeof cb === 'function' && cb(<json>);` as
    /// `text/javascript; charset=utf-8`, the callback stripped of everything
    /// but `[]`, `$`, `.`, `_` and ASCII letters and digits, and U+2028 /
    /// U+2029 escaped in the JSON. Without a callback it is
    /// [`json`](Self::json). Both add `X-Content-Type-Options: nosniff`
    /// (`json` only when no type is set).
    ///
    /// The query is read with [`http::query`](crate::http::query)'s rules;
    /// a key `callback[]` counts as `callback`, as qs would make it an array.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.jsonp(&3, "callback").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET /?callback=some.fn HTTP/1.1\r\nHost: a\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.contains("Content-Type: text/javascript; charset=utf-8\r\n"));
    /// assert!(text.ends_with("/**/ typeof some.fn === 'function' && some.fn(3);"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`json`](Self::json) (the wrapper counts towards the buffer).
    pub async fn jsonp<T: Serialize + ?Sized>(&mut self, value: &T, callback_key: &str) -> Result<(), Error> {
        let mut buf = [0; Self::JSON_BUFFER];
        let body = self.prepare_jsonp(value, callback_key, &mut buf)?;
        self.end(body).await
    }

    /// [`jsonp`](Self::jsonp), serializing into `buf`.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.jsonp_in("\u{2028}", "cb", &mut [0; 64]).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET /?cb=f HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(br#"f("\u2028");"#));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`json_in`](Self::json_in).
    pub async fn jsonp_in<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        callback_key: &str,
        buf: &mut [u8],
    ) -> Result<(), Error> {
        let body = self.prepare_jsonp(value, callback_key, buf)?;
        self.end(body).await
    }

    /// Sets the status and sends its reason phrase as `text/plain` (Express's
    /// `res.sendStatus`): `Not Found` for `404`, the number for a status
    /// without one. Then as [`send`](Self::send).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.send_status(404).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
    /// assert!(out.ends_with(b"\r\n\r\nNot Found"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_status(&mut self, status: u16) -> Result<(), Error> {
        self.check_unsent()?;
        self.set_status(status);
        self.set_type("text/plain")?;
        let mut digits = [0; 5];
        let body = match status_message(status) {
            Some(message) => message.as_bytes(),
            None => {
                let len = write_body(&mut digits, |w| Ok(write!(w, "{status}")?))?;
                digits.get(..len).unwrap_or(&[])
            }
        };
        let body = self.prepare_send(body, true)?;
        self.end(body).await
    }

    /// Streams `page` as the body (Express's `res.render`, with any
    /// `Display` as the view: an askama template, a `format_args!`...):
    /// `Content-Type: text/html; charset=utf-8` unless a type is set (whose
    /// charset is then made `utf-8`), and the response ends. The page is
    /// never held whole, so there is no `ETag` and no `304`; a page that
    /// fits the write buffer still goes out with a `Content-Length`. A
    /// `HEAD` answer gets the length and no body.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.render(&format_args!("<h1>{}</h1>", "Hello")).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.contains("Content-Type: text/html; charset=utf-8\r\nContent-Length: 14\r\n"));
    /// assert!(text.ends_with("\r\n\r\n<h1>Hello</h1>"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn render<D: fmt::Display + ?Sized>(&mut self, page: &D) -> Result<(), Error> {
        self.check_unsent()?;
        self.utf8_type()?;
        if matches!(self.status(), 204 | 205 | 304) {
            let body = self.strip_body(b"");
            return self.end(body).await;
        }
        if self.request_method() == "HEAD" {
            let mut count = Count(0);
            let _ = write!(count, "{page}");
            self.remove_header("Content-Length");
            self.declare_length(count.0);
        } else {
            self.write_display(page).await?;
        }
        self.end(b"").await
    }

    /// `json` up to `end`: the body in `buf`, the headers.
    fn prepare_json<'b, T: Serialize + ?Sized>(&mut self, value: &T, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
        self.check_unsent()?;
        let len = write_body(buf, |w| write_json(w, value, false))?;
        if self.header("Content-Type").is_none() {
            self.set_type("application/json")?;
        }
        self.prepare_send(buf.get(..len).unwrap_or(&[]), true)
    }

    /// `jsonp` up to `end`: the body in `buf`, the headers.
    fn prepare_jsonp<'b, T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        callback_key: &str,
        buf: &'b mut [u8],
    ) -> Result<&'b [u8], Error> {
        self.check_unsent()?;
        let query = self.request_target().split_once('?').map_or("", |(_, q)| q);
        let callback = query::pairs(query)
            .find(|(k, _)| k.eq(callback_key) || k.chars().eq(callback_key.chars().chain("[]".chars())))
            .map(|(_, v)| v)
            .filter(|v| !v.raw().is_empty())
            .map(Callback);
        let len = write_body(buf, |w| match callback {
            None => write_json(w, value, false),
            Some(cb) => {
                write!(w, "/**/ typeof {cb} === 'function' && {cb}(")?;
                write_json(w, value, true)?;
                Ok(w.write_str(");")?)
            }
        })?;
        if self.header("Content-Type").is_none() {
            self.set_header("X-Content-Type-Options", b"nosniff")?;
            self.set_type("application/json")?;
        }
        if callback.is_some() {
            self.set_header("X-Content-Type-Options", b"nosniff")?;
            self.set_type("text/javascript")?;
        }
        self.prepare_send(buf.get(..len).unwrap_or(&[]), true)
    }

    /// Express's `res.send` after its argument handling, up to `end`: the
    /// headers, and what to end with. (The helpers end the response
    /// themselves, so that their futures nest no deeper than `end`'s.)
    pub(super) fn prepare_send<'b>(&mut self, body: &'b [u8], text: bool) -> Result<&'b [u8], Error> {
        self.check_unsent()?;
        if text {
            self.utf8_type()?;
        } else if self.header("Content-Type").is_none() {
            self.set_header("Content-Type", b"application/octet-stream")?;
        }
        let setting = self.settings().etag();
        if setting != ETag::Off && self.header("ETag").is_none() {
            self.put_header("ETag", false, |_, mut w| match setting {
                ETag::Strong => etag::write_strong(&mut w, body),
                _ => etag::write_weak(&mut w, body),
            })?;
        }
        if self.is_fresh() {
            self.set_status(304);
        }
        Ok(self.strip_body(body))
    }

    /// Express's `req.fresh`, for the response as it stands.
    fn is_fresh(&self) -> bool {
        let (req, status) = (self.request_headers(), self.status());
        let conditions = fresh::Conditions {
            if_none_match: req.get("If-None-Match"),
            if_modified_since: req.get("If-Modified-Since"),
            cache_control: req.get("Cache-Control"),
        };
        let validators = fresh::Validators { etag: self.header("ETag"), last_modified: self.header("Last-Modified") };
        matches!(self.request_method(), "GET" | "HEAD" | "QUERY")
            && ((200..300).contains(&status) || status == 304)
            && fresh::fresh(&conditions, &validators)
    }

    /// What to end with, as Express's `res.send` ends once the headers are
    /// set: no body for `204` and `304` (nor their body headers), none for
    /// `205`, only the length for `HEAD`.
    fn strip_body<'b>(&mut self, body: &'b [u8]) -> &'b [u8] {
        let body = match self.status() {
            204 | 304 => {
                self.remove_header("Content-Type");
                self.remove_header("Transfer-Encoding");
                b""
            }
            205 => {
                self.remove_header("Transfer-Encoding");
                b""
            }
            _ => body,
        };
        self.remove_header("Content-Length");
        self.declare_length(body.len() as u64);
        if self.request_method() == "HEAD" { b"" } else { body }
    }

    /// Refuses a second answer, as Node does once headers are sent.
    pub(super) fn check_unsent(&self) -> Result<(), ResponseError> {
        if self.headers_sent() || self.is_ended() || self.body_bytes() > 0 { Err(ResponseError::Ended) } else { Ok(()) }
    }
}

/// The reason phrase Express uses (the `statuses` 2.0 table).
pub(super) fn status_message(status: u16) -> Option<&'static str> {
    Some(match reason_phrase(status) {
        "" => match status {
            101 => "Switching Protocols",
            208 => "Already Reported",
            226 => "IM Used",
            305 => "Use Proxy",
            423 => "Locked",
            424 => "Failed Dependency",
            506 => "Variant Also Negotiates",
            508 => "Loop Detected",
            509 => "Bandwidth Limit Exceeded",
            510 => "Not Extended",
            _ => return None,
        },
        known => known,
    })
}

/// Node's `path.extname`: from the last `.` of the last segment, `""`
/// when the segment has none or starts with its only dot.
/// A JSONP callback name: the query value with everything but
/// `[\[\]\w$.]` removed.
#[derive(Clone, Copy, Debug)]
struct Callback<'a>(query::RawComponent<'a>);

impl fmt::Display for Callback<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = |c: &char| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '[' | ']');
        self.0.chars().filter(kept).try_for_each(|c| f.write_char(c))
    }
}

/// Counts what is written.
pub(super) struct Count(pub(super) u64);

impl fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len() as u64);
        Ok(())
    }
}

/// Writes a body into `buf` and returns its length.
fn write_body(
    buf: &mut [u8],
    write: impl FnOnce(&mut dyn fmt::Write) -> Result<(), JsonError>,
) -> Result<usize, Error> {
    let mut out = SliceWriter { buf, len: 0 };
    write(&mut out).map_err(|e| Error::new(e.message()))?;
    Ok(out.len)
}

#[cfg(test)]
pub(super) mod tests {
    use std::string::{String, ToString};
    use std::vec::Vec;
    use std::{format, vec};

    use super::super::{App, Chain, ETag, Flow, Locals, Response};
    use crate::serve::memory::exchange;

    /// One response as the client read it.
    #[derive(Debug)]
    pub(in super::super) struct Answer {
        pub(in super::super) status: u16,
        pub(in super::super) headers: Vec<(String, String)>,
        pub(in super::super) body: String,
    }

    impl Answer {
        /// The only header named `name` (panics when repeated).
        pub(in super::super) fn header(&self, name: &str) -> Option<&str> {
            let all = self.all(name);
            assert!(all.len() <= 1, "{name} repeated: {all:?}");
            all.first().copied()
        }

        pub(in super::super) fn all(&self, name: &str) -> Vec<&str> {
            self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
        }
    }

    /// Serves one request with `headers` and reads the answer (chunked or
    /// not).
    pub(in super::super) fn run<C: Chain, L: Locals>(
        app: &App<C, L>,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut wire = format!("{method} {target} HTTP/1.1\r\nHost: a\r\n");
        for (name, value) in headers {
            wire.push_str(&format!("{name}: {value}\r\n"));
        }
        wire.push_str("\r\n");
        let out = exchange(app, wire.as_bytes());
        let end = out.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
        let head = String::from_utf8_lossy(&out[..end]).into_owned();
        let mut rest = &out[end + 4..];
        let mut lines = head.split("\r\n");
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
        let headers: Vec<(String, String)> = lines
            .map(|l| l.split_once(": ").expect("header line"))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let find = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let mut body = Vec::new();
        if method == "HEAD" || status == 204 || status == 304 {
            assert!(rest.is_empty(), "a body after a bodiless head");
        } else if let Some(length) = find("Content-Length") {
            body.extend_from_slice(&rest[..length.parse().unwrap()]);
        } else {
            assert_eq!(find("Transfer-Encoding").as_deref(), Some("chunked"));
            loop {
                let line = rest.windows(2).position(|w| w == b"\r\n").unwrap();
                let size = usize::from_str_radix(core::str::from_utf8(&rest[..line]).unwrap(), 16).unwrap();
                body.extend_from_slice(&rest[line + 2..line + 2 + size]);
                rest = &rest[line + 2 + size + 2..];
                if size == 0 {
                    break;
                }
            }
        }
        Answer { status, headers, body: String::from_utf8(body).unwrap() }
    }

    /// GETs `/` from an app with one handler.
    macro_rules! answer {
        ($method:expr, $target:expr, $headers:expr, |$res:ident| $body:block) => {{
            let app = App::new().with_fn(async |_req, $res: &mut Response<'_>| {
                $body;
                Ok(Flow::Done)
            });
            run(&app, $method, $target, $headers)
        }};
        (|$res:ident| $body:block) => {
            answer!("GET", "/", &[], |$res| $body)
        };
    }
    pub(in super::super) use answer;

    const X_TAG: &str = "W/\"1-EfatjsUqKYSrqv18O1FlA3hcIHI\"";

    #[test]
    fn send_text_is_html_with_etag_and_length() {
        let a = answer!(|res| { res.send("hey").await? });
        assert_eq!((a.status, a.body.as_str()), (200, "hey"));
        assert_eq!(a.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(a.header("Content-Length"), Some("3"));
        assert_eq!(a.header("ETag"), Some("W/\"3-f1UKn0xEFzo3Zk2TjxNV8PkqR6c\""));
        // Conformance: the empty body, the UTF-8 length.
        let a = answer!(|res| { res.send("").await? });
        assert_eq!(a.header("ETag"), Some("W/\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\""));
        assert_eq!(a.header("Content-Length"), Some("0"));
        let a = answer!(|res| { res.send("héllo ☃").await? });
        assert_eq!(a.header("ETag"), Some("W/\"a-eqMzmTcvGAFd2l4Ld1GDZtZLhis\""));
        assert_eq!((a.header("Content-Length"), a.body.as_str()), (Some("10"), "héllo ☃"));
    }

    #[test]
    fn send_bytes_is_octet_stream_unless_typed() {
        let a = answer!(|res| { res.send(b"hello").await? });
        assert_eq!(a.header("Content-Type"), Some("application/octet-stream"));
        assert_eq!(a.header("ETag"), Some("W/\"5-qvTGHdzF6KLavt4PO0gs2a6pQ00\""));
        let a = answer!(|res| {
            res.set_header("Content-Type", b"text/plain")?;
            res.send(&b"hi"[..]).await?
        });
        assert_eq!(a.header("Content-Type"), Some("text/plain"));
    }

    #[test]
    fn send_text_makes_the_charset_utf8() {
        for (set, sent) in [
            ("text/plain", "text/plain; charset=utf-8"),
            ("text/plain; charset=iso-8859-1", "text/plain; charset=utf-8"),
            (r#"Text/HTML; B=2; a="x y"; Charset=latin1; b="t\"q""#, r#"text/html; a="x y"; b="t\"q"; charset=utf-8"#),
            (r#"text/plain ; z=1;y="tok" ; x="""#, r#"text/plain; charset=utf-8; x=""; y=tok; z=1"#),
            (r#"text/plain; x=""; x=1"#, "text/plain; charset=utf-8; x=1"),
            ("application/vnd.api+json", "application/vnd.api+json; charset=utf-8"),
        ] {
            let a = answer!(|res| {
                res.set_header("Content-Type", set.as_bytes())?;
                res.send("x").await?
            });
            assert_eq!(a.header("Content-Type"), Some(sent), "{set}");
            assert_eq!(a.header("ETag"), Some(X_TAG));
        }
    }

    #[test]
    fn send_refuses_an_invalid_content_type() {
        for (set, message) in [
            ("foo", "invalid media type"),
            ("text/plain; a=1;", "invalid parameter format"),
            ("text /plain", "invalid media type"),
            ("text/plain; a=\"x", "invalid parameter format"),
        ] {
            let a = answer!(|res| {
                res.set_header("Content-Type", set.as_bytes())?;
                let err = res.send("x").await.unwrap_err();
                assert_eq!((err.message(), err.status()), (message, 500), "{set}");
                res.end(b"refused").await?
            });
            assert_eq!(a.body, "refused");
        }
    }

    #[test]
    fn send_strips_bodies_for_204_304_205() {
        let a = answer!(|res| {
            res.set_status(204).set_header("Content-Type", b"text/plain")?;
            res.send("x").await?
        });
        assert_eq!((a.status, a.header("Content-Type"), a.header("Content-Length")), (204, None, None));
        assert_eq!(a.header("ETag"), Some(X_TAG));
        let a = answer!(|res| { res.set_status(304).send("x").await? });
        assert_eq!((a.status, a.header("Content-Type"), a.body.as_str()), (304, None, ""));
        let a = answer!(|res| { res.set_status(205).send("x").await? });
        assert_eq!((a.status, a.header("Content-Length"), a.body.as_str()), (205, Some("0"), ""));
        assert_eq!(a.header("Content-Type"), Some("text/html; charset=utf-8"));
    }

    #[test]
    fn send_answers_304_to_a_fresh_get_or_head() {
        let tag = [("If-None-Match", X_TAG)];
        let a = answer!("GET", "/", &tag, |res| { res.send("x").await? });
        assert_eq!((a.status, a.header("Content-Type"), a.header("ETag")), (304, None, Some(X_TAG)));
        let tag3 = [("If-None-Match", "W/\"3-f1UKn0xEFzo3Zk2TjxNV8PkqR6c\"")];
        let a = answer!("HEAD", "/", &tag3, |res| { res.send("hey").await? });
        assert_eq!(a.status, 304);
        let a = answer!("POST", "/", &tag, |res| { res.send("x").await? });
        assert_eq!((a.status, a.body.as_str()), (200, "x"));
        let reload = [("If-None-Match", X_TAG), ("Cache-Control", "no-cache")];
        assert_eq!(answer!("GET", "/", &reload, |res| { res.send("x").await? }).status, 200);
        let a = answer!("GET", "/", &tag, |res| { res.set_status(404).send("x").await? });
        assert_eq!((a.status, a.body.as_str()), (404, "x"));
        let since = [("If-Modified-Since", "Wed, 21 Oct 2015 07:28:00 GMT")];
        let a = answer!("GET", "/", &since, |res| {
            res.set_header("Last-Modified", b"Wed, 21 Oct 2015 07:28:00 GMT")?;
            res.send("x").await?
        });
        assert_eq!(a.status, 304);
    }

    #[test]
    fn send_to_head_has_the_length_and_no_body() {
        let a = answer!("HEAD", "/", &[], |res| { res.send("yay").await? });
        assert_eq!((a.status, a.header("Content-Length"), a.body.as_str()), (200, Some("3"), ""));
        assert_eq!(a.header("ETag"), Some("W/\"3-RRH4wOITyOxRVZ60of/MvH5CcQ4\""));
    }

    #[test]
    fn send_etag_follows_the_setting_and_keeps_one_set() {
        let strong = App::new().etag(ETag::Strong).with_fn(async |_req, res: &mut Response<'_>| {
            res.send("hello world").await?;
            Ok(Flow::Done)
        });
        assert_eq!(run(&strong, "GET", "/", &[]).header("ETag"), Some("\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\""));
        let off = App::new().etag(ETag::Off).with_fn(async |_req, res: &mut Response<'_>| {
            res.send("hello world").await?;
            Ok(Flow::Done)
        });
        assert_eq!(run(&off, "GET", "/", &[]).header("ETag"), None);
        let a = answer!(|res| {
            res.set_header("ETag", b"\"asdf\"")?;
            res.send("hello!").await?
        });
        assert_eq!((a.header("ETag"), a.body.as_str()), (Some("\"asdf\""), "hello!"));
    }

    #[test]
    fn send_sets_its_own_length_and_answers_once() {
        let a = answer!(|res| {
            res.set_header("Content-Length", b"99")?;
            res.set_status(201).send("abc").await?;
            assert!(res.send("again").await.is_err());
        });
        assert_eq!((a.status, a.header("Content-Length"), a.body.as_str()), (201, Some("3"), "abc"));
        let a = answer!(|res| {
            res.write(b"streamed").await?;
            assert!(res.send("x").await.is_err());
            res.end(b"").await?
        });
        assert_eq!(a.body, "streamed");
    }

    #[derive(serde::Serialize)]
    struct Tobi<'a> {
        name: &'a str,
        n: (u32, f64, Option<u8>, bool),
        s: &'a str,
    }

    #[test]
    fn json_serializes_once_and_sends_like_send() {
        let a = answer!(|res| { res.json(&Tobi { name: "tobi", n: (1, 2.5, None, true), s: "a\u{2028}b" }).await? });
        assert_eq!(a.body, "{\"name\":\"tobi\",\"n\":[1,2.5,null,true],\"s\":\"a\u{2028}b\"}");
        assert_eq!(a.header("Content-Type"), Some("application/json; charset=utf-8"));
        assert_eq!(a.header("ETag"), Some("W/\"31-FjKtfvkZwB0M41LQMbyRsLlYstM\""));
        let a = answer!(|res| { res.json(&()).await? });
        assert_eq!((a.body.as_str(), a.header("ETag")), ("null", Some("W/\"4-K+iMpCQsduglOsYkdIUQZQMtaDM\"")));
        let a = answer!(|res| {
            res.set_header("Content-Type", b"application/vnd.api+json")?;
            res.json(&[("a", 1)].into_iter().collect::<std::collections::BTreeMap<_, _>>()).await?
        });
        assert_eq!(a.header("Content-Type"), Some("application/vnd.api+json; charset=utf-8"));
        assert_eq!(a.header("ETag"), Some("W/\"7-n4nHQM60bXQYySSnisV5QdXpZSA\""));
    }

    #[test]
    fn json_larger_than_its_buffer_is_an_error_before_anything_is_set() {
        let a = answer!(|res| {
            let big = vec![0u8; Response::JSON_BUFFER];
            let err = res.json(&big).await.unwrap_err();
            assert_eq!((err.message(), err.status()), ("JSON body larger than its buffer", 500));
            assert!(res.header("Content-Type").is_none());
            let mut buf = vec![0u8; 4 * Response::JSON_BUFFER];
            res.json_in(&big, &mut buf).await?
        });
        assert_eq!(a.body.len(), 2 * Response::JSON_BUFFER + 1);
    }

    #[test]
    fn jsonp_wraps_in_the_callback_from_the_query() {
        #[derive(serde::Serialize)]
        struct Count {
            count: u32,
        }
        for (target, body) in [
            ("/?callback=something", "/**/ typeof something === 'function' && something({\"count\":1});"),
            (
                "/?callback=foo;bar()%3Cx%3E[0].$_",
                "/**/ typeof foobarx[0].$_ === 'function' && foobarx[0].$_({\"count\":1});",
            ),
            ("/?callback=a&callback=b", "/**/ typeof a === 'function' && a({\"count\":1});"),
            ("/?callback[]=a", "/**/ typeof a === 'function' && a({\"count\":1});"),
            ("/?callback=+", "/**/ typeof  === 'function' && ({\"count\":1});"),
        ] {
            let a = answer!("GET", target, &[], |res| { res.jsonp(&Count { count: 1 }, "callback").await? });
            assert_eq!(a.body, body, "{target}");
            assert_eq!(a.header("Content-Type"), Some("text/javascript; charset=utf-8"));
            assert_eq!(a.header("X-Content-Type-Options"), Some("nosniff"));
        }
        let a =
            answer!("GET", "/?callback=something", &[], |res| { res.jsonp(&Count { count: 1 }, "callback").await? });
        assert_eq!(a.header("ETag"), Some("W/\"3f-HyxmwoevWMtNUHa3U++ZyMsZd5E\""));
        let a = answer!("GET", "/?callback=f", &[], |res| { res.jsonp(&("\u{2028}\u{2029}",), "callback").await? });
        assert_eq!(a.body, "/**/ typeof f === 'function' && f([\"\\u2028\\u2029\"]);");
    }

    #[test]
    fn jsonp_without_a_callback_is_json() {
        for target in ["/", "/?callback=", "/?cb=x"] {
            let a = answer!("GET", target, &[], |res| { res.jsonp(&["\u{2028}"], "callback").await? });
            assert_eq!(a.body, "[\"\u{2028}\"]");
            assert_eq!(a.header("Content-Type"), Some("application/json; charset=utf-8"));
            assert_eq!(a.header("X-Content-Type-Options"), Some("nosniff"));
        }
        let a = answer!(|res| {
            res.set_header("Content-Type", b"text/x")?;
            res.jsonp(&1, "callback").await?
        });
        assert_eq!(
            (a.header("Content-Type"), a.header("X-Content-Type-Options")),
            (Some("text/x; charset=utf-8"), None)
        );
    }

    #[test]
    fn send_status_sends_the_reason_phrase() {
        for (status, body, tag) in [
            (201, "Created", "W/\"7-rM9AyJuqT6iOan/xHh+AW+7K/T8\""),
            (418, "I'm a Teapot", "W/\"c-2UDTmC4hdG5PUA+z8oDkrgejuV8\""),
            (599, "599", "W/\"3-E7ckkFUw1N5b+utxS8LH8fLuKZI\""),
        ] {
            let a = answer!(|res| { res.send_status(status).await? });
            assert_eq!((a.status, a.body.as_str(), a.header("ETag")), (status, body, Some(tag)));
            assert_eq!(a.header("Content-Type"), Some("text/plain; charset=utf-8"));
        }
        let a = answer!(|res| {
            res.set_header("Content-Type", b"text/html")?;
            res.send_status(200).await?
        });
        assert_eq!((a.header("Content-Type"), a.body.as_str()), (Some("text/plain; charset=utf-8"), "OK"));
    }

    #[test]
    fn status_messages_are_those_of_statuses() {
        // node -e "console.log(JSON.stringify(require('statuses').message))"
        let known = [
            (100, "Continue"),
            (101, "Switching Protocols"),
            (103, "Early Hints"),
            (208, "Already Reported"),
            (226, "IM Used"),
            (305, "Use Proxy"),
            (308, "Permanent Redirect"),
            (413, "Payload Too Large"),
            (418, "I'm a Teapot"),
            (423, "Locked"),
            (424, "Failed Dependency"),
            (451, "Unavailable For Legal Reasons"),
            (506, "Variant Also Negotiates"),
            (508, "Loop Detected"),
            (509, "Bandwidth Limit Exceeded"),
            (510, "Not Extended"),
            (511, "Network Authentication Required"),
        ];
        for (status, message) in known {
            assert_eq!(super::status_message(status), Some(message));
        }
        let count = (100..600).filter(|&s| super::status_message(s).is_some()).count();
        assert_eq!(count, 63);
        assert_eq!(super::status_message(306), None);
    }

    #[test]
    fn render_streams_a_display() {
        let a = answer!(|res| { res.render(&format_args!("<h1>{}</h1>", "Hello")).await? });
        assert_eq!((a.body.as_str(), a.header("Content-Length")), ("<h1>Hello</h1>", Some("14")));
        assert_eq!((a.header("Content-Type"), a.header("ETag")), (Some("text/html; charset=utf-8"), None));
        let a = answer!("HEAD", "/", &[], |res| { res.render(&"<p>five</p>").await? });
        assert_eq!((a.header("Content-Length"), a.body.as_str()), (Some("11"), ""));
        let a = answer!(|res| {
            res.set_header("Content-Type", b"text/plain")?;
            res.render(&"x".repeat(5000)).await?
        });
        assert_eq!(
            (a.header("Content-Type"), a.header("Transfer-Encoding")),
            (Some("text/plain; charset=utf-8"), Some("chunked"))
        );
        assert_eq!(a.body, "x".repeat(5000));
        let a = answer!(|res| { res.set_status(204).render(&"gone").await? });
        assert_eq!((a.status, a.header("Content-Type")), (204, None));
    }
}
