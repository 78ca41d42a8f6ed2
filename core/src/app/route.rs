//! Express routes: a path pattern with handlers per method, as one layer of
//! an app's chain. Made by [`App::route`](super::App::route) and
//! [`App::get`](super::App::get) and its siblings.

use core::future::Future;

use super::chain::{Append, Chain, Continuation, End, Middleware, Next, Stack};
use super::params::Params;
use super::pattern::{MatchOptions, match_path};
use super::{Flow, Request, Response};
use crate::Error;

/// The methods a route can be registered for.
///
/// ```
/// use lamina::app::Method;
/// assert_eq!(Method::parse("PATCH"), Some(Method::Patch));
/// assert_eq!(Method::Patch.as_str(), "PATCH");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET` (and `HEAD` when the route has no `HEAD` handler of its own).
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `PATCH`.
    Patch,
    /// `OPTIONS`.
    Options,
    /// Every method (Express's `all`).
    All,
}

impl Method {
    /// The method of a request line (case-sensitive, as HTTP methods are);
    /// `None` for any other method.
    pub fn parse(method: &str) -> Option<Self> {
        Some(match method {
            "GET" => Self::Get,
            "HEAD" => Self::Head,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "DELETE" => Self::Delete,
            "PATCH" => Self::Patch,
            "OPTIONS" => Self::Options,
            _ => return None,
        })
    }

    /// The method's name (`"ALL"` for [`All`](Self::All)).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Options => "OPTIONS",
            Self::All => "ALL",
        }
    }
}

/// The methods the routes that matched a request's path answer, in the
/// order they were registered: the `Allow` of an automatic `OPTIONS`
/// response or a `405`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AllowList {
    items: [Option<Method>; 7],
}

impl AllowList {
    pub(crate) fn add(&mut self, method: Method) {
        if method == Method::All || self.items.contains(&Some(method)) {
            return;
        }
        if let Some(slot) = self.items.iter_mut().find(|m| m.is_none()) {
            *slot = Some(method);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.iter().all(Option::is_none)
    }

    /// Writes `GET,HEAD,...` into `out`; returns the text.
    pub(crate) fn write<'b>(&self, out: &'b mut [u8; 48]) -> &'b str {
        let mut len = 0usize;
        for method in self.items.iter().flatten() {
            for piece in [if len == 0 { "" } else { "," }, method.as_str()] {
                let end = len.saturating_add(piece.len());
                if let Some(room) = out.get_mut(len..end) {
                    room.copy_from_slice(piece.as_bytes());
                    len = end;
                }
            }
        }
        core::str::from_utf8(out.get(..len).unwrap_or(&[])).unwrap_or("")
    }
}

/// A route: a path pattern and its handlers, one layer of an app. Built with
/// [`App::route`](super::App::route).
#[derive(Clone, Copy, Debug)]
pub struct Route<H = End> {
    path: &'static str,
    handlers: H,
}

/// One handler of a route, for one method.
#[derive(Clone, Copy, Debug)]
pub struct On<F> {
    method: Method,
    f: F,
}

impl Route {
    /// A route at `path` with no handler yet.
    pub(crate) const fn new(path: &'static str) -> Self {
        Self { path, handlers: End }
    }
}

impl<H: Handlers> Route<H> {
    /// A route at `path` whose handlers are any [`Handlers`]: a dispatch of
    /// your own (a table, an enum) instead of closures added one by one.
    /// Add it to an app with [`App::with`](super::App::with).
    pub const fn with_handlers(path: &'static str, handlers: H) -> Self {
        Self { path, handlers }
    }
}

