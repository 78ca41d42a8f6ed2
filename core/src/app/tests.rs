//! Connect semantics of the middleware stack: mounts, errors, final handler.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::*;
use crate::Error;
use crate::serve::memory::exchange;

/// One response as the client read it off the wire.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// Bytes after the first response (a second response must never be there).
    after: usize,
}

/// Serves one request to `app` over the in-memory driver and reads the answer.
fn run<C: Chain>(app: &App<C>, method: &str, target: &str) -> Answer {
    let wire = format!("{method} {target} HTTP/1.1\r\nHost: a\r\nX-Custom: abc\r\n\r\n");
    let out = exchange(app, wire.as_bytes());
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no response in {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status line");
    let headers: Vec<(String, String)> =
        lines.map(|l| l.split_once(": ").expect("header line")).map(|(n, v)| (n.to_string(), v.to_string())).collect();
    let length = headers.iter().find(|(n, _)| n == "Content-Length").map(|(_, v)| v.parse::<usize>().unwrap());
    let length = if method == "HEAD" { 0 } else { length.expect("a Content-Length response") };
    Answer { status, headers, body: rest[..length].to_string(), after: rest.len() - length }
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Ends the response with "url base_url".
async fn echo_url(req: &mut Request<'_>, res: &mut Response<'_>) -> Result<Flow, Error> {
    res.end(format!("{} {}", req.url(), req.base_url()).as_bytes()).await?;
    Ok(Flow::Done)
}

#[test]
fn mounts_nest_three_deep_and_compose_prefixes() {
    let inner = App::new().mount_fn("/c", echo_url);
    let middle = App::new().mount("/b", inner);
    let app = App::new().mount("/a", middle);
    let a = run(&app, "GET", "/A/b/C/d?x=1");
    assert_eq!(a.body, "/d?x=1 /A/b/C");
    assert_eq!(run(&app, "GET", "/a/b/c").body, "/ /a/b/c");
    assert_eq!(run(&app, "GET", "/a/bc").status, 404);
}

#[test]
fn later_layers_see_the_full_url_again() {
    let app = App::new().mount_fn("/admin", async |_req, _res| Ok(Flow::Next)).with_fn(echo_url);
    assert_eq!(run(&app, "GET", "/admin?x=1").body, "/admin?x=1 ");
}

/// Records the URL before and after the rest of the chain runs.
struct Around;

impl Middleware for Around {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        let before = req.url().to_string();
        next.run(req, res).await?;
        // The rest did not end the response; the onion ends it.
        res.end(format!("{before} {}", req.url()).as_bytes()).await
    }
}

#[test]
fn the_onion_sees_its_own_url_after_next() {
    let app = App::new().mount("/a", Around).with_fn(async |req, res| {
        res.set_header("X-Inner", format!("{} {}", req.url(), req.base_url()).as_bytes())?;
        Ok(Flow::Done)
    });
    let a = run(&app, "GET", "/a/b");
    assert_eq!((a.body.as_str(), a.header("X-Inner")), ("/b /b", Some("/a/b ")));
}

#[test]
fn an_error_skips_normal_layers_until_error_middleware() {
    let app = App::new()
        .with_fn(async |_req, _res| Err(Error::new("boom")))
        .with_fn(async |_req, res| {
            res.set_header("X-Ran", b"yes")?;
            Ok(Flow::Next)
        })
        .catch(async |e: Error, req, res| {
            res.end(format!("{} {}", e.message(), req.url()).as_bytes()).await?;
            Ok(Flow::Done)
        });
    let a = run(&app, "GET", "/x");
    assert_eq!((a.status, a.body.as_str(), a.header("X-Ran")), (200, "boom /x", None));
}

#[test]
fn error_middleware_is_skipped_without_an_error() {
    let app = App::new().catch(async |_e: Error, _req, _res| Err(Error::new("must not run"))).with_fn(echo_url);
    assert_eq!(run(&app, "GET", "/").body, "/ ");
}

#[test]
fn an_error_raised_inside_error_middleware_replaces_it() {
    let app = App::new()
        .with_fn(async |_req, _res| Err(Error::new("boom!")))
        .catch(async |_e: Error, _req, _res| Err(Error::new("oops")))
        .catch(async |e: Error, _req, res| {
            res.end(e.message().as_bytes()).await?;
            Ok(Flow::Done)
        });
    assert_eq!(run(&app, "GET", "/").body, "oops");
}

#[test]
fn error_middleware_may_recover_to_the_normal_chain() {
    let app = App::new()
        .with_fn(async |_req, _res| Err(Error::new("boom")))
        .catch(async |_e: Error, _req, _res| Ok(Flow::Next))
        .with_fn(echo_url);
    assert_eq!(run(&app, "GET", "/r").body, "/r ");
}

#[test]
fn an_error_from_a_sub_app_reaches_the_parents_error_middleware() {
    let blog = App::new().with_fn(async |_req, _res| Err(Error::new("x").with_status(418)));
    let app = App::new().mount("/blog", blog).catch(async |e: Error, req, res| {
        res.end(format!("{} {} {}", e.status(), req.url(), req.original_url()).as_bytes()).await?;
        Ok(Flow::Done)
    });
    assert_eq!(run(&app, "GET", "/blog/post").body, "418 /blog/post /blog/post");
}

#[test]
fn a_sub_app_handles_its_own_errors() {
    let blog = App::new().with_fn(async |_req, _res| Err(Error::new("boom"))).catch(async |e: Error, req, res| {
        res.end(format!("{} {}", e.message(), req.url()).as_bytes()).await?;
        Ok(Flow::Done)
    });
    let app = App::new().mount("/blog", blog).catch(async |_e: Error, _req, _res| Err(Error::new("parent ran")));
    assert_eq!(run(&app, "GET", "/blog/x").body, "boom /x");
}

#[test]
fn what_a_sub_app_does_not_answer_continues_in_the_parent() {
    let blog = App::new().with_fn(async |_req, res| {
        res.set_header("X-Blog", b"1")?;
        Ok(Flow::Next)
    });
    let app = App::new().mount("/blog", blog).with_fn(echo_url);
    let a = run(&app, "GET", "/blog/x");
    assert_eq!((a.body.as_str(), a.header("X-Blog")), ("/blog/x ", Some("1")));
}

/// Calls `next`, then fails: the error must not run the layers after it again.
struct FailAfterNext;

impl Middleware for FailAfterNext {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        next.run(req, res).await?;
        Err(Error::new("late"))
    }
}

