use device_registers::Registers;
use hpet::sim::{SimHpet, LEGACY_TIMER0_PIN, QEMU_PERIOD_FS, QEMU_Q35_ROUTE_CAP};
use hpet::{reg, Error, Hpet, Route};
use proptest::prelude::*;

fn enabled_qemu_hpet() -> Hpet<SimHpet> {
    let mut hpet = Hpet::new(SimHpet::qemu()).unwrap();
    hpet.enable(Route::Legacy).unwrap();
    hpet
}

#[test]
fn capabilities_are_decoded() {
    let hpet = Hpet::new(SimHpet::qemu()).unwrap();
    assert_eq!(hpet.period_fs(), QEMU_PERIOD_FS);
    assert_eq!(hpet.timers(), 3);
    assert!(hpet.legacy_capable());
    assert!(hpet.counter_is_64bit());

    let mut sim = SimHpet::new(69_841_279, 8, 0);
    sim.set_legacy_capable(false);
    let hpet = Hpet::new(sim).unwrap();
    assert_eq!(hpet.period_fs(), 69_841_279, "14.318 MHz");
    assert_eq!(hpet.timers(), 8);
    assert!(!hpet.legacy_capable());
}

#[test]
fn absent_hpet_is_not_present() {
    assert_eq!(Hpet::new(SimHpet::absent()).err(), Some(Error::NotPresent));

    struct Zeroes;
    impl Registers<u32> for Zeroes {
        fn read(&mut self, _offset: u32) -> u32 {
            0
        }
        fn write(&mut self, _offset: u32, _value: u32) {}
    }
    assert_eq!(Hpet::new(Zeroes).err(), Some(Error::NotPresent));
}

#[test]
fn out_of_range_period_is_refused() {
    for femtoseconds in [0, reg::MAX_PERIOD_FS + 1, u32::MAX] {
        let result = Hpet::new(SimHpet::new(femtoseconds, 3, 1 << 2));
        assert_eq!(result.err(), Some(Error::BadPeriod { femtoseconds }));
    }
    assert!(Hpet::new(SimHpet::new(reg::MAX_PERIOD_FS, 3, 1 << 2)).is_ok());
    assert!(Hpet::new(SimHpet::new(1, 3, 1 << 2)).is_ok());
}

#[test]
fn enable_with_legacy_route_sets_leg_rt_and_a_quiet_one_shot_timer_0() {
    let mut hpet = enabled_qemu_hpet();
    let sim = hpet.registers();
    assert_eq!(sim.general_config(), reg::CNF_ENABLE | reg::CNF_LEG_RT);
    let timer0 = sim.timer_config(0);
    assert_eq!(timer0 & reg::TN_INT_ENB, 0, "interrupt off until armed");
    assert_eq!(timer0 & reg::TN_TYPE_PERIODIC, 0, "one-shot");
    assert_eq!(timer0 & reg::TN_INT_TYPE_LEVEL, 0, "edge-triggered");
    assert_eq!(timer0 & reg::TN_32MODE, 0, "64-bit");
    // Timer 0 was configured before the counter was enabled.
    let writes = sim.writes();
    let timer_write =
        writes.iter().position(|&(offset, _)| offset == reg::timer_config(0)).unwrap();
    let enable_write = writes.iter().position(|&(offset, _)| offset == reg::CONFIGURATION).unwrap();
    assert!(timer_write < enable_write);
}

#[test]
fn legacy_route_delivers_timer_0_to_ioapic_pin_2() {
    let mut hpet = enabled_qemu_hpet();
    hpet.arm(1_000);
    hpet.registers().advance_ns(1_000);
    assert!(hpet.registers().interrupt_fired());
    assert_eq!(hpet.registers().last_interrupt_pin(), Some(LEGACY_TIMER0_PIN));
}

