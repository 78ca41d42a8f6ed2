//! Express apps of the conformance cases, built at run time with lamina's
//! `App`, `Mount`, `Route` and `param` callbacks.
//!
//! As in [`super::connect`], every app and router has one fixed type,
//! [`ExpressApp`]: [`SLOTS`] layers, each a [`Layer`] — unused, a `use`
//! (a [`Mount`] of a behaviour or a sub-app), or a route (a [`Route`] whose
//! handlers are the step's behaviours, run by [`RouteSteps`], lamina's
//! [`Handlers`] for a run-time list) — and the app's `param` steps
//! ([`ParamSteps`], lamina's [`ParamCallbacks`] for a run-time list).
//! Routing, params, mounts, settings, error dispatch and the final handler
//! are lamina's; this module only supplies the behaviours.

use std::rc::Rc;

use serde_json::Value;

use lamina::Error;
use lamina::app::{
    App, Chain, Continuation, ETag, End, Flow, Handlers, Method, Middleware, Mount, Next, Param, ParamCallbacks,
    Request, Response, Route, Stack, WithParams,
};
use lamina::http::proxy::{IpNet, TrustProxy};

use super::behaviour::{Act, Behaviour, Log, leak, parse_behaviour, proceed};
use super::connect::{call_sub_app, run_sub_app};
use super::{Case, Observed, exchange};

/// How many layers every app and router has.
pub const SLOTS: usize = 12;

macro_rules! slots {
    () => { End };
    ($_x:tt $($rest:tt)*) => { Stack<Layer, slots!($($rest)*)> };
}

/// The layers of every app built here.
pub type Layers = slots!(x x x x x x x x x x x x);

/// Every app and router built here.
pub type ExpressApp = App<WithParams<ParamSteps, Layers>>;

/// One layer of an app.
#[derive(Debug)]
pub enum Layer {
    /// Unused.
    Empty,
    /// `app.use(path, item)`.
    Use(Mount<Item>),
    /// `app[method](path, behaviours...)`.
    Route(Route<RouteSteps>),
}

/// What a `use` step mounts.
#[derive(Debug)]
pub enum Item {
    /// A behaviour, with the request log.
    Behaviour(Behaviour, Log),
    /// A sub-app or router.
    SubApp(Box<ExpressApp>),
}

/// The handlers of one route step: its method and behaviours.
#[derive(Debug)]
pub struct RouteSteps {
    method: Method,
    items: Vec<Item>,
}

/// The `param` steps of an app: a name and its callbacks, in order.
#[derive(Debug, Default)]
pub struct ParamSteps {
    steps: Vec<(String, Behaviour)>,
    log: Log,
}

/// Runs an Express case: builds its app, sends its request, returns what the
/// client read.
pub fn run(case: &Case) -> Result<Observed, String> {
    let log = Log::default();
    let app = build(&case.app, &log, Kind::Root)?;
    exchange(&case.request, &app)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    App,
    Router,
}

/// Builds an app, a sub-app or a router of the vocabulary.
fn build(desc: &Value, log: &Log, kind: Kind) -> Result<ExpressApp, String> {
    let mut layers = Vec::new();
    let mut params = ParamSteps { steps: Vec::new(), log: Rc::clone(log) };
    let steps = match desc.get("stack") {
        None => &[][..],
        Some(steps) => steps.as_array().ok_or("the stack is not an array")?.as_slice(),
    };
    for step in steps {
        if let Some(path) = step.get("use") {
            let paths = paths(path)?;
            for item in items(step)? {
                for path in &paths {
                    layers.push(Layer::Use(Mount::new(path, build_item(item, log)?)));
                }
            }
        } else if let Some(method) = step.get("route").and_then(Value::as_str) {
            let method = match method {
                "all" => Method::All,
                m => Method::parse(&m.to_ascii_uppercase()).ok_or_else(|| format!("method {m}"))?,
            };
            for path in paths(step.get("path").unwrap_or(&Value::Null))? {
                let items = items(step)?.iter().map(|item| build_item(item, log)).collect::<Result<_, _>>()?;
                layers.push(Layer::Route(Route::with_handlers(path, RouteSteps { method, items })));
            }
        } else if let Some(name) = step.get("param").and_then(Value::as_str) {
            for b in items(step)? {
                let b = parse_behaviour(b.as_str().ok_or_else(|| format!("param item {b}"))?, true)?;
                params.steps.push((name.to_owned(), b));
            }
        } else {
            return Err(format!("step {step}"));
        }
    }
    let app = match kind {
        Kind::Router => App::router(),
        Kind::Root | Kind::App => App::new(),
    };
    let app = assemble(app.with_param_callbacks(params), layers)?;
    match kind {
        Kind::Router => router_options(app, desc.get("options")),
        Kind::Root | Kind::App => settings(app, desc.get("settings"), kind),
    }
}

