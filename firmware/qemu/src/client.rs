//! The smallest HTTP/1.1 client that can check lamina's answers byte for
//! byte: it sends requests as given and reads responses framed by
//! `Content-Length` or `Transfer-Encoding: chunked` into caller buffers.
//! Written from scratch on purpose (no lamina code on this side of the
//! cable), so a framing bug in the server cannot hide behind the same bug in
//! the client.

use embassy_net::tcp::TcpSocket;
use embassy_net::{IpEndpoint, Stack};
use embassy_time::{Duration, Timer, with_timeout};
use embedded_io_async::{Read, Write};

/// Why a check failed.
pub type Fail = &'static str;

/// Room for one response head.
const HEAD_MAX: usize = 512;

/// How often a refused connect is retried (smoltcp has no listen backlog: a
/// SYN that arrives while no server socket is in `accept` gets an RST).
const CONNECT_TRIES: u32 = 20;

/// One response: its head, copied, and how much body went into the caller's
/// buffer.
pub struct Response {
    head: [u8; HEAD_MAX],
    head_len: usize,
    /// Body bytes written to the caller's buffer.
    pub body_len: usize,
    /// Whether the body came chunked.
    pub chunked: bool,
}

impl Response {
    /// The status line, without its CRLF.
    pub fn status_line(&self) -> &[u8] {
        let head = self.head.get(..self.head_len).unwrap_or(&[]);
        let end = find(head, b"\r\n").unwrap_or(head.len());
        head.get(..end).unwrap_or(&[])
    }

    /// The value of the first header called `name` (ASCII case-insensitive),
    /// without surrounding blanks.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        let head = self.head.get(..self.head_len)?;
        head.split(|&b| b == b'\n').skip(1).find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|&b| b == b':')?;
            let (key, value) = line.split_at(colon);
            key.eq_ignore_ascii_case(name.as_bytes()).then(|| value.get(1..).unwrap_or(&[]).trim_ascii())
        })
    }
}

/// Bytes read from a connection and not yet consumed.
pub struct Inbound<'b> {
    buf: &'b mut [u8],
    start: usize,
    end: usize,
}

impl<'b> Inbound<'b> {
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, start: 0, end: 0 }
    }

    /// Reads once more from `io`, after moving what is left to the front.
    async fn fill<R: Read>(&mut self, io: &mut R) -> Result<(), Fail> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        let room = self.buf.get_mut(self.end..).filter(|room| !room.is_empty()).ok_or("response line too long")?;
        match io.read(room).await {
            Ok(0) => Err("connection closed before the response ended"),
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(_) => Err("read failed"),
        }
    }

    fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// Reads until the pending bytes contain `pattern`; returns the length up
    /// to and including it.
    async fn until<R: Read>(&mut self, io: &mut R, pattern: &[u8]) -> Result<usize, Fail> {
        loop {
            if let Some(at) = find(self.pending(), pattern) {
                return Ok(at + pattern.len());
            }
            self.fill(io).await?;
        }
    }

    /// Moves exactly `out.len()` bytes into `out`.
    async fn copy_out<R: Read>(&mut self, io: &mut R, out: &mut [u8]) -> Result<(), Fail> {
        let mut done = 0;
        while done < out.len() {
            if self.start == self.end {
                self.fill(io).await?;
            }
            let n = (out.len() - done).min(self.end - self.start);
            out[done..done + n].copy_from_slice(&self.buf[self.start..self.start + n]);
            self.start += n;
            done += n;
        }
        Ok(())
    }

    /// Reads one response; its body goes to `body`.
    pub async fn response<R: Read>(&mut self, io: &mut R, body: &mut [u8]) -> Result<Response, Fail> {
        let head_len = self.until(io, b"\r\n\r\n").await?;
        let mut response = Response { head: [0; HEAD_MAX], head_len, body_len: 0, chunked: false };
        let head = response.head.get_mut(..head_len).ok_or("response head too large")?;
        head.copy_from_slice(&self.buf[self.start..self.start + head_len]);
        self.start += head_len;

        if response.header("transfer-encoding") == Some(b"chunked") {
            response.chunked = true;
            response.body_len = self.chunked(io, body).await?;
        } else if let Some(length) = response.header("content-length") {
            let length = decimal(length).ok_or("bad Content-Length")?;
            let out = body.get_mut(..length).ok_or("body larger than the check's buffer")?;
            self.copy_out(io, out).await?;
            response.body_len = length;
        } else {
            return Err("response has neither Content-Length nor chunked framing");
        }
        Ok(response)
    }

    /// Decodes a chunked body into `body`; returns its length.
    async fn chunked<R: Read>(&mut self, io: &mut R, body: &mut [u8]) -> Result<usize, Fail> {
        let mut len = 0;
        loop {
            let line = self.until(io, b"\r\n").await?;
            let size_field = self.pending().get(..line - 2).unwrap_or(&[]);
            let size_field = size_field.split(|&b| b == b';').next().unwrap_or(&[]);
            let size = hex(size_field).ok_or("bad chunk size")?;
            self.start += line;
            if size == 0 {
                // Trailers (none expected), then the empty line.
                loop {
                    let line = self.until(io, b"\r\n").await?;
                    self.start += line;
                    if line == 2 {
                        return Ok(len);
                    }
                }
            }
            let out = body.get_mut(len..len + size).ok_or("body larger than the check's buffer")?;
            self.copy_out(io, out).await?;
            len += size;
            let mut crlf = [0; 2];
            self.copy_out(io, &mut crlf).await?;
            if crlf != *b"\r\n" {
                return Err("chunk not followed by CRLF");
            }
        }
    }

    /// After our FIN: reads until the server's FIN; anything else is an error.
    pub async fn expect_eof<R: Read>(&mut self, io: &mut R) -> Result<(), Fail> {
        if self.start != self.end {
            return Err("bytes after the last response");
        }
        let mut scratch = [0; 16];
        match io.read(&mut scratch).await {
            Ok(0) => Ok(()),
            Ok(_) => Err("bytes after the last response"),
            Err(_) => Err("connection reset instead of closed"),
        }
    }
}

