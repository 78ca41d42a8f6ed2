//! Express 4's request helpers (`req.get`, `req.accepts`, `req.ip`, ...) as
//! methods of [`Request`], answering as Express 4.22.3 does.
//!
//! They read the request's head, the app's [`Settings`](super::Settings)
//! (`trust proxy`, `subdomain offset`) and the client's address
//! ([`Request::peer`]); none allocates: they return slices of the request's
//! buffer, small `Copy` values or iterators. The HTTP rules behind them live
//! in [`crate::http`], one module per package Express uses.
//!
//! | Express | lamina |
//! |---|---|
//! | `req.method` | [`Request::method`] |
//! | `req.url` | [`Request::url`] (mount prefixes removed) |
//! | `req.originalUrl` | [`Request::original_url`] |
//! | `req.baseUrl` | [`Request::base_url`] |
//! | `req.path` | [`Request::path`] |
//! | `req.params`, `req.params.name` | [`Request::params`], [`Request::param`] |
//! | `req.param(name)` (deprecated) | [`Request::param`] (route parameters only; the query is [`Request::query_value`]) |
//! | `req.query` | [`Request::query`] (the raw string), [`Request::query_value`], [`Request::query_values`], [`Request::query_as`] (serde) |
//! | `req.body` | [`Request::read_body`], [`Request::read_to_end`], [`Request::body`] (body parsers come later) |
//! | `req.get(name)`, `req.header(name)` | [`Request::get`] (text), [`Request::header`] (bytes), [`Request::headers`] |
//! | `req.accepts(types)` | [`Request::accepts`] |
//! | `req.acceptsCharsets`, `req.acceptsEncodings`, `req.acceptsLanguages` | [`Request::accepts_charsets`], [`Request::accepts_encodings`], [`Request::accepts_languages`] |
//! | `req.is(types)` | [`Request::is`], [`Request::has_body`] |
//! | `req.fresh`, `req.stale` | [`Request::fresh`], [`Request::stale`] (they take the response) |
//! | `req.xhr` | [`Request::xhr`] |
//! | `req.protocol`, `req.secure` | [`Request::protocol`], [`Request::secure`] |
//! | `req.hostname` (`req.host`, deprecated) | [`Request::hostname`] |
//! | `req.subdomains` | [`Request::subdomains`] |
//! | `req.ip`, `req.ips` | [`Request::ip`], [`Request::ips`], [`Request::ip_entry`] |
//! | `req.range(size, { combine })` | [`Request::range`] |
//! | `req.socket.remoteAddress` | [`Request::peer`] |
//! | `req.app` | none: the app's settings are [`Request::settings`]; its data lives in the app's closures |
//! | `req.res` | none: the response is the handler's second argument |
//! | `req.route` | none: routes are compiled into the app's type, not kept as values a request could point at; a handler knows its route by being written for it |
//! | `req.cookies`, `req.signedCookies` | the cookie middleware of a later issue ([`crate::http::cookie`] reads `Cookie` meanwhile) |
//!
//! **Repeated header lines.** Node joins most repeated header lines with
//! `, ` (and keeps only the first of some, such as `Host` and `Referer`);
//! joining would need a buffer, so these helpers read the first line of a
//! header, except `X-Forwarded-For`, whose lines [`ip`](Request::ip) and
//! [`ips`](Request::ips) read all, in order, as Node's joined value.
//!
//! **TLS.** The core has no TLS: [`protocol`](Request::protocol) is `http`
//! unless a trusted proxy says otherwise. An adapter serving TLS itself would
//! have to tell the request (not supported yet).

use core::net::IpAddr;

use serde::Deserialize;

use super::{Request, Response};
use crate::http::proxy::{self, TrustProxy};
use crate::http::query::{self, QueryError, RawComponent};
use crate::http::range::{self, ByteRange, RangeError};
use crate::http::{fresh, mime, negotiate};

/// The `X-Forwarded-For` header's name.
const XFF: &str = "x-forwarded-for";

