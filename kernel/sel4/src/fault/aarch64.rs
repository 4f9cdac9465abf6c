//! What an aarch64 fault message's numbers mean.
//!
//! On aarch64, seL4 5.0 puts the exception syndrome register (ESR_EL1) of a
//! data or instruction abort in the VM fault's FSR word. It sends a user
//! exception (any other synchronous exception but a syscall, e.g. an
//! undefined instruction or a `brk`) with number and code 0: the syndrome
//! is not passed on, so the instruction at the fault address is what tells
//! the kind of exception ([`instruction`]).
//!
//! Pure functions, compiled for every target so that the host tests check
//! them; the fault reports use them on aarch64.

use core::fmt;

/// The exception class, ESR_EL1[31:26].
pub fn exception_class(esr: u64) -> u8 {
    ((esr >> 26) & 0x3f) as u8
}

/// What exception class `ec` is (the synchronous ones user code can raise).
pub fn class_name(ec: u8) -> &'static str {
    match ec {
        0x00 => "unknown reason",
        0x01 => "trapped WFI/WFE",
        0x07 => "trapped FP/SIMD access",
        0x0e => "illegal execution state",
        0x15 => "SVC",
        0x18 => "trapped system register access",
        0x20 => "instruction abort from EL0",
        0x21 => "instruction abort from EL1",
        0x22 => "PC alignment fault",
        0x24 => "data abort from EL0",
        0x25 => "data abort from EL1",
        0x26 => "SP alignment fault",
        0x2c => "floating-point exception",
        0x30 => "breakpoint from EL0",
        0x32 => "software step from EL0",
        0x34 => "watchpoint from EL0",
        0x3c => "BRK instruction",
        _ => "other exception class",
    }
}

/// Whether `esr` reports a data abort (the only aborts with a read/write bit).
pub fn is_data_abort(esr: u64) -> bool {
    matches!(exception_class(esr), 0x24 | 0x25)
}

/// The fault status code of an abort, ESR_EL1[5:0] (DFSC or IFSC), decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultStatus(pub u8);

impl FaultStatus {
    pub fn of(esr: u64) -> FaultStatus {
        FaultStatus((esr & 0x3f) as u8)
    }
}

impl fmt::Display for FaultStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.0;
        let level = code & 0b11;
        let at_level =
            |f: &mut fmt::Formatter<'_>, what: &str| write!(f, "{what} at level {level}");
        match code >> 2 {
            0b0000 => at_level(f, "address size fault"),
            0b0001 => at_level(f, "translation fault"),
            0b0010 => at_level(f, "access flag fault"),
            0b0011 => at_level(f, "permission fault"),
            0b0101 => at_level(f, "external abort on a table walk"),
            0b0111 => at_level(f, "parity/ECC error on a table walk"),
            _ => match code {
                0b01_0000 => f.write_str("external abort"),
                0b01_1000 => f.write_str("parity/ECC error"),
                0b10_0001 => f.write_str("alignment fault"),
                0b11_0000 => f.write_str("TLB conflict abort"),
                _ => write!(f, "fault status {code:#x}"),
            },
        }
    }
}

/// One line about an abort's syndrome: `ESR 0x92000007: translation fault at
/// level 3, read`.
pub struct AbortSyndrome(pub u64);

impl fmt::Display for AbortSyndrome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let esr = self.0;
        write!(f, "ESR {esr:#x}: ")?;
        match exception_class(esr) {
            0x20 | 0x21 | 0x24 | 0x25 => {
                write!(f, "{}", FaultStatus::of(esr))?;
                if is_data_abort(esr) {
                    // WnR, bit 6.
                    f.write_str(if esr & (1 << 6) != 0 { ", write" } else { ", read" })?;
                }
                Ok(())
            }
            ec => write!(f, "{} (class {ec:#x})", class_name(ec)),
        }
    }
}

/// What an A64 instruction word is, for the instructions that raise a user
/// exception on purpose or by accident; `None` for any other instruction.
pub fn instruction(word: u32) -> Option<Instruction> {
    Some(if word & 0xffff_0000 == 0 {
        Instruction::Udf((word & 0xffff) as u16)
    } else if word & 0xffe0_001f == 0xd420_0000 {
        Instruction::Brk(((word >> 5) & 0xffff) as u16)
    } else if word & 0xffe0_001f == 0xd440_0000 {
        Instruction::Hlt(((word >> 5) & 0xffff) as u16)
    } else {
        return None;
    })
}

/// An instruction that raises an exception at EL0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instruction {
    /// Permanently undefined (`udf #imm16`): Rust's panic-to-fault path.
    Udf(u16),
    /// Breakpoint (`brk #imm16`): e.g. a compiler's trap.
    Brk(u16),
    /// Halt (`hlt #imm16`): undefined at EL0 without a debugger.
    Hlt(u16),
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Instruction::Udf(imm) => write!(f, "udf #{imm} (permanently undefined instruction)"),
            Instruction::Brk(imm) => write!(f, "brk #{imm:#x} (breakpoint)"),
            Instruction::Hlt(imm) => write!(f, "hlt #{imm:#x} (halt, undefined at EL0)"),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;

    #[test]
    fn data_aborts_tell_the_status_level_and_direction() {
        // EC 0x24 (data abort from EL0), IL, DFSC 0b000110 (translation, level 2).
        assert_eq!(
            AbortSyndrome(0x9200_0006).to_string(),
            "ESR 0x92000006: translation fault at level 2, read"
        );
        // WnR set, DFSC 0b001111 (permission, level 3).
        assert_eq!(
            AbortSyndrome(0x9200_004f).to_string(),
            "ESR 0x9200004f: permission fault at level 3, write"
        );
        assert_eq!(AbortSyndrome(0x9200_0021).to_string(), "ESR 0x92000021: alignment fault, read");
    }

    #[test]
    fn instruction_aborts_have_no_direction() {
        // EC 0x20 (instruction abort from EL0), IFSC 0b001111.
        assert_eq!(
            AbortSyndrome(0x8200_000f).to_string(),
            "ESR 0x8200000f: permission fault at level 3"
        );
        assert_eq!(
            AbortSyndrome(0x8200_0007).to_string(),
            "ESR 0x82000007: translation fault at level 3"
        );
    }

    #[test]
    fn other_classes_are_named() {
        assert_eq!(
            AbortSyndrome(0xf200_03e8).to_string(),
            "ESR 0xf20003e8: BRK instruction (class 0x3c)"
        );
        assert_eq!(
            AbortSyndrome(0x0200_0000).to_string(),
            "ESR 0x2000000: unknown reason (class 0x0)"
        );
    }

    #[test]
    fn trap_instructions_are_recognised() {
        assert_eq!(instruction(0x0000_0000), Some(Instruction::Udf(0)));
        assert_eq!(instruction(0x0000_beef), Some(Instruction::Udf(0xbeef)));
        // brk #0x3e8 and brk #1.
        assert_eq!(instruction(0xd420_7d00), Some(Instruction::Brk(0x3e8)));
        assert_eq!(instruction(0xd420_0020), Some(Instruction::Brk(1)));
        assert_eq!(instruction(0xd440_0000), Some(Instruction::Hlt(0)));
        // ret, svc #0: no exception of their own.
        assert_eq!(instruction(0xd65f_03c0), None);
        assert_eq!(instruction(0xd400_0001), None);
        assert_eq!(
            instruction(0).unwrap().to_string(),
            "udf #0 (permanently undefined instruction)"
        );
    }
}
