//! The Connect/Express conformance cases of `shared/conformance/`: loading
//! them, sending a case's request through lamina, and comparing the answer
//! with the case's expectation.
//!
//! A case describes its app in a closed vocabulary (`VOCABULARY.md` beside
//! `cases.json`); [`connect`] builds such apps with lamina's own `App`,
//! `Mount` and `Middleware` types, so every request goes through lamina's real
//! dispatch, and every request is served by lamina's connection driver over an
//! in-memory connection (so HEAD, 204 and 304 rules apply); the answer is read
//! back with the strict [`client`].

pub mod behaviour;
pub mod connect;
pub mod express;
mod selection;

pub use selection::{EXPRESS_ONLY, EXPRESS_PENDING, OWN_CASES, Selected, divergence, select};

use serde_json::{Map, Value};

use lamina::app::{App, Chain};
use lamina::h1::Config;
use lamina::serve::memory::{MemoryIo, VirtualClock};
use lamina::serve::{ConnectionBuffers, NoShutdown, serve_until};

use crate::exchange::{End, Transcript};
use crate::{block_on, client};

/// One case of `cases.json` (or of `divergences.json`).
#[derive(Clone, Debug)]
pub struct Case {
    /// The case's id.
    pub id: String,
    /// `connect` or `express`.
    pub framework: String,
    /// The app description (`App` of the vocabulary), as JSON.
    pub app: Value,
    /// The request to send.
    pub request: CaseRequest,
    /// What the reference frameworks answered.
    pub expect: Expect,
    /// For a divergence: the behaviour lamina keeps instead.
    pub lamina_note: Option<String>,
}

/// The request of a case.
#[derive(Clone, Debug)]
pub struct CaseRequest {
    /// The method, as sent.
    pub method: String,
    /// The request-target, sent verbatim.
    pub url: String,
    /// Header lines, in order.
    pub headers: Vec<(String, String)>,
    /// A body (sent with `Content-Length`).
    pub body: Option<String>,
}

/// The expected answer of a case.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The status code.
    pub status: u16,
    /// The reason phrase, where asserted.
    pub reason: Option<String>,
    /// The asserted headers (names compared case-insensitively).
    pub headers: Vec<(String, HeaderExpect)>,
    /// The body.
    pub body: BodyExpect,
}

/// What a listed header must look like (VOCABULARY.md §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderExpect {
    /// Exactly one occurrence with exactly this value.
    Exact(String),
    /// Exactly these occurrences, in order.
    List(Vec<String>),
    /// No occurrence.
    Absent,
    /// At least one occurrence.
    Present,
    /// Some occurrence contains this text.
    Contains(String),
}

/// What the body must look like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyExpect {
    /// Exactly this text.
    Exact(String),
    /// Contains this text.
    Contains(String),
}

/// A response as the client read it off the wire.
#[derive(Clone, Debug)]
pub struct Observed {
    /// The status code.
    pub status: u16,
    /// The reason phrase of the status line.
    pub reason: String,
    /// Header lines in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for HEAD, 204, 304).
    pub body: String,
}

/// Reads a cases file (`cases.json` or `divergences.json`).
pub fn load(path: &std::path::Path) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a JSON array of cases.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    let json: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let cases = json.as_array().ok_or("not an array of cases")?;
    cases.iter().map(parse_case).collect()
}

fn parse_case(v: &Value) -> Result<Case, String> {
    let id = str_field(v, "id")?.to_owned();
    let at = |e: String| format!("{id}: {e}");
    let app = v.get("app").cloned().ok_or_else(|| at("no app".into()))?;
    let framework = str_field(&app, "framework").map_err(at)?.to_owned();
    let request = parse_request(v.get("request").unwrap_or(&Value::Null)).map_err(at)?;
    let expect = parse_expect(v.get("expect").unwrap_or(&Value::Null)).map_err(at)?;
    let lamina_note = v.get("lamina_note").and_then(Value::as_str).map(str::to_owned);
    Ok(Case { id, framework, app, request, expect, lamina_note })
}

fn str_field<'v>(v: &'v Value, key: &str) -> Result<&'v str, String> {
    v.get(key).and_then(Value::as_str).ok_or_else(|| format!("missing string {key:?}"))
}

fn parse_request(v: &Value) -> Result<CaseRequest, String> {
    let headers = match v.get("headers") {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str().map(|v| (k.clone(), v.to_owned())).ok_or_else(|| format!("header {k} not a string"))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("bad request headers {other}")),
    };
    Ok(CaseRequest {
        method: str_field(v, "method")?.to_owned(),
        url: str_field(v, "url")?.to_owned(),
        headers,
        body: v.get("body").and_then(Value::as_str).map(str::to_owned),
    })
}

fn parse_expect(v: &Value) -> Result<Expect, String> {
    let status =
        v.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).ok_or("expect without a status")?;
    let headers = match v.get("headers") {
        None => Vec::new(),
        Some(Value::Object(map)) => {
            map.iter().map(|(k, v)| parse_header_expect(v).map(|e| (k.clone(), e))).collect::<Result<_, _>>()?
        }
        Some(other) => return Err(format!("bad expected headers {other}")),
    };
    let body = match v.get("body") {
        Some(Value::String(s)) => BodyExpect::Exact(s.clone()),
        Some(Value::Object(map)) => BodyExpect::Contains(contains(map).ok_or("bad body expectation")?),
        other => return Err(format!("bad body expectation {other:?}")),
    };
    Ok(Expect { status, reason: v.get("reason").and_then(Value::as_str).map(str::to_owned), headers, body })
}