#[test]
fn legacy_route_needs_leg_rt_cap() {
    let mut sim = SimHpet::qemu();
    sim.set_legacy_capable(false);
    let mut hpet = Hpet::new(sim).unwrap();
    assert_eq!(hpet.enable(Route::Legacy), Err(Error::LegacyNotSupported));
    assert_eq!(hpet.registers().general_config(), 0);
}

#[test]
fn ioapic_route_inside_the_cap_is_programmed() {
    let mut hpet = Hpet::new(SimHpet::new(QEMU_PERIOD_FS, 3, QEMU_Q35_ROUTE_CAP)).unwrap();
    hpet.enable(Route::IoApic(20)).unwrap();
    let sim = hpet.registers();
    assert_eq!(sim.general_config(), reg::CNF_ENABLE, "legacy routing off");
    assert_eq!((sim.timer_config(0) & reg::TN_INT_ROUTE_MASK) >> reg::TN_INT_ROUTE_SHIFT, 20);
    hpet.arm(50);
    hpet.registers().advance_ns(50);
    assert_eq!(hpet.registers().last_interrupt_pin(), Some(20));
}

#[test]
fn ioapic_route_outside_the_cap_is_refused() {
    let mut hpet = Hpet::new(SimHpet::qemu()).unwrap();
    for pin in [0, 3, 8, 16, 23, 31, 32, 255] {
        assert_eq!(
            hpet.enable(Route::IoApic(pin)),
            Err(Error::RouteNotAllowed { timer: 0, ioapic_pin: pin })
        );
    }
    assert_eq!(hpet.registers().general_config(), 0, "nothing enabled");
    assert_eq!(hpet.enable(Route::IoApic(2)), Ok(()));
}

#[test]
fn route_capability_checks_the_timer_index() {
    let mut hpet = Hpet::new(SimHpet::qemu()).unwrap();
    assert_eq!(hpet.route_capability(2), Ok(1 << 2));
    assert_eq!(hpet.route_capability(3), Err(Error::NoSuchTimer { timer: 3 }));
}

#[test]
fn counter_read_is_consistent_across_a_low_half_wrap() {
    let mut hpet = enabled_qemu_hpet();
    for step in [1, 2, 3, 7] {
        let start = 0x0000_0004_ffff_fffd;
        hpet.registers().set_counter(start);
        hpet.registers().set_ticks_per_counter_read(step);
        let read = hpet.counter();
        let after = hpet.registers().counter_value();
        assert!(
            read > start && read <= after,
            "step {step}: read {read:#x}, start {start:#x}, after {after:#x}"
        );
    }
}

#[test]
fn naive_reads_of_the_two_halves_would_tear() {
    // Shows the simulator really produces the carry race the driver guards against:
    // low then high jumps ahead, high then low goes back.
    let mut sim = SimHpet::qemu();
    sim.write(reg::CONFIGURATION, reg::CNF_ENABLE);
    sim.set_counter(0x0000_0004_ffff_ffff);
    sim.set_ticks_per_counter_read(1);
    let low = sim.read(reg::MAIN_COUNTER);
    let high = sim.read(reg::MAIN_COUNTER + 4);
    assert_eq!((u64::from(high) << 32) | u64::from(low), 0x0000_0005_0000_0000);
    let mut sim = SimHpet::qemu();
    sim.write(reg::CONFIGURATION, reg::CNF_ENABLE);
    sim.set_counter(0x0000_0004_ffff_fffe);
    sim.set_ticks_per_counter_read(1);
    let high = sim.read(reg::MAIN_COUNTER + 4);
    let low = sim.read(reg::MAIN_COUNTER);
    assert_eq!((u64::from(high) << 32) | u64::from(low), 0x0000_0004_0000_0000, "torn backwards");
}

