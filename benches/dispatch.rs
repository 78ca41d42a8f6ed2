//! Dispatch cost of the middleware stack: 0, 10 and 50 no-op layers before a
//! handler, and a handler behind 3 nested mounts. Run:
//! `cargo bench -p lamina-benches --bench dispatch`; results in `benches/README.md`.
// 50 layers nest 50 futures; rustc's default limit (128) allows 12 layers
// today (see "Depth" in `docs/design/connect-core.md`).
#![recursion_limit = "512"]

use core::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lamina::Error;
use lamina::app::{App, Chain, Continuation, Flow, Middleware, Next, Request, Response};
use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots};
use lamina::time::Instant;
use lamina_tests::block_on;

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
    res.end(b"ok")?;
    Ok(Flow::Done)
}

macro_rules! noops {
    ($app:expr; $($n:tt)*) => { $app $(.with({ let _ = $n; Noop }))* };
}

fn bench_app<C: Chain>(c: &mut Criterion, name: &str, app: &App<C>, target: &str) {
    let wire = format!("GET {target} HTTP/1.1\r\nHost: device.local\r\n\r\n");
    let mut conn: Connection = Connection::new(Config::new(), 1024, Instant::ZERO);
    let mut slots = HeaderSlots::new();
    let Ok(HeadStatus::Complete(head)) = conn.handle_head(wire.as_bytes(), &mut slots, Instant::ZERO) else {
        panic!("request parses")
    };
    let request = Request::new(&head);
    let (mut arena, mut body) = ([0u8; 256], [0u8; 256]);
    {
        let (mut req, mut res) = (request, Response::new(&mut arena, &mut body));
        block_on(app.dispatch(&mut req, &mut res));
        assert_eq!((res.status(), res.body()), (200, &b"ok"[..]), "{name} answers");
    }
    c.bench_function(name, |b| {
        b.iter(|| {
            let mut req = request;
            let mut res = Response::new(&mut arena, &mut body);
            black_box(block_on(app.dispatch(black_box(&mut req), &mut res)));
        })
    });
}

fn dispatch(c: &mut Criterion) {
    let app0 = App::new().with_fn(answer);
    let app10 = noops!(App::new(); 0 1 2 3 4 5 6 7 8 9).with_fn(answer);
    let app50 = noops!(App::new();
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
        25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49)
    .with_fn(answer);
    let mounted = App::new().mount("/a", App::new().mount("/b", App::new().mount_fn("/c", answer)));
    bench_app(c, "dispatch/0_layers", &app0, "/x");
    bench_app(c, "dispatch/10_noop_layers", &app10, "/x");
    bench_app(c, "dispatch/50_noop_layers", &app50, "/x");
    bench_app(c, "dispatch/3_nested_mounts", &mounted, "/a/b/c/d");
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
