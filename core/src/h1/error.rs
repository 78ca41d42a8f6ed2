//! Errors of the protocol core, each mapped to its wire status by one table.

use core::fmt;

/// Why a request was refused. Every variant maps to one status code
/// ([`status`](Self::status)) and every one closes the connection after the
/// error response: once framing is in doubt, nothing else on the connection can
/// be trusted.
///
/// ```
/// use lamina::h1::RequestError;
///
/// let e = RequestError::ContentLengthWithTransferEncoding;
/// assert_eq!(e.status(), 400);
/// assert_eq!(e.to_string(), "both Content-Length and Transfer-Encoding");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestError {
    /// The request line is malformed (method, target or separators).
    BadRequestLine,
    /// A header line is malformed (name, value, obs-fold, stray whitespace).
    BadHeader,
    /// A line ends with a bare LF, or a CR is not followed by LF.
    BareLineFeed,
    /// More empty lines before the request line than allowed.
    TooManyEmptyLines,
    /// The version token is not `HTTP/<digit>.<digit>`.
    BadVersion,
    /// A well-formed version other than HTTP/1.0 and HTTP/1.1.
    UnsupportedVersion,
    /// The request target is longer than the limit or the buffer.
    TargetTooLong,
    /// The target form is not allowed: asterisk-form without `OPTIONS`,
    /// authority-form, or a malformed absolute-form.
    BadTarget,
    /// The head is larger than the limit or the buffer.
    HeadTooLarge,
    /// More header lines than the connection's header capacity.
    TooManyHeaders,
    /// HTTP/1.1 request without `Host`.
    MissingHost,
    /// More than one `Host` header line.
    DuplicateHost,
    /// A `Host` value with characters outside an authority.
    BadHost,
    /// A `Content-Length` that is not a decimal number, or overflows.
    BadContentLength,
    /// `Content-Length` values that differ.
    ConflictingContentLength,
    /// Both `Content-Length` and `Transfer-Encoding`.
    ContentLengthWithTransferEncoding,
    /// A `Transfer-Encoding` whose final coding is `chunked` but that lists
    /// other codings too (or `chunked` twice): not implemented.
    UnsupportedTransferEncoding,
    /// A `Transfer-Encoding` whose final coding is not `chunked`: the body's
    /// length cannot be determined (RFC 9112 §6.3 item 4).
    ChunkedNotFinal,
    /// A malformed `Transfer-Encoding` list (for instance, empty).
    BadTransferEncoding,
    /// `Transfer-Encoding` on an HTTP/1.0 request.
    TransferEncodingOnHttp10,
    /// The body is larger than the configured or route limit.
    BodyTooLarge,
    /// A chunk-size line is malformed.
    BadChunkSize,
    /// A chunk size does not fit in 64 bits.
    ChunkSizeOverflow,
    /// A chunk extension is longer than the limit.
    ChunkExtensionTooLong,
    /// Chunk data is not followed by CRLF.
    BadChunkData,
    /// A trailer line is malformed.
    BadTrailer,
    /// The trailer section is longer than the limit.
    TrailersTooLarge,
    /// The head did not arrive before the header-read deadline.
    HeadTimeout,
    /// The body stalled past the body-read deadline.
    BodyTimeout,
    /// The peer closed the connection in the middle of a request.
    UnexpectedEof,
}

impl RequestError {
    /// The HTTP status this error is answered with.
    ///
    /// ```
    /// # use lamina::h1::RequestError;
    /// assert_eq!(RequestError::UnsupportedTransferEncoding.status(), 501);
    /// assert_eq!(RequestError::TooManyHeaders.status(), 431);
    /// ```
    pub const fn status(self) -> u16 {
        use RequestError::*;
        match self {
            BadRequestLine
            | BadHeader
            | BareLineFeed
            | TooManyEmptyLines
            | BadVersion
            | BadTarget
            | MissingHost
            | DuplicateHost
            | BadHost
            | BadContentLength
            | ConflictingContentLength
            | ContentLengthWithTransferEncoding
            | BadTransferEncoding
            | ChunkedNotFinal
            | TransferEncodingOnHttp10
            | BadChunkSize
            | ChunkSizeOverflow
            | ChunkExtensionTooLong
            | BadChunkData
            | BadTrailer
            | UnexpectedEof => 400,
            HeadTimeout | BodyTimeout => 408,
            BodyTooLarge => 413,
            TargetTooLong => 414,
            HeadTooLarge | TooManyHeaders | TrailersTooLarge => 431,
            UnsupportedTransferEncoding => 501,
            UnsupportedVersion => 505,
        }
    }

    /// A short description, also the error's `Display`.
    pub const fn message(self) -> &'static str {
        use RequestError::*;
        match self {
            BadRequestLine => "malformed request line",
            BadHeader => "malformed header line",
            BareLineFeed => "line not terminated by CRLF",
            TooManyEmptyLines => "too many empty lines before the request line",
            BadVersion => "malformed HTTP version",
            UnsupportedVersion => "HTTP version not supported",
            TargetTooLong => "request target too long",
            BadTarget => "request target form not allowed",
            HeadTooLarge => "request head too large",
            TooManyHeaders => "too many header lines",
            MissingHost => "missing Host header",
            DuplicateHost => "more than one Host header",
            BadHost => "malformed Host header",
            BadContentLength => "malformed Content-Length",
            ConflictingContentLength => "conflicting Content-Length values",
            ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
            UnsupportedTransferEncoding => "transfer coding not implemented",
            BadTransferEncoding => "malformed Transfer-Encoding",
            ChunkedNotFinal => "Transfer-Encoding without a final chunked",
            TransferEncodingOnHttp10 => "Transfer-Encoding on an HTTP/1.0 request",
            BodyTooLarge => "request body too large",
            BadChunkSize => "malformed chunk size",
            ChunkSizeOverflow => "chunk size too large",
            ChunkExtensionTooLong => "chunk extension too long",
            BadChunkData => "chunk data not followed by CRLF",
            BadTrailer => "malformed trailer",
            TrailersTooLarge => "trailer section too large",
            HeadTimeout => "request head not received in time",
            BodyTimeout => "request body not received in time",
            UnexpectedEof => "connection closed mid-request",
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for RequestError {}

/// Why a response could not be encoded. Nothing invalid is ever written: the
/// output buffer's contents are unspecified after an error, and the caller
/// must not send them.
///
/// ```
/// use lamina::h1::EncodeError;
/// assert_eq!(EncodeError::InvalidHeader.to_string(), "invalid header name or value");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small for what had to be written.
    BufferFull,
    /// A header name is not a token, or a value holds CR, LF or NUL.
    InvalidHeader,
    /// A reason phrase holds a control character.
    InvalidReason,
    /// A status outside 100–999, or `101` (upgrades are not supported).
    InvalidStatus,
    /// The call does not fit the connection's state (for instance, a second
    /// response head, or a body after a final `Content-Length`).
    InvalidState,
    /// More body bytes than the announced `Content-Length`.
    BodyOverflow,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EncodeError::BufferFull => "output buffer full",
            EncodeError::InvalidHeader => "invalid header name or value",
            EncodeError::InvalidReason => "invalid reason phrase",
            EncodeError::InvalidStatus => "invalid status code",
            EncodeError::InvalidState => "not allowed in this connection state",
            EncodeError::BodyOverflow => "body longer than its Content-Length",
        })
    }
}

impl core::error::Error for EncodeError {}
