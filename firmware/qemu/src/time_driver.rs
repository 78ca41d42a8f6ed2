//! An embassy-time driver on the Cortex-M SysTick: one tick per millisecond
//! (embassy-time's `tick-hz-1_000`), counted in a `u64` that never wraps.
//!
//! embassy-time 0.5 ships no driver for QEMU's mps2 boards, so this is the
//! smallest one that works: the SysTick exception bumps the count and wakes
//! every timer that is due. The timer queue is embassy's own (integrated with
//! embassy-executor's tasks).

use core::cell::{Cell, RefCell};
use core::task::Waker;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use critical_section::{CriticalSection, Mutex};
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

/// mps2-an386's core clock (SYSCLK), which clocks the SysTick.
const CORE_HZ: u32 = 25_000_000;
/// SysTick interrupts per second; must equal embassy-time's tick rate.
const TICK_HZ: u32 = 1_000;
const _: () = assert!(TICK_HZ as u64 == embassy_time::TICK_HZ);

struct SysTickDriver {
    ticks: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

impl SysTickDriver {
    /// Wakes the timers due at `now`.
    fn expire(&self, cs: CriticalSection<'_>, now: u64) {
        let _next = self.queue.borrow_ref_mut(cs).next_expiration(now);
    }
}

impl Driver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let changed = self.queue.borrow_ref_mut(cs).schedule_wake(at, waker);
            // A deadline already due is not left for the next tick.
            let now = self.ticks.borrow(cs).get();
            if changed && at <= now {
                self.expire(cs, now);
            }
        });
    }
}

/// Starts the millisecond tick. Call once, before anything waits on time.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_HZ / TICK_HZ - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        let now = ticks.get().wrapping_add(1);
        ticks.set(now);
        DRIVER.expire(cs, now);
    });
}
