//! `cargo xtask test`: the host tests, then the QEMU boot tests.
//!
//! A boot test boots a root task through the same runner as `cargo xtask
//! run` and checks the verdict and the console. The harness tests boot
//! guests that misbehave on purpose and check that the harness notices.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use qemu_runner::{Failure, Outcome, Verdict};

use crate::image::{self, Program};
use crate::system;
use crate::{workspace_root, BuildArgs};

/// What a boot test expects of the run.
enum Expect {
    /// The system ends successfully and prints these lines, in order.
    Pass(&'static [&'static str]),
    /// The system ends with a failure status (not a panic, not a timeout)
    /// after printing these lines, in order.
    Fail(&'static [&'static str]),
    /// The run fails with a panic whose report shows this text.
    Panic(&'static str),
    /// The run is stopped at the timeout.
    Timeout,
}

struct BootTest {
    name: &'static str,
    program: Program,
    /// The system description the root task embeds.
    system: &'static str,
    timeout: Duration,
    expect: Expect,
    /// Kernel profile of the board (`debug` unless the test is about another).
    kernel_profile: &'static str,
    /// Build the image as `cargo xtask run --interactive` does: the system
    /// keeps running after its tasks end; the test ends once every expected
    /// line has appeared.
    interactive: bool,
    /// Typed into the serial console: (wait for this text, then type this).
    input: &'static [(&'static str, &'static str)],
}

/// The options most tests use: debug kernel, not interactive, no input.
const PLAIN: BootTest = BootTest {
    name: "",
    program: image::ROOT_TASK,
    system: system::DEFAULT_SYSTEM,
    timeout: Duration::from_secs(60),
    expect: Expect::Timeout,
    kernel_profile: "debug",
    interactive: false,
    input: &[],
};

const SELF_CHECK: &[&str] = &[
    "seL4 kernel 5.0.0 booted the sel4-wasm root task",
    "untyped memory: ",
    "free slots",
    "self-check: retyped an endpoint",
    "self-check: DebugCapIdentify agrees",
    "self-check: notification signal/wait delivered badge 0x5a",
    "self-check: retype into an occupied slot is refused",
    "self-check: passed",
];

