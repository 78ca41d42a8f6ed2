//! The NUCLEO-F767ZI as both firmwares set it up: 216 MHz from the ST-LINK's
//! 8 MHz clock, the on-board LAN8742A PHY over RMII, an embassy-net stack
//! with DHCPv4 and room for [`SOCKETS`] TCP sockets.
//!
//! `lamina` (src/main.rs) and `bare` (src/bin/bare.rs) differ only in what
//! they run on the stack, so their size difference is lamina's own cost.
#![no_std]

use embassy_executor::Spawner;
use embassy_net::{Stack, StackResources};
use embassy_stm32::bind_interrupts;
use embassy_stm32::eth::{self, Ethernet, GenericPhy, PacketQueue, Sma};
use embassy_stm32::peripherals::{ETH, ETH_SMA, RNG};
use embassy_stm32::rng::{self, Rng};
use embassy_stm32::time::Hertz;
use static_cell::StaticCell;

#[cfg(feature = "defmt")]
use {defmt_rtt as _, panic_probe as _};

/// Concurrent TCP connections on port 80.
pub const SOCKETS: usize = 4;
/// Each socket's receive and transmit buffer, bytes. The receive buffer is
/// the TCP window; 1 KiB (under one 1460-byte segment) is plenty for
/// request heads and small bodies, and lamina buffers 2 KiB of response
/// itself before it reaches the socket.
pub const SOCKET_BUFFER: usize = 1024;

/// Logs with defmt when the `defmt` feature is on; otherwise compiles to
/// nothing (its arguments are still type-checked).
#[macro_export]
macro_rules! info {
    ($($args:tt)*) => {{
        #[cfg(feature = "defmt")]
        defmt::info!($($args)*);
        #[cfg(not(feature = "defmt"))]
        let _ = || $crate::__ignore!($($args)*);
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __ignore {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        $(let _ = &$arg;)*
    }};
}

/// Without defmt there is nobody to tell: a panic resets the chip, and the
/// server comes back.
#[cfg(not(feature = "defmt"))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    cortex_m::peripheral::SCB::sys_reset()
}

bind_interrupts!(struct Irqs {
    ETH => eth::InterruptHandler;
    RNG => rng::InterruptHandler<RNG>;
});

/// The Ethernet driver: the MAC's DMA rings and the PHY over MDIO.
pub type Device = Ethernet<'static, ETH, GenericPhy<Sma<'static, ETH_SMA>>>;

/// Clocks: HSE 8 MHz (bypass, from the ST-LINK) → PLL: 216 MHz system
/// clock, 48 MHz for the RNG.
fn clocks() -> embassy_stm32::Config {
    use embassy_stm32::rcc::*;
    let mut config = embassy_stm32::Config::default();
    config.rcc.hse = Some(Hse { freq: Hertz(8_000_000), mode: HseMode::Bypass });
    config.rcc.pll_src = PllSource::HSE;
    config.rcc.pll = Some(Pll {
        prediv: PllPreDiv::DIV4,
        mul: PllMul::MUL216,
        divp: Some(PllPDiv::DIV2),
        divq: Some(PllQDiv::DIV9),
        divr: None,
    });
    config.rcc.ahb_pre = AHBPrescaler::DIV1;
    config.rcc.apb1_pre = APBPrescaler::DIV4;
    config.rcc.apb2_pre = APBPrescaler::DIV2;
    config.rcc.sys = Sysclk::PLL1_P;
    config
}

/// A locally administered MAC address derived from the chip's unique ID,
/// so two boards on one LAN differ.
fn mac_address() -> [u8; 6] {
    let mut mac = [0x02, 0, 0, 0, 0, 0];
    for (i, byte) in embassy_stm32::uid::uid().iter().enumerate() {
        mac[1 + i % 5] ^= byte;
    }
    mac
}

/// Brings the board up: clocks, Ethernet, the embassy-net stack (its runner
/// spawned on `spawner`), and waits for a DHCP lease.
pub async fn init(spawner: Spawner) -> Stack<'static> {
    let p = embassy_stm32::init(clocks());
    let seed = Rng::new(p.RNG, Irqs).next_u64();

    static PACKETS: StaticCell<PacketQueue<4, 4>> = StaticCell::new();
    let device = Ethernet::new(
        PACKETS.init(PacketQueue::new()),
        p.ETH,
        Irqs,
        p.PA1,  // RMII_REF_CLK
        p.PA7,  // RMII_CRS_DV
        p.PC4,  // RMII_RXD0
        p.PC5,  // RMII_RXD1
        p.PG13, // RMII_TXD0
        p.PB13, // RMII_TXD1
        p.PG11, // RMII_TX_EN
        mac_address(),
        p.ETH_SMA,
        p.PA2, // MDIO
        p.PC1, // MDC
    );

    // One more socket than the server's: DHCP's UDP socket.
    static RESOURCES: StaticCell<StackResources<{ SOCKETS + 1 }>> = StaticCell::new();
    let config = embassy_net::Config::dhcpv4(Default::default());
    let (stack, runner) = embassy_net::new(device, config, RESOURCES.init(StackResources::new()), seed);
    match net_task(runner) {
        Ok(task) => spawner.spawn(task),
        Err(_) => panic!("net task spawned twice"),
    }

    stack.wait_config_up().await;
    if let Some(config) = stack.config_v4() {
        info!("IPv4 address {}", config.address);
    }
    stack
}

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, Device>) -> ! {
    runner.run().await
}
