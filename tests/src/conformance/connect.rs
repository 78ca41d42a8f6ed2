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

use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use std::rc::Rc;

use serde_json::Value;

use lamina::Error;
use lamina::app::{App, Append, Chain, Continuation, End, Middleware, Mount, Next, Request, Response, Stack};

use super::{Case, Observed, exchange};

/// How many layers every app and sub-app has.
pub const SLOTS: usize = 12;

macro_rules! slots {
    () => { End };
    ($_x:tt $($rest:tt)*) => { Stack<Mount<Slot>, slots!($($rest)*)> };
}

/// The layer stack of every app built here: [`SLOTS`] mounted slots.
pub type Slots = slots!(x x x x x x x x x x x x);

/// The per-request log (`log:` / `err_log:` append, `echo:log` prints it),
/// shared by every app the request passes through. lamina's `Request` has
/// no per-request storage yet, so the behaviours share it through an `Rc`;
/// each case run builds its app with a fresh log.
pub type Log = Rc<RefCell<Vec<String>>>;

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

/// A behaviour of the vocabulary that a Connect app can use.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// `next`.
    Next,
    /// `log:<label>` / `log:<label>:<fields>`.
    Log {
        /// The label.
        label: String,
        /// Fields echoed after `<label>=`, if any.
        fields: Option<Vec<Field>>,
    },
    /// `set_header:<name>:<value>`.
    SetHeader(String, String),
    /// `status:<n>`.
    Status(u16),
    /// `error:<errspec>`: `next(err)`.
    Error(Error),
    /// `throw:<errspec>`: fails without calling `next`.
    Throw(Error),
    /// `end:<text>`.
    End(String),
    /// `echo:<fields>`.
    Echo(Vec<Field>),
    /// `end_then_next:<text>`.
    EndThenNext(String),
    /// `err_echo:<fields>`.
    ErrEcho(Vec<Field>),
    /// `err_next`.
    ErrNext,
    /// `err_log:<label>`.
    ErrLog(String),
    /// `err_recover`.
    ErrRecover,
    /// `err_throw:<message>`.
    ErrThrow(&'static str),
}

/// An echo field available to Connect apps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// `url`: the URL as the current layer sees it.
    Url,
    /// `originalUrl`.
    OriginalUrl,
    /// `method`.
    Method,
    /// `log`: the request log joined with `,`.
    Log,
    /// `header=<Name>`: the request header (first line of that name).
    Header(String),
    /// `err.message`.
    ErrMessage,
    /// `err.status`.
    ErrStatus,
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
                Value::String(behaviour) => Slot::Behaviour(parse_behaviour(behaviour)?, Rc::clone(log)),
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

/// Paths, messages and error headers must be `&'static str` in lamina; the
/// interpreter leaks the few short strings of each case.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// Parses a behaviour string (`name` or `name:argument`).
pub fn parse_behaviour(item: &str) -> Result<Behaviour, String> {
    let (name, arg) = match item.split_once(':') {
        Some((name, arg)) => (name, Some(arg)),
        None => (item, None),
    };
    let needs = || arg.ok_or_else(|| format!("{name} needs an argument"));
    Ok(match name {
        "next" => Behaviour::Next,
        "log" => match needs()?.split_once(':') {
            Some((label, fields)) => Behaviour::Log { label: label.to_owned(), fields: Some(parse_fields(fields)?) },
            None => Behaviour::Log { label: needs()?.to_owned(), fields: None },
        },
        "set_header" => {
            let (n, v) = needs()?.split_once(':').ok_or_else(|| format!("{item}: set_header:<name>:<value>"))?;
            Behaviour::SetHeader(n.to_owned(), v.to_owned())
        }
        "status" => Behaviour::Status(needs()?.parse().map_err(|_| format!("{item}: not a status"))?),
        "error" => Behaviour::Error(parse_error(needs()?)?),
        "throw" => Behaviour::Throw(parse_error(needs()?)?),
        "end" => Behaviour::End(arg.unwrap_or("").to_owned()),
        "echo" => Behaviour::Echo(parse_fields(needs()?)?),
        "end_then_next" => Behaviour::EndThenNext(arg.unwrap_or("").to_owned()),
        "err_echo" => Behaviour::ErrEcho(parse_fields(needs()?)?),
        "err_next" => Behaviour::ErrNext,
        "err_log" => Behaviour::ErrLog(needs()?.to_owned()),
        "err_recover" => Behaviour::ErrRecover,
        "err_throw" => Behaviour::ErrThrow(leak(needs()?)),
        "rewrite" | "set_method" => {
            return Err(format!("{name}: lamina's Request has no way to change its url or method"));
        }
        "next_route" | "next_router" | "send" | "json" | "send_status" | "redirect" | "cookie" | "clear_cookie"
        | "location" | "type" | "param_log" | "param_set" | "param_route_if" => {
            return Err(format!("{name} is express-only"));
        }
        _ => return Err(format!("unknown behaviour {item}")),
    })
}

