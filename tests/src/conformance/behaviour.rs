//! The behaviours of the case vocabulary (VOCABULARY.md §2) and the echo
//! fields, parsed once and acted out with lamina's request and response —
//! shared by the Connect and the Express interpreters.

use core::cell::RefCell;
use std::rc::Rc;

use lamina::Error;
use lamina::app::{Continuation, Next, Request, Response};
use lamina::http::cookie::{CookieOptions, SameSite};
use lamina::http::date::HttpDate;

/// The per-request log (`log:` / `err_log:` append, `echo:log` prints it),
/// shared by every app the request passes through. Each case run builds its
/// app with a fresh log.
pub type Log = Rc<RefCell<Vec<String>>>;

/// A behaviour of the vocabulary.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// `next`.
    Next,
    /// `next_route`.
    NextRoute,
    /// `next_router`.
    NextRouter,
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
    /// `param_log:<label>`: in a `param` step, logs `<label>=<value>`.
    ParamLog(String),
    /// `param_set:<value>`.
    ParamSet(String),
    /// `param_route_if:<value>`.
    ParamRouteIf(String),
    /// `send:<text>`: Express's `res.send(text)`.
    Send(String),
    /// `json:<json>`.
    Json(serde_json::Value),
    /// `send_status:<n>`.
    SendStatus(u16),
    /// `redirect:<url>` / `redirect:<nnn>:<url>`.
    Redirect(Option<u16>, String),
    /// `cookie:<name>:<value>[:<json-options>]`.
    Cookie(String, String, serde_json::Value),
    /// `clear_cookie:<name>[:<json-options>]`.
    ClearCookie(String, serde_json::Value),
    /// `location:<url>`.
    Location(String),
    /// `type:<type>`.
    Type(String),
}

/// An echo field.
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
    /// `header=<Name>` in an Express app: `req.get(Name)` (Referer and
    /// Referrer are one header).
    Get(String),
    /// `err.message`.
    ErrMessage,
    /// `err.status`.
    ErrStatus,
    /// `baseUrl` (express).
    BaseUrl,
    /// `path` (express).
    Path,
    /// `params` (express): compact JSON, keys sorted.
    Params,
    /// `query` (express): compact JSON, keys sorted, repeated keys as arrays.
    Query,
    /// `hostname`.
    Hostname,
    /// `ip`.
    Ip,
    /// `ips`.
    Ips,
    /// `protocol`.
    Protocol,
    /// `secure`.
    Secure,
    /// `subdomains`.
    Subdomains,
    /// `xhr`.
    Xhr,
    /// `fresh`.
    Fresh,
    /// `stale`.
    Stale,
    /// `accepts=<t1>|<t2>...`.
    Accepts(Vec<String>),
    /// `is=<t1>|<t2>...`.
    Is(Vec<String>),
}

/// What a behaviour decided.
#[derive(Clone, Copy, Debug)]
pub enum Act {
    /// `next()`.
    Next,
    /// `next('route')`.
    NextRoute,
    /// `next('router')`.
    NextRouter,
    /// Answered.
    Done,
    /// `next(err)` or a throw.
    Fail(Error),
}

/// Paths, messages and error headers must be `&'static str` in lamina; the
/// interpreters leak the few short strings of each case.
pub fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

const EXPRESS_ONLY: &[&str] = &[
    "next_route",
    "next_router",
    "send",
    "json",
    "send_status",
    "redirect",
    "cookie",
    "clear_cookie",
    "location",
    "type",
    "param_log",
    "param_set",
    "param_route_if",
];

