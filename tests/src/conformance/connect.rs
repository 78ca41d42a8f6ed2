//! Connect apps of the conformance cases, built at run time with lamina's own
//! `App`, `Mount` and `Middleware`.
//!
//! lamina apps are statically typed cons lists; a case describes its app at
//! run time. So every app and sub-app here has the same fixed type,
//! [`App<Slots>`]: [`SLOTS`] layers, each a [`Mount`] of a runtime [`Slot`].
//! A layer without a path is mounted at `/`, which in Connect (and in
//! lamina) matches every request and strips nothing: Connect itself turns
//! `use(fn)` into a mount at `/`. Unused layers are [`Slot::Empty`], which
//! only calls `next`. Dispatch, mounts, URL stripping, error routing and the
//! final handler are lamina's; this module only supplies the behaviours.
//!
//! A sub-app is a [`Slot::SubApp`] holding an `App<Slots>`, run through
//! `App`'s own [`Middleware`] impl. Its continuation is type-erased first (a
//! `dyn` continuation with boxed futures): without that, each nesting level
//! would instantiate the middleware for a longer continuation type, without
//! end, and the recursive future would have no finite size.

use core::future::Future;
use core::pin::Pin;
use std::rc::Rc;

use serde_json::Value;

use lamina::Error;
use lamina::app::{App, Append, Chain, Continuation, End, Flow, Middleware, Mount, Next, Request, Response, Stack};

use super::behaviour::{Behaviour, Log, leak, parse_behaviour, proceed};
use super::{Case, Observed, exchange};

/// How many layers every app and sub-app has.
pub const SLOTS: usize = 12;

macro_rules! slots {
    () => { End };
    ($_x:tt $($rest:tt)*) => { Stack<Mount<Slot>, slots!($($rest)*)> };
}

/// The layer stack of every app built here: [`SLOTS`] mounted slots.
pub type Slots = slots!(x x x x x x x x x x x x);

/// One layer of a built app.
#[derive(Debug)]
pub enum Slot {
    /// An unused layer: `next()`.
    Empty,
    /// A vocabulary behaviour, with the request log it writes to.
    Behaviour(Behaviour, Log),
    /// A nested Connect app.
    SubApp(Box<App<Slots>>),
}

/// Runs a Connect case: builds its app, sends its request, returns what the
/// client read.
pub fn run(case: &Case) -> Result<Observed, String> {
    let log = Log::default();
    let app = build_root(&case.app, &log)?;
    exchange(&case.request, &app)
}

/// Builds the root app of a Connect case (`env` is its only setting).
pub fn build_root(desc: &Value, log: &Log) -> Result<App<Slots>, String> {
    if desc.get("framework").and_then(Value::as_str) != Some("connect") {
        return Err("not a connect app".into());
    }
    let mut production = false;
    if let Some(settings) = desc.get("settings") {
        let settings = settings.as_object().ok_or("settings are not an object")?;
        for (key, value) in settings {
            production = match (key.as_str(), value.as_str()) {
                ("env", Some("production")) => true,
                ("env", Some("development")) => false,
                _ => return Err(format!("connect setting {key}={value} is not in the vocabulary")),
            };
        }
    }
    Ok(build_stack(desc, log)?.production(production))
}

fn build_sub_app(desc: &Value, log: &Log) -> Result<App<Slots>, String> {
    if desc.get("kind").is_some_and(|k| k != "app") {
        return Err("connect sub-apps are of kind \"app\"".into());
    }
    if desc.get("settings").is_some() {
        return Err("connect sub-apps take no settings (env is the root's)".into());
    }
    build_stack(desc, log)
}

/// One layer per item of each `use` step, in order (Connect's `use` takes
/// one handler).
fn build_stack(desc: &Value, log: &Log) -> Result<App<Slots>, String> {
    let mut layers = Vec::new();
    let steps = match desc.get("stack") {
        None => &[][..],
        Some(steps) => steps.as_array().ok_or("the stack is not an array")?.as_slice(),
    };
    for step in steps {
        let path = match step.get("use") {
            None => return Err(format!("step {step}: only `use` steps exist in connect apps")),
            Some(Value::Null) => "/",
            Some(Value::String(path)) => leak(path),
            Some(other) => return Err(format!("connect mount paths are strings, not {other}")),
        };
        let items = step.get("mw").and_then(Value::as_array).ok_or_else(|| format!("step {step} without mw"))?;
        for item in items {
            let slot = match item {
                Value::String(behaviour) => Slot::Behaviour(parse_behaviour(behaviour, false)?, Rc::clone(log)),
                Value::Object(map) => match map.get("app") {
                    Some(sub) => Slot::SubApp(Box::new(build_sub_app(sub, log)?)),
                    None => return Err(format!("bad item {item}")),
                },
                _ => return Err(format!("bad item {item}")),
            };
            layers.push((path, slot));
        }
    }
    assemble(layers)
}

