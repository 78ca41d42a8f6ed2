//! The baseline: the same board, stack and sockets as `lamina`, but a bare
//! embassy-net responder instead of lamina. Each socket reads until the end
//! of a request head ("\r\n\r\n", found in the socket's own receive buffer:
//! no HTTP buffer) and writes one fixed response, keep-alive, with the same
//! idle timeout, write timeout and closing as lamina-embassy. What `lamina`
//! adds to this is lamina's own cost.
#![no_std]
#![no_main]

use embassy_executor::Spawner;
use embassy_futures::join::join_array;
use embassy_net::Stack;
use embassy_net::tcp::TcpSocket;
use embassy_time::{Duration, with_timeout};
use embedded_io_async::Write;
use lamina_fw_nucleo_f767zi::{SOCKET_BUFFER, SOCKETS, info};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Length: 16\r\nX-Powered-By: bare\r\n\r\nhello from bare\n";
/// As lamina's idle timeout in `lamina` (and its head-read timeout, merged).
const IDLE: Duration = Duration::from_secs(2);
/// As lamina's write timeout: the socket's retransmission timeout.
const WRITE: Duration = Duration::from_secs(30);
/// As lamina-embassy's linger.
const LINGER: Duration = Duration::from_secs(1);

struct Buffers {
    rx: [u8; SOCKET_BUFFER],
    tx: [u8; SOCKET_BUFFER],
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let stack = lamina_fw_nucleo_f767zi::init(spawner).await;
    let mut buffers = [const { Buffers { rx: [0; SOCKET_BUFFER], tx: [0; SOCKET_BUFFER] } }; SOCKETS];
    info!("serving the bare responder on port 80");
    // All sockets from this one task, as lamina_embassy::serve does.
    join_array(buffers.each_mut().map(|b| responder(stack, b))).await;
}

/// One socket's accept-answer-close loop.
async fn responder(stack: Stack<'_>, buffers: &mut Buffers) {
    let mut socket = TcpSocket::new(stack, &mut buffers.rx, &mut buffers.tx);
    socket.set_nagle_enabled(false);
    socket.set_timeout(Some(WRITE));
    loop {
        if socket.accept(80).await.is_ok() {
            answer(&mut socket).await;
        }
        socket.close();
        let _ = with_timeout(LINGER, socket.flush()).await;
        socket.abort();
        let _ = with_timeout(LINGER, socket.flush()).await;
    }
}

/// Answers every request head on the connection until the client closes,
/// goes idle, or fails.
async fn answer(socket: &mut TcpSocket<'_>) {
    // How much of "\r\n\r\n" the bytes read so far end with.
    let mut matched = 0;
    loop {
        let heads = socket.read_with(|bytes| {
            let mut heads = 0;
            for &byte in bytes.iter() {
                matched = match (matched, byte) {
                    (0 | 2, b'\r') => matched + 1,
                    (1 | 3, b'\n') => matched + 1,
                    (_, b'\r') => 1,
                    _ => 0,
                };
                if matched == 4 {
                    heads += 1;
                    matched = 0;
                }
            }
            (bytes.len(), heads)
        });
        match with_timeout(IDLE, heads).await {
            Ok(Ok(heads)) => {
                for _ in 0..heads {
                    if socket.write_all(RESPONSE).await.is_err() {
                        return;
                    }
                }
            }
            // Timed out, closed by the client, or reset.
            _ => return,
        }
    }
}
