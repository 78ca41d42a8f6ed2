//! `lamina_embassy::serve` with the demo app, between two in-process
//! embassy-net stacks on virtual time (see `host/mod.rs`).

mod host;

use embassy_futures::join::join_array;
use embassy_futures::select::{Either, select};
use host::{ClientSide, Conn, Fail, Http, run};
use lamina::serve::{Clock, Timer};
use lamina::time::{Duration, Instant};
use lamina_embassy::{Config, EmbassyTimer, Slot};
use lamina_tests::suite::{self, Transport};

fn slots<const N: usize>() -> Box<[Slot; N]> {
    Box::new([const { Slot::new() }; N])
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: device\r\n\r\n").into_bytes()
}

#[test]
fn get_hello() {
    let app = lamina_demo::app();
    let reply = run(&app, &mut slots::<4>(), Config::new(), async |side| {
        let mut http = Http::new(side.connect().await);
        let reply = http.send(&get("/hello")).await.unwrap();
        side.close(http.conn).await;
        reply
    });
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, b"hello from lamina\n");
    assert_eq!(reply.header("x-powered-by"), Some("lamina"));
    assert_eq!(reply.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(!reply.closes());
}

#[test]
fn post_echo_of_a_few_kib_comes_back_whole() {
    let body: Vec<u8> = (0..5000u32).map(|i| b"0123456789abcdefghijklmnopqrstuvwxyz"[i as usize % 36]).collect();
    let app = lamina_demo::app();
    let (reply, elapsed_ms) = run(&app, &mut slots::<4>(), Config::new(), async |side| {
        let mut http = Http::new(side.connect().await);
        let mut request = format!(
            "POST /echo HTTP/1.1\r\nHost: device\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        let start = side.now_ms();
        let reply = http.send(&request).await.unwrap();
        let elapsed = side.now_ms() - start;
        side.close(http.conn).await;
        (reply, elapsed)
    });
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    // Larger than the 1 KiB write buffer: streamed chunked.
    assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
    assert_eq!(reply.body.len(), body.len());
    assert!(reply.body == body);
    // Nagle is off: no chunk's tail waits for the client's delayed ACK (with
    // it on, this exchange takes 30 virtual ms).
    assert_eq!(elapsed_ms, 0);
}

#[test]
fn keep_alive_serves_three_requests_on_one_connection_without_waiting_for_acks() {
    let app = lamina_demo::app();
    let (replies, elapsed_ms) = run(&app, &mut slots::<4>(), Config::new(), async |side| {
        let mut http = Http::new(side.connect().await);
        let start = side.now_ms();
        let mut replies = Vec::new();
        for path in ["/hello", "/status", "/"] {
            replies.push(http.send(&get(path)).await.unwrap());
        }
        let elapsed = side.now_ms() - start;
        side.close(http.conn).await;
        assert_eq!(side.connections(), 1);
        (replies, elapsed)
    });
    assert_eq!(replies.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200, 200]);
    assert!(replies.iter().all(|r| !r.closes()));
    assert_eq!(replies[0].body, b"hello from lamina\n");
    assert!(replies[1].body.starts_with(b"requests: "));
    assert_eq!(replies[2].body, lamina_demo::INDEX.as_bytes());
    // No flush per response: nothing waits for the client's delayed ACK
    // (10 ms in smoltcp), so no virtual time passes at all.
    assert_eq!(elapsed_ms, 0);
}