/// Parses a behaviour string (`name` or `name:argument`); `express` allows
/// Express's own behaviours and fields.
pub fn parse_behaviour(item: &str, express: bool) -> Result<Behaviour, String> {
    let (name, arg) = match item.split_once(':') {
        Some((name, arg)) => (name, Some(arg)),
        None => (item, None),
    };
    if !express && EXPRESS_ONLY.contains(&name) {
        return Err(format!("{name} is express-only"));
    }
    let needs = || arg.ok_or_else(|| format!("{name} needs an argument"));
    let fields = |f: &str| parse_fields(f, express);
    Ok(match name {
        "next" => Behaviour::Next,
        "next_route" => Behaviour::NextRoute,
        "next_router" => Behaviour::NextRouter,
        "log" => match needs()?.split_once(':') {
            Some((label, f)) => Behaviour::Log { label: label.to_owned(), fields: Some(fields(f)?) },
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
        "echo" => Behaviour::Echo(fields(needs()?)?),
        "end_then_next" => Behaviour::EndThenNext(arg.unwrap_or("").to_owned()),
        "err_echo" => Behaviour::ErrEcho(fields(needs()?)?),
        "err_next" => Behaviour::ErrNext,
        "err_log" => Behaviour::ErrLog(needs()?.to_owned()),
        "err_recover" => Behaviour::ErrRecover,
        "err_throw" => Behaviour::ErrThrow(leak(needs()?)),
        "param_log" => Behaviour::ParamLog(needs()?.to_owned()),
        "param_set" => Behaviour::ParamSet(needs()?.to_owned()),
        "param_route_if" => Behaviour::ParamRouteIf(needs()?.to_owned()),
        "rewrite" | "set_method" => {
            return Err(format!("{name}: lamina's Request has no way to change its url or method"));
        }
        "send" => Behaviour::Send(arg.unwrap_or("").to_owned()),
        "json" => Behaviour::Json(serde_json::from_str(needs()?).map_err(|e| format!("{item}: {e}"))?),
        "send_status" => Behaviour::SendStatus(needs()?.parse().map_err(|_| format!("{item}: not a status"))?),
        "redirect" => {
            let arg = needs()?;
            let status = arg.get(..3).filter(|d| d.bytes().all(|b| b.is_ascii_digit()) && arg.get(3..4) == Some(":"));
            match status {
                Some(digits) => Behaviour::Redirect(digits.parse().ok(), arg[4..].to_owned()),
                None => Behaviour::Redirect(None, arg.to_owned()),
            }
        }
        "cookie" => {
            let mut parts = needs()?.splitn(3, ':');
            let (name, value) = (parts.next().unwrap_or(""), parts.next().ok_or_else(|| format!("{item}: no value"))?);
            Behaviour::Cookie(name.to_owned(), value.to_owned(), options(parts.next())?)
        }
        "clear_cookie" => {
            let (name, opts) = match needs()?.split_once(':') {
                Some((name, opts)) => (name, Some(opts)),
                None => (needs()?, None),
            };
            Behaviour::ClearCookie(name.to_owned(), options(opts)?)
        }
        "location" => Behaviour::Location(needs()?.to_owned()),
        "type" => Behaviour::Type(needs()?.to_owned()),
        _ => return Err(format!("unknown behaviour {item}")),
    })
}

fn options(json: Option<&str>) -> Result<serde_json::Value, String> {
    json.map_or(Ok(serde_json::Value::Null), |j| serde_json::from_str(j).map_err(|e| format!("options {j}: {e}")))
}

/// Express's cookie options (a JSON object) as lamina's; `maxAge` (ms)
/// becomes `Max-Age` and `Expires` from the wall clock, as in Express.
fn cookie_options(json: &serde_json::Value) -> Result<CookieOptions<'static>, Error> {
    let mut opts = CookieOptions::new();
    let Some(map) = json.as_object() else { return Ok(opts) };
    for (key, value) in map {
        match (key.as_str(), value) {
            ("maxAge", v) => {
                let ms = v.as_i64().ok_or(Error::new("maxAge"))?;
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                opts = opts.express_max_age(HttpDate::from_unix_secs(now), ms);
            }
            ("domain", serde_json::Value::String(d)) => opts.domain = Some(leak(d)),
            ("path", serde_json::Value::String(p)) => opts.path = Some(leak(p)),
            ("httpOnly", serde_json::Value::Bool(b)) => opts.http_only = *b,
            ("secure", serde_json::Value::Bool(b)) => opts.secure = *b,
            ("partitioned", serde_json::Value::Bool(b)) => opts.partitioned = *b,
            ("sameSite", v) => {
                opts.same_site = match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("strict") => Some(SameSite::Strict),
                    Some("lax") => Some(SameSite::Lax),
                    Some("none") => Some(SameSite::None),
                    _ if v == &serde_json::Value::Bool(true) => Some(SameSite::Strict),
                    _ => None,
                }
            }
            _ => return Err(Error::new("a cookie option lamina does not have")),
        }
    }
    Ok(opts)
}

