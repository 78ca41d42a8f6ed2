//! An echo server on the tokio adapter, for debugging and for external
//! probes (load generators, fuzzers, smuggling scanners).
//!
//! ```sh
//! cargo run --release -p lamina-examples --example echo -- 127.0.0.1:8080
//! curl -d hello 'http://127.0.0.1:8080/a?b'     # POST /a?b 5
//! ```
//!
//! Every request it accepts gets `200` and the body
//! `<METHOD> <request-target as received> <body bytes the app read>`; the
//! whole body is read, whatever its framing. Refused requests get lamina's
//! own answers (400, 413, 431, ...).

use lamina::app::{App, Flow};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let app = App::new().with_fn(async |req, res| {
        let mut buf = [0u8; 8192];
        let mut read = 0u64;
        loop {
            let n = req.read_body(&mut buf).await?;
            if n == 0 {
                break;
            }
            read += n as u64;
        }
        res.set_header("Content-Type", b"text/plain; charset=utf-8")?;
        res.write_display(&format_args!("{} {} {read}", req.method(), req.original_url())).await?;
        res.end(b"").await?;
        Ok(Flow::Done)
    });
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("echo: listening on http://{}", listener.local_addr()?);
    let config = lamina_tokio::Config::new().http(lamina::h1::Config::new().max_body_len(u64::MAX));
    lamina_tokio::serve(listener, app, config).run().await
}
