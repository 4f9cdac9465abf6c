//! Building protection domains from the manifest, and rebuilding one for a
//! restart.
//!
//! Each component gets a new CNode holding only its fixed slots
//! (`layout::slot`) and the capabilities its description grants, a new
//! VSpace (program segments W^X: text and rodata read-only, data writable and
//! never executable, by kernel patch 0003), a stack below an unmapped guard
//! page, an IPC buffer, a heap, its config page, and its shared regions.
//! Read-only program frames are made once per program and mapped into every
//! instance; everything writable is the instance's own.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use sel4_root_task::init_caps;
use sel4_root_task::sel4::{
    self, cap, cnode_guard_data, CPtr, CapRights, ObjectBlueprint, UserContext, VmAttributes, Word,
};
use system_manifest::layout::{self, slot, start_mode, vaddr};
use system_manifest::{
    ArchivedBootImage, ArchivedComponent, ArchivedGrantedCap, ArchivedMappingSource,
    ArchivedProgram, ArchivedSegmentAccess,
};

use crate::objects::{AllocError, ObjectAllocator};
use crate::vspace::{ScratchWindow, VSpace};

const PAGE: Word = layout::PAGE_SIZE as Word;

// The manifest's badge encoding must fit this kernel's badges.
const _: () = assert!(layout::BADGE_BITS == sel4::sys::bitfield::Badge::Badge::WIDTH);

/// A build step failed for a component.
#[derive(Debug)]
pub struct BuildError {
    pub component: &'static str,
    pub error: AllocError,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "building component `{}`: {}", self.component, self.error)
    }
}

fn kernel(what: &'static str) -> impl Fn(sel4::Error) -> AllocError {
    move |error| AllocError::Kernel { what, error }
}

/// Frames of a program's read-only segments, shared by its instances.
pub struct ProgramFrames {
    /// (vaddr, frame) of every read-only page.
    read_only: Vec<(Word, cap::Page)>,
}

impl ProgramFrames {
    pub fn build(
        program: &'static ArchivedProgram,
        objects: &mut ObjectAllocator,
        scratch: &mut ScratchWindow,
    ) -> Result<Self, AllocError> {
        let mut read_only = Vec::new();
        for segment in program.segments.iter() {
            if segment.access == ArchivedSegmentAccess::ReadWrite {
                continue;
            }
            let pages =
                pages_of(segment.vaddr.to_native() as Word, segment.mem_bytes.to_native() as Word);
            let frames = filled_frames(
                &segment.data,
                pages.len(),
                objects,
                scratch,
                "read-only program frames",
            )?;
            read_only.extend(pages.zip(frames.map(|f| CPtr::from_bits(f).cast())));
        }
        Ok(ProgramFrames { read_only })
    }

    /// Frames holding a precompiled Wasm module, shared by its components.
    pub fn wasm_module(
        cwasm: &'static [u8],
        objects: &mut ObjectAllocator,
        scratch: &mut ScratchWindow,
    ) -> Result<Self, AllocError> {
        let pages = pages_of(vaddr::WASM_MODULE as Word, cwasm.len());
        let frames = filled_frames(cwasm, pages.len(), objects, scratch, "Wasm module frames")?;
        Ok(ProgramFrames {
            read_only: pages.zip(frames.map(|f| CPtr::from_bits(f).cast())).collect(),
        })
    }
}

/// `pages` new frames in consecutive slots holding `data`, then zeros.
fn filled_frames(
    data: &[u8],
    pages: usize,
    objects: &mut ObjectAllocator,
    scratch: &mut ScratchWindow,
    what: &'static str,
) -> Result<Range<Word>, AllocError> {
    let frames = objects.make_many(ObjectBlueprint::PAGE, pages, what)?;
    for (i, frame) in frames.clone().enumerate() {
        scratch.fill_code(CPtr::from_bits(frame).cast(), chunk(data, i)).map_err(kernel(what))?;
    }
    Ok(frames)
}

/// The page addresses covering `vaddr..vaddr + bytes`.
fn pages_of(vaddr: Word, bytes: Word) -> impl ExactSizeIterator<Item = Word> {
    let start = vaddr & !(PAGE - 1);
    let end = (vaddr + bytes).next_multiple_of(PAGE);
    (start..end).step_by(PAGE)
}