/// A client connection: a socket and what it has read.
pub struct Conn<'a> {
    pub socket: TcpSocket<'a>,
    pub inbound: Inbound<'a>,
}

/// The buffers of one client connection.
pub struct ConnBuffers<const N: usize> {
    rx: [u8; N],
    tx: [u8; N],
    inbound: [u8; N],
}

impl<const N: usize> ConnBuffers<N> {
    pub const fn new() -> Self {
        Self { rx: [0; N], tx: [0; N], inbound: [0; N] }
    }
}

impl<'a> Conn<'a> {
    /// Connects to `server`, retrying while it refuses.
    pub async fn connect<const N: usize>(
        stack: Stack<'a>,
        buffers: &'a mut ConnBuffers<N>,
        server: IpEndpoint,
    ) -> Result<Self, Fail> {
        let mut socket = TcpSocket::new(stack, &mut buffers.rx, &mut buffers.tx);
        socket.set_timeout(Some(Duration::from_secs(5)));
        let mut tries = 0;
        loop {
            match socket.connect(server).await {
                Ok(()) => break,
                Err(_) if tries < CONNECT_TRIES => {
                    tries += 1;
                    socket.abort();
                    Timer::after_millis(5).await;
                }
                Err(_) => return Err("connect refused every time"),
            }
        }
        Ok(Self { socket, inbound: Inbound::new(&mut buffers.inbound) })
    }

    /// Sends `bytes` as they are.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        self.socket.write_all(bytes).await.map_err(|_| "write failed")
    }

    /// Reads one response into `body`.
    pub async fn response(&mut self, body: &mut [u8]) -> Result<Response, Fail> {
        self.inbound.response(&mut self.socket, body).await
    }

    /// Sends `head` and `body` while reading the response into `out`, so a
    /// server that answers as it reads (the echo) never waits on us.
    pub async fn exchange(&mut self, head: &[u8], body: &[u8], out: &mut [u8]) -> Result<Response, Fail> {
        let (mut reader, mut writer) = self.socket.split();
        let send = async {
            writer.write_all(head).await.map_err(|_| "write failed")?;
            writer.write_all(body).await.map_err(|_| "write failed")
        };
        let (sent, response) = embassy_futures::join::join(send, self.inbound.response(&mut reader, out)).await;
        sent?;
        response
    }

    /// Closes our side and waits for the server's FIN, which must follow
    /// without further bytes.
    pub async fn close(mut self) -> Result<(), Fail> {
        self.socket.close();
        let Self { socket, inbound } = &mut self;
        let done = async {
            inbound.expect_eof(socket).await?;
            socket.flush().await.map_err(|_| "FIN not acknowledged")
        };
        with_timeout(Duration::from_secs(5), done).await.map_err(|_| "server did not close")?
    }
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn decimal(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &d| {
        let d = (d as char).to_digit(10)?;
        n.checked_mul(10)?.checked_add(d as usize)
    })
}

fn hex(digits: &[u8]) -> Option<usize> {
    let digits = digits.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &d| {
        let d = (d as char).to_digit(16)?;
        n.checked_mul(16)?.checked_add(d as usize)
    })
}
