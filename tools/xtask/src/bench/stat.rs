//! Medians and spreads of the trials, and how the table writes numbers.

use super::log::{BootLog, Raw};

/// Median and spread of per-operation values.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    /// The median (mean of the middle two for an even count) and range; NaN if empty.
    pub fn of(mut values: Vec<f64>) -> Stat {
        values.sort_by(|a, b| a.total_cmp(b));
        let n = values.len();
        let median = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Stat {
            median,
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// The range as a percentage of the median (0 for a zero median).
    pub fn spread_percent(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / self.median * 100.0
        }
    }
}

/// A figure in guest cycles (instructions) per operation: ns are converted with the TSC rate.
pub fn per_op(raw: &Raw, tsc_mhz: u64) -> Stat {
    let scale = if raw.unit == "ns" { tsc_mhz as f64 / 1000.0 } else { 1.0 };
    Stat::of(raw.totals.iter().map(|&t| t as f64 * scale / raw.operations as f64).collect())
}

/// The figure `key` of a boot in guest cycles per operation.
pub fn cycles_per_op(log: &BootLog, key: &str) -> Option<Stat> {
    log.figures.get(key).map(|raw| per_op(raw, log.tsc_mhz))
}

/// Three significant digits or so, without a fraction once the number is large; "-" for NaN.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_odd_count_is_the_middle_value() {
        let s = Stat::of(vec![5.0, 1.0, 3.0]);
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let s = Stat::of(vec![7.0, 1.0, 3.0, 5.0]);
        assert_eq!((s.median, s.min, s.max), (4.0, 1.0, 7.0));
        assert_eq!(s.spread_percent(), 150.0);
    }

    #[test]
    fn no_values_give_nan_and_no_spread_for_a_zero_median() {
        let s = Stat::of(Vec::new());
        assert!(s.median.is_nan() && s.min.is_nan() && s.max.is_nan());
        assert_eq!(Stat::of(vec![0.0, 0.0]).spread_percent(), 0.0);
    }

    #[test]
    fn ns_figures_are_converted_to_cycles_per_operation() {
        let raw = |unit: &str| Raw { unit: unit.into(), operations: 10, totals: vec![1000, 3000] };
        assert_eq!(per_op(&raw("cycles"), 2000).median, 200.0);
        // 2000 MHz: 2 cycles per ns.
        assert_eq!(per_op(&raw("ns"), 2000).median, 400.0);
    }

    #[test]
    fn numbers_keep_about_three_digits() {
        assert_eq!(fmt_num(f64::NAN), "-");
        assert_eq!(fmt_num(1234.4), "1234");
        assert_eq!(fmt_num(12.345), "12.3");
        assert_eq!(fmt_num(1.2345), "1.23");
    }
}
