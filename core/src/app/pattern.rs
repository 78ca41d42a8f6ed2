//! Express route paths: `:name`, `:name?`, `*`, and literal text, matched
//! against a URL path without compiling a regular expression.
//!
//! The rules are those of path-to-regexp 0.1 (what Express 4 uses), for the
//! syntax lamina supports:
//!
//! - `:name` captures one or more characters other than `/`, as few as let
//!   the rest match (`/flights/:from-:to`). After a `.` (`/file/:name.:ext`)
//!   it captures no `.` either.
//! - `:name?` is optional together with the `/` or `.` before it
//!   (`/user/:id?` matches `/user` and `/user/7`).
//! - `*` captures anything, `/` included, as much as lets the rest match; the
//!   captures are named `0`, `1`, ... in order.
//! - Everything else is literal, compared ASCII case-insensitively unless
//!   case-sensitive routing is on.
//! - Unless routing is strict, one trailing `/` is optional on both sides.
//!
//! Not supported: regular-expression groups (`/:id(\d+)`); a path holding
//! `(` is matched literally. At most [`MAX_PARAMS`] captures per path.
//!
//! Matching backtracks only over the captures of one path segment, so its
//! cost is linear in the path for patterns with at most one capture per
//! segment (the usual case).

/// Most captures a route path has; a route path with more never matches.
pub const MAX_PARAMS: usize = 8;

/// Names of `*` captures, in order.
const STAR_NAMES: [&str; MAX_PARAMS] = ["0", "1", "2", "3", "4", "5", "6", "7"];

/// How a path is compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MatchOptions {
    pub(crate) case_sensitive: bool,
    pub(crate) strict: bool,
    /// Match a prefix of the path that ends at its end or at a `/` (a mount
    /// path, Express's `app.use('/user/:id', ..)`), not the whole path.
    pub(crate) prefix: bool,
}

/// One capture: a name from the pattern and a byte range of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Capture {
    pub(crate) name: &'static str,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The captures of one match.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Captures {
    pub(crate) items: [Option<Capture>; MAX_PARAMS],
    pub(crate) len: usize,
    /// How many bytes of the path matched.
    pub(crate) matched: usize,
}

impl Default for Captures {
    fn default() -> Self {
        Self { items: [None; MAX_PARAMS], len: 0, matched: 0 }
    }
}

impl Captures {
    fn push(&mut self, name: &'static str, start: usize, end: usize) -> bool {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = Some(Capture { name, start, end });
                self.len = self.len.saturating_add(1);
                true
            }
            None => false,
        }
    }

    fn truncate(&mut self, len: usize) {
        for slot in self.items.iter_mut().skip(len) {
            *slot = None;
        }
        self.len = len;
    }

    /// The captures in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Capture> + '_ {
        self.items.iter().flatten().copied()
    }
}

/// Matches `pattern` against the whole of `path` (which starts with `/`,
/// or is empty for the root of a mount). Capture ranges index `path`.
pub(crate) fn match_path(pattern: &'static str, path: &str, opts: MatchOptions) -> Option<Captures> {
    let mut pat = pattern.as_bytes();
    if !opts.strict {
        // The pattern's trailing slash is optional, as is the path's.
        if let [rest @ .., b'/'] = pat {
            pat = rest;
        }
    }
    let mut caps = Captures::default();
    let m = Matcher { pattern, opts };
    m.step(pat, 0, path.as_bytes(), 0, &mut caps).then_some(caps)
}

struct Matcher {
    pattern: &'static str,
    opts: MatchOptions,
}

/// What a `:name` capture may not contain besides `/`.
#[derive(Clone, Copy)]
enum Stop<'p> {
    /// Only `/`.
    Slash,
    /// `/` and `.` (a capture after a `.`).
    Dot,
    /// `/` and the literal text just before the capture (path-to-regexp
    /// 0.1.10's backtracking guard: in `/:from-:to`, `to` holds no `-`).
    Text(&'p [u8]),
}

