//! Dispatch cost of the middleware stack: 0, 10 and 50 no-op layers before a
//! handler — as `Middleware` impls and as `with_fn` closures —, a handler
//! behind 3 nested mounts. Run:
//! `cargo bench -p lamina-benches --bench dispatch`; results in `benches/README.md`.
// 50 layers nest 50 futures; at rustc's default limit (128) one request path
// crosses about 11 `Middleware` layers or 22 closure layers (see "Depth" in
// `docs/design/connect-core.md`).
#![recursion_limit = "1024"]

use core::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lamina::Error;
use lamina::app::{App, Chain, Continuation, Flow, Middleware, Next, Outcome, Request, Response};
use lamina::serve::memory::with_request;

/// A no-op layer: looks at a header and calls `next`.
#[derive(Clone, Copy)]
struct Noop;

impl Middleware for Noop {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        black_box(req.header("host"));
        next.run(req, res).await
    }
}

async fn answer(_req: &mut Request<'_>, res: &mut Response<'_>) -> Result<Flow, Error> {
    res.end(b"ok").await?;
    Ok(Flow::Done)
}

macro_rules! noops {
    ($app:expr; $($n:tt)*) => { $app $(.with({ let _ = $n; Noop }))* };
}

/// The same no-op as an `async` closure ([`App::with_fn`]).
macro_rules! noop_fns {
    ($app:expr; $($n:tt)*) => {
        $app $(.with_fn(async |req, _res| {
            let _ = $n;
            black_box(req.header("host"));
            Ok(Flow::Next)
        }))*
    };
}

/// Dispatches one parsed request again and again (`with_request`: the head is
/// parsed once; each run builds the request, the response and the channel,
/// runs the app with the IO pump beside it, and discards the output).
fn bench_app<C: Chain>(c: &mut Criterion, name: &str, app: &App<C>, target: &str) {
    let wire = format!("GET {target} HTTP/1.1\r\nHost: device.local\r\n\r\n");
    with_request(wire.as_bytes(), |prepared| {
        let done = prepared.dispatch(app);
        assert_eq!((done.outcome, done.status, done.body_bytes), (Outcome::Answered, 200, 2), "{name} answers");
        c.bench_function(name, |b| b.iter(|| black_box(prepared.dispatch(black_box(app)))));
    })
    .expect("request parses");
}

/// A layer that does nothing at all but continue.
macro_rules! empty_fns {
    ($app:expr; $($n:tt)*) => {
        $app $(.with_fn(async |_req, _res| {
            let _ = $n;
            Ok(Flow::Next)
        }))*
    };
}

fn dispatch(c: &mut Criterion) {
    let app0 = App::new().with_fn(answer);
    let app10 = noops!(App::new(); 0 1 2 3 4 5 6 7 8 9).with_fn(answer);
    let app50 = noops!(App::new();
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
        25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49)
    .with_fn(answer);
    let fn10 = noop_fns!(App::new(); 0 1 2 3 4 5 6 7 8 9).with_fn(answer);
    let fn50 = noop_fns!(App::new();
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
        25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49)
    .with_fn(answer);
    let mounted = App::new().mount("/a", App::new().mount("/b", App::new().mount_fn("/c", answer)));
    bench_app(c, "dispatch/0_layers", &app0, "/x");
    bench_app(c, "dispatch/10_noop_layers", &app10, "/x");
    bench_app(c, "dispatch/50_noop_layers", &app50, "/x");
    bench_app(c, "dispatch/10_fn_layers", &fn10, "/x");
    bench_app(c, "dispatch/50_fn_layers", &fn50, "/x");
    let empty50 = empty_fns!(App::new();
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
        25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49)
    .with_fn(answer);
    bench_app(c, "dispatch/50_empty_fn_layers", &empty50, "/x");
    bench_app(c, "dispatch/3_nested_mounts", &mounted, "/a/b/c/d");
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
