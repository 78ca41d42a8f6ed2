//! lamina on the NUCLEO-F767ZI: `lamina_demo::app()` on port 80, four
//! connections at once, each with 2 KiB read and 2 KiB write buffers.
//!
//! ```text
//! cargo build --release --bin lamina      # no logging (the size figures)
//! cargo run --release --bin lamina --features defmt   # flash with probe-rs
//! curl http://<address from DHCP>/hello
//! ```
#![no_std]
#![no_main]

use embassy_executor::Spawner;
use lamina_embassy::lamina;
use lamina_embassy::lamina::time::Duration;
use lamina_fw_nucleo_f767zi::{SOCKET_BUFFER, SOCKETS, info};

/// One connection's memory: socket buffers of [`SOCKET_BUFFER`] bytes each
/// way; HTTP buffers of 2 KiB to read (request heads up to 7/8 of it, and
/// bodies), 2 KiB to write, 256 B for response header lines.
type Slot = lamina_embassy::Slot<SOCKET_BUFFER, 2048, 2048, 256>;

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let stack = lamina_fw_nucleo_f767zi::init(spawner).await;

    // The app and the slots live in this task's future, which
    // embassy-executor keeps in a static: no heap, no `impl Trait` static.
    let app = lamina_demo::app();
    let mut slots = [const { Slot::new() }; SOCKETS];
    // A short idle timeout: an idle keep-alive connection holds a slot.
    let http = lamina::h1::Config::new().idle_timeout(Duration::from_secs(2));
    let config = lamina_embassy::Config::new().port(80).http(http);
    info!("serving lamina_demo on port 80");
    lamina_embassy::serve(stack, &app, &mut slots, config).await
}