/// Boot tests of native systems that every board runs.
const NATIVE_SYSTEM: BootTest = BootTest {
    name: "native_system_shows_calls_fault_restart_and_ends",
    program: image::ROOT_TASK,
    system: "systems/native.toml",
    timeout: Duration::from_secs(60),
    expect: Expect::Pass(&[
        "system `native`",
        "[INFO  client] call add(2, 40) -> Ok(42)",
        "[INFO  client] 1000 more calls: sum 499500",
        "supervisor: component `client` exited with code 0",
        "[INFO  consumer] received 100000 messages in order",
        "supervisor: component `crasher` faulted: VM fault: data access to address 0xc000000",
        "supervisor: restarted `crasher` (restart 1 of at most 2)",
        "supervisor: restarted `crasher` (restart 2 of at most 2)",
        "supervisor: `crasher` reached its limit of 2 restarts; stopped",
        "summary of system `native`:",
        "crasher          stopped      restarts  2  faults  3",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

/// A native client calls a Wasm server. (Every board with a [wasm] section.)
const WASM_CALCULATOR: BootTest = BootTest {
    name: "wasm_server_answers_a_native_client",
    program: image::ROOT_TASK,
    system: "systems/tests/wasm-calculator.toml",
    timeout: Duration::from_secs(60),
    expect: Expect::Pass(&[
        "[INFO  server] Wasm module `wasm-calculator`",
        "loaded and instantiated in",
        "[INFO  server] calculator ready",
        "[INFO  client] call add(2, 40) -> Ok(42)",
        "[INFO  client] call multiply(18446744073709551615, 2) -> Err(\"overflow\")",
        "[INFO  client] 1000 more calls: sum 499500; server has served Ok(1004) calls",
        "supervisor: component `client` exited with code 0",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

/// Wasm components call Wasm components. (Every board with a [wasm] section.)
const WASM_SERVICES: BootTest = BootTest {
    name: "wasm_components_call_wasm_components",
    program: image::ROOT_TASK,
    system: "systems/tests/wasm-services.toml",
    timeout: Duration::from_secs(60),
    expect: Expect::Pass(&[
        "[INFO  client] add(2, 40) -> Ok(42)",
        "[INFO  client] sum of 0..1000 by 1000 calls -> 499500",
        "[INFO  client] get alpha -> (0, \"one\")",
        "[INFO  client] all answers right",
        "supervisor: component `client` exited with code 0",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

/// Wasm traps and runaways are stopped; the others keep running. (Every board with a [wasm] section.)
const WASM_TRAPS: BootTest = BootTest {
    name: "wasm_traps_and_runaways_are_stopped_and_others_keep_running",
    program: image::ROOT_TASK,
    system: "systems/tests/wasm-traps.toml",
    timeout: Duration::from_secs(90),
    expect: Expect::Pass(&[
        "[INFO  client] 1000 more calls: sum 499500",
        "supervisor: component `client` exited with code 0",
        "supervisor: component `oob` trapped: Wasm trap: out-of-bounds memory access",
        "supervisor: restarted `oob` (restart 1 of at most 1)",
        "supervisor: `oob` reached its limit of 1 restarts; stopped",
        "supervisor: component `unreachable` trapped: Wasm trap: unreachable executed",
        "supervisor: component `divzero` trapped: Wasm trap: integer division by zero",
        "supervisor: component `runaway` trapped: Wasm trap: out of fuel",
        "server           running      restarts  0  faults  0",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

const RING_TRANSFERS: BootTest = BootTest {
    name: "ring_transfers_100000_messages_none_lost_duplicated_or_reordered",
    program: image::ROOT_TASK,
    system: "systems/native.toml",
    timeout: Duration::from_secs(60),
    expect: Expect::Pass(&[
        "[INFO  consumer] received 100000 messages in order: none lost, duplicated, reordered or corrupted",
        "supervisor: component `consumer` exited with code 0",
        "[INFO  producer] sent 100000 messages over ring `numbers`",
        "supervisor: component `producer` exited with code 0",
    ]),
    ..PLAIN
};

/// The isolation probes (components/tests/src/bin/prober.rs) on every
/// board. What differs by architecture: how the fault word of the W^X
/// probes' VM faults reads (a protection violation, not a missing mapping)
/// and how the panic's trap instruction is reported.
macro_rules! isolation_test {
    (exec_heap: $exec_heap:literal, write_text: $write_text:literal, panics: [$($panics:literal),+ $(,)?] $(,)?) => {
        BootTest {
            name: "isolation_faults_are_contained_and_others_keep_running",
            program: image::ROOT_TASK,
            system: "systems/tests/isolation.toml",
            timeout: Duration::from_secs(60),
            expect: Expect::Pass(&[
                "[INFO  client] 1000 more calls: sum 499500",
                "supervisor: component `client` exited with code 0",
                "[INFO  read-unmapped] reading 0x40000000, which I was not given",
                "supervisor: component `read-unmapped` faulted: VM fault: data access to address 0x40000000",
                "supervisor: restarted `read-unmapped` (restart 1 of at most 1)",
                "supervisor: `read-unmapped` reached its limit of 1 restarts; stopped",
                "[INFO  exec-heap] jumping to code I wrote at 0x1",
                "supervisor: component `exec-heap` faulted: VM fault: instruction fetch from address 0x1",
                $exec_heap,
                "supervisor: stopped `exec-heap` (restart policy: stop)",
                "[INFO  write-text] writing to my own code at 0x4",
                "supervisor: component `write-text` faulted: VM fault: data access to address 0x4",
                $write_text,
                "supervisor: stopped `write-text` (restart policy: stop)",
                "[INFO  bad-syscall] making syscall number -99",
                "supervisor: component `bad-syscall` faulted: unknown syscall -99 at ip",
                "[INFO  panics] about to unwrap None",
                "component `panics` panicked at",
                "a deliberate panic",
                $($panics,)+
                "server           running      restarts  0  faults  0",
                "root task finished: all tasks ended",
            ]),
            ..PLAIN
        }
    };
}

/// x86_64: the page-fault error code (0x15: present, user, instruction
/// fetch; 0x7: present, write, user); the panic's `ud2` is exception 6
/// (#UD, invalid opcode).
const ISOLATION_X86_64: BootTest = isolation_test!(
    exec_heap: "(fsr 0x15)",
    write_text: "(fsr 0x7)",
    panics: ["supervisor: component `panics` faulted: user exception 6"],
);
/// aarch64: the abort's syndrome (ESR_EL1) decoded. seL4 sends a user
/// exception without a syndrome; the supervisor names the instruction at
/// the fault address (the panic handler's `udf #0`).
const ISOLATION_AARCH64: BootTest = isolation_test!(
    exec_heap: "(ESR 0x8200000f: permission fault at level 3)",
    write_text: "(ESR 0x9200004f: permission fault at level 3, write)",
    panics: [
        "supervisor: component `panics` faulted: user exception at ip",
        "the instruction there: 0x00000000 = udf #0 (permanently undefined instruction)",
    ],
);

const RESTART_POLICIES: BootTest = BootTest {
    name: "restart_policies_and_callers_of_a_dying_server",
    program: image::ROOT_TASK,
    system: "systems/tests/restart-policies.toml",
    timeout: Duration::from_secs(60),
    expect: Expect::Pass(&[
        "add before any crash -> Ok(5): as expected",
        "supervisor: component `flaky` faulted: VM fault",
        "supervisor: restarted `flaky` (restart 1 of at most 1)",
        "call that crashes the server -> Err(ServerDied): as expected",
        "add after the restart -> Ok(7): as expected",
        "supervisor: `flaky` reached its limit of 1 restarts; stopped",
        "second crash (restart limit reached) -> Err(ServerDied): as expected",
        "add to the stopped server -> Err(ServerDied): as expected",
        "supervisor: component `policy-client` exited with code 0",
        "supervisor: component `stopper` faulted: VM fault",
        "supervisor: stopped `stopper` (restart policy: stop)",
        "flaky            stopped      restarts  1  faults  2",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

const HALT_SYSTEM: BootTest = BootTest {
    name: "halt_system_policy_ends_the_system_with_failure",
    program: image::ROOT_TASK,
    system: "systems/tests/halt-system.toml",
    timeout: Duration::from_secs(60),
    expect: Expect::Fail(&[
        "supervisor: component `halter` faulted: VM fault",
        "faulted and its policy is halt-system: halting the system",
        "root task failed: halted by a fault of `halter` (restart policy halt-system)",
    ]),
    ..PLAIN
};

/// The default system's root task checks the kernel's basics before building anything.
const DEFAULT_SELF_CHECK: BootTest = BootTest {
    name: "default_system_boots_and_passes_self_check",
    program: image::ROOT_TASK,
    system: system::DEFAULT_SYSTEM,
    timeout: Duration::from_secs(60),
    expect: Expect::Pass(SELF_CHECK),
    ..PLAIN
};

/// The default system, as `cargo xtask run` boots it: the same components
/// and traffic on every board.
const DEFAULT_SYSTEM_RUNS: BootTest = BootTest {
    name: "default_system_runs_wasm_services_rings_and_a_trap",
    program: image::ROOT_TASK,
    system: system::DEFAULT_SYSTEM,
    timeout: Duration::from_secs(90),
    expect: Expect::Pass(&[
        "system `default`",
        "[INFO  calculator] calculator ready",
        "[INFO  kv] key-value store ready",
        "[INFO  client] add(2, 40) -> Ok(42)",
        "[INFO  client] get alpha -> (0, \"one\")",
        "[INFO  client] all answers right",
        "supervisor: component `client` exited with code 0",
        "[INFO  filter] seen 1024 forwarded 512 dropped: not IPv4 256, UDP to port 53 256",
        "[INFO  sink] received 1008 filtered frames",
        "[INFO  source] sent 10000 frames over ring `frames` (0 dropped",
        "supervisor: component `crasher` trapped: Wasm trap: unreachable executed",
        "supervisor: restarted `crasher` (restart 1 of at most 1)",
        "supervisor: `crasher` reached its limit of 1 restarts; stopped",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

/// Typed at the board's serial console: through the Wasm UART driver
/// (interrupts), the Wasm shell and the control channel.
const CONSOLE_SHELL: BootTest = BootTest {
    name: "console_shell_answers_ps_stats_and_restart_typed_at_the_serial_console",
    system: system::DEFAULT_SYSTEM,
    timeout: Duration::from_secs(120),
    interactive: true,
    input: &[
        ("the system keeps running", "ps\r"),
        ("sel4> ", "stats calculator\r"),
        ("sel4> ", "restart kv\r"),
        // Once the restarted store is up again.
        ("[INFO  kv] key-value store ready", "ps\r"),
    ],
    expect: Expect::Pass(&[
        "supervisor: every task has ended; the system keeps running (interactive)",
        // Typed characters are echoed by the shell through the driver.
        "ps\n",
        "NAME             STATE        RESTARTS FAULTS",
        "serial           running             0      0",
        "client           exited (0)          0      0",
        "crasher          stopped             1      2",
        "stats calculator\n",
        "calculator:",
        "ch  0 client       calls in   1005",
        "restart kv\n",
        "control: `shell` asks to restart `kv`",
        "supervisor: restarted `kv`",
        "restarted `kv`",
        "[INFO  kv] key-value store ready",
        "ps\n",
        "kv               running             1      0",
    ]),
    ..PLAIN
};

/// A release kernel (no kernel printing): all output comes from user level.
const RELEASE_DEFAULT_SYSTEM: BootTest = BootTest {
    name: "release_kernel_default_system_prints_through_the_wasm_serial_driver",
    system: system::DEFAULT_SYSTEM,
    kernel_profile: "release",
    timeout: Duration::from_secs(90),
    expect: Expect::Pass(&[
        // The kernel prints nothing. x86_64: written to COM1 by the root
        // task itself; aarch64: kept by the root task until the console runs.
        "[INFO  root-task] kernel build: release (no debug syscalls, no kernel console",
        "[INFO  root-task] self-check: passed",
        // From here on, every line went through the Wasm console and the
        // board's Wasm UART driver (where the console's own first line
        // falls differs: before the root task's kept lines on aarch64).
        "[INFO  client] all answers right",
        "[INFO  root-task] supervisor: component `client` exited with code 0",
        "[INFO  sink] received 5000 filtered frames",
        "supervisor: `crasher` reached its limit of 1 restarts; stopped",
        "crasher          stopped      restarts  1  faults  2",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

/// The board's serial driver crashes in the middle of a line (an injected
/// fault, first run only) and is restarted: no queued line is lost.
const SERIAL_CRASH: BootTest = BootTest {
    name: "serial_driver_crash_and_restart_loses_no_queued_output",
    system: "systems/tests/serial-crash.toml",
    expect: Expect::Pass(&[
        "[INFO  flood] flood line 01 of 24\n",
        "[INFO  flood] flood line 02 of 24\n",
        "[INFO  flood] flood line 03 of 24\n",
        "[INFO  flood] flood line 04 of 24\n",
        "[INFO  flood] flood line 05 of 24\n",
        "[INFO  flood] flood line 06 of 24\n",
        "[INFO  flood] flood line 07 of 24\n",
        "[INFO  flood] flood line 08 of 24\n",
        "[INFO  flood] flood line 09 of 24\n",
        "[INFO  flood] flood line 10 of 24\n",
        "[INFO  flood] flood line 11 of 24\n",
        // Cut by the crash, then written again whole by the restarted driver.
        "[INFO  flood] flood line 12 of 24 CRASH-THE-UART\n",
        "supervisor: component `serial` trapped: Wasm trap: unreachable executed",
        "supervisor: restarted `serial` (restart 1 of at most 1)",
        "[WARN  serial] restarted after the injected crash",
        "[INFO  flood] flood line 13 of 24\n",
        "[INFO  flood] flood line 14 of 24\n",
        "[INFO  flood] flood line 15 of 24\n",
        "[INFO  flood] flood line 16 of 24\n",
        "[INFO  flood] flood line 17 of 24\n",
        "[INFO  flood] flood line 18 of 24\n",
        "[INFO  flood] flood line 19 of 24\n",
        "[INFO  flood] flood line 20 of 24\n",
        "[INFO  flood] flood line 21 of 24\n",
        "[INFO  flood] flood line 22 of 24\n",
        "[INFO  flood] flood line 23 of 24\n",
        "[INFO  flood] flood line 24 of 24\n",
        "supervisor: component `flood` exited with code 0",
        "serial           running      restarts  1  faults  1",
        "root task finished: all tasks ended",
    ]),
    ..PLAIN
};

const BOOT_TESTS: &[BootTest] = &[
    DEFAULT_SELF_CHECK,
    DEFAULT_SYSTEM_RUNS,
    NATIVE_SYSTEM,
    RING_TRANSFERS,
    ISOLATION_X86_64,
    BootTest {
        name: "confinement_cspace_holds_only_grants_and_ungranted_slots_fault",
        program: image::ROOT_TASK,
        system: "systems/tests/confinement.toml",
        timeout: Duration::from_secs(60),
        expect: Expect::Pass(&[
            // Fixed slots (fault endpoint, input endpoint, notification, own
            // CNode), then the grants in order: the call to `server`, the
            // signal to `peer`, COM1's ports. Nothing else.
            "[INFO  cap-prober] cspace: 1=endpoint 2=endpoint 3=notification 5=cnode 16=endpoint 17=notification 18=io_port\n",
            "IO port 0xf4 outside my grant: refused",
            "IO port 0x3fd inside my grant: allowed",
            "call through empty slot 200: refused (invalid capability)",
            "calling through capability address 0x10000, outside my CSpace",
            "supervisor: component `cap-prober` faulted: capability fault at ip",
            "slot 0x10000 invoked",
            "supervisor: stopped `cap-prober` (restart policy: stop)",
            "root task finished: all tasks ended",
        ]),
        ..PLAIN
    },
    RESTART_POLICIES,
    HALT_SYSTEM,
    BootTest {
        name: "device_memory_grant_reads_the_hpet",
        program: image::ROOT_TASK,
        system: "systems/tests/devices.toml",
        timeout: Duration::from_secs(60),
        expect: Expect::Pass(&[
            "[INFO  hpet-reader] HPET `hpet` at 0x60000000: vendor 0x8086",
            "supervisor: component `hpet-reader` exited with code 0",
            "root task finished: all tasks ended",
        ]),
        ..PLAIN
    },
    BootTest {
        name: "untyped_exhaustion_names_the_component_and_boots_nothing",
        program: image::ROOT_TASK,
        system: "systems/tests/out-of-memory.toml",
        timeout: Duration::from_secs(60),
        expect: Expect::Fail(&["root task failed: building component `hog`: out of untyped memory making heap frames"]),
        ..PLAIN
    },
    WASM_CALCULATOR,
    WASM_SERVICES,
    WASM_TRAPS,
    BootTest {
        name: "wasm_device_access_works_where_granted_and_is_refused_elsewhere",
        program: image::ROOT_TASK,
        system: "systems/tests/wasm-devices.toml",
        timeout: Duration::from_secs(60),
        expect: Expect::Pass(&[
            "[INFO  probe] COM1 line status: Ok(",
            // 0x8086a201: the HPET's vendor (Intel) and capabilities.
            "[INFO  probe] device window 0, first word: Ok(2156306945)",
            "[INFO  probe] COM1 scratch write: Ok(()), read back: Ok(90)",
            "[INFO  probe] not granted: IO port 0xf4 write: Err(NotGranted), device window 1 read: Err(NotGranted)",
            "supervisor: component `client` exited with code 0",
            "root task finished: all tasks ended",
        ]),
        ..PLAIN
    },
    CONSOLE_SHELL,
    BootTest {
        name: "timer_driver_in_wasm_wakes_clients_within_tolerance",
        system: "systems/tests/timer.toml",
        expect: Expect::Pass(&[
            "[INFO  timer] HPET: 3 timers, period 10000000 fs (100 MHz); serving 1 clients",
            "timeout 50000 us: woke",
            "embedded-hal delay_ms(10) took",
            "cancelled timeout: pending true, next wake-up after",
            "timer accuracy: 6 timeouts and a delay within 10 ms of their deadlines, never early",
            "supervisor: component `client` exited with code 0",
            "root task finished: all tasks ended",
        ]),
        ..PLAIN
    },
    RELEASE_DEFAULT_SYSTEM,
    SERIAL_CRASH,
    // A smoke run of the benchmark system (without -icount; the figures
    // themselves are `cargo xtask bench`'s, not a test's).
    BootTest {
        name: "bench_system_reports_its_figures",
        program: image::ROOT_TASK,
        system: "systems/bench/main.toml",
        timeout: Duration::from_secs(120),
        expect: Expect::Pass(&[
            "Wasm module `wasm-bench-peer` ready in",
            "[INFO  driver] BENCH ipc.raw cycles 1000 ",
            "[INFO  driver] BENCH ipc.native-to-wasm cycles 1000 ",
            "[INFO  driver] ring sink received all",
            "[INFO  driver] BENCH-END native driver",
            "[INFO  client] BENCH ipc.wasm ns 1000 ",
            "[INFO  client] wasm ring: peer received all",
            "[INFO  client] BENCH-END wasm driver",
            "root task finished: all tasks ended",
        ]),
        ..PLAIN
    },
    BootTest {
        name: "harness_fails_a_panicking_guest_and_shows_the_message",
        program: Program { package: "test-guests", bin: "panicking-root-task", embeds_system: false },
        system: system::DEFAULT_SYSTEM,
        timeout: Duration::from_secs(60),
        expect: Expect::Panic("deliberate panic to test the boot test harness"),
        ..PLAIN
    },
    BootTest {
        name: "harness_stops_a_hanging_guest_at_the_timeout",
        program: Program { package: "test-guests", bin: "hanging-root-task", embeds_system: false },
        system: system::DEFAULT_SYSTEM,
        timeout: Duration::from_secs(5),
        expect: Expect::Timeout,
        ..PLAIN
    },
];

/// Boot tests of the aarch64 boards: the boot path (ELF loader, kernel
/// entry, syscall ABI) proven by a minimal root task, the sel4-root-task
/// runtime, then the real root task with native and Wasm systems and the
/// isolation and confinement probes. (x86 devices are x86_64 only; so is
/// untyped exhaustion: out-of-memory.toml's 600 MiB heap fits this board's
/// 1 GiB and fills the root CNode instead.)
const AARCH64_BOOT_TESTS: &[BootTest] = &[
    BootTest {
        name: "aarch64_loader_boots_the_kernel_and_a_root_task_that_prints_and_exits",
        program: Program { package: "test-guests-aarch64", bin: "putchar-root-task", embeds_system: false },
        system: system::DEFAULT_SYSTEM,
        timeout: Duration::from_secs(30),
        expect: Expect::Pass(&[
            "elf-loader: entering the kernel at 0xffffff8000000000",
            "Booting all finished, dropped to user space",
            "hello from the aarch64 root task: seL4_DebugPutChar works",
            "aarch64 root task: ending QEMU through semihosting SYS_EXIT 0",
        ]),
        ..PLAIN
    },
    BootTest {
        name: "aarch64_sel4_root_task_runtime_retypes_and_identifies_an_endpoint",
        program: Program { package: "test-guests", bin: "hello-root-task", embeds_system: false },
        system: system::DEFAULT_SYSTEM,
        timeout: Duration::from_secs(30),
        expect: Expect::Pass(&[
            "seL4 kernel 5.0.0 started the hello root task on aarch64",
            "untyped capabilities, free slots",
            "the kernel agrees it is an endpoint",
            "hello root task: passed",
        ]),
        ..PLAIN
    },
    DEFAULT_SELF_CHECK,
    DEFAULT_SYSTEM_RUNS,
    CONSOLE_SHELL,
    RELEASE_DEFAULT_SYSTEM,
    SERIAL_CRASH,
    // The same system as x86_64's untyped exhaustion: on this board's 1 GiB
    // the 600 MiB heap fits, and its 4 KiB frames need more slots than the
    // root CNode has (2^16): refused as clearly, before anything starts.
    BootTest {
        name: "root_cnode_exhaustion_names_the_component_and_boots_nothing",
        program: image::ROOT_TASK,
        system: "systems/tests/out-of-memory.toml",
        timeout: Duration::from_secs(60),
        expect: Expect::Fail(&["root task failed: building component `hog`: the root CNode is full making heap frames"]),
        ..PLAIN
    },
    NATIVE_SYSTEM,
    RING_TRANSFERS,
    ISOLATION_AARCH64,
    BootTest {
        name: "confinement_cspace_holds_only_grants_and_ungranted_slots_fault",
        program: image::ROOT_TASK,
        system: "systems/tests/confinement-aarch64.toml",
        timeout: Duration::from_secs(60),
        expect: Expect::Pass(&[
            "[INFO  cap-prober] cspace: 1=endpoint 2=endpoint 3=notification 5=cnode 16=endpoint 17=notification\n",
            "call through empty slot 200: refused (invalid capability)",
            "calling through capability address 0x10000, outside my CSpace",
            "supervisor: component `cap-prober` faulted: capability fault at ip",
            "slot 0x10000 invoked",
            "supervisor: stopped `cap-prober` (restart policy: stop)",
            "[INFO  window-prober] cspace: 1=endpoint 2=endpoint 3=notification 5=cnode\n",
            "[INFO  window-prober] device window `rtc` at 0x60000000 inside my grant: peripheral ID 0x00141031, PrimeCell ID 0xb105f00d",
            "reading 0x60001000, just past my device window `rtc`",
            "supervisor: component `window-prober` faulted: VM fault: data access to address 0x60001000",
            "(ESR 0x92000007: translation fault at level 3, read)",
            "supervisor: stopped `window-prober` (restart policy: stop)",
            "root task finished: all tasks ended",
        ]),
        ..PLAIN
    },
    RESTART_POLICIES,
    HALT_SYSTEM,
    WASM_CALCULATOR,
    WASM_SERVICES,
    WASM_TRAPS,
    BootTest {
        name: "aarch64_harness_fails_a_panicking_guest_and_shows_the_message",
        program: Program { package: "test-guests", bin: "panicking-root-task", embeds_system: false },
        system: system::DEFAULT_SYSTEM,
        timeout: Duration::from_secs(30),
        expect: Expect::Panic("deliberate panic to test the boot test harness"),
        ..PLAIN
    },
];

/// The boot tests that apply to `board`'s architecture.
fn boot_tests_for(board: &str) -> Result<&'static [BootTest]> {
    let desc = sel4_kernel_build::Board::load(&workspace_root().join("board"), board)?;
    Ok(match desc.kernel.sel4_arch.as_str() {
        "aarch64" => AARCH64_BOOT_TESTS,
        _ => BOOT_TESTS,
    })
}

/// The boards `cargo xtask test` boots, in order (the host tests use the
/// first). A board without an emulator (no `[qemu]`, e.g. `hikey`) is not
/// booted: its image is built and checked instead (`board_image::check`).
pub const TEST_BOARDS: &[&str] = &["qemu-x86_64", "qemu-aarch64-virt", "hikey"];

pub fn run_all(host: bool, qemu: bool, boards: &[String], filter: Option<&str>) -> Result<bool> {
    let board = boards.first().map_or("qemu-x86_64", |b| b.as_str());
    // Host tests use the kernel's generators too (python3 modules, gcc).
    crate::setup::ensure()?;
    let mut passed = 0;
    let mut failed = Vec::new();
    if host {
        println!("== host tests (cargo test)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo).current_dir(workspace_root()).arg("test").status().context("running cargo test")?;
        if status.success() {
            passed += 1;
        } else {
            failed.push("host tests (cargo test)".to_string());
        }
        // The ring's signalling protocol under the loom model checker (its
        // own build: loom replaces the atomics).
        println!("== ring protocol under loom (cargo test -p shared-ring --test loom, --cfg loom)");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(workspace_root())
            .env("RUSTFLAGS", "--cfg loom")
            .env("CARGO_TARGET_DIR", workspace_root().join("target/loom"))
            .args(["test", "--release", "--package", "shared-ring", "--test", "loom"])
            .status()
            .context("running the loom test")?;
        if status.success() {
            passed += 1;
        } else {
            failed.push("ring protocol under loom".to_string());
        }
        // The sel4 crate's unit tests (layouts, encodings) run on the host
        // against the ABI of the board's kernel.
        // The crate's architecture code is chosen by target_arch, so its
        // tests run on the host only for a board of the host's architecture.
        let (board_desc, kernel) = image::kernel(&debug_build_args(board))?;
        if board_desc.kernel.sel4_arch != std::env::consts::ARCH {
            println!(
                "== sel4 crate unit tests skipped: board {board} is {}, the host is {}",
                board_desc.kernel.sel4_arch,
                std::env::consts::ARCH
            );
        } else {
            println!("== sel4 crate unit tests for the {board} kernel (cargo test -p sel4)");
            let status = image::cargo_for_kernel(&board_desc, &kernel)
                .args(["test", "--package", "sel4"])
                .status()
                .context("running cargo test -p sel4")?;
            if status.success() {
                passed += 1;
            } else {
                failed.push("sel4 crate unit tests (cargo test -p sel4)".to_string());
            }
        }
    }
    if qemu {
        for board in boards {
            let desc = sel4_kernel_build::Board::load(&workspace_root().join("board"), board)?;
            if desc.qemu.is_none() {
                let name = format!("{board}: image builds and carries the board's kernel");
                if filter.is_some_and(|f| !name.contains(f)) {
                    continue;
                }
                println!("== board {board} has no emulator: building and checking its image (no boot)");
                match crate::board_image::check(board) {
                    Ok(()) => {
                        println!("test {name} ... ok");
                        passed += 1;
                    }
                    Err(e) => {
                        println!("test {name} ... FAILED: {e:#}");
                        failed.push(name);
                    }
                }
                continue;
            }
            println!("== QEMU boot tests on board {board}");
            for test in boot_tests_for(board)?.iter().filter(|t| filter.is_none_or(|f| t.name.contains(f))) {
                let name = format!("{board}: {}", test.name);
                match run_boot_test(test, board) {
                    Ok(true) => {
                        println!("test {name} ... ok");
                        passed += 1;
                    }
                    Ok(false) => failed.push(name),
                    Err(e) => {
                        println!("test {name} ... FAILED: {e:#}");
                        failed.push(name);
                    }
                }
            }
        }
    }
    for name in &failed {
        println!("failed: {name}");
    }
    println!("{} passed, {} failed", passed, failed.len());
    Ok(failed.is_empty())
}

fn run_boot_test(test: &BootTest, board: &str) -> Result<bool> {
    let mut args = debug_build_args(board);
    args.system = test.system.into();
    args.kernel_profile = test.kernel_profile.into();
    args.interactive = test.interactive;
    let images = image::build(&args, test.program)?;
    let log = workspace_root().join("target/boot-tests").join(board).join(format!("{}.log", test.name));
    let mut spec = images.run_spec(test.timeout, log)?;
    spec.echo = false;
    if let Expect::Pass(lines) | Expect::Fail(lines) = test.expect {
        spec.expect = lines.iter().map(|s| s.to_string()).collect();
    }
    spec.input = test.input.iter().map(|(after, text)| qemu_runner::InputStep::new(*after, *text)).collect();
    spec.stop_when_expected = test.interactive;
    let outcome = qemu_runner::run(&spec)?;
    let ok = judge(&test.expect, &outcome);
    if !ok {
        println!("test {} ... FAILED\n{}", test.name, outcome.report());
    }
    Ok(ok)
}

fn judge(expect: &Expect, outcome: &Outcome) -> bool {
    match (expect, &outcome.verdict) {
        (Expect::Pass(_), Verdict::Passed) => true,
        (Expect::Panic(message), Verdict::Failed(Failure::Marker { .. })) => {
            let shown = outcome.report().contains(message);
            if !shown {
                println!("the harness failed the panicking guest but its report does not show {message:?}");
            }
            shown
        }
        (Expect::Timeout, Verdict::Failed(Failure::Timeout { .. })) => true,
        // A failure status with the expected lines, and no panic.
        (Expect::Fail(lines), Verdict::Failed(Failure::ExitStatus { .. } | Failure::Marker { .. })) => {
            !outcome.console.contains("panicked at") && qemu_runner::missing_in_order(&outcome.console, &to_strings(lines)).is_empty()
        }
        _ => false,
    }
}

/// Boot tests run the debug kernel: they read its console.
fn debug_build_args(board: &str) -> BuildArgs {
    BuildArgs {
        board: board.to_string(),
        kernel_profile: "debug".into(),
        system: crate::system::DEFAULT_SYSTEM.into(),
        debug_root_task: false,
        interactive: false,
        program: None,
    }
}

fn to_strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every system a boot test boots is valid for its board: a mistake in
    /// a description (or a board section for the wrong board) is found by
    /// `cargo test` in a second, not by a boot test minutes later.
    #[test]
    fn every_booted_system_is_valid_for_its_board() {
        let boards_dir = workspace_root().join("board");
        let mut checked = 0;
        for board_name in TEST_BOARDS {
            let board = sel4_kernel_build::Board::load(&boards_dir, board_name).unwrap();
            if board.qemu.is_none() {
                continue; // Not booted: its image check builds a test guest.
            }
            for test in boot_tests_for(board_name).unwrap().iter().filter(|t| t.program.embeds_system) {
                let path = workspace_root().join(test.system);
                if let Err(e) = system::load(&path, &board) {
                    panic!("boot test `{}` on board {board_name}: {e:#}", test.name);
                }
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} systems checked");
    }

    /// The default system builds for every board (runs on every emulated
    /// one), with the same components.
    #[test]
    fn the_default_system_has_the_same_components_on_every_board() {
        let boards_dir = workspace_root().join("board");
        let names: Vec<Vec<String>> = TEST_BOARDS
            .iter()
            .map(|b| sel4_kernel_build::Board::load(&boards_dir, b).unwrap())
            .map(|board| system::load(&workspace_root().join(system::DEFAULT_SYSTEM), &board).unwrap().component_names())
            .collect();
        assert_eq!(names.len(), TEST_BOARDS.len());
        assert!(names.windows(2).all(|w| w[0] == w[1]), "{names:?}");
    }
}
