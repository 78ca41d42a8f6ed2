//! Virtual-clock tests: every deadline of the protocol core, driven by
//! `Instant`s the test chooses. No test sleeps or reads a clock.

use lamina::h1::{
    BodyLength, Config, Connection, Deadline, EofAction, HeadStatus, HeaderSlots, Next, RequestError, Timeout,
    TimeoutAction,
};
use lamina::time::{Duration, Instant};
use lamina_tests::client;
use lamina_tests::exchange::{End, Transcript};

fn secs(s: u64) -> Instant {
    Instant::from_millis(s * 1_000)
}

fn config() -> Config {
    Config::new()
        .header_read_timeout(Duration::from_secs(10))
        .body_read_timeout(Duration::from_secs(30))
        .idle_timeout(Duration::from_secs(5))
        .write_timeout(Duration::from_secs(20))
}

fn deadline(conn: &Connection) -> Option<(Deadline, u64)> {
    conn.poll_timeout().map(|Timeout { deadline, at }| (deadline, at.as_millis() / 1_000))
}

/// Parses a head that must complete.
fn head(conn: &mut Connection, input: &[u8], now: Instant) -> usize {
    match conn.handle_head(input, &mut HeaderSlots::new(), now) {
        Ok(HeadStatus::Complete(h)) => h.len(),
        other => panic!("expected a complete head, got {other:?}"),
    }
}

/// Answers `204` and returns what comes next.
fn respond(conn: &mut Connection, now: Instant) -> Next {
    let mut out = [0u8; 128];
    conn.response_head(&mut out, 204, None).unwrap().finish(BodyLength::Known(0)).unwrap();
    conn.finish_response(&mut out, now).unwrap().next
}

/// The error response a timeout asks for, checked by the strict client.
fn timeout_response(conn: &mut Connection, action: TimeoutAction) -> u16 {
    let TimeoutAction::Respond(e) = action else { panic!("expected a response, got {action:?}") };
    let mut out = [0u8; 256];
    let n = conn.encode_error(e, &mut out).unwrap();
    let t = Transcript { output: out[..n].to_vec(), head_requests: vec![false], end: End::Closed };
    let responses = client::check(&t).unwrap();
    assert!(responses[0].close);
    responses[0].status
}

#[test]
fn slowloris_head_is_cut_at_the_header_deadline() {
    let request = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 123456789\r\n\r\n";
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    assert_eq!(deadline(&conn), Some((Deadline::HeaderRead, 10)));
    // One byte per second: trickling does not move the deadline.
    for (i, end) in (1..10).enumerate() {
        let now = secs(i as u64);
        assert!(matches!(conn.handle_head(&request[..end], &mut HeaderSlots::new(), now), Ok(HeadStatus::Partial)));
        assert_eq!(conn.handle_timeout(now), None);
        assert_eq!(deadline(&conn), Some((Deadline::HeaderRead, 10)));
    }
    assert_eq!(conn.handle_timeout(Instant::from_millis(9_999)), None);
    let action = conn.handle_timeout(secs(10)).unwrap();
    assert_eq!(action, TimeoutAction::Respond(RequestError::HeadTimeout));
    assert_eq!(timeout_response(&mut conn, action), 408);
    assert!(conn.is_closed());
    assert_eq!(conn.poll_timeout(), None);
}

#[test]
fn a_silent_new_connection_also_gets_408() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(3));
    assert_eq!(conn.handle_timeout(secs(12)), None);
    let action = conn.handle_timeout(secs(13)).unwrap();
    assert_eq!(timeout_response(&mut conn, action), 408);
}

