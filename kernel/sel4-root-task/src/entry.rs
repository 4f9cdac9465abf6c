//! Entry point: the kernel starts the root task at its ELF entry with the
//! bootinfo pointer in the first argument register (RDI on x86_64, x0 on
//! aarch64) and an undefined stack pointer.

use core::arch::global_asm;

use crate::{bootinfo::BootInfo, exit, heap, logging, ExitStatus};

const STACK_SIZE: usize = 256 * 1024;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

#[no_mangle]
static mut __SEL4_ROOT_TASK_STACK: Stack = Stack([0; STACK_SIZE]);

// Switch to our stack (16-byte aligned for the call) and enter Rust; RDI
// still holds the bootinfo pointer.
#[cfg(target_arch = "x86_64")]
global_asm!(
    ".section .text.start, \"ax\"",
    ".global _start",
    "_start:",
    "    lea rsp, [rip + {stack} + {size}]",
    "    xor rbp, rbp",
    "    call {entry}",
    "    ud2",
    stack = sym __SEL4_ROOT_TASK_STACK,
    size = const STACK_SIZE,
    entry = sym rust_entry,
);

// The same on aarch64, where x0 holds the bootinfo pointer.
#[cfg(target_arch = "aarch64")]
global_asm!(
    ".section .text.start, \"ax\"",
    ".global _start",
    "_start:",
    "    adrp x9, {stack}",
    "    add x9, x9, :lo12:{stack}",
    "    add x9, x9, #{size}",
    "    mov sp, x9",
    "    mov x29, xzr",
    "    mov x30, xzr",
    "    bl {entry}",
    "    brk #0",
    stack = sym __SEL4_ROOT_TASK_STACK,
    size = const STACK_SIZE,
    entry = sym rust_entry,
);

unsafe extern "Rust" {
    /// Defined by [`crate::main!`] in the program.
    fn __sel4_root_task_main(bootinfo: &'static BootInfo) -> ExitStatus;
}

extern "C" fn rust_entry(bootinfo: *const BootInfo) -> ! {
    // SAFETY: the kernel hands us a mapped, initialised bootinfo frame that
    // stays mapped and unchanged for the life of the root task.
    let bootinfo: &'static BootInfo = unsafe { &*bootinfo };
    // SAFETY: the kernel maps the root task's IPC buffer at this address.
    unsafe { sel4::set_ipc_buffer(bootinfo.ipc_buffer()) };
    heap::init();
    logging::init();
    // SAFETY: defined by the `main!` macro with this signature.
    let status = unsafe { __sel4_root_task_main(bootinfo) };
    exit(status)
}
