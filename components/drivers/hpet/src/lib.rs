//! Driver logic for the HPET (IA-PC HPET specification 1.0a).
//!
//! The driver only talks to its registers through [`Registers`] (32 bits at
//! a time at byte offsets; a 64-bit register is two halves, low first), so
//! the same code runs inside a Wasm driver component and on the host against
//! [`sim::SimHpet`]. Timer 0 is used as a one-shot deadline timer; the main
//! counter is the time base. [`Deadlines`] multiplexes that one timer
//! between several clients.

#![no_std]
#![forbid(unsafe_code)]

mod deadlines;
pub mod sim;

use device_registers::Registers;

pub use deadlines::{Deadlines, Full};

/// Register offsets and bits, shared with the simulator.
pub mod reg {
    pub const CAPABILITIES: u32 = 0x00;
    /// High half of the capabilities: COUNTER_CLK_PERIOD in femtoseconds.
    pub const PERIOD: u32 = 0x04;
    pub const CONFIGURATION: u32 = 0x10;
    pub const INTERRUPT_STATUS: u32 = 0x20;
    pub const MAIN_COUNTER: u32 = 0xf0;

    pub const CAP_REV_ID_MASK: u32 = 0xff;
    /// NUM_TIM_CAP: index of the last timer (timer count - 1).
    pub const CAP_NUM_TIM_SHIFT: u32 = 8;
    pub const CAP_NUM_TIM_MASK: u32 = 0x1f << CAP_NUM_TIM_SHIFT;
    /// COUNT_SIZE_CAP: the main counter is 64 bits wide.
    pub const CAP_COUNT_SIZE: u32 = 1 << 13;
    /// LEG_RT_CAP: legacy replacement routing is supported.
    pub const CAP_LEG_RT: u32 = 1 << 15;
    pub const CAP_VENDOR_SHIFT: u32 = 16;

    pub const CNF_ENABLE: u32 = 1 << 0;
    pub const CNF_LEG_RT: u32 = 1 << 1;

    /// Largest COUNTER_CLK_PERIOD the specification allows (100 ns).
    pub const MAX_PERIOD_FS: u32 = 100_000_000;

    pub const fn timer_config(timer: u8) -> u32 {
        0x100 + 0x20 * timer as u32
    }
    /// High half of the timer's config: Tn_INT_ROUTE_CAP.
    pub const fn timer_route_cap(timer: u8) -> u32 {
        timer_config(timer) + 4
    }
    pub const fn timer_comparator(timer: u8) -> u32 {
        0x108 + 0x20 * timer as u32
    }

    /// Level-triggered when set, edge-triggered when clear.
    pub const TN_INT_TYPE_LEVEL: u32 = 1 << 1;
    pub const TN_INT_ENB: u32 = 1 << 2;
    pub const TN_TYPE_PERIODIC: u32 = 1 << 3;
    pub const TN_PER_INT_CAP: u32 = 1 << 4;
    pub const TN_SIZE_CAP: u32 = 1 << 5;
    pub const TN_VAL_SET: u32 = 1 << 6;
    pub const TN_32MODE: u32 = 1 << 8;
    pub const TN_INT_ROUTE_SHIFT: u32 = 9;
    pub const TN_INT_ROUTE_MASK: u32 = 0x1f << TN_INT_ROUTE_SHIFT;
    pub const TN_FSB_EN: u32 = 1 << 14;
    pub const TN_FSB_INT_DEL_CAP: u32 = 1 << 15;
}

const FEMTOSECONDS_PER_NANOSECOND: u128 = 1_000_000;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Error {
    /// The capabilities register reads all-ones or zero: no HPET here.
    NotPresent,
    /// COUNTER_CLK_PERIOD is 0 or above 100 ns, which the specification forbids.
    BadPeriod {
        femtoseconds: u32,
    },
    NoSuchTimer {
        timer: u8,
    },
    /// Tn_INT_ROUTE_CAP does not list `ioapic_pin` for `timer`.
    RouteNotAllowed {
        timer: u8,
        ioapic_pin: u8,
    },
    /// [`Route::Legacy`] asked of an HPET without LEG_RT_CAP.
    LegacyNotSupported,
}

