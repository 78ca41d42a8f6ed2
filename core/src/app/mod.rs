//! The Connect and Express layer: apps, middleware, mounts, errors, the final
//! handler, routes, and Express's request and response helpers.
//!
//! - The middleware stack ([`App`], [`Middleware`], [`Next`]) with Connect's
//!   mount and error semantics; `Request` with mount-stripped URLs;
//!   `Response` with validated fixed-capacity headers; finalhandler's pages.
//!   Design: `docs/design/connect-core.md`.
//! - Express routing: [`App::get`] and its siblings, [`App::route`],
//!   [`App::param`], [`App::router`], route patterns ([`MAX_PARAMS`]
//!   captures, [`Param`]), [`Flow::NextRoute`] / [`Flow::NextRouter`],
//!   automatic `OPTIONS`, [`Settings`]. Design: `docs/design/express.md`.
//! - Express's `req.*` and `res.*` helpers as methods of [`Request`] and
//!   [`Response`] (each file's docs map Express's names to lamina's).

mod builder;
mod chain;
mod error;
mod exit;
mod express_req;
mod express_res;
mod final_handler;
mod json;
mod layers;
mod media_type;
mod params;
mod pattern;
mod request;
mod res_headers;
mod response;
mod route;
mod settings;
#[cfg(test)]
mod tests;
mod url;

pub use builder::{App, Locals, Outcome};
pub use chain::{Append, Chain, Continuation, Done, End, Middleware, Next, Stack};
pub use error::{Error, MAX_ERROR_HEADERS};
pub use exit::{AddParam, ParamCallbacks, ParamFn, ParamsSeen, WithParams};
pub use express_res::SendBody;
pub use final_handler::{FINAL_PAGE_HEADERS, FinalPage};
pub use layers::{ErrorFnLayer, Flow, FnLayer, Mount};
pub use params::Param;
pub use pattern::MAX_PARAMS;
pub use request::{Body, LocalsMut, Request};
pub use response::{FinishHook, HeadHook, MAX_HOOKS, MAX_RESPONSE_HEADERS, Response, ResponseError};
pub use route::{Handlers, Method, On, Route};
pub use settings::{ETag, Settings};
pub use url::{MountPath, Url};
