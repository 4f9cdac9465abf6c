//! Measures the timer driver: for a series of timeouts, how late the
//! driver's signal wakes this component after the deadline, by the timer's
//! own clock and by the CPU's clock; then an embedded-hal `DelayNs` delay,
//! and a cancelled timeout that must not fire. Exits 0 if every timeout
//! woke no earlier than its deadline and at most [`TOLERANCE_NS`] after it.
#![no_std]
#![forbid(unsafe_code)]

use embedded_hal::delay::DelayNs;
use sel4_wasm_sdk::hal::{Delay, Timer};
use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

/// How late a wake-up may be. Under QEMU's emulation (TCG) the guest's
/// clocks follow the host's; the path from the HPET interrupt through the
/// kernel, the driver (device registers are emulated) and back to this
/// client measures about 1 ms there, and the bound leaves room for a loaded
/// host. On hardware the same path takes microseconds.
pub const TOLERANCE_NS: u64 = 10_000_000;

/// Timeouts measured, in microseconds.
const TIMEOUTS_US: [u64; 6] = [500, 1_000, 2_000, 5_000, 10_000, 50_000];

struct Done;
impl Handler for Done {}

fn init() -> Done {
    let timer = match Timer::to("timer") {
        Ok(timer) => timer,
        Err(e) => {
            sdk::error!("no timer: {e:?}");
            sdk::exit(2)
        }
    };
    let mut failures = 0;
    let mut worst_late = 0;
    // Measure everything first, print afterwards: printing keeps the
    // console and serial driver (which run above the timer) busy.
    let mut measured = [(0u64, 0u64, 0u64); TIMEOUTS_US.len()];
    // One round first, not counted: the first run of each path is slower
    // (the console is also still printing this component's start).
    let _ = timer.sleep_ns(1_000_000);
    for (us, slot) in TIMEOUTS_US.iter().zip(measured.iter_mut()) {
        let cpu_start = sdk::time_now_ns();
        let (deadline, woke) = match timer
            .set_timeout(us * 1000)
            .and_then(|d| timer.wait().and_then(|()| timer.now_ns().map(|n| (d, n))))
        {
            Ok(times) => times,
            Err(e) => {
                sdk::error!("timeout of {us} us: {e:?}");
                sdk::exit(3)
            }
        };
        *slot = (deadline, woke, sdk::time_now_ns() - cpu_start);
    }
    for (us, (deadline, woke, cpu_elapsed)) in TIMEOUTS_US.iter().zip(measured) {
        let early = woke < deadline;
        let late = woke.saturating_sub(deadline);
        worst_late = worst_late.max(late);
        let within = !early && late <= TOLERANCE_NS;
        failures += !within as u32;
        sdk::info!(
            "timeout {us} us: woke {} us after the deadline by the timer's clock ({} us elapsed by the CPU's clock){}",
            late / 1000,
            cpu_elapsed / 1000,
            if early { ": EARLY" } else if !within { ": TOO LATE" } else { "" }
        );
    }

    // embedded-hal: a 10 ms delay takes at least 10 ms.
    let mut delay = Delay::new(timer);
    let start = timer.now_ns().unwrap_or(0);
    delay.delay_ms(10);
    let took = timer.now_ns().unwrap_or(0) - start;
    let delay_ok = (10_000_000..=10_000_000 + TOLERANCE_NS).contains(&took);
    failures += !delay_ok as u32;
    sdk::info!("embedded-hal delay_ms(10) took {} us", took / 1000);

    // A cancelled timeout never fires: after cancelling a 20 ms timeout, a
    // 30 ms one is the next signal, not the cancelled one at 20 ms.
    let _ = timer.set_timeout(20_000_000);
    let cancelled = timer.cancel().unwrap_or(false);
    let start = timer.now_ns().unwrap_or(0);
    let _ = timer.set_timeout(30_000_000);
    let _ = timer.wait();
    let waited = timer.now_ns().unwrap_or(0) - start;
    let cancel_ok = cancelled && waited >= 30_000_000;
    failures += !cancel_ok as u32;
    sdk::info!("cancelled timeout: pending {cancelled}, next wake-up after {} us", waited / 1000);

    if failures == 0 {
        sdk::info!(
            "timer accuracy: {} timeouts and a delay within {} ms of their deadlines, never early (worst {} us late)",
            TIMEOUTS_US.len(),
            TOLERANCE_NS / 1_000_000,
            worst_late / 1000
        );
        sdk::exit(0)
    }
    sdk::error!("timer accuracy: {failures} checks failed");
    sdk::exit(1)
}
