//! The request as a layer sees it.

use core::any::Any;
use core::fmt;
use core::future::poll_fn;
use core::net::IpAddr;
use core::ops::{Deref, DerefMut};

use atomic_refcell::{AtomicRefCell, AtomicRefMut};

use super::exit::AppState;
use super::params::Params;
use super::route::AllowList;
use super::{Param, Settings, Url};
use crate::Error;
use crate::h1::{Headers, RequestHead, TargetForm};
use crate::serve::Channel;
use crate::time::Instant;

/// A request, borrowed from the connection's buffer. Mounts change what
/// [`url`](Self::url) returns; nothing else in it changes.
///
/// ```
/// use lamina::app::{App, Flow};
/// use lamina::serve::memory::exchange;
///
/// let app = App::new().with_fn(async |req, res| {
///     assert_eq!(req.method(), "POST");
///     assert_eq!(req.url(), "/blog/post?x=1");
///     assert_eq!(req.query(), Some("x=1"));
///     assert_eq!(req.header("x-id"), Some(&b"7"[..]));
///     let mut buf = [0u8; 16];
///     let body = req.read_to_end(&mut buf).await?;
///     assert_eq!(body, b"hello");
///     res.send(b"ok").await?;
///     Ok(Flow::Done)
/// });
/// let out = exchange(&app, b"POST /blog/post?x=1 HTTP/1.1\r\nHost: a\r\nX-Id: 7\r\nContent-Length: 5\r\n\r\nhello");
/// assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
/// ```
#[derive(Clone, Copy)]
pub struct Request<'r> {
    method: &'r str,
    target: &'r str,
    /// `scheme://authority` of an absolute-form target, else `""`.
    origin: &'r str,
    /// The origin-form part of the target (path and query).
    path_and_query: &'r str,
    headers: Headers<'r, 'r>,
    /// Bytes of `path_and_query` removed by the mounts around the current layer.
    removed: usize,
    chan: &'r dyn Channel,
    locals: &'r SharedLocals,
    /// The settings, route methods and parameters of the app it is in.
    app: AppState,
    /// The client's address, if the adapter knows it.
    peer: Option<IpAddr>,
}

/// The per-request data as the request holds it: typed by the app, erased here.
pub(crate) type SharedLocals = AtomicRefCell<dyn Any + Send + Sync>;

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("removed", &self.removed)
            .finish_non_exhaustive()
    }
}

impl<'r> Request<'r> {
    /// The request of a parsed head, reading its body through `chan`.
    pub(crate) fn new(head: &RequestHead<'r, 'r>, chan: &'r dyn Channel, locals: &'r SharedLocals) -> Self {
        let path_and_query = head.origin();
        let origin = match head.form() {
            TargetForm::Absolute => head.target().strip_suffix(path_and_query).unwrap_or(head.target()),
            _ => "",
        };
        Self {
            method: head.method(),
            target: head.target(),
            origin,
            path_and_query,
            headers: head.headers(),
            removed: 0,
            chan,
            locals,
            app: AppState::default(),
            peer: None,
        }
    }

