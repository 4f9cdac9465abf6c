//! Turning the manifest into running protection domains.

use alloc::vec::Vec;
use core::ops::Range;

use sel4_root_task::init_caps;
use sel4_root_task::sel4::{cap, CPtr, CapRights, ObjectBlueprint, VmAttributes, Word};
use system_manifest::console::LOG_CHANNEL;
use system_manifest::layout::{self, badge};
use system_manifest::stats::PdStats;
use system_manifest::ArchivedBootImage;

use crate::objects::{AllocError, ObjectAllocator};
use crate::pd::{BuildContext, BuildError, Pd, PdObjects, PdState, ProgramFrames};
use crate::vspace::{ScratchWindow, VSpace};

/// The running system: what the supervisor works with.
pub struct System {
    pub image: &'static ArchivedBootImage,
    pub pds: Vec<Pd>,
    pub fault_endpoint: cap::Endpoint,
    pub scratch: ScratchWindow,
    /// Each component's counters page, as the root task maps it.
    pub stats: Vec<&'static PdStats>,
    /// The root task's end of its log ring, once the console runs.
    console: Option<(*mut u8, cap::Notification)>,
    /// Frequency of the counter `crate::clock` reads, in MHz.
    pub counter_mhz: Word,
}

/// Maps a copy of `frame` at `vaddr` in the root task's own address space.
fn map_into_root(
    view: &mut VSpace,
    objects: &mut ObjectAllocator,
    frame: CPtr,
    vaddr: Word,
    what: &'static str,
) -> Result<(), AllocError> {
    let root = init_caps::CNODE;
    let copy = objects.slot(what)?;
    root.relative(copy)
        .copy(&root.relative(frame), CapRights::READ_WRITE)
        .map_err(|error| AllocError::Kernel { what, error })?;
    view.map(objects, copy.cast(), vaddr, CapRights::READ_WRITE, VmAttributes::DEFAULT, what)
}

impl System {
    /// Makes every object the manifest describes and builds every
    /// component; starts none of them.
    pub fn build(
        image: &'static ArchivedBootImage,
        mut objects: ObjectAllocator,
        tsc_mhz: Word,
    ) -> Result<System, BuildError> {
        let system_error = |error| BuildError { component: "(system)", error };
        let manifest = &image.manifest;
        let ram_before = objects.free_ram();
        let mut scratch = ScratchWindow::new(&mut objects).map_err(system_error)?;
        let fault_endpoint: cap::Endpoint = objects
            .make(ObjectBlueprint::Endpoint, "the fault endpoint")
            .map_err(system_error)?
            .cast();

        let mut programs = Vec::new();
        for program in image.programs.iter() {
            let frames = ProgramFrames::build(program, &mut objects, &mut scratch)
                .map_err(|error| BuildError { component: program.name.as_str(), error })?;
            programs.push(frames);
        }
        let mut wasm_modules = Vec::new();
        for module in image.wasm_modules.iter() {
            let frames = ProgramFrames::wasm_module(&module.cwasm, &mut objects, &mut scratch)
                .map_err(|error| BuildError { component: module.name.as_str(), error })?;
            wasm_modules.push(frames);
        }
        // Shared regions: zeroed frames, made once, mapped into each user.
        let mut regions: Vec<Range<Word>> = Vec::new();
        for region in manifest.regions.iter() {
            let pages = (region.bytes.to_native() / layout::PAGE_SIZE) as usize;
            let frames = objects
                .make_many(ObjectBlueprint::PAGE, pages, "shared region frames")
                .map_err(|error| BuildError { component: region.name.as_str(), error })?;
            regions.push(frames);
        }
        let mut pd_objects = Vec::new();
        for component in manifest.components.iter() {
            pd_objects.push(
                PdObjects::make(&mut objects)
                    .map_err(|error| BuildError { component: component.name.as_str(), error })?,
            );
        }
        // The root task's view of the counters pages and of its log ring,
        // far above its image and the scratch window (`system_manifest::console`).
        let mut view = VSpace::existing(init_caps::VSPACE);
        let mut stats = Vec::new();
        for (i, own) in pd_objects.iter().enumerate() {
            let at =
                system_manifest::console::ROOT_STATS_VADDR as Word + i * layout::PAGE_SIZE as Word;
            map_into_root(
                &mut view,
                &mut objects,
                own.stats.cptr(),
                at,
                "the root task's view of the counters",
            )
            .map_err(system_error)?;
            // SAFETY: mapped just above for the rest of the run; the
            // component writes it only through atomics.
            stats.push(unsafe { &*(at as *const PdStats) });
        }
        let console = match manifest.console.as_ref() {
            None => None,
            Some(console) => {
                let frames = regions[console.root_ring_region.to_native() as usize].clone();
                let base = system_manifest::console::ROOT_LOG_RING_VADDR as Word;
                for (i, frame) in frames.enumerate() {
                    let at = base + i * layout::PAGE_SIZE as Word;
                    map_into_root(
                        &mut view,
                        &mut objects,
                        CPtr::from_bits(frame),
                        at,
                        "the root task's log ring",
                    )
                    .map_err(system_error)?;
                }
                let signal = objects.slot("the root task's log signal").map_err(system_error)?;
                let target = pd_objects[console.component.to_native() as usize].notification;
                init_caps::CNODE
                    .relative(signal)
                    .mint(
                        &init_caps::CNODE.relative(target.cptr()),
                        CapRights::WRITE_ONLY,
                        badge::notification(LOG_CHANNEL) as Word,
                    )
                    .map_err(|error| {
                        system_error(AllocError::Kernel {
                            what: "the root task's log signal",
                            error,
                        })
                    })?;
                Some((base as *mut u8, signal.cast()))
            }
        };
        let cx = BuildContext {
            image,
            programs: &programs,
            wasm_modules: &wasm_modules,
            tsc_mhz,
            regions: &regions,
            pd_objects: &pd_objects,
            fault_endpoint,
        };
        let mut pds = Vec::new();
        for index in 0..manifest.components.len() {
            let before = objects.free_ram();
            let mut pd = Pd::build(index, &cx, &mut objects, &mut scratch)?;
            pd.untyped_bytes = before - objects.free_ram();
            pds.push(pd);
        }
        let used = ram_before - objects.free_ram();
        log::info!(
            "system `{}` ({}): built {} components, {} shared regions; {} KiB of untyped memory used",
            manifest.name.as_str(),
            manifest.source.as_str(),
            pds.len(),
            regions.len(),
            used / 1024
        );
        for pd in &pds {
            log::info!(
                "  {:<16} priority {:>3}  {:>4} frames  {:>2} paging objects  {} grants",
                pd.name,
                pd.manifest.priority,
                pd.frames,
                pd.paging_objects,
                pd.manifest.grants.len()
            );
        }
        for pd in &pds {
            log::info!(
                "memory of `{}`: {} shared frames, {} private frames, {} KiB of untyped memory",
                pd.name,
                pd.shared_frames,
                pd.frames - pd.shared_frames,
                pd.untyped_bytes / 1024
            );
        }
        Ok(System { image, pds, fault_endpoint, scratch, stats, console, counter_mhz: tsc_mhz })
    }