#[test]
fn an_error_after_next_passes_out_without_rerunning_the_chain() {
    let app = App::new().with(FailAfterNext).catch(async |_e: Error, _req, res| {
        res.end(b"error middleware ran").await?;
        Ok(Flow::Done)
    });
    // Nothing answered, then the late error reaches the end: its page, not the catch.
    let a = run(&app, "GET", "/");
    assert_eq!(a.status, 500);
    assert!(a.body.contains("Error: late"), "{}", a.body);
}

#[test]
fn a_middleware_that_continues_after_responding() {
    let app = App::new().with_fn(async |_req, res| {
        res.end(b"body").await?;
        Ok(Flow::Next)
    });
    let a = run(&app, "GET", "/");
    assert_eq!((a.status, a.body.as_str(), a.after), (200, "body", 0));
    // A later layer that tries to answer again is refused; no second response.
    let app = app.with_fn(async |_req, res| {
        res.end(b"second").await?;
        Ok(Flow::Done)
    });
    // The refusal reaches the final handler after the response ended: the
    // connection closes (no error page, no second response).
    let a = run(&app, "GET", "/");
    assert_eq!((a.status, a.body.as_str(), a.after), (200, "body", 0));
}

#[test]
fn the_404_page() {
    let app = App::new().with_fn(async |_req, res| {
        res.set_header("Server", b"foobar")?;
        Ok(Flow::Next)
    });
    let a = run(&app, "GET", "/foo?bar=1");
    assert_eq!(a.status, 404);
    assert!(a.body.contains("<pre>Cannot GET /foo</pre>"));
    assert_eq!(a.body.len(), 142);
    for (name, value) in [
        ("Server", "foobar"),
        ("Content-Security-Policy", "default-src 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Type", "text/html; charset=utf-8"),
    ] {
        assert_eq!(a.header(name), Some(value), "{name}");
    }
    // HEAD: the page's length, no body.
    let a = run(&App::new(), "HEAD", "http://example.com/blog.json");
    assert_eq!((a.status, a.header("Content-Length"), a.after), (404, Some("149"), 0));
}

#[test]
fn final_pages_drop_content_headers_but_keep_the_rest() {
    let app = App::new().with_fn(async |_req, res| {
        res.set_header("Content-Language", b"jp")?.set_header("Content-Encoding", b"gzip")?;
        res.set_header("Content-Range", b"bytes 0-1/2")?.set_header("Server", b"x")?;
        Ok(Flow::Next)
    });
    let a = run(&app, "GET", "/foo");
    assert_eq!(a.status, 404);
    for gone in ["Content-Language", "Content-Encoding", "Content-Range"] {
        assert_eq!(a.header(gone), None, "{gone}");
    }
    assert_eq!(a.header("Server"), Some("x"));
}

#[test]
fn error_pages_in_development_and_production() {
    let fail = async |_req: &mut Request<'_>, _res: &mut Response<'_>| -> Result<Flow, Error> {
        Err(Error::new("b<o>om").with_status(503).with_header("Retry-After", "5"))
    };
    let a = run(&App::new().with_fn(fail), "GET", "/");
    assert_eq!((a.status, a.header("Retry-After")), (503, Some("5")));
    assert!(a.body.contains("<pre>Error: b&lt;o&gt;om</pre>"));
    let a = run(&App::new().with_fn(fail).production(true), "GET", "/");
    assert!(a.body.contains("<pre>Service Unavailable</pre>"));
    assert_eq!(a.body.len(), 146);
    // Without a valid status of its own, an error's headers are not used.
    let app =
        App::new().with_fn(async |_req, _res| Err(Error::new("x").with_header("X-Custom", "foo"))).production(true);
    let a = run(&app, "GET", "/");
    assert_eq!((a.status, a.header("X-Custom")), (500, None));
    // The response's own 4xx/5xx status stands in for a missing one.
    let app = App::new().with_fn(async |_req, res| {
        res.set_status(503);
        Err(Error::new("x"))
    });
    assert_eq!(run(&app, "GET", "/").status, 503);
}
