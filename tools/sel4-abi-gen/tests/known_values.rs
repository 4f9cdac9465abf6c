//! Known ABI values of seL4 5.0.0 for the project's board config.

mod common;

use common::*;

#[test]
fn board_config_known_values() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    let (config, abi) = generate_for(&source, dir.path(), &board_autoconf(&source));
    assert!(config.is_defined("CONFIG_XAPIC") && !config.is_defined("CONFIG_X2APIC"));

    let syscalls = [
        ("seL4_SysCall", -1),
        ("seL4_SysReplyRecv", -2),
        ("seL4_SysSend", -3),
        ("seL4_SysNBSend", -4),
        ("seL4_SysRecv", -5),
        ("seL4_SysReply", -6),
        ("seL4_SysYield", -7),
        ("seL4_SysNBRecv", -8),
        ("seL4_SysDebugPutChar", -9),
        ("seL4_SysDebugHalt", -10),
        ("seL4_SysDebugCapIdentify", -11),
    ];
    for (name, value) in syscalls {
        assert_eq!(get(&abi.syscalls, name), value, "{name}");
    }
    assert!(!has(&abi.syscalls, "seL4_SysVMEnter"));
    assert!(!has(&abi.syscalls, "seL4_SysBenchmarkFlushCaches"));

    assert_eq!(get(&abi.invocation_labels, "InvalidInvocation"), 0);
    assert_eq!(get(&abi.invocation_labels, "UntypedRetype"), 1);
    assert_eq!(get(&abi.invocation_labels, "X86IOPortOut8"), 47);
    assert!(!has(&abi.invocation_labels, "TCBSetAffinity"));
    assert!(!has(&abi.invocation_labels, "X86PageMapEPT"));

    for (name, value) in [
        ("seL4_UntypedObject", 0),
        ("seL4_TCBObject", 1),
        ("seL4_EndpointObject", 2),
        ("seL4_NotificationObject", 3),
        ("seL4_CapTableObject", 4),
        ("seL4_NonArchObjectTypeCount", 5),
        ("seL4_X86_IOPageTableObject", 0xffffff),
    ] {
        assert_eq!(get(&abi.object_types, name), value, "{name}");
    }
    assert_eq!(get(&abi.errors, "seL4_NoError"), 0);
    assert_eq!(get(&abi.errors, "seL4_NumErrors"), 11);
    assert_eq!(get(&abi.constants, "seL4_MsgMaxLength"), 120);
    assert_eq!(get(&abi.constants, "seL4_MaxPrio"), 255);
    assert_eq!(get(&abi.constants, "seL4_InvalidPrio"), -1);
    assert_eq!(get(&abi.constants, "seL4_MsgMaxExtraCaps"), 3);
    assert_eq!(get(&abi.constants, "seL4_PageBits"), 12);
    assert_eq!(get(&abi.constants, "seL4_SlotBits"), 5);
    assert_eq!(get(&abi.constants, "seL4_TCBBits"), 11);

    // Origins and inputs.
    let o = abi.origin(sel4_abi_gen::Section::Invocation, "X86IOPortOut8").unwrap();
    assert_eq!(o.file, std::path::Path::new("libsel4/arch_include/x86/interfaces/sel4arch.xml"));
    assert!(abi.input_files().iter().any(|f| f.ends_with("include/api/syscall.xml")));
    assert!(abi.input_files().iter().any(|f| f.ends_with("autoconf.h")));
    assert!(abi.input_files().iter().all(|f| f.is_file()), "{:?}", abi.input_files());
}