impl<'r> Request<'r> {
    /// The first value of the header `name` as text (Express's `req.get` /
    /// `req.header`): case-insensitive, and `Referer` and `Referrer` name the
    /// same header (a `Referrer` line wins when both are sent, as in
    /// Express). `None` when absent, or when the value is not UTF-8 (obs-text
    /// bytes): read those with [`header`](Self::header).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     assert_eq!(req.get("content-type"), Some("text/plain"));
    ///     assert_eq!(req.get("Referrer"), Some("http://foobar.com"));
    ///     assert_eq!(req.get("Something"), None);
    ///     res.end(b"ok").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nReferer: http://foobar.com\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nok"));
    /// ```
    pub fn get(&self, name: &str) -> Option<&'r str> {
        let value = if name.eq_ignore_ascii_case("referer") || name.eq_ignore_ascii_case("referrer") {
            // Express: `headers.referrer || headers.referer`.
            self.header("referrer").filter(|v| !v.is_empty()).or_else(|| self.header("referer"))
        } else {
            self.header(name)
        };
        value.and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The first value of the query parameter `key` (keys compared decoded),
    /// still percent-encoded: Express's `req.query[key]` for one value.
    /// Query strings are read by Node's `querystring` rules (Express's
    /// `"simple"` parser; see [`crate::http::query`]).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     let q = req.query_value("q").unwrap();
    ///     assert_eq!(q.raw(), "tobi+ferret");
    ///     assert!(q.eq("tobi ferret"));
    ///     assert!(req.query_value("page").is_none());
    ///     res.end(std::format!("{q}").as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET /search?q=tobi+ferret HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\ntobi ferret"));
    /// ```
    pub fn query_value(&self, key: &str) -> Option<RawComponent<'r>> {
        query::get(self.query()?, key)
    }

    /// Every value of the query parameter `key`, in order: Express's
    /// `req.query[key]` when the key repeats (`?tag=a&tag=b`).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     assert!(req.query_values("tag").map(|v| v.raw()).eq(["a", "b"]));
    ///     assert_eq!(req.query_values("none").count(), 0);
    ///     res.end(b"ok").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET /?tag=a&x=1&tag=b HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nok"));
    /// ```
    pub fn query_values<'k>(&self, key: &'k str) -> impl Iterator<Item = RawComponent<'r>> + use<'r, 'k> {
        query::pairs(self.query().unwrap_or("")).filter(move |(k, _)| k.eq(key)).map(|(_, v)| v)
    }

    /// The query deserialized into `T` with serde (Express's `req.query` as
    /// a typed value; no query reads as an empty one). `&str` fields borrow
    /// from the request, or from `scratch` when they need decoding; see
    /// [`query::from_str`] for the types. A [`QueryError`] converts to a
    /// `400` [`Error`](crate::Error) with `?`.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Search<'a> {
    ///     q: &'a str,
    ///     page: Option<u32>,
    /// }
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     let mut scratch = [0u8; 64];
    ///     let s: Search<'_> = req.query_as(&mut scratch)?;
    ///     res.end(std::format!("{} {:?}", s.q, s.page).as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET /?q=tobi+ferret&page=2 HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\ntobi ferret Some(2)"));
    /// let out = exchange(&app, b"GET /?q=a&page=two HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    /// ```
    pub fn query_as<'de, T: Deserialize<'de>>(&self, scratch: &'de mut [u8]) -> Result<T, QueryError>
    where
        'r: 'de,
    {
        query::from_str(self.query().unwrap_or(""), scratch)
    }

    /// The best of `types` for the request's `Accept` header (Express's
    /// `req.accepts(types)`): extensions (`"html"`, `"json"`) or media types
    /// (`"text/html"`, `"image/*"`), answered as given. The first type when
    /// there is no `Accept` header; `None` when none is acceptable (Express's
    /// `false`) or `types` is empty (where Express lists the header's
    /// types). See [`negotiate::accepts`] for the ranking.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     match req.accepts(&["html", "json"]) {
    ///         Some("json") => res.end(b"{}").await?,
    ///         Some(_) => res.end(b"<p>hi</p>").await?,
    ///         None => res.set_status(406).end(b"").await?,
    ///     }
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nAccept: text/*;q=.5, application/json\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\n{}"));
    /// ```
    pub fn accepts<'a>(&self, types: &[&'a str]) -> Option<&'a str> {
        negotiate::accepts(self.header("accept"), types)
    }

    /// The best of `charsets` for `Accept-Charset` (Express's
    /// `req.acceptsCharsets`); the first without the header, `None` when
    /// none is acceptable. See [`negotiate::accepts_charsets`].
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.end(req.accepts_charsets(&["iso-8859-1", "utf-8"]).unwrap_or("none").as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nAccept-Charset: utf-8, iso-8859-1;q=0.2\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nutf-8"));
    /// ```
    pub fn accepts_charsets<'a>(&self, charsets: &[&'a str]) -> Option<&'a str> {
        negotiate::accepts_charsets(self.header("accept-charset"), charsets)
    }

    /// The best of `encodings` for `Accept-Encoding` (Express's
    /// `req.acceptsEncodings`); `identity` is acceptable unless refused,
    /// and the only acceptable one without the header. See
    /// [`negotiate::accepts_encodings`].
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.end(req.accepts_encodings(&["gzip", "identity"]).unwrap_or("none").as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip, deflate\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\ngzip"));
    /// ```
    pub fn accepts_encodings<'a>(&self, encodings: &[&'a str]) -> Option<&'a str> {
        negotiate::accepts_encodings(self.header("accept-encoding"), encodings)
    }

    /// The best of `languages` for `Accept-Language` (Express's
    /// `req.acceptsLanguages`); the first without the header, `None` when
    /// none is acceptable. See [`negotiate::accepts_languages`].
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.end(req.accepts_languages(&["en", "es", "pt"]).unwrap_or("none").as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nAccept-Language: en;q=0.8, es, pt\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nes"));
    /// ```
    pub fn accepts_languages<'a>(&self, languages: &[&'a str]) -> Option<&'a str> {
        negotiate::accepts_languages(self.header("accept-language"), languages)
    }

    /// The first of `types` the body's `Content-Type` matches (Express's
    /// `req.is(types)`, type-is's rules: see [`negotiate::is`]): extensions
    /// (`"json"`), media types with wildcards (`"text/*"`, `"*/json"`),
    /// suffixes (`"+json"`), `"urlencoded"`, `"multipart"`. A matching entry
    /// is answered as given; one with a `*` or a leading `+` is answered
    /// with the request's `type/subtype` instead, as Express does (spelt as
    /// the request spells it: Express lower-cases it). With no `types`, the
    /// request's `type/subtype`.
    ///
    /// `None` when nothing matches, the `Content-Type` is missing or
    /// invalid (Express's `false`), or the request has no body (Express's
    /// `null`; tell them apart with [`has_body`](Self::has_body)).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     assert_eq!(req.is(&["html"]), None);
    ///     assert_eq!(req.is(&["json"]), Some("json"));
    ///     assert_eq!(req.is(&["application/*"]), Some("application/json"));
    ///     assert_eq!(req.is(&[]), Some("application/json"));
    ///     res.end(b"ok").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let wire = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}";
    /// assert!(exchange(&app, wire).ends_with(b"\r\n\r\nok"));
    /// ```
    pub fn is<'a>(&self, types: &[&'a str]) -> Option<&'a str>
    where
        'r: 'a,
    {
        if !self.has_body() {
            return None;
        }
        if types.is_empty() {
            return self.media_type();
        }
        let entry = negotiate::is(self.header("content-type"), types)?;
        if entry.contains('*') || entry.starts_with('+') { self.media_type().or(Some(entry)) } else { Some(entry) }
    }

    /// Whether the request has a body, as type-is's `hasBody` decides:
    /// `Transfer-Encoding` or `Content-Length` is present (even
    /// `Content-Length: 0`). [`is`](Self::is) answers `None` without one.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.end(if req.has_body() { b"body" } else { b"none" }).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nbody"));
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nnone"));
    /// ```
    pub fn has_body(&self) -> bool {
        self.header("transfer-encoding").is_some() || self.header("content-length").is_some()
    }

    /// Whether the client's cached copy is still fresh (Express's
    /// `req.fresh`): the method is `GET`, `HEAD` or `QUERY`, `res`'s status
    /// is 2xx or `304`, and the request's `If-None-Match` /
    /// `If-Modified-Since` match `res`'s `ETag` / `Last-Modified` by
    /// [`fresh`](crate::http::fresh::fresh)'s rules. Express reads the
    /// response through `req.res`; here it is an argument. Call it once the
    /// response's status and validators are set.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.set_header("ETag", b"\"12345\"")?;
    ///     if req.fresh(res) {
    ///         res.set_status(304).end(b"").await?;
    ///     } else {
    ///         res.end(b"the entity").await?;
    ///     }
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"12345\"\r\n\r\n");
    /// assert!(out.starts_with(b"HTTP/1.1 304 Not Modified\r\n"));
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
    /// ```
    pub fn fresh(&self, res: &Response<'_>) -> bool {
        if !matches!(self.method(), "GET" | "HEAD" | "QUERY") {
            return false;
        }
        let status = res.status();
        if !((200..300).contains(&status) || status == 304) {
            return false;
        }
        let conditions = fresh::Conditions {
            if_none_match: self.header("if-none-match"),
            if_modified_since: self.header("if-modified-since"),
            cache_control: self.header("cache-control"),
        };
        let validators = fresh::Validators { etag: res.header("etag"), last_modified: res.header("last-modified") };
        fresh::fresh(&conditions, &validators)
    }

    /// The opposite of [`fresh`](Self::fresh) (Express's `req.stale`).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.set_header("ETag", b"\"12345\"")?;
    ///     res.end(if req.stale(res) { b"stale" } else { b"fresh" }).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"abc\"\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nstale"));
    /// ```
    pub fn stale(&self, res: &Response<'_>) -> bool {
        !self.fresh(res)
    }

    /// Whether `X-Requested-With` is `XMLHttpRequest` (case-insensitive):
    /// Express's `req.xhr`, set by client libraries such as jQuery.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.end(if req.xhr() { b"xhr" } else { b"page" }).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nX-Requested-With: xmlhttprequest\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nxhr"));
    /// ```
    pub fn xhr(&self) -> bool {
        self.header("x-requested-with").is_some_and(|v| v.eq_ignore_ascii_case(b"XMLHttpRequest"))
    }

    /// The protocol the client used (Express's `req.protocol`): `"http"`,
    /// or, when [`trust_proxy`](super::Settings::trust_proxy) trusts the
    /// peer, the first value of `X-Forwarded-Proto` as sent (`"https"`). The
    /// core serves no TLS itself, so without a trusted proxy the answer is
    /// always `"http"`. A header value that is not UTF-8 is ignored.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::proxy::TrustProxy;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().trust_proxy(TrustProxy::All).with_fn(async |req, res| {
    ///     res.end(req.protocol().as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https, http\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nhttps"));
    /// ```
    pub fn protocol(&self) -> &'r str {
        let (peer, trust) = self.hop_zero();
        let proto = proxy::protocol(peer, false, self.header("x-forwarded-proto"), &trust);
        core::str::from_utf8(proto).unwrap_or("http")
    }

    /// Whether [`protocol`](Self::protocol) is exactly `"https"` (Express's
    /// `req.secure`).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     // Not trusted by default: the header does not count.
    ///     res.end(if req.secure() { b"secure" } else { b"plain" }).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nplain"));
    /// ```
    pub fn secure(&self) -> bool {
        self.protocol() == "https"
    }

    /// The host name the client asked for, without the port (Express's
    /// `req.hostname`): `Host`, or, when the peer is trusted, the first value
    /// of `X-Forwarded-Host`. An IPv6 literal keeps its brackets
    /// (`[::1]:3000` → `[::1]`). `None` without a host, or when it is not
    /// UTF-8; `Some("")` for a `Host` that is only a port, as Express.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     res.end(req.hostname().unwrap_or("?").as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: example.com:3000\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nexample.com"));
    /// ```
    pub fn hostname(&self) -> Option<&'r str> {
        let (peer, trust) = self.hop_zero();
        let host = proxy::hostname(peer, self.header("host"), self.header("x-forwarded-host"), &trust)?;
        core::str::from_utf8(host).ok()
    }

    /// The subdomains of [`hostname`](Self::hostname), most significant
    /// first, without the last [`subdomain_offset`](super::Settings::subdomain_offset)
    /// parts (Express's `req.subdomains`): `tobi.ferrets.example.com` gives
    /// `ferrets`, `tobi`. An IPv4 address is one part, so it has no
    /// subdomains unless the offset is `0`.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     assert!(req.subdomains().eq(["ferrets", "tobi"]));
    ///     res.end(b"ok").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: tobi.ferrets.example.com\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nok"));
    /// ```
    pub fn subdomains(&self) -> impl Iterator<Item = &'r str> + use<'r> {
        let host = self.hostname().filter(|h| !h.is_empty());
        // Node's `isIP`: an address is one part, a name splits at dots.
        let (address, name) = match host {
            Some(h) if h.parse::<IpAddr>().is_ok() => (Some(h), None),
            _ => (None, host),
        };
        let offset = usize::from(self.settings().subdomain_offset());
        address.into_iter().chain(name.into_iter().flat_map(|n| n.rsplit('.'))).skip(offset)
    }

    /// The client's address (Express's `req.ip`): walking from the peer
    /// back through `X-Forwarded-For` (all its lines, right to left), the
    /// first address [`trust_proxy`](super::Settings::trust_proxy) does not
    /// trust, or the last one; the peer itself with the default setting.
    /// `None` when the transport has no peer address (a Unix socket) and no
    /// trusted `X-Forwarded-For` entry gives one: without an address only
    /// [`TrustProxy::All`] and [`TrustProxy::Hops`] can trust the peer.
    ///
    /// An entry that is not an IP address (`unknown`) stops the walk where
    /// the setting does not trust it; Express would answer its text, this
    /// answers the nearest address on the peer's side of it (see
    /// [`ip_entry`](Self::ip_entry) for the text).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::proxy::TrustProxy;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().trust_proxy(TrustProxy::Hops(2)).with_fn(async |req, res| {
    ///     res.end(std::format!("{:?}", req.ip()).as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let wire = b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.7, 10.0.0.2, 10.0.0.1\r\n\r\n";
    /// assert!(exchange(&app, wire).ends_with(b"\r\n\r\nSome(10.0.0.2)"));
    /// ```
    pub fn ip(&self) -> Option<IpAddr> {
        self.walk().parsed
    }

    /// The client's entry as Express's `req.ip` gives it: the address
    /// [`ip`](Self::ip) stops at, or `Err` with the text of an
    /// `X-Forwarded-For` entry that is not an address (as sent, spaces
    /// trimmed). `None` as for [`ip`](Self::ip).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::proxy::TrustProxy;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().trust_proxy(TrustProxy::Hops(1)).with_fn(async |req, res| {
    ///     assert_eq!(req.ip_entry(), Some(Err(&b"unknown"[..])));
    ///     assert_eq!(req.ip(), Some("127.0.0.1".parse().unwrap()));
    ///     res.end(b"ok").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: unknown\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nok"));
    /// ```
    pub fn ip_entry(&self) -> Option<Result<IpAddr, &'r [u8]>> {
        self.walk().entry
    }

    /// The addresses of the walk [`ip`](Self::ip) makes, client first, the
    /// peer left out (Express's `req.ips`): empty when the peer is not
    /// trusted (the default). Entries that are not IP addresses are left
    /// out (Express lists their text).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::proxy::TrustProxy;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().trust_proxy(TrustProxy::All).with_fn(async |req, res| {
    ///     let ips: std::vec::Vec<_> = req.ips().map(|ip| ip.to_string()).collect();
    ///     res.end(ips.join(" ").as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let wire = b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n\r\n";
    /// assert!(exchange(&app, wire).ends_with(b"\r\n\r\n203.0.113.7 10.0.0.2"));
    /// ```
    pub fn ips(&self) -> impl Iterator<Item = IpAddr> + use<'r> {
        let walked = self.walk().hops;
        let skip = self.forwarded_for().count().saturating_sub(walked);
        let headers = self.headers();
        headers
            .get_all(XFF)
            .flat_map(|line| line.split(|&b| b == b','))
            .filter(|entry| entry.iter().any(|&b| b != b' '))
            .skip(skip)
            .filter_map(|entry| proxy::forwarded(NO_PEER, Some(entry)).nth(1)?.ok())
    }

    /// The `Range` header read for an entity of `size` bytes (Express's
    /// `req.range(size, { combine })`): `None` without the header (or with an
    /// empty one), else [`range::parse`]'s answer, the ranges written to
    /// `out` (its length caps how many: see [`range::parse`]).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::range::ByteRange;
    /// use lamina::serve::memory::exchange;
    ///
    /// let app = App::new().with_fn(async |req, res| {
    ///     let mut out = [ByteRange::default(); 2];
    ///     assert_eq!(req.range(1000, false, &mut out), Some(Ok(2)));
    ///     assert_eq!(out, [ByteRange { start: 0, end: 99 }, ByteRange { start: 900, end: 999 }]);
    ///     res.end(b"ok").await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-99,-100\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nok"));
    /// ```
    pub fn range(&self, size: u64, combine: bool, out: &mut [ByteRange]) -> Option<Result<usize, RangeError>> {
        let header = self.header("range").filter(|v| !v.is_empty())?;
        Some(range::parse(size, header, combine, out))
    }

    /// The `type/subtype` of a valid `Content-Type`, as the request spells
    /// it: the type starts at its first letter or digit (only spaces come
    /// before it), and the subtype follows its `/`.
    fn media_type(&self) -> Option<&'r str> {
        let header = self.header("content-type")?;
        let (ty, subtype) = mime::media_type(header)?;
        let start = header.iter().position(u8::is_ascii_alphanumeric)?;
        let end = start.checked_add(ty.len())?.checked_add(1)?.checked_add(subtype.len())?;
        core::str::from_utf8(header.get(start..end)?).ok()
    }

    /// The peer and the setting to judge hop 0 with. Without a peer address
    /// (proxy-addr's `undefined`), address lists and functions trust
    /// nothing, while `All` and `Hops` count positions as ever.
    fn hop_zero(&self) -> (IpAddr, TrustProxy) {
        let trust = self.settings().trust_proxy();
        match self.peer() {
            Some(peer) => (peer, trust),
            None if trust.trusts_entry(Err(b""), 0) => (NO_PEER, TrustProxy::All),
            None => (NO_PEER, TrustProxy::None),
        }
    }

    /// `X-Forwarded-For`'s entries right to left, over all its lines (last
    /// line first), as in Node's joined value: parsed, or `Err` with the
    /// entry's text.
    fn forwarded_for(&self) -> impl Iterator<Item = Result<IpAddr, &'r [u8]>> + use<'r> {
        let headers = self.headers();
        let lines = headers.get_all(XFF).count();
        (0..lines)
            .rev()
            .filter_map(move |line| headers.get_all(XFF).nth(line))
            .flat_map(|line| proxy::forwarded(NO_PEER, Some(line)).skip(1))
    }

    /// proxy-addr's walk from the peer over every `X-Forwarded-For` line.
    fn walk(&self) -> proxy::Walk<'r> {
        proxy::walk(self.peer(), self.forwarded_for(), &self.settings().trust_proxy())
    }
}

