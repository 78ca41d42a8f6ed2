//! The demo app (`lamina-demo`) on the smol adapter: the same app source as
//! `demo_tokio`, the embassy host test and both firmwares.
//!
//! ```sh
//! cargo run -p lamina-examples --example demo_smol -- 127.0.0.1:8080
//! ```

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    smol::block_on(async {
        let listener = smol::net::TcpListener::bind(&addr).await?;
        println!("lamina demo (smol): http://{}/", listener.local_addr()?);
        lamina_smol::serve(listener, lamina_demo::app(), lamina_smol::Config::new()).run().await
    })
}