/// Page `i` of `data` (possibly short or empty: the rest is zeros).
fn chunk(data: &[u8], i: usize) -> &[u8] {
    let start = (i * PAGE).min(data.len());
    &data[start..(start + PAGE).min(data.len())]
}

/// Writable pages of a component (frames in consecutive slots) and what
/// they hold at start: `initial`, then zeros.
struct WritableRun {
    frames: Range<Word>,
    initial: &'static [u8],
}

/// Maps a component's memory, remembering its writable pages.
struct MemoryBuilder<'a> {
    objects: &'a mut ObjectAllocator,
    scratch: &'a mut ScratchWindow,
    vspace: &'a mut VSpace,
    writable: Vec<WritableRun>,
    frames: usize,
    /// Of `frames`, those shared with other components (program code,
    /// Wasm module, ring regions).
    shared_frames: usize,
}

impl MemoryBuilder<'_> {
    /// New frames covering `bytes` at `at`, holding `initial` (then zeros),
    /// mapped read-write. Returns the first frame.
    fn writable(
        &mut self,
        at: Word,
        bytes: Word,
        initial: &'static [u8],
        what: &'static str,
    ) -> Result<cap::Page, AllocError> {
        let pages = pages_of(at, bytes);
        let frames = self.objects.make_many(ObjectBlueprint::PAGE, pages.len(), what)?;
        for (i, (page, frame)) in pages.zip(frames.clone()).enumerate() {
            let frame: cap::Page = CPtr::from_bits(frame).cast();
            let data = chunk(initial, i);
            if !data.is_empty() {
                self.scratch.fill(frame, data).map_err(kernel(what))?;
            }
            self.vspace.map(
                self.objects,
                frame,
                page,
                CapRights::READ_WRITE,
                VmAttributes::DEFAULT,
                what,
            )?;
            self.frames += 1;
        }
        let first = CPtr::from_bits(frames.start).cast();
        self.writable.push(WritableRun { frames, initial });
        Ok(first)
    }

    /// Maps a copy of the capability to `frame` (one capability per mapping).
    fn map_copy(
        &mut self,
        frame: CPtr,
        at: Word,
        rights: CapRights,
        attrs: VmAttributes,
        what: &'static str,
    ) -> Result<(), AllocError> {
        let root = init_caps::CNODE;
        let copy = self.objects.slot(what)?;
        root.relative(copy).copy(&root.relative(frame), rights).map_err(kernel(what))?;
        self.vspace.map(self.objects, copy.cast(), at, rights, attrs, what)?;
        self.frames += 1;
        Ok(())
    }
}

/// Objects made for every component before any is built, because grants
/// refer to other components' endpoints and notifications.
pub struct PdObjects {
    pub endpoint: cap::Endpoint,
    pub notification: cap::Notification,
    /// The component's counters page (`system_manifest::stats`), kept
    /// across restarts and also mapped by the root task.
    pub stats: cap::Page,
}

impl PdObjects {
    pub fn make(objects: &mut ObjectAllocator) -> Result<PdObjects, AllocError> {
        Ok(PdObjects {
            endpoint: objects.make(ObjectBlueprint::Endpoint, "input endpoint")?.cast(),
            notification: objects.make(ObjectBlueprint::Notification, "notification")?.cast(),
            stats: objects.make(ObjectBlueprint::PAGE, "counters page")?.cast(),
        })
    }
}

/// Where a component is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdState {
    Running,
    /// Finished on its own with this exit code.
    Exited(Word),
    /// Stopped by the supervisor after a fault.
    Stopped,
}

/// A built protection domain.
pub struct Pd {
    pub name: &'static str,
    pub manifest: &'static ArchivedComponent,
    pub tcb: cap::Tcb,
    writable: Vec<WritableRun>,
    entry: Word,
    wasm_module_len: Word,
    tsc_mhz: Word,
    pub state: PdState,
    /// Restarts after faults (counted against the restart policy's limit).
    pub restarts: u32,
    /// Restarts asked for over the control channel (not counted against
    /// the limit, rate-limited instead).
    pub requested_restarts: u32,
    pub faults: u32,
    /// Faults of a Wasm component's runtime itself (a panic or a kernel
    /// fault outside a reported guest trap): a bug in the runtime, never
    /// expected.
    pub runtime_faults: u32,
    /// When control restarts or starts happened lately (counter ticks), for
    /// the rate limit (`system_manifest::control::RESTARTS_PER_WINDOW`).
    pub recent_requests: [u64; system_manifest::control::RESTARTS_PER_WINDOW as usize],
    /// Frames and paging structures made for it, for the report.
    pub frames: usize,
    /// Of `frames`, those shared with other components (program code, Wasm module, rings).
    pub shared_frames: usize,
    /// Whether it runs a Wasm module (its faults outside a guest trap are
    /// the runtime's).
    pub is_wasm: bool,
    /// Untyped memory its build consumed (its own objects: TCB, CNode,
    /// paging structures, private frames; not the shared ones).
    pub untyped_bytes: usize,
    pub paging_objects: usize,
}