/// A query that does not fit the type is the client's error (`400`), so `?`
/// in a handler answers it; the message names the kind of failure.
impl From<QueryError> for crate::Error {
    fn from(e: QueryError) -> Self {
        let message = match e {
            QueryError::ScratchFull => "query string: decoded text does not fit the scratch buffer",
            QueryError::Repeated => "query string: a key is repeated where one value is expected",
            QueryError::Missing(_) => "query string: a required key is missing",
            QueryError::Invalid(_) => "query string: a value does not fit its type",
            QueryError::Unsupported(_) => "query string: a type it cannot deserialize",
        };
        Self::new(message).with_status(e.status())
    }
}

/// A stand-in peer for [`proxy`]'s functions, never reported.
const NO_PEER: IpAddr = IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED);

#[cfg(test)]
mod tests {
    use std::format;
    use std::string::{String, ToString};
    use std::vec::Vec;

    use super::*;
    use crate::app::{App, Flow};
    use crate::http::proxy::IpNet;
    use crate::serve::memory::exchange;

    /// What a handler reports about a request.
    type Probe = fn(&mut Request<'_>, &mut Response<'_>) -> String;

    /// Serves `GET /` with `headers` (lines without CRLF) to `app` plus a
    /// handler answering `probe`'s text, and returns that text.
    fn probe_with(app: App, target: &str, headers: &[&str], probe: Probe) -> String {
        let app = app.with_fn(async move |req, res| {
            let text = probe(req, res);
            res.end(text.as_bytes()).await?;
            Ok(Flow::Done)
        });
        let mut wire = format!("GET {target} HTTP/1.1\r\n");
        for line in headers {
            wire.push_str(line);
            wire.push_str("\r\n");
        }
        wire.push_str("\r\n");
        let out = exchange(&app, wire.as_bytes());
        let text = String::from_utf8_lossy(&out).into_owned();
        assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
        text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap()
    }

