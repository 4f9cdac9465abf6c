//! A simulated HPET for host tests. Always compiled (no std, no allocator).
//!
//! Modelled: capabilities (period, timer count, 64-bit counter, legacy
//! routing), the general configuration (ENABLE, LEG_RT), the interrupt
//! status register (write 1 to clear), the main counter (advanced by the
//! test, and only while ENABLE is set), and per-timer configuration with
//! read-only capability bits and Tn_INT_ROUTE_CAP, plus 64-bit comparators.
//! A one-shot timer fires when the counter crosses its comparator (a match
//! on equality, as on hardware: a comparator already behind the counter does
//! not fire). Not modelled: periodic mode, 32-bit timer mode, FSB delivery.
//!
//! Unlike spec hardware, whose status bit reads 0 for an edge-triggered
//! timer, the simulator sets a firing timer's status bit in either mode, so
//! tests can watch it.

use crate::reg;
use device_registers::Registers;

/// Most timers an HPET block can have.
pub const MAX_TIMERS: usize = 32;
/// QEMU's HPET period: 10 ns (100 MHz).
pub const QEMU_PERIOD_FS: u32 = 10_000_000;
/// QEMU's Tn_INT_ROUTE_CAP on the i440FX (pc) machine: IOAPIC pin 2 only.
pub const QEMU_PC_ROUTE_CAP: u32 = 1 << 2;
/// QEMU's Tn_INT_ROUTE_CAP on the Q35 machine: pins 2, 8 and 16..=23.
pub const QEMU_Q35_ROUTE_CAP: u32 = (1 << 2) | (1 << 8) | 0x00ff_0000;
/// How many config writes [`SimHpet::writes`] keeps.
pub const WRITE_LOG_CAPACITY: usize = 64;

/// IOAPIC pin legacy replacement routing sends timer 0 to (ISA IRQ0 arrives at pin 2).
pub const LEGACY_TIMER0_PIN: u8 = 2;
/// IOAPIC pin legacy replacement routing sends timer 1 to.
pub const LEGACY_TIMER1_PIN: u8 = 8;

/// Bits of a timer's config register that software can change.
const TIMER_WRITABLE: u32 = reg::TN_INT_TYPE_LEVEL
    | reg::TN_INT_ENB
    | reg::TN_TYPE_PERIODIC
    | reg::TN_VAL_SET
    | reg::TN_32MODE
    | reg::TN_INT_ROUTE_MASK
    | reg::TN_FSB_EN;

#[derive(Debug, Clone, Copy)]
struct SimTimer {
    config: u32,
    route_cap: u32,
    comparator: u64,
}

#[derive(Debug, Clone)]
pub struct SimHpet {
    present: bool,
    period_fs: u32,
    timer_count: u8,
    legacy_capable: bool,
    general_config: u32,
    interrupt_status: u32,
    counter: u64,
    /// Femtoseconds advanced but not yet a whole tick.
    leftover_fs: u64,
    /// Ticks the counter moves on every counter-half read (for carry races).
    ticks_per_counter_read: u64,
    timers: [SimTimer; MAX_TIMERS],
    fired: u32,
    last_interrupt_pin: Option<u8>,
    writes: [(u32, u32); WRITE_LOG_CAPACITY],
    writes_len: usize,
}

impl Default for SimHpet {
    fn default() -> Self {
        Self::qemu()
    }
}

impl SimHpet {
    /// An HPET with `timers` comparators (1..=32), each routable to the pins in `route_cap`.
    pub fn new(period_fs: u32, timers: u8, route_cap: u32) -> Self {
        assert!((1..=MAX_TIMERS as u8).contains(&timers), "an HPET has 1 to 32 timers");
        let timer = SimTimer {
            config: reg::TN_PER_INT_CAP | reg::TN_SIZE_CAP,
            route_cap,
            comparator: u64::MAX,
        };
        SimHpet {
            present: true,
            period_fs,
            timer_count: timers,
            legacy_capable: true,
            general_config: 0,
            interrupt_status: 0,
            counter: 0,
            leftover_fs: 0,
            ticks_per_counter_read: 0,
            timers: [timer; MAX_TIMERS],
            fired: 0,
            last_interrupt_pin: None,
            writes: [(0, 0); WRITE_LOG_CAPACITY],
            writes_len: 0,
        }
    }

