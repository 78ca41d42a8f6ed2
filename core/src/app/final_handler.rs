//! The page that ends a request nothing answered, or an error nothing handled
//! (finalhandler's, byte for byte).
//!
//! ```
//! use lamina::app::FinalPage;
//!
//! let page = FinalPage::not_found("GET", "/foo/<b>");
//! assert_eq!(page.status(), 404);
//! let mut body = String::new();
//! page.write_body(&mut body).unwrap();
//! assert!(body.contains("<pre>Cannot GET /foo/%3Cb%3E</pre>"));
//! assert_eq!(page.body_len(), body.len());
//! ```

use core::fmt::{self, Write};

use crate::Error;
use crate::h1::reason_phrase;

/// The headers every final page carries (besides `Content-Length` and the
/// error's own headers).
pub const FINAL_PAGE_HEADERS: [(&str, &str); 3] = [
    ("Content-Security-Policy", "default-src 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Type", "text/html; charset=utf-8"),
];

const PAGE_START: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>";
const PAGE_END: &str = "</pre>\n</body>\n</html>\n";

/// A final page: `404 Cannot <METHOD> <path>`, or an error's page.
#[derive(Clone, Copy, Debug)]
pub struct FinalPage<'a> {
    status: u16,
    text: Text<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Text<'a> {
    /// `Cannot <method> <path>`: the path percent-encoded, then HTML-escaped.
    NotFound { method: &'a str, path: &'a str },
    /// `Error: <message>` (development).
    Detail(&'a str),
    /// The status's reason phrase (production).
    Reason,
}

impl<'a> FinalPage<'a> {
    /// The 404 page for a request nothing answered; `path` is the original
    /// URL's path (no query).
    pub fn not_found(method: &'a str, path: &'a str) -> Self {
        Self { status: 404, text: Text::NotFound { method, path } }
    }

    /// The page of an error that reached the end. The status is the error's
    /// when it is in `400..=599`, else `response_status` when that is, else
    /// `500`. `development` shows the message; production only the reason.
    pub fn error(error: &'a Error, response_status: u16, development: bool) -> Self {
        let status = match (error.raw_status(), response_status) {
            (Some(s @ 400..=599), _) => s,
            (_, s @ 400..=599) => s,
            _ => 500,
        };
        let text = if development { Text::Detail(error.message()) } else { Text::Reason };
        Self { status, text }
    }

    /// Whether an error's own headers go on its page: only when its own status
    /// was used (finalhandler's rule).
    pub fn uses_error_headers(error: &Error) -> bool {
        matches!(error.raw_status(), Some(400..=599))
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Writes the HTML body.
    pub fn write_body(&self, out: &mut impl Write) -> fmt::Result {
        out.write_str(PAGE_START)?;
        match self.text {
            Text::NotFound { method, path } => {
                out.write_str("Cannot ")?;
                write_html(out, method.as_bytes())?;
                out.write_str(" ")?;
                write_encoded_path(out, path.as_bytes())?;
            }
            Text::Detail(message) => {
                out.write_str("Error: ")?;
                write_html(out, message.as_bytes())?;
            }
            Text::Reason => out.write_str(reason_phrase(self.status))?,
        }
        out.write_str(PAGE_END)
    }

    /// The body's length in bytes (for `Content-Length`), without writing it.
    /// (The page also [displays](fmt::Display) as its body.)
    pub fn body_len(&self) -> usize {
        let mut count = Count(0);
        let _ = self.write_body(&mut count);
        count.0
    }
}

struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

/// encodeurl (percent-encode what may not stand in a URL, keeping valid
/// escapes), then escape-html.
fn write_encoded_path(out: &mut impl Write, path: &[u8]) -> fmt::Result {
    for (i, &b) in path.iter().enumerate() {
        let valid_escape = b == b'%'
            && path.get(i.saturating_add(1)).is_some_and(u8::is_ascii_hexdigit)
            && path.get(i.saturating_add(2)).is_some_and(u8::is_ascii_hexdigit);
        let keep =
            valid_escape || matches!(b, b'!' | b'&'..=b';' | b'=' | b'?'..=b'[' | b']' | b'_' | b'a'..=b'z' | b'~');
        if keep {
            write_html(out, &[b])?;
        } else {
            write!(out, "%{b:02X}")?;
        }
    }
    Ok(())
}

/// escape-html: `&`, `<`, `>`, `"` and `'`. Input bytes that are not ASCII
/// are written as U+FFFD if they do not form UTF-8 (they never do here:
/// callers pass `&str` bytes).
fn write_html(out: &mut impl Write, text: &[u8]) -> fmt::Result {
    let text = core::str::from_utf8(text).unwrap_or("\u{fffd}");
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        let (plain, tail) = rest.split_at(i);
        out.write_str(plain)?;
        let mut chars = tail.chars();
        out.write_str(match chars.next() {
            Some('&') => "&amp;",
            Some('<') => "&lt;",
            Some('>') => "&gt;",
            Some('"') => "&quot;",
            _ => "&#39;",
        })?;
        rest = chars.as_str();
    }
    out.write_str(rest)
}

impl fmt::Display for FinalPage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_body(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn body(page: FinalPage<'_>) -> String {
        let mut s = String::new();
        page.write_body(&mut s).unwrap();
        assert_eq!(page.body_len(), s.len());
        s
    }

    #[test]
    fn not_found_pages_match_finalhandler() {
        let b = body(FinalPage::not_found("GET", "/foo"));
        assert_eq!(b.len(), 142);
        assert!(b.contains("<pre>Cannot GET /foo</pre>"));
        let b = body(FinalPage::not_found("GET", "/foo/<script>stuff'n</script>"));
        assert!(b.contains("<pre>Cannot GET /foo/%3Cscript%3Estuff&#39;n%3C/script%3E</pre>"), "{b}");
        assert_eq!(b.len(), 179);
        let b = body(FinalPage::not_found("GET", "/a%20b/%zz/\"#ü"));
        assert!(b.contains("Cannot GET /a%20b/%25zz/%22%23%C3%BC</pre>"), "{b}");
    }

    #[test]
    fn error_pages_match_finalhandler() {
        let e = Error::new("boom!");
        let p = FinalPage::error(&e, 200, false);
        assert_eq!((p.status(), p.body_len()), (500, 148));
        assert!(body(p).contains("<pre>Internal Server Error</pre>"));
        let e = Error::new("ack!").with_status(503);
        assert_eq!(FinalPage::error(&e, 200, false).body_len(), 146);
        assert_eq!(FinalPage::error(&Error::new("x").with_status(601), 200, false).status(), 500);
        assert_eq!(FinalPage::error(&Error::new("x"), 503, false).status(), 503);
        assert_eq!(FinalPage::error(&Error::new("x").with_status(414), 503, false).status(), 414);
        assert!(body(FinalPage::error(&Error::new("a <b>"), 200, true)).contains("<pre>Error: a &lt;b&gt;</pre>"));
        assert!(!FinalPage::uses_error_headers(&Error::new("x")));
        assert!(FinalPage::uses_error_headers(&Error::new("x").with_status(400)));
    }
}