#[test]
fn conditions_change_the_numbering() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    let (_, board) = generate_for(&source, dir.path(), &board_autoconf(&source));
    let (_, exotic) = generate_for(&source, dir.path(), &exotic_autoconf(&source));
    // Before X86IOPortOut8: SMP adds TCBSetAffinity, the debug API four TCB
    // labels, and VT-x X86PageMapEPT.
    assert!(has(&exotic.invocation_labels, "TCBSetAffinity"));
    assert!(has(&exotic.invocation_labels, "X86PageMapEPT"));
    assert_eq!(get(&exotic.invocation_labels, "X86IOPortOut8"), 47 + 6);
    // Syscall numbers are positional: benchmarks keep their numbers without debug syscalls.
    assert!(!has(&exotic.syscalls, "seL4_SysDebugPutChar"));
    assert_eq!(get(&exotic.syscalls, "seL4_SysBenchmarkFlushCaches"), -15);
    assert_eq!(get(&exotic.syscalls, "seL4_SysVMEnter"), -22);
    // VT-x object types exist instead of their fallbacks.
    assert!(get(&exotic.object_types, "seL4_X86_VCPUObject") < 0xffff);
    assert_eq!(get(&board.object_types, "seL4_X86_VCPUObject"), 0xfffffe);
    assert_eq!(get(&exotic.object_types, "seL4_X64_HugePageObject"), 0xfffffffe);
    assert!(has(&exotic.constants, "seL4_SingleStep"));
    assert!(!has(&board.constants, "seL4_SingleStep"));
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn unsupported_constructs_are_errors_naming_file_and_line() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    // A private copy of the inputs, never the registry folder.
    let root = dir.path().join("seL4");
    copy_tree(&source.join("libsel4"), &root.join("libsel4"));
    copy_tree(&source.join("include/api"), &root.join("include/api"));
    let errors_h = root.join("libsel4/include/sel4/errors.h");
    let text = std::fs::read_to_string(&errors_h).unwrap();
    let line = text.lines().position(|l| l.contains("seL4_NotEnoughMemory")).unwrap() + 1;
    std::fs::write(
        &errors_h,
        text.replace("seL4_NotEnoughMemory,", "seL4_NotEnoughMemory = sizeof(long),"),
    )
    .unwrap();

    let config =
        sel4_abi_gen::KernelConfig::from_autoconf_str(&board_autoconf(&source), "autoconf.h")
            .unwrap();
    let inputs = sel4_abi_gen::AbiInputs {
        source_root: &root,
        arch: "x86",
        sel4_arch: "x86_64",
        config: &config,
    };
    let err = format!("{:#}", sel4_abi_gen::generate(&inputs).unwrap_err());
    let expected =
        format!("libsel4/include/sel4/errors.h:{line}: value of enumerator `seL4_NotEnoughMemory`");
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("sizeof"), "{err}");
}

fn field(abi: &sel4_abi_gen::Abi, block: &str, field: &str) -> (usize, u32, u32) {
    let b = abi
        .bitfields
        .iter()
        .find(|b| b.name == block)
        .unwrap_or_else(|| panic!("block `{block}` not generated"));
    let f = b.field(field).unwrap_or_else(|| panic!("field `{block}.{field}` not generated"));
    (f.word, f.shift, f.width)
}

fn tags(abi: &sel4_abi_gen::Abi, union: &str) -> Vec<(String, u64)> {
    abi.tagged_unions
        .iter()
        .find(|u| u.name == union)
        .unwrap_or_else(|| panic!("tagged union `{union}` not generated"))
        .tags
        .clone()
}

