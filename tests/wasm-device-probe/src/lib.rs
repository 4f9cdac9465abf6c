//! Uses every device host function, so its module imports them all: it
//! needs a description that grants COM1's IO ports (`0x3f8..=0x3ff`), an
//! interrupt on channel 10, and one device memory window (e.g. the HPET
//! at `0xfed00000`). Logs what it reads, and each interrupt. Then it tries
//! device access it was not granted (an IO port outside its range, a device
//! window it does not have): the runtime must refuse both.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Channel, DeviceWindow, Handler, IoPorts, Irq};

sdk::component!(init);

const COM1: IoPorts = IoPorts::new(0x3f8);
/// COM1's line status register.
const LINE_STATUS: u16 = 5;
const IRQ: Irq = Irq::new(10);
const WINDOW: DeviceWindow = DeviceWindow::new(0);

struct Probe {
    interrupts: u64,
}

fn init() -> Probe {
    sdk::info!("COM1 line status: {:?}", COM1.read8(LINE_STATUS));
    sdk::info!("device window 0, first word: {:?}", WINDOW.read32(0));
    // The scratch register: write, then read back.
    sdk::info!("COM1 scratch write: {:?}, read back: {:?}", COM1.write8(7, 0x5a), COM1.read8(7));
    sdk::info!("device window 0, write at 0x10: {:?}", WINDOW.write32(0x10, 0));
    // Not granted: the QEMU exit device's port, and a second window.
    sdk::info!(
        "not granted: IO port 0xf4 write: {:?}, device window 1 read: {:?}",
        IoPorts::new(0xf4).write8(0, 0x11),
        DeviceWindow::new(1).read32(0)
    );
    Probe { interrupts: 0 }
}

impl Handler for Probe {
    fn notified(&mut self, channel: Channel) {
        if channel == IRQ.channel() {
            self.interrupts += 1;
            sdk::info!("interrupt {}; ack: {:?}", self.interrupts, IRQ.ack());
        }
    }
}
