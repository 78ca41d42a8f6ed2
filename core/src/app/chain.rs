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

use core::cell::Cell;
use core::future::Future;

use super::{Request, Response};
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
}

/// The rest of the chain, handed to a layer (Connect's `next`).
#[derive(Debug)]
pub struct Next<'a, K> {
    rest: &'a K,
    called: &'a Cell<bool>,
}

impl<'a, K> Next<'a, K> {
    /// A `Next` over `rest` that records in `called` whether it ran.
    pub(crate) fn new(rest: &'a K, called: &'a Cell<bool>) -> Self {
        Self { rest, called }
    }

    /// The flag this `Next` sets when it runs.
    pub(crate) fn called(&self) -> &'a Cell<bool> {
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
        self.called.set(true);
        self.rest.run(req, res)
    }

    fn fail(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> impl Future<Output = Result<(), Error>> {
        self.called.set(true);
        self.rest.fail(err, req, res)
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
        self.called.set(true);
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
        self.called.set(true);
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
struct Then<'a, R, K> {
    rest: &'a R,
    after: &'a K,
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
}

impl<L: Middleware, R: Chain> Chain for Stack<L, R> {
    async fn run_chain<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> Result<(), Error> {
        let then = Then { rest: &self.rest, after };
        let called = Cell::new(false);
        match self.layer.handle(req, res, Next { rest: &then, called: &called }).await {
            Err(e) if !called.get() => then.fail(e, req, res).await,
            done => done,
        }
    }

    async fn fail_chain<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> Result<(), Error> {
        let then = Then { rest: &self.rest, after };
        let called = Cell::new(false);
        match self.layer.handle_error(err, req, res, Next { rest: &then, called: &called }).await {
            Err(e) if !called.get() => then.fail(e, req, res).await,
            done => done,
        }
    }
}

/// The continuation after a whole app: nothing, so the caller (the final
/// handler) decides.
#[derive(Clone, Copy, Debug, Default)]
pub struct Done;

impl Continuation for Done {
    async fn run(&self, _: &mut Request<'_>, _: &mut Response<'_>) -> Result<(), Error> {
        Ok(())
    }

    async fn fail(&self, err: Error, _: &mut Request<'_>, _: &mut Response<'_>) -> Result<(), Error> {
        Err(err)
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
