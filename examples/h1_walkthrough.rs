//! A walk through lamina's sans-IO HTTP/1.1 core, with no network and no runtime.
//!
//! `cargo run -p lamina-examples --example h1_walkthrough`
//!
//! A scripted client sends three pipelined requests in one stream — a GET, a
//! chunked upload, then one that smuggles a second body length — through a
//! 256-byte buffer, 7 bytes per read. The example drives
//! `lamina::h1::Connection` exactly as an adapter does and prints both sides.

use lamina::h1::{BodyLength, Config, Connection, HeadStatus, HeaderSlots, MAX_CHUNK_PREFIX, Next};
use lamina::time::Instant;

const CLIENT: &[u8] = b"GET /status HTTP/1.1\r\nHost: device.local\r\n\r\n\
POST /upload HTTP/1.1\r\nHost: device.local\r\nTransfer-Encoding: chunked\r\n\r\n\
5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n\
POST /smuggle HTTP/1.1\r\nHost: device.local\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

/// The client's bytes, 7 at a time, like a slow socket.
struct Socket {
    sent: usize,
}

impl Socket {
    fn read(&mut self, buf: &mut [u8]) -> usize {
        let n = 7.min(buf.len()).min(CLIENT.len() - self.sent);
        buf[..n].copy_from_slice(&CLIENT[self.sent..self.sent + n]);
        self.sent += n;
        n
    }
}

fn main() {
    let mut socket = Socket { sent: 0 };
    let mut buf = [0u8; 256];
    let (mut start, mut filled) = (0, 0);
    let now = Instant::ZERO;
    let mut conn: Connection = Connection::new(Config::new(), buf.len(), now);
    let mut wire_out = Vec::new();

    loop {
        // 1. Read until a head is complete. Fresh (uninitialized, free) slots
        //    per attempt: re-assigning them ends the previous attempt's borrow
        //    of the buffer, so the buffer can be refilled.
        let mut slots;
        let head = loop {
            slots = HeaderSlots::new();
            match conn.handle_head(&buf[start..filled], &mut slots, now) {
                Ok(HeadStatus::Complete(head)) => break Ok(head),
                Ok(HeadStatus::Partial) => {
                    buf.copy_within(start..filled, 0);
                    (filled, start) = (filled - start, 0);
                    let n = socket.read(&mut buf[filled..]);
                    if n == 0 {
                        println!("client closed the connection");
                        return;
                    }
                    filled += n;
                }
                Err(e) => break Err(e),
            }
        };
        let head = match head {
            Ok(head) => head,
            Err(e) => {
                println!("\n--> refused: {e} ({})", e.status());
                let mut page = [0u8; 256];
                let n = conn.encode_error(e, &mut page).expect("fits");
                wire_out.extend_from_slice(&page[..n]);
                print_response(&page[..n]);
                break;
            }
        };
        let (method, target) = (head.method().to_owned(), head.target().to_owned());
        println!("\n--> {method} {target} ({} header lines, body: {:?})", head.headers().len(), conn.body_kind());
        start += head.len();

        // 2. Read the body, decoding in place.
        let mut body = Vec::new();
        while !conn.is_body_done() {
            let step = conn.handle_body(&buf[start..filled]).expect("a valid body");
            body.extend_from_slice(&buf[start..filled][step.data.clone()]);
            start += step.consumed;
            if step.consumed == 0 {
                buf.copy_within(start..filled, 0);
                (filled, start) = (filled - start, 0);
                filled += socket.read(&mut buf[filled..]);
            }
        }
        if !body.is_empty() {
            println!("    body: {:?}", String::from_utf8_lossy(&body));
        }

        // 3. Respond, streaming the body in chunks.
        let text = format!("{method} {target}: {} body bytes", body.len());
        let mut out = [0u8; 256];
        let mut w = conn.response_head(&mut out, 200, None).expect("one head");
        w.header("Content-Type", b"text/plain").expect("valid header");
        let n = w.finish(BodyLength::Streaming).expect("fits");
        let mut response = out[..n].to_vec();
        for piece in text.as_bytes().chunks(10) {
            let mut prefix = [0u8; MAX_CHUNK_PREFIX];
            let frame = conn.frame_body(piece.len(), &mut prefix).expect("framed");
            response.extend_from_slice(&prefix[..frame.prefix]);
            response.extend_from_slice(&piece[..frame.data]);
            response.extend_from_slice(frame.suffix);
        }
        let done = conn.finish_response(&mut out, now).expect("finished");
        response.extend_from_slice(&out[..done.len]);
        print_response(&response);
        wire_out.extend_from_slice(&response);
        if done.next == Next::Close {
            break;
        }
    }
    println!(
        "\n{} bytes in, {} bytes out; the connection is closed: {}",
        socket.sent,
        wire_out.len(),
        conn.is_closed()
    );
}

fn print_response(bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).split("\r\n") {
        println!("<-- {line}");
    }
}
