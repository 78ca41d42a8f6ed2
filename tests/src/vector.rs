//! The `.http` vector format of `tests/vectors/`.
//!
//! ```text
//! # What this vector shows, and the RFC clause if one applies.
//! % buffer 64                  (optional settings, one per line; see below)
//! --- request
//! POST /upload HTTP/1.1        every line is sent followed by CRLF,
//! Host: a                      unless it ends with a lone backslash;
//! Content-Length: 5            escapes: \r \n \t \\ \xHH
//!
//! hello\
//! --- expect
//! 200 keep POST /upload body=hello
//! end eof
//! ```
//!
//! Each `expect` line is one response, in order: `<status> <keep|close>`,
//! then optionally the exact body the echo app answered with
//! (`METHOD TARGET[ body=<escaped body>]`). An optional last line
//! `end eof|closed|drain-closed|timed-out` says how the connection ended:
//! `eof` when the input ran out first, `closed` when the server closed on its
//! own, `drain-closed` when it closed while draining an unread chunked body,
//! `timed-out` when a deadline expired (with `% wait`).
//!
//! Settings: `buffer N` (read buffer, default 4096), `headers 4` (header
//! capacity, default 32), `app echo|stream|ignore-body|fail` (`fail` answers
//! `500` without reading the body, as an app error does), `body_limit N` (a
//! route limit), `wait` (when the input ends the client stays connected and
//! silent: the virtual clock passes every deadline), and the [`Config`](lamina::h1::Config) fields `max_head_len`,
//! `max_target_len`, `max_body_len`, `max_chunk_ext_len`, `max_trailer_len`,
//! `max_drain_len`, `max_empty_lines`.

use crate::exchange::{App, End, Setup};

/// One parsed vector file.
#[derive(Clone, Debug)]
pub struct Vector {
    /// The comment lines.
    pub description: String,
    /// How to run it.
    pub setup: Setup,
    /// The exact bytes to send.
    pub request: Vec<u8>,
    /// The expected responses.
    pub expect: Vec<Expected>,
    /// How the connection must end, if stated.
    pub end: Option<End>,
}

/// One expected response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Status code.
    pub status: u16,
    /// Whether it carries `Connection: close`.
    pub close: bool,
    /// The exact body, when given.
    pub body: Option<String>,
}

/// Parses a vector file.
pub fn parse(text: &str) -> Result<Vector, String> {
    let mut setup = Setup::default();
    let mut description = String::new();
    let mut lines = text.lines();
    for line in lines.by_ref() {
        if line == "--- request" {
            break;
        } else if let Some(comment) = line.strip_prefix('#') {
            description.push_str(comment.trim());
            description.push('\n');
        } else if let Some(setting) = line.strip_prefix('%') {
            apply_setting(&mut setup, setting.trim())?;
        } else if !line.trim().is_empty() {
            return Err(format!("unexpected line before `--- request`: {line:?}"));
        }
    }
    let mut request = Vec::new();
    let mut found_expect = false;
    for line in lines.by_ref() {
        if line == "--- expect" {
            found_expect = true;
            break;
        }
        // An odd number of trailing backslashes: the last one joins lines.
        let trailing = line.bytes().rev().take_while(|&b| b == b'\\').count();
        let (content, joined) = match line.strip_suffix('\\') {
            Some(c) if trailing % 2 == 1 => (c, true),
            _ => (line, false),
        };
        unescape(content, &mut request)?;
        if !joined {
            request.extend_from_slice(b"\r\n");
        }
    }
    if !found_expect {
        return Err("missing `--- expect`".into());
    }
    let mut expect = Vec::new();
    let mut end = None;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        if let Some(how) = line.strip_prefix("end ") {
            end = Some(match how.trim() {
                "eof" => End::Eof,
                "closed" => End::Closed,
                "drain-closed" => End::DrainClosed,
                "timed-out" => End::TimedOut,
                other => return Err(format!("unknown end {other:?}")),
            });
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let status = parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| format!("bad expect line {line:?}"))?;
        let close = match parts.next() {
            Some("keep") => false,
            Some("close") => true,
            _ => return Err(format!("expect line needs keep|close: {line:?}")),
        };
        expect.push(Expected { status, close, body: parts.next().map(str::to_owned) });
    }
    Ok(Vector { description, setup, request, expect, end })
}

fn apply_setting(setup: &mut Setup, setting: &str) -> Result<(), String> {
    if setting == "wait" {
        setup.wait_at_end = true;
        return Ok(());
    }
    let (key, value) = setting.split_once(' ').ok_or_else(|| format!("bad setting {setting:?}"))?;
    let value = value.trim();
    let number = || value.parse::<u64>().map_err(|_| format!("bad number in {setting:?}"));
    let c = &mut setup.config;
    match key {
        "buffer" => setup.buffer_len = number()? as usize,
        "headers" => setup.max_headers = number()? as usize,
        "body_limit" => setup.body_limit = Some(number()?),
        "app" => {
            setup.app = match value {
                "echo" => App::Echo,
                "stream" => App::Stream,
                "ignore-body" => App::IgnoreBody,
                "fail" => App::Fail,
                _ => return Err(format!("unknown app {value:?}")),
            }
        }
        "max_head_len" => *c = c.max_head_len(number()? as usize),
        "max_target_len" => *c = c.max_target_len(number()? as usize),
        "max_body_len" => *c = c.max_body_len(number()?),
        "max_chunk_ext_len" => *c = c.max_chunk_ext_len(number()? as usize),
        "max_trailer_len" => *c = c.max_trailer_len(number()? as usize),
        "max_drain_len" => *c = c.max_drain_len(number()?),
        "max_empty_lines" => *c = c.max_empty_lines(number()? as usize),
        _ => return Err(format!("unknown setting {key:?}")),
    }
    Ok(())
}

fn unescape(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = [bytes.next().unwrap_or(b'?'), bytes.next().unwrap_or(b'?')];
                let hex = core::str::from_utf8(&hex).map_err(|_| "bad \\x escape")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad \\x escape {hex:?}"))?);
            }
            other => return Err(format!("unknown escape \\{:?}", other.map(char::from))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = "# A body.\n% buffer 64\n--- request\nPOST /upload HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello\\\n--- expect\n200 keep POST /upload body=hello\nend eof\n";
        let v = parse(text).unwrap();
        assert_eq!(v.request, b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(v.setup.buffer_len, 64);
        assert_eq!(v.expect, [Expected { status: 200, close: false, body: Some("POST /upload body=hello".into()) }]);
        assert_eq!(v.end, Some(End::Eof));
    }

    #[test]
    fn escapes() {
        let v = parse("--- request\nA\\r\\nB\\x00\\\\\\\nC\\n\\\n--- expect\n").unwrap();
        assert_eq!(v.request, b"A\r\nB\x00\\C\n");
    }
}