/// Mounts the layers, padded with empty ones, into an `App<Slots>`.
fn assemble(layers: Vec<(&'static str, Slot)>) -> Result<App<Slots>, String> {
    if layers.len() > SLOTS {
        return Err(format!("{} layers; the interpreter's apps have {SLOTS}", layers.len()));
    }
    let mut layers = layers.into_iter();
    let mut take = move || layers.next().unwrap_or(("/", Slot::Empty));
    macro_rules! mount_all {
        ($app:expr;) => { $app };
        ($app:expr; $_x:tt $($rest:tt)*) => {{
            let (path, slot) = take();
            mount_all!($app.mount(path, slot); $($rest)*)
        }};
    }
    Ok(mount_all!(App::new(); x x x x x x x x x x x x))
}

impl Middleware for Slot {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match self {
            Slot::Empty => next.run(req, res).await,
            Slot::Behaviour(behaviour, log) => proceed(behaviour.act(log, None, req, res).await, req, res, next).await,
            Slot::SubApp(app) => run_sub_app(&**app, req, res, next).await,
        }
    }

    async fn handle_error<K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match self {
            Slot::Behaviour(behaviour, log) => {
                proceed(behaviour.act(log, Some(err), req, res).await, req, res, next).await
            }
            // A Connect app is ordinary (3-argument) middleware: skipped while
            // there is an error, like lamina's default `handle_error`.
            Slot::Empty | Slot::SubApp(_) => Err(err),
        }
    }
}

type BoxFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;
type BoxFlow<'a> = Pin<Box<dyn Future<Output = Result<Flow, Error>> + 'a>>;

/// A [`Continuation`] behind `dyn`: its futures are boxed.
trait DynContinuation {
    fn run_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a>;
    fn fail_boxed<'a>(&'a self, err: Error, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a>;
    fn leave_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a>;
    fn params_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFlow<'a>;
}

impl<C: Continuation> DynContinuation for C {
    fn run_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a> {
        Box::pin(self.run(req, res))
    }

    fn fail_boxed<'a>(&'a self, err: Error, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a> {
        Box::pin(self.fail(err, req, res))
    }

    fn leave_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a> {
        Box::pin(self.leave(req, res))
    }

    fn params_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFlow<'a> {
        Box::pin(self.run_params(req, res))
    }
}

/// A type-erased continuation: one type whatever it stands for.
struct Erased<'a>(&'a dyn DynContinuation);

impl Continuation for Erased<'_> {
    async fn run(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        self.0.run_boxed(req, res).await
    }

    async fn fail(&self, err: Error, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        self.0.fail_boxed(err, req, res).await
    }

    async fn leave(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<(), Error> {
        self.0.leave_boxed(req, res).await
    }

    async fn run_params(&self, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<Flow, Error> {
        self.0.params_boxed(req, res).await
    }
}

/// Calls a sub-app through its own `Middleware` impl.
struct Call<'a, M>(&'a M);

impl<M: Middleware> Middleware for Call<'_, M> {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        self.0.handle(req, res, next).await
    }
}

/// Runs a sub-app as middleware, continuing into `next` (the parent's rest).
///
/// A `Next` can only be made by lamina's chain, so the sub-app is called from
/// a one-layer chain run with the erased continuation: that layer gets a
/// `Next` over (nothing, then `next`), and hands it to the sub-app. What the
/// sub-app does not answer continues into `next` (marking it called), and an
/// error it does not handle fails into `next`'s error mode, exactly as when
/// the sub-app is called with `next` directly.
pub(crate) async fn run_sub_app<M: Middleware, K: Continuation>(
    app: &M,
    req: &mut Request<'_>,
    res: &mut Response<'_>,
    next: Next<'_, K>,
) -> Result<(), Error> {
    let erased = Erased(&next);
    let trampoline = End.append(Call(app));
    let run: BoxFuture<'_> = Box::pin(trampoline.run_chain(req, res, &erased));
    run.await
}

/// The end of a sub-app run from a route handler: records whether the
/// sub-app fell through (`next()`) and passes errors out.
#[derive(Default)]
struct FellThrough(core::cell::Cell<bool>);

impl Continuation for FellThrough {
    async fn run(&self, _: &mut Request<'_>, _: &mut Response<'_>) -> Result<(), Error> {
        self.0.set(true);
        Ok(())
    }

    async fn fail(&self, err: Error, _: &mut Request<'_>, _: &mut Response<'_>) -> Result<(), Error> {
        Err(err)
    }
}

/// Runs a sub-app from a place that has no `Next` (a route handler):
/// `Ok(true)` when it fell through to what follows it.
pub(crate) async fn call_sub_app<M: Middleware>(
    app: &M,
    req: &mut Request<'_>,
    res: &mut Response<'_>,
) -> Result<bool, Error> {
    let end = FellThrough::default();
    let erased = Erased(&end);
    let trampoline = End.append(Call(app));
    let run: BoxFuture<'_> = Box::pin(trampoline.run_chain(req, res, &erased));
    run.await?;
    Ok(end.0.get())
}
