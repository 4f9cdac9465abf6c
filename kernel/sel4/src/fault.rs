//! Fault messages: what the kernel sends to a thread's fault endpoint when
//! the thread faults. The label is the fault type; the message registers
//! hold its details. Both layouts are generated from the kernel's files;
//! what some of the numbers mean depends on the architecture (on aarch64, see
//! [`aarch64`]).

use core::fmt;

pub mod aarch64;

use crate::sys::constants as mr;
use crate::sys::tagged_union::seL4_Fault as kind;
use crate::{with_ipc_buffer, MessageInfo, Word};

/// A fault, decoded from a fault message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A capability could not be looked up or used (e.g. invoking an empty slot).
    Cap { ip: Word, cptr: Word, in_receive_phase: bool, lookup_failure: Word },
    /// A syscall number the kernel does not know.
    UnknownSyscall { ip: Word, sp: Word, syscall: Word },
    /// A CPU exception (e.g. division by zero, invalid opcode, general
    /// protection). `flags` is RFLAGS on x86_64, SPSR on aarch64. On x86_64
    /// `number` is the exception vector and `code` its error code; seL4 on
    /// aarch64 sends 0 for both (see [`aarch64`]).
    UserException { ip: Word, sp: Word, flags: Word, number: Word, code: Word },
    /// An access to memory that is not mapped, or not with that access.
    /// `fsr` is the page-fault error code on x86_64, ESR_EL1 on aarch64.
    Vm { ip: Word, addr: Word, instruction_fetch: bool, fsr: Word },
    /// A message whose label is no fault type.
    Unknown { label: Word },
}

impl Fault {
    /// Decodes the fault message just received (`info` and the IPC buffer).
    pub fn decode(info: MessageInfo) -> Fault {
        let label = info.label() as u64;
        with_ipc_buffer(|b| {
            let m = |i: usize| b.msg[i];
            match label {
                kind::CapFault => Fault::Cap {
                    ip: m(mr::seL4_CapFault_IP),
                    cptr: m(mr::seL4_CapFault_Addr),
                    in_receive_phase: m(mr::seL4_CapFault_InRecvPhase) != 0,
                    lookup_failure: m(mr::seL4_CapFault_LookupFailureType),
                },
                kind::UnknownSyscall => Fault::UnknownSyscall {
                    ip: m(mr::seL4_UnknownSyscall_FaultIP),
                    sp: m(mr::seL4_UnknownSyscall_SP),
                    syscall: m(mr::seL4_UnknownSyscall_Syscall),
                },
                kind::UserException => Fault::UserException {
                    ip: m(mr::seL4_UserException_FaultIP),
                    sp: m(mr::seL4_UserException_SP),
                    #[cfg(target_arch = "x86_64")]
                    flags: m(mr::seL4_UserException_FLAGS),
                    #[cfg(target_arch = "aarch64")]
                    flags: m(mr::seL4_UserException_SPSR),
                    number: m(mr::seL4_UserException_Number),
                    code: m(mr::seL4_UserException_Code),
                },
                kind::VMFault => Fault::Vm {
                    ip: m(mr::seL4_VMFault_IP),
                    addr: m(mr::seL4_VMFault_Addr),
                    instruction_fetch: m(mr::seL4_VMFault_PrefetchFault) != 0,
                    fsr: m(mr::seL4_VMFault_FSR),
                },
                _ => Fault::Unknown { label: label as Word },
            }
        })
    }

    /// Whether `label` is one of the kernel's fault types.
    pub fn is_fault_label(label: Word) -> bool {
        matches!(
            label as u64,
            kind::CapFault | kind::UnknownSyscall | kind::UserException | kind::VMFault
        )
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Cap { .. } => "capability fault",
            Fault::UnknownSyscall { .. } => "unknown syscall",
            Fault::UserException { .. } => "user exception",
            Fault::Vm { .. } => "VM fault",
            Fault::Unknown { .. } => "unknown fault",
        }
    }

    /// The faulting instruction's address.
    pub fn ip(&self) -> Option<Word> {
        match *self {
            Fault::Cap { ip, .. }
            | Fault::UnknownSyscall { ip, .. }
            | Fault::UserException { ip, .. }
            | Fault::Vm { ip, .. } => Some(ip),
            Fault::Unknown { .. } => None,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Fault::Cap { ip, cptr, in_receive_phase, lookup_failure } => write!(
                f,
                "capability fault at ip {ip:#x}: slot {cptr:#x} {} (lookup failure {lookup_failure})",
                if in_receive_phase { "while receiving" } else { "invoked" }
            ),
            Fault::UnknownSyscall { ip, sp, syscall } => {
                write!(f, "unknown syscall {} at ip {ip:#x} (sp {sp:#x})", syscall as isize)
            }
            #[cfg(target_arch = "x86_64")]
            Fault::UserException { ip, sp, number, code, .. } => {
                write!(f, "user exception {number} (code {code:#x}) at ip {ip:#x} (sp {sp:#x})")
            }
            // No exception number to show: the kernel sends none.
            #[cfg(target_arch = "aarch64")]
            Fault::UserException { ip, sp, flags, .. } => {
                write!(f, "user exception at ip {ip:#x} (sp {sp:#x}, spsr {flags:#x})")
            }
            Fault::Vm { ip, addr, instruction_fetch, fsr } => {
                let access = if instruction_fetch { "instruction fetch from" } else { "data access to" };
                write!(f, "VM fault: {access} address {addr:#x} at ip {ip:#x} ")?;
                #[cfg(target_arch = "x86_64")]
                write!(f, "(fsr {fsr:#x})")?;
                #[cfg(target_arch = "aarch64")]
                write!(f, "({})", aarch64::AbortSyndrome(fsr as u64))?;
                Ok(())
            }
            Fault::Unknown { label } => write!(f, "message with label {label:#x} (no fault type)"),
        }
    }
}
