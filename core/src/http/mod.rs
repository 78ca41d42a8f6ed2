//! HTTP semantics behind Express's request and response helpers, as plain
//! functions over header values: no IO, no allocation, no state.
//!
//! Each module mirrors one of the small packages Express 4 is built from
//! (the versions are those `shared/conformance` was recorded with), so an
//! app moved from Express sees the same answers:
//!
//! | module | Express's package | used by |
//! |---|---|---|
//! | [`mime`] | mime-types 2.1.35 (request side), mime 1.6.0 via send (response side) | `req.accepts`, `req.is`; `res.type`, `res.format` |
//! | [`negotiate`] | accepts 1.3.8 / negotiator 0.6.3, type-is 1.6.18 | `req.accepts*`, `req.is`, `res.format` |
//! | [`range`] | range-parser 1.2.1 | `req.range` |
//! | [`date`] | (Node's `Date#toUTCString`, `Date.parse`) | `Expires`, `Last-Modified`, conditional requests |
//! | [`cookie`] | cookie 0.7.2 | `res.cookie`, `res.clear_cookie`, reading `Cookie` |
//! | [`disposition`] | content-disposition 0.5.4 | `res.attachment` |
//! | [`etag`] | etag 1.8.1 | `res.send`'s `ETag` |
//! | [`fresh`] | fresh 0.5.2 | `req.fresh`, `res.send`'s `304` |
//! | [`query`] | querystring (Express's "simple" parser) + serde | `req.query` |
//! | [`proxy`] | proxy-addr 2.0.8 | `req.ip`, `req.ips`, `req.protocol`, `req.hostname` under `trust proxy` |

pub mod cookie;
pub mod date;
pub mod disposition;
pub mod etag;
pub mod fresh;
pub mod mime;
pub mod negotiate;
pub(crate) mod percent;
pub mod proxy;
pub mod query;
pub mod range;