    /// As QEMU's pc machine presents it: 100 MHz, 3 timers, IOAPIC pin 2 only.
    pub fn qemu() -> Self {
        Self::new(QEMU_PERIOD_FS, 3, QEMU_PC_ROUTE_CAP)
    }

    /// Nothing at these registers: every read returns all-ones.
    pub fn absent() -> Self {
        let mut hpet = Self::qemu();
        hpet.present = false;
        hpet
    }

    pub fn set_legacy_capable(&mut self, capable: bool) {
        self.legacy_capable = capable;
    }

    pub fn set_route_cap(&mut self, timer: u8, route_cap: u32) {
        self.timers[usize::from(timer)].route_cap = route_cap;
    }

    /// Moves the counter on by `ticks` (if ENABLE is set), firing timers it passes.
    pub fn advance_ticks(&mut self, ticks: u64) {
        if self.general_config & reg::CNF_ENABLE == 0 {
            return;
        }
        let from = self.counter;
        self.counter = from.wrapping_add(ticks);
        self.fire_crossed(from, ticks);
    }

    /// Moves the counter on by the ticks in `ns` (if ENABLE is set); fractions of a tick carry over.
    pub fn advance_ns(&mut self, ns: u64) {
        let fs = u128::from(self.leftover_fs) + u128::from(ns) * 1_000_000;
        let period = u128::from(self.period_fs);
        // The remainder is below the period, a u32.
        self.leftover_fs = (fs % period) as u64;
        self.advance_ticks(u64::try_from(fs / period).unwrap_or(u64::MAX));
    }

    /// Sets the counter without firing anything, as software may while the counter is halted.
    pub fn set_counter(&mut self, ticks: u64) {
        self.counter = ticks;
        self.leftover_fs = 0;
    }

    /// Every read of a counter half first advances the counter by `ticks`
    /// (a fast counter, for testing reads that straddle a carry).
    pub fn set_ticks_per_counter_read(&mut self, ticks: u64) {
        self.ticks_per_counter_read = ticks;
    }

    pub fn counter_value(&self) -> u64 {
        self.counter
    }

    /// True once timer 0 has fired (cleared by [`Self::clear_interrupt_fired`]).
    pub fn interrupt_fired(&self) -> bool {
        self.timer_fired(0)
    }

    pub fn timer_fired(&self, timer: u8) -> bool {
        self.fired & (1 << timer) != 0
    }

    pub fn clear_interrupt_fired(&mut self) {
        self.fired = 0;
    }

    /// IOAPIC pin the last interrupt was delivered to.
    pub fn last_interrupt_pin(&self) -> Option<u8> {
        self.last_interrupt_pin
    }

    pub fn general_config(&self) -> u32 {
        self.general_config
    }

    pub fn interrupt_status(&self) -> u32 {
        self.interrupt_status
    }

    pub fn timer_config(&self, timer: u8) -> u32 {
        self.timers[usize::from(timer)].config
    }

    pub fn comparator(&self, timer: u8) -> u64 {
        self.timers[usize::from(timer)].comparator
    }

    /// Register writes as (offset, value), oldest first; the first
    /// [`WRITE_LOG_CAPACITY`] are kept.
    pub fn writes(&self) -> &[(u32, u32)] {
        &self.writes[..self.writes_len]
    }

    pub fn clear_writes(&mut self) {
        self.writes_len = 0;
    }

    fn capabilities(&self) -> u32 {
        let revision = 1;
        let vendor_intel = 0x8086 << reg::CAP_VENDOR_SHIFT;
        let last_timer = u32::from(self.timer_count - 1) << reg::CAP_NUM_TIM_SHIFT;
        let legacy = if self.legacy_capable { reg::CAP_LEG_RT } else { 0 };
        revision | last_timer | reg::CAP_COUNT_SIZE | legacy | vendor_intel
    }

    /// Fires every armed timer whose comparator lies in (from, from + ticks].
    fn fire_crossed(&mut self, from: u64, ticks: u64) {
        for timer in 0..self.timer_count {
            let t = self.timers[usize::from(timer)];
            let distance = t.comparator.wrapping_sub(from);
            if t.config & reg::TN_INT_ENB != 0 && distance != 0 && distance <= ticks {
                self.fire(timer);
            }
        }
    }