    /// Starts every component, in manifest order; from then on the root
    /// task's lines go through the system's console, if it has one.
    pub fn start(&mut self) -> Result<(), BuildError> {
        for pd in &mut self.pds {
            pd.start().map_err(|error| BuildError {
                component: pd.name,
                error: crate::objects::AllocError::Kernel { what: "starting the thread", error },
            })?;
        }
        if let Some((base, signal)) = self.console {
            // SAFETY: `base` is the root task's mapping of its log ring,
            // shared only with the console component.
            if let Err(e) = unsafe { crate::console::start(base, signal) } {
                log::warn!("the root task's lines stay on the early console: {e}");
            }
        }
        Ok(())
    }

    /// Lets the console components write out everything queued, then sends
    /// later lines to the early console: the root task drops below every
    /// component's priority and yields, so it runs again only once all of
    /// them (the console and its driver included) wait.
    pub fn drain_console(&mut self) {
        if self.console.is_none() {
            return;
        }
        if init_caps::TCB.set_priority(0).is_ok() {
            sel4_root_task::sel4::yield_now();
        }
        crate::console::stop();
    }

    /// One line per component: state, restarts and faults.
    pub fn print_summary(&self) {
        log::info!("summary of system `{}`:", self.image.manifest.name.as_str());
        for pd in &self.pds {
            let state = match pd.state {
                PdState::Running => alloc::string::String::from("running"),
                PdState::Exited(code) => alloc::format!("exited ({code})"),
                PdState::Stopped => alloc::string::String::from("stopped"),
            };
            let mut extra = alloc::string::String::new();
            if pd.requested_restarts > 0 {
                extra.push_str(&alloc::format!("  restarted on request {}", pd.requested_restarts));
            }
            if pd.runtime_faults > 0 {
                extra.push_str(&alloc::format!("  RUNTIME FAULTS {}", pd.runtime_faults));
            }
            log::info!(
                "  {:<16} {:<12} restarts {:>2}  faults {:>2}{extra}",
                pd.name,
                state,
                pd.restarts,
                pd.faults
            );
        }
    }
}