fn parse_fields(fields: &str, express: bool) -> Result<Vec<Field>, String> {
    fields
        .split(',')
        .map(|field| match (field.split_once('='), express) {
            (Some(("header", name)), false) => Ok(Field::Header(name.to_owned())),
            (Some(("header", name)), true) => Ok(Field::Get(name.to_owned())),
            (Some(("accepts", list)), true) => Ok(Field::Accepts(list.split('|').map(str::to_owned).collect())),
            (Some(("is", list)), true) => Ok(Field::Is(list.split('|').map(str::to_owned).collect())),
            (None, _) if matches!(field, "url" | "originalUrl" | "method" | "log" | "err.message" | "err.status") => {
                Ok(match field {
                    "url" => Field::Url,
                    "originalUrl" => Field::OriginalUrl,
                    "method" => Field::Method,
                    "log" => Field::Log,
                    "err.message" => Field::ErrMessage,
                    _ => Field::ErrStatus,
                })
            }
            (None, true) if field == "baseUrl" => Ok(Field::BaseUrl),
            (None, true) if field == "path" => Ok(Field::Path),
            (None, true) => Ok(match field {
                "params" => Field::Params,
                "query" => Field::Query,
                "hostname" => Field::Hostname,
                "ip" => Field::Ip,
                "ips" => Field::Ips,
                "protocol" => Field::Protocol,
                "secure" => Field::Secure,
                "subdomains" => Field::Subdomains,
                "xhr" => Field::Xhr,
                "fresh" => Field::Fresh,
                "stale" => Field::Stale,
                _ => return Err(format!("unknown echo field {field}")),
            }),
            (_, true) => Err(format!("unknown echo field {field}")),
            (_, false) => Err(format!("echo field {field} is not available in connect apps")),
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

const UNDEFINED: &str = "undefined";

/// The echo of `fields`: values joined by single spaces.
pub fn echo(fields: &[Field], req: &Request<'_>, res: &Response<'_>, log: &Log, err: Option<&Error>) -> String {
    let json_list = |items: Vec<String>| serde_json::Value::from(items).to_string();
    let names = |list: &[String]| list.iter().map(|t| leak(t)).collect::<Vec<&'static str>>();
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
            Field::Get(name) => req.get(name).unwrap_or(UNDEFINED).to_owned(),
            Field::ErrMessage => err.map_or(UNDEFINED.to_owned(), |e| e.message().to_owned()),
            Field::ErrStatus => err.and_then(Error::raw_status).map_or(UNDEFINED.to_owned(), |s| s.to_string()),
            Field::BaseUrl => req.base_url().to_owned(),
            Field::Path => req.path().to_string(),
            Field::Params => params_json(req),
            Field::Query => query_json(req),
            Field::Hostname => req.hostname().unwrap_or(UNDEFINED).to_owned(),
            // Express's `req.ip` is the forwarded entry's text even when it
            // is no address.
            Field::Ip => match req.ip_entry() {
                Some(Ok(ip)) => ip.to_string(),
                Some(Err(raw)) => String::from_utf8_lossy(raw).into_owned(),
                None => UNDEFINED.to_owned(),
            },
            Field::Ips => json_list(req.ips().map(|ip| ip.to_string()).collect()),
            Field::Protocol => req.protocol().to_owned(),
            Field::Secure => req.secure().to_string(),
            Field::Subdomains => json_list(req.subdomains().map(str::to_owned).collect()),
            Field::Xhr => req.xhr().to_string(),
            Field::Fresh => req.fresh(res).to_string(),
            Field::Stale => req.stale(res).to_string(),
            Field::Accepts(list) => req.accepts(&names(list)).unwrap_or("false").to_owned(),
            // Express's `req.is` is `null` without a body, `false` without a match.
            Field::Is(list) if !req.has_body() => {
                let _ = list;
                "null".to_owned()
            }
            Field::Is(list) => req.is(&names(list)).unwrap_or("false").to_owned(),
        })
        .collect();
    values.join(" ")
}

/// `req.query` as compact JSON with sorted keys; a repeated key is an array.
fn query_json(req: &Request<'_>) -> String {
    let mut map = std::collections::BTreeMap::<String, serde_json::Value>::new();
    for (key, value) in lamina::http::query::pairs(req.query().unwrap_or("")) {
        let value = serde_json::Value::String(value.to_string());
        match map.entry(key.to_string()) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(value);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => match slot.get_mut() {
                serde_json::Value::Array(items) => items.push(value),
                first => *first = serde_json::Value::Array(vec![first.take(), value]),
            },
        }
    }
    serde_json::Value::Object(map.into_iter().collect()).to_string()
}