fn parse_fields(fields: &str) -> Result<Vec<Field>, String> {
    fields
        .split(',')
        .map(|field| match field.split_once('=') {
            Some(("header", name)) => Ok(Field::Header(name.to_owned())),
            None => match field {
                "url" => Ok(Field::Url),
                "originalUrl" => Ok(Field::OriginalUrl),
                "method" => Ok(Field::Method),
                "log" => Ok(Field::Log),
                "err.message" => Ok(Field::ErrMessage),
                "err.status" => Ok(Field::ErrStatus),
                _ => Err(format!("echo field {field} is not available in connect apps")),
            },
            Some(_) => Err(format!("echo field {field} is not available in connect apps")),
        })
        .collect()
}

/// `<message>[:<key>=<value>]*`. A status that is not all digits (or does
/// not fit a `u16`) is no status at all, as finalhandler ignores it. Of
/// `status` and `statusCode`, finalhandler uses the first that is in
/// `400..=599`.
pub fn parse_error(spec: &str) -> Result<Error, String> {
    let mut parts = spec.split(':');
    let mut error = Error::new(leak(parts.next().unwrap_or("")));
    let (mut status, mut status_code) = (None, None);
    for part in parts {
        let (key, value) = part.split_once('=').ok_or_else(|| format!("errspec {spec}: {part} is not key=value"))?;
        let numeric = || value.parse::<u16>().ok().filter(|_| value.bytes().all(|b| b.is_ascii_digit()));
        if let Some(name) = key.strip_prefix("header.") {
            error = error.with_header(leak(name), leak(value));
        } else if key == "status" {
            status = numeric();
        } else if key == "statusCode" {
            status_code = numeric();
        } else {
            return Err(format!("errspec {spec}: unknown key {key}"));
        }
    }
    let valid = |s: Option<u16>| s.filter(|s| (400..=599).contains(s));
    if let Some(s) = valid(status).or(valid(status_code)).or(status).or(status_code) {
        error = error.with_status(s);
    }
    Ok(error)
}

/// The echo of `fields`: values joined by single spaces.
fn echo(fields: &[Field], req: &Request<'_>, log: &Log, err: Option<&Error>) -> String {
    const UNDEFINED: &str = "undefined";
    let values: Vec<String> = fields
        .iter()
        .map(|field| match field {
            Field::Url => req.url().to_string(),
            Field::OriginalUrl => req.original_url().to_owned(),
            Field::Method => req.method().to_owned(),
            Field::Log => log.borrow().join(","),
            Field::Header(name) => {
                req.header(name).map_or(UNDEFINED.to_owned(), |v| String::from_utf8_lossy(v).into_owned())
            }
            Field::ErrMessage => err.map_or(UNDEFINED.to_owned(), |e| e.message().to_owned()),
            Field::ErrStatus => err.and_then(Error::raw_status).map_or(UNDEFINED.to_owned(), |s| s.to_string()),
        })
        .collect();
    values.join(" ")
}