/// Everything `build` needs from the rest of the system.
pub struct BuildContext<'a> {
    pub image: &'static ArchivedBootImage,
    pub programs: &'a [ProgramFrames],
    pub wasm_modules: &'a [ProgramFrames],
    /// Time-stamp counter frequency, for the components' clocks.
    pub tsc_mhz: Word,
    pub regions: &'a [Range<Word>],
    pub pd_objects: &'a [PdObjects],
    pub fault_endpoint: cap::Endpoint,
}

impl Pd {
    pub fn build(
        index: usize,
        cx: &BuildContext,
        objects: &mut ObjectAllocator,
        scratch: &mut ScratchWindow,
    ) -> Result<Pd, BuildError> {
        let component = &cx.image.manifest.components[index];
        let name: &'static str = component.name.as_str();
        Self::build_inner(index, component, cx, objects, scratch)
            .map_err(|error| BuildError { component: name, error })
    }

    fn build_inner(
        index: usize,
        component: &'static ArchivedComponent,
        cx: &BuildContext,
        objects: &mut ObjectAllocator,
        scratch: &mut ScratchWindow,
    ) -> Result<Pd, AllocError> {
        let root = init_caps::CNODE;
        let own = &cx.pd_objects[index];
        let tcb: cap::Tcb = objects.make(ObjectBlueprint::Tcb, "TCB")?.cast();
        let cnode: cap::CNode = objects
            .make(ObjectBlueprint::CNode { slot_bits: layout::CNODE_SLOT_BITS as usize }, "CNode")?
            .cast();
        let mut vspace = VSpace::new(objects, "VSpace")?;
        let pd_slot = |s: u32| cnode.slot(s as Word, layout::CNODE_SLOT_BITS);
        let from_root = |c: CPtr| root.relative(c);

        // Fixed slots. Faults are sent by the kernel, which needs write and
        // grant on the fault endpoint; the badge tells the supervisor who.
        let send_grant = CapRights { write: true, read: false, grant: true };
        pd_slot(slot::FAULT_ENDPOINT)
            .mint(&from_root(cx.fault_endpoint.cptr()), send_grant, fault_badge(index))
            .map_err(kernel("fault endpoint capability"))?;
        pd_slot(slot::INPUT_ENDPOINT)
            .copy(&from_root(own.endpoint.cptr()), CapRights::ALL)
            .map_err(kernel("input endpoint capability"))?;
        pd_slot(slot::NOTIFICATION)
            .copy(&from_root(own.notification.cptr()), CapRights::READ_WRITE)
            .map_err(kernel("notification capability"))?;
        pd_slot(slot::CNODE)
            .copy(&from_root(cnode.cptr()), CapRights::ALL)
            .map_err(kernel("own CNode capability"))?;
        tcb.bind_notification(own.notification).map_err(kernel("binding the notification"))?;

        // Granted capabilities.
        for grant in component.grants.iter() {
            let dest = pd_slot(grant.slot.to_native());
            match &grant.cap {
                ArchivedGrantedCap::Endpoint { server, badge } => {
                    // Write + grant: enough to call; no read, so a client
                    // cannot receive the server's calls.
                    let server = &cx.pd_objects[server.to_native() as usize];
                    dest.mint(
                        &from_root(server.endpoint.cptr()),
                        send_grant,
                        badge.to_native() as Word,
                    )
                    .map_err(kernel("endpoint grant"))?;
                }
                ArchivedGrantedCap::Control => {
                    // Call only: the supervisor answers with its reply.
                    let badge = system_manifest::control::BADGE_BIT as Word | fault_badge(index);
                    dest.mint(&from_root(cx.fault_endpoint.cptr()), send_grant, badge)
                        .map_err(kernel("control grant"))?;
                }
                ArchivedGrantedCap::Notification { target, badge } => {
                    let target = &cx.pd_objects[target.to_native() as usize];
                    dest.mint(
                        &from_root(target.notification.cptr()),
                        CapRights::WRITE_ONLY,
                        badge.to_native() as Word,
                    )
                    .map_err(kernel("notification grant"))?;
                }
                #[cfg(target_arch = "x86_64")]
                ArchivedGrantedCap::IoPorts { first, last } => {
                    use sel4_root_task::sel4::io_port_range_data;
                    let data = io_port_range_data(first.to_native(), last.to_native());
                    dest.mint(&from_root(init_caps::IO_PORT.cptr()), CapRights::ALL, data)
                        .map_err(kernel("IO-port grant"))?;
                }
                // IO ports are x86 hardware (the build refuses them for other boards).
                #[cfg(not(target_arch = "x86_64"))]
                ArchivedGrantedCap::IoPorts { .. } => {
                    return Err(kernel("IO-port grant (x86 only)")(sel4::Error::IllegalOperation))
                }
                ArchivedGrantedCap::Irq { irq, badge } => {
                    let handler = objects.slot("IRQ handler")?;
                    issue_irq_handler(irq, &from_root(handler))?;
                    let signal = objects.slot("IRQ notification")?;
                    from_root(signal)
                        .mint(
                            &from_root(own.notification.cptr()),
                            CapRights::WRITE_ONLY,
                            badge.to_native() as Word,
                        )
                        .map_err(kernel("IRQ notification"))?;
                    let handler: cap::IrqHandler = handler.cast();
                    handler.set_notification(signal.cast()).map_err(kernel("routing the IRQ"))?;
                    dest.move_from(&from_root(handler.cptr())).map_err(kernel("IRQ grant"))?;
                }
            }
        }

        // Memory.
        let program = &cx.image.programs[component.program.to_native() as usize];
        let mut memory = MemoryBuilder {
            objects,
            scratch,
            vspace: &mut vspace,
            writable: Vec::new(),
            frames: 0,
            shared_frames: 0,
        };
        for segment in
            program.segments.iter().filter(|s| s.access == ArchivedSegmentAccess::ReadWrite)
        {
            let (vaddr, bytes) =
                (segment.vaddr.to_native() as Word, segment.mem_bytes.to_native() as Word);
            memory.writable(vaddr, bytes, &segment.data, "writable program frames")?;
        }
        for &(page, frame) in &cx.programs[component.program.to_native() as usize].read_only {
            memory.map_copy(
                frame.cptr(),
                page,
                CapRights::READ_ONLY,
                VmAttributes::DEFAULT,
                "read-only program frames",
            )?;
            memory.shared_frames += 1;
        }
        // A Wasm module: read-only, so executable (W^X), shared.
        let wasm_module_len = match component.wasm_module.as_ref() {
            Some(index) => {
                let index = index.to_native() as usize;
                for &(page, frame) in &cx.wasm_modules[index].read_only {
                    memory.map_copy(
                        frame.cptr(),
                        page,
                        CapRights::READ_ONLY,
                        VmAttributes::DEFAULT,
                        "Wasm module frames",
                    )?;
                    memory.shared_frames += 1;
                }
                cx.image.wasm_modules[index].cwasm.len()
            }
            None => 0,
        };
        // The config archive: read-only, filled once.
        let config: &'static [u8] = &component.config;
        for (i, page) in pages_of(vaddr::CONFIG as Word, config.len().max(1)).enumerate() {
            let frame: cap::Page =
                memory.objects.make(ObjectBlueprint::PAGE, "config frames")?.cast();
            memory.scratch.fill(frame, chunk(config, i)).map_err(kernel("config frames"))?;
            memory.map_copy(
                frame.cptr(),
                page,
                CapRights::READ_ONLY,
                VmAttributes::DEFAULT,
                "config frames",
            )?;
        }
        let ipc_buffer = memory.writable(vaddr::IPC_BUFFER as Word, PAGE, &[], "IPC buffer")?;
        memory.map_copy(
            own.stats.cptr(),
            vaddr::STATS as Word,
            CapRights::READ_WRITE,
            VmAttributes::DEFAULT,
            "counters page",
        )?;
        // The stack ends at STACK_TOP; the page below it stays unmapped.
        let stack_bytes = component.stack_bytes.to_native() as Word;
        memory.writable(
            vaddr::STACK_TOP as Word - stack_bytes,
            stack_bytes,
            &[],
            "stack frames",
        )?;
        memory.writable(
            vaddr::HEAP as Word,
            component.heap_bytes.to_native() as Word,
            &[],
            "heap frames",
        )?;
        for mapping in component.mappings.iter() {
            let bytes = mapping.bytes.to_native() as Word;
            let rights =
                if mapping.writable { CapRights::READ_WRITE } else { CapRights::READ_ONLY };
            let attrs =
                if mapping.cached { VmAttributes::DEFAULT } else { VmAttributes::CACHE_DISABLED };
            let source = match mapping.source {
                ArchivedMappingSource::Region(r) => cx.regions[r.to_native() as usize].clone(),
                ArchivedMappingSource::Device { paddr } => memory.objects.device_frames(
                    paddr.to_native() as Word,
                    bytes,
                    "device memory frames",
                )?,
            };
            let shared = matches!(mapping.source, ArchivedMappingSource::Region(_));
            for (page, frame) in pages_of(mapping.vaddr.to_native() as Word, bytes).zip(source) {
                memory.map_copy(CPtr::from_bits(frame), page, rights, attrs, "shared memory")?;
                memory.shared_frames += shared as usize;
            }
        }
        let MemoryBuilder { writable, frames, shared_frames, .. } = memory;

        let priority =
            sel4::cap::PriorityProps { priority: component.priority, max_controlled_priority: 0 };
        let guard_bits = sel4::WORD_BITS - layout::CNODE_SLOT_BITS;
        tcb.configure(
            CPtr::from_bits(slot::FAULT_ENDPOINT as Word),
            priority,
            cnode,
            cnode_guard_data(guard_bits, 0),
            vspace.root(),
            vaddr::IPC_BUFFER as Word,
            ipc_buffer,
        )
        .map_err(kernel("configuring the TCB"))?;

        Ok(Pd {
            name: component.name.as_str(),
            manifest: component,
            tcb,
            writable,
            entry: program.entry.to_native() as Word,
            wasm_module_len,
            is_wasm: component.wasm_module.is_some(),
            tsc_mhz: cx.tsc_mhz,
            state: PdState::Running,
            restarts: 0,
            requested_restarts: 0,
            faults: 0,
            runtime_faults: 0,
            recent_requests: [0; system_manifest::control::RESTARTS_PER_WINDOW as usize],
            frames,
            shared_frames,
            untyped_bytes: 0,
            paging_objects: vspace.paging_objects,
        })
    }

