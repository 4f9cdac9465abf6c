//! What a wasm32 component needs from its environment: a global allocator
//! (feature `alloc`) and a panic handler (feature `panic-handler`).

#[cfg(all(target_arch = "wasm32", feature = "alloc"))]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// Logs the panic as an error line, then traps: the runtime reports the
/// trap and the supervisor applies the restart policy.
#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    match info.location() {
        Some(at) => crate::error!("panicked at {}:{}: {}", at.file(), at.line(), info.message()),
        None => crate::error!("panicked: {}", info.message()),
    }
    core::arch::wasm32::unreachable()
}