    fn fire(&mut self, timer: u8) {
        self.fired |= 1 << timer;
        self.interrupt_status |= 1 << timer;
        let legacy = self.general_config & reg::CNF_LEG_RT != 0;
        let config = self.timers[usize::from(timer)].config;
        self.last_interrupt_pin = Some(match timer {
            0 if legacy => LEGACY_TIMER0_PIN,
            1 if legacy => LEGACY_TIMER1_PIN,
            _ => ((config & reg::TN_INT_ROUTE_MASK) >> reg::TN_INT_ROUTE_SHIFT) as u8,
        });
    }

    fn log_write(&mut self, offset: u32, value: u32) {
        if self.writes_len < WRITE_LOG_CAPACITY {
            self.writes[self.writes_len] = (offset, value);
            self.writes_len += 1;
        }
    }

    /// The timer and register (0 config, 1 route cap, 2/3 comparator halves) at `offset`.
    fn timer_register(&self, offset: u32) -> Option<(usize, u32)> {
        let relative = offset.checked_sub(reg::timer_config(0))?;
        let timer = (relative / 0x20) as usize;
        let word = (relative % 0x20) / 4;
        (timer < usize::from(self.timer_count) && word < 4).then_some((timer, word))
    }

    fn write_timer_config(&mut self, timer: usize, value: u32) {
        let t = &mut self.timers[timer];
        let mut config = (t.config & !TIMER_WRITABLE) | (value & TIMER_WRITABLE);
        // An unsupported route does not stick: it reads back as the old one.
        let pin = (value & reg::TN_INT_ROUTE_MASK) >> reg::TN_INT_ROUTE_SHIFT;
        if t.route_cap & (1 << pin) == 0 {
            config = (config & !reg::TN_INT_ROUTE_MASK) | (t.config & reg::TN_INT_ROUTE_MASK);
        }
        // VAL_SET only matters for periodic mode and reads back as 0.
        t.config = config & !reg::TN_VAL_SET;
    }
}

fn with_low(value: u64, low: u32) -> u64 {
    (value & !u64::from(u32::MAX)) | u64::from(low)
}

fn with_high(value: u64, high: u32) -> u64 {
    (value & u64::from(u32::MAX)) | (u64::from(high) << 32)
}

impl Registers<u32> for SimHpet {
    fn read(&mut self, offset: u32) -> u32 {
        if !self.present {
            return u32::MAX;
        }
        match offset {
            reg::CAPABILITIES => self.capabilities(),
            reg::PERIOD => self.period_fs,
            reg::CONFIGURATION => self.general_config,
            reg::INTERRUPT_STATUS => self.interrupt_status,
            reg::MAIN_COUNTER | 0xf4 => {
                let step = self.ticks_per_counter_read;
                self.advance_ticks(step);
                if offset == reg::MAIN_COUNTER {
                    self.counter as u32
                } else {
                    (self.counter >> 32) as u32
                }
            }
            _ => match self.timer_register(offset) {
                Some((timer, 0)) => self.timers[timer].config,
                Some((timer, 1)) => self.timers[timer].route_cap,
                Some((timer, 2)) => self.timers[timer].comparator as u32,
                Some((timer, 3)) => (self.timers[timer].comparator >> 32) as u32,
                // Reserved and FSB route registers read as zero.
                _ => 0,
            },
        }
    }

    fn write(&mut self, offset: u32, value: u32) {
        if !self.present {
            return;
        }
        self.log_write(offset, value);
        match offset {
            reg::CONFIGURATION => self.general_config = value & (reg::CNF_ENABLE | reg::CNF_LEG_RT),
            reg::INTERRUPT_STATUS => self.interrupt_status &= !value,
            reg::MAIN_COUNTER => self.counter = with_low(self.counter, value),
            0xf4 => self.counter = with_high(self.counter, value),
            _ => match self.timer_register(offset) {
                Some((timer, 0)) => self.write_timer_config(timer, value),
                Some((timer, 2)) => {
                    let t = &mut self.timers[timer];
                    t.comparator = with_low(t.comparator, value);
                }
                Some((timer, 3)) => {
                    let t = &mut self.timers[timer];
                    t.comparator = with_high(t.comparator, value);
                }
                // Capabilities and reserved registers ignore writes.
                _ => {}
            },
        }
    }
}