/// A silent connection, and one that sends half a head, end exactly when
/// the header-read timeout says.
#[test]
fn header_read_timeout_ends_a_silent_connection_on_time() {
    let app = lamina_demo::app();
    let config = Config::new().http(lamina::h1::Config::new().header_read_timeout(Duration::from_millis(1500)));
    for partial in [&b""[..], b"GET /hello HTTP/1.1\r\nHost: de"] {
        let (outcome, waited_ms) = run(&app, &mut slots::<2>(), config, async |side| {
            let mut http = Http::new(side.connect().await);
            let start = side.now_ms();
            embedded_io_async::Write::write_all(&mut http.conn, partial).await.unwrap();
            let outcome = http.reply().await;
            let waited = side.now_ms() - start;
            if outcome.is_ok() {
                assert!(http.closed_cleanly().await, "the server closes after the 408");
            }
            side.close(http.conn).await;
            (outcome, waited)
        });
        assert_eq!(waited_ms, 1500, "with {partial:?} sent");
        match outcome {
            Ok(reply) => {
                assert_eq!(reply.status, 408, "with {partial:?} sent");
                assert!(reply.closes());
            }
            // Closing silently is fine too when nothing was sent (lamina answers).
            Err(Fail::Closed) if partial.is_empty() => {}
            Err(e) => panic!("with {partial:?} sent: {e:?}"),
        }
    }
}

/// What a browser tab does: `requests` GETs, on a kept-alive connection
/// while the server keeps it, reconnecting when it does not; a refused
/// connect is retried (inside `connect`), and a request that meets a
/// connection the server closed while idle is sent again on a new one.
async fn tab(side: &ClientSide<'_>, id: usize, requests: usize) -> TabStats {
    let mut stats = TabStats::default();
    let mut kept: Option<Http<'_>> = None;
    while stats.answered < requests {
        let (mut http, reused) = match kept.take() {
            Some(http) => (http, true),
            None => (Http::new(side.connect().await), false),
        };
        let path = format!("/hello?tab={id}&n={}", stats.answered);
        match http.send(&get(&path)).await {
            Ok(reply) => {
                assert_eq!((reply.status, &reply.body[..]), (200, &b"hello from lamina\n"[..]), "tab {id}");
                stats.answered += 1;
                if reply.closes() {
                    stats.closed_by_server += 1;
                    side.close(http.conn).await;
                } else {
                    kept = Some(http);
                }
            }
            // The keep-alive race: the server closed the idle connection as
            // the request left. A new connection's first request, though,
            // is always served.
            Err(Fail::Closed | Fail::Reset) if reused => {
                stats.resent += 1;
                side.close(http.conn).await;
            }
            Err(e) => panic!("tab {id}: {e:?} on a new connection"),
        }
    }
    if let Some(http) = kept {
        side.close(http.conn).await;
    }
    stats
}

#[derive(Debug, Default)]
struct TabStats {
    answered: usize,
    closed_by_server: usize,
    resent: usize,
}

#[test]
fn six_browser_connections_on_four_slots_all_complete() {
    let app = lamina_demo::app();
    let (stats, refusals, connections, ms) = run(&app, &mut slots::<4>(), Config::new(), async |side| {
        let tabs: [_; 6] = core::array::from_fn(|id| tab(side, id, 3));
        let stats = join_array(tabs).await;
        (stats, side.refusals(), side.connections(), side.now_ms())
    });
    eprintln!(
        "6 tabs × 3 requests on 4 slots: {stats:?}, {refusals} refused connects, {connections} connections, {ms} virtual ms"
    );
    assert!(stats.iter().all(|s| s.answered == 3));
    // Two of the six were refused at first and got in by retrying.
    assert!(refusals >= 2, "{refusals} refusals");
    // Pressure made the server give sockets back after responses.
    assert!(stats.iter().map(|s| s.closed_by_server).sum::<usize>() >= 2);
}

