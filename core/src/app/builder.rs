//! [`App`]: the builder of a middleware stack, and the request dispatch that
//! ends in the final handler.

use core::any::Any;
use core::marker::PhantomData;

use super::chain::{Append, Chain, Continuation, Done, End, Middleware, Next, Stack};
use super::exit::{AddParam, AppExit, AppState, ParamCallbacks, ParamFn, WithParams};
use super::layers::{ErrorFnLayer, Flow, FnLayer, Mount};
use super::route::{Handlers, Method, On, Route};
use super::settings::{ETag, Overlay};
use super::{FINAL_PAGE_HEADERS, FinalPage, MountPath, Param, Request, Response};
use crate::Error;
use crate::http::proxy::TrustProxy;

/// An app: an ordered stack of middleware, built once at startup (Connect's
/// `connect()`). Each builder call returns a new concrete type; nothing is
/// boxed. An `App` is itself middleware, so apps mount inside apps.
///
/// | Connect | lamina |
/// |---|---|
/// | `app.use(fn)` | [`with`](Self::with) (a [`Middleware`]) or [`with_fn`](Self::with_fn) (a closure) |
/// | `app.use('/foo', fn)` | [`mount`](Self::mount) / [`mount_fn`](Self::mount_fn) |
/// | `app.use(function (err, req, res, next) {})` | [`catch`](Self::catch) |
///
/// ```
/// use lamina::app::{App, Flow};
/// use lamina::Error;
///
/// let blog = App::new().with_fn(async |_req, res| {
///     res.send("a blog post").await?;
///     Ok(Flow::Done)
/// });
/// let app = App::new()
///     .with_fn(async |_req, res| {
///         res.set_header("X-Powered-By", b"lamina")?;
///         Ok(Flow::Next)
///     })
///     .mount("/blog", blog)
///     .catch(async |err: Error, _req, res| {
///         res.set_status(err.status()).send(err.message()).await?;
///         Ok(Flow::Done)
///     });
/// let out = lamina::serve::memory::exchange(&app, b"GET /blog/1 HTTP/1.1\r\nHost: a\r\n\r\n");
/// assert!(out.starts_with(b"HTTP/1.1 200 OK\r\nX-Powered-By: lamina\r\n"));
/// assert!(out.ends_with(b"\r\n\r\na blog post"));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct App<C = End, L = ()> {
    chain: C,
    overlay: Overlay,
    locals: PhantomData<fn() -> L>,
}

impl App<End> {
    /// An empty app: every request ends in the final handler's 404.
    /// Mounted in another app, it keeps its own settings' defaults (as an
    /// Express sub-app does); see [`router`](Self::router).
    pub const fn new() -> Self {
        Self { chain: End, overlay: Overlay::APP, locals: PhantomData }
    }

    /// An empty router (Express's `express.Router()`): an app that takes the
    /// settings of the app it is mounted in, but for its own routing options
    /// ([`case_sensitive`](Self::case_sensitive), [`strict`](Self::strict),
    /// [`merge_params`](Self::merge_params)).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    ///
    /// let users = App::router()
    ///     .get("/", async |_req, res| { res.send("all users").await?; Ok(Flow::Done) })
    ///     .get("/:id", async |req, res| {
    ///         let id: u32 = req.param("id").unwrap().parse()?;
    ///         res.send(std::format!("user {id}").as_str()).await?;
    ///         Ok(Flow::Done)
    ///     });
    /// let app = App::new().mount("/users", users);
    /// let out = lamina::serve::memory::exchange(&app, b"GET /users/7 HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nuser 7"));
    /// ```
    #[doc(alias = "Router")]
    pub const fn router() -> Self {
        Self { chain: End, overlay: Overlay::ROUTER, locals: PhantomData }
    }
}

