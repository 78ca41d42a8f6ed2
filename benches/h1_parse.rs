//! Head parsing + framing in `lamina::h1` against bare `httparse` on the same
//! inputs, with the same header capacity. Run: `cargo bench -p lamina-benches --bench h1_parse`.
//! The ratio is recorded in `benches/README.md`.

use core::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lamina::h1::{Config, Connection, DEFAULT_MAX_HEADERS, HeadStatus, HeaderSlots};
use lamina::time::Instant;

const MINIMAL_GET: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

const BROWSER_GET: &[u8] = b"GET /static/app.js?v=3 HTTP/1.1\r\n\
Host: device.local\r\n\
Connection: keep-alive\r\n\
sec-ch-ua: \"Chromium\";v=\"156\", \"Not(A:Brand\";v=\"24\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n\
sec-ch-ua-platform: \"Linux\"\r\n\
Accept: */*\r\n\
Sec-Fetch-Site: same-origin\r\n\
Sec-Fetch-Mode: no-cors\r\n\
Sec-Fetch-Dest: script\r\n\
Referer: http://device.local/settings/network\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n\
Cookie: session=s%3Aabcdefghijklmnopqrstuvwxyz0123456789.SIGNATUREsignature; theme=dark\r\n\
If-None-Match: W/\"1f2e-3d4c5b6a\"\r\n\
If-Modified-Since: Mon, 23 Nov 2026 10:00:00 GMT\r\n\
Cache-Control: max-age=0\r\n\
DNT: 1\r\n\
Priority: u=1\r\n\
Pragma: no-cache\r\n\r\n";

const CHUNKED_POST: &[u8] = b"POST /api/firmware HTTP/1.1\r\n\
Host: device.local\r\n\
User-Agent: curl/8.11.0\r\n\
Accept: */*\r\n\
Content-Type: application/octet-stream\r\n\
Transfer-Encoding: chunked\r\n\r\n\
10\r\n0123456789abcdef\r\n0\r\n\r\n";

fn lamina_head(input: &[u8]) -> usize {
    let mut conn: Connection = Connection::new(Config::new(), 8192, Instant::ZERO);
    let mut slots = HeaderSlots::new();
    match conn.handle_head(black_box(input), &mut slots, Instant::ZERO) {
        Ok(HeadStatus::Complete(head)) => black_box(head).len(),
        _ => 0,
    }
}

fn bare_httparse(input: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; DEFAULT_MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(black_box(input)) {
        Ok(httparse::Status::Complete(n)) => black_box(&req).headers.len() + n,
        _ => 0,
    }
}

/// httparse without initializing the header array, as lamina calls it.
fn bare_httparse_uninit(input: &[u8]) -> usize {
    let mut headers = [const { core::mem::MaybeUninit::uninit() }; DEFAULT_MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(black_box(input), &mut headers) {
        Ok(httparse::Status::Complete(n)) => black_box(&req).headers.len() + n,
        _ => 0,
    }
}

fn parse(c: &mut Criterion) {
    for (name, input) in
        [("minimal_get", MINIMAL_GET), ("browser_get_20_headers", BROWSER_GET), ("chunked_post", CHUNKED_POST)]
    {
        assert!(lamina_head(input) > 0 && bare_httparse(input) > 0 && bare_httparse_uninit(input) > 0, "{name}");
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("httparse", |b| b.iter(|| bare_httparse(input)));
        group.bench_function("httparse_uninit", |b| b.iter(|| bare_httparse_uninit(input)));
        group.bench_function("lamina_h1", |b| b.iter(|| lamina_head(input)));
        group.finish();
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);
