//! Serve lamina apps on an embassy-net stack.
//!
//! A placeholder: the adapter arrives with the adapters issue. It will move
//! bytes and time between the runtime and [`lamina::h1::Connection`]; it never
//! parses HTTP itself.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use lamina;
