//! An Ethernet cable between two embassy-net stacks in one MCU: one
//! embassy-net-driver-channel per stack, and a pump task that moves each
//! frame a stack transmits into the other stack's receive queue. No loss,
//! no reordering; ARP runs as on a real wire.

use embassy_futures::join::join;
use embassy_net_driver_channel as ch;
use embassy_net_driver_channel::driver::{HardwareAddress, LinkState};

/// Ethernet frame size without the FCS.
const MTU: usize = 1514;
/// Frames queued per direction and stack.
const QUEUE: usize = 4;

/// The network device a stack sees.
pub type Device = ch::Device<'static, MTU>;

/// Both channels' frame buffers.
pub struct Cable {
    a: ch::State<MTU, QUEUE, QUEUE>,
    b: ch::State<MTU, QUEUE, QUEUE>,
}

/// The pump's ends of the two channels.
pub struct Ends {
    a: ch::Runner<'static, MTU>,
    b: ch::Runner<'static, MTU>,
}

impl Cable {
    pub const fn new() -> Self {
        Self { a: ch::State::new(), b: ch::State::new() }
    }

    /// Plugs both ends in: the two devices (link up) and the pump's ends.
    pub fn connect(&'static mut self) -> (Device, Device, Ends) {
        let (mut a, dev_a) = ch::new(&mut self.a, HardwareAddress::Ethernet([0x02, 0, 0, 0, 0, 0x01]));
        let (mut b, dev_b) = ch::new(&mut self.b, HardwareAddress::Ethernet([0x02, 0, 0, 0, 0, 0x02]));
        // A channel's link starts down; a stack never comes up on it.
        a.set_link_state(LinkState::Up);
        b.set_link_state(LinkState::Up);
        (dev_a, dev_b, Ends { a, b })
    }
}

/// Moves frames both ways, forever.
#[embassy_executor::task]
pub async fn pump(ends: Ends) -> ! {
    let (_, mut a_rx, mut a_tx) = ends.a.split();
    let (_, mut b_rx, mut b_tx) = ends.b.split();
    let (never, _) = join(forward(&mut a_tx, &mut b_rx), forward(&mut b_tx, &mut a_rx)).await;
    never
}

/// Moves every frame `from` transmits to `to`'s receive queue.
async fn forward(from: &mut ch::TxRunner<'static, MTU>, to: &mut ch::RxRunner<'static, MTU>) -> ! {
    loop {
        let frame = from.tx_buf().await;
        let slot = to.rx_buf().await;
        let len = frame.len();
        slot[..len].copy_from_slice(frame);
        to.rx_done(len);
        from.tx_done();
    }
}
