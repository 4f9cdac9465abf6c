//! Kernel platforms derived from a stock one.
//!
//! A board whose machine the pinned kernel does not know (e.g. QEMU `virt`)
//! says `[kernel.derive-platform] from = "hikey"` and describes its machine
//! in `[platform]`: memory, devices, timer, interrupts. The derivation copies
//! the stock platform's folders under the new name, applies the board's own
//! patches (e.g. the Makefile's list of platforms) and writes the headers
//! that carry the machine description, generated from `[platform]`. None of
//! it is committed: the board description and the patches are.
//!
//! A board may also name its own stock platform (`plat = "hikey"`,
//! `from = "hikey"`): nothing is copied, the stock platform keeps its code,
//! name and Makefile entries, and only its machine headers and linker base
//! are generated from `[platform]`, so the one board description is what the
//! kernel and the boot loader both see.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// `[kernel.derive-platform]`: the stock platform a new one starts from.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DerivedPlatform {
    /// The stock platform (a folder name under `src/plat/`). When it is the
    /// board's own `plat`, the stock platform is used in place.
    pub from: String,
    /// Folder of patches (relative to the board folder) applied after the
    /// copy, to files outside the platform's folders.
    #[serde(default)]
    pub patches: Option<String>,
}

/// `[platform]`: the machine, as the kernel must see it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Platform {
    /// Physical address the kernel image is linked (and loaded) at; the
    /// kernel window maps it at the kernel's virtual base.
    pub phys_base: u64,
    /// RAM regions `[start, end)` the kernel may hand out.
    pub ram: Vec<Region>,
    /// Frequency of the generic timer (CNTFRQ_EL0), in Hz.
    pub timer_frequency: u64,
    /// Interrupt ID of the timer the kernel ticks with (the EL1 virtual timer).
    pub timer_irq: u32,
    /// Highest interrupt ID the interrupt controller has.
    pub max_irq: u32,
    #[serde(default, rename = "device")]
    pub devices: Vec<Device>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub start: u64,
    pub end: u64,
}

/// What the kernel itself does with a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelUse {
    /// The debug console (PL011); also offered to user level.
    Console,
    GicDistributor,
    GicCpuInterface,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Device {
    pub name: String,
    pub paddr: u64,
    pub size: u64,
    /// First interrupt ID of the device, if it has one.
    #[serde(default)]
    pub irq: Option<u32>,
    /// Set when the kernel maps the device for itself.
    #[serde(default)]
    pub kernel: Option<KernelUse>,
}

/// Where the kernel maps its devices (the top of the 64-bit address space,
/// as the stock aarch64 platforms do), one page each.
const KERNEL_DEVICE_BASE: u64 = 0xffff_ffff_ffff_0000;
const PAGE: u64 = 0x1000;
/// The kernel maps its window from `physBase` with 2 MiB pages (seL4 5.0
/// aarch64 `map_kernel_window`).
const LARGE_PAGE: u64 = 0x20_0000;
/// Size of a capability slot on a 64-bit kernel (seL4_SlotBits = 5).
const SLOT_BITS: u32 = 5;

impl Platform {
    pub fn check(&self) -> Result<()> {
        for r in &self.ram {
            if r.start >= r.end || r.start % PAGE != 0 || r.end % PAGE != 0 {
                bail!(
                    "[platform] ram region {:#x}..{:#x} is empty or not page aligned",
                    r.start,
                    r.end
                );
            }
        }
        if !self.ram.iter().any(|r| r.start <= self.phys_base && self.phys_base < r.end) {
            bail!("[platform] phys-base {:#x} is not in any ram region", self.phys_base);
        }
        if !self.phys_base.is_multiple_of(LARGE_PAGE) {
            bail!("[platform] phys-base {:#x} must be 2 MiB aligned: the kernel maps its window from there in 2 MiB pages", self.phys_base);
        }
        // seL4 5.0 turns every RAM region into kernel-window addresses
        // without clipping at physBase (arch_init_freemem clips only at the
        // top), so RAM below it would be handed out unmapped.
        if let Some(r) = self.ram.iter().find(|r| r.start < self.phys_base) {
            bail!(
                "[platform] ram region {:#x}..{:#x} starts below phys-base {:#x}: this kernel can only use RAM at or above its physical base; \
                 leave the lower RAM out",
                r.start,
                r.end,
                self.phys_base
            );
        }
        for d in &self.devices {
            if d.paddr % PAGE != 0 || d.size == 0 || d.size % PAGE != 0 {
                bail!(
                    "[platform] device `{}`: paddr {:#x} and size {:#x} must be page multiples",
                    d.name,
                    d.paddr,
                    d.size
                );
            }
            if d.irq.is_some_and(|irq| irq > self.max_irq) {
                bail!("[platform] device `{}`: irq above max-irq {}", d.name, self.max_irq);
            }
        }
        for use_ in [KernelUse::Console, KernelUse::GicDistributor, KernelUse::GicCpuInterface] {
            let n = self.devices.iter().filter(|d| d.kernel == Some(use_)).count();
            if n != 1 {
                bail!("[platform] needs exactly one device with kernel = {:?}, found {n}", use_);
            }
        }
        if self.timer_irq > self.max_irq {
            bail!("[platform] timer-irq {} is above max-irq {}", self.timer_irq, self.max_irq);
        }
        Ok(())
    }