    /// The component runtime's entry arguments (runtime/pd-runtime/src/entry.rs).
    #[cfg(target_arch = "aarch64")]
    fn initial_registers(&self, mode: u64) -> UserContext {
        UserContext {
            pc: self.entry,
            sp: vaddr::STACK_TOP as Word,
            x0: vaddr::CONFIG as Word,
            x1: vaddr::IPC_BUFFER as Word,
            x2: self.manifest.config.len(),
            x3: mode as Word,
            x4: self.wasm_module_len,
            x5: self.tsc_mhz,
            ..Default::default()
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn initial_registers(&self, mode: u64) -> UserContext {
        UserContext {
            rip: self.entry,
            rsp: vaddr::STACK_TOP as Word,
            rdi: vaddr::CONFIG as Word,
            rsi: vaddr::IPC_BUFFER as Word,
            rdx: self.manifest.config.len(),
            rcx: mode as Word,
            r8: self.wasm_module_len,
            r9: self.tsc_mhz,
            ..Default::default()
        }
    }

    /// Starts the component's thread.
    pub fn start(&mut self) -> Result<(), sel4::Error> {
        self.tcb.write_registers(true, &self.initial_registers(start_mode::NORMAL))
    }

    /// Rebuilds the writable memory (data, bss, stack, heap, IPC buffer) and
    /// starts the thread again from its entry point.
    pub fn restart(&mut self, scratch: &mut ScratchWindow) -> Result<(), sel4::Error> {
        self.run_afresh(scratch, PdState::Running, start_mode::RESTARTED)?;
        self.restarts += 1;
        Ok(())
    }

    /// Restarts the component as [`Pd::restart`] does, on request (the
    /// control channel): not counted against its fault restarts.
    pub fn restart_on_request(&mut self, scratch: &mut ScratchWindow) -> Result<(), sel4::Error> {
        self.run_afresh(scratch, PdState::Running, start_mode::RESTARTED)?;
        self.requested_restarts += 1;
        Ok(())
    }

    /// Stops the component for good: its memory is rebuilt and its runtime
    /// restarted as a tombstone that answers every call with `SERVER_DIED`,
    /// so its callers never hang.
    pub fn stop(&mut self, scratch: &mut ScratchWindow) -> Result<(), sel4::Error> {
        self.run_afresh(scratch, PdState::Stopped, start_mode::TOMBSTONE)
    }

    /// Records that the component exited with `code` and runs it on as a
    /// tombstone, like [`Pd::stop`]: a call it was serving when it exited,
    /// and every later call, is answered with `SERVER_DIED`.
    pub fn exited(&mut self, scratch: &mut ScratchWindow, code: Word) -> Result<(), sel4::Error> {
        self.run_afresh(scratch, PdState::Exited(code), start_mode::EXITED)
    }

    /// Starts a stopped or exited component again from fresh memory (the
    /// control channel's `START`), with its fault restarts counted anew.
    pub fn start_again(&mut self, scratch: &mut ScratchWindow) -> Result<(), sel4::Error> {
        self.run_afresh(scratch, PdState::Running, start_mode::RESTARTED)?;
        self.restarts = 0;
        self.requested_restarts += 1;
        Ok(())
    }

    /// Rebuilds the writable memory and starts the thread from its entry
    /// point in start mode `mode` (`layout::start_mode`), now in `state`.
    fn run_afresh(
        &mut self,
        scratch: &mut ScratchWindow,
        state: PdState,
        mode: u64,
    ) -> Result<(), sel4::Error> {
        self.reset(scratch)?;
        self.state = state;
        self.tcb.write_registers(true, &self.initial_registers(mode))
    }

    /// Suspends the thread for good (a tombstone that faulted, or a
    /// component that exited).
    pub fn suspend(&mut self) {
        let _ = self.tcb.suspend();
    }

    fn reset(&mut self, scratch: &mut ScratchWindow) -> Result<(), sel4::Error> {
        self.tcb.suspend()?;
        for run in &self.writable {
            for (i, frame) in run.frames.clone().enumerate() {
                scratch.fill(CPtr::from_bits(frame).cast(), chunk(run.initial, i))?;
            }
        }
        Ok(())
    }
}

/// The fault-endpoint badge of component `index` (0 is never used, so a
/// badge of 0 means "not from a component").
pub fn fault_badge(index: usize) -> Word {
    index + 1
}

/// Issues the handler of interrupt `irq` into `dest`. The build checks that
/// the kind of interrupt is the board's; a mismatch here is a stale image.
fn issue_irq_handler(
    irq: &system_manifest::ArchivedIrqSource,
    dest: &cap::AbsoluteCPtr,
) -> Result<(), AllocError> {
    use system_manifest::ArchivedIrqSource as Source;
    match irq {
        #[cfg(target_arch = "x86_64")]
        Source::IoApic { ioapic, pin, level_triggered, active_low, vector } => {
            init_caps::IRQ_CONTROL
                .get_ioapic(
                    dest,
                    ioapic.to_native() as Word,
                    pin.to_native() as Word,
                    *level_triggered,
                    *active_low,
                    vector.to_native() as Word,
                )
                .map_err(kernel("IRQ handler (IOAPIC)"))
        }
        #[cfg(target_arch = "aarch64")]
        Source::Gic { irq } => init_caps::IRQ_CONTROL
            .get(irq.to_native() as Word, dest)
            .map_err(kernel("IRQ handler (GIC)")),
        #[cfg(target_arch = "x86_64")]
        Source::Gic { .. } => {
            Err(kernel("GIC IRQ grant (ARM only)")(sel4::Error::IllegalOperation))
        }
        #[cfg(target_arch = "aarch64")]
        Source::IoApic { .. } => {
            Err(kernel("IOAPIC IRQ grant (x86 only)")(sel4::Error::IllegalOperation))
        }
    }
}
