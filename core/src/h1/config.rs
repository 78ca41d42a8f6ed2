//! Every limit and timeout of a connection, in one [`Config`].

use crate::time::{Duration, Instant};

/// The phases a deadline can belong to; indexes [`Timeouts`].
///
/// ```
/// use lamina::h1::{Config, Deadline};
/// use lamina::time::Duration;
///
/// let config = Config::new().idle_timeout(Duration::from_secs(2));
/// assert_eq!(config.timeouts.get(Deadline::Idle), Duration::from_secs(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// From the first byte of a request head (or the connection's start) until
    /// the head is complete. Expiry: `408` and close.
    HeaderRead,
    /// While waiting for request body bytes, reset by each byte that arrives.
    /// Expiry: `408` and close if no response was started, else close.
    BodyRead,
    /// Between a completed response and the first byte of the next request on a
    /// kept-alive connection. Expiry: close, silently.
    Idle,
    /// While writing, reset by each write that makes progress. Expiry: close.
    Write,
}

/// The timeout of each [`Deadline`], a small table named per phase.
///
/// ```
/// use lamina::h1::{Deadline, Timeouts};
/// use lamina::time::Duration;
///
/// let t = Timeouts::DEFAULT;
/// assert_eq!(t.get(Deadline::HeaderRead), Duration::from_secs(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// See [`Deadline::HeaderRead`]. Default 10 s. Bounds how long a slowloris
    /// client can hold a connection with an incomplete head.
    pub header_read: Duration,
    /// See [`Deadline::BodyRead`]. Default 30 s of inactivity. A client trickling
    /// one byte per period keeps its connection: bound the connection count.
    pub body_read: Duration,
    /// See [`Deadline::Idle`]. Default 5 s (Node's `keepAliveTimeout`).
    pub idle: Duration,
    /// See [`Deadline::Write`]. Default 30 s of inactivity. Frees connections of
    /// clients that never read their responses.
    pub write: Duration,
}

impl Timeouts {
    /// The defaults listed on each field.
    pub const DEFAULT: Self = Self {
        header_read: Duration::from_secs(10),
        body_read: Duration::from_secs(30),
        idle: Duration::from_secs(5),
        write: Duration::from_secs(30),
    };

    /// The timeout of one phase.
    ///
    /// ```
    /// # use lamina::h1::{Deadline, Timeouts};
    /// # use lamina::time::Duration;
    /// assert_eq!(Timeouts::DEFAULT.get(Deadline::Write), Duration::from_secs(30));
    /// ```
    pub const fn get(&self, deadline: Deadline) -> Duration {
        match deadline {
            Deadline::HeaderRead => self.header_read,
            Deadline::BodyRead => self.body_read,
            Deadline::Idle => self.idle,
            Deadline::Write => self.write,
        }
    }

    /// When a phase that began (or last made progress) at `since` expires.
    ///
    /// ```
    /// # use lamina::h1::{Deadline, Timeouts};
    /// # use lamina::time::Instant;
    /// let at = Timeouts::DEFAULT.deadline(Deadline::Idle, Instant::from_millis(100));
    /// assert_eq!(at, Instant::from_millis(5_100));
    /// ```
    pub fn deadline(&self, deadline: Deadline, since: Instant) -> Instant {
        since.saturating_add(self.get(deadline))
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Limits and timeouts of one HTTP/1.1 connection.
///
/// Every field has a `const` default and a chained `const fn` setter of the same
/// name, so a configuration can be a `const` on firmware. Counts that size
/// memory (headers per request) are const generics of
/// [`Connection`](super::Connection) instead; the request-head buffer is the
/// caller's.
///
/// ```
/// use lamina::h1::Config;
/// use lamina::time::Duration;
///
/// const CONFIG: Config = Config::new()
///     .max_body_len(64 * 1024)
///     .header_read_timeout(Duration::from_secs(5));
/// assert_eq!(CONFIG.max_body_len, 65_536);
/// assert_eq!(CONFIG.max_head_len, Config::new().max_head_len);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest request head (request line and header section), in bytes; the
    /// caller's buffer caps it too. Beyond: `431` (or `414` while the request
    /// line is still incomplete). Default 8 KiB. Bounds the memory an attacker
    /// can make a connection hold before any decision.
    pub max_head_len: usize,
    /// Longest request target. Beyond: `414`. Default 4 KiB.
    pub max_target_len: usize,
    /// Largest request body a connection accepts (a route may lower it). A
    /// `Content-Length` beyond it is refused at once; a chunked body when it
    /// crosses it. Status `413`, then close. Default 8 MiB: raise it for
    /// firmware images.
    pub max_body_len: u64,
    /// Longest chunk-extension text on one chunk-size line; extensions are
    /// skipped, never stored. Beyond: `400`. Default 256 bytes.
    pub max_chunk_ext_len: usize,
    /// Largest trailer section of a chunked body (skipped, never stored).
    /// Beyond: `431`. Default 4 KiB.
    pub max_trailer_len: usize,
    /// Most body bytes (framing included) read and discarded after a response
    /// when the app left the request body unread; above this the connection is
    /// closed instead. Default 64 KiB.
    pub max_drain_len: u64,
    /// Empty lines (CRLF) ignored before a request line (RFC 9112 §2.2).
    /// More: `400`. Default 4.
    pub max_empty_lines: usize,
    /// The per-phase timeouts.
    pub timeouts: Timeouts,
}

impl Config {
    /// The defaults listed on each field.
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new(), Config::default());
    /// ```
    pub const fn new() -> Self {
        Self {
            max_head_len: 8 * 1024,
            max_target_len: 4 * 1024,
            max_body_len: 8 * 1024 * 1024,
            max_chunk_ext_len: 256,
            max_trailer_len: 4 * 1024,
            max_drain_len: 64 * 1024,
            max_empty_lines: 4,
            timeouts: Timeouts::DEFAULT,
        }
    }