    fn kernel_device(&self, use_: KernelUse) -> &Device {
        self.devices.iter().find(|d| d.kernel == Some(use_)).expect("checked by Platform::check")
    }

    /// Kernel virtual address of a device the kernel maps.
    pub fn kernel_pptr(use_: KernelUse) -> u64 {
        KERNEL_DEVICE_BASE
            + PAGE
                * match use_ {
                    KernelUse::Console => 0,
                    KernelUse::GicDistributor => 1,
                    KernelUse::GicCpuInterface => 2,
                }
    }

    /// `include/plat/<plat>/plat/64/plat_mode/machine/devices.h`.
    pub fn mode_devices_h(&self) -> String {
        let mut s = header("__PLAT_MODE_MACHINE_DEVICES_H");
        for (name, use_) in [
            ("UART0_PPTR", KernelUse::Console),
            ("GIC_DISTRIBUTOR_PPTR", KernelUse::GicDistributor),
            ("GIC_CONTROLLER_PPTR", KernelUse::GicCpuInterface),
        ] {
            let _ = writeln!(s, "#define {name:<24} {:#x}", Self::kernel_pptr(use_));
        }
        s + FOOTER
    }

    /// `include/plat/<plat>/plat/machine/devices.h`: physical addresses.
    pub fn devices_h(&self) -> String {
        let mut s = header("__PLAT_MACHINE_DEVICES_H");
        s.push_str("#include <plat_mode/machine/devices.h>\n\n");
        s.push_str("#define GIC_PL390_CONTROLLER_PPTR  GIC_CONTROLLER_PPTR\n");
        s.push_str("#define GIC_PL390_DISTRIBUTOR_PPTR GIC_DISTRIBUTOR_PPTR\n");
        let _ = writeln!(
            s,
            "#define UART0_PADDR                {:#x}",
            self.kernel_device(KernelUse::Console).paddr
        );
        let _ = writeln!(
            s,
            "#define GIC_DISTRIBUTOR_PADDR      {:#x}",
            self.kernel_device(KernelUse::GicDistributor).paddr
        );
        let _ = writeln!(
            s,
            "#define GIC_CONTROLLER0_PADDR      {:#x}",
            self.kernel_device(KernelUse::GicCpuInterface).paddr
        );
        s + FOOTER
    }

    /// `include/plat/<plat>/plat/machine.h`: interrupts.
    pub fn machine_h(&self) -> String {
        let mut s = header("__PLAT_MACHINE_H");
        s.push_str("#include <plat_mode/machine.h>\n\n");
        let _ = writeln!(s, "#define N_INTERRUPTS {}\n", self.max_irq + 1);
        s.push_str("enum IRQConstants {\n");
        let _ = writeln!(s, "    INTERRUPT_KERNEL_TIMER = {},", self.timer_irq);
        for d in &self.devices {
            if let Some(irq) = d.irq {
                let _ = writeln!(s, "    INTERRUPT_{} = {irq},", c_name(&d.name));
            }
        }
        let _ = writeln!(s, "    maxIRQ = {}\n}} platform_interrupt_t;\n", self.max_irq);
        s.push_str("#define KERNEL_TIMER_IRQ INTERRUPT_KERNEL_TIMER\n\n");
        s.push_str("#include <arch/machine/gic_pl390.h>\n");
        s + FOOTER
    }

