//! Turning the manifest into running protection domains.

use alloc::vec::Vec;
use core::ops::Range;

use sel4_root_task::sel4::{cap, ObjectBlueprint, Word};
use system_manifest::layout;
use system_manifest::ArchivedBootImage;

use crate::objects::ObjectAllocator;
use crate::pd::{BuildContext, BuildError, Pd, PdObjects, PdState, ProgramFrames};
use crate::vspace::ScratchWindow;

/// The running system: what the supervisor works with.
pub struct System {
    pub image: &'static ArchivedBootImage,
    pub pds: Vec<Pd>,
    pub fault_endpoint: cap::Endpoint,
    pub scratch: ScratchWindow,
}

impl System {
    /// Makes every object the manifest describes and builds every
    /// component; starts none of them.
    pub fn build(image: &'static ArchivedBootImage, mut objects: ObjectAllocator, tsc_mhz: Word) -> Result<System, BuildError> {
        let system_error = |error| BuildError { component: "(system)", error };
        let manifest = &image.manifest;
        let ram_before = objects.free_ram();
        let mut scratch = ScratchWindow::new(&mut objects).map_err(system_error)?;
        let fault_endpoint: cap::Endpoint =
            objects.make(ObjectBlueprint::Endpoint, "the fault endpoint").map_err(system_error)?.cast();

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
            pd_objects.push(PdObjects::make(&mut objects).map_err(|error| BuildError { component: component.name.as_str(), error })?);
        }
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
            pds.push(Pd::build(index, &cx, &mut objects, &mut scratch)?);
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
        Ok(System { image, pds, fault_endpoint, scratch })
    }

    /// Starts every component, in manifest order.
    pub fn start(&mut self) -> Result<(), BuildError> {
        for pd in &mut self.pds {
            pd.start().map_err(|error| BuildError {
                component: pd.name,
                error: crate::objects::AllocError::Kernel { what: "starting the thread", error },
            })?;
        }
        Ok(())
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
            log::info!("  {:<16} {:<12} restarts {:>2}  faults {:>2}", pd.name, state, pd.restarts, pd.faults);
        }
    }
}
