//! The settings a socket server adapter (`lamina-tokio`, `lamina-smol`)
//! needs beyond one connection's protocol settings, in one place.

use crate::h1;
use crate::time::Duration;

/// Connections answered `503` at the same time, at most, under
/// [`AtCapacity::Refuse`]; beyond it they are closed unanswered.
pub const MAX_REFUSING: usize = 64;

/// What a server does with a connection beyond
/// [`ServerConfig::max_connections`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtCapacity {
    /// Stop accepting until a connection finishes; clients wait in the
    /// kernel's listen backlog.
    Wait,
    /// Accept, answer `503` with `Retry-After: retry_after_secs`, close.
    Refuse {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u32,
    },
}

/// A server's settings. HTTP limits and the header-read, body-read, idle and
/// write timeouts are in [`http`](Self::http).
///
/// ```
/// use lamina::serve::{AtCapacity, ServerConfig};
/// use lamina::time::Duration;
///
/// let config = ServerConfig::new()
///     .max_connections(256, AtCapacity::Refuse { retry_after_secs: 2 })
///     .shutdown_timeout(Duration::from_secs(5));
/// assert_eq!(config.read_buffer, 8 << 10);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// The protocol limits and timeouts of every connection.
    pub http: h1::Config,
    /// Bytes per connection for request heads and body reads (8 KiB).
    pub read_buffer: usize,
    /// Bytes per connection for responses (8 KiB): a response that fits goes
    /// out in one write with its length.
    pub write_buffer: usize,
    /// Bytes per connection for response headers being built (2 KiB).
    pub header_buffer: usize,
    /// Connections served at once, at most (1024). With the buffers, it
    /// bounds the memory a flood of clients can take.
    pub max_connections: usize,
    /// What happens beyond `max_connections` ([`AtCapacity::Wait`]).
    pub at_capacity: AtCapacity,
    /// How long a graceful shutdown waits for requests in flight (10 s);
    /// connections still open then are dropped.
    pub shutdown_timeout: Duration,
    /// How long a closing connection reads what the peer still sends (1 s).
    pub linger: Duration,
    /// `TCP_NODELAY` on accepted TCP connections (on).
    pub nodelay: bool,
}

impl ServerConfig {
    /// The defaults listed on each field.
    pub const fn new() -> Self {
        Self {
            http: h1::Config::new(),
            read_buffer: 8 << 10,
            write_buffer: 8 << 10,
            header_buffer: 2 << 10,
            max_connections: 1024,
            at_capacity: AtCapacity::Wait,
            shutdown_timeout: Duration::from_secs(10),
            linger: Duration::from_secs(1),
            nodelay: true,
        }
    }

    /// Sets the protocol limits and timeouts.
    pub const fn http(mut self, http: h1::Config) -> Self {
        self.http = http;
        self
    }

    /// Sets the per-connection buffer sizes: read, write, response headers.
    pub const fn buffers(mut self, read: usize, write: usize, headers: usize) -> Self {
        self.read_buffer = read;
        self.write_buffer = write;
        self.header_buffer = headers;
        self
    }

    /// Sets the connection limit and what happens beyond it.
    pub const fn max_connections(mut self, max: usize, at_capacity: AtCapacity) -> Self {
        self.max_connections = max;
        self.at_capacity = at_capacity;
        self
    }

    /// Sets how long a graceful shutdown waits for requests in flight.
    pub const fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Sets how long a closing connection reads what the peer still sends.
    pub const fn linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// Sets `TCP_NODELAY` on accepted TCP connections.
    pub const fn nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}