    /// `include/plat/<plat>/plat/64/plat_mode/machine.h`: the IRQ CNode
    /// holds one slot per interrupt ID.
    pub fn mode_machine_h(&self) -> String {
        let mut s = header("__PLAT_MODE_MACHINE_H");
        let slots = u64::from(self.max_irq) + 1;
        let bits = 64 - (slots - 1).leading_zeros() + SLOT_BITS;
        let _ = writeln!(s, "#define IRQ_CNODE_BITS {bits}");
        s + FOOTER
    }

    /// `include/plat/<plat>/plat/machine/hardware.h`: timer, memory, devices.
    pub fn hardware_h(&self) -> String {
        let mut s = header("__PLAT_MACHINE_HARDWARE_H");
        s.push_str(
            "#include <config.h>\n#include <basic_types.h>\n#include <arch/linker.h>\n\
             #include <plat/machine.h>\n#include <plat/machine/devices.h>\n\
             #include <plat_mode/machine/hardware.h>\n\n",
        );
        let _ = writeln!(s, "#define TIMER_CLOCK_HZ {}llu", self.timer_frequency);
        let _ = writeln!(s, "#define physBase {:#x}\n", self.phys_base);

        s.push_str("static const kernel_frame_t BOOT_RODATA kernel_devices[] = {\n");
        s.push_str("    { GIC_CONTROLLER0_PADDR, GIC_CONTROLLER_PPTR, true },\n");
        s.push_str("    { GIC_DISTRIBUTOR_PADDR, GIC_DISTRIBUTOR_PPTR, true },\n");
        s.push_str(
            "#ifdef CONFIG_PRINTING\n    { UART0_PADDR, UART0_PPTR, true },\n#endif\n};\n\n",
        );

        s.push_str("static const p_region_t BOOT_RODATA avail_p_regs[] = {\n");
        for r in &self.ram {
            let _ = writeln!(s, "    {{ .start = {:#x}, .end = {:#x} }},", r.start, r.end);
        }
        s.push_str("};\n\n");

        // Devices user level may be given: all but the interrupt controller.
        s.push_str("static const p_region_t BOOT_RODATA dev_p_regs[] = {\n");
        for d in self.devices.iter().filter(|d| {
            !matches!(d.kernel, Some(KernelUse::GicDistributor | KernelUse::GicCpuInterface))
        }) {
            let _ = writeln!(
                s,
                "    {{ .start = {:#x}, .end = {:#x} }}, /* {} */",
                d.paddr,
                d.paddr + d.size,
                d.name
            );
        }
        s.push_str("};\n\nstatic inline void handleReservedIRQ(irq_t irq)\n{\n}\n");
        s + FOOTER
    }

    /// The stock linker script with the kernel's physical base replaced.
    pub fn linker_script(&self, stock: &str) -> Result<String> {
        let mut replaced = 0;
        let text: Vec<String> = stock
            .lines()
            .map(|line| {
                if line.trim_start().starts_with("PHYS_BASE =") {
                    replaced += 1;
                    format!("PHYS_BASE = {:#x};", self.phys_base)
                } else {
                    line.to_string()
                }
            })
            .collect();
        if replaced == 0 {
            bail!("the stock linker script has no `PHYS_BASE =` line to replace");
        }
        Ok(text.join("\n") + "\n")
    }
}

const FOOTER: &str = "\n#endif\n";

fn header(guard: &str) -> String {
    format!(
        "/* Generated by sel4-kernel-build from the board's [platform] description. Do not edit. */\n\
         #ifndef {guard}\n#define {guard}\n\n"
    )
}

fn c_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect()
}

/// The folders that make a platform, relative to the kernel source root.
fn platform_dirs(plat: &str) -> [PathBuf; 3] {
    [
        PathBuf::from("src/plat").join(plat),
        PathBuf::from("include/plat").join(plat),
        PathBuf::from("libsel4/sel4_plat_include").join(plat),
    ]
}

