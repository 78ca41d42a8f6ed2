//! Express's app settings, as lamina keeps them: set on an [`App`](super::App)
//! when it is built, and carried by each request (so request and response
//! helpers read them without reaching back into the app).
//!
//! | Express setting | lamina |
//! |---|---|
//! | `env` | [`App::production`](super::App::production) |
//! | `case sensitive routing` | [`App::case_sensitive`](super::App::case_sensitive) |
//! | `strict routing` | [`App::strict`](super::App::strict) |
//! | `subdomain offset` | [`App::subdomain_offset`](super::App::subdomain_offset) |
//! | `etag` | [`App::etag`](super::App::etag) |
//! | `x-powered-by` | [`App::powered_by`](super::App::powered_by) (off by default) |
//! | `mergeParams` (a router option) | [`App::merge_params`](super::App::merge_params) |
//! | `trust proxy` | [`App::trust_proxy`](super::App::trust_proxy) (a [`TrustProxy`]) |
//!
//! Express settings without an equivalent, and why:
//! - `views`, `view engine`, `view cache`: there is no file system or
//!   template loader in a `no_std` core; `res.render` takes any `Display`
//!   (or a compile-time template such as askama's) instead.
//! - `jsonp callback name`: the callback's query key is an argument of
//!   [`Response::jsonp`](super::Response::jsonp).
//! - `json replacer`, `json spaces`, `json escape`: JSON comes from serde;
//!   shape it with serde attributes. Output is always compact.
//! - `query parser`: one parser (Node's `querystring` rules), typed with
//!   serde; "extended" nesting (`a[b]=c` objects) would need allocation.
//! - Express's `app.set(name, value)` / `app.get(name)` store of arbitrary
//!   values: typed per-request data ([`App::with_locals`](super::App::with_locals))
//!   and ordinary Rust values in the app's closures do that job.
//!
//! A mounted app applies the settings it sets itself and keeps those of the
//! app around it for the rest (Express gives a sub-app its own defaults and
//! inherits only `trust proxy`); routing options (case sensitivity, strict
//! routing) are always the app's own, as they are a router's in Express.
//! `trust proxy` is inherited by mounted apps and routers alike unless they
//! set it, as in Express.

use crate::http::proxy::TrustProxy;

/// How `res.send` tags a body (Express's `etag` setting).
///
/// ```
/// use lamina::app::ETag;
/// assert_eq!(ETag::default(), ETag::Weak);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ETag {
    /// `W/"<length>-<hash>"` (Express's default).
    #[default]
    Weak,
    /// `"<length>-<hash>"`.
    Strong,
    /// No `ETag`.
    Off,
}

/// The settings a request carries: those of the innermost app it is in.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub(crate) production: bool,
    pub(crate) case_sensitive: bool,
    pub(crate) strict: bool,
    pub(crate) etag: ETag,
    pub(crate) subdomain_offset: u8,
    pub(crate) trust_proxy: TrustProxy,
}

impl Default for Settings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Settings {
    /// Express's defaults.
    pub(crate) const DEFAULT: Self = Self {
        production: false,
        case_sensitive: false,
        strict: false,
        etag: ETag::Weak,
        subdomain_offset: 2,
        trust_proxy: TrustProxy::None,
    };

    /// Production mode (`env` is `production`).
    pub fn production(&self) -> bool {
        self.production
    }

    /// Whether routes and mounts compare paths case-sensitively.
    pub fn case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// Whether routes treat a trailing slash as significant.
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// The `etag` setting.
    pub fn etag(&self) -> ETag {
        self.etag
    }

    /// How many dot-separated parts of the host name are not subdomains.
    pub fn subdomain_offset(&self) -> u8 {
        self.subdomain_offset
    }

    /// Which addresses are trusted to forward requests (Express's `trust
    /// proxy`), for [`Request::ip`](super::Request::ip) and the other
    /// `X-Forwarded-*` readers.
    pub fn trust_proxy(&self) -> TrustProxy {
        self.trust_proxy
    }
}

/// What an app sets, over the settings of the app around it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Overlay {
    /// An app (its unset settings are the defaults), not a router (its
    /// unset settings are those around it).
    pub(crate) is_app: bool,
    pub(crate) production: Option<bool>,
    pub(crate) etag: Option<ETag>,
    pub(crate) subdomain_offset: Option<u8>,
    pub(crate) trust_proxy: Option<TrustProxy>,
    pub(crate) case_sensitive: bool,
    pub(crate) strict: bool,
    pub(crate) merge_params: bool,
    pub(crate) powered_by: bool,
    pub(crate) method_not_allowed: bool,
}

impl Overlay {
    pub(crate) const ROUTER: Self = Self {
        is_app: false,
        production: None,
        etag: None,
        subdomain_offset: None,
        trust_proxy: None,
        case_sensitive: false,
        strict: false,
        merge_params: false,
        powered_by: false,
        method_not_allowed: false,
    };

    pub(crate) const APP: Self = Self { is_app: true, ..Self::ROUTER };

    /// The settings inside the app, given those outside it. The final
    /// handler's mode (`production`) is the root app's.
    pub(crate) fn apply(&self, outer: Settings) -> Settings {
        let base = if self.is_app { Settings::DEFAULT } else { outer };
        Settings {
            production: self.production.unwrap_or(outer.production),
            case_sensitive: self.case_sensitive,
            strict: self.strict,
            etag: self.etag.unwrap_or(base.etag),
            subdomain_offset: self.subdomain_offset.unwrap_or(base.subdomain_offset),
            trust_proxy: self.trust_proxy.unwrap_or(outer.trust_proxy),
        }
    }
}
