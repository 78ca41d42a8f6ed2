//! embassy-executor's raw executor in thread mode, idling with `WFI`.
//!
//! The stock cortex-m thread executor sleeps with `WFE`, which QEMU 7.2
//! implements as a mere yield: the emulated CPU then spins, and with
//! `-icount shift=auto,sleep=off` every idle virtual second costs about two
//! seconds of wall time (measured: 5 s idle, 10 s wall). `WFI` halts the
//! emulated CPU, so QEMU jumps virtual time to the next SysTick and idle
//! time is free (the virtual-time bound of a wedged run included).
//!
//! The pender only raises a flag: it runs in a task's waker (thread mode,
//! inside `poll`) or in an interrupt handler (the SysTick waking timers).
//! The flag is tested with interrupts masked; `WFI` still wakes on an
//! interrupt that becomes pending meanwhile, so no wake-up is lost.

use core::sync::atomic::{AtomicBool, Ordering};

use embassy_executor::{Spawner, raw};
use static_cell::StaticCell;

/// Some task was woken since the executor last looked.
static WOKEN: AtomicBool = AtomicBool::new(false);

#[unsafe(export_name = "__pender")]
fn pender(_context: *mut ()) {
    WOKEN.store(true, Ordering::Release);
}

/// Runs `init`, then polls the tasks it spawned forever.
pub fn run(init: impl FnOnce(Spawner)) -> ! {
    static EXECUTOR: StaticCell<raw::Executor> = StaticCell::new();
    let executor: &'static raw::Executor = EXECUTOR.init(raw::Executor::new(core::ptr::null_mut()));
    init(executor.spawner());
    loop {
        // SAFETY: the only call site, never re-entered (the pender does not
        // poll), from thread mode.
        unsafe { executor.poll() };
        cortex_m::interrupt::free(|_| {
            if !WOKEN.swap(false, Ordering::AcqRel) {
                cortex_m::asm::wfi();
            }
        });
    }
}
