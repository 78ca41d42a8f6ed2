//! Mount paths and the URL a layer sees, as offsets into the original target.
//!
//! Connect's rules, exactly:
//! - a mount path matches the request path case-insensitively, byte for byte
//!   (nothing is percent-decoded), and the match must end at the end of the
//!   path, at `/` or at `.`: `/blog` matches `/blog`, `/blog/x`, `/blog.json`,
//!   not `/blog-o-rama`; a trailing `/` on the mount path is ignored and `/`
//!   matches everything;
//! - inside, the URL is the original with the matched prefix removed, query
//!   kept, and a `/` put in front when what is left does not start with one
//!   (`/blog?x=1` → `/?x=1`, `/blog.json` → `/.json`); for an absolute-form
//!   target the scheme and authority stay in front and nothing is inserted
//!   (`http://h/blog` → `http://h`).
//!
//! Nothing is copied: a [`Url`] is up to three slices, one of them the static
//! `"/"`.

use core::fmt;

/// A mount path, normalized once when the app is built.
///
/// ```
/// use lamina::app::MountPath;
/// let p = MountPath::new("/blog/");
/// assert_eq!(p.as_str(), "/blog");
/// assert_eq!(p.match_len("/BLOG.json"), Some(5));
/// assert_eq!(p.match_len("/blog-o-rama"), None);
/// assert_eq!(MountPath::new("/").match_len("/anything"), Some(0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MountPath {
    path: &'static str,
    /// Holds a `:name` parameter: matched as a route pattern.
    pattern: bool,
}

impl MountPath {
    /// Normalizes a mount path: trailing `/`s are ignored, so `/` (or `""`)
    /// matches every request. A path with a `:name` parameter
    /// (`/user/:id`, Express's) is matched as a route pattern whose match
    /// ends at the end of the path or at a `/`; the mounted middleware sees
    /// the parameters.
    pub const fn new(path: &'static str) -> Self {
        let mut bytes = path.as_bytes();
        while let [rest @ .., b'/'] = bytes {
            bytes = rest;
        }
        let mut pattern = false;
        let mut scan = bytes;
        while let [b, rest @ ..] = scan {
            pattern |= *b == b':';
            scan = rest;
        }
        match path.split_at_checked(bytes.len()) {
            Some((trimmed, _)) => Self { path: trimmed, pattern },
            None => Self { path, pattern },
        }
    }

    /// Whether the path has parameters.
    pub(crate) const fn is_pattern(&self) -> bool {
        self.pattern
    }

    /// The normalized path (`""` for the root).
    pub const fn as_str(&self) -> &'static str {
        self.path
    }

    /// How many bytes of `path` (a URL path, no query) this mount consumes,
    /// or `None` when it does not match.
    pub fn match_len(&self, path: &str) -> Option<usize> {
        match_at_boundary(self.path, path, false)
    }

    /// [`match_len`](Self::match_len) against a stripped URL's path, given as
    /// the rest of the original path and whether a `/` was put in front of
    /// it; returns the bytes of `rest` consumed.
    /// With `case_sensitive` (case-sensitive routing), letters must match
    /// exactly.
    pub(crate) fn match_stripped(&self, slash: bool, rest: &str, case_sensitive: bool) -> Option<usize> {
        if !slash || self.path.is_empty() {
            return match_at_boundary(self.path, rest, case_sensitive);
        }
        // The URL is "/" + rest: the mount's leading '/' matches the inserted one.
        match_at_boundary(self.path.strip_prefix('/')?, rest, case_sensitive)
    }
}

/// `mount` is a prefix of `path` (ASCII case-insensitive unless
/// `case_sensitive`) that ends at the end, `/` or `.`.
fn match_at_boundary(mount: &str, path: &str, case_sensitive: bool) -> Option<usize> {
    let prefix = path.as_bytes().get(..mount.len())?;
    let same = if case_sensitive { prefix == mount.as_bytes() } else { prefix.eq_ignore_ascii_case(mount.as_bytes()) };
    if !same {
        return None;
    }
    match path.as_bytes().get(mount.len()) {
        None | Some(b'/' | b'.') => Some(mount.len()),
        Some(_) => None,
    }
}

