//! Test support for lamina's workspace-level tests and fuzz targets.
//!
//! - [`exchange`]: an in-memory driver that runs [`lamina::h1::Connection`]
//!   over a byte stream delivered in arbitrary pieces, with a small test app,
//!   and returns everything the server wrote.
//! - [`served`]: the same runs through the real connection driver,
//!   [`lamina::serve::serve_with`], with apps that answer as the reference's.
//! - [`client`]: a strict HTTP/1.1 response parser that checks the framing of
//!   what the server wrote, independently of the code that wrote it.
//! - [`vector`]: the `.http` vector file format of `tests/vectors/`.
//! - [`fuzz`]: the bodies of the `cargo fuzz` targets, so that a normal test
//!   can replay their corpus on stable Rust.
//! - [`conformance`]: the Connect/Express conformance cases of
//!   `shared/conformance/`, run against lamina's app layer.
//! - [`suite`]: the adapter conformance suite every adapter runs over its
//!   real sockets.

// The conformance apps are 12 statically nested layers (`conformance::connect`):
// computing the layout of their request futures nests deeper than rustc's
// default query depth of 128.
#![recursion_limit = "256"]

pub mod client;
pub mod conformance;
pub mod exchange;
pub mod fuzz;
pub mod served;
pub mod suite;
pub mod vector;

/// Escapes bytes for display and for comparison in vector files: printable
/// ASCII stays, `\` `\r` `\n` `\t` are backslash-escaped, the rest is `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// A small deterministic generator (xorshift64*) for property tests: the same
/// seed gives the same cases on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// Polls a future that never waits on IO to completion (it panics if the
/// future keeps saying it is not ready, instead of spinning forever).
pub fn block_on<F: core::future::Future>(f: F) -> F::Output {
    let mut f = core::pin::pin!(f);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    for _ in 0..1_000 {
        if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("an app future that does no IO is still pending after 1000 polls")
}
