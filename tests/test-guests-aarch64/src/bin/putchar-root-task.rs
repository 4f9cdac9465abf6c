//! The smallest aarch64 root task: prints a line through the debug kernel's
//! `seL4_DebugPutChar` and ends QEMU with exit status 0 through semihosting
//! (QEMU's `-semihosting-config enable=on,userspace=on` lets EL0 use it).
//! It proves the loader's kernel entry and the aarch64 syscall ABI: `svc #0`,
//! syscall number in x7, arguments from x0.
#![no_std]
#![no_main]

use core::arch::{asm, global_asm};

/// `seL4_SysDebugPutChar` in this kernel (include/api/syscall.xml: the
/// debug syscalls follow the eight API ones, counting down from -1).
const SYS_DEBUG_PUT_CHAR: i64 = -9;

/// Semihosting operation SYS_EXIT, and the reason "application exit".
const SEMIHOSTING_SYS_EXIT: u64 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

const STACK_SIZE: usize = 16 * 1024;

#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

#[no_mangle]
static mut STACK: Stack = Stack([0; STACK_SIZE]);

// The kernel starts the root task at its entry with the bootinfo pointer in
// x0 and no stack.
global_asm!(
    r#"
    .section .text.start, "ax"
    .global _start
_start:
    adrp x9, STACK
    add x9, x9, :lo12:STACK
    add x9, x9, #{size}
    mov sp, x9
    bl main
1:  b 1b
"#,
    size = const STACK_SIZE,
);

fn put_char(c: u8) {
    // SAFETY: seL4_DebugPutChar (x7 = its syscall number) prints x0's low
    // byte; the kernel clobbers at most x0..x6 and touches no user memory.
    unsafe {
        asm!(
            "svc #0",
            in("x7") SYS_DEBUG_PUT_CHAR,
            inout("x0") c as u64 => _,
            lateout("x1") _, lateout("x2") _, lateout("x3") _,
            lateout("x4") _, lateout("x5") _, lateout("x6") _,
            options(nostack),
        );
    }
}

fn put_str(s: &str) {
    for b in s.bytes() {
        put_char(b);
    }
}

fn put_hex(value: u64) {
    put_str("0x");
    for shift in (0..16).rev() {
        let digit = ((value >> (shift * 4)) & 0xf) as u8;
        put_char(if digit < 10 { b'0' + digit } else { b'a' + digit - 10 });
    }
}

fn exit(code: u64) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, code];
    // SAFETY: the semihosting SYS_EXIT call only reads the two-word block at
    // x1 (alive across the call) and ends QEMU.
    unsafe {
        asm!("hlt #0xf000", in("x0") SEMIHOSTING_SYS_EXIT, in("x1") block.as_ptr(), options(nostack));
    }
    // Without semihosting the call returns: stop here.
    loop {
        core::hint::spin_loop();
    }
}

#[no_mangle]
extern "C" fn main(bootinfo: u64) -> ! {
    put_str("hello from the aarch64 root task: seL4_DebugPutChar works\n");
    put_str("aarch64 root task: bootinfo at ");
    put_hex(bootinfo);
    put_str("\n");
    put_str("aarch64 root task: ending QEMU through semihosting SYS_EXIT 0\n");
    exit(0)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    put_str("aarch64 root task panicked\n");
    exit(1)
}
