//! The layers an app is built from: plain async closures, error closures,
//! mounts, and whole apps.

use core::future::Future;

use super::chain::{Chain, Continuation, End, Middleware, Next, Then};
use super::{MountPath, Request, Response};
use crate::Error;

/// What a closure middleware or route handler decides.
///
/// ```
/// use lamina::app::Flow;
/// assert_ne!(Flow::Next, Flow::Done);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Continue with the next layer, or the route's next handler (Connect's
    /// `next()`).
    Next,
    /// The response is handled; stop here.
    Done,
    /// Skip the rest of this route's handlers and try the next route
    /// (Express's `next('route')`); elsewhere the same as [`Next`](Self::Next).
    NextRoute,
    /// Leave the enclosing app or router: the rest of its chain is skipped
    /// (Express's `next('router')`; in the root app, the `404` page).
    NextRouter,
}

/// An `async` closure as middleware: it does its work and says whether to
/// continue. Made by [`App::with_fn`](super::App::with_fn).
#[derive(Clone, Copy, Debug)]
pub struct FnLayer<F>(pub(crate) F);

impl<F> Middleware for FnLayer<F>
where
    F: AsyncFn(&mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
{
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match (self.0)(req, res).await? {
            Flow::Next | Flow::NextRoute => next.run(req, res).await,
            Flow::NextRouter => next.leave(req, res).await,
            Flow::Done => Ok(()),
        }
    }

    // A closure is done before the rest runs: the rest is a tail call, so the
    // chain needs no wrapper that watches whether `next` ran, and in error
    // mode the closure only passes the error on.
    async fn run_layer<R: Chain, K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        match (self.0)(req, res).await {
            Ok(Flow::Next | Flow::NextRoute) => rest.run_chain(req, res, after).await,
            Ok(Flow::NextRouter) => after.leave(req, res).await,
            Ok(Flow::Done) => Ok(()),
            Err(e) => rest.fail_chain(e, req, res, after).await,
        }
    }

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

/// An `async` closure as error middleware (Connect's 4-argument function): it
/// runs only when an error reached it; `Ok(Flow::Done)` handled it,
/// `Ok(Flow::Next)` recovers to the normal chain, `Err` passes an error on.
/// Made by [`App::catch`](super::App::catch).
#[derive(Clone, Copy, Debug)]
pub struct ErrorFnLayer<F>(pub(crate) F);

impl<F> Middleware for ErrorFnLayer<F>
where
    F: AsyncFn(Error, &mut Request<'_>, &mut Response<'_>) -> Result<Flow, Error>,
{
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        next.run(req, res).await
    }

    async fn handle_error<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match (self.0)(err, req, res).await? {
            Flow::Next | Flow::NextRoute => next.run(req, res).await,
            Flow::NextRouter => next.leave(req, res).await,
            Flow::Done => Ok(()),
        }
    }

    // Like `FnLayer`: the rest is a tail call.
    fn run_layer<R: Chain, K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        rest.run_chain(req, res, after)
    }

    async fn fail_layer<R: Chain, K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        match (self.0)(err, req, res).await {
            Ok(Flow::Next | Flow::NextRoute) => rest.run_chain(req, res, after).await,
            Ok(Flow::NextRouter) => after.leave(req, res).await,
            Ok(Flow::Done) => Ok(()),
            Err(e) => rest.fail_chain(e, req, res, after).await,
        }
    }
}

/// A middleware mounted at a path. Made by [`App::mount`](super::App::mount).
#[derive(Clone, Copy, Debug)]
pub struct Mount<M> {
    pub(crate) path: MountPath,
    pub(crate) inner: M,
}

/// The continuation after a mounted middleware: the URL goes back to what the
/// layers outside the mount saw, and is stripped again when control returns.
struct Unmounted<'a, K> {
    next: &'a K,
    outside: usize,
    inside: usize,
}

impl<K: Continuation> Continuation for Unmounted<'_, K> {
    async fn run(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        req.set_removed(self.outside);
        let result = self.next.run(req, res).await;
        req.set_removed(self.inside);
        result
    }

    async fn fail(&self, err: Error, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        req.set_removed(self.outside);
        let result = self.next.fail(err, req, res).await;
        req.set_removed(self.inside);
        result
    }

    async fn leave(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        req.set_removed(self.outside);
        let result = self.next.leave(req, res).await;
        req.set_removed(self.inside);
        result
    }

    fn run_params(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<Flow, Error>> {
        self.next.run_params(req, res)
    }
}

impl<M> Mount<M> {
    /// The offset inside the mount, if the request's path matches it.
    fn enter(&self, req: &Request<'_>) -> Option<(usize, usize)> {
        let (slash, rest) = req.unmatched_path();
        let matched = self.path.match_stripped(slash, rest)?;
        Some((req.removed(), req.removed().saturating_add(matched)))
    }
}

impl<M: Middleware> Middleware for Mount<M> {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        let Some((outside, inside)) = self.enter(req) else { return next.run(req, res).await };
        let unmounted = Unmounted { next: &next, outside, inside };
        req.set_removed(inside);
        let result = self.inner.handle(req, res, Next::new(&unmounted, next.called())).await;
        req.set_removed(outside);
        result
    }

    async fn handle_error<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        let Some((outside, inside)) = self.enter(req) else { return Err(err) };
        let unmounted = Unmounted { next: &next, outside, inside };
        req.set_removed(inside);
        let result = self.inner.handle_error(err, req, res, Next::new(&unmounted, next.called())).await;
        req.set_removed(outside);
        result
    }

    // The inner layer runs in the chain's place (its own `run_layer`), so a
    // mount adds one level of nesting, not two.
    async fn run_layer<R: Chain, K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        let Some((outside, inside)) = self.enter(req) else { return rest.run_chain(req, res, after).await };
        let then = Then::new(rest, after);
        let unmounted = Unmounted { next: &then, outside, inside };
        req.set_removed(inside);
        let result = self.inner.run_layer(req, res, &End, &unmounted).await;
        req.set_removed(outside);
        result
    }

    async fn fail_layer<R: Chain, K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        let Some((outside, inside)) = self.enter(req) else { return rest.fail_chain(err, req, res, after).await };
        let then = Then::new(rest, after);
        let unmounted = Unmounted { next: &then, outside, inside };
        req.set_removed(inside);
        let result = self.inner.fail_layer(err, req, res, &End, &unmounted).await;
        req.set_removed(outside);
        result
    }
}
