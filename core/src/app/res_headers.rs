//! Express 4's header helpers as methods of [`Response`]: `res.type`,
//! `res.attachment`, `res.location`, `res.redirect`, `res.cookie`,
//! `res.clearCookie`, `res.links`, `res.vary` and `res.format` (see
//! [`express_res`](super::express_res) for the whole table), and the values
//! they write: URLs as encodeurl 2.0 encodes them, HTML as escape-html 1.0.3
//! escapes it, `Vary` as vary 1.1.2 merges it.

use core::fmt::{self, Write as _};

use super::express_res::{Count, status_message};
use super::{Response, ResponseError};
use crate::Error;
use crate::h1::is_token;
use crate::http::cookie::{self, CookieError, CookieOptions};
use crate::http::{disposition, mime, negotiate};

impl<'r> Response<'r> {
    /// Sets `Content-Type` (Express's `res.type`): `ty` as it is when it
    /// holds a `/`, else the type of that extension or file name by mime
    /// 1.6.0 ([`mime::response_type`]; `application/octet-stream` when
    /// unknown). Express then adds `; charset=utf-8` to a `text/*`,
    /// `application/javascript` or `application/json` type without a
    /// `charset` parameter.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.content_type("json")?;
    ///     assert_eq!(res.header("Content-Type"), Some(&b"application/json; charset=utf-8"[..]));
    ///     res.content_type("image/png")?;
    ///     assert_eq!(res.header("Content-Type"), Some(&b"image/png"[..]));
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_header`](Self::set_header).
    pub fn content_type(&mut self, ty: &str) -> Result<&mut Self, ResponseError> {
        self.set_type(if ty.contains('/') { ty } else { mime::response_type(ty) })
    }

    /// Marks the response as a download (Express's `res.attachment`):
    /// `Content-Disposition: attachment`, with the file name's base name
    /// ([`disposition::write_attachment`]), and the `Content-Type` of its
    /// extension.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.attachment(Some("path/to/logo.png"))?;
    ///     assert_eq!(res.header("Content-Disposition"), Some(&br#"attachment; filename="logo.png""#[..]));
    ///     assert_eq!(res.header("Content-Type"), Some(&b"image/png"[..]));
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_header`](Self::set_header).
    pub fn attachment(&mut self, filename: Option<&str>) -> Result<&mut Self, ResponseError> {
        if let Some(name) = filename.filter(|f| !f.is_empty()) {
            self.content_type(extname(name))?;
        }
        self.put_header("Content-Disposition", false, |_, mut w| disposition::write_attachment(&mut w, filename))
    }

    /// Sets `Location` (Express's `res.location`): `url` with the characters
    /// a URL cannot hold percent-encoded as encodeurl 2.0 does (existing
    /// `%XX` escapes kept); `"back"` means the request's `Referrer` or
    /// `Referer`, or `/`.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.location("/a b?q=%41")?;
    ///     assert_eq!(res.header("Location"), Some(&b"/a%20b?q=%41"[..]));
    ///     res.location("back")?;
    ///     assert_eq!(res.header("Location"), Some(&b"/from"[..]));
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nReferer: /from\r\n\r\n");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_header`](Self::set_header).
    pub fn location(&mut self, url: &str) -> Result<&mut Self, ResponseError> {
        let target = self.location_target(url);
        self.put_header("Location", false, |_, w| write!(w, "{}", EncodeUrl(target)))
    }

    /// Redirects (Express's `res.redirect`): sets `Location` as
    /// [`location`](Self::location), the status (`302` unless given), and a
    /// body by the request's `Accept` (through [`format`](Self::format), so
    /// with `Vary: Accept`): `Found. Redirecting to <url>` as text, the same
    /// in `<p>` with the URL HTML-escaped as HTML, or none; a `HEAD` answer
    /// has the length and no body. No `ETag`.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.redirect(Some(301), "http://example.com/ä").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.starts_with("HTTP/1.1 301 Moved Permanently\r\n"));
    /// assert!(text.contains("Location: http://example.com/%C3%A4\r\n"));
    /// assert!(text.ends_with("\r\n\r\nMoved Permanently. Redirecting to http://example.com/%C3%A4"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn redirect(&mut self, status: Option<u16>, url: &str) -> Result<(), Error> {
        self.check_unsent()?;
        let status = status.unwrap_or(302);
        let target = self.location_target(url);
        self.location(url)?;
        let html = match self.format(&["text", "html"]) {
            Ok(ty) => Some(ty == "html"),
            Err(_) => None,
        };
        self.set_status(status);
        let body = RedirectBody { html, message: status_message(status).unwrap_or("undefined"), target };
        let mut count = Count(0);
        let _ = write!(count, "{body}");
        self.remove_header("Content-Length");
        self.declare_length(count.0);
        if self.request_method() != "HEAD" {
            self.write_display(&body).await?;
        }
        self.end(b"").await
    }

    /// Adds a `Set-Cookie` header (Express's `res.cookie`), as
    /// [`cookie::write_set_cookie`] writes it: the value percent-encoded,
    /// then `opts`' attributes.
    ///
    /// Express's `maxAge` option (milliseconds, giving both `Max-Age` and
    /// `Expires = now + maxAge`) needs the wall-clock time, which lamina's
    /// monotonic clock is not: use
    /// [`CookieOptions::express_max_age`] with the time from your RTC or
    /// SNTP, or set [`CookieOptions::max_age`] (seconds) alone, which
    /// browsers honour without `Expires` — a device without a clock can
    /// still make cookies expire.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::cookie::CookieOptions;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.cookie("name", "tobi", &CookieOptions::new())?;
    ///     res.cookie("rememberme", "1", &CookieOptions { max_age: Some(900), http_only: true, ..CookieOptions::new() })?;
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.contains("Set-Cookie: name=tobi; Path=/\r\n"));
    /// assert!(text.contains("Set-Cookie: rememberme=1; Max-Age=900; Path=/; HttpOnly\r\n"));
    /// ```
    ///
    /// # Errors
    ///
    /// A `500` for an invalid name, domain or path (Express throws); header
    /// capacity.
    pub fn cookie(&mut self, name: &str, value: &str, opts: &CookieOptions<'_>) -> Result<&mut Self, Error> {
        self.put_cookie(|mut w| cookie::write_set_cookie(&mut w, name, value, opts))
    }

    /// Adds a `Set-Cookie` header that clears a cookie (Express's
    /// `res.clearCookie`): an empty value expiring at the epoch, with `opts`'
    /// other attributes (`Path`, `Domain` must be those it was set with).
    /// `opts.max_age` and `opts.expires` are ignored, as Express 5 does.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::cookie::CookieOptions;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.clear_cookie("name", &CookieOptions::new())?;
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(std::str::from_utf8(&out).unwrap().contains("Set-Cookie: name=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`cookie`](Self::cookie).
    pub fn clear_cookie(&mut self, name: &str, opts: &CookieOptions<'_>) -> Result<&mut Self, Error> {
        self.put_cookie(|mut w| cookie::write_clear_cookie(&mut w, name, opts))
    }

    /// Adds links to the `Link` header (Express's `res.links`):
    /// `<url>; rel="rel"` for each `(rel, url)`, after the links already set.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.links(&[("next", "http://api.example.com/users?page=2")])?;
    ///     res.links(&[("last", "http://api.example.com/users?page=5")])?;
    ///     assert_eq!(
    ///         res.header("Link"),
    ///         Some(&br#"<http://api.example.com/users?page=2>; rel="next", <http://api.example.com/users?page=5>; rel="last""#[..])
    ///     );
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_header`](Self::set_header).
    pub fn links(&mut self, links: &[(&str, &str)]) -> Result<&mut Self, ResponseError> {
        self.put_header("Link", false, |old, w| {
            if let Some(old) = old.filter(|o| !o.is_empty()) {
                w.write_str(core::str::from_utf8(old).map_err(|_| fmt::Error)?)?;
                w.write_str(", ")?;
            }
            links
                .iter()
                .enumerate()
                .try_for_each(|(i, (rel, url))| write!(w, "{}<{url}>; rel=\"{rel}\"", if i == 0 { "" } else { ", " }))
        })
    }

    /// Adds `field` (one name or a comma-separated list) to `Vary`, as vary
    /// 1.1.2 does: names already there (compared case-insensitively) are
    /// not repeated, and `*` replaces everything. An empty `field` does
    /// nothing.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     res.vary("Accept")?.vary("accept, Origin")?;
    ///     assert_eq!(res.header("Vary"), Some(&b"Accept, Origin"[..]));
    ///     assert!(res.vary("a b").is_err());
    ///     res.end(b"").await?;
    ///     Ok(Flow::Done)
    /// });
    /// exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// ```
    ///
    /// # Errors
    ///
    /// [`ResponseError::InvalidHeader`] when a name is not a token; as
    /// [`set_header`](Self::set_header).
    pub fn vary(&mut self, field: &str) -> Result<&mut Self, ResponseError> {
        if field.is_empty() {
            return Ok(self);
        }
        let fields = || field.split(',').map(|f| f.trim_matches(' '));
        if !fields().all(|f| is_token(f.as_bytes())) {
            return Err(ResponseError::InvalidHeader);
        }
        self.put_header("Vary", false, |old, w| {
            let old = core::str::from_utf8(old.unwrap_or(b"")).map_err(|_| fmt::Error)?;
            let listed = || old.split(',').map(|v| v.trim_matches(' '));
            if old == "*" || fields().any(|f| f == "*") || listed().any(|v| v == "*") {
                return w.write_str("*");
            }
            w.write_str(old)?;
            let mut sep = if old.is_empty() { "" } else { ", " };
            for (i, f) in fields().enumerate() {
                if !listed().any(|v| v.eq_ignore_ascii_case(f)) && !fields().take(i).any(|v| v.eq_ignore_ascii_case(f))
                {
                    write!(w, "{sep}{f}")?;
                    sep = ", ";
                }
            }
            Ok(())
        })
    }

    /// Picks the type to answer in by the request's `Accept` (Express's
    /// `res.format`, with accepts 1.3.8's choice): adds `Vary: Accept`, and
    /// returns the first of `types` the client prefers, having set
    /// `Content-Type` to it (an extension such as `"json"` names its type).
    /// The caller answers in that type, matching on the returned string.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |_req, res| {
    ///     match res.format(&["text", "html", "json"]) {
    ///         Ok("html") => res.send("<p>hey</p>").await?,
    ///         Ok("json") => res.json(&"hey").await?,
    ///         Ok(_) => res.send("hey").await?,
    ///         Err(e) => return Err(e),
    ///     }
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n\r\n");
    /// let text = std::str::from_utf8(&out).unwrap();
    /// assert!(text.contains("Vary: Accept\r\n"));
    /// assert!(text.ends_with("\r\n\r\n\"hey\""));
    /// ```
    ///
    /// # Errors
    ///
    /// `406 Not Acceptable` when the client accepts none of `types` (Express
    /// calls its `default` handler then, if given: match on the error for
    /// that); header capacity.
    pub fn format<'t>(&mut self, types: &[&'t str]) -> Result<&'t str, Error> {
        let accept = self.request_headers().get("Accept");
        let chosen = if types.is_empty() { None } else { negotiate::accepts(accept, types) };
        self.vary("Accept")?;
        let Some(chosen) = chosen else {
            return Err(Error::new("Not Acceptable").with_status(406));
        };
        if chosen.contains('/') {
            // Express's `acceptParams`: the type before any parameter.
            self.set_type(chosen.split(';').next().unwrap_or(chosen).trim_end_matches(' '))?;
        } else {
            self.set_type(mime::response_type(chosen))?;
        }
        Ok(chosen)
    }

    /// What `Location` is made of: `url`, or for `back` the referrer.
    fn location_target<'a>(&self, url: &'a str) -> Target<'a>
    where
        'r: 'a,
    {
        if url != "back" {
            return Target::Str(url);
        }
        let headers = self.request_headers();
        let referrer = [headers.get("Referrer"), headers.get("Referer")].into_iter().flatten().find(|r| !r.is_empty());
        referrer.map_or(Target::Str("/"), Target::Latin1)
    }

    /// Appends the `Set-Cookie` header `write` writes.
    fn put_cookie(
        &mut self,
        write: impl FnOnce(&mut dyn fmt::Write) -> Result<(), CookieError>,
    ) -> Result<&mut Self, Error> {
        let mut failed = None;
        let put = self.put_header("Set-Cookie", true, |_, w| {
            write(w).map_err(|e| {
                failed = Some(e);
                fmt::Error
            })
        });
        match failed {
            Some(CookieError::InvalidName) => Err(Error::new("cookie name is invalid")),
            Some(CookieError::InvalidDomain) => Err(Error::new("cookie domain is invalid")),
            Some(CookieError::InvalidPath) => Err(Error::new("cookie path is invalid")),
            _ => Ok(put?),
        }
    }
}