    /// The method as sent.
    pub fn method(&self) -> &'r str {
        self.method
    }

    /// The URL this layer sees: the target without the prefixes of the mounts
    /// around it, query kept.
    pub fn url(&self) -> Url<'r> {
        Url::stripped(self.path_and_query, self.origin, self.removed)
    }

    /// The target exactly as received (Connect's `req.originalUrl`).
    pub fn original_url(&self) -> &'r str {
        self.target
    }

    /// The part of the path the mounts around this layer matched, as the
    /// request spelled it (Express's `req.baseUrl`); `""` outside mounts.
    pub fn base_url(&self) -> &'r str {
        self.path_and_query.get(..self.removed).unwrap_or("")
    }

    /// The path of [`url`](Self::url) (no query).
    pub fn path(&self) -> Url<'r> {
        self.url().path()
    }

    /// The path of the original target (no query), as the final handler
    /// names it; `/` for an absolute-form target without one.
    pub fn original_path(&self) -> &'r str {
        let path = self.path_and_query.split('?').next().unwrap_or("");
        if path.is_empty() { "/" } else { path }
    }

    /// The query string, without `?`.
    pub fn query(&self) -> Option<&'r str> {
        self.path_and_query.split_once('?').map(|(_, q)| q)
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'r [u8]> {
        self.headers.get(name)
    }

    /// All header lines.
    pub fn headers(&self) -> Headers<'r, 'r> {
        self.headers
    }

    /// The body's declared length: `Content-Length`, `0` without a body,
    /// `None` when chunked.
    pub fn content_length(&self) -> Option<u64> {
        self.chan.body_len()
    }

    /// Lowers (or raises) how many body bytes this request may have — a
    /// route's own limit (the connection's default is
    /// [`Config::max_body_len`](crate::h1::Config::max_body_len)). Reading
    /// beyond it fails with a `413` error.
    pub fn set_body_limit(&mut self, bytes: u64) {
        self.chan.set_body_limit(bytes);
    }

    /// Reads body bytes into `buf`; `Ok(0)` at the end of the body. The
    /// first read sends `100 Continue` if the client waits for it. Errors
    /// carry their status: `413` over the limit, `400` for broken framing or
    /// a body cut short, `408` when the client is too slow.
    pub async fn read_body(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut waiting = false;
        poll_fn(|_| self.chan.poll_body(buf, &mut waiting)).await
    }

    /// Reads the whole body into `buf` and returns it; a body larger than
    /// `buf` is a `413` error.
    pub async fn read_to_end<'a>(&mut self, buf: &'a mut [u8]) -> Result<&'a [u8], Error> {
        let mut len = 0usize;
        loop {
            let Some(room) = buf.get_mut(len..).filter(|r| !r.is_empty()) else {
                let mut probe = [0u8; 1];
                if self.read_body(&mut probe).await? > 0 {
                    return Err(Error::new("request body larger than its buffer").with_status(413));
                }
                break;
            };
            match self.read_body(room).await? {
                0 => break,
                n => len = len.saturating_add(n),
            }
        }
        Ok(buf.get(..len).unwrap_or(&[]))
    }

    /// A reader of the body, for code written against `embedded_io_async::Read`.
    pub fn body(&mut self) -> Body<'_, 'r> {
        Body { req: self }
    }

    /// The request's data, of the app's [`with_locals`](super::App::with_locals)
    /// type `L`. Fails (a `500`) if `L` is not that type, or if another layer
    /// holds it — keep it only as long as needed, never across `next.run`.
    pub fn locals<L: Any>(&self) -> Result<LocalsMut<'r, L>, Error> {
        let guard = self.locals.try_borrow_mut().map_err(|_| Error::new("request locals already borrowed"))?;
        AtomicRefMut::filter_map(guard, |any| any.downcast_mut::<L>())
            .map(LocalsMut)
            .ok_or(Error::new("request locals are of another type"))
    }

    /// The current time, from the connection's clock.
    pub fn now(&self) -> Instant {
        self.chan.now()
    }

    /// The value of the route parameter `name` (Express's
    /// `req.params.name`), as the URL spells it; see [`Param`].
    pub fn param(&self, name: &str) -> Option<Param<'r>> {
        self.params().filter(|(n, _)| *n == name).last().map(|(_, p)| p)
    }

    /// Every route parameter, in the order of the route's path.
    pub fn params(&self) -> impl Iterator<Item = (&'static str, Param<'r>)> + '_ {
        let target = self.path_and_query;
        self.app.params.iter().map(move |(name, start, end)| (name, Param::new(target.get(start..end).unwrap_or(""))))
    }

    /// The address of the client's end of the connection (the last proxy's,
    /// behind proxies; `None` when the transport has none, e.g. a Unix
    /// socket). Express's `req.socket.remoteAddress`.
    pub fn peer(&self) -> Option<IpAddr> {
        self.peer
    }

    pub(crate) fn set_peer(&mut self, peer: Option<IpAddr>) {
        self.peer = peer;
    }

    /// The settings of the app the request is in.
    pub fn settings(&self) -> &Settings {
        &self.app.settings
    }

    pub(crate) fn app_state(&self) -> AppState {
        self.app
    }

    pub(crate) fn set_app_state(&mut self, app: AppState) {
        self.app = app;
    }

    pub(crate) fn allow_mut(&mut self) -> &mut AllowList {
        &mut self.app.allow
    }

    /// Sets a matched route's parameters (on top of the app's merged ones);
    /// returns those to restore when the route is done.
    pub(crate) fn enter_params(&mut self, params: Params) -> Params {
        let outer = self.app.params;
        self.app.params = self.app.base.merged(&params);
        outer
    }

    pub(crate) fn restore_params(&mut self, params: Params) {
        self.app.params = params;
    }

    /// A range of the origin-form target (path and query).
    pub(crate) fn target_slice(&self, start: usize, end: usize) -> &'r str {
        self.path_and_query.get(start..end).unwrap_or("")
    }

    /// The path routes match (the mount-stripped path, without query), and
    /// where it starts in the target.
    pub(crate) fn route_path(&self) -> (usize, &'r str) {
        let (_, rest) = self.unmatched_path();
        (self.removed, rest)
    }

    /// The mount offset, for the mount layer.
    pub(crate) fn removed(&self) -> usize {
        self.removed
    }

    /// Sets the mount offset, for the mount layer.
    pub(crate) fn set_removed(&mut self, removed: usize) {
        self.removed = removed;
    }

    /// What the mounts match against: the original path from the current
    /// offset on, and whether the URL puts a `/` in front of it.
    pub(crate) fn unmatched_path(&self) -> (bool, &'r str) {
        let path = self.path_and_query.split('?').next().unwrap_or("");
        let rest = path.get(self.removed..).unwrap_or("");
        (self.origin.is_empty() && !rest.starts_with('/'), rest)
    }
}

/// The request's data, borrowed; see [`Request::locals`].
pub struct LocalsMut<'a, L>(AtomicRefMut<'a, L>);

impl<L> Deref for LocalsMut<'_, L> {
    type Target = L;
    fn deref(&self) -> &L {
        &self.0
    }
}

impl<L> DerefMut for LocalsMut<'_, L> {
    fn deref_mut(&mut self) -> &mut L {
        &mut self.0
    }
}

impl<L: fmt::Debug> fmt::Debug for LocalsMut<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The request body as an [`embedded_io_async::Read`]; see
/// [`Request::body`].
#[derive(Debug)]
pub struct Body<'a, 'r> {
    req: &'a mut Request<'r>,
}

impl embedded_io_async::ErrorType for Body<'_, '_> {
    type Error = Error;
}

impl embedded_io_async::Read for Body<'_, '_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.req.read_body(buf).await
    }
}