fn owned(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

#[test]
fn bitfield_known_values() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    let (_, abi) = generate_for(&source, dir.path(), &board_autoconf(&source));
    // (block, field, word, shift, width)
    let known = [
        ("seL4_MessageInfo", "label", 0, 12, 20),
        ("seL4_MessageInfo", "capsUnwrapped", 0, 9, 3),
        ("seL4_MessageInfo", "extraCaps", 0, 7, 2),
        ("seL4_MessageInfo", "length", 0, 0, 7),
        ("seL4_CapRights", "capAllowWrite", 0, 0, 1),
        ("seL4_CapRights", "capAllowRead", 0, 1, 1),
        ("seL4_CapRights", "capAllowGrant", 0, 2, 1),
        ("seL4_PrioProps", "prio", 0, 0, 8),
        ("seL4_PrioProps", "mcp", 0, 8, 8),
        ("Badge", "Badge", 0, 0, 28),
        ("Badge", "CapDataType", 0, 31, 1),
        ("Guard", "GuardSize", 0, 2, 6),
        ("Guard", "GuardBits", 0, 8, 18),
        ("Guard", "CapDataType", 0, 31, 1),
        // Multi-word blocks: word 0 holds the lowest bits.
        ("VMFault", "seL4_FaultType", 0, 0, 3),
        ("VMFault", "FSR", 1, 0, 64),
        ("VMFault", "IP", 4, 0, 64),
        ("UnknownSyscall", "Syscall", 1, 0, 64),
        ("UnknownSyscall", "RAX", 19, 0, 64),
    ];
    for (block, f, word, shift, width) in known {
        assert_eq!(field(&abi, block, f), (word, shift, width), "{block}.{f}");
    }
    let words = |name: &str| abi.bitfields.iter().find(|b| b.name == name).unwrap().words;
    assert_eq!(words("seL4_MessageInfo"), 1);
    assert_eq!(words("VMFault"), 20);
    let names: Vec<&str> = abi.bitfields.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "seL4_MessageInfo",
            "seL4_PrioProps",
            "seL4_CapRights",
            "Guard",
            "Badge",
            "VMFault",
            "NullFault",
            "CapFault",
            "UnknownSyscall",
            "UserException"
        ]
    );
    assert_eq!(tags(&abi, "seL4_CapData"), owned(&[("Badge", 0), ("Guard", 1)]));
    assert_eq!(
        tags(&abi, "seL4_Fault"),
        owned(&[
            ("NullFault", 0),
            ("CapFault", 1),
            ("UnknownSyscall", 2),
            ("UserException", 3),
            ("VMFault", 5)
        ])
    );
    let fault = abi.tagged_unions.iter().find(|u| u.name == "seL4_Fault").unwrap();
    assert_eq!(fault.tag_field, "seL4_FaultType");
    let o = abi.origin(sel4_abi_gen::Section::TaggedUnion, "seL4_Fault").unwrap();
    assert_eq!(o.file, std::path::Path::new("libsel4/arch_include/x86/sel4/arch/shared_types.bf"));
    let o = abi.origin(sel4_abi_gen::Section::Bitfield, "seL4_MessageInfo").unwrap();
    assert_eq!(
        (o.file.as_path(), o.line),
        (std::path::Path::new("libsel4/include/sel4/shared_types_64.bf"), Some(17))
    );
    for f in [
        "libsel4/include/sel4/shared_types_64.bf",
        "libsel4/include/sel4/types_64.bf",
        "libsel4/sel4_arch_include/x86_64/sel4/sel4_arch/types.bf",
        "libsel4/arch_include/x86/sel4/arch/shared_types.bf",
    ] {
        assert!(
            abi.input_files().iter().any(|p| p.ends_with(f)),
            "{f} not in input_files: {:?}",
            abi.input_files()
        );
    }

    // The hardware debug API adds DebugException (block and tag 4).
    let (_, exotic) = generate_for(&source, dir.path(), &exotic_autoconf(&source));
    assert_eq!(
        tags(&exotic, "seL4_Fault"),
        owned(&[
            ("NullFault", 0),
            ("CapFault", 1),
            ("UnknownSyscall", 2),
            ("UserException", 3),
            ("DebugException", 4),
            ("VMFault", 5)
        ])
    );
    assert_eq!(field(&exotic, "DebugException", "FaultIP"), (4, 0, 64));
    assert!(!abi.bitfields.iter().any(|b| b.name == "DebugException"));
}

#[test]
fn bitfield_errors_name_file_and_line() {
    let source = sel4_source();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("seL4");
    copy_tree(&source.join("libsel4"), &root.join("libsel4"));
    copy_tree(&source.join("include/api"), &root.join("include/api"));
    let bf = root.join("libsel4/include/sel4/shared_types_64.bf");
    let text = std::fs::read_to_string(&bf).unwrap();
    let line = text.lines().position(|l| l.contains("field capsUnwrapped 3")).unwrap() + 1;
    std::fs::write(&bf, text.replace("field capsUnwrapped 3", "field capsUnwrapped 4")).unwrap();
    let config =
        sel4_abi_gen::KernelConfig::from_autoconf_str(&board_autoconf(&source), "autoconf.h")
            .unwrap();
    let err = format!(
        "{:#}",
        sel4_abi_gen::generate(&sel4_abi_gen::AbiInputs {
            source_root: &root,
            arch: "x86",
            sel4_arch: "x86_64",
            config: &config,
        })
        .unwrap_err()
    );
    assert!(
        err.contains("libsel4/include/sel4/shared_types_64.bf:17")
            && err.contains("not a multiple of the base 64"),
        "{err} (edited line {line})"
    );
}
