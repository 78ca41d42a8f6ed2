//! lamina on an emulated Cortex-M4F: two embassy-net stacks in one MCU.
//!
//! ```text
//!  server stack 10.0.0.1 ──┐                    ┌── client stack 10.0.0.2
//!  lamina_embassy::serve   │  cable (two        │   checks (src/checks.rs)
//!  (lamina_demo::app())    └─ driver channels) ─┘   over TcpSockets
//! ```
//!
//! Everything runs on embassy-executor (platform-cortex-m, thread mode,
//! idling with `WFI`: see `executor.rs`) with the SysTick time driver of
//! `time_driver.rs`. The client prints one line per check over semihosting
//! and exits QEMU with status 0 only if every check passed; a panic, a failed
//! check, or [`BOUND`] of virtual time without a verdict exit with status 1.
//!
//! Run: `cargo run --release` here (the runner is QEMU, see
//! .cargo/config.toml), or `bash firmware/ci.sh`.
#![no_std]
#![no_main]

mod cable;
mod checks;
mod client;
mod executor;
mod time_driver;

use cortex_m_semihosting::{debug, hprintln};
use embassy_executor::Spawner;
use embassy_net::{Config, Ipv4Address, Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embassy_time::{Duration, Instant, with_timeout};
use lamina_embassy::lamina;
use static_cell::StaticCell;

use cable::{Cable, Device};

/// Server connection slots: as many as the NUCLEO firmware has. (Also the
/// server's `StackResources`: no DHCP here.)
const SLOTS: usize = 4;
/// Client sockets open at once (the concurrency check uses two).
const CLIENT_SOCKETS: usize = 2;
/// The verdict must come within this much virtual time.
const BOUND: Duration = Duration::from_secs(30);

const SERVER_IP: Ipv4Address = Ipv4Address::new(10, 0, 0, 1);
const CLIENT_IP: Ipv4Address = Ipv4Address::new(10, 0, 0, 2);

/// What each server slot owns: socket buffers of 1 KiB each way, and the
/// same HTTP buffers as the NUCLEO firmware (read 2 KiB, write 2 KiB,
/// response headers 256 B).
type Slot = lamina_embassy::Slot<1024, 2048, 2048, 256>;

fn static_config(ip: Ipv4Address) -> Config {
    Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(ip, 24),
        gateway: None,
        dns_servers: Default::default(),
    })
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let Some(core) = cortex_m::Peripherals::take() else {
        fail("core peripherals taken twice");
    };
    time_driver::start(core.SYST);
    executor::run(start)
}

/// Brings up the cable and both stacks, and spawns every task.
fn start(spawner: Spawner) {
    static CABLE: StaticCell<Cable> = StaticCell::new();
    let (server_dev, client_dev, ends) = CABLE.init(Cable::new()).connect();

    static SERVER_RES: StaticCell<StackResources<SLOTS>> = StaticCell::new();
    static CLIENT_RES: StaticCell<StackResources<CLIENT_SOCKETS>> = StaticCell::new();
    let (server, server_runner) =
        embassy_net::new(server_dev, static_config(SERVER_IP), SERVER_RES.init(StackResources::new()), 0x5e7e_5e7e);
    let (client, client_runner) =
        embassy_net::new(client_dev, static_config(CLIENT_IP), CLIENT_RES.init(StackResources::new()), 0xc11e_0002);

    spawner.spawn(cable::pump(ends).unwrap_or_else(|_| fail("spawn pump")));
    spawner.spawn(net_task(server_runner).unwrap_or_else(|_| fail("spawn server stack")));
    spawner.spawn(net_task(client_runner).unwrap_or_else(|_| fail("spawn client stack")));
    spawner.spawn(http_task(server).unwrap_or_else(|_| fail("spawn http")));
    spawner.spawn(client_task(client).unwrap_or_else(|_| fail("spawn client")));
}

#[embassy_executor::task(pool_size = 2)]
async fn net_task(mut runner: embassy_net::Runner<'static, Device>) -> ! {
    runner.run().await
}

/// The server: the demo app built here (its type is never named), four
/// slots in this task's frame, which embassy-executor keeps in a static.
#[embassy_executor::task]
async fn http_task(stack: Stack<'static>) -> ! {
    let app = lamina_demo::app();
    let mut slots = [const { Slot::new() }; SLOTS];
    let http = lamina::h1::Config::new().idle_timeout(lamina::time::Duration::from_secs(2));
    let config = lamina_embassy::Config::new().port(80).http(http);
    lamina_embassy::serve(stack, &app, &mut slots, config).await
}

#[embassy_executor::task]
async fn client_task(stack: Stack<'static>) {
    let checks = async {
        stack.wait_config_up().await;
        checks::run(stack, SERVER_IP).await
    };
    let verdict = with_timeout(BOUND, checks).await;
    let elapsed = Instant::now().as_millis();
    match verdict {
        Ok(checks::Tally { passed, failed }) => {
            hprintln!("{} virtual ms", elapsed);
            hprintln!("{} passed, {} failed", passed, failed);
            debug::exit(if failed == 0 { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
        }
        Err(_) => fail("no verdict within the virtual-time bound: a stack is wedged"),
    }
}

/// Prints `why` and exits QEMU with a failure status.
fn fail(why: &str) -> ! {
    hprintln!("FATAL: {}", why);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("PANIC: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
