//! Which conformance cases lamina runs, and lamina's expectation where it
//! differs on purpose: shared by the in-memory run (`tests/conformance.rs`)
//! and the runs over each adapter's real sockets.

use std::path::Path;

use super::{BodyExpect, Case, Expect, HeaderExpect, connect, load, parse};

const NOT_FOUND_FOO: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /foo</pre>\n</body>\n</html>\n";

/// lamina's expectation for a Connect case of `divergences.json`, written
/// out here rather than derived from the note, with the note it implements.
pub fn divergence(id: &str) -> Option<(&'static str, Expect)> {
    match id {
        // The reference (finalhandler 1.1.2, used by Connect 3.7) keeps
        // `Content-Language` and `Content-Encoding` set by earlier middleware
        // on its 404 page. lamina_note: "lamina removes
        // Content-Encoding/Language/Range from error pages, as current
        // finalhandler does" — so both headers must be gone, the page itself
        // unchanged.
        "final-c-keeps-content-language" => Some((
            "lamina removes Content-Encoding/Language/Range from error pages, as current finalhandler does",
            Expect {
                status: 404,
                reason: Some("Not Found".into()),
                headers: vec![
                    ("Content-Language".into(), HeaderExpect::Absent),
                    ("Content-Encoding".into(), HeaderExpect::Absent),
                    ("Content-Type".into(), HeaderExpect::Exact("text/html; charset=utf-8".into())),
                    ("Content-Length".into(), HeaderExpect::Exact("142".into())),
                ],
                body: BodyExpect::Exact(NOT_FOUND_FOO.into()),
            },
        )),
        // Express 4 does not end a mount at `.`; lamina keeps Connect's
        // (and Express 3's) rule, so `/blog` matches `/blog.json`.
        "mount-e-dot-not-boundary" => Some((
            "lamina mounts end at \".\" too (Connect and Express 3 rule)",
            Expect { status: 200, reason: None, headers: Vec::new(), body: BodyExpect::Exact("/.json".into()) },
        )),
        // Express 4 collapses the empty segment after a mount; lamina keeps
        // the rest of the path as it came, as Connect does.
        "mount-e-double-slash" => Some((
            "lamina keeps the empty segment (\"//post\"), as Connect does",
            Expect { status: 200, reason: None, headers: Vec::new(), body: BodyExpect::Exact("//post /blog".into()) },
        )),
        _ => None,
    }
}