impl Behaviour {
    async fn handle<K: Continuation>(
        &self,
        log: &Log,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match self {
            Behaviour::Next => next.run(req, res).await,
            Behaviour::Log { label, fields } => {
                let entry = match fields {
                    Some(fields) => format!("{label}={}", echo(fields, req, log, None)),
                    None => label.clone(),
                };
                log.borrow_mut().push(entry);
                next.run(req, res).await
            }
            Behaviour::SetHeader(name, value) => {
                res.set_header(name, value.as_bytes())?;
                next.run(req, res).await
            }
            Behaviour::Status(status) => {
                res.set_status(*status);
                next.run(req, res).await
            }
            Behaviour::Error(err) => next.fail(*err, req, res).await,
            Behaviour::Throw(err) => Err(*err),
            Behaviour::End(text) => Ok(res.end(text.as_bytes()).await?),
            Behaviour::Echo(fields) => Ok(res.end(echo(fields, req, log, None).as_bytes()).await?),
            Behaviour::EndThenNext(text) => {
                res.end(text.as_bytes()).await?;
                next.run(req, res).await
            }
            // Error middleware is skipped while there is no error.
            Behaviour::ErrEcho(_)
            | Behaviour::ErrNext
            | Behaviour::ErrLog(_)
            | Behaviour::ErrRecover
            | Behaviour::ErrThrow(_) => next.run(req, res).await,
        }
    }

    async fn handle_error<K: Continuation>(
        &self,
        log: &Log,
        err: Error,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        match self {
            Behaviour::ErrEcho(fields) => Ok(res.end(echo(fields, req, log, Some(&err)).as_bytes()).await?),
            Behaviour::ErrNext => next.fail(err, req, res).await,
            Behaviour::ErrLog(label) => {
                log.borrow_mut().push(label.clone());
                next.fail(err, req, res).await
            }
            Behaviour::ErrRecover => next.run(req, res).await,
            Behaviour::ErrThrow(message) => Err(Error::new(message)),
            // Ordinary middleware is skipped while there is an error.
            _ => Err(err),
        }
    }
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
            Slot::Behaviour(behaviour, log) => behaviour.handle(log, req, res, next).await,
            Slot::SubApp(app) => run_sub_app(app, req, res, next).await,
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
            Slot::Behaviour(behaviour, log) => behaviour.handle_error(log, err, req, res, next).await,
            // A Connect app is ordinary (3-argument) middleware: skipped while
            // there is an error, like lamina's default `handle_error`.
            Slot::Empty | Slot::SubApp(_) => Err(err),
        }
    }
}

type BoxFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

/// A [`Continuation`] behind `dyn`: its futures are boxed.
trait DynContinuation {
    fn run_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a>;
    fn fail_boxed<'a>(&'a self, err: Error, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a>;
}

impl<C: Continuation> DynContinuation for C {
    fn run_boxed<'a>(&'a self, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a> {
        Box::pin(self.run(req, res))
    }

    fn fail_boxed<'a>(&'a self, err: Error, req: &'a mut Request<'_>, res: &'a mut Response<'_>) -> BoxFuture<'a> {
        Box::pin(self.fail(err, req, res))
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
}

/// Calls a sub-app through `App`'s own `Middleware` impl.
struct Call<'a>(&'a App<Slots>);

impl Middleware for Call<'_> {
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
async fn run_sub_app<K: Continuation>(
    app: &App<Slots>,
    req: &mut Request<'_>,
    res: &mut Response<'_>,
    next: Next<'_, K>,
) -> Result<(), Error> {
    let erased = Erased(&next);
    let trampoline = End.append(Call(app));
    let run: BoxFuture<'_> = Box::pin(trampoline.run_chain(req, res, &erased));
    run.await
}
