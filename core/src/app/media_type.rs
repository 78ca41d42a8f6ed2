//! `Content-Type` values as Express 4 writes them: `res.set`'s charset
//! rule (mime 1.6.0's charsets) and `setCharset` for text bodies, through
//! content-type 1.0.5's `parse` and `format`.
//!
//! content-type's `format` lower-cases the type and parameter names, keeps
//! the last value of a repeated parameter, sorts parameters by name and
//! quotes a value only when it is not a token; a value that is not text
//! would be refused, but no header value lamina accepts holds one (DEL).

use core::fmt::{self, Write as _};

use super::{Response, ResponseError};
use crate::Error;
use crate::h1::is_token;
use crate::http::mime;

impl Response<'_> {
    /// The `Content-Type` of a text body: `text/html; charset=utf-8` when
    /// none is set, else the one set with `charset=utf-8` (content-type
    /// 1.0.5's parse and format, as Express's `setCharset`).
    pub(super) fn utf8_type(&mut self) -> Result<(), Error> {
        let Some(current) = self.header("Content-Type") else {
            self.set_header("Content-Type", b"text/html; charset=utf-8")?;
            return Ok(());
        };
        // (A value content-type's `format` refuses would hold DEL, which no
        // header value here can.)
        MediaType::from_bytes(current).map_err(Error::new)?;
        self.put_header("Content-Type", false, |old, w| {
            let ty = old.map(MediaType::from_bytes).and_then(Result::ok).ok_or(fmt::Error)?;
            write!(w, "{}", WithUtf8(ty))
        })?;
        Ok(())
    }

    /// Express's `res.set('Content-Type', ty)`: `; charset=utf-8` added to
    /// a type mime 1.6 gives a charset, unless `ty` has a `charset`.
    pub(super) fn set_type(&mut self, ty: &str) -> Result<&mut Self, ResponseError> {
        let essence = ty.split(';').next().unwrap_or(ty);
        let add = !has_charset(ty) && mime::response_charset(essence).is_some();
        self.put_header("Content-Type", false, |_, w| {
            w.write_str(ty)?;
            if add { w.write_str("; charset=utf-8") } else { Ok(()) }
        })
    }
}

/// JavaScript's `\s` (and what `trim` removes).
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// Whether a type has a charset parameter, by Express's `/;\s*charset\s*=/`.
fn has_charset(ty: &str) -> bool {
    ty.split(';').skip(1).any(|part| {
        let rest = part.trim_start_matches(is_js_space).strip_prefix("charset");
        rest.is_some_and(|r| r.trim_start_matches(is_js_space).starts_with('='))
    })
}

fn is_tchar(c: char) -> bool {
    c.is_ascii() && is_token(&[c as u8])
}

/// A `Content-Type` value checked as content-type 1.0.5's `parse` checks
/// it: a `type/subtype` of tokens, then `; name=value` parameters (a token
/// or a quoted string), spaces allowed around `;` and `=`.
#[derive(Clone, Copy, Debug)]
struct MediaType<'a> {
    ty: &'a str,
    /// From the first `;`.
    params: &'a str,
}

/// A parameter's value as written: a token or a quoted string's contents.
#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Token(&'a str),
    Quoted(&'a str),
}

impl<'a> MediaType<'a> {
    /// The value checked, or content-type's error message.
    fn from_bytes(value: &'a [u8]) -> Result<Self, &'static str> {
        core::str::from_utf8(value).map_err(|_| "invalid media type").and_then(Self::parse)
    }

    fn parse(value: &'a str) -> Result<Self, &'static str> {
        let (ty, params) = value.find(';').and_then(|i| value.split_at_checked(i)).unwrap_or((value, ""));
        let ty = ty.trim_matches(is_js_space);
        let (main, sub) = ty.split_once('/').ok_or("invalid media type")?;
        if !is_token(main.as_bytes()) || !is_token(sub.as_bytes()) {
            return Err("invalid media type");
        }
        let media = Self { ty, params };
        if media.params().all(|p| p.is_some()) { Ok(media) } else { Err("invalid parameter format") }
    }

    /// Each parameter in order; `None` where the text stops being one (and
    /// nothing after that).
    fn params(self) -> impl Iterator<Item = Option<(&'a str, Value<'a>)>> {
        let mut rest = Some(self.params);
        core::iter::from_fn(move || {
            let param = split_param(rest.filter(|r| !r.is_empty())?);
            rest = param.map(|(_, _, tail)| tail);
            Some(param.map(|(name, value, _)| (name, value)))
        })
    }

    /// The value `format` writes for `name`: its last one.
    fn value(self, name: &str) -> Option<Value<'a>> {
        self.params().flatten().filter(|(n, _)| n.eq_ignore_ascii_case(name)).last().map(|(_, v)| v)
    }
}

/// Splits `; name=value` (and the spaces after it) off the front of `s`.
fn split_param(s: &str) -> Option<(&str, Value<'_>, &str)> {
    let token_len = |s: &str| s.find(|c| !is_tchar(c)).unwrap_or(s.len());
    let s = s.strip_prefix(';')?.trim_start_matches(' ');
    let (name, s) = s.split_at_checked(token_len(s))?;
    let s = s.trim_start_matches(' ').strip_prefix('=')?.trim_start_matches(' ');
    let (value, rest) = if let Some(quoted) = s.strip_prefix('"') {
        let mut escaped = false;
        let mut end = None;
        for (i, c) in quoted.char_indices() {
            let text = c == '\u{b}' || (' '..='\u{ff}').contains(&c);
            if escaped {
                if !text {
                    return None;
                }
                escaped = false;
                continue;
            }
            match c {
                '\\' => escaped = true,
                '"' => {
                    end = Some(i);
                    break;
                }
                _ if !text || c == '\u{7f}' => return None,
                _ => {}
            }
        }
        let end = end?;
        (Value::Quoted(quoted.get(..end)?), quoted.get(end.saturating_add(1)..)?)
    } else {
        let (token, rest) = s.split_at_checked(token_len(s))?;
        (Value::Token(token), rest)
    };
    let empty = matches!(value, Value::Token(""));
    (!name.is_empty() && !empty).then_some((name, value, rest.trim_start_matches(' ')))
}

/// A quoted string's contents without its escapes.
fn unescape(quoted: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = quoted.chars();
    core::iter::from_fn(move || match chars.next()? {
        '\\' => chars.next(),
        c => Some(c),
    })
}

/// A media type as content-type's `format` writes it with `charset=utf-8`:
/// lower-case type and parameter names, parameters sorted by name, values
/// quoted only when they are not tokens.
struct WithUtf8<'a>(MediaType<'a>);