/// `req.params` as compact JSON with sorted keys (values decoded).
fn params_json(req: &Request<'_>) -> String {
    let mut map = std::collections::BTreeMap::new();
    for (name, value) in req.params() {
        map.insert(name.to_owned(), serde_json::Value::String(value.to_string()));
    }
    serde_json::Value::Object(map.into_iter().collect()).to_string()
}

impl Behaviour {
    /// Acts the behaviour out: `err` is the error in flight (error
    /// middleware run only with one; other behaviours only without).
    pub async fn act(&self, log: &Log, err: Option<Error>, req: &mut Request<'_>, res: &mut Response<'_>) -> Act {
        match self.act_result(log, err, req, res).await {
            Ok(act) => act,
            Err(e) => Act::Fail(e),
        }
    }

    async fn act_result(
        &self,
        log: &Log,
        err: Option<Error>,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
    ) -> Result<Act, Error> {
        if let Some(err) = err {
            return Ok(match self {
                Behaviour::ErrEcho(fields) => {
                    let text = echo(fields, req, res, log, Some(&err));
                    res.end(text.as_bytes()).await?;
                    Act::Done
                }
                Behaviour::ErrNext => Act::Fail(err),
                Behaviour::ErrLog(label) => {
                    log.borrow_mut().push(label.clone());
                    Act::Fail(err)
                }
                Behaviour::ErrRecover => Act::Next,
                Behaviour::ErrThrow(message) => Act::Fail(Error::new(message)),
                // Ordinary middleware is skipped while there is an error.
                _ => Act::Fail(err),
            });
        }
        Ok(match self {
            Behaviour::Next => Act::Next,
            Behaviour::NextRoute => Act::NextRoute,
            Behaviour::NextRouter => Act::NextRouter,
            Behaviour::Log { label, fields } => {
                let entry = match fields {
                    Some(fields) => format!("{label}={}", echo(fields, req, res, log, None)),
                    None => label.clone(),
                };
                log.borrow_mut().push(entry);
                Act::Next
            }
            Behaviour::SetHeader(name, value) => {
                res.set_header(name, value.as_bytes())?;
                Act::Next
            }
            Behaviour::Status(status) => {
                res.set_status(*status);
                Act::Next
            }
            Behaviour::Error(err) | Behaviour::Throw(err) => Act::Fail(*err),
            Behaviour::End(text) => {
                res.end(text.as_bytes()).await?;
                Act::Done
            }
            Behaviour::Echo(fields) => {
                let text = echo(fields, req, res, log, None);
                res.end(text.as_bytes()).await?;
                Act::Done
            }
            Behaviour::EndThenNext(text) => {
                res.end(text.as_bytes()).await?;
                Act::Next
            }
            Behaviour::Send(text) => {
                res.send(text.as_str()).await?;
                Act::Done
            }
            Behaviour::Json(value) => {
                res.json(value).await?;
                Act::Done
            }
            Behaviour::SendStatus(status) => {
                res.send_status(*status).await?;
                Act::Done
            }
            Behaviour::Redirect(status, url) => {
                res.redirect(*status, url).await?;
                Act::Done
            }
            Behaviour::Cookie(name, value, opts) => {
                res.cookie(name, value, &cookie_options(opts)?)?;
                Act::Next
            }
            Behaviour::ClearCookie(name, opts) => {
                res.clear_cookie(name, &cookie_options(opts)?)?;
                Act::Next
            }
            Behaviour::Location(url) => {
                res.location(url)?;
                Act::Next
            }
            Behaviour::Type(ty) => {
                res.content_type(ty)?;
                Act::Next
            }
            // Error middleware is skipped while there is no error; `param`
            // behaviours act only in `param` steps.
            Behaviour::ErrEcho(_)
            | Behaviour::ErrNext
            | Behaviour::ErrLog(_)
            | Behaviour::ErrRecover
            | Behaviour::ErrThrow(_)
            | Behaviour::ParamLog(_)
            | Behaviour::ParamSet(_)
            | Behaviour::ParamRouteIf(_) => Act::Next,
        })
    }
}

/// Continues as `act` says, from a layer given `next`.
pub async fn proceed<K: Continuation>(
    act: Act,
    req: &mut Request<'_>,
    res: &mut Response<'_>,
    next: Next<'_, K>,
) -> Result<(), Error> {
    match act {
        Act::Next | Act::NextRoute => next.run(req, res).await,
        Act::NextRouter => next.leave(req, res).await,
        Act::Done => Ok(()),
        Act::Fail(e) => next.fail(e, req, res).await,
    }
}
