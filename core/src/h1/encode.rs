//! Writing response bytes into caller-provided buffers.
//!
//! Everything here validates before it writes: a header name that is not a
//! token, or a value or reason holding CR, LF or another control character, is
//! an [`EncodeError`] — never bytes on the wire.

use super::EncodeError;

/// The bytes of a `100 Continue` interim response.
pub(crate) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
/// The last chunk of a chunked body, with an empty trailer section.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";
/// What follows the data of each chunk.
pub(crate) const CHUNK_END: &[u8] = b"\r\n";
/// The longest chunk-size line: 16 hex digits and CRLF.
pub const MAX_CHUNK_PREFIX: usize = 18;

/// A cursor writing into a byte buffer.
#[derive(Debug)]
pub(crate) struct Cursor<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl<'o> Cursor<'o> {
    pub(crate) fn new(out: &'o mut [u8]) -> Self {
        Self { out, len: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.len.checked_add(bytes.len()).ok_or(EncodeError::BufferFull)?;
        self.out.get_mut(self.len..end).ok_or(EncodeError::BufferFull)?.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    pub(crate) fn put_decimal(&mut self, n: u64) -> Result<(), EncodeError> {
        let mut digits = [0u8; 20];
        let start = format_radix(n, 10, &mut digits);
        self.put(digits.get(start..).unwrap_or(&[]))
    }

    pub(crate) fn put_hex(&mut self, n: u64) -> Result<(), EncodeError> {
        let mut digits = [0u8; 20];
        let start = format_radix(n, 16, &mut digits);
        self.put(digits.get(start..).unwrap_or(&[]))
    }

    /// `name: value\r\n`, after validating both.
    pub(crate) fn put_header(&mut self, name: &str, value: &[u8]) -> Result<(), EncodeError> {
        if !is_token(name.as_bytes()) || !value.iter().all(|&b| is_field_byte(b)) {
            return Err(EncodeError::InvalidHeader);
        }
        self.put(name.as_bytes())?;
        self.put(b": ")?;
        self.put(value)?;
        self.put(b"\r\n")
    }

    /// `HTTP/1.1 <status> <reason>\r\n`, after validating both.
    pub(crate) fn put_status_line(&mut self, status: u16, reason: Option<&str>) -> Result<(), EncodeError> {
        if !(100..=999).contains(&status) || status == 101 {
            return Err(EncodeError::InvalidStatus);
        }
        let reason = reason.unwrap_or_else(|| reason_phrase(status));
        if !reason.bytes().all(is_field_byte) {
            return Err(EncodeError::InvalidReason);
        }
        self.put(b"HTTP/1.1 ")?;
        self.put_decimal(u64::from(status))?;
        self.put(b" ")?;
        self.put(reason.as_bytes())?;
        self.put(b"\r\n")
    }
}

/// Writes `n` in `radix` (10 or 16, lowercase) at the end of `digits`, returning
/// where it starts.
fn format_radix(mut n: u64, radix: u64, digits: &mut [u8; 20]) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = digits.len();
    loop {
        let d = usize::try_from(n.checked_rem(radix).unwrap_or(0)).unwrap_or(0);
        start = start.saturating_sub(1);
        if let (Some(slot), Some(&c)) = (digits.get_mut(start), HEX.get(d)) {
            *slot = c;
        }
        n = n.checked_div(radix).unwrap_or(0);
        if n == 0 || start == 0 {
            return start;
        }
    }
}

/// The chunk-size line for `len` data bytes.
pub(crate) fn chunk_prefix(len: u64, out: &mut [u8]) -> Result<usize, EncodeError> {
    let mut cursor = Cursor::new(out);
    cursor.put_hex(len)?;
    cursor.put(b"\r\n")?;
    Ok(cursor.len())
}

/// RFC 9110 `tchar`s, at least one.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Bytes allowed in a field value or reason phrase: visible ASCII, space, tab,
/// obs-text. Never CR, LF, NUL or another control.
pub(crate) fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80
}

/// The standard reason phrase of a status, or `""` when it has none.
///
/// ```
/// assert_eq!(lamina::h1::reason_phrase(404), "Not Found");
/// assert_eq!(lamina::h1::reason_phrase(299), "");
/// ```
pub const fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn written(f: impl FnOnce(&mut Cursor<'_>) -> Result<(), EncodeError>) -> Result<Vec<u8>, EncodeError> {
        let mut buf = [0u8; 128];
        let mut c = Cursor::new(&mut buf);
        f(&mut c)?;
        let n = c.len();
        Ok(buf[..n].to_vec())
    }

    #[test]
    fn numbers() {
        for (n, dec, hex) in [
            (0u64, "0", "0"),
            (10, "10", "a"),
            (255, "255", "ff"),
            (u64::MAX, "18446744073709551615", "ffffffffffffffff"),
        ] {
            assert_eq!(written(|c| c.put_decimal(n)).unwrap(), dec.as_bytes());
            assert_eq!(written(|c| c.put_hex(n)).unwrap(), hex.as_bytes());
        }
        let mut out = [0u8; MAX_CHUNK_PREFIX];
        assert_eq!(chunk_prefix(u64::MAX, &mut out), Ok(MAX_CHUNK_PREFIX));
    }

    #[test]
    fn header_injection_is_refused() {
        for (name, value) in [
            ("X", &b"a\r\nSet-Cookie: x"[..]),
            ("X", b"a\nb"),
            ("X", b"a\rb"),
            ("X", b"\0"),
            ("X\r\nY", b"a"),
            ("", b"a"),
            ("X Y", b"a"),
            ("X:", b"a"),
        ] {
            assert_eq!(written(|c| c.put_header(name, value)), Err(EncodeError::InvalidHeader), "{name:?} {value:?}");
        }
        assert_eq!(written(|c| c.put_header("X-A", b"b\tc \x80")).unwrap(), b"X-A: b\tc \x80\r\n");
    }

    #[test]
    fn status_lines() {
        assert_eq!(written(|c| c.put_status_line(404, None)).unwrap(), b"HTTP/1.1 404 Not Found\r\n");
        assert_eq!(written(|c| c.put_status_line(299, None)).unwrap(), b"HTTP/1.1 299 \r\n");
        assert_eq!(written(|c| c.put_status_line(200, Some("Fine"))).unwrap(), b"HTTP/1.1 200 Fine\r\n");
        assert_eq!(written(|c| c.put_status_line(200, Some("a\r\nb"))), Err(EncodeError::InvalidReason));
        for bad in [0, 99, 101, 1000] {
            assert_eq!(written(|c| c.put_status_line(bad, None)), Err(EncodeError::InvalidStatus));
        }
    }

    #[test]
    fn a_full_buffer_is_an_error() {
        let mut buf = [0u8; 4];
        let mut c = Cursor::new(&mut buf);
        assert_eq!(c.put(b"12345"), Err(EncodeError::BufferFull));
        assert_eq!(c.put(b"1234"), Ok(()));
        assert_eq!(c.put(b"5"), Err(EncodeError::BufferFull));
    }
}
