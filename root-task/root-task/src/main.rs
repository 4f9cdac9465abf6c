//! The sel4-wasm root task: checks the kernel interface, builds every
//! protection domain of the embedded system, starts them and supervises them
//! until the system ends.
#![no_std]
#![no_main]

extern crate alloc;

mod boot_image;
mod clock;
mod console;
mod control;
mod objects;
mod pd;
mod self_check;
mod summary;
mod supervisor;
mod system;
mod vspace;

use alloc::vec::Vec;
use core::fmt;

use sel4_root_task::BootInfo;

sel4_root_task::main!(main);

enum RootTaskError {
    SelfCheck(self_check::CheckError),
    BootImage(&'static str),
    Build(pd::BuildError),
    Halted { component: &'static str },
    TasksFailed(Vec<&'static str>),
    RuntimeFaults(Vec<&'static str>),
}

impl fmt::Display for RootTaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootTaskError::SelfCheck(e) => e.fmt(f),
            RootTaskError::BootImage(e) => f.write_str(e),
            RootTaskError::Build(e) => e.fmt(f),
            RootTaskError::Halted { component } => {
                write!(f, "halted by a fault of `{component}` (restart policy halt-system)")
            }
            RootTaskError::TasksFailed(names) => {
                write!(f, "components exited with failure: {}", names.join(", "))
            }
            RootTaskError::RuntimeFaults(names) => {
                write!(f, "the Wasm runtime faulted in: {}", names.join(", "))
            }
        }
    }
}

/// Frequency in MHz of the counter components read the time from: the TSC
/// on x86_64 (the kernel measures it and reports it in the bootinfo), the
/// generic timer on aarch64 (CNTFRQ_EL0, readable at user level).
fn counter_mhz(bootinfo: &BootInfo) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        bootinfo.arch_info()
    }
    #[cfg(target_arch = "aarch64")]
    {
        let _ = bootinfo;
        let hz: usize;
        // SAFETY: reads a counter register.
        unsafe { core::arch::asm!("mrs {}, cntfrq_el0", out(reg) hz, options(nomem, nostack)) };
        hz / 1_000_000
    }
}

fn main(bootinfo: &BootInfo) -> Result<(), RootTaskError> {
    summary::print(bootinfo);
    let mut objects = objects::ObjectAllocator::new(bootinfo);
    self_check::run(&mut objects).map_err(RootTaskError::SelfCheck)?;
    let image = boot_image::boot_image().map_err(RootTaskError::BootImage)?;
    let mut system = system::System::build(image, objects, counter_mhz(bootinfo))
        .map_err(RootTaskError::Build)?;
    system.start().map_err(RootTaskError::Build)?;
    let outcome = supervisor::supervise(&mut system);
    system.print_summary();
    let runtime_faulted: Vec<&'static str> =
        system.pds.iter().filter(|pd| pd.runtime_faults > 0).map(|pd| pd.name).collect();
    let success = runtime_faulted.is_empty()
        && matches!(&outcome, supervisor::Outcome::TasksEnded { failed } if failed.is_empty());
    if success {
        // Before the console drains: on a board without an early console
        // (aarch64, release kernel) it is the last line anyone sees.
        log::info!("root task finished: all tasks ended");
    }
    system.drain_console();
    match outcome {
        supervisor::Outcome::TasksEnded { failed } if !failed.is_empty() => {
            Err(RootTaskError::TasksFailed(failed))
        }
        _ if !runtime_faulted.is_empty() => Err(RootTaskError::RuntimeFaults(runtime_faulted)),
        supervisor::Outcome::TasksEnded { .. } => Ok(()),
        supervisor::Outcome::Halted { component } => Err(RootTaskError::Halted { component }),
    }
}
