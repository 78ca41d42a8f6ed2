//! The error a middleware fails with: a status, a message, extra headers.

use core::fmt;

use crate::h1::RequestError;

/// Most extra headers an [`Error`] carries to its error page.
pub const MAX_ERROR_HEADERS: usize = 2;

/// What a middleware fails with (Connect's `next(err)`). No allocation: the
/// message and headers are `&'static str`.
///
/// The status follows finalhandler: one in `400..=599` is used, anything else
/// (or none) means `500`.
///
/// ```
/// use lamina::Error;
///
/// let e = Error::new("no such device").with_status(404).with_header("Retry-After", "5");
/// assert_eq!(e.status(), 404);
/// assert_eq!(e.message(), "no such device");
/// assert_eq!(Error::new("boom").status(), 500);
/// assert_eq!(Error::new("odd").with_status(302).status(), 500);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    status: Option<u16>,
    message: &'static str,
    headers: [Option<(&'static str, &'static str)>; MAX_ERROR_HEADERS],
}

impl Error {
    /// An error with a message and no status (a `500`).
    pub const fn new(message: &'static str) -> Self {
        Self { status: None, message, headers: [None; MAX_ERROR_HEADERS] }
    }

    /// Sets the status; outside `400..=599` it is ignored, as finalhandler does.
    pub const fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a header to the error page (the first [`MAX_ERROR_HEADERS`] are
    /// kept; finalhandler's `err.headers`).
    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Self {
        if let Some(slot) = self.headers.iter_mut().find(|h| h.is_none()) {
            *slot = Some((name, value));
        }
        self
    }

    /// The status the error page gets.
    pub const fn status(&self) -> u16 {
        match self.status {
            Some(s @ 400..=599) => s,
            _ => 500,
        }
    }

    /// The status as set, even when it is not used.
    pub const fn raw_status(&self) -> Option<u16> {
        self.status
    }

    /// The message.
    pub const fn message(&self) -> &'static str {
        self.message
    }

    /// The extra headers.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.headers.iter().flatten().copied()
    }
}

impl From<RequestError> for Error {
    /// A protocol error met while the app runs (a body too large, cut off...).
    fn from(e: RequestError) -> Self {
        Error::new(e.message()).with_status(e.status())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl core::error::Error for Error {}

impl embedded_io_async::Error for Error {
    fn kind(&self) -> embedded_io_async::ErrorKind {
        match self.status() {
            408 => embedded_io_async::ErrorKind::TimedOut,
            413 => embedded_io_async::ErrorKind::OutOfMemory,
            400..=499 => embedded_io_async::ErrorKind::InvalidData,
            _ => embedded_io_async::ErrorKind::Other,
        }
    }
}
