//! # lamina
//!
//! Connect/Express for Rust, from microcontrollers to servers: an ordered
//! stack of middleware, mounted sub-apps, error middleware and Express
//! routing over a core that is `no_std`, needs no allocator and does no IO.
//!
//! **In scope of this crate:** the sans-IO HTTP/1.1 protocol core ([`h1`]) and
//! time as an argument ([`time`]). The middleware stack, routing and the
//! built-in middleware arrive in later releases. **Out of scope:** sockets,
//! runtimes and clocks — the `lamina-tokio`, `lamina-smol` and
//! `lamina-embassy` adapters bring those.
//!
//! ```
//! use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots};
//! use lamina::time::Instant;
//!
//! let mut conn: Connection = Connection::new(Config::new(), 2048, Instant::ZERO);
//! let mut slots = HeaderSlots::new();
//! let status = conn.handle_head(b"GET / HTTP/1.1\r\nHost: device.local\r\n\r\n", &mut slots, Instant::ZERO);
//! assert!(matches!(status, Ok(HeadStatus::Complete(_))));
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

#[cfg(test)]
extern crate std;

pub mod app;
pub mod h1;
pub mod serve;
pub mod time;

pub use app::Error;

// The workspace README's example compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