macro_rules! method_fns {
    ($($(#[$doc:meta])* $name:ident => $method:ident,)*) => {$(
        $(#[$doc])*
        pub fn $name<F>(self, f: F) -> Route<H::Output>
        where
            F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
            H: Append<On<F>>,
        {
            self.on(Method::$method, f)
        }
    )*};
}

impl<H> Route<H> {
    /// Adds a handler for `method`. Handlers run in the order added;
    /// [`Flow::Next`] moves to the next one that fits the method,
    /// [`Flow::NextRoute`] skips the rest.
    pub fn on<F>(self, method: Method, f: F) -> Route<H::Output>
    where
        F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
        H: Append<On<F>>,
    {
        Route { path: self.path, handlers: self.handlers.append(On { method, f }) }
    }

    method_fns! {
        /// Adds a `GET` handler (which also answers `HEAD`, without a body,
        /// unless the route has a `HEAD` handler).
        get => Get,
        /// Adds a `HEAD` handler.
        head => Head,
        /// Adds a `POST` handler.
        post => Post,
        /// Adds a `PUT` handler.
        put => Put,
        /// Adds a `DELETE` handler.
        delete => Delete,
        /// Adds a `PATCH` handler.
        patch => Patch,
        /// Adds an `OPTIONS` handler (the route then no longer takes part in
        /// the automatic `OPTIONS` answer).
        options => Options,
        /// Adds a handler for every method.
        all => All,
    }
}

/// The handlers of a route, in order.
pub trait Handlers {
    /// Whether a handler is registered for `method` itself ([`Method::All`]
    /// counts for every method).
    fn has(&self, method: Method) -> bool;

    /// Calls `f` with each registered method, in order.
    fn each_method(&self, f: &mut dyn FnMut(Method));

    /// Runs the handlers for `method` in order, until one does not answer
    /// [`Flow::Next`]; `Flow::Next` when all passed.
    fn run(
        &self,
        method: Method,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> impl Future<Output = Result<Flow, Error>>;
}

impl Handlers for End {
    fn has(&self, _: Method) -> bool {
        false
    }

    fn each_method(&self, _: &mut dyn FnMut(Method)) {}

    fn run(&self, _: Method, _: &mut Request<'_>, _: &mut Response<'_>) -> impl Future<Output = Result<Flow, Error>> {
        core::future::ready(Ok(Flow::Next))
    }
}

impl<F, R> Handlers for Stack<On<F>, R>
where
    F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
    R: Handlers,
{
    fn has(&self, method: Method) -> bool {
        self.layer.method == method || self.layer.method == Method::All || self.rest.has(method)
    }

    fn each_method(&self, f: &mut dyn FnMut(Method)) {
        f(self.layer.method);
        self.rest.each_method(f);
    }

    async fn run(&self, method: Method, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<Flow, Error> {
        if self.layer.method == method || self.layer.method == Method::All {
            match (self.layer.f)(req, res).await? {
                Flow::Next => {}
                Flow::NextRoute => return Ok(Flow::Next),
                other => return Ok(other),
            }
        }
        self.rest.run(method, req, res).await
    }
}

impl<H: Handlers> Route<H> {
    /// The method whose handlers answer a request: `HEAD` falls back to
    /// `GET` when the route has no `HEAD` handler (Express).
    fn method_for(&self, req: &Request<'_>) -> Option<Method> {
        match Method::parse(req.method()) {
            Some(Method::Head) if !self.handlers.has(Method::Head) => Some(Method::Get),
            Some(m) => Some(m),
            // Another method: only `all` handlers answer it.
            None => Some(Method::All),
        }
    }

    /// The parameters of the request's path if it matches this route.
    fn matches(&self, req: &Request<'_>) -> Option<Result<Params, Error>> {
        let settings = req.settings();
        let opts = MatchOptions { case_sensitive: settings.case_sensitive, strict: settings.strict, prefix: false };
        let (base, path) = req.route_path();
        let caps = match_path(self.path, path, opts)?;
        Some(Params::from_captures(&caps, base, path))
    }
}

impl<H: Handlers> Middleware for Route<H> {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        // Called as plain middleware (e.g. inside a `Mount`'s `handle`): the
        // route is a one-layer chain continuing into `next`.
        self.run_layer(req, res, &End, &next).await
    }

    async fn run_layer<R: Chain, K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        let Some(found) = self.matches(req) else { return rest.run_chain(req, res, after).await };
        let Some(method) = self.method_for(req).filter(|m| self.handlers.has(*m)) else {
            // The path matched, not the method: this route's methods go into
            // the automatic `OPTIONS` answer (or the `405`).
            self.handlers.each_method(&mut |m| req.allow_mut().add(m));
            if self.handlers.has(Method::Get) && !self.handlers.has(Method::Head) {
                req.allow_mut().add(Method::Head);
            }
            return rest.run_chain(req, res, after).await;
        };
        let params = match found {
            Ok(params) => params,
            Err(e) => return rest.fail_chain(e, req, res, after).await,
        };
        let outer = req.enter_params(params);
        let flow = match after.run_params(req, res).await {
            Ok(Flow::Next) => self.handlers.run(method, req, res).await,
            other => other,
        };
        req.restore_params(outer);
        match flow {
            Ok(Flow::Next | Flow::NextRoute) => rest.run_chain(req, res, after).await,
            Ok(Flow::Done) => Ok(()),
            Ok(Flow::NextRouter) => after.leave(req, res).await,
            Err(e) => rest.fail_chain(e, req, res, after).await,
        }
    }

    // A route has no error handlers: errors pass it by.
    fn fail_layer<R: Chain, K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        rest.fail_chain(err, req, res, after)
    }
}