/// Cases of this interpreter's own, for what the 41 cases touch only lightly:
/// sub-apps (which the interpreter runs behind a type-erased continuation)
/// continuing into, failing into and recovering into their parents, nested
/// three deep, and skipped while an error passes; and two edge cases of the
/// mount at `/` that stands for Connect's `use(fn)` (Connect skips it for
/// `OPTIONS *`, as lamina's mount does). The expectations were recorded from
/// Connect 3.7.0 with `shared/conformance/run-node.js --record`.
pub const OWN_CASES: &str = r#"[
{"id": "x-subapp-unanswered-continues-in-parent", "app": {"framework": "connect", "stack": [{"use": "/blog", "mw": [{"app": {"kind": "app", "stack": [{"use": null, "mw": ["set_header:X-Blog:1", "log:in:url", "next"]}]}}]}, {"use": null, "mw": ["echo:url,log"]}]}, "request": {"method": "GET", "url": "/blog/x", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"X-Blog": "1", "Content-Length": "13"}, "body": "/blog/x in=/x"}},
{"id": "x-subapp-error-reaches-parent", "app": {"framework": "connect", "stack": [{"use": "/blog", "mw": [{"app": {"kind": "app", "stack": [{"use": null, "mw": ["error:x:status=418"]}, {"use": null, "mw": ["echo:url"]}]}}]}, {"use": null, "mw": ["echo:url"]}, {"use": null, "mw": ["err_echo:err.status,err.message,url,originalUrl"]}]}, "request": {"method": "GET", "url": "/blog/post", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"Content-Length": "27"}, "body": "418 x /blog/post /blog/post"}},
{"id": "x-subapp-skipped-while-erroring", "app": {"framework": "connect", "stack": [{"use": null, "mw": ["error:boom"]}, {"use": null, "mw": [{"app": {"kind": "app", "stack": [{"use": null, "mw": ["err_echo:err.message"]}]}}]}, {"use": null, "mw": ["err_echo:url,err.message"]}]}, "request": {"method": "GET", "url": "/z", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"Content-Length": "7"}, "body": "/z boom"}},
{"id": "x-subapps-nest-three-deep", "app": {"framework": "connect", "stack": [{"use": "/a", "mw": [{"app": {"kind": "app", "stack": [{"use": "/b", "mw": [{"app": {"kind": "app", "stack": [{"use": "/c", "mw": ["log:c:url", {"app": {"kind": "app", "stack": [{"use": null, "mw": ["log:d:url", "next"]}]}}, "echo:url,originalUrl,log"]}]}}]}]}}]}]}, "request": {"method": "GET", "url": "/A/b/C/d?x=1", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"Content-Length": "37"}, "body": "/d?x=1 /A/b/C/d?x=1 c=/d?x=1,d=/d?x=1"}},
{"id": "x-subapp-recovers-into-parent", "app": {"framework": "connect", "stack": [{"use": "/s", "mw": [{"app": {"kind": "app", "stack": [{"use": null, "mw": ["throw:bad", "log:skipped", "err_log:caught", "err_recover", "log:after:url"]}]}}]}, {"use": null, "mw": ["echo:url,log"]}]}, "request": {"method": "GET", "url": "/s/t", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"Content-Length": "20"}, "body": "/s/t caught,after=/t"}},
{"id": "x-nested-unhandled-error-final-page", "app": {"framework": "connect", "settings": {"env": "production"}, "stack": [{"use": "/s", "mw": [{"app": {"kind": "app", "stack": [{"use": "/t", "mw": [{"app": {"kind": "app", "stack": [{"use": null, "mw": ["error:gone:status=410:header.X-Why=deep"]}]}}]}]}}]}, {"use": null, "mw": ["echo:url"]}]}, "request": {"method": "GET", "url": "/s/t/u", "headers": {"Host": "localhost"}}, "expect": {"status": 410, "reason": "Gone", "headers": {"X-Why": "deep", "Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8", "Content-Length": "131"}, "body": "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Gone</pre>\n</body>\n</html>\n"}},
{"id": "x-nested-not-found", "app": {"framework": "connect", "stack": [{"use": "/s", "mw": [{"app": {"kind": "app", "stack": [{"use": "/t", "mw": [{"app": {"kind": "app", "stack": [{"use": "/nope", "mw": ["end:no"]}]}}]}]}}]}]}, "request": {"method": "HEAD", "url": "/s/t/u", "headers": {"Host": "localhost"}}, "expect": {"status": 404, "reason": "Not Found", "headers": {"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8", "Content-Length": "145"}, "body": ""}},
{"id": "x-err-throw-in-subapp-replaces", "app": {"framework": "connect", "stack": [{"use": null, "mw": ["error:first"]}, {"use": "/q", "mw": [{"app": {"kind": "app", "stack": [{"use": null, "mw": ["next"]}]}}, "err_throw:second"]}, {"use": null, "mw": ["err_echo:err.message,err.status,url"]}]}, "request": {"method": "GET", "url": "/q/r", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"Content-Length": "21"}, "body": "second undefined /q/r"}},
{"id": "x-star", "app": {"framework": "connect", "stack": [{"use": null, "mw": ["echo:url"]}]}, "request": {"method": "OPTIONS", "url": "*", "headers": {"Host": "localhost"}}, "expect": {"status": 404, "reason": "Not Found", "headers": {"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8", "Content-Length": "143"}, "body": "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot OPTIONS *</pre>\n</body>\n</html>\n"}},
{"id": "x-abs-nopath", "app": {"framework": "connect", "stack": [{"use": "/", "mw": ["echo:url,originalUrl"]}]}, "request": {"method": "GET", "url": "http://example.com", "headers": {"Host": "localhost"}}, "expect": {"status": 200, "headers": {"Content-Length": "37"}, "body": "http://example.com http://example.com"}}
]"#;

