//! The Wasm PL011 serial driver (the UART in the component's first
//! `device_memory` window) with the injected crash of
//! `wasm-uart-fault-test`, for the crash-and-restart test on aarch64.
#![no_std]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, DeviceWindow};
use wasm_uart_fault_test::FaultyDriver;
use wasm_uart_pl011::{Pl011Port, UART_WINDOW};

sdk::component!(init);

fn init() -> FaultyDriver<Pl011Port<DeviceWindow>> {
    FaultyDriver::start(Pl011Port::new(DeviceWindow::new(UART_WINDOW)))
}
