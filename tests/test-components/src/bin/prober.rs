//! Tries something its protection domain must not allow, chosen by the
//! component's name, and logs before each attempt:
//! - `read-unmapped`: reads memory it was not given,
//! - `exec-heap`: jumps to code it wrote into its heap (W^X),
//! - `write-text`: writes to its own code (W^X),
//! - `bad-syscall`: makes a syscall the kernel does not know,
//! - `panics`: panics (the runtime turns a panic into a fault).
//!
//! Each attempt must fault; the supervisor reports the fault.
#![no_std]
#![no_main]

use pd_runtime::Handler;

pd_runtime::main!(init);

struct Never;
impl Handler for Never {}

/// The start of the shared-region area: nothing is mapped there for a
/// component without rings.
const NOT_GIVEN: usize = 0x4000_0000;

fn init() -> Never {
    match pd_runtime::name() {
        "read-unmapped" => {
            log::info!("reading {NOT_GIVEN:#x}, which I was not given");
            // SAFETY: none; the read must fault.
            let value = unsafe { core::ptr::read_volatile(NOT_GIVEN as *const u64) };
            log::error!("ISOLATION BROKEN: read {value:#x}");
        }
        "exec-heap" => {
            let code = alloc_code();
            log::info!("jumping to code I wrote at {:#x} (heap)", code as usize);
            // SAFETY: none; the fetch must fault (writable memory is never executable).
            let f: extern "C" fn() = unsafe { core::mem::transmute(code) };
            f();
            log::error!("W^X BROKEN: executed writable memory");
        }
        "write-text" => {
            let target = init as *const () as *mut u8;
            log::info!("writing to my own code at {:#x}", target as usize);
            // SAFETY: none; the write must fault (code is read-only).
            unsafe { core::ptr::write_volatile(target, RET[0]) };
            log::error!("W^X BROKEN: wrote to code");
        }
        "bad-syscall" => {
            log::info!("making syscall number -99");
            // SAFETY: none; the kernel reports an unknown syscall as a fault.
            unsafe { unknown_syscall(-99) };
            log::error!("the kernel accepted syscall -99");
        }
        "panics" => {
            let limit: Option<u32> = core::hint::black_box(None);
            log::info!("about to unwrap None");
            let _ = limit.expect("a deliberate panic");
        }
        other => log::error!("prober: no probe named `{other}`"),
    }
    pd_runtime::exit(1)
}

/// The return instruction: `ret` on x86_64 (C3), `ret` (x30) on aarch64
/// (D65F03C0, little-endian).
#[cfg(target_arch = "x86_64")]
const RET: [u8; 4] = [0xc3; 4];
#[cfg(target_arch = "aarch64")]
const RET: [u8; 4] = 0xd65f_03c0u32.to_le_bytes();

/// Return instructions in a heap allocation.
fn alloc_code() -> *const u8 {
    extern crate alloc;
    let code = alloc::boxed::Box::leak(alloc::boxed::Box::new([RET; 4]));
    code.as_ptr().cast()
}

/// Enters the kernel with syscall number `number` (the kernel's ABI: RDX
/// on x86_64, X7 on aarch64). The registers the kernel may write when the
/// fault is answered are clobbered.
///
/// # Safety
/// Only for numbers the kernel does not know: it reports them as a fault.
#[cfg(target_arch = "x86_64")]
unsafe fn unknown_syscall(number: isize) {
    // SAFETY: forwarded to the caller; RSP is kept in R12 across SYSCALL.
    unsafe {
        core::arch::asm!("mov r12, rsp", "syscall", "mov rsp, r12", in("rdx") number, out("rcx") _, out("r11") _, out("r12") _)
    };
}

#[cfg(target_arch = "aarch64")]
unsafe fn unknown_syscall(number: isize) {
    // SAFETY: forwarded to the caller.
    unsafe {
        core::arch::asm!(
            "svc #0",
            inout("x7") number => _,
            lateout("x0") _, lateout("x1") _, lateout("x2") _, lateout("x3") _,
            lateout("x4") _, lateout("x5") _, lateout("x6") _, lateout("x30") _,
        )
    };
}