fn contains(map: &Map<String, Value>) -> Option<String> {
    map.get("contains").and_then(Value::as_str).map(str::to_owned)
}

fn parse_header_expect(v: &Value) -> Result<HeaderExpect, String> {
    Ok(match v {
        Value::String(s) => HeaderExpect::Exact(s.clone()),
        Value::Array(items) => HeaderExpect::List(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned).ok_or("non-string in a header list"))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) if map.get("absent") == Some(&Value::Bool(true)) => HeaderExpect::Absent,
        Value::Object(map) if map.get("present") == Some(&Value::Bool(true)) => HeaderExpect::Present,
        Value::Object(map) => {
            HeaderExpect::Contains(contains(map).ok_or_else(|| format!("bad header expectation {v}"))?)
        }
        _ => return Err(format!("bad header expectation {v}")),
    })
}

/// The request bytes, as the reference runner sends them: the request line,
/// the case's headers in order, `Connection: close`, `Content-Length` when
/// there is a body (and the case does not give one), the empty line, the body.
pub fn wire_request(req: &CaseRequest) -> Vec<u8> {
    let mut wire = format!("{} {} HTTP/1.1\r\n", req.method, req.url);
    for (name, value) in &req.headers {
        wire.push_str(&format!("{name}: {value}\r\n"));
    }
    wire.push_str("Connection: close\r\n");
    let has_length = req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    if let (Some(body), false) = (&req.body, has_length) {
        wire.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    wire.push_str("\r\n");
    wire.push_str(req.body.as_deref().unwrap_or(""));
    wire.into_bytes()
}

/// Capacity of the connection's read and write buffers, and of the response
/// header arena.
pub const RESPONSE_BUFFER: usize = 4096;

/// Serves the case's request to `app` through lamina's connection driver
/// over an in-memory connection, and reads the answer back with the strict
/// client.
pub fn exchange<C: Chain>(request: &CaseRequest, app: &App<C>) -> Result<Observed, String> {
    let wire = wire_request(request);
    let is_head = request.method == "HEAD";
    let mut out = vec![0u8; 1 << 16];
    let mut io = MemoryIo::new(&wire, &mut out);
    let clock = VirtualClock::new();
    let mut bufs = ConnectionBuffers::<RESPONSE_BUFFER, RESPONSE_BUFFER, RESPONSE_BUFFER>::new();
    let config = Config::new();
    // The reference runner's client connects from 127.0.0.1 (`req.ip`).
    let peer = Some(core::net::IpAddr::from([127, 0, 0, 1]));
    block_on(serve_until(&mut io, peer, &clock, app, bufs.buffers(), config, &NoShutdown))
        .map_err(|e| format!("serve: {e}"))?;
    observe(io.written().to_vec(), is_head)
}

/// Reads the one response of a case off everything the server wrote on its
/// connection (`Connection: close` was asked for), with the strict client.
pub fn observe(output: Vec<u8>, is_head: bool) -> Result<Observed, String> {
    let reason = status_reason(&output)?;
    let transcript = Transcript { output, head_requests: vec![is_head], end: End::Closed };
    let responses = client::check(&transcript)?;
    let [response] = responses.as_slice() else {
        return Err(format!("{} responses on the wire, not one", responses.len()));
    };
    Ok(Observed {
        status: response.status,
        reason,
        headers: response.headers.iter().map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned())).collect(),
        body: String::from_utf8(response.body.clone()).map_err(|_| "the body is not UTF-8")?,
    })
}

/// The reason phrase of the first status line in `output`.
fn status_reason(output: &[u8]) -> Result<String, String> {
    let line_end = output.windows(2).position(|w| w == b"\r\n").ok_or("no status line")?;
    let line = core::str::from_utf8(&output[..line_end]).map_err(|_| "non-UTF-8 status line")?;
    line.strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(4..))
        .map(str::to_owned)
        .ok_or_else(|| format!("bad status line {line:?}"))
}

/// Every way `got` differs from `expect`, as `what: expected X, got Y`.
pub fn compare(expect: &Expect, got: &Observed) -> Vec<String> {
    let mut diffs = Vec::new();
    if got.status != expect.status {
        diffs.push(format!("status: expected {}, got {}", expect.status, got.status));
    }
    if let Some(reason) = &expect.reason {
        if *reason != got.reason {
            diffs.push(format!("reason: expected {reason:?}, got {:?}", got.reason));
        }
    }
    for (name, want) in &expect.headers {
        let values: Vec<&str> =
            got.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        let ok = match want {
            HeaderExpect::Exact(v) => values == [v.as_str()],
            HeaderExpect::List(list) => values == list.iter().map(String::as_str).collect::<Vec<_>>(),
            HeaderExpect::Absent => values.is_empty(),
            HeaderExpect::Present => !values.is_empty(),
            HeaderExpect::Contains(part) => values.iter().any(|v| v.contains(part.as_str())),
        };
        if !ok {
            diffs.push(format!("header {name}: expected {want:?}, got {values:?}"));
        }
    }
    let body_ok = match &expect.body {
        BodyExpect::Exact(b) => got.body == *b,
        BodyExpect::Contains(part) => got.body.contains(part.as_str()),
    };
    if !body_ok {
        diffs.push(format!("body: expected {:?}, got {:?}", expect.body, got.body));
    }
    diffs
}
