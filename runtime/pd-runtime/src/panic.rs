//! A panic is a component failure: print it, then fault, so that the
//! supervisor reports it and applies the restart policy.

use core::fmt::Write;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    let _ = writeln!(sel4::DebugConsole, "component `{}` {info}", crate::config::name_or_unknown());
    fault_now()
}

/// Raises an invalid-opcode exception: the kernel reports it to the
/// supervisor as a user exception of this component.
pub(crate) fn fault_now() -> ! {
    // SAFETY: ud2 only raises an exception.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!("ud2", options(noreturn))
    }
    // SAFETY: udf only raises an exception.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!("udf #0", options(noreturn))
    }
}