fn build_item(item: &Value, log: &Log) -> Result<Item, String> {
    match item {
        Value::String(b) => Ok(Item::Behaviour(parse_behaviour(b, true)?, Rc::clone(log))),
        Value::Object(map) => match map.get("app") {
            Some(sub) => Ok(Item::SubApp(Box::new(build_sub(sub, log)?))),
            None => Err(format!("bad item {item}")),
        },
        _ => Err(format!("bad item {item}")),
    }
}

fn build_sub(desc: &Value, log: &Log) -> Result<ExpressApp, String> {
    match desc.get("kind").and_then(Value::as_str) {
        Some("router") => build(desc, log, Kind::Router),
        _ => build(desc, log, Kind::App),
    }
}

fn items(step: &Value) -> Result<&Vec<Value>, String> {
    step.get("mw").and_then(Value::as_array).ok_or_else(|| format!("step {step} without mw"))
}

/// A path or a list of paths; no path is `/`.
fn paths(v: &Value) -> Result<Vec<&'static str>, String> {
    match v {
        Value::Null => Ok(vec!["/"]),
        Value::String(p) => Ok(vec![leak(p)]),
        Value::Array(list) => list.iter().map(|p| p.as_str().map(leak).ok_or_else(|| format!("path {p}"))).collect(),
        other => Err(format!("path {other}")),
    }
}

fn settings(mut app: ExpressApp, settings: Option<&Value>, kind: Kind) -> Result<ExpressApp, String> {
    let Some(settings) = settings else { return Ok(app) };
    for (key, value) in settings.as_object().ok_or("settings are not an object")? {
        app = match (key.as_str(), value) {
            ("env", Value::String(env)) if kind == Kind::Root => app.production(env == "production"),
            // Only the root app's final handler answers; a sub-app's `env`
            // changes nothing observable.
            ("env", Value::String(_)) => app,
            ("case sensitive routing", Value::Bool(on)) => app.case_sensitive(*on),
            ("strict routing", Value::Bool(on)) => app.strict(*on),
            ("etag", Value::Bool(false)) => app.etag(ETag::Off),
            ("etag", Value::String(s)) if s == "weak" => app.etag(ETag::Weak),
            ("etag", Value::String(s)) if s == "strong" => app.etag(ETag::Strong),
            // lamina sends no `X-Powered-By` unless asked to.
            ("x-powered-by", Value::Bool(false)) => app,
            ("trust proxy", value) => app.trust_proxy(trust(value)?),
            // lamina parses the query only when a handler asks
            // (`Request::query_value`, `query_as`): an app whose handlers
            // never do is Express's disabled parser.
            ("query parser", Value::String(p)) if p == "simple" || p == "extended" => app,
            ("subdomain offset", Value::Number(n)) => {
                app.subdomain_offset(n.as_u64().and_then(|n| u8::try_from(n).ok()).ok_or("subdomain offset")?)
            }
            _ => return Err(format!("setting {key}={value}: not supported by lamina")),
        };
    }
    Ok(app)
}

/// Express's `trust proxy` values: `true`, a hop count, or addresses,
/// subnets and named ranges (a comma-separated string or a list).
fn trust(value: &Value) -> Result<TrustProxy, String> {
    let names: Vec<&str> = match value {
        Value::Bool(true) => return Ok(TrustProxy::All),
        Value::Bool(false) => return Ok(TrustProxy::None),
        Value::Number(n) => {
            return n.as_u64().and_then(|n| u32::try_from(n).ok()).map(TrustProxy::Hops).ok_or("trust proxy".into());
        }
        Value::String(list) => list.split(',').map(str::trim).collect(),
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        other => return Err(format!("trust proxy {other}")),
    };
    let mut nets = Vec::new();
    for name in names {
        match name {
            "loopback" => nets.extend(IpNet::LOOPBACK),
            "linklocal" => nets.extend(IpNet::LINKLOCAL),
            "uniquelocal" => nets.extend(IpNet::UNIQUELOCAL),
            addr => nets.push(IpNet::parse(addr).ok_or_else(|| format!("trust proxy {addr}"))?),
        }
    }
    Ok(TrustProxy::List(Vec::leak(nets)))
}

fn router_options(mut app: ExpressApp, options: Option<&Value>) -> Result<ExpressApp, String> {
    let Some(options) = options else { return Ok(app) };
    for (key, value) in options.as_object().ok_or("router options are not an object")? {
        let on = value.as_bool().ok_or_else(|| format!("router option {key}={value}"))?;
        app = match key.as_str() {
            "mergeParams" => app.merge_params(on),
            "caseSensitive" => app.case_sensitive(on),
            "strict" => app.strict(on),
            _ => return Err(format!("router option {key}")),
        };
    }
    Ok(app)
}

