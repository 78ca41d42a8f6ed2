//! The middleware chain: statically composed layers and their continuations.
//!
//! An app is a cons list `Stack<Layer, Rest>` ending in [`End`]. Running a
//! stack hands each layer a [`Next`]: the rest of its stack followed by the
//! continuation of whatever encloses the app (a parent app, or the final
//! handler). Nothing is boxed and no future is `dyn`: each app is one concrete
//! type, and its request future is one concrete (and, for `Send` layers,
//! `Send`) type.
//!
//! Error dispatch (Connect's): a layer that returns `Err` without having called
//! `next` sends the error down the rest of the chain in error mode, where only
//! error middleware run; one that returns `Err` after `next` ran passes it out
//! unchanged — everything after it has already had its turn.

use core::future::Future;
use core::sync::atomic::{AtomicBool, Ordering};

use super::exit::ParamsSeen;
use super::{Flow, Request, Response};
use crate::Error;

/// A middleware: Connect's `function (req, res, next)` and, through
/// [`handle_error`](Self::handle_error), its error-handling
/// `function (err, req, res, next)`.
///
/// ```
/// use lamina::app::{Continuation, Middleware, Next, Request, Response};
/// use lamina::Error;
///
/// /// Adds `X-Response-Time`-like bookkeeping around the rest of the chain.
/// struct Around;
///
/// impl Middleware for Around {
///     async fn handle<K: Continuation>(&self, req: &mut Request<'_>, res: &mut Response<'_>, next: Next<'_, K>) -> Result<(), Error> {
///         let result = next.run(req, res).await; // the onion: the rest runs here
///         result
///     }
/// }
/// ```
pub trait Middleware {
    /// Handles a request: respond, call `next.run(..)` (and act afterwards),
    /// or fail.
    fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> impl Future<Output = Result<(), Error>>;

    /// Handles an error raised before this layer. Ordinary middleware pass it
    /// on (the default); error middleware respond, return another error, or
    /// recover with `next.run(..)`.
    fn handle_error<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> impl Future<Output = Result<(), Error>> {
        let _ = (req, res, next);
        core::future::ready(Err(err))
    }

    /// Runs this layer at its place in a chain: [`handle`](Self::handle)
    /// with a [`Next`] over `rest` then `after`; if it failed without calling
    /// `next`, `rest` and `after` in error mode. The chain calls this, not
    /// `handle`.
    ///
    /// The default is right for every middleware. A layer that continues
    /// only as its last step (as [`FnLayer`](super::FnLayer) does) may
    /// override it to run the rest itself: that saves a level of future
    /// nesting per layer and the bookkeeping of whether `next` ran.
    ///
    /// ```
    /// use lamina::app::{Chain, Continuation, Middleware, Next, Request, Response};
    /// use lamina::Error;
    ///
    /// struct PoweredBy;
    ///
    /// impl Middleware for PoweredBy {
    ///     async fn handle<K: Continuation>(&self, req: &mut Request<'_>, res: &mut Response<'_>, next: Next<'_, K>) -> Result<(), Error> {
    ///         res.set_header("X-Powered-By", b"lamina")?;
    ///         next.run(req, res).await
    ///     }
    ///
    ///     async fn run_layer<R: Chain, K: Continuation>(&self, req: &mut Request<'_>, res: &mut Response<'_>, rest: &R, after: &K) -> Result<(), Error> {
    ///         match res.set_header("X-Powered-By", b"lamina") {
    ///             Ok(_) => rest.run_chain(req, res, after).await,
    ///             // Failing before `next`: the rest runs in error mode.
    ///             Err(e) => rest.fail_chain(e.into(), req, res, after).await,
    ///         }
    ///     }
    /// }
    /// ```
    fn run_layer<R: Chain, K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        async move {
            let then = Then { rest, after };
            let called = AtomicBool::new(false);
            match self.handle(req, res, Next::new(&then, &called)).await {
                Err(e) if !called.load(Ordering::Relaxed) => rest.fail_chain(e, req, res, after).await,
                done => done,
            }
        }
    }

    /// Runs this layer at its place in a chain while an error is in flight:
    /// [`handle_error`](Self::handle_error), then, if it failed without
    /// calling `next`, `rest` and `after` in error mode. Overridden, like
    /// [`run_layer`](Self::run_layer), only to save nesting: a layer that
    /// never handles errors may pass the error straight on.
    ///
    /// ```
    /// use lamina::app::{Chain, Continuation, Middleware, Next, Request, Response};
    /// use lamina::Error;
    ///
    /// struct Skip;
    ///
    /// impl Middleware for Skip {
    ///     async fn handle<K: Continuation>(&self, req: &mut Request<'_>, res: &mut Response<'_>, next: Next<'_, K>) -> Result<(), Error> {
    ///         next.run(req, res).await
    ///     }
    ///
    ///     fn fail_layer<R: Chain, K: Continuation>(&self, err: Error, req: &mut Request<'_>, res: &mut Response<'_>, rest: &R, after: &K) -> impl Future<Output = Result<(), Error>> {
    ///         rest.fail_chain(err, req, res, after)
    ///     }
    /// }
    /// ```
    fn fail_layer<R: Chain, K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        async move {
            let then = Then { rest, after };
            let called = AtomicBool::new(false);
            match self.handle_error(err, req, res, Next::new(&then, &called)).await {
                Err(e) if !called.load(Ordering::Relaxed) => rest.fail_chain(e, req, res, after).await,
                done => done,
            }
        }
    }
}

