//! The request as a layer sees it.

use super::Url;
use crate::h1::{Headers, RequestHead, TargetForm};

/// A request, borrowed from the connection's buffer. Mounts change what
/// [`url`](Self::url) returns; nothing else in it changes.
///
/// ```
/// use lamina::app::Request;
/// use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots};
/// use lamina::time::Instant;
///
/// let mut conn: Connection = Connection::new(Config::new(), 512, Instant::ZERO);
/// let mut slots = HeaderSlots::new();
/// let Ok(HeadStatus::Complete(head)) =
///     conn.handle_head(b"GET /blog/post?x=1 HTTP/1.1\r\nHost: a\r\nX-Id: 7\r\n\r\n", &mut slots, Instant::ZERO)
/// else { panic!() };
/// let req = Request::new(&head);
/// assert_eq!(req.method(), "GET");
/// assert_eq!(req.url(), "/blog/post?x=1");
/// assert_eq!(req.query(), Some("x=1"));
/// assert_eq!(req.header("x-id"), Some(&b"7"[..]));
/// ```
#[derive(Clone, Copy, Debug)]
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
}

impl<'r> Request<'r> {
    /// The request of a parsed head.
    pub fn new(head: &RequestHead<'r, 'r>) -> Self {
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