#[test]
fn counter_only_runs_while_enabled() {
    let mut hpet = Hpet::new(SimHpet::qemu()).unwrap();
    hpet.registers().advance_ns(1_000);
    assert_eq!(hpet.counter(), 0);
    hpet.enable(Route::Legacy).unwrap();
    hpet.registers().advance_ns(1_000);
    assert_eq!(hpet.counter(), 100);
    assert_eq!(hpet.now_ns(), 1_000);
    hpet.disable();
    hpet.registers().advance_ns(1_000);
    assert_eq!(hpet.now_ns(), 1_000);
}

#[test]
fn now_ns_does_not_overflow_for_centuries() {
    let hpet = Hpet::new(SimHpet::new(reg::MAX_PERIOD_FS, 3, 1 << 2)).unwrap();
    const NS_PER_YEAR: u64 = 365 * 24 * 3600 * 1_000_000_000;
    // 500 years of 10 MHz ticks.
    let ticks = 500 * NS_PER_YEAR / 100;
    assert_eq!(hpet.ticks_to_ns(ticks), 500 * NS_PER_YEAR);
    let fast = Hpet::new(SimHpet::qemu()).unwrap();
    // The full u64 range of 10 ns ticks (5,800 years) converts exactly.
    assert_eq!(fast.ticks_to_ns(u64::MAX / 10), u64::MAX / 10 * 10);
}

#[test]
fn simulated_counter_advances_by_years_without_overflow() {
    let mut hpet = enabled_qemu_hpet();
    const NS_PER_YEAR: u64 = 365 * 24 * 3600 * 1_000_000_000;
    hpet.registers().advance_ns(100 * NS_PER_YEAR);
    assert_eq!(hpet.now_ns(), 100 * NS_PER_YEAR);
    assert_eq!(hpet.counter(), 100 * NS_PER_YEAR / 10);
}

#[test]
fn conversions_saturate() {
    let slow = Hpet::new(SimHpet::new(reg::MAX_PERIOD_FS, 3, 1 << 2)).unwrap();
    assert_eq!(slow.ticks_to_ns(u64::MAX), u64::MAX);
    let fast = Hpet::new(SimHpet::new(1, 3, 1 << 2)).unwrap();
    assert_eq!(fast.ns_to_ticks(u64::MAX), u64::MAX);
}

#[test]
fn arm_rounds_up_and_never_fires_early() {
    // 14.318 MHz: a tick is not a whole number of nanoseconds.
    let mut hpet = Hpet::new(SimHpet::new(69_841_279, 3, 1 << 2)).unwrap();
    hpet.enable(Route::Legacy).unwrap();
    let deadline = 1_000;
    assert!(!hpet.arm(deadline));
    let comparator = hpet.registers().comparator(0);
    assert_eq!(comparator, hpet.ns_to_ticks(deadline));
    assert!(hpet.ticks_to_ns(comparator) >= deadline);
    assert!(hpet.ticks_to_ns(comparator - 1) < deadline);

    hpet.registers().advance_ticks(comparator - 1);
    assert!(!hpet.registers().interrupt_fired());
    assert!(hpet.now_ns() < deadline);
    hpet.registers().advance_ticks(1);
    assert!(hpet.registers().interrupt_fired());
    assert!(hpet.now_ns() >= deadline);
    assert!(hpet.interrupt_pending());
}

#[test]
fn arm_enables_the_interrupt_and_disarm_turns_it_off() {
    let mut hpet = enabled_qemu_hpet();
    hpet.arm(10_000);
    assert_ne!(hpet.registers().timer_config(0) & reg::TN_INT_ENB, 0);
    hpet.disarm();
    assert_eq!(hpet.registers().timer_config(0) & reg::TN_INT_ENB, 0);
    hpet.registers().advance_ns(20_000);
    assert!(!hpet.registers().interrupt_fired());
}

#[test]
fn arming_a_past_deadline_reports_already_passed() {
    let mut hpet = enabled_qemu_hpet();
    hpet.registers().advance_ns(5_000);
    assert!(hpet.arm(4_990));
    assert!(hpet.arm(5_000), "a deadline equal to now has passed too");
    assert!(!hpet.arm(5_010));
    // An equality-match comparator behind the counter never fires by itself.
    assert!(hpet.arm(0));
    hpet.registers().advance_ns(1_000_000);
    assert!(!hpet.registers().interrupt_fired());
}