impl fmt::Display for WithUtf8<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lower =
            |f: &mut fmt::Formatter<'_>, s: &str| s.chars().try_for_each(|c| f.write_char(c.to_ascii_lowercase()));
        let order =
            |a: &str, b: &str| a.bytes().map(|b| b.to_ascii_lowercase()).cmp(b.bytes().map(|b| b.to_ascii_lowercase()));
        lower(f, self.0.ty)?;
        let mut prev: Option<&str> = None;
        loop {
            let names = self.0.params().flatten().map(|(name, _)| name).chain(["charset"]);
            let after = names.filter(|n| prev.is_none_or(|p| order(n, p).is_gt()));
            let Some(name) = after.min_by(|a, b| order(a, b)) else { return Ok(()) };
            f.write_str("; ")?;
            lower(f, name)?;
            f.write_char('=')?;
            match self.0.value(name) {
                _ if name.eq_ignore_ascii_case("charset") => f.write_str("utf-8")?,
                Some(Value::Quoted(q)) if unescape(q).next().is_some() && unescape(q).all(is_tchar) => {
                    unescape(q).try_for_each(|c| f.write_char(c))?
                }
                Some(Value::Quoted(q)) => {
                    f.write_char('"')?;
                    for c in unescape(q) {
                        if matches!(c, '"' | '\\') {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                    f.write_char('"')?;
                }
                Some(Value::Token(t)) => f.write_str(t)?,
                None => {}
            }
            prev = Some(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_charset_is_expresss_pattern() {
        assert!(has_charset("text/plain; charset=x"));
        assert!(has_charset("text/plain;\tcharset =x"));
        assert!(!has_charset("text/plain; Charset=x"));
        assert!(!has_charset("text/plain; xcharset=x"));
        assert!(!has_charset("charset=x"));
    }

    #[test]
    fn parse_follows_content_type() {
        for (value, parsed) in [
            ("text/html", Ok(0)),
            ("text/html ; a=1 ;b=\"x\\\"y\" ", Ok(2)),
            ("text/html;", Err("invalid parameter format")),
            ("text/html; a", Err("invalid parameter format")),
            ("text/html; a=", Err("invalid parameter format")),
            ("text/html; a=\"x", Err("invalid parameter format")),
            ("text/html;\ta=1", Err("invalid parameter format")),
            ("text/html; a=1 b=2", Err("invalid parameter format")),
            ("text", Err("invalid media type")),
            ("text/html/x", Err("invalid media type")),
            (" text/html\t", Ok(0)),
        ] {
            let count = MediaType::parse(value).map(|m| m.params().count());
            assert_eq!(count, parsed, "{value}");
        }
    }

    #[test]
    fn format_sorts_and_requotes() {
        let format = |value: &str| std::format!("{}", WithUtf8(MediaType::parse(value).unwrap()));
        assert_eq!(
            format("TEXT/Plain; Z=\"a b\"; y=\"tok\"; x=\"\\a\""),
            "text/plain; charset=utf-8; x=a; y=tok; z=\"a b\""
        );
        assert_eq!(format("a/b; charset=\"x\"; d=1; d=2"), "a/b; charset=utf-8; d=2");
        assert_eq!(format("a/b; q=\"\\\\\""), "a/b; charset=utf-8; q=\"\\\\\"");
    }
}