impl Matcher {
    /// Matches `pat` (a part of `self.pattern`) against `path` (the path
    /// from byte `offset` on). `run` is how many literal bytes precede
    /// `pat` since the last capture.
    fn step(&self, pat: &'static [u8], run: usize, path: &[u8], offset: usize, caps: &mut Captures) -> bool {
        match pat {
            [] if self.opts.prefix => {
                caps.matched = offset;
                path.is_empty() || path.first() == Some(&b'/')
            }
            [] => {
                caps.matched = offset.saturating_add(path.len());
                path.is_empty() || (!self.opts.strict && path == b"/")
            }
            [sep @ (b'/' | b'.'), b':', rest @ ..] => {
                let (name, after) = param_name(rest);
                let optional = after.first() == Some(&b'?');
                let after = if optional { after.get(1..).unwrap_or(&[]) } else { after };
                let name = self.name_of(name);
                let mark = caps.len;
                if path.first() == Some(sep) {
                    let body = path.get(1..).unwrap_or(&[]);
                    let stop = if *sep == b'.' { Stop::Dot } else { Stop::Slash };
                    if self.param(name, stop, after, body, offset.saturating_add(1), caps) {
                        return true;
                    }
                    caps.truncate(mark);
                }
                optional && self.step(after, 0, path, offset, caps)
            }
            [b':', rest @ ..] => {
                let (name, after) = param_name(rest);
                let after = after.strip_prefix(b"?").unwrap_or(after);
                let before = self.offset_of(pat);
                let text = self.pattern.as_bytes().get(before.saturating_sub(run)..before).unwrap_or(&[]);
                let stop = if text.is_empty() { Stop::Slash } else { Stop::Text(text) };
                self.param(self.name_of(name), stop, after, path, offset, caps)
            }
            [b'*', after @ ..] => {
                // Stars are numbered by their place in the pattern.
                let before = self.pattern.get(..self.offset_of(pat)).unwrap_or("");
                let name = STAR_NAMES.get(before.matches('*').count()).copied().unwrap_or("");
                let mark = caps.len;
                for end in (0..=path.len()).rev() {
                    if !caps.push(name, offset, offset.saturating_add(end)) {
                        return false;
                    }
                    if self.step(after, 0, path.get(end..).unwrap_or(&[]), offset.saturating_add(end), caps) {
                        return true;
                    }
                    caps.truncate(mark);
                }
                false
            }
            [p, pat_rest @ ..] => match path {
                [c, path_rest @ ..] if self.same(*p, *c) => {
                    self.step(pat_rest, run.saturating_add(1), path_rest, offset.saturating_add(1), caps)
                }
                _ => false,
            },
        }
    }

    /// A `:name` capture of at least one byte of `path` up to its `stop`, as
    /// short as lets `after` match the rest.
    fn param(
        &self,
        name: &'static str,
        stop: Stop<'_>,
        after: &'static [u8],
        path: &[u8],
        offset: usize,
        caps: &mut Captures,
    ) -> bool {
        let mark = caps.len;
        let limit = (0..path.len())
            .find(|&i| {
                let rest = path.get(i..).unwrap_or(&[]);
                rest.first() == Some(&b'/')
                    || match stop {
                        Stop::Slash => false,
                        Stop::Dot => rest.first() == Some(&b'.'),
                        Stop::Text(text) => rest.get(..text.len()).is_some_and(|r| self.same_text(text, r)),
                    }
            })
            .unwrap_or(path.len());
        // Followed by `/` or the end: the capture is all it may hold.
        let first = if matches!(after.first(), None | Some(b'/')) { limit } else { 1 };
        for end in first..=limit {
            if end == 0 || !caps.push(name, offset, offset.saturating_add(end)) {
                return false;
            }
            if self.step(after, 0, path.get(end..).unwrap_or(&[]), offset.saturating_add(end), caps) {
                return true;
            }
            caps.truncate(mark);
        }
        false
    }

    fn same(&self, p: u8, c: u8) -> bool {
        if self.opts.case_sensitive { p == c } else { p.eq_ignore_ascii_case(&c) }
    }

    fn same_text(&self, p: &[u8], c: &[u8]) -> bool {
        p.len() == c.len() && p.iter().zip(c).all(|(p, c)| self.same(*p, *c))
    }

    /// The `&'static str` of a name that is a part of the pattern.
    fn name_of(&self, name: &[u8]) -> &'static str {
        let start = self.offset_of(name);
        self.pattern.get(start..start.saturating_add(name.len())).unwrap_or("")
    }

    /// Where a part of the pattern starts in it.
    fn offset_of(&self, part: &[u8]) -> usize {
        (part.as_ptr() as usize).wrapping_sub(self.pattern.as_ptr() as usize)
    }
}

/// Splits `:name...` after the colon into the name (word characters) and the
/// rest of the pattern.
fn param_name(rest: &'static [u8]) -> (&'static [u8], &'static [u8]) {
    let len = rest.iter().position(|b| !(b.is_ascii_alphanumeric() || *b == b'_')).unwrap_or(rest.len());
    rest.split_at(len)
}

#[cfg(test)]
mod tests {
    use std::string::String;
    use std::vec::Vec;

    use super::*;

    fn caps(pattern: &'static str, path: &str, opts: MatchOptions) -> Option<Vec<(String, String)>> {
        match_path(pattern, path, opts)
            .map(|c| c.iter().map(|c| (c.name.into(), path[c.start..c.end].into())).collect())
    }

    fn m(pattern: &'static str, path: &str) -> Option<Vec<(String, String)>> {
        caps(pattern, path, MatchOptions::default())
    }

    fn p(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(list.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect())
    }

