//! The demo app (`lamina-demo`) on the tokio adapter.
//!
//! ```sh
//! cargo run -p lamina-examples --example demo_tokio            # 127.0.0.1:8080
//! cargo run -p lamina-examples --example demo_tokio -- 127.0.0.1:3000
//! ```
//!
//! Ctrl-C shuts it down gracefully.

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("lamina demo (tokio): http://{}/", listener.local_addr()?);
    lamina_tokio::serve(listener, lamina_demo::app(), lamina_tokio::Config::new())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