/// What comes after a layer: the rest of its chain, then whatever encloses it.
pub trait Continuation {
    /// Runs the rest normally.
    fn run(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<(), Error>>;
    /// Runs the rest in error mode: only error middleware take part.
    fn fail(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> impl Future<Output = Result<(), Error>>;

    /// Leaves the enclosing app or router: skips the rest of its chain and
    /// continues after it (Express's `next('router')`). A continuation that
    /// forwards to another must forward this too; the default, for the end
    /// of an app, is [`run`](Self::run).
    fn leave(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        self.run(req, res)
    }

    /// Runs the enclosing app's [`param`](super::App::param) callbacks for
    /// the parameters the request holds now, each once per request and
    /// value. Forwarded like [`leave`](Self::leave); the default has none.
    fn run_params(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<Flow, Error>> {
        let _ = (req, res);
        core::future::ready(Ok(Flow::Next))
    }
}

/// The rest of the chain, handed to a layer (Connect's `next`).
#[derive(Debug)]
pub struct Next<'a, K> {
    rest: &'a K,
    called: &'a AtomicBool,
}

impl<'a, K> Next<'a, K> {
    /// A `Next` over `rest` that records in `called` whether it ran.
    pub(crate) fn new(rest: &'a K, called: &'a AtomicBool) -> Self {
        Self { rest, called }
    }

    /// The flag this `Next` sets when it runs.
    pub(crate) fn called(&self) -> &'a AtomicBool {
        self.called
    }
}

/// A `Next` is itself a continuation (that marks itself called when run), so a
/// sub-app or a mount can hand it on as what follows them.
// These forwarders return the inner future itself rather than wrapping it in
// another `async` body: each wrapper would add a level of future nesting per
// layer, and rustc bounds how deep layout computation may go.
impl<K: Continuation> Continuation for Next<'_, K> {
    fn run(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        self.called.store(true, Ordering::Relaxed);
        self.rest.run(req, res)
    }

    fn fail(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> impl Future<Output = Result<(), Error>> {
        self.called.store(true, Ordering::Relaxed);
        self.rest.fail(err, req, res)
    }

    fn leave(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        self.called.store(true, Ordering::Relaxed);
        self.rest.leave(req, res)
    }

    fn run_params(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<Flow, Error>> {
        self.rest.run_params(req, res)
    }
}

impl<'a, K: Continuation> Next<'a, K> {
    /// Runs the rest of the chain (`next()`), and returns what it returned, so
    /// the caller can act afterwards.
    pub fn run<'f>(
        self,
        req: &'f mut Request<'_>,
        res: &'f mut Response<'_>,
    ) -> impl Future<Output = Result<(), Error>> + 'f
    where
        'a: 'f,
    {
        self.called.store(true, Ordering::Relaxed);
        self.rest.run(req, res)
    }

    /// Sends an error down the rest of the chain (`next(err)`); the same as
    /// returning `Err(err)` without calling `next`.
    pub fn fail<'f>(
        self,
        err: Error,
        req: &'f mut Request<'_>,
        res: &'f mut Response<'_>,
    ) -> impl Future<Output = Result<(), Error>> + 'f
    where
        'a: 'f,
    {
        self.called.store(true, Ordering::Relaxed);
        self.rest.fail(err, req, res)
    }
}

/// The end of a stack: nothing more in this app.
#[derive(Clone, Copy, Debug, Default)]
pub struct End;

/// A layer followed by the rest of its stack.
#[derive(Clone, Copy, Debug)]
pub struct Stack<L, R> {
    pub(crate) layer: L,
    pub(crate) rest: R,
}

/// A stack that can run before a continuation (`End` or `Stack`).
pub trait Chain {
    /// Runs the stack normally, then `after`.
    fn run_chain<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>>;

    /// Runs the stack in error mode, then `after` in error mode.
    fn fail_chain<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>>;