/// Adds the layers, padded with empty ones, to `app`.
fn assemble(app: App<WithParams<ParamSteps, End>>, layers: Vec<Layer>) -> Result<ExpressApp, String> {
    if layers.len() > SLOTS {
        return Err(format!("{} layers; the interpreter's apps have {SLOTS}", layers.len()));
    }
    let mut layers = layers.into_iter();
    let mut take = move || layers.next().unwrap_or(Layer::Empty);
    macro_rules! add_all {
        ($app:expr;) => { $app };
        ($app:expr; $_x:tt $($rest:tt)*) => {{
            let layer = take();
            add_all!($app.with(layer); $($rest)*)
        }};
    }
    Ok(add_all!(app; x x x x x x x x x x x x))
}

impl Middleware for Item {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match self {
            Item::Behaviour(behaviour, log) => proceed(behaviour.act(log, None, req, res).await, req, res, next).await,
            Item::SubApp(app) => run_sub_app(&**app, req, res, next).await,
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
            Item::Behaviour(behaviour, log) => {
                proceed(behaviour.act(log, Some(err), req, res).await, req, res, next).await
            }
            // An Express app is ordinary middleware: skipped during an error.
            Item::SubApp(_) => Err(err),
        }
    }
}

impl Middleware for Layer {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match self {
            Layer::Empty => next.run(req, res).await,
            Layer::Use(mount) => mount.handle(req, res, next).await,
            Layer::Route(route) => route.handle(req, res, next).await,
        }
    }

    async fn run_layer<R: Chain, K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        match self {
            Layer::Empty => rest.run_chain(req, res, after).await,
            Layer::Use(mount) => mount.run_layer(req, res, rest, after).await,
            Layer::Route(route) => route.run_layer(req, res, rest, after).await,
        }
    }

    async fn fail_layer<R: Chain, K: Continuation>(
        &self,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        rest: &R,
        after: &K,
    ) -> Result<(), Error> {
        match self {
            Layer::Empty => rest.fail_chain(err, req, res, after).await,
            Layer::Use(mount) => mount.fail_layer(err, req, res, rest, after).await,
            Layer::Route(route) => route.fail_layer(err, req, res, rest, after).await,
        }
    }
}

impl Handlers for RouteSteps {
    fn has(&self, method: Method) -> bool {
        self.method == method || self.method == Method::All
    }

    fn each_method(&self, f: &mut dyn FnMut(Method)) {
        f(self.method);
    }

    /// The route's behaviours in order; an error skips to the route's error
    /// behaviours, as Express's route dispatch does.
    async fn run(&self, _: Method, req: &mut Request<'_>, res: &mut Response<'_>) -> Result<Flow, Error> {
        let mut err = None;
        for item in &self.items {
            let act = match item {
                Item::Behaviour(behaviour, log) => behaviour.act(log, err.take(), req, res).await,
                // A router as a route handler: skipped during an error; when
                // it falls through, the route's next handler runs.
                Item::SubApp(_) if err.is_some() => continue,
                Item::SubApp(app) => match call_sub_app(&**app, req, res).await {
                    Ok(true) => Act::Next,
                    Ok(false) => Act::Done,
                    Err(e) => Act::Fail(e),
                },
            };
            match act {
                Act::Next => {}
                Act::NextRoute => return Ok(Flow::Next),
                Act::NextRouter => return Ok(Flow::NextRouter),
                Act::Done => return Ok(Flow::Done),
                Act::Fail(e) => err = Some(e),
            }
        }
        err.map_or(Ok(Flow::Next), Err)
    }
}

impl ParamCallbacks for ParamSteps {
    async fn call(
        &self,
        name: &str,
        value: Param<'_>,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> Result<Flow, Error> {
        for (_, behaviour) in self.steps.iter().filter(|(n, _)| n == name) {
            let act = match behaviour {
                Behaviour::ParamLog(label) => {
                    self.log.borrow_mut().push(format!("{label}={value}"));
                    Act::Next
                }
                Behaviour::ParamRouteIf(v) if value == v.as_str() => Act::NextRoute,
                Behaviour::ParamRouteIf(_) => Act::Next,
                Behaviour::ParamSet(_) => {
                    return Err(Error::new("param_set: lamina's route parameters are the URL's, not assignable"));
                }
                other => other.act(&self.log, None, req, res).await,
            };
            match act {
                Act::Next => {}
                Act::NextRoute => return Ok(Flow::NextRoute),
                Act::NextRouter => return Ok(Flow::NextRouter),
                Act::Done => return Ok(Flow::Done),
                Act::Fail(e) => return Err(e),
            }
        }
        Ok(Flow::Next)
    }
}
