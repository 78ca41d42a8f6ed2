//! The Connect layer: what an app is made of.
//!
//! Built so far: mount paths and mount-stripped URLs ([`MountPath`], [`Url`]),
//! the error a middleware fails with ([`Error`](crate::Error)), and the final
//! handler's pages ([`FinalPage`]). The middleware stack, `Request`,
//! `Response` and the connection driver follow (see `docs/design/connect-core.md`).

mod error;
mod final_handler;
mod url;

pub use error::{Error, MAX_ERROR_HEADERS};
pub use final_handler::{FINAL_PAGE_HEADERS, FinalPage};
pub use url::{MountPath, Url};