#[test]
fn idle_keep_alive_closes_silently_and_the_next_head_starts_its_own_clock() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    head(&mut conn, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", secs(1));
    assert_eq!(deadline(&conn), None, "no read deadline while the app works");
    assert_eq!(respond(&mut conn, secs(100)), Next::ReadHead);
    assert_eq!(deadline(&conn), Some((Deadline::Idle, 105)));

    // A byte at 103 turns idle into head reading, with a fresh header deadline.
    assert!(matches!(conn.handle_head(b"G", &mut HeaderSlots::new(), secs(103)), Ok(HeadStatus::Partial)));
    assert_eq!(deadline(&conn), Some((Deadline::HeaderRead, 113)));
    assert_eq!(conn.handle_timeout(secs(110)), None);
    head(&mut conn, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", secs(112));
    assert_eq!(respond(&mut conn, secs(120)), Next::ReadHead);

    assert_eq!(conn.handle_timeout(secs(124)), None);
    assert_eq!(conn.handle_timeout(secs(125)), Some(TimeoutAction::Close));
    assert!(conn.is_closed());
}

#[test]
fn body_read_deadline_is_reset_by_progress() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    let n = head(&mut conn, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n", secs(0));
    assert_eq!(n, 47);
    // The app computes for a minute before reading: no deadline runs meanwhile.
    assert_eq!(conn.handle_timeout(secs(60)), None);
    conn.handle_read_start(secs(60));
    assert_eq!(deadline(&conn), Some((Deadline::BodyRead, 90)));
    conn.handle_read_start(secs(70)); // still the same wait: not reset
    assert_eq!(deadline(&conn), Some((Deadline::BodyRead, 90)));
    assert_eq!(conn.handle_body(b"ab").unwrap().data, 0..2);
    conn.handle_read_start(secs(80)); // progress, then a new wait
    assert_eq!(deadline(&conn), Some((Deadline::BodyRead, 110)));
    assert_eq!(conn.handle_timeout(secs(109)), None);
    let action = conn.handle_timeout(secs(110)).unwrap();
    assert_eq!(action, TimeoutAction::Respond(RequestError::BodyTimeout));
    assert_eq!(timeout_response(&mut conn, action), 408);
}

#[test]
fn body_stall_after_the_response_started_just_closes() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    head(&mut conn, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n", secs(0));
    let mut out = [0u8; 128];
    conn.response_head(&mut out, 200, None).unwrap().finish(BodyLength::Streaming).unwrap();
    conn.handle_read_start(secs(1));
    assert_eq!(conn.handle_timeout(secs(31)), Some(TimeoutAction::Close));
}

#[test]
fn draining_is_bounded_by_the_body_read_deadline() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    head(&mut conn, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n", secs(0));
    assert_eq!(respond(&mut conn, secs(1)), Next::Drain);
    conn.handle_read_start(secs(1));
    assert_eq!(conn.handle_drain(b"ab", secs(2)).next, Next::Drain);
    conn.handle_read_start(secs(2));
    assert_eq!(deadline(&conn), Some((Deadline::BodyRead, 32)));
    assert_eq!(conn.handle_timeout(secs(32)), Some(TimeoutAction::Close));
}

#[test]
fn write_deadline_frees_a_connection_whose_client_never_reads() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    head(&mut conn, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", secs(0));
    conn.handle_write_start(secs(1));
    assert_eq!(deadline(&conn), Some((Deadline::Write, 21)));
    conn.handle_write_start(secs(15)); // a partial write made progress
    assert_eq!(deadline(&conn), Some((Deadline::Write, 35)));
    assert_eq!(conn.handle_timeout(secs(34)), None);
    assert_eq!(conn.handle_timeout(secs(35)), Some(TimeoutAction::Close));
}

#[test]
fn the_earliest_deadline_wins() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    head(&mut conn, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n", secs(0));
    conn.handle_read_start(secs(0)); // body: 30
    conn.handle_write_start(secs(5)); // write: 25
    assert_eq!(deadline(&conn), Some((Deadline::Write, 25)));
    conn.handle_write_done();
    assert_eq!(deadline(&conn), Some((Deadline::BodyRead, 30)));
}

#[test]
fn pipelined_requests_in_the_buffer_never_see_the_idle_deadline() {
    let wire = b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    let n = head(&mut conn, wire, secs(0));
    assert_eq!(respond(&mut conn, secs(50)), Next::ReadHead);
    // The second head is already buffered: it is served at once, at any time.
    head(&mut conn, &wire[n..], secs(50));
    assert_eq!(deadline(&conn), None);
    assert_eq!(respond(&mut conn, secs(51)), Next::ReadHead);
    assert_eq!(deadline(&conn), Some((Deadline::Idle, 56)));
}

#[test]
fn deadlines_at_the_end_of_time_do_not_wrap() {
    let config = Config::new().idle_timeout(Duration::MAX).header_read_timeout(Duration::MAX);
    let mut conn: Connection = Connection::new(config, 1024, Instant::from_micros(u64::MAX - 5));
    assert_eq!(conn.poll_timeout().map(|t| t.at), Some(Instant::from_micros(u64::MAX)));
    assert_eq!(conn.handle_timeout(Instant::from_micros(u64::MAX - 1)), None);
}

#[test]
fn eof_while_idle_is_a_quiet_close() {
    let mut conn: Connection = Connection::new(config(), 1024, secs(0));
    head(&mut conn, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", secs(0));
    respond(&mut conn, secs(1));
    assert_eq!(conn.handle_eof(b""), EofAction::Close);
    assert_eq!(conn.poll_timeout(), None);
}
