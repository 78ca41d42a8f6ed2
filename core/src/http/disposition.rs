//! `Content-Disposition: attachment` as Express's `res.attachment(filename)`
//! and `res.download` write it (content-disposition 0.5.4).
//!
//! [`write_attachment`] keeps the last segment of the path only (Node's
//! POSIX `path.basename`: `path/to/logo.png` → `logo.png`), writes it as a
//! quoted `filename` parameter, and adds an RFC 5987 `filename*` parameter
//! (`UTF-8''` and the percent-encoded name) when the quoted form cannot carry
//! the name exactly. Setting `Content-Type` from the extension, which
//! `res.attachment` also does, is the caller's job (see [`mime`](super::mime)).
//!
//! The output is always printable ASCII: control characters in a name are
//! replaced by `?` in `filename` and percent-encoded in `filename*`.
//!
//! One deliberate difference: content-disposition puts Latin-1 letters
//! (U+00A0–U+00FF, such as `é`) into the quoted `filename` as they are, and
//! Node sends them as single ISO-8859-1 bytes, which a `fmt::Write` string
//! cannot carry. Here they are treated like any other non-ASCII character:
//! `?` in `filename`, and the exact name in `filename*`, which is what
//! browsers show. Names that are plain printable ASCII, or have characters
//! beyond Latin-1, give the package's exact output.

use core::fmt;

/// Writes the `Content-Disposition` value for an attachment: `attachment`
/// alone for `None`, else with the base name of `filename`, exactly as
/// content-disposition 0.5.4 (except for the Latin-1 letters described in
/// the module docs).
///
/// ```
/// use lamina::http::disposition::write_attachment;
///
/// let header = |filename| {
///     let mut value = String::new();
///     write_attachment(&mut value, filename).map(|()| value)
/// };
/// assert_eq!(header(None)?, "attachment");
/// assert_eq!(header(Some("path/to/logo.png"))?, r#"attachment; filename="logo.png""#);
/// assert_eq!(
///     header(Some("∫ maths.pdf"))?,
///     r#"attachment; filename="? maths.pdf"; filename*=UTF-8''%E2%88%AB%20maths.pdf"#
/// );
/// # Ok::<(), core::fmt::Error>(())
/// ```
///
/// # Errors
///
/// Only those of `out`.
pub fn write_attachment<W: fmt::Write>(out: &mut W, filename: Option<&str>) -> fmt::Result {
    out.write_str("attachment")?;
    let Some(path) = filename else {
        return Ok(());
    };
    let name = basename(path);
    // Printable ASCII goes into the quoted string as it is; anything else
    // needs the quoted fallback with `?` and the exact `filename*`.
    let plain = name.bytes().all(|b| matches!(b, b' '..=b'~'));
    if !name.is_empty() {
        out.write_str("; filename=\"")?;
        for c in name.chars() {
            match c {
                '"' | '\\' => {
                    out.write_char('\\')?;
                    out.write_char(c)?;
                }
                ' '..='~' => out.write_char(c)?,
                // JavaScript replaces each UTF-16 unit: an emoji is `??`.
                _ => {
                    for _ in 0..c.len_utf16() {
                        out.write_char('?')?;
                    }
                }
            }
        }
        out.write_char('"')?;
    }
    if !plain || name.is_empty() || has_hex_escape(name) {
        out.write_str("; filename*=UTF-8''")?;
        for b in name.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'!' | b'~') {
                out.write_char(char::from(b))?;
            } else {
                write!(out, "%{b:02X}")?;
            }
        }
    }
    Ok(())
}

/// The last segment of a `/`-separated path, ignoring trailing slashes, as
/// Node's `path.posix.basename` (`"/"` and `""` give `""`).
fn basename(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Whether `name` contains `%` and two hex digits, which would be read as
/// an escape: content-disposition then adds `filename*` to be unambiguous.
fn has_hex_escape(name: &str) -> bool {
    name.as_bytes().windows(3).any(|w| matches!(w, [b'%', a, b] if a.is_ascii_hexdigit() && b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn header(filename: Option<&str>) -> String {
        let mut value = String::new();
        write_attachment(&mut value, filename).unwrap();
        value
    }

    /// Node: `require('content-disposition')(filename)` (0.5.4), and
    /// Express's `res.attachment` examples.
    #[test]
    fn matches_content_disposition_0_5_4() {
        let cases: [(Option<&str>, &str); 22] = [
            (None, "attachment"),
            (Some(""), "attachment; filename*=UTF-8''"),
            (Some("plans.pdf"), r#"attachment; filename="plans.pdf""#),
            (Some("path/to/logo.png"), r#"attachment; filename="logo.png""#),
            (Some("∫ maths.pdf"), r#"attachment; filename="? maths.pdf"; filename*=UTF-8''%E2%88%AB%20maths.pdf"#),
            (Some("€ rates.pdf"), r#"attachment; filename="? rates.pdf"; filename*=UTF-8''%E2%82%AC%20rates.pdf"#),
            (Some("a\"b\\c.txt"), r#"attachment; filename="a\"b\\c.txt""#),
            (Some("plans%20.pdf"), r#"attachment; filename="plans%20.pdf"; filename*=UTF-8''plans%2520.pdf"#),
            (Some("%zz"), r#"attachment; filename="%zz""#),
            (Some("%4"), r#"attachment; filename="%4""#),
            (Some("a\r\nb.txt"), r#"attachment; filename="a??b.txt"; filename*=UTF-8''a%0D%0Ab.txt"#),
            (Some("a\x7fb"), r#"attachment; filename="a?b"; filename*=UTF-8''a%7Fb"#),
            (Some("a\tb"), r#"attachment; filename="a?b"; filename*=UTF-8''a%09b"#),
            (Some("\u{85}x"), r#"attachment; filename="?x"; filename*=UTF-8''%C2%85x"#),
            (Some("😀.txt"), r#"attachment; filename="??.txt"; filename*=UTF-8''%F0%9F%98%80.txt"#),
            (Some("dir/"), r#"attachment; filename="dir""#),
            (Some("/"), "attachment; filename*=UTF-8''"),
            (Some("///a//"), r#"attachment; filename="a""#),
            (Some("a;b=c,d.txt"), r#"attachment; filename="a;b=c,d.txt""#),
            (Some("it's (1)*.txt"), r#"attachment; filename="it's (1)*.txt""#),
            (Some("C:\\dir\\f.txt"), r#"attachment; filename="C:\\dir\\f.txt""#),
            (Some("../../etc/passwd"), r#"attachment; filename="passwd""#),
        ];
        for (filename, value) in cases {
            assert_eq!(header(filename), value, "{filename:?}");
        }
    }

    /// The documented difference: Latin-1 letters are not sent raw.
    #[test]
    fn latin1_letters_use_the_extended_parameter() {
        // content-disposition: `attachment; filename="café.pdf"` (byte 0xE9).
        assert_eq!(header(Some("café.pdf")), r#"attachment; filename="caf?.pdf"; filename*=UTF-8''caf%C3%A9.pdf"#);
        assert_eq!(header(Some("x\u{a0}y")), r#"attachment; filename="x?y"; filename*=UTF-8''x%C2%A0y"#);
    }

    #[test]
    fn output_is_printable_ascii() {
        let mut name = String::new();
        for c in (0u32..0x300).chain([0x2028, 0xFEFF, 0x1F600]).filter_map(char::from_u32) {
            name.push(c);
        }
        let value = header(Some(&name));
        assert!(value.bytes().all(|b| matches!(b, b' '..=b'~')), "{value}");
    }
}
