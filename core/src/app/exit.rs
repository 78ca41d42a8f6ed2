//! The end of an app's chain as its layers see it: where the request goes
//! when the app does not answer (the automatic `OPTIONS` answer or a `405`
//! first, then the app around it), what Express's `next('router')` leaves
//! to, and the app's `param` callbacks.

use core::future::Future;

use atomic_refcell::AtomicRefCell;

use super::chain::{Append, Chain, Continuation, End, Stack};
use super::params::Params;
use super::route::{AllowList, Method};
use super::settings::{Overlay, Settings};
use super::{Flow, MAX_PARAMS, Param, Request, Response};
use crate::Error;

/// What a request carries about the app it is in: its settings, the methods
/// of the routes whose path matched, and its parameters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AppState {
    pub(crate) settings: Settings,
    pub(crate) allow: AllowList,
    pub(crate) params: Params,
    /// The parameters from outside the app its routes merge with.
    pub(crate) base: Params,
}

impl AppState {
    /// The state inside an app with `overlay`, entered from `self`.
    pub(crate) fn enter(&self, overlay: &Overlay) -> Self {
        let base = if overlay.merge_params { self.params } else { Params::default() };
        Self { settings: overlay.apply(self.settings), allow: AllowList::default(), params: base, base }
    }
}

/// The parameters an app already handed to its `param` callbacks during
/// one request: name, range of the value in the request's target, and
/// whether the callbacks skipped the route (a repeat skips it again, as in
/// Express).
#[derive(Debug, Default)]
pub struct ParamsSeen(AtomicRefCell<[Option<Seen>; MAX_PARAMS]>);

#[derive(Clone, Copy, Debug)]
struct Seen {
    name: &'static str,
    start: usize,
    end: usize,
    skipped_route: bool,
}

/// The continuation after an app's chain.
pub(crate) struct AppExit<'a, C, K> {
    chain: &'a C,
    overlay: &'a Overlay,
    next: &'a K,
    outer: AppState,
    called: ParamsSeen,
}

impl<'a, C: Chain, K: Continuation> AppExit<'a, C, K> {
    pub(crate) fn new(chain: &'a C, overlay: &'a Overlay, next: &'a K, outer: AppState) -> Self {
        Self { chain, overlay, next, outer, called: ParamsSeen::default() }
    }

    /// Answers a request whose path matched routes of this app but not its
    /// method: `OPTIONS` gets the routes' methods (Express), another method
    /// a `405` if the app asks for it.
    async fn answer(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Option<Result<(), Error>> {
        let allow = req.app_state().allow;
        if allow.is_empty() || res.is_ended() {
            return None;
        }
        let mut buf = [0u8; 48];
        let methods = allow.write(&mut buf);
        if req.method() == Method::Options.as_str() {
            let sent = async {
                res.set_header("Allow", methods.as_bytes())?;
                res.send(methods).await
            };
            return Some(sent.await);
        }
        if self.overlay.method_not_allowed {
            if let Err(e) = res.set_header("Allow", methods.as_bytes()) {
                return Some(Err(e.into()));
            }
            return Some(Err(Error::new("Method Not Allowed").with_status(405)));
        }
        None
    }
}

impl<C: Chain, K: Continuation> Continuation for AppExit<'_, C, K> {
    async fn run(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        if let Some(answered) = self.answer(req, res).await {
            return answered;
        }
        let inner = req.app_state();
        req.set_app_state(self.outer);
        res.set_settings(self.outer.settings);
        let result = self.next.run(req, res).await;
        req.set_app_state(inner);
        res.set_settings(inner.settings);
        result
    }

    async fn fail(&self, err: Error, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        let inner = req.app_state();
        req.set_app_state(self.outer);
        res.set_settings(self.outer.settings);
        let result = self.next.fail(err, req, res).await;
        req.set_app_state(inner);
        res.set_settings(inner.settings);
        result
    }