    fn probe(headers: &[&str], probe: Probe) -> String {
        probe_with(App::new(), "/", headers, probe)
    }

    fn list<T: ToString>(items: impl Iterator<Item = T>) -> String {
        items.map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    }

    fn opt<T: ToString>(value: Option<T>) -> String {
        value.map_or("undefined".to_string(), |v| v.to_string())
    }

    #[test]
    fn get_is_case_insensitive_and_aliases_referrer() {
        let names: Probe = |req, _| {
            format!("{} {} {}", opt(req.get("Content-Type")), opt(req.get("content-type")), opt(req.get("Something")))
        };
        assert_eq!(probe(&["Host: a", "Content-Type: text/plain"], names), "text/plain text/plain undefined");
        // req-e-header-referrer-alias, req-e-header-missing.
        let referrer: Probe = |req, _| format!("{} {}", opt(req.get("Referrer")), opt(req.get("referer")));
        assert_eq!(probe(&["Host: a", "Referer: http://foobar.com"], referrer), "http://foobar.com http://foobar.com");
        assert_eq!(probe(&["Host: a", "Referrer: http://foobar.com"], referrer), "http://foobar.com http://foobar.com");
        assert_eq!(probe(&["Host: a"], referrer), "undefined undefined");
        // Checked against Express: `Referrer` wins unless it is empty.
        assert_eq!(probe(&["Host: a", "Referrer: a", "Referer: b"], referrer), "a a");
        assert_eq!(probe(&["Host: a", "Referrer:", "Referer: b"], referrer), "b b");
        // Repeated lines: the first (Node would join `a, b` for this one).
        assert_eq!(probe(&["Host: a", "X-Custom: a", "X-Custom: b"], |req, _| opt(req.get("x-custom"))), "a");
        // Not UTF-8: only the bytes.
        let latin1: Probe = |req, _| format!("{} {:?}", opt(req.get("x-name")), req.header("x-name"));
        let app = App::new().with_fn(async move |req, res| {
            let text = latin1(req, res);
            res.end(text.as_bytes()).await?;
            Ok(Flow::Done)
        });
        let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xe9\r\n\r\n");
        assert!(out.ends_with(b"undefined Some([99, 97, 102, 233])"), "{out:?}");
    }

