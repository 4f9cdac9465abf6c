//! The supervisor: receives every component's faults (and exit requests) on
//! the fault endpoint, reports them and applies the restart policy.
//!
//! Callers of a server that faults never hang: the call it was handling is
//! answered with the `SERVER_DIED` label by its runtime when it starts again
//! (the reply capability survives in its thread); calls that arrive while it
//! restarts wait on its endpoint and are served by the restarted server; a
//! stopped or exited server runs as a tombstone that answers every call
//! with `SERVER_DIED`, the call it was serving when it ended included.
//!
//! A fault of a Wasm component is its runtime's (guest errors arrive as
//! reported traps): it is counted as a runtime fault, and a system with
//! one does not end successfully.

use alloc::vec::Vec;

use sel4_root_task::sel4::{self, Fault, Word};
use system_manifest::control;
use system_manifest::ipc::{label, wasm_trap};
use system_manifest::{ArchivedLifetime, ArchivedRestartPolicy};

use crate::pd::{Pd, PdState};
use crate::system::System;
use crate::vspace::ScratchWindow;

/// How the system ended.
pub enum Outcome {
    /// Every task component ended; `failed` lists those that exited with
    /// a nonzero code.
    TasksEnded { failed: Vec<&'static str> },
    /// A component with the `halt-system` policy faulted.
    Halted { component: &'static str },
}

pub fn supervise(system: &mut System) -> Outcome {
    let mut announced = false;
    loop {
        if let Some(outcome) = tasks_ended(system) {
            if !system.image.keep_running {
                return outcome;
            }
            if !announced {
                announced = true;
                log::info!(
                    "supervisor: every task has ended; the system keeps running (interactive)"
                );
            }
        }
        let (info, badge) = system.fault_endpoint.recv();
        if badge as u64 & control::BADGE_BIT != 0 {
            let caller = (badge as u64 & !control::BADGE_BIT) as usize;
            if let Some(index) = caller.checked_sub(1).filter(|&i| i < system.pds.len()) {
                crate::control::serve(system, index, info);
            }
            continue;
        }
        let Some(index) = badge.checked_sub(1).filter(|&i| i < system.pds.len()) else {
            log::warn!("supervisor: message with unknown badge {badge:#x} ignored");
            continue;
        };
        let message_label = info.label();
        if message_label == label::EXIT as Word {
            let code = sel4::with_ipc_buffer(|b| b.msg[0]);
            let pd = &mut system.pds[index];
            log::info!("supervisor: component `{}` exited with code {code}", pd.name);
            // Its callers must not hang: it runs on as a tombstone.
            if let Err(e) = pd.exited(&mut system.scratch, code) {
                log::error!(
                    "supervisor: `{}` cannot become a tombstone: {e}; suspending it",
                    pd.name
                );
                pd.suspend();
            }
            continue;
        }
        let is_wasm = system.pds[index].is_wasm;
        let (failure, runtime_fault) = if message_label == label::WASM_TRAP as Word {
            let trap = sel4::with_ipc_buffer(|b| b.msg[0]) as u64;
            (alloc::format!("trapped: Wasm trap: {}", wasm_trap::describe(trap)), false)
        } else if Fault::is_fault_label(message_label) {
            let fault = Fault::decode(info);
            // A Wasm component's guest cannot fault: every guest error is
            // a trap its runtime reports. A fault is the runtime's own.
            let whose =
                if is_wasm { "runtime fault (the Wasm runtime, not its guest): " } else { "" };
            (
                alloc::format!("{whose}faulted: {fault}{}", fault_detail(system, index, &fault)),
                is_wasm,
            )
        } else {
            log::warn!(
                "supervisor: component `{}` sent an unknown request (label {message_label:#x})",
                system.pds[index].name
            );
            continue;
        };
        let pd = &mut system.pds[index];
        pd.faults += 1;
        if runtime_fault {
            pd.runtime_faults += 1;
        }
        log::error!("supervisor: component `{}` {failure}", pd.name);
        if matches!(pd.state, PdState::Stopped | PdState::Exited(_)) {
            log::error!("supervisor: the tombstone of `{}` failed; suspending it", pd.name);
            pd.suspend();
            continue;
        }
        if let Some(outcome) = apply_policy(system, index) {
            return outcome;
        }
    }
}

/// What the supervisor adds to the kernel's report of a fault of component
/// `index`. On aarch64 a user exception comes without a syndrome (seL4
/// sends number and code 0): the instruction at the fault address, read
/// from the component's program (its code is read-only, so it is what ran),
/// tells what kind of exception it was.
#[cfg(target_arch = "aarch64")]
fn fault_detail(system: &System, index: usize, fault: &Fault) -> alloc::string::String {
    use sel4::fault::aarch64::instruction;
    use system_manifest::ArchivedSegmentAccess;

    let Fault::UserException { ip, .. } = *fault else {
        return alloc::string::String::new();
    };
    let program = &system.image.programs[system.pds[index].manifest.program.to_native() as usize];
    let word =
        program.segments.iter().filter(|s| s.access != ArchivedSegmentAccess::ReadWrite).find_map(
            |s| {
                let offset = (ip as u64).checked_sub(s.vaddr.to_native())? as usize;
                let bytes = s.data.get(offset..offset.checked_add(4)?)?;
                Some(u32::from_le_bytes(bytes.try_into().ok()?))
            },
        );
    match word {
        Some(word) => match instruction(word) {
            Some(what) => alloc::format!("; the instruction there: {word:#010x} = {what}"),
            None => alloc::format!("; the instruction there: {word:#010x}"),
        },
        None => alloc::string::String::from("; no program code at that address"),
    }
}

/// On x86_64 the kernel's report (exception number and error code) says it all.
#[cfg(not(target_arch = "aarch64"))]
fn fault_detail(_system: &System, _index: usize, _fault: &Fault) -> alloc::string::String {
    alloc::string::String::new()
}

/// Applies component `index`'s restart policy after a failure; an outcome
/// if the policy ends the system.
fn apply_policy(system: &mut System, index: usize) -> Option<Outcome> {
    let pd = &mut system.pds[index];
    match pd.manifest.restart {
        ArchivedRestartPolicy::Restart { max_restarts }
            if pd.restarts < max_restarts.to_native() =>
        {
            restart(pd, &mut system.scratch);
        }
        ArchivedRestartPolicy::Restart { max_restarts } => {
            stop(pd, &mut system.scratch);
            log::error!(
                "supervisor: `{}` reached its limit of {} restarts; stopped",
                pd.name,
                max_restarts.to_native()
            );
        }
        ArchivedRestartPolicy::Stop => {
            stop(pd, &mut system.scratch);
            log::warn!("supervisor: stopped `{}` (restart policy: stop)", pd.name);
        }
        ArchivedRestartPolicy::HaltSystem => {
            log::error!(
                "supervisor: `{}` faulted and its policy is halt-system: halting the system",
                pd.name
            );
            return Some(Outcome::Halted { component: pd.name });
        }
    }
    None
}

/// Restarts `pd` (counted against its limit); a failure leaves it stopped.
fn restart(pd: &mut Pd, scratch: &mut ScratchWindow) -> bool {
    let limit = match pd.manifest.restart {
        ArchivedRestartPolicy::Restart { max_restarts } => {
            alloc::format!(" of at most {}", max_restarts.to_native())
        }
        _ => alloc::string::String::new(),
    };
    match pd.restart(scratch) {
        Ok(()) => {
            log::warn!("supervisor: restarted `{}` (restart {}{limit})", pd.name, pd.restarts);
            true
        }
        Err(e) => {
            log::error!("supervisor: restarting `{}` failed: {e}; suspending it", pd.name);
            pd.suspend();
            pd.state = PdState::Stopped;
            false
        }
    }
}

/// The outcome once every task component has exited or been stopped; `None`
/// while one still runs, or forever when the system has no tasks.
fn tasks_ended(system: &System) -> Option<Outcome> {
    let mut tasks =
        system.pds.iter().filter(|pd| pd.manifest.lifetime == ArchivedLifetime::Task).peekable();
    tasks.peek()?;
    let mut failed = Vec::new();
    for pd in tasks {
        match pd.state {
            PdState::Running => return None,
            PdState::Exited(0) | PdState::Stopped => {}
            PdState::Exited(_) => failed.push(pd.name),
        }
    }
    Some(Outcome::TasksEnded { failed })
}

fn stop(pd: &mut Pd, scratch: &mut ScratchWindow) {
    if let Err(e) = pd.stop(scratch) {
        log::error!("supervisor: stopping `{}` as a tombstone failed: {e}; suspending it", pd.name);
        pd.suspend();
        pd.state = PdState::Stopped;
    }
}