/// The URL a layer sees: the original target with the mount prefixes of the
/// layers around it removed. Compare it with a `&str`, or format it.
///
/// ```
/// use lamina::app::Url;
/// let url = Url::stripped("/blog?x=1", "", 5);
/// assert_eq!(url, "/?x=1");
/// assert_eq!(url.path(), "/");
/// assert_eq!(url.query(), Some("x=1"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Url<'r> {
    /// `scheme://authority` of an absolute-form target, else `""`.
    origin: &'r str,
    /// A `/` put in front of `rest`.
    slash: bool,
    /// The rest of the origin-form part after the removed prefix.
    rest: &'r str,
}

impl<'r> Url<'r> {
    /// The URL of `target_path_and_query` (the origin-form part of a target)
    /// with its first `removed` bytes taken off; `origin` is the
    /// `scheme://authority` of an absolute-form target (or `""`).
    pub fn stripped(target_path_and_query: &'r str, origin: &'r str, removed: usize) -> Self {
        let rest = target_path_and_query.get(removed..).unwrap_or("");
        Url { origin, slash: origin.is_empty() && !rest.starts_with('/'), rest }
    }

    /// The path: everything before `?`. Like the URL itself it may be a `/`
    /// in front of a slice.
    pub fn path(&self) -> Url<'r> {
        let end = self.rest.find('?').unwrap_or(self.rest.len());
        Url { rest: self.rest.get(..end).unwrap_or(self.rest), ..*self }
    }

    /// The query string, without `?`.
    pub fn query(&self) -> Option<&'r str> {
        self.rest.split_once('?').map(|(_, q)| q)
    }

    /// The URL as up to three slices, in order.
    pub fn parts(&self) -> [&'r str; 3] {
        [self.origin, if self.slash { "/" } else { "" }, self.rest]
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).fold(0, usize::saturating_add)
    }

    /// `true` for an empty URL (never the case for a request's URL).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes, one at a time (for matching without copying).
    pub fn bytes(&self) -> impl Iterator<Item = u8> + 'r {
        let [a, b, c] = self.parts();
        a.bytes().chain(b.bytes()).chain(c.bytes())
    }
}

impl PartialEq<str> for Url<'_> {
    fn eq(&self, other: &str) -> bool {
        self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}

impl PartialEq<&str> for Url<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl fmt::Display for Url<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts().iter().try_for_each(|p| f.write_str(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn connect_mount_boundaries() {
        let blog = MountPath::new("/blog");
        for (path, m) in [
            ("/blog", Some(5)),
            ("/blog/", Some(5)),
            ("/blog/x", Some(5)),
            ("/blog.json", Some(5)),
            ("/BLog", Some(5)),
            ("/blog-o-rama", None),
            ("/blo", None),
            ("/", None),
        ] {
            assert_eq!(blog.match_len(path), m, "{path}");
        }
        assert_eq!(MountPath::new("/BLog").match_len("/blog/Post"), Some(5));
        assert_eq!(MountPath::new("/a b").match_len("/a%20b/c"), None, "mount paths are not decoded");
        assert_eq!(MountPath::new("").match_len("/x"), Some(0));
        assert_eq!(MountPath::new("///").as_str(), "");
        // Inside a mount, "/blog.json" is seen as "/.json" and "/blog?x" as "/?x".
        assert_eq!(MountPath::new("/.json").match_stripped(true, ".json", false), Some(5));
        assert_eq!(MountPath::new("/x").match_stripped(true, "", false), None);
        assert_eq!(MountPath::new("/").match_stripped(true, "", false), Some(0));
        assert_eq!(MountPath::new("/b").match_stripped(false, "/b/c", false), Some(2));
        assert_eq!(MountPath::new("/B").match_stripped(false, "/b/c", true), None);
    }

    #[test]
    fn stripped_urls() {
        let cases = [
            ("/blog/article/1", "", 5, "/article/1"),
            ("/blog", "", 5, "/"),
            ("/blog?x=1", "", 5, "/?x=1"),
            ("/blog.v2/x", "", 5, "/.v2/x"),
            ("/blog//post", "", 5, "//post"),
            ("/post/1", "http://example.com", 5, "http://example.com/1"),
            ("/blog", "http://example.com", 5, "http://example.com"),
            ("/x", "", 0, "/x"),
        ];
        for (target, origin, removed, want) in cases {
            let url = Url::stripped(target, origin, removed);
            assert_eq!(url.to_string(), want);
            assert_eq!(url, want);
            assert_eq!(url.len(), want.len());
        }
        let url = Url::stripped("/blog.json?a=b?c", "", 5);
        assert_eq!((url.path().to_string().as_str(), url.query()), ("/.json", Some("a=b?c")));
    }
}
