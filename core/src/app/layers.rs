//! The layers an app is built from: plain async closures, error closures,
//! mounts, and whole apps.

use core::future::Future;

use super::chain::{Chain, Continuation, End, Middleware, Next, Then};
use super::params::Params;
use super::pattern::{MatchOptions, match_path};
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
    /// `inner` mounted at `path` (what [`App::mount`](super::App::mount)
    /// adds), for code that builds layers itself.
    pub const fn new(path: &'static str, inner: M) -> Self {
        Self { path: MountPath::new(path), inner }
    }

    /// The offsets outside and inside the mount, and the parameters of a
    /// mount path that has some, if the request's path matches it.
    fn enter(&self, req: &Request<'_>) -> Option<Entered> {
        let (slash, rest) = req.unmatched_path();
        let settings = req.settings();
        let (matched, params) = if self.path.is_pattern() {
            let opts = MatchOptions { case_sensitive: settings.case_sensitive(), strict: false, prefix: true };
            let caps = match_path(self.path.as_str(), rest, opts).filter(|_| !slash)?;
            (caps.matched, Some(Params::from_captures(&caps, req.removed(), rest)))
        } else {
            (self.path.match_stripped(slash, rest, settings.case_sensitive())?, None)
        };
        Some((req.removed(), req.removed().saturating_add(matched), params))
    }
}

/// Where a mount was entered: the offsets outside and inside, and the
/// mount path's parameters (or the error of a malformed one).
type Entered = (usize, usize, Option<Result<Params, Error>>);

/// Puts back the parameters a mount replaced.
fn restore_params(req: &mut Request<'_>, outer: Option<Params>) {
    if let Some(params) = outer {
        req.restore_params(params);
    }
}

/// Sets a mount's parameters for the mounted middleware; returns those to
/// restore, or the `400` of a malformed escape.
fn enter_params(req: &mut Request<'_>, params: Option<Result<Params, Error>>) -> Result<Option<Params>, Error> {
    params.map(|p| p.map(|p| req.enter_params(p))).transpose()
}

impl<M: Middleware> Middleware for Mount<M> {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        let Some((outside, inside, params)) = self.enter(req) else { return next.run(req, res).await };
        let outer = enter_params(req, params)?;
        let unmounted = Unmounted { next: &next, outside, inside };
        req.set_removed(inside);
        let result = self.inner.handle(req, res, Next::new(&unmounted, next.called())).await;
        req.set_removed(outside);
        restore_params(req, outer);
        result
    }

    async fn handle_error<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        let Some((outside, inside, params)) = self.enter(req) else { return Err(err) };
        let outer = enter_params(req, params)?;
        let unmounted = Unmounted { next: &next, outside, inside };
        req.set_removed(inside);
        let result = self.inner.handle_error(err, req, res, Next::new(&unmounted, next.called())).await;
        req.set_removed(outside);
        restore_params(req, outer);
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
        let Some((outside, inside, params)) = self.enter(req) else { return rest.run_chain(req, res, after).await };
        let outer = match enter_params(req, params) {
            Ok(outer) => outer,
            Err(e) => return rest.fail_chain(e, req, res, after).await,
        };
        // The app's `param` callbacks run for a mount path's parameters too.
        if outer.is_some() {
            let flow = after.run_params(req, res).await;
            if !matches!(flow, Ok(Flow::Next)) {
                restore_params(req, outer);
                return match flow {
                    Ok(Flow::Done) => Ok(()),
                    Ok(Flow::NextRouter) => after.leave(req, res).await,
                    Ok(_) => rest.run_chain(req, res, after).await,
                    Err(e) => rest.fail_chain(e, req, res, after).await,
                };
            }
        }
        let then = Then::new(rest, after);
        let unmounted = Unmounted { next: &then, outside, inside };
        req.set_removed(inside);
        let result = self.inner.run_layer(req, res, &End, &unmounted).await;
        req.set_removed(outside);
        restore_params(req, outer);
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
        let Some((outside, inside, params)) = self.enter(req) else {
            return rest.fail_chain(err, req, res, after).await;
        };
        // A malformed parameter while an error is in flight: the first error wins.
        let outer = enter_params(req, params).ok().flatten();
        let then = Then::new(rest, after);
        let unmounted = Unmounted { next: &then, outside, inside };
        req.set_removed(inside);
        let result = self.inner.fail_layer(err, req, res, &End, &unmounted).await;
        req.set_removed(outside);
        restore_params(req, outer);
        result
    }
}