#[test]
fn pressure_closes_an_idle_connection_when_the_last_slot_is_taken() {
    let app = lamina_demo::app();
    let config = Config::new().http(lamina::h1::Config::new().idle_timeout(Duration::from_secs(30)));
    let (first, second, idle_closed_after_ms) = run(&app, &mut slots::<2>(), config, async |side| {
        // One slot serves `a`; the other still listens: keep-alive.
        let mut a = Http::new(side.connect().await);
        let first = a.send(&get("/hello")).await.unwrap();
        side.sleep(100).await;
        // `b` takes the last listening slot: `a`, idle, is closed at once
        // (not after its 30 s idle timeout).
        let start = side.now_ms();
        let mut b = Http::new(side.connect().await);
        let (closed, second) = embassy_futures::join::join(a.closed_cleanly(), b.send(&get("/hello"))).await;
        assert!(closed);
        let idle_closed_after = side.now_ms() - start;
        side.close(a.conn).await;
        side.close(b.conn).await;
        (first, second.unwrap(), idle_closed_after)
    });
    assert!(!first.closes(), "another slot listened: keep-alive");
    assert_eq!(second.status, 200);
    assert!(idle_closed_after_ms < 10, "idle connection closed after {idle_closed_after_ms} ms");
}

#[test]
fn one_slot_serves_one_request_per_connection() {
    let app = lamina_demo::app();
    let replies = run(&app, &mut slots::<1>(), Config::new(), async |side| {
        let mut replies = Vec::new();
        for _ in 0..3 {
            let mut http = Http::new(side.connect().await);
            replies.push(http.send(&get("/hello")).await.unwrap());
            assert!(http.closed_cleanly().await);
            side.close(http.conn).await;
        }
        replies
    });
    assert!(replies.iter().all(|r| r.status == 200 && r.closes()));
}

#[test]
fn thirty_sequential_connections_on_four_slots() {
    let app = lamina_demo::app();
    let (answered, refusals, elapsed_ms) = run(&app, &mut slots::<4>(), Config::new(), async |side| {
        let mut answered = 0;
        for i in 0..30 {
            let mut http = Http::new(side.connect().await);
            // Half the clients close themselves, half ask the server to.
            let request = if i % 2 == 0 {
                get("/hello")
            } else {
                b"GET /hello HTTP/1.1\r\nHost: device\r\nConnection: close\r\n\r\n".to_vec()
            };
            let reply = http.send(&request).await.unwrap();
            assert_eq!(reply.status, 200, "connection {i}");
            assert_eq!(reply.closes(), i % 2 == 1, "connection {i}");
            answered += 1;
            side.close(http.conn).await;
        }
        (answered, side.refusals(), side.now_ms())
    });
    assert_eq!(answered, 30);
    // A closed connection's slot listens again before the next client comes,
    // and no close waits for its linger: FINs cross at once.
    assert_eq!(refusals, 0);
    assert_eq!(elapsed_ms, 0);
}

#[test]
fn embassy_timer_follows_the_embassy_clock() {
    let app = lamina_demo::app();
    run(&app, &mut slots::<1>(), Config::new(), async |side| {
        let timer = EmbassyTimer;
        side.sleep(1234).await;
        assert_eq!(timer.now(), Instant::from_millis(1234));
        timer.sleep_until(Instant::from_micros(1_240_500)).await;
        // Rounded up to the next tick (1 µs), woken at the next 1 ms step.
        assert_eq!(timer.now(), Instant::from_millis(1241));
        // The end of time never fires and never overflows.
        let never = timer.sleep_until(Instant::from_micros(u64::MAX));
        let soon = side.sleep(5);
        assert!(matches!(select(never, soon).await, Either::Second(())));
        assert_eq!(timer.now(), Instant::from_millis(1246));
    });
}

/// The adapter conformance suite's transport: `ClientSide` forwards.
impl<'s> Transport for ClientSide<'s> {
    type Conn = Conn<'s>;

    async fn connect(&self) -> Conn<'s> {
        ClientSide::connect(self).await
    }

    async fn sleep(&self, ms: u64) {
        ClientSide::sleep(self, ms).await
    }

    async fn close(&self, conn: Conn<'s>) {
        ClientSide::close(self, conn).await
    }
}

