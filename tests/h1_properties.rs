//! Property tests of the protocol core: random and mutated byte streams at
//! random split points. For every input the connection must not panic, must
//! produce well-framed responses (checked by the strict client), and must
//! produce the identical transcript however the bytes are split — and the
//! real connection driver (`lamina::serve`, run by `src/served.rs`) must put
//! the same bytes on the wire as the reference driver, at every split
//! (`same_outcome_at_any_split` runs both).
//!
//! Seeded and bounded: the same cases run on every machine in a few seconds.

use lamina::h1::Config;
use lamina_tests::client;
use lamina_tests::exchange::{App, Setup, run};
use lamina_tests::fuzz::same_outcome_at_any_split;
use lamina_tests::{Rng, vector};

/// Piece patterns: whole, byte by byte, and two random ones.
fn patterns(rng: &mut Rng, len: usize) -> Vec<Vec<usize>> {
    let random = |rng: &mut Rng| -> Vec<usize> { (0..8).map(|_| 1 + rng.below(len.max(1))).collect() };
    vec![vec![], vec![1], random(rng), random(rng)]
}

fn setups(rng: &mut Rng) -> Setup {
    Setup {
        app: [App::Echo, App::Stream, App::IgnoreBody, App::Fail][rng.below(4)],
        buffer_len: [64, 256, 4096][rng.below(3)],
        max_headers: [4, 32][rng.below(2)],
        config: Config::new().max_body_len([8, 1 << 20][rng.below(2)]).max_drain_len([0, 16, 1024][rng.below(3)]),
        body_limit: None,
        wait_at_end: rng.below(4) == 0,
    }
}

/// Checks one input; returns how many requests reached the app (answered
/// `200`, or `500` by the failing app), so each test can prove its cases get
/// past the parser.
fn check(rng: &mut Rng, input: &[u8]) -> usize {
    let setup = setups(rng);
    let patterns = patterns(rng, input.len());
    let refs: Vec<&[usize]> = patterns.iter().map(Vec::as_slice).collect();
    same_outcome_at_any_split(input, &refs, &setup);
    let t = run(input, &[], &setup);
    client::check(&t).map(|r| r.iter().filter(|r| matches!(r.status, 200 | 500)).count()).unwrap_or(0)
}

#[test]
fn random_bytes_at_random_splits() {
    let mut rng = Rng::new(0x1a3f_0001);
    const ALPHABET: &[u8] =
        b"GET POST HTTP/1.1\r\n:; ,0123456789abcdefxhost content-length transfer-encoding chunked\t\x00\x80";
    for _ in 0..5_000 {
        let len = rng.below(300);
        let input: Vec<u8> = (0..len)
            .map(|_| if rng.below(4) == 0 { rng.next_u64() as u8 } else { ALPHABET[rng.below(ALPHABET.len())] })
            .collect();
        check(&mut rng, &input);
    }
}

/// Small random edits of the vectors' valid and invalid requests reach deep
/// into the state machine: framing headers, chunk sizes, pipelined tails.
#[test]
fn mutated_vectors_at_random_splits() {
    let mut rng = Rng::new(0x1a3f_0002);
    let seeds = vector_requests();
    assert!(!seeds.is_empty());
    let mut served = 0;
    for _ in 0..10_000 {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut input);
        }
        served += check(&mut rng, &input);
    }
    println!("mutated vectors: {served} requests served");
    assert!(served > 1_000, "only {served} requests were served: the mutations are too destructive");
}

/// Generated requests with random framing headers and bodies, pipelined.
#[test]
fn generated_pipelines_at_random_splits() {
    let mut rng = Rng::new(0x1a3f_0003);
    let mut served = 0;
    for _ in 0..4_000 {
        let mut input = Vec::new();
        for _ in 0..1 + rng.below(3) {
            input.extend_from_slice(&generated_request(&mut rng));
        }
        served += check(&mut rng, &input);
    }
    println!("generated pipelines: {served} requests served");
    assert!(served > 2_000, "only {served} requests were served: the generator is off");
}

fn generated_request(rng: &mut Rng) -> Vec<u8> {
    let method = ["GET", "POST", "HEAD", "PUT", "OPTIONS"][rng.below(5)];
    let version = ["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"][rng.below(3)];
    let mut r = format!("{method} /p{} {version}\r\n", rng.below(100));
    if rng.below(8) != 0 {
        r.push_str("Host: h\r\n");
    }
    let body: String = (0..rng.below(40)).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    let chunked = rng.below(3) == 0;
    match rng.below(6) {
        0 => {}
        1 | 2 if !chunked => r.push_str(&format!("Content-Length: {}\r\n", body.len())),
        3 => r.push_str(&format!("Content-Length: {}\r\n", rng.below(50))),
        _ => {}
    }
    if chunked {
        r.push_str(["Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n"][rng.below(2)]);
    }
    for header in ["Connection: close\r\n", "Connection: keep-alive\r\n", "Expect: 100-continue\r\n", "X-A: b\r\n"] {
        if rng.below(5) == 0 {
            r.push_str(header);
        }
    }
    r.push_str("\r\n");
    if chunked {
        let mut rest = body.as_str();
        while !rest.is_empty() {
            let n = (1 + rng.below(10)).min(rest.len());
            r.push_str(&format!("{n:x}\r\n{}\r\n", &rest[..n]));
            rest = &rest[n..];
        }
        r.push_str("0\r\n\r\n");
    } else {
        r.push_str(&body);
    }
    r.into_bytes()
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    const INTERESTING: &[&[u8]] =
        &[b"\r\n", b"\n", b"\r", b" ", b":", b",", b"0", b"\x00", b"\x7f", b"chunked", b"Content-Length: 3\r\n"];
    let at = rng.below(input.len() + 1);
    match rng.below(5) {
        0 if at < input.len() => input[at] = rng.next_u64() as u8,
        1 if at < input.len() => {
            input.remove(at);
        }
        2 => {
            let piece = INTERESTING[rng.below(INTERESTING.len())];
            input.splice(at..at, piece.iter().copied());
        }
        3 if at < input.len() => {
            let end = (at + 1 + rng.below(16)).min(input.len());
            let copy = input[at..end].to_vec();
            input.splice(at..at, copy);
        }
        _ => input.truncate(at),
    }
}

fn vector_requests() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "http"))
        .filter_map(|p| vector::parse(&std::fs::read_to_string(p).ok()?).ok())
        .map(|v| v.request)
        .collect()
}