#[test]
fn acknowledge_clears_the_status_bit() {
    let mut hpet = enabled_qemu_hpet();
    hpet.arm(100);
    hpet.registers().advance_ns(200);
    assert!(hpet.interrupt_pending());
    assert_eq!(hpet.registers().interrupt_status(), 1);
    hpet.acknowledge();
    assert!(!hpet.interrupt_pending());
    assert_eq!(hpet.registers().interrupt_status(), 0);
}

#[test]
fn counter_half_writes_and_route_refusal_in_the_simulator() {
    let mut sim = SimHpet::qemu();
    sim.write(reg::MAIN_COUNTER, 0x1234);
    sim.write(reg::MAIN_COUNTER + 4, 0x5);
    assert_eq!(sim.counter_value(), 0x5_0000_1234);
    // A route outside the cap reads back unchanged.
    sim.write(reg::timer_config(1), 7 << reg::TN_INT_ROUTE_SHIFT);
    assert_eq!(sim.read(reg::timer_config(1)) & reg::TN_INT_ROUTE_MASK, 0);
    sim.write(reg::timer_config(1), 2 << reg::TN_INT_ROUTE_SHIFT);
    assert_eq!(
        sim.read(reg::timer_config(1)) & reg::TN_INT_ROUTE_MASK,
        2 << reg::TN_INT_ROUTE_SHIFT
    );
    // Capability bits are read-only.
    sim.write(reg::timer_config(1), 0);
    assert_ne!(sim.read(reg::timer_config(1)) & reg::TN_SIZE_CAP, 0);
}

proptest! {
    #[test]
    fn ns_to_ticks_covers_the_time_and_ticks_round_trip(
        period in 1u32..=reg::MAX_PERIOD_FS,
        ns in 0u64..(1 << 62),
        ticks in 0u64..(1 << 40),
    ) {
        // Beyond this the tick count saturates (see conversions_saturate).
        prop_assume!(u128::from(ns) * 1_000_000 / u128::from(period) < u128::from(u64::MAX));
        let hpet = Hpet::new(SimHpet::new(period, 3, 1 << 2)).unwrap();
        let t = hpet.ns_to_ticks(ns);
        prop_assert!(hpet.ticks_to_ns(t) >= ns, "rounded up: never early");
        if t > 0 {
            prop_assert!(hpet.ticks_to_ns(t - 1) < ns, "smallest such tick count");
        }
        prop_assert!(hpet.ns_to_ticks(hpet.ticks_to_ns(ticks)) <= ticks);
        prop_assert!(hpet.ticks_to_ns(hpet.ns_to_ticks(hpet.ticks_to_ns(ticks))) == hpet.ticks_to_ns(ticks));
    }

    #[test]
    fn armed_deadline_fires_exactly_once_at_or_after_it(
        start_ns in 0u64..1_000_000_000,
        delay_ns in 0u64..1_000_000,
        step_ns in 1u64..10_000,
        period in 1_000_000u32..=reg::MAX_PERIOD_FS,
    ) {
        let mut hpet = Hpet::new(SimHpet::new(period, 3, 1 << 2)).unwrap();
        hpet.enable(Route::Legacy).unwrap();
        hpet.registers().advance_ns(start_ns);
        let deadline = hpet.now_ns() + delay_ns;
        if hpet.arm(deadline) {
            prop_assert!(hpet.now_ns() >= deadline);
            return Ok(());
        }
        while !hpet.registers().interrupt_fired() {
            prop_assert!(hpet.now_ns() < deadline, "fired late or not at all");
            hpet.registers().advance_ns(step_ns);
        }
        prop_assert!(hpet.now_ns() >= deadline, "fired early");
    }
}