    #[test]
    fn literals_and_trailing_slash() {
        assert_eq!(m("/", "/"), p(&[]));
        assert_eq!(m("/", ""), p(&[]));
        assert_eq!(m("/users", "/users"), p(&[]));
        assert_eq!(m("/users", "/users/"), p(&[]));
        assert_eq!(m("/users/", "/users"), p(&[]));
        assert_eq!(m("/users", "/USERS"), p(&[]));
        assert_eq!(m("/users", "/users//"), None);
        assert_eq!(m("/users", "/user"), None);
        assert_eq!(m("/users", "/users/x"), None);
        let strict = MatchOptions { strict: true, ..MatchOptions::default() };
        assert_eq!(caps("/users", "/users/", strict), None);
        assert_eq!(caps("/users/", "/users", strict), None);
        assert_eq!(caps("/users/", "/users/", strict), p(&[]));
        let sensitive = MatchOptions { case_sensitive: true, ..MatchOptions::default() };
        assert_eq!(caps("/users", "/Users", sensitive), None);
    }

    #[test]
    fn named_params() {
        assert_eq!(m("/user/:id", "/user/42"), p(&[("id", "42")]));
        assert_eq!(m("/user/:id", "/user/42/"), p(&[("id", "42")]));
        assert_eq!(m("/user/:id", "/user/"), None);
        assert_eq!(m("/user/:id", "/user/4/2"), None);
        assert_eq!(m("/user/:id/edit", "/user/7/edit"), p(&[("id", "7")]));
        assert_eq!(m("/:a/:b", "/x/y"), p(&[("a", "x"), ("b", "y")]));
        assert_eq!(m("/user/:id", "/user/%41b"), p(&[("id", "%41b")]));
    }

    #[test]
    fn optional_params() {
        assert_eq!(m("/user/:id?", "/user"), p(&[]));
        assert_eq!(m("/user/:id?", "/user/"), p(&[]));
        assert_eq!(m("/user/:id?", "/user/5"), p(&[("id", "5")]));
        assert_eq!(m("/user/:id?/edit", "/user/edit"), p(&[]));
        assert_eq!(m("/:a?/:b?", "/"), p(&[]));
        assert_eq!(m("/file.:ext?", "/file"), p(&[]));
        assert_eq!(m("/file.:ext?", "/file.txt"), p(&[("ext", "txt")]));
    }

    #[test]
    fn params_between_literals() {
        assert_eq!(m("/flights/:from-:to", "/flights/LAX-SFO"), p(&[("from", "LAX"), ("to", "SFO")]));
        // Recorded from path-to-regexp 0.1.13: `to` may not hold the `-` before it.
        assert_eq!(m("/flights/:from-:to", "/flights/A-B-C"), p(&[("from", "A-B"), ("to", "C")]));
        assert_eq!(m("/file/:name.:ext", "/file/archive.tar.gz"), p(&[("name", "archive.tar"), ("ext", "gz")]));
        assert_eq!(m("/file/:name.:ext", "/file/notes.txt"), p(&[("name", "notes"), ("ext", "txt")]));
        assert_eq!(
            m("/plantae/:genus.:species", "/plantae/Prunus.persica"),
            p(&[("genus", "Prunus"), ("species", "persica")])
        );
    }

    #[test]
    fn stars() {
        assert_eq!(m("/file/*", "/file/a/b.txt"), p(&[("0", "a/b.txt")]));
        assert_eq!(m("/file/*", "/file/"), p(&[("0", "")]));
        assert_eq!(m("/file/*", "/file/a/"), p(&[("0", "a/")]));
        assert_eq!(m("/file/*", "/file"), None);
        assert_eq!(m("/*/x/*", "/a/b/x/c"), p(&[("0", "a/b"), ("1", "c")]));
        assert_eq!(m("*", "/anything/at/all"), p(&[("0", "/anything/at/all")]));
        assert_eq!(m("/file/*.js", "/file/a/b.js"), p(&[("0", "a/b")]));
    }

    #[test]
    fn prefixes_for_mounts() {
        let opts = MatchOptions { prefix: true, ..MatchOptions::default() };
        let c = match_path("/user/:user", "/user/tj/get", opts).unwrap();
        assert_eq!((c.matched, c.iter().next().map(|c| (c.start, c.end))), (8, Some((6, 8))));
        assert_eq!(match_path("/user/:user", "/user/tj", opts).map(|c| c.matched), Some(8));
        assert_eq!(match_path("/user/:user", "/users/tj", opts).map(|c| c.matched), None);
        assert_eq!(match_path("/:a", "/tj.json", opts).map(|c| c.matched), Some(8));
    }

    #[test]
    fn capacity_and_hostile_inputs() {
        assert_eq!(m("/:a/:b/:c/:d/:e/:f/:g/:h/:i", "/1/2/3/4/5/6/7/8/9"), None);
        // Linear, not quadratic, in a long segment.
        let long = std::format!("/{}c", "ab-".repeat(3000));
        assert_eq!(m("/:a-:b", &long).map(|v| v[1].1.clone()), Some("c".into()));
        assert_eq!(m("/:a-:b", &std::format!("/{}", "-".repeat(4000))), None);
        assert_eq!(m("/:a", ""), None);
    }
}