fn extname(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    let base = path.rsplit('/').next().unwrap_or(path);
    match base.rfind('.') {
        Some(0) | None => "",
        Some(_) if base == ".." => "",
        Some(i) => base.get(i..).unwrap_or(""),
    }
}

/// What a `Location` is made of: the app's URL, or a request header's
/// bytes (Latin-1, as Node reads header values).
#[derive(Clone, Copy, Debug)]
enum Target<'a> {
    Str(&'a str),
    Latin1(&'a [u8]),
}

/// A URL as encodeurl 2.0 writes it: characters a URL cannot hold
/// percent-encoded (UTF-8), `%` kept when it starts a `%XX` escape.
struct EncodeUrl<'a>(Target<'a>);

impl fmt::Display for EncodeUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = match self.0 {
            Target::Str(s) => s.as_bytes(),
            Target::Latin1(b) => b,
        };
        let hex = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
        let mut put = |i: usize, c: char| match c {
            '%' if hex(i.saturating_add(1)) && hex(i.saturating_add(2)) => f.write_char('%'),
            '%' => f.write_str("%25"),
            '!' | '#'..=';' | '=' | '?'..='_' | 'a'..='z' | '|' | '~' => f.write_char(c),
            _ => c.encode_utf8(&mut [0; 4]).bytes().try_for_each(|b| write!(f, "%{b:02X}")),
        };
        match self.0 {
            Target::Str(s) => s.char_indices().try_for_each(|(i, c)| put(i, c)),
            Target::Latin1(b) => b.iter().enumerate().try_for_each(|(i, &c)| put(i, char::from(c))),
        }
    }
}