/// Where timer 0's interrupt goes.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Route {
    /// Legacy replacement: timer 0 -> IRQ0 (IOAPIC pin 2), timer 1 -> IRQ8.
    Legacy,
    /// Timer 0 -> this IOAPIC input pin (must be in Tn_INT_ROUTE_CAP).
    IoApic(u8),
}

pub struct Hpet<R: Registers<u32>> {
    regs: R,
    period_fs: u32,
    timers: u8,
    legacy_capable: bool,
    counter_64bit: bool,
}

const DEADLINE_TIMER: u8 = 0;

impl<R: Registers<u32>> Hpet<R> {
    /// Reads the capabilities; touches nothing else.
    pub fn new(mut regs: R) -> Result<Self, Error> {
        let capabilities = regs.read(reg::CAPABILITIES);
        let period_fs = regs.read(reg::PERIOD);
        let all_ones = capabilities == u32::MAX && period_fs == u32::MAX;
        let zero = capabilities == 0 && period_fs == 0;
        if all_ones || zero {
            return Err(Error::NotPresent);
        }
        if !(1..=reg::MAX_PERIOD_FS).contains(&period_fs) {
            return Err(Error::BadPeriod { femtoseconds: period_fs });
        }
        let last_timer = (capabilities & reg::CAP_NUM_TIM_MASK) >> reg::CAP_NUM_TIM_SHIFT;
        Ok(Hpet {
            regs,
            period_fs,
            timers: last_timer as u8 + 1,
            legacy_capable: capabilities & reg::CAP_LEG_RT != 0,
            counter_64bit: capabilities & reg::CAP_COUNT_SIZE != 0,
        })
    }

    /// Main counter tick length in femtoseconds.
    pub fn period_fs(&self) -> u32 {
        self.period_fs
    }

    /// How many comparators (timers) the block has.
    pub fn timers(&self) -> u8 {
        self.timers
    }

    pub fn legacy_capable(&self) -> bool {
        self.legacy_capable
    }

    /// False for an HPET whose main counter is only 32 bits wide. Deadlines
    /// assume a 64-bit counter (every HPET in QEMU and current chipsets has
    /// one); on a 32-bit counter they are good for one wrap only.
    pub fn counter_is_64bit(&self) -> bool {
        self.counter_64bit
    }

    /// IOAPIC pins `timer` may be routed to, one bit per pin (Tn_INT_ROUTE_CAP).
    pub fn route_capability(&mut self, timer: u8) -> Result<u32, Error> {
        if timer >= self.timers {
            return Err(Error::NoSuchTimer { timer });
        }
        Ok(self.regs.read(reg::timer_route_cap(timer)))
    }

    /// Starts the main counter with timer 0 routed as asked: one-shot,
    /// edge-triggered, 64-bit, its interrupt disabled until [`Self::arm`].
    pub fn enable(&mut self, route: Route) -> Result<(), Error> {
        let route_field = match route {
            Route::Legacy if !self.legacy_capable => return Err(Error::LegacyNotSupported),
            // Tn_INT_ROUTE_CNF is ignored under legacy routing.
            Route::Legacy => 0,
            Route::IoApic(pin) => {
                let allowed = self.route_capability(DEADLINE_TIMER)?;
                if pin >= 32 || allowed & (1 << pin) == 0 {
                    return Err(Error::RouteNotAllowed { timer: DEADLINE_TIMER, ioapic_pin: pin });
                }
                u32::from(pin) << reg::TN_INT_ROUTE_SHIFT
            }
        };
        // Timer 0 is set up (interrupt off) before routing or counting
        // changes, so no stale comparator match can reach the new route.
        let config_offset = reg::timer_config(DEADLINE_TIMER);
        let timer_config = self.regs.read(config_offset);
        let cleared = reg::TN_INT_TYPE_LEVEL
            | reg::TN_INT_ENB
            | reg::TN_TYPE_PERIODIC
            | reg::TN_VAL_SET
            | reg::TN_32MODE
            | reg::TN_INT_ROUTE_MASK
            | reg::TN_FSB_EN;
        self.regs.write(config_offset, (timer_config & !cleared) | route_field);
        self.acknowledge();

        let config = self.regs.read(reg::CONFIGURATION);
        let legacy = if route == Route::Legacy { reg::CNF_LEG_RT } else { 0 };
        self.regs.write(reg::CONFIGURATION, (config & !reg::CNF_LEG_RT) | legacy | reg::CNF_ENABLE);
        Ok(())
    }

