//! The emitted Rust text: shape, and that it compiles as `include!`d into a
//! `#![no_std]` crate with warnings denied.

mod common;

use std::process::Command;

use common::*;

#[test]
fn emitted_rust_compiles_in_no_std_and_keeps_values() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    let (config, abi) = generate_for(&source, dir.path(), &board_autoconf(&source));
    let text = abi.to_rust(&config);

    for expected in [
        "pub mod syscall {",
        "    pub const seL4_SysCall: isize = -1;",
        "    pub const seL4_SysDebugPutChar: isize = -9;",
        "    pub const InvalidInvocation: usize = 0;",
        "    pub const X86IOPortOut8: usize = 47;",
        "    /// From `libsel4/arch_include/x86/interfaces/sel4arch.xml` line 112.",
        "    pub const seL4_UntypedObject: usize = 0;",
        "    pub const seL4_X86_IOPageTableObject: usize = 16777215;",
        "    pub const seL4_NumErrors: usize = 11;",
        "    pub const seL4_MsgMaxLength: usize = 120;",
        "    pub const seL4_InvalidPrio: isize = -1;",
        "    pub const seL4_MaxPrio: usize = 255;",
        "    pub const CONFIG_NUM_PRIORITIES: u64 = 256;",
        "    pub const CONFIG_DEBUG_BUILD: u64 = 1;",
        "    pub const CONFIG_USER_EXTRA_CFLAGS: &str = \"-D_XOPEN_SOURCE=700\";",
        "#[allow(non_upper_case_globals, dead_code)]\npub mod config {",
        "pub mod bitfield {",
        "    /// `seL4_MessageInfo` (libsel4/include/sel4/shared_types_64.bf:17): 1 word(s).\n    pub mod seL4_MessageInfo {",
        "        pub mod label { pub const WORD: usize = 0; pub const SHIFT: u32 = 12; pub const WIDTH: u32 = 20; }",
        "        pub mod FSR { pub const WORD: usize = 1; pub const SHIFT: u32 = 0; pub const WIDTH: u32 = 64; }",
        "pub mod tagged_union {",
        "    pub mod seL4_Fault {",
        "        pub const VMFault: u64 = 5;",
        "        pub const Guard: u64 = 1;",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    assert!(!text.contains("AUTOCONF_INCLUDED"), "only CONFIG_ names go into `config`");
    assert!(!text.contains("CONFIG_IOMMU"));
    // Every item has a doc comment.
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("pub const") {
            assert!(lines[i - 1].trim_start().starts_with("///"), "no doc comment on `{l}`");
        }
    }

    std::fs::write(dir.path().join("abi.rs"), &text).unwrap();
    std::fs::write(
        dir.path().join("lib.rs"),
        "#![no_std]\n#![deny(warnings)]\n\
         pub mod abi { include!(\"abi.rs\"); }\n\
         const _: () = assert!(abi::invocation::X86IOPortOut8 == 47);\n\
         const _: () = assert!(abi::syscall::seL4_SysDebugCapIdentify == -11);\n\
         const _: () = assert!(abi::object_type::seL4_CapTableObject == 4);\n\
         const _: () = assert!(abi::error::seL4_NumErrors == 11);\n\
         const _: () = assert!(abi::constants::seL4_MsgMaxLength == 120);\n\
         const _: &str = abi::config::CONFIG_KERNEL_CFLAGS;\n\
         const _: () = assert!(abi::bitfield::seL4_MessageInfo::WORDS == 1);\n\
         const _: () = assert!(abi::bitfield::seL4_MessageInfo::label::SHIFT == 12);\n\
         const _: () = assert!(abi::bitfield::Badge::Badge::WIDTH == 28);\n\
         const _: () = assert!(abi::bitfield::VMFault::IP::WORD == 4);\n\
         const _: () = assert!(abi::tagged_union::seL4_Fault::VMFault == 5);\n\
         const _: () = assert!(abi::tagged_union::seL4_CapData::Guard == 1);\n",
    )
    .unwrap();
    let out = Command::new("rustc")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--crate-type", "lib", "--edition", "2021", "--emit", "metadata", "--out-dir"])
        .arg(dir.path())
        .arg(dir.path().join("lib.rs"))
        .output()
        .expect("running rustc");
    assert!(out.status.success(), "rustc failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn generated_text_is_deterministic() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    let (config, abi) = generate_for(&source, dir.path(), &board_autoconf(&source));
    let (config2, abi2) = generate_for(&source, dir.path(), &board_autoconf(&source));
    assert_eq!(abi.to_rust(&config), abi2.to_rust(&config2));
}