    /// Sets [`max_head_len`](Self::max_head_len).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_head_len(1024).max_head_len, 1024);
    /// ```
    pub const fn max_head_len(mut self, bytes: usize) -> Self {
        self.max_head_len = bytes;
        self
    }

    /// Sets [`max_target_len`](Self::max_target_len).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_target_len(512).max_target_len, 512);
    /// ```
    pub const fn max_target_len(mut self, bytes: usize) -> Self {
        self.max_target_len = bytes;
        self
    }

    /// Sets [`max_body_len`](Self::max_body_len).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_body_len(10).max_body_len, 10);
    /// ```
    pub const fn max_body_len(mut self, bytes: u64) -> Self {
        self.max_body_len = bytes;
        self
    }

    /// Sets [`max_chunk_ext_len`](Self::max_chunk_ext_len).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_chunk_ext_len(16).max_chunk_ext_len, 16);
    /// ```
    pub const fn max_chunk_ext_len(mut self, bytes: usize) -> Self {
        self.max_chunk_ext_len = bytes;
        self
    }

    /// Sets [`max_trailer_len`](Self::max_trailer_len).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_trailer_len(0).max_trailer_len, 0);
    /// ```
    pub const fn max_trailer_len(mut self, bytes: usize) -> Self {
        self.max_trailer_len = bytes;
        self
    }

    /// Sets [`max_drain_len`](Self::max_drain_len).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_drain_len(0).max_drain_len, 0);
    /// ```
    pub const fn max_drain_len(mut self, bytes: u64) -> Self {
        self.max_drain_len = bytes;
        self
    }

    /// Sets [`max_empty_lines`](Self::max_empty_lines).
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// assert_eq!(Config::new().max_empty_lines(0).max_empty_lines, 0);
    /// ```
    pub const fn max_empty_lines(mut self, lines: usize) -> Self {
        self.max_empty_lines = lines;
        self
    }

    /// Sets [`Timeouts::header_read`].
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// # use lamina::time::Duration;
    /// let c = Config::new().header_read_timeout(Duration::from_secs(1));
    /// assert_eq!(c.timeouts.header_read, Duration::from_secs(1));
    /// ```
    pub const fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.header_read = timeout;
        self
    }

    /// Sets [`Timeouts::body_read`].
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// # use lamina::time::Duration;
    /// let c = Config::new().body_read_timeout(Duration::from_secs(1));
    /// assert_eq!(c.timeouts.body_read, Duration::from_secs(1));
    /// ```
    pub const fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.body_read = timeout;
        self
    }

    /// Sets [`Timeouts::idle`].
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// # use lamina::time::Duration;
    /// let c = Config::new().idle_timeout(Duration::from_secs(1));
    /// assert_eq!(c.timeouts.idle, Duration::from_secs(1));
    /// ```
    pub const fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.idle = timeout;
        self
    }

    /// Sets [`Timeouts::write`].
    ///
    /// ```
    /// # use lamina::h1::Config;
    /// # use lamina::time::Duration;
    /// let c = Config::new().write_timeout(Duration::from_secs(1));
    /// assert_eq!(c.timeouts.write, Duration::from_secs(1));
    /// ```
    pub const fn write_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.write = timeout;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