    #[test]
    fn query_values_as_express_docs_show_them() {
        // GET /search?q=tobi+ferret
        let q: Probe = |req, _| format!("{}", req.query_value("q").unwrap());
        assert_eq!(probe_with(App::new(), "/search?q=tobi+ferret", &["Host: a"], q), "tobi ferret");
        // GET /shoes?order=desc&shoe[color]=blue&shoe[type]=converse: keys
        // keep their brackets (no "extended" nesting).
        let shoes: Probe = |req, _| {
            let mut buf = [0u8; 16];
            let color = req.query_value("shoe[color]").unwrap().decode_into(&mut buf).unwrap().to_string();
            format!("{} {color} {}", req.query_value("order").unwrap(), req.query_value("shoe[type]").unwrap())
        };
        let target = "/shoes?order=desc&shoe%5Bcolor%5D=blue&shoe[type]=converse";
        assert_eq!(probe_with(App::new(), target, &["Host: a"], shoes), "desc blue converse");
        let tags: Probe = |req, _| format!("{} {}", list(req.query_values("tag")), req.query_values("x").count());
        assert_eq!(probe_with(App::new(), "/?tag=a&x=1&tag=b+c&tag", &["Host: a"], tags), "a,b c, 1");
        assert_eq!(probe_with(App::new(), "/", &["Host: a"], tags), " 0");
        let none: Probe = |req, _| format!("{}", req.query_value("q").is_none());
        assert_eq!(probe_with(App::new(), "/?", &["Host: a"], none), "true");
    }