    /// Stops the main counter and turns legacy routing off.
    pub fn disable(&mut self) {
        let config = self.regs.read(reg::CONFIGURATION);
        self.regs.write(reg::CONFIGURATION, config & !(reg::CNF_ENABLE | reg::CNF_LEG_RT));
    }

    /// The main counter, read consistently: the high half is read before
    /// and after the low half, and the read repeats if a carry came between.
    pub fn counter(&mut self) -> u64 {
        loop {
            let high = self.regs.read(reg::MAIN_COUNTER + 4);
            let low = self.regs.read(reg::MAIN_COUNTER);
            if self.regs.read(reg::MAIN_COUNTER + 4) == high {
                return (u64::from(high) << 32) | u64::from(low);
            }
        }
    }

    /// Nanoseconds since the counter was zero.
    pub fn now_ns(&mut self) -> u64 {
        let ticks = self.counter();
        self.ticks_to_ns(ticks)
    }

    /// Ticks covering at least `ns` (rounded up), saturating at `u64::MAX`.
    pub fn ns_to_ticks(&self, ns: u64) -> u64 {
        let fs = u128::from(ns) * FEMTOSECONDS_PER_NANOSECOND;
        saturate(fs.div_ceil(u128::from(self.period_fs)))
    }

    /// Whole nanoseconds in `ticks` (rounded down), saturating at `u64::MAX`.
    pub fn ticks_to_ns(&self, ticks: u64) -> u64 {
        saturate(u128::from(ticks) * u128::from(self.period_fs) / FEMTOSECONDS_PER_NANOSECOND)
    }

    /// Arms timer 0 to interrupt when the counter reaches `deadline_ns`
    /// (rounded up to a tick, so it never fires early).
    ///
    /// Returns `already_passed`: true if the counter had already reached the
    /// comparator once it was armed. The comparator matches on equality, so
    /// such a deadline would not interrupt until the counter wrapped: the
    /// caller must handle it now as if the interrupt had come.
    pub fn arm(&mut self, deadline_ns: u64) -> bool {
        let comparator = self.ns_to_ticks(deadline_ns);
        let config_offset = reg::timer_config(DEADLINE_TIMER);
        let config = self.regs.read(config_offset);
        // Interrupt off while the halves are written, so the half-written
        // comparator cannot match.
        self.regs.write(config_offset, config & !reg::TN_INT_ENB);
        let comparator_offset = reg::timer_comparator(DEADLINE_TIMER);
        self.regs.write(comparator_offset, comparator as u32);
        self.regs.write(comparator_offset + 4, (comparator >> 32) as u32);
        self.acknowledge();
        self.regs.write(config_offset, config | reg::TN_INT_ENB);
        self.counter() >= comparator
    }

    /// Turns timer 0's interrupt off and clears its status.
    pub fn disarm(&mut self) {
        let config_offset = reg::timer_config(DEADLINE_TIMER);
        let config = self.regs.read(config_offset);
        self.regs.write(config_offset, config & !reg::TN_INT_ENB);
        self.acknowledge();
    }

    /// Clears timer 0's status bit (write-1-to-clear). Needed for a
    /// level-triggered interrupt; harmless for edge-triggered, whose status
    /// bit real hardware may leave at 0.
    pub fn acknowledge(&mut self) {
        self.regs.write(reg::INTERRUPT_STATUS, 1 << DEADLINE_TIMER);
    }

    /// True while timer 0's status bit is set.
    pub fn interrupt_pending(&mut self) -> bool {
        self.regs.read(reg::INTERRUPT_STATUS) & (1 << DEADLINE_TIMER) != 0
    }

    pub fn registers(&mut self) -> &mut R {
        &mut self.regs
    }

    pub fn into_registers(self) -> R {
        self.regs
    }
}

fn saturate(value: u128) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}