    fn run_params(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> impl Future<Output = Result<Flow, Error>> {
        self.chain.run_params(req, res, &self.called)
    }
}

/// A `param` callback: the parameter's name and the closure.
#[derive(Clone, Copy, Debug)]
pub struct ParamFn<F> {
    pub(crate) name: &'static str,
    pub(crate) f: F,
}

/// An app's chain together with its `param` callbacks.
#[derive(Clone, Copy, Debug)]
pub struct WithParams<P, I> {
    params: P,
    inner: I,
}

impl<P, I> WithParams<P, I> {
    pub(crate) const fn new(params: P, inner: I) -> Self {
        Self { params, inner }
    }
}

/// The `param` callbacks of an app, in the order added.
pub trait ParamCallbacks {
    /// Runs the callbacks for `name`, in order, until one does not answer
    /// [`Flow::Next`].
    fn call(
        &self,
        name: &str,
        value: Param<'_>,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> impl Future<Output = Result<Flow, Error>>;
}

impl ParamCallbacks for End {
    fn call(
        &self,
        _: &str,
        _: Param<'_>,
        _: &mut Request<'_>,
        _: &mut Response<'_>,
    ) -> impl Future<Output = Result<Flow, Error>> {
        core::future::ready(Ok(Flow::Next))
    }
}

impl<F, R> ParamCallbacks for Stack<ParamFn<F>, R>
where
    F: AsyncFn(&mut Request<'_>, &mut Response<'_>, Param<'_>) -> Result<Flow, Error>,
    R: ParamCallbacks,
{
    async fn call(
        &self,
        name: &str,
        value: Param<'_>,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> Result<Flow, Error> {
        if self.layer.name == name {
            match (self.layer.f)(req, res, value).await? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        self.rest.call(name, value, req, res).await
    }
}

impl<P: ParamCallbacks, I: Chain> Chain for WithParams<P, I> {
    fn run_chain<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        self.inner.run_chain(req, res, after)
    }

    fn fail_chain<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        after: &K,
    ) -> impl Future<Output = Result<(), Error>> {
        self.inner.fail_chain(err, req, res, after)
    }

    async fn run_params(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        called: &ParamsSeen,
    ) -> Result<Flow, Error> {
        let params = req.app_state().params;
        for (name, start, end) in params.iter() {
            let value = Param::new(req.target_slice(start, end));
            let earlier =
                called.0.try_borrow().ok().and_then(|called| called.iter().flatten().find(|s| s.name == name).copied());
            match earlier {
                Some(s) if req.target_slice(s.start, s.end) == value.raw() => {
                    if s.skipped_route {
                        return Ok(Flow::NextRoute);
                    }
                    continue;
                }
                _ => {}
            }
            let flow = self.params.call(name, value, req, res).await?;
            if let Ok(mut called) = called.0.try_borrow_mut() {
                let seen = Seen { name, start, end, skipped_route: flow == Flow::NextRoute };
                if let Some(slot) = called.iter_mut().find(|c| c.is_none_or(|s| s.name == name)) {
                    *slot = Some(seen);
                }
            }
            if flow != Flow::Next {
                return Ok(flow);
            }
        }
        Ok(Flow::Next)
    }
}

/// Adds a `param` callback to a chain, at the type level.
pub trait AddParam<X> {
    /// The chain with the callback.
    type Output;
    /// Adds `callback`.
    fn add_param(self, callback: X) -> Self::Output;
}

impl<X> AddParam<X> for End {
    type Output = WithParams<Stack<X, End>, End>;
    fn add_param(self, callback: X) -> Self::Output {
        WithParams { params: End.append(callback), inner: self }
    }
}

impl<X, L, R> AddParam<X> for Stack<L, R> {
    type Output = WithParams<Stack<X, End>, Self>;
    fn add_param(self, callback: X) -> Self::Output {
        WithParams { params: End.append(callback), inner: self }
    }
}

impl<X, P: Append<X>, I> AddParam<X> for WithParams<P, I> {
    type Output = WithParams<P::Output, I>;
    fn add_param(self, callback: X) -> Self::Output {
        WithParams { params: self.params.append(callback), inner: self.inner }
    }
}

impl<M, P, I: Append<M>> Append<M> for WithParams<P, I> {
    type Output = WithParams<P, I::Output>;
    fn append(self, layer: M) -> Self::Output {
        WithParams { params: self.params, inner: self.inner.append(layer) }
    }
}