    /// Runs the `param` callbacks of the app this is the chain of, for the
    /// request's parameters not in `seen` yet. A plain stack has none.
    fn run_params(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        seen: &ParamsSeen,
    ) -> impl Future<Output = Result<Flow, Error>> {
        let _ = (req, res, seen);
        core::future::ready(Ok(Flow::Next))
    }
}

impl Chain for End {
    fn run_chain<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        after.run(req, res)
    }

    fn fail_chain<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        after.fail(err, req, res)
    }
}

/// The rest of a stack followed by the enclosing continuation.
pub(crate) struct Then<'a, R, K> {
    rest: &'a R,
    after: &'a K,
}

impl<'a, R, K> Then<'a, R, K> {
    /// `rest`, then `after`.
    pub(crate) fn new(rest: &'a R, after: &'a K) -> Self {
        Self { rest, after }
    }
}

impl<R: Chain, K: Continuation> Continuation for Then<'_, R, K> {
    fn run(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        self.rest.run_chain(req, res, self.after)
    }

    fn fail(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> impl Future<Output = Result<(), Error>> {
        self.rest.fail_chain(err, req, res, self.after)
    }

    fn leave(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        self.after.leave(req, res)
    }

    fn run_params(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<Flow, Error>> {
        self.after.run_params(req, res)
    }
}

impl<L: Middleware, R: Chain> Chain for Stack<L, R> {
    fn run_chain<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        self.layer.run_layer(req, res, &self.rest, after)
    }

    fn fail_chain<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        self.layer.fail_layer(err, req, res, &self.rest, after)
    }
}

/// The continuation after a whole app: nothing, so the caller (the final
/// handler) decides.
#[derive(Clone, Copy, Debug, Default)]
pub struct Done;

impl Continuation for Done {
    fn run(&self, _: &mut Request<'_>, _: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        core::future::ready(Ok(()))
    }

    fn fail(&self, err: Error, _: &mut Request<'_>, _: &mut Response<'_>) -> impl Future<Output = Result<(), Error>> {
        core::future::ready(Err(err))
    }
}

/// Appends a layer at the end of a stack, at the type level.
pub trait Append<M> {
    /// The longer stack.
    type Output;
    /// Appends `layer`.
    fn append(self, layer: M) -> Self::Output;
}

impl<M> Append<M> for End {
    type Output = Stack<M, End>;
    fn append(self, layer: M) -> Self::Output {
        Stack { layer, rest: End }
    }
}

impl<L, R: Append<M>, M> Append<M> for Stack<L, R> {
    type Output = Stack<L, R::Output>;
    fn append(self, layer: M) -> Self::Output {
        Stack { layer: self.layer, rest: self.rest.append(layer) }
    }
}

#[cfg(test)]
mod tests {
    use core::pin::Pin;
    use core::task::{Context, Poll};

    use super::*;
    use crate::app::{App, Flow};
    use crate::h1::Config;

    /// Pending once, as a future waiting on IO would be.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// Awaits before and after the rest of the chain, holding `next` across
    /// the first await.
    struct Slow;

    impl Middleware for Slow {
        async fn handle<K: Continuation>(
            &self,
            req: &mut Request<'_>,
            res: &mut Response<'_>,
            next: Next<'_, K>,
        ) -> Result<(), Error> {
            YieldOnce(false).await;
            let result = next.run(req, res).await;
            YieldOnce(false).await;
            result
        }
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn dispatch_futures_that_await_are_send() {
        let blog = App::new().with(Slow).with_fn(async |_req, res| {
            YieldOnce(false).await;
            res.end(b"post").await?;
            Ok(Flow::Done)
        });
        let app = App::new()
            .with_fn(async |_req, _res| {
                YieldOnce(false).await;
                Ok(Flow::Next)
            })
            .with(Slow)
            .mount("/blog", blog)
            .catch(async |err: Error, _req, _res| {
                YieldOnce(false).await;
                Err(err)
            });
        // (Edited by the driver's author: `Request`/`Response` now come from
        // the connection driver, so the whole connection future is checked.)
        let mut out = [0u8; 512];
        let mut io = crate::serve::memory::MemoryIo::new(b"GET /blog/1 HTTP/1.1\r\nHost: a\r\n\r\n", &mut out);
        let clock = crate::serve::memory::VirtualClock::new();
        let mut bufs = crate::serve::ConnectionBuffers::<512, 512, 256>::new();
        {
            let serve = crate::serve::serve(&mut io, &clock, &app, bufs.buffers(), Config::new());
            assert_send(&serve);
            let mut serve = core::pin::pin!(serve);
            let mut cx = Context::from_waker(core::task::Waker::noop());
            while serve.as_mut().poll(&mut cx).is_pending() {}
        }
        assert!(io.written().ends_with(b"\r\n\r\npost"));
    }
}
