//! [`App`]: the builder of a middleware stack, and the request dispatch that
//! ends in the final handler.

use core::any::Any;
use core::marker::PhantomData;

use super::chain::{Append, Chain, Continuation, Done, End, Middleware, Next};
use super::layers::{ErrorFnLayer, Flow, FnLayer, Mount, run_as_middleware};
use super::{FINAL_PAGE_HEADERS, FinalPage, MountPath, Request, Response};
use crate::Error;

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
    production: bool,
    locals: PhantomData<fn() -> L>,
}

impl App<End> {
    /// An empty app: every request ends in the final handler's 404.
    pub const fn new() -> Self {
        Self { chain: End, production: false, locals: PhantomData }
    }
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
        App { chain: self.chain, production: self.production, locals: PhantomData }
    }

    /// Adds a middleware for every request.
    pub fn with<M: Middleware>(self, middleware: M) -> App<C::Output, L>
    where
        C: Append<M>,
    {
        App { chain: self.chain.append(middleware), production: self.production, locals: PhantomData }
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

    /// Production mode: error pages show only the status's reason phrase, not
    /// the error's message. (Only the root app's setting counts.)
    pub fn production(mut self, production: bool) -> Self {
        self.production = production;
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
        run_as_middleware(&self.chain, req, res, next).await
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
        match self.chain.run_chain(req, res, &Done).await {
            Ok(()) if res.is_ended() => Outcome::Answered,
            Ok(()) => {
                let page = FinalPage::not_found(req.method(), req.original_path());
                write_page(res, &page, None).await;
                Outcome::NotFound
            }
            Err(e) if res.is_ended() || res.headers_sent() => Outcome::Abort(e),
            Err(e) => {
                let page = FinalPage::error(&e, res.status(), !self.production);
                write_page(res, &page, FinalPage::uses_error_headers(&e).then_some(&e)).await;
                Outcome::Failed(e)
            }
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