macro_rules! route_fns {
    ($($(#[$doc:meta])* $name:ident => $method:ident,)*) => {$(
        $(#[$doc])*
        pub fn $name<F>(self, path: &'static str, f: F) -> App<C::Output, L>
        where
            F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
            C: Append<Route<Stack<On<F>, End>>>,
        {
            self.with(Route::new(path).on(Method::$method, f))
        }
    )*};
}

impl<C, L> App<C, L> {
    /// Gives every request a fresh `L::default()` as its per-request data
    /// (Connect's `req.user = ...`, Express's `res.locals`): a middleware
    /// sets it with [`Request::locals`], later ones read it. It lives in the
    /// connection's future — no allocation. Only the root app's type counts.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    ///
    /// #[derive(Default)]
    /// struct Locals {
    ///     user: Option<&'static str>,
    /// }
    ///
    /// let app = App::new()
    ///     .with_locals::<Locals>()
    ///     .with_fn(async |req, _res| {
    ///         req.locals::<Locals>()?.user = Some("tj");
    ///         Ok(Flow::Next)
    ///     })
    ///     .with_fn(async |req, res| {
    ///         let user = req.locals::<Locals>()?.user;
    ///         res.send(user.unwrap_or("nobody")).await?;
    ///         Ok(Flow::Done)
    ///     });
    /// let out = lamina::serve::memory::exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\ntj"));
    /// ```
    pub fn with_locals<L2: Locals>(self) -> App<C, L2> {
        App { chain: self.chain, overlay: self.overlay, locals: PhantomData }
    }

    /// Adds a middleware for every request.
    pub fn with<M: Middleware>(self, middleware: M) -> App<C::Output, L>
    where
        C: Append<M>,
    {
        App { chain: self.chain.append(middleware), overlay: self.overlay, locals: PhantomData }
    }

    /// Adds an `async` closure for every request; it returns [`Flow::Next`] to
    /// continue or [`Flow::Done`] when it answered.
    pub fn with_fn<F>(self, f: F) -> App<C::Output, L>
    where
        F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
        C: Append<FnLayer<F>>,
    {
        self.with(FnLayer(f))
    }

    /// Mounts a middleware (or a whole app) at `path`: it sees only requests
    /// under `path`, with `path` removed from their URL.
    pub fn mount<M: Middleware>(self, path: &'static str, middleware: M) -> App<C::Output, L>
    where
        C: Append<Mount<M>>,
    {
        self.with(Mount { path: MountPath::new(path), inner: middleware })
    }

    /// Mounts an `async` closure at `path`.
    pub fn mount_fn<F>(self, path: &'static str, f: F) -> App<C::Output, L>
    where
        F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
        C: Append<Mount<FnLayer<F>>>,
    {
        self.mount(path, FnLayer(f))
    }

    /// Adds error middleware: an `async` closure that runs when an error from
    /// an earlier layer reaches it.
    pub fn catch<F>(self, f: F) -> App<C::Output, L>
    where
        F: AsyncFn(Error, &mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
        C: Append<ErrorFnLayer<F>>,
    {
        self.with(ErrorFnLayer(f))
    }

    /// Adds a route: `path` (a pattern: `:name`, `:name?`, `*`) and its
    /// handlers per method, built by `build` (Express's `app.route(path)`).
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    ///
    /// let app = App::new().route("/book", |r| {
    ///     r.get(async |_req, res| { res.send("a book").await?; Ok(Flow::Done) })
    ///         .post(async |_req, res| { res.send("added").await?; Ok(Flow::Done) })
    /// });
    /// let out = lamina::serve::memory::exchange(&app, b"POST /book HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.ends_with(b"added"));
    /// ```
    pub fn route<H>(self, path: &'static str, build: impl FnOnce(Route) -> Route<H>) -> App<C::Output, L>
    where
        H: Handlers,
        C: Append<Route<H>>,
    {
        self.with(build(Route::new(path)))
    }

    route_fns! {
        /// Adds a route answering `GET` (and `HEAD`, without a body) at `path`.
        get => Get,
        /// Adds a route answering `POST` at `path`.
        post => Post,
        /// Adds a route answering `PUT` at `path`.
        put => Put,
        /// Adds a route answering `DELETE` at `path`.
        delete => Delete,
        /// Adds a route answering `PATCH` at `path`.
        patch => Patch,
        /// Adds a route answering `OPTIONS` at `path`.
        options => Options,
        /// Adds a route answering `HEAD` at `path`.
        head => Head,
        /// Adds a route answering every method at `path`.
        all => All,
    }

    /// Runs `f` before the handlers of any route of this app that captured a
    /// parameter `name`, once per request and value (Express's
    /// `app.param(name, fn)`). `f` may answer, fail, or skip the route with
    /// [`Flow::NextRoute`].
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    ///
    /// let app = App::new()
    ///     .param("id", async |req, _res, id| {
    ///         if id == "0" { return Err(lamina::Error::new("no such user").with_status(404)); }
    ///         let _ = req;
    ///         Ok(Flow::Next)
    ///     })
    ///     .get("/user/:id", async |req, res| { res.send(req.param("id").unwrap().raw()).await?; Ok(Flow::Done) });
    /// let out = lamina::serve::memory::exchange(&app, b"GET /user/0 HTTP/1.1\r\nHost: a\r\n\r\n");
    /// assert!(out.starts_with(b"HTTP/1.1 404"));
    /// ```
    pub fn param<F>(self, name: &'static str, f: F) -> App<C::Output, L>
    where
        F: AsyncFn(&mut Request<'_>, &mut Response<'_>, Param<'_>) -> Result<Flow, Error>,
        C: AddParam<ParamFn<F>>,
    {
        App { chain: self.chain.add_param(ParamFn { name, f }), overlay: self.overlay, locals: PhantomData }
    }

    /// Gives the app `param` callbacks of any [`ParamCallbacks`] type: a
    /// dispatch of your own instead of closures added with
    /// [`param`](Self::param) one by one. Call it once, before `param`.
    pub fn with_param_callbacks<P: ParamCallbacks>(self, callbacks: P) -> App<WithParams<P, C>, L> {
        App { chain: WithParams::new(callbacks, self.chain), overlay: self.overlay, locals: PhantomData }
    }

    /// Production mode (Express's `env` = `production`): error pages show
    /// only the status's reason phrase, not the error's message. Only the
    /// root app's setting counts.
    pub fn production(mut self, production: bool) -> Self {
        self.overlay.production = Some(production);
        self
    }

    /// Case-sensitive routing: routes and mounts compare paths exactly
    /// (`/Foo` is not `/foo`). Off by default.
    pub fn case_sensitive(mut self, on: bool) -> Self {
        self.overlay.case_sensitive = on;
        self
    }

    /// Strict routing: a route path's trailing slash is significant
    /// (`/foo/` is not `/foo`). Off by default.
    pub fn strict(mut self, on: bool) -> Self {
        self.overlay.strict = on;
        self
    }

    /// Routes see the parameters of the routes and mounts around this app,
    /// under their own (Express's router option `mergeParams`).
    pub fn merge_params(mut self, on: bool) -> Self {
        self.overlay.merge_params = on;
        self
    }

    /// How `send` tags bodies with an `ETag` (Express's `etag` setting).
    pub fn etag(mut self, etag: ETag) -> Self {
        self.overlay.etag = Some(etag);
        self
    }

    /// How many dot-separated parts at the end of the host name are not
    /// subdomains (Express's `subdomain offset`, default 2).
    pub fn subdomain_offset(mut self, offset: u8) -> Self {
        self.overlay.subdomain_offset = Some(offset);
        self
    }

    /// Which addresses are trusted to forward requests (Express's `trust
    /// proxy`, default [`TrustProxy::None`]): the peers whose
    /// `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` count
    /// for [`Request::ip`], [`Request::protocol`] and
    /// [`Request::hostname`]. Mounted apps and routers inherit it unless
    /// they set their own.
    ///
    /// ```
    /// use lamina::app::{App, Flow};
    /// use lamina::http::proxy::{IpNet, TrustProxy};
    ///
    /// let app = App::new().trust_proxy(TrustProxy::List(&IpNet::LOOPBACK)).with_fn(async |req, res| {
    ///     res.end(std::format!("{:?}", req.ip()).as_bytes()).await?;
    ///     Ok(Flow::Done)
    /// });
    /// let out = lamina::serve::memory::exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
    /// assert!(out.ends_with(b"\r\n\r\nSome(203.0.113.7)"));
    /// ```
    pub fn trust_proxy(mut self, trust: TrustProxy) -> Self {
        self.overlay.trust_proxy = Some(trust);
        self
    }

    /// Sends `X-Powered-By: lamina` (Express sends its own by default;
    /// lamina does not).
    pub fn powered_by(mut self, on: bool) -> Self {
        self.overlay.powered_by = on;
        self
    }

    /// Answers a request whose path matched a route of this app but whose
    /// method did not with `405 Method Not Allowed` and an `Allow` header,
    /// instead of going on (Express never did; off by default).
    pub fn method_not_allowed(mut self, on: bool) -> Self {
        self.overlay.method_not_allowed = on;
        self
    }
}

impl<C: Chain, L> Middleware for App<C, L> {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        let outer = req.app_state();
        self.enter(req, res, outer);
        let exit = AppExit::new(&self.chain, &self.overlay, &next, outer);
        let result = self.chain.run_chain(req, res, &exit).await;
        req.set_app_state(outer);
        res.set_settings(outer.settings);
        result
    }
}

/// The per-request data of an app: any `Default`, thread-safe, owned type.
/// See [`App::with_locals`].
pub trait Locals: Any + Default + Send + Sync {}

impl<T: Any + Default + Send + Sync> Locals for T {}

/// How a dispatched request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A layer answered.
    Answered,
    /// Nothing answered: the final handler wrote the 404 page.
    NotFound,
    /// An error reached the end: the final handler wrote its page.
    Failed(Error),
    /// An error reached the end after the response was ended: the connection
    /// must be closed (finalhandler destroys the socket).
    Abort(Error),
}

impl<C: Chain, L> App<C, L> {
    /// Runs a request through the app and, if nothing answered, the final
    /// handler (finalhandler's 404 and error pages).
    pub async fn dispatch(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Outcome {
        let outer = req.app_state();
        self.enter(req, res, outer);
        let exit = AppExit::new(&self.chain, &self.overlay, &Done, outer);
        let result = self.chain.run_chain(req, res, &exit).await;
        let production = req.settings().production;
        req.set_app_state(outer);
        res.set_settings(outer.settings);
        match result {
            Ok(()) if res.is_ended() => Outcome::Answered,
            Ok(()) => {
                let page = FinalPage::not_found(req.method(), req.original_path());
                write_page(res, &page, None).await;
                Outcome::NotFound
            }
            Err(e) if res.is_ended() || res.headers_sent() => Outcome::Abort(e),
            Err(e) => {
                let page = FinalPage::error(&e, res.status(), !production);
                write_page(res, &page, FinalPage::uses_error_headers(&e).then_some(&e)).await;
                Outcome::Failed(e)
            }
        }
    }
}

impl<C, L> App<C, L> {
    /// Enters the app: its settings for the request and the response, and
    /// `X-Powered-By` if asked for.
    fn enter(&self, req: &mut Request<'_>, res: &mut Response<'_>, outer: AppState) {
        let inner = outer.enter(&self.overlay);
        req.set_app_state(inner);
        res.set_settings(inner.settings);
        if self.overlay.powered_by {
            let _ = res.set_header("X-Powered-By", b"lamina");
        }
    }
}

/// Writes a final page as the response. A page that cannot be written (the
/// connection failed meanwhile) is left: the driver closes the connection.
async fn write_page(res: &mut Response<'_>, page: &FinalPage<'_>, error: Option<&Error>) {
    res.set_status(page.status());
    // The page replaces whatever content the response described (finalhandler).
    for name in ["Content-Encoding", "Content-Language", "Content-Range"] {
        res.remove_header(name);
    }
    for (name, value) in error.into_iter().flat_map(Error::headers).chain(FINAL_PAGE_HEADERS) {
        let _ = res.set_header(name, value.as_bytes());
    }
    // Its length is known, so a page larger than the buffer is not chunked.
    res.declare_length(page.body_len() as u64);
    if res.write_display(page).await.is_ok() {
        let _ = res.end(b"").await;
    }
}