/// Express cases whose app is written only in the Connect vocabulary (`use`,
/// mounts, error middleware, `end`/`echo`/`next`/...) exercise Connect
/// behaviour that Express inherited: they also run through the Connect
/// interpreter (so over every adapter) — except where Express's own request
/// helpers answer differently.
pub const EXPRESS_ONLY: &[(&str, &str)] =
    &[("req-e-header-referrer-alias", "Express's req.get() treats Referrer and Referer as one header")];

/// Express cases lamina does not pass yet, each with what is missing: the
/// Express conformance test requires that exactly these fail, so one that
/// starts passing must be taken off this list.
pub const EXPRESS_PENDING: &[(&str, &str)] = &[
    ("params-e-app-param-set-value", "route parameters are ranges of the URL; a param callback cannot assign one"),
    (
        "params-e-malformed-error-message",
        "Error messages are &'static str; Express puts the parameter's text in the message",
    ),
    ("req-e-query-disabled", "no `query parser` setting: the query is parsed only when a handler asks"),
    ("res-e-json-spaces", "no `json spaces` setting: res.json writes compact JSON"),
    ("router-e-url-rewrite", "Request has no way to rewrite its URL (req.url = ...)"),
];

/// The cases lamina answers like Connect, each with the expectation to meet.
#[derive(Clone, Debug, Default)]
pub struct Selected {
    /// Every `"framework": "connect"` case of `cases.json`.
    pub connect: Vec<(Case, Expect)>,
    /// The Connect cases of `divergences.json`, with lamina's expectation.
    pub divergences: Vec<(Case, Expect)>,
    /// [`OWN_CASES`].
    pub own: Vec<(Case, Expect)>,
    /// Express cases written only in the Connect vocabulary (turned into
    /// Connect apps), but for [`EXPRESS_ONLY`].
    pub express_as_connect: Vec<(Case, Expect)>,
    /// Every `"framework": "express"` case of `cases.json` and
    /// `divergences.json` (those with lamina's expectation), for the
    /// Express interpreter.
    pub express: Vec<(Case, Expect)>,
}

impl Selected {
    /// Every case the Connect interpreter runs.
    pub fn all(&self) -> impl Iterator<Item = &(Case, Expect)> {
        self.connect.iter().chain(&self.divergences).chain(&self.own).chain(&self.express_as_connect)
    }
}

/// Loads and selects the cases of `shared/conformance/` (the directory).
pub fn select(dir: &Path) -> Result<Selected, String> {
    let cases = load(&dir.join("cases.json"))?;
    let mut selected = Selected::default();
    for case in &cases {
        if case.framework == "connect" {
            selected.connect.push((case.clone(), case.expect.clone()));
            continue;
        }
        selected.express.push((case.clone(), case.expect.clone()));
        let mut as_connect = case.clone();
        as_connect.app["framework"] = "connect".into();
        // Not in the Connect vocabulary (routes, settings, Express helpers): the Express issue's.
        if connect::build_root(&as_connect.app, &Default::default()).is_err()
            || EXPRESS_ONLY.iter().any(|(id, _)| *id == case.id)
        {
            continue;
        }
        selected.express_as_connect.push((as_connect, case.expect.clone()));
    }
    for case in load(&dir.join("divergences.json"))? {
        let (note, expect) =
            divergence(&case.id).ok_or_else(|| format!("{}: a divergence without a lamina expectation", case.id))?;
        if case.lamina_note.as_deref() != Some(note) {
            return Err(format!("{}: the divergence's note changed", case.id));
        }
        match case.framework.as_str() {
            "connect" => selected.divergences.push((case, expect)),
            _ => selected.express.push((case, expect)),
        }
    }
    selected.own = parse(OWN_CASES)?
        .into_iter()
        .map(|c| {
            let e = c.expect.clone();
            (c, e)
        })
        .collect();
    Ok(selected)
}