/// The generated files of `platform` for `plat`, relative to the source root,
/// with their text. `stock_linker` is the stock platform's linker script.
pub fn generated_files(
    plat: &str,
    platform: &Platform,
    stock_linker: &str,
) -> Result<Vec<(PathBuf, String)>> {
    let inc = PathBuf::from("include/plat").join(plat).join("plat");
    Ok(vec![
        (inc.join("machine.h"), platform.machine_h()),
        (inc.join("machine/devices.h"), platform.devices_h()),
        (inc.join("machine/hardware.h"), platform.hardware_h()),
        (inc.join("64/plat_mode/machine.h"), platform.mode_machine_h()),
        (inc.join("64/plat_mode/machine/devices.h"), platform.mode_devices_h()),
        (
            PathBuf::from("src/plat").join(plat).join("linker.lds"),
            platform.linker_script(stock_linker)?,
        ),
    ])
}

/// Copies the stock platform `from` to `plat` inside the source tree at
/// `root`, pointing the copied Makefiles at the new folders.
pub fn copy_platform(root: &Path, from: &str, plat: &str) -> Result<()> {
    for (src, dst) in platform_dirs(from).iter().zip(platform_dirs(plat)) {
        let (src, dst) = (root.join(src), root.join(dst));
        if !src.is_dir() {
            bail!("stock platform `{from}`: {} does not exist", src.display());
        }
        crate::kernel::copy_tree(&src, &dst)?;
    }
    // `src/plat/<from>/machine/Makefile` names its own folder.
    let makefile = root.join("src/plat").join(plat).join("machine/Makefile");
    let text = std::fs::read_to_string(&makefile)
        .with_context(|| format!("reading {}", makefile.display()))?;
    std::fs::write(
        &makefile,
        text.replace(&format!("src/plat/{from}/"), &format!("src/plat/{plat}/")),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn virt() -> Platform {
        toml::from_str(
            r#"
phys-base = 0x40000000
ram = [{ start = 0x40000000, end = 0x80000000 }]
timer-frequency = 62500000
timer-irq = 27
max-irq = 287
[[device]]
name = "uart0"
paddr = 0x09000000
size = 0x1000
irq = 33
kernel = "console"
[[device]]
name = "gic-distributor"
paddr = 0x08000000
size = 0x1000
kernel = "gic-distributor"
[[device]]
name = "gic-cpu"
paddr = 0x08010000
size = 0x1000
kernel = "gic-cpu-interface"
"#,
        )
        .unwrap()
    }

    #[test]
    fn irq_cnode_holds_a_slot_per_interrupt() {
        // 288 interrupts need 512 slots of 32 bytes: 2^14 bytes.
        assert!(virt().mode_machine_h().contains("#define IRQ_CNODE_BITS 14"));
    }

    #[test]
    fn hardware_header_carries_timer_memory_and_user_devices() {
        let p = virt();
        p.check().unwrap();
        let h = p.hardware_h();
        assert!(h.contains("#define TIMER_CLOCK_HZ 62500000llu"), "{h}");
        assert!(h.contains("{ .start = 0x40000000, .end = 0x80000000 }"), "{h}");
        assert!(h.contains("/* uart0 */"), "{h}");
        assert!(!h.contains("/* gic-distributor */"), "{h}");
        assert!(p.machine_h().contains("INTERRUPT_UART0 = 33"));
    }

    #[test]
    fn linker_script_gets_the_physical_base() {
        let out = virt().linker_script("A = 1;\nPHYS_BASE = 0x20000000;\nB = 2;\n").unwrap();
        assert_eq!(out, "A = 1;\nPHYS_BASE = 0x40000000;\nB = 2;\n");
    }

    #[test]
    fn ram_below_the_kernel_base_is_refused() {
        let mut p = virt();
        p.ram.insert(0, Region { start: 0x1000_0000, end: 0x2000_0000 });
        let err = p.check().unwrap_err().to_string();
        assert!(err.contains("starts below phys-base 0x40000000"), "{err}");
    }

    #[test]
    fn a_kernel_base_off_a_2_mib_boundary_is_refused() {
        let mut p = virt();
        p.phys_base = 0x4010_0000;
        let err = p.check().unwrap_err().to_string();
        assert!(err.contains("must be 2 MiB aligned"), "{err}");
    }

    #[test]
    fn a_platform_without_a_console_is_refused() {
        let mut p = virt();
        p.devices.retain(|d| d.kernel != Some(KernelUse::Console));
        let err = p.check().unwrap_err().to_string();
        assert!(err.contains("Console"), "{err}");
    }
}