async fn hello_over<T: Transport>(transport: &T) -> Vec<u8> {
    use embedded_io_async::{Read, Write};
    let mut conn = transport.connect().await;
    conn.write_all(b"GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match conn.read(&mut buf).await.unwrap() {
            0 => break,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
    transport.sleep(1).await;
    transport.close(conn).await;
    out
}

#[test]
fn client_side_is_a_conformance_transport() {
    let app = lamina_demo::app();
    // On another port than 80, too.
    let out = run(&app, &mut slots::<2>(), Config::new().port(8080), async |side| hello_over(side).await);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nhello from lamina\n"), "{text}");
}

/// A request body the server will not read, still arriving when it closes:
/// the close reads and discards it until the client's FIN, so no RST
/// destroys the response, and the slot serves the next client.
#[test]
fn an_unread_body_arriving_after_the_response_does_not_reset_it() {
    let app = lamina_demo::app();
    let config = Config::new().http(lamina::h1::Config::new().max_drain_len(0));
    let (reply, clean_eof, next) = run(&app, &mut slots::<1>(), config, async |side| {
        let mut conn = side.connect().await;
        let body = vec![b'x'; 20_000];
        let head = format!("POST /hello HTTP/1.1\r\nHost: device\r\nContent-Length: {}\r\n\r\n", body.len());
        let (mut reader, mut writer) = conn.split();
        let sending = async {
            use embedded_io_async::Write;
            writer.write_all(head.as_bytes()).await.unwrap();
            // Fails if the server resets the connection.
            writer.write_all(&body).await.is_ok()
        };
        let receiving = async {
            let mut out = Vec::new();
            let mut buf = [0u8; 512];
            let clean = loop {
                match reader.read(&mut buf).await {
                    Ok(0) => break true,
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                    Err(_) => break false,
                }
            };
            (out, clean)
        };
        let (sent, (out, clean_eof)) = embassy_futures::join::join(sending, receiving).await;
        assert!(sent, "the whole body went out");
        side.close(conn).await;
        let reply = host::parse(&out, true).unwrap().map(|(reply, _)| reply);
        let mut http = Http::new(side.connect().await);
        let next = http.send(&get("/hello")).await.unwrap();
        side.close(http.conn).await;
        (reply, clean_eof, next)
    });
    let reply = reply.expect("a whole response");
    // `/hello` answers GET only: the final handler's 404, and close.
    assert_eq!(reply.status, 404);
    assert!(reply.closes());
    assert!(clean_eof, "FIN, not RST");
    assert_eq!(next.status, 200);
}

/// A client that never closes its side holds the slot for the linger, then
/// is reset, and the slot listens again.
#[test]
fn a_client_that_never_closes_holds_its_slot_for_the_linger_only() {
    let app = lamina_demo::app();
    let config = Config::new().linger(Duration::from_millis(200));
    let (first, waited_ms, second, refusals) = run(&app, &mut slots::<1>(), config, async |side| {
        let mut a = Http::new(side.connect().await);
        let first = a.send(&get("/hello")).await.unwrap();
        // One slot: the response said close; `a` reads its FIN but keeps
        // its own side open.
        assert!(a.closed_cleanly().await);
        let start = side.now_ms();
        let mut b = Http::new(side.connect().await);
        let waited = side.now_ms() - start;
        let second = b.send(&get("/hello")).await.unwrap();
        side.close(b.conn).await;
        side.close(a.conn).await;
        (first, waited, second, side.refusals())
    });
    assert!(first.closes());
    assert_eq!(second.status, 200);
    // Refused every 5 ms until the linger ran out.
    assert!((200..=205).contains(&waited_ms), "waited {waited_ms} ms");
    assert!(refusals >= 40, "{refusals} refusals");
}

#[test]
fn demo_suite_between_two_embassy_stacks() {
    let app = lamina_demo::app();
    let config = Config::new().http(suite::config());
    let failures = run(&app, &mut slots::<4>(), config, async |side| suite::demo(side).await);
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn connect_conformance_cases_between_two_embassy_stacks() {
    suite::check_conformance_cases(|app, case, expect| {
        run(&app, &mut slots::<2>(), Config::new(), async |side| suite::conformance(side, case, expect).await)
    });
}