    #[test]
    fn query_as_deserializes_and_reports_errors() {
        #[derive(serde::Deserialize)]
        struct Page<'a> {
            q: &'a str,
            page: Option<u32>,
        }
        let typed: Probe = |req, _| {
            let mut scratch = [0u8; 32];
            match req.query_as::<Page<'_>>(&mut scratch) {
                Ok(p) => format!("{} {:?}", p.q, p.page),
                Err(e) => format!("{} {e}", e.status()),
            }
        };
        assert_eq!(probe_with(App::new(), "/?q=a%20b&page=3", &["Host: a"], typed), "a b Some(3)");
        assert_eq!(probe_with(App::new(), "/?q=a&page=x", &["Host: a"], typed).split(' ').next(), Some("400"));
        assert_eq!(probe_with(App::new(), "/", &["Host: a"], typed).split(' ').next(), Some("400"));
        // `?` answers 400.
        let app = App::new().with_fn(async |req, _res| {
            let mut scratch = [0u8; 4];
            let _: Page<'_> = req.query_as(&mut scratch)?;
            Ok(Flow::Next)
        });
        let out = exchange(&app, b"GET /?q=%41%42%43%44%45 HTTP/1.1\r\nHost: a\r\n\r\n");
        assert!(out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"), "{out:?}");
        let out = exchange(&app, b"GET /?q=x HTTP/1.1\r\nHost: a\r\n\r\n");
        assert!(out.starts_with(b"HTTP/1.1 404 Not Found\r\n"), "{out:?}");
    }

    /// `req.is(types)` for a request with `headers` (and a body when they
    /// say so), as Express's echo prints it: `null` without a body.
    fn is_answer(types: &'static [&'static str], headers: &[&str]) -> String {
        let app = App::new().with_fn(async move |req, res| {
            let text = match req.is(types) {
                None if !req.has_body() => "null".to_string(),
                None => "false".to_string(),
                Some(t) => t.to_string(),
            };
            res.end(text.as_bytes()).await?;
            Ok(Flow::Done)
        });
        let wire = format!("POST / HTTP/1.1\r\nHost: a\r\n{}\r\n\r\n", headers.join("\r\n"));
        let out = String::from_utf8_lossy(&exchange(&app, wire.as_bytes())).into_owned();
        out.split_once("\r\n\r\n").unwrap().1.to_string()
    }

    #[test]
    fn is_as_express() {
        // req-e-is-json, req-e-is-mismatch, req-e-is-no-body, req-e-is-wildcard-subtype.
        let json = "Content-Type: application/json; charset=UTF-8";
        assert_eq!(is_answer(&["json"], &[json, "Content-Length: 0"]), "json");
        assert_eq!(is_answer(&["image/*"], &["Content-Type: application/json", "Content-Length: 0"]), "false");
        assert_eq!(is_answer(&["json"], &["Content-Type: application/json"]), "null");
        assert_eq!(is_answer(&["application/*"], &[json, "Content-Length: 0"]), "application/json");
        // Express's docs and answers checked against Express.
        let html = ["Content-Type: text/html; charset=utf-8", "Content-Length: 0"];
        assert_eq!(is_answer(&["html"], &html), "html");
        assert_eq!(is_answer(&["text/html"], &html), "text/html");
        assert_eq!(is_answer(&["text/*"], &html), "text/html");
        assert_eq!(is_answer(&["json", "text/html", "html"], &html), "text/html");
        assert_eq!(is_answer(&[], &html), "text/html");
        let spaced = ["Content-Type:   text/html ; charset=utf-8", "Content-Length: 0"];
        assert_eq!(is_answer(&["*/*"], &spaced), "text/html");
        let api = ["Content-Type: application/vnd.api+json", "Transfer-Encoding: chunked"];
        assert_eq!(is_answer(&["+json"], &api), "application/vnd.api+json");
        assert_eq!(
            is_answer(&["application/*"], &["Content-Type: application/a+", "Content-Length: 0"]),
            "application/a"
        );
        assert_eq!(is_answer(&["json"], &["Content-Length: 0"]), "false");
        assert_eq!(is_answer(&["json"], &["Content-Type: bogus", "Content-Length: 0"]), "false");
        assert_eq!(is_answer(&[], &["Content-Type: bogus", "Content-Length: 0"]), "false");
        let multipart = ["Content-Type: multipart/form-data; boundary=x", "Content-Length: 0"];
        assert_eq!(is_answer(&["urlencoded", "multipart"], &multipart), "multipart");
        // Express lower-cases the type it answers; lamina keeps the request's spelling.
        assert_eq!(
            is_answer(&["application/*"], &["Content-Type: Application/JSON", "Content-Length: 0"]),
            "Application/JSON"
        );
    }

    #[test]
    fn accepts_as_express() {
        let types: Probe = |req, _| {
            let offers: Vec<&str> = req.get("x-offers").unwrap().split(',').collect();
            opt(req.accepts(&offers))
        };
        let accepts = |accept: &str, offers: &str| {
            let offers = format!("X-Offers: {offers}");
            let accept = format!("Accept: {accept}");
            if accept == "Accept: -" {
                probe(&["Host: a", &offers], types)
            } else {
                probe(&["Host: a", &offers, &accept], types)
            }
        };
        // req-e-accepts-mime-types.
        assert_eq!(accepts("image/*", "text/plain,image/jpeg"), "image/jpeg");
        // Express's docs.
        assert_eq!(accepts("text/html", "html"), "html");
        assert_eq!(accepts("text/*, application/json", "html"), "html");
        assert_eq!(accepts("text/*, application/json", "text/html"), "text/html");
        assert_eq!(accepts("text/*, application/json", "json,text"), "json");
        assert_eq!(accepts("text/*, application/json", "application/json"), "application/json");
        assert_eq!(accepts("text/*, application/json", "image/png"), "undefined");
        assert_eq!(accepts("text/*, application/json", "png"), "undefined");
        assert_eq!(accepts("text/*;q=.5, application/json", "html,json"), "json");
        assert_eq!(accepts("-", "html,json"), "html");
        let none: Probe = |req, _| opt(req.accepts(&[]));
        assert_eq!(probe(&["Host: a", "Accept: text/html"], none), "undefined");
    }

    #[test]
    fn accepts_charsets_encodings_languages_as_express() {
        let all: Probe = |req, _| {
            let charset = opt(req.accepts_charsets(&["iso-8859-1", "utf-8"]));
            let encoding = opt(req.accepts_encodings(&["gzip", "identity"]));
            format!("{charset} {encoding} {}", opt(req.accepts_languages(&["en", "es", "pt"])))
        };
        // Checked against Express.
        assert_eq!(probe(&["Host: a"], all), "iso-8859-1 identity en");
        let sent = ["Host: a", "Accept-Charset: utf-8, iso-8859-1;q=0.2", "Accept-Encoding: gzip, deflate"];
        assert_eq!(probe(&[sent[0], sent[1], sent[2], "Accept-Language: en;q=0.8, es, pt"], all), "utf-8 gzip es");
        let empty = ["Host: a", "Accept-Charset:", "Accept-Encoding:", "Accept-Language:"];
        assert_eq!(probe(&empty, all), "undefined identity undefined");
        let others = ["Host: a", "Accept-Charset: utf-7", "Accept-Encoding: br", "Accept-Language: de"];
        assert_eq!(probe(&others, all), "undefined identity undefined");
    }

    #[test]
    fn has_body_as_type_is() {
        let body: Probe = |req, _| req.has_body().to_string();
        assert_eq!(probe(&["Host: a"], body), "false");
        assert_eq!(probe(&["Host: a", "Content-Type: application/json"], body), "false");
        assert_eq!(probe(&["Host: a", "Content-Length: 0"], body), "true");
        assert_eq!(probe(&["Host: a", "Transfer-Encoding: chunked"], body), "true");
    }

    #[test]
    fn fresh_needs_get_or_head_and_a_2xx_or_304() {
        // req-e-fresh-etag-match: the ETag set by an earlier layer.
        let app = App::new()
            .with_fn(async |_req, res| {
                res.set_header("ETag", b"\"12345\"")?;
                Ok(Flow::Next)
            })
            .with_fn(async |req, res| {
                let text = format!("{} {}", req.fresh(res), req.stale(res));
                res.end(text.as_bytes()).await?;
                Ok(Flow::Done)
            });
        let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"12345\"\r\n\r\n");
        assert!(out.ends_with(b"\r\n\r\ntrue false"), "{out:?}");
        let both: Probe = |req, res| format!("{} {}", req.fresh(res), req.stale(res));
        // req-e-fresh-no-response-headers.
        assert_eq!(probe(&["Host: a", "If-None-Match: \"12345\""], both), "false true");
        // Express's req.fresh.js: stale when the ETag differs or no-cache.
        let with_etag: Probe = |req, res| {
            res.set_header("ETag", b"\"123\"").unwrap();
            format!("{} {}", req.fresh(res), req.stale(res))
        };
        assert_eq!(probe(&["Host: a", "If-None-Match: \"12345\""], with_etag), "false true");
        assert_eq!(probe(&["Host: a", "If-None-Match: \"123\""], with_etag), "true false");
        assert_eq!(probe(&["Host: a", "If-None-Match: \"123\"", "Cache-Control: no-cache"], with_etag), "false true");
        // Only 2xx and 304 responses are fresh.
        let statuses: Probe = |req, res| {
            res.set_header("ETag", b"\"123\"").unwrap();
            let mut out = String::new();
            for status in [199, 200, 204, 299, 300, 304, 404, 500] {
                res.set_status(status);
                out.push_str(if req.fresh(res) { "1" } else { "0" });
            }
            res.set_status(200);
            out
        };
        assert_eq!(probe(&["Host: a", "If-None-Match: \"123\""], statuses), "01110100");
        // Last-Modified against If-Modified-Since.
        let dated: Probe = |req, res| {
            res.set_header("Last-Modified", b"Sat, 01 Jan 2000 00:00:00 GMT").unwrap();
            req.fresh(res).to_string()
        };
        assert_eq!(probe(&["Host: a", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT"], dated), "true");
        assert_eq!(probe(&["Host: a", "If-Modified-Since: Fri, 31 Dec 1999 00:00:00 GMT"], dated), "false");
    }

    #[test]
    fn fresh_only_for_safe_methods() {
        let app = App::new().with_fn(async |req, res| {
            res.set_header("ETag", b"\"1\"")?;
            let fresh = req.fresh(res);
            res.end(fresh.to_string().as_bytes()).await?;
            Ok(Flow::Done)
        });
        for (method, fresh) in [("GET", true), ("HEAD", true), ("QUERY", true), ("POST", false), ("get", false)] {
            let wire = format!("{method} / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"1\"\r\nContent-Length: 0\r\n\r\n");
            let out = String::from_utf8_lossy(&exchange(&app, wire.as_bytes())).into_owned();
            if method != "HEAD" {
                assert!(out.ends_with(&format!("\r\n\r\n{fresh}")), "{method}: {out}");
            } else {
                assert!(out.contains(&format!("Content-Length: {}", fresh.to_string().len())), "{out}");
            }
        }
    }

    #[test]
    fn xhr_compares_case_insensitively() {
        let xhr: Probe = |req, _| req.xhr().to_string();
        assert_eq!(probe(&["Host: a", "X-Requested-With: XMLHttpRequest"], xhr), "true");
        assert_eq!(probe(&["Host: a", "X-Requested-With: XmlHttpRequest"], xhr), "true");
        assert_eq!(probe(&["Host: a", "X-Requested-With: XMLHttpRequest2"], xhr), "false");
        assert_eq!(probe(&["Host: a"], xhr), "false");
    }

    const PROTO: Probe = |req, _| format!("{} {}", req.protocol(), req.secure());

    #[test]
    fn protocol_trusts_x_forwarded_proto_from_trusted_peers_only() {
        // req-e-protocol-http, req-e-protocol-xfp-disabled.
        assert_eq!(probe(&["Host: a"], PROTO), "http false");
        assert_eq!(probe(&["Host: a", "X-Forwarded-Proto: https"], PROTO), "http false");
        // req-e-protocol-xfp-first-value.
        let all = App::new().trust_proxy(TrustProxy::All);
        assert_eq!(probe_with(all, "/", &["Host: a", "X-Forwarded-Proto: https, http"], PROTO), "https true");
        // req-e-protocol-xfp-untrusted-addr.
        static TEN: [IpNet; 1] = [IpNet::new(IpAddr::V4(core::net::Ipv4Addr::new(10, 0, 0, 1)), 32).unwrap()];
        let ten = App::new().trust_proxy(TrustProxy::List(&TEN));
        assert_eq!(probe_with(ten, "/", &["Host: a", "X-Forwarded-Proto: https"], PROTO), "http false");
        // Checked against Express: as sent (not lower-cased), trimmed, empty ignored.
        for (xfp, answer) in [("HTTPS", "HTTPS false"), (" https ", "https true"), ("", "http false")] {
            let line = format!("X-Forwarded-Proto: {xfp}");
            let all = App::new().trust_proxy(TrustProxy::All);
            assert_eq!(probe_with(all, "/", &["Host: a", &line], PROTO), answer);
        }
        let hops = |n| App::new().trust_proxy(TrustProxy::Hops(n));
        assert_eq!(probe_with(hops(0), "/", &["Host: a", "X-Forwarded-Proto: https"], PROTO), "http false");
        assert_eq!(probe_with(hops(1), "/", &["Host: a", "X-Forwarded-Proto: https"], PROTO), "https true");
        // Repeated lines: Node joins them; the first value is the first line's.
        let lines = ["Host: a", "X-Forwarded-Proto: https", "X-Forwarded-Proto: http"];
        assert_eq!(probe_with(hops(1), "/", &lines, PROTO), "https true");
    }

    const HOST: Probe = |req, _| format!("{} [{}]", opt(req.hostname()), list(req.subdomains()));

    #[test]
    fn hostname_from_host_or_trusted_x_forwarded_host() {
        // req-e-hostname, req-e-hostname-strips-port, req-e-hostname-xfh-*.
        assert_eq!(probe(&["Host: example.com"], HOST), "example.com []");
        assert_eq!(probe(&["Host: example.com:3000"], HOST), "example.com []");
        assert_eq!(probe(&["Host: localhost", "X-Forwarded-Host: evil"], HOST), "localhost []");
        let all = || App::new().trust_proxy(TrustProxy::All);
        let xfh = ["Host: localhost", "X-Forwarded-Host: example.com , foobar.com"];
        assert_eq!(probe_with(all(), "/", &xfh, HOST), "example.com []");
        static TEN: [IpNet; 1] = [IpNet::new(IpAddr::V4(core::net::Ipv4Addr::new(10, 0, 0, 1)), 32).unwrap()];
        let ten = App::new().trust_proxy(TrustProxy::List(&TEN));
        assert_eq!(probe_with(ten, "/", &["Host: localhost", "X-Forwarded-Host: example.com"], HOST), "localhost []");
        // Checked against Express.
        assert_eq!(probe(&["Host: [::1]:3000"], HOST), "[::1] []");
        assert_eq!(probe(&["Host: :3000"], HOST), " []");
        assert_eq!(probe_with(all(), "/", &["Host: x", "X-Forwarded-Host: [::1]:80, b"], HOST), "[::1] []");
        assert_eq!(probe_with(all(), "/", &["Host: x", "X-Forwarded-Host:  a.b.c.d , b"], HOST), "a.b.c.d [b,a]");
        assert_eq!(probe_with(all(), "/", &["Host: x", "X-Forwarded-Host:"], HOST), "x []");
        let lines = ["Host: x", "X-Forwarded-Host: a", "X-Forwarded-Host: b"];
        assert_eq!(probe_with(all(), "/", &lines, HOST), "a []");
        // No Host at all (HTTP/1.0).
        let app = App::new().with_fn(async |req, res| {
            let text = HOST(req, res);
            res.end(text.as_bytes()).await?;
            Ok(Flow::Done)
        });
        assert!(exchange(&app, b"GET / HTTP/1.0\r\n\r\n").ends_with(b"\r\n\r\nundefined []"));
    }

    #[test]
    fn subdomains_as_express() {
        // Answers checked against Express 4.22.3.
        let cases: [(u8, &str, &str); 11] = [
            (2, "tobi.ferrets.example.com", "ferrets,tobi"),
            (3, "tobi.ferrets.example.com", "tobi"),
            (0, "tobi.ferrets.example.com", "com,example,ferrets,tobi"),
            (9, "tobi.ferrets.example.com", ""),
            (0, "127.0.0.1:3000", "127.0.0.1"),
            (2, "127.0.0.1:3000", ""),
            (1, "127.0.0.1", ""),
            (0, "[::1]:3000", "[::1]"),
            (2, "tobi.ferrets.example.com.", "example,ferrets,tobi"),
            (0, "localhost", "localhost"),
            (2, "a..b.example.com", "b,,a"),
        ];
        for (offset, host, subdomains) in cases {
            let line = format!("Host: {host}");
            let app = App::new().subdomain_offset(offset);
            let answer = probe_with(app, "/", &[&line], |req, _| list(req.subdomains()));
            assert_eq!(answer, subdomains, "{offset} {host}");
        }
    }

    const IPS: Probe = |req, _| format!("{} [{}]", opt(req.ip()), list(req.ips()));

    /// `trust` applied to `X-Forwarded-For` lines, as `ip [ips]`.
    fn ips_with(trust: TrustProxy, xff: &[&str]) -> String {
        let mut lines = std::vec!["Host: a".to_string()];
        lines.extend(xff.iter().map(|v| format!("X-Forwarded-For: {v}")));
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        probe_with(App::new().trust_proxy(trust), "/", &lines, IPS)
    }

    #[test]
    fn ip_and_ips_as_express() {
        // req-e-ip-no-proxy, req-e-ip-xff-untrusted, req-e-ips-untrusted.
        assert_eq!(probe(&["Host: a"], IPS), "127.0.0.1 []");
        assert_eq!(probe(&["Host: a", "X-Forwarded-For: client, p1, p2"], IPS), "127.0.0.1 []");
        // Express's docs, with addresses for names.
        let xff = ["10.0.0.9, 10.0.0.1, 10.0.0.2"];
        assert_eq!(ips_with(TrustProxy::All, &xff), "10.0.0.9 [10.0.0.9,10.0.0.1,10.0.0.2]");
        assert_eq!(ips_with(TrustProxy::Hops(2), &xff), "10.0.0.1 [10.0.0.1,10.0.0.2]");
        // Checked against Express.
        let xff = ["10.0.0.1, 127.0.0.2"];
        assert_eq!(ips_with(TrustProxy::List(&IpNet::LOOPBACK), &xff), "10.0.0.1 [10.0.0.1,127.0.0.2]");
        assert_eq!(ips_with(TrustProxy::Hops(1), &xff), "127.0.0.2 [127.0.0.2]");
        assert_eq!(ips_with(TrustProxy::Hops(0), &xff), "127.0.0.1 []");
        // Repeated lines read as Node joins them.
        let lines = ["1.1.1.1, 2.2.2.2", "3.3.3.3"];
        assert_eq!(ips_with(TrustProxy::All, &lines), "1.1.1.1 [1.1.1.1,2.2.2.2,3.3.3.3]");
        assert_eq!(ips_with(TrustProxy::Hops(2), &lines), "2.2.2.2 [2.2.2.2,3.3.3.3]");
    }

    #[test]
    fn entries_that_are_not_addresses() {
        // Express answers the text ("bogus"); ip() the nearest address on
        // the peer's side, ip_entry() the text, ips() leaves it out.
        let xff = ["10.0.0.1, bogus, 127.0.0.2"];
        assert_eq!(ips_with(TrustProxy::All, &xff), "10.0.0.1 [10.0.0.1,127.0.0.2]");
        assert_eq!(ips_with(TrustProxy::Hops(3), &xff), "10.0.0.1 [10.0.0.1,127.0.0.2]");
        assert_eq!(ips_with(TrustProxy::Hops(2), &xff), "127.0.0.2 [127.0.0.2]");
        assert_eq!(ips_with(TrustProxy::List(&IpNet::LOOPBACK), &xff), "127.0.0.2 [127.0.0.2]");
        // req-e-ip-xff-hop-count: Express answers "p1".
        let entry: Probe =
            |req, _| format!("{:?}", req.ip_entry().map(|e| e.map_err(|t| t.escape_ascii().to_string())));
        let app = App::new().trust_proxy(TrustProxy::Hops(2));
        let lines = ["Host: a", "X-Forwarded-For: client, p1, p2"];
        assert_eq!(probe_with(app, "/", &lines, entry), "Some(Err(\"p1\"))");
        assert_eq!(probe_with(App::new(), "/", &lines, entry), "Some(Ok(127.0.0.1))");
    }

    #[test]
    fn without_a_peer_address_only_positions_are_trusted() {
        let no_peer: Probe = |req, res| {
            req.set_peer(None);
            format!("{} {} {}", IPS(req, res), PROTO(req, res), opt(req.hostname()))
        };
        let lines =
            ["Host: a", "X-Forwarded-For: 10.0.0.1, 10.0.0.2", "X-Forwarded-Proto: https", "X-Forwarded-Host: b"];
        let with = |trust| probe_with(App::new().trust_proxy(trust), "/", &lines, no_peer);
        assert_eq!(with(TrustProxy::None), "undefined [] http false a");
        assert_eq!(with(TrustProxy::All), "10.0.0.1 [10.0.0.1,10.0.0.2] https true b");
        assert_eq!(with(TrustProxy::Hops(2)), "10.0.0.1 [10.0.0.1,10.0.0.2] https true b");
        assert_eq!(with(TrustProxy::Hops(1)), "10.0.0.2 [10.0.0.2] https true b");
        assert_eq!(with(TrustProxy::Hops(0)), "undefined [] http false a");
        assert_eq!(with(TrustProxy::List(&IpNet::UNIQUELOCAL)), "undefined [] http false a");
        assert_eq!(with(TrustProxy::Fn(|_, _| true)), "undefined [] http false a");
    }

    #[test]
    fn walk_agrees_with_proxy_on_one_joined_line() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let trusts = [
            TrustProxy::None,
            TrustProxy::All,
            TrustProxy::Hops(1),
            TrustProxy::Hops(3),
            TrustProxy::List(&IpNet::LOOPBACK),
            TrustProxy::List(&IpNet::UNIQUELOCAL),
            TrustProxy::Fn(|addr, hop| hop < 4 && !addr.is_unspecified()),
        ];
        let entries = ["10.0.0.1", "127.0.0.2", "bogus", "", " ", "::1", "203.0.113.9", "fe80::1%eth0", "192.168.1.1"];
        let mut seed = 0x2545_f491_u32;
        for _ in 0..400 {
            let mut lines = Vec::new();
            for _ in 0..(seed % 3 + 1) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let picks: Vec<&str> =
                    (0..(seed >> 8) % 4).map(|i| entries[((seed >> (10 + i)) % 9) as usize]).collect();
                lines.push(picks.join(","));
            }
            let joined = lines.join(", ");
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            for trust in trusts {
                let expected = format!(
                    "{} [{}]",
                    proxy::ip(peer, Some(joined.as_bytes()), &trust),
                    list(proxy::ips(peer, Some(joined.as_bytes()), &trust))
                );
                assert_eq!(ips_with(trust, &lines), expected, "{lines:?} {trust:?}");
            }
        }
    }

    #[test]
    fn range_as_express() {
        let range: Probe = |req, _| {
            let mut out = [ByteRange::default(); 4];
            match req.range(120, false, &mut out) {
                None => "undefined".to_string(),
                Some(Ok(n)) => list(out[..n].iter().map(|r| format!("{}-{}", r.start, r.end))),
                Some(Err(e)) => format!("{e:?}"),
            }
        };
        // Express's req.range.js.
        assert_eq!(probe(&["Host: a", "Range: bytes=0-50,51-100"], range), "0-50,51-100");
        assert_eq!(probe(&["Host: a", "Range: bytes=-30"], range), "90-119");
        assert_eq!(probe(&["Host: a", "Range: bytes=200-"], range), "Unsatisfiable");
        assert_eq!(probe(&["Host: a", "Range: bytes"], range), "Malformed");
        assert_eq!(probe(&["Host: a", "Range: items=0-5"], range), "OtherUnit");
        assert_eq!(probe(&["Host: a"], range), "undefined");
        assert_eq!(probe(&["Host: a", "Range:"], range), "undefined");
        let combined: Probe = |req, _| {
            let mut out = [ByteRange::default(); 4];
            let n = req.range(120, true, &mut out).unwrap().unwrap();
            list(out[..n].iter().map(|r| format!("{}-{}", r.start, r.end)))
        };
        assert_eq!(probe(&["Host: a", "Range: bytes=0-50,51-100"], combined), "0-100");
    }

    #[test]
    fn trust_proxy_is_inherited_unless_set() {
        let inner = || {
            App::router().with_fn(async |req, res| {
                res.end(req.protocol().as_bytes()).await?;
                Ok(Flow::Done)
            })
        };
        let wire = b"GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\n\r\n";
        let app = App::new().trust_proxy(TrustProxy::All).mount("/x", inner());
        assert!(exchange(&app, wire).ends_with(b"\r\n\r\nhttps"));
        let sub = App::new().with_fn(async |req, res| {
            res.end(req.protocol().as_bytes()).await?;
            Ok(Flow::Done)
        });
        let app = App::new().trust_proxy(TrustProxy::All).mount("/x", sub);
        assert!(exchange(&app, wire).ends_with(b"\r\n\r\nhttps"));
        let app = App::new().trust_proxy(TrustProxy::All).mount("/x", inner().trust_proxy(TrustProxy::None));
        assert!(exchange(&app, wire).ends_with(b"\r\n\r\nhttp"));
    }
}