/// What `Display` writes, HTML-escaped as escape-html 1.0.3 does.
struct EscapeHtml<D>(D);

impl<D: fmt::Display> fmt::Display for EscapeHtml<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Escaper<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaper<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                s.chars().try_for_each(|c| match c {
                    '&' => self.0.write_str("&amp;"),
                    '<' => self.0.write_str("&lt;"),
                    '>' => self.0.write_str("&gt;"),
                    '"' => self.0.write_str("&quot;"),
                    '\'' => self.0.write_str("&#39;"),
                    c => self.0.write_char(c),
                })
            }
        }
        write!(Escaper(f), "{}", self.0)
    }
}

/// The body of `redirect`: text, HTML (`Some(true)`) or none.
struct RedirectBody<'a> {
    html: Option<bool>,
    message: &'static str,
    target: Target<'a>,
}

impl fmt::Display for RedirectBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (message, url) = (self.message, EncodeUrl(self.target));
        match self.html {
            Some(false) => write!(f, "{message}. Redirecting to {url}"),
            Some(true) => write!(f, "<p>{message}. Redirecting to {}</p>", EscapeHtml(url)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::express_res::tests::{answer, run};
    use super::super::{App, Flow, Response};
    use crate::http::cookie::{CookieOptions, Priority, SameSite};
    use crate::http::date::HttpDate;

    #[test]
    fn content_type_looks_up_extensions_and_adds_charsets() {
        for (ty, set) in [
            ("json", "application/json; charset=utf-8"),
            (".png", "image/png"),
            ("application/javascript", "application/javascript; charset=utf-8"),
            ("x.unknown", "application/octet-stream"),
            ("text/plain; charset=latin1", "text/plain; charset=latin1"),
            ("a/b/index.HTML", "a/b/index.HTML"),
            ("application/vnd.amazon.ebook", "application/vnd.amazon.ebook"),
            ("html", "text/html; charset=utf-8"),
        ] {
            let a = answer!(|res| {
                res.content_type(ty)?;
                res.end(b"").await?
            });
            assert_eq!(a.header("Content-Type"), Some(set), "{ty}");
        }
    }

    #[test]
    fn attachment_sets_disposition_and_type() {
        for (name, disposition, ty) in [
            (None, "attachment", None),
            (Some("path/to/image.png"), "attachment; filename=\"image.png\"", Some("image/png")),
            (
                Some("/locales/日本語.txt"),
                "attachment; filename=\"???.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
                Some("text/plain; charset=utf-8"),
            ),
            (Some("README"), "attachment; filename=\"README\"", Some("application/octet-stream")),
            (Some("a.html"), "attachment; filename=\"a.html\"", Some("text/html; charset=utf-8")),
        ] {
            let a = answer!(|res| {
                res.attachment(name)?;
                res.end(b"").await?
            });
            assert_eq!((a.header("Content-Disposition"), a.header("Content-Type")), (Some(disposition), ty));
        }
    }

    #[test]
    fn extname_is_nodes() {
        for (path, ext) in [
            ("a.png", ".png"),
            (".bashrc", ""),
            ("a.", "."),
            ("dir.x/file", ""),
            ("...", "."),
            ("a..", "."),
            (".a.b", ".b"),
            ("..a", ".a"),
            ("..", ""),
            ("a/..", ""),
            ("/a/b.c//", ".c"),
            ("", ""),
        ] {
            assert_eq!(super::extname(path), ext, "{path}");
        }
    }

    #[test]
    fn location_encodes_as_encodeurl() {
        for (url, location) in [
            ("http://google.com", "http://google.com"),
            ("https://google.com?q=\u{2603} \u{a7}10", "https://google.com?q=%E2%98%83%20%C2%A710"),
            ("/a b<>\"`{}|\\^~%zz%41%", "/a%20b%3C%3E%22%60%7B%7D|\\^~%25zz%41%25"),
            ("/☃?q=é 𝄞", "/%E2%98%83?q=%C3%A9%20%F0%9D%84%9E"),
            ("https://google.com?q=%A710", "https://google.com?q=%A710"),
        ] {
            let a = answer!(|res| {
                res.location(url)?;
                res.end(b"").await?
            });
            assert_eq!(a.header("Location"), Some(location), "{url}");
        }
    }

    #[test]
    fn location_back_is_the_referrer() {
        for (headers, location) in [
            (&[][..], "/"),
            (&[("Referer", "/some/page.html")][..], "/some/page.html"),
            (&[("Referrer", "/from-referrer"), ("Referer", "/from-referer")][..], "/from-referrer"),
            (&[("Referrer", ""), ("Referer", "/x")][..], "/x"),
            // Node reads header bytes as Latin-1: UTF-8 `é` is two characters.
            (&[("Referer", "/\u{e9}")][..], "/%C3%83%C2%A9"),
        ] {
            let a = answer!("GET", "/", headers, |res| {
                res.location("back")?;
                res.end(b"").await?
            });
            assert_eq!(a.header("Location"), Some(location));
        }
    }

    #[test]
    fn redirect_answers_by_accept() {
        let a = answer!(|res| { res.redirect(None, "http://google.com").await? });
        assert_eq!((a.status, a.body.as_str()), (302, "Found. Redirecting to http://google.com"));
        assert_eq!((a.header("Location"), a.header("Vary")), (Some("http://google.com"), Some("Accept")));
        assert_eq!(
            (a.header("Content-Type"), a.header("Content-Length")),
            (Some("text/plain; charset=utf-8"), Some("39"))
        );
        assert_eq!(a.header("ETag"), None);
        let a = answer!(|res| { res.redirect(Some(301), "http://google.com").await? });
        assert_eq!((a.status, a.body.as_str()), (301, "Moved Permanently. Redirecting to http://google.com"));
        let url = "http://google.com/?a=1&b=<2>";
        let a = answer!("GET", "/", &[("Accept", "text/html")], |res| { res.redirect(None, url).await? });
        assert_eq!(a.body, "<p>Found. Redirecting to http://google.com/?a=1&amp;b=%3C2%3E</p>");
        assert_eq!(a.header("Content-Type"), Some("text/html; charset=utf-8"));
        let a = answer!("GET", "/", &[("Accept", "text/plain, */*")], |res| { res.redirect(None, url).await? });
        assert_eq!(a.body, "Found. Redirecting to http://google.com/?a=1&b=%3C2%3E");
        let a = answer!("GET", "/", &[("Accept", "application/octet-stream")], |res| {
            res.redirect(None, "http://google.com").await?
        });
        assert_eq!((a.body.as_str(), a.header("Content-Length"), a.header("Content-Type")), ("", Some("0"), None));
        assert_eq!(a.header("Vary"), Some("Accept"));
    }

    #[test]
    fn redirect_edge_cases() {
        let a = answer!("HEAD", "/", &[], |res| { res.redirect(None, "http://google.com").await? });
        assert_eq!((a.status, a.header("Content-Length"), a.body.as_str()), (302, Some("39"), ""));
        let a = answer!(|res| { res.redirect(Some(399), "/x").await? });
        assert_eq!((a.status, a.body.as_str()), (399, "undefined. Redirecting to /x"));
        let a = answer!("GET", "/", &[("Referer", "/prev")], |res| { res.redirect(None, "back").await? });
        assert_eq!((a.header("Location"), a.body.as_str()), (Some("/prev"), "Found. Redirecting to /prev"));
        let a = answer!(|res| {
            res.vary("Origin")?;
            res.redirect(None, "/x").await?
        });
        assert_eq!(a.header("Vary"), Some("Origin, Accept"));
        let a = answer!(|res| {
            res.redirect(None, "/x").await?;
            assert!(res.redirect(None, "/y").await.is_err());
        });
        assert_eq!(a.header("Location"), Some("/x"));
    }

    #[test]
    fn cookies_as_express_sets_them() {
        let a = answer!(|res| {
            res.cookie("name", "tobi", &CookieOptions::new())?;
            res.cookie("age", "1", &CookieOptions::new())?;
            res.cookie("gender", "?", &CookieOptions::new())?;
            res.end(b"").await?
        });
        assert_eq!(a.all("Set-Cookie"), ["name=tobi; Path=/", "age=1; Path=/", "gender=%3F; Path=/"]);
        let a = answer!(|res| {
            let opts = CookieOptions {
                domain: Some(".example.com"),
                path: Some("/admin"),
                http_only: true,
                secure: true,
                same_site: Some(SameSite::Strict),
                ..CookieOptions::new()
            };
            res.cookie("name", "tobi", &opts)?;
            let now = HttpDate::from_unix_secs(1_700_000_000);
            res.cookie("name", "tobi", &CookieOptions::new().express_max_age(now, 60_000))?;
            let opts = CookieOptions {
                path: Some("/admin"),
                secure: true,
                same_site: Some(SameSite::Lax),
                priority: Some(Priority::High),
                partitioned: true,
                ..CookieOptions::new()
            };
            res.cookie("name", "tobi", &opts)?;
            res.end(b"").await?
        });
        assert_eq!(
            a.all("Set-Cookie"),
            [
                "name=tobi; Domain=.example.com; Path=/admin; HttpOnly; Secure; SameSite=Strict",
                "name=tobi; Max-Age=60; Path=/; Expires=Tue, 14 Nov 2023 22:14:20 GMT",
                "name=tobi; Path=/admin; Secure; Partitioned; Priority=High; SameSite=Lax",
            ]
        );
    }

    #[test]
    fn cookie_errors_and_clearing() {
        let a = answer!(|res| {
            let err = res.cookie("bad name", "v", &CookieOptions::new()).unwrap_err();
            assert_eq!((err.message(), err.status()), ("cookie name is invalid", 500));
            let err = res.cookie("n", "v", &CookieOptions { path: Some("/a;b"), ..CookieOptions::new() }).unwrap_err();
            assert_eq!(err.message(), "cookie path is invalid");
            let long = "v".repeat(4096);
            assert!(res.cookie("n", &long, &CookieOptions::new()).is_err());
            res.clear_cookie("sid", &CookieOptions { path: Some("/admin"), max_age: Some(9), ..CookieOptions::new() })?;
            res.end(b"").await?
        });
        assert_eq!(a.all("Set-Cookie"), ["sid=; Path=/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
    }

    #[test]
    fn links_append_to_the_link_header() {
        let a = answer!(|res| {
            res.links(&[
                ("next", "http://api.example.com/users?page=2"),
                ("last", "http://api.example.com/users?page=5"),
            ])?;
            res.links(&[("prev", "http://api.example.com/users?page=1")])?;
            res.end(b"").await?
        });
        assert_eq!(
            a.header("Link"),
            Some(
                "<http://api.example.com/users?page=2>; rel=\"next\", <http://api.example.com/users?page=5>; rel=\"last\", \
                 <http://api.example.com/users?page=1>; rel=\"prev\""
            )
        );
        let a = answer!(|res| {
            res.set_header("Link", b"<a>; rel=x")?;
            res.links(&[])?;
            assert_eq!(res.header("Link"), Some(&b"<a>; rel=x, "[..]));
            res.end(b"").await?
        });
        assert_eq!(a.status, 200);
    }

    #[test]
    fn vary_appends_without_duplicates() {
        let vary = |existing: Option<&'static str>, fields: &'static [&'static str]| {
            let a = answer!(|res| {
                if let Some(existing) = existing {
                    res.set_header("Vary", existing.as_bytes())?;
                }
                for field in fields {
                    res.vary(field)?;
                }
                res.end(b"").await?
            });
            a.header("Vary").map(std::string::ToString::to_string)
        };
        assert_eq!(
            vary(None, &["Accept", "accept", "Origin, User-Agent"]).as_deref(),
            Some("Accept, Origin, User-Agent")
        );
        assert_eq!(vary(None, &["Accept", "*", "Origin"]).as_deref(), Some("*"));
        assert_eq!(
            vary(Some("Accept-Encoding ,  ,*x"), &["accept-encoding, Accept"]).as_deref(),
            Some("Accept-Encoding ,  ,*x, Accept")
        );
        assert_eq!(vary(Some("Accept, *"), &["Origin"]).as_deref(), Some("*"));
        assert_eq!(vary(None, &["Origin, origin, ORIGIN"]).as_deref(), Some("Origin"));
        assert_eq!(vary(None, &[""]), None);
        assert_eq!(vary(Some(""), &["Accept"]).as_deref(), Some("Accept"));
        let a = answer!(|res| {
            assert!(res.vary("a b").is_err());
            assert!(res.vary("Accept,").is_err());
            res.end(b"").await?
        });
        assert_eq!(a.header("Vary"), None);
    }

    #[test]
    fn format_picks_by_accept() {
        let app = App::new().with_fn(async |_req, res: &mut Response<'_>| {
            match res.format(&["text", "html", "application/json"])? {
                "html" => res.send("h").await?,
                "text" => res.send("t").await?,
                _ => res.send("j").await?,
            }
            Ok(Flow::Done)
        });
        for (accept, body, ty) in [
            ("application/json", "j", "application/json; charset=utf-8"),
            ("text/*, application/json;q=0.5", "t", "text/plain; charset=utf-8"),
            ("text/html;q=0.5, text/plain;q=0.5", "h", "text/html; charset=utf-8"),
            ("", "t", "text/plain; charset=utf-8"),
        ] {
            let a = run(&app, "GET", "/", &[("Accept", accept)]);
            assert_eq!((a.body.as_str(), a.header("Content-Type")), (body, Some(ty)), "{accept}");
            assert_eq!(a.header("Vary"), Some("Accept"));
        }
        let a = run(&app, "GET", "/", &[("Accept", "image/png")]);
        assert_eq!((a.status, a.header("Vary")), (406, Some("Accept")));
        let a = answer!("GET", "/", &[("Accept", "text/html")], |res| {
            assert_eq!(res.format(&["text/html; level=1"])?, "text/html; level=1");
            assert_eq!(res.header("Content-Type"), Some(&b"text/html; charset=utf-8"[..]));
            assert_eq!(res.format(&[]).unwrap_err().status(), 406);
            res.end(b"").await?
        });
        assert_eq!(a.header("Vary"), Some("Accept"));
    }
}
