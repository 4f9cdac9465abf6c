//! The raw host functions of [`wasm_abi::MODULE`].
//!
//! On wasm32 they are imports; a pointer and a `usize` length lower to the
//! ABI's `i32`. An import lands in the module only if the component's code
//! (after the linker's dead-code removal) calls it, so the device functions
//! appear only in components that use them. Elsewhere (host unit tests)
//! they are the functions of [`crate::mock`].

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "sel4_wasm_v1")]
unsafe extern "C" {
    pub fn log(level: i32, ptr: *const u8, len: usize);
    pub fn exit(code: i64) -> !;
    pub fn wait(channel: i32) -> i32;
    pub fn ring_end_info(index: i32, ptr: *mut u8, capacity: usize) -> i64;
    pub fn ring_open_end(index: i32) -> i32;
    pub fn channel_by_peer(ptr: *const u8, len: usize) -> i32;
    pub fn channel_call(
        channel: i32,
        label: i64,
        request: *const u8,
        request_len: usize,
        reply: *mut u8,
        reply_capacity: usize,
    ) -> i64;
    pub fn channel_notify(channel: i32) -> i32;
    pub fn channel_info(channel: i32, ptr: *mut u8, capacity: usize) -> i64;
    pub fn ring_open(ptr: *const u8, len: usize) -> i32;
    pub fn ring_channel(ring: i32) -> i32;
    pub fn ring_send(ring: i32, ptr: *const u8, len: usize) -> i32;
    pub fn ring_publish(ring: i32) -> i32;
    pub fn ring_recv(ring: i32, ptr: *mut u8, capacity: usize) -> i32;
    pub fn ring_wait_space(ring: i32) -> i32;
    pub fn ring_send_batch(ring: i32, ptr: *const u8, len: usize) -> i32;
    pub fn ring_recv_batch(ring: i32, ptr: *mut u8, capacity: usize) -> i32;
    pub fn ring_sleep(ring: i32) -> i32;
    pub fn component_name(ptr: *mut u8, capacity: usize) -> i32;
    pub fn time_now_ns() -> i64;
    pub fn restarted() -> i32;
    pub fn io_out(width: i32, port: i32, value: i32, reserved: i32) -> i32;
    pub fn io_in(width: i32, port: i32) -> i64;
    pub fn irq_ack(channel: i32) -> i32;
    pub fn mmio_read32(window: i32, offset: i32) -> i64;
    pub fn mmio_write32(window: i32, offset: i32, value: i32) -> i32;
}

#[cfg(not(target_arch = "wasm32"))]
pub use crate::mock::host::*;
