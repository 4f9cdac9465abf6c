//! Message labels the supervisor and the components use with each other,
//! and the Wasm trap codes one of them carries.

/// Message labels between components and the supervisor (above the
/// kernel's fault labels, within the 20-bit label field).
pub mod label {
    /// Component → supervisor (on the fault endpoint): "I have finished";
    /// message register 0 holds the exit code (0 = success).
    pub const EXIT: u64 = 0x5_0001;
    /// Component → supervisor: "my Wasm module trapped"; message register 0
    /// holds the trap ([`super::wasm_trap`]). Handled like a fault.
    pub const WASM_TRAP: u64 = 0x5_0002;
    /// Supervisor → caller: the server died while handling your call.
    pub const SERVER_DIED: u64 = 0xF_FFFF;
}

/// Wasm traps as the runtime reports them to the supervisor.
pub mod wasm_trap {
    pub const UNKNOWN: u64 = 0;
    pub const OUT_OF_BOUNDS: u64 = 1;
    pub const UNREACHABLE: u64 = 2;
    pub const STACK_OVERFLOW: u64 = 3;
    pub const DIVISION_BY_ZERO: u64 = 4;
    pub const OUT_OF_FUEL: u64 = 5;
    pub const INTEGER_OVERFLOW: u64 = 6;
    pub const BAD_CONVERSION: u64 = 7;
    pub const INDIRECT_CALL: u64 = 8;
    /// A host function refused a guest argument (bad pointer, channel, ...).
    pub const HOST_CHECK: u64 = 9;
    /// The module could not be loaded or instantiated.
    pub const LOAD_FAILED: u64 = 10;

    /// A short description of trap `code`.
    pub fn describe(code: u64) -> &'static str {
        match code {
            OUT_OF_BOUNDS => "out-of-bounds memory access",
            UNREACHABLE => "unreachable executed (e.g. a panic)",
            STACK_OVERFLOW => "call stack exhausted",
            DIVISION_BY_ZERO => "integer division by zero",
            OUT_OF_FUEL => "out of fuel (ran too long in one event)",
            INTEGER_OVERFLOW => "integer overflow",
            BAD_CONVERSION => "invalid conversion to integer",
            INDIRECT_CALL => "bad indirect call",
            HOST_CHECK => "a host function refused its arguments",
            LOAD_FAILED => "the module could not be loaded",
            _ => "unknown trap",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wasm_trap;

    #[test]
    fn every_trap_code_has_its_own_description() {
        let known = [
            wasm_trap::OUT_OF_BOUNDS,
            wasm_trap::UNREACHABLE,
            wasm_trap::STACK_OVERFLOW,
            wasm_trap::DIVISION_BY_ZERO,
            wasm_trap::OUT_OF_FUEL,
            wasm_trap::INTEGER_OVERFLOW,
            wasm_trap::BAD_CONVERSION,
            wasm_trap::INDIRECT_CALL,
            wasm_trap::HOST_CHECK,
            wasm_trap::LOAD_FAILED,
        ];
        for (i, &a) in known.iter().enumerate() {
            assert_ne!(wasm_trap::describe(a), "unknown trap", "code {a}");
            for &b in &known[i + 1..] {
                assert_ne!(wasm_trap::describe(a), wasm_trap::describe(b), "codes {a} and {b}");
            }
        }
        assert_eq!(wasm_trap::describe(wasm_trap::UNKNOWN), "unknown trap");
        assert_eq!(wasm_trap::describe(99), "unknown trap");
    }
}
