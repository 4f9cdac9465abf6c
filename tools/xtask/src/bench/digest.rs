//! The kernels' digests: the native PD, the Wasm PD and the host must
//! compute the same, or a speed comparison would compare different work.

use std::collections::BTreeMap;

use bench_kernels::{Kernel, Workload};

use super::host::HostFigure;
use super::log::BootLog;

/// Rounds of each kernel in the guests' trials (bench-components' KERNEL_ROUNDS).
const GUEST_ROUNDS: [u32; 4] = [16, 16, 2, 8];

/// Whether every digest of each kernel is the same: the guests' and, with a
/// host comparison, the host's for the guests' rounds and the host Wasm runs'.
pub fn digests_agree(main: &BootLog, host: Option<&BTreeMap<&str, HostFigure>>) -> bool {
    let mut digest_by_kernel: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (who, d) in &main.digests {
        let kernel = who.rsplit('.').next().unwrap_or("").to_string();
        digest_by_kernel.entry(kernel).or_default().push(d.clone());
    }
    if let Some(host) = host {
        // The guests' rounds, on the host (the timed host runs use more).
        let mut workload = Box::new(Workload::new());
        for kernel in Kernel::ALL {
            let digest = workload.run(kernel, GUEST_ROUNDS[kernel as usize]);
            digest_by_kernel
                .entry(kernel.name().to_string())
                .or_default()
                .push(format!("{digest:#x}"));
        }
        for (k, h) in host {
            if !h.digests_agree {
                digest_by_kernel
                    .entry(k.to_string())
                    .or_default()
                    .push("host Wasm differs from host native".into());
            }
        }
    }
    digest_by_kernel.values().all(|v| v.windows(2).all(|w| w[0] == w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::stat::Stat;

    fn log_with(digests: &[(&str, &str)]) -> BootLog {
        let digests = digests.iter().map(|(w, d)| (w.to_string(), d.to_string())).collect();
        BootLog { digests, ..Default::default() }
    }

    #[test]
    fn the_guests_digests_of_a_kernel_must_match() {
        let same =
            log_with(&[("native.crc32", "0x1"), ("wasm.crc32", "0x1"), ("wasm.sha256", "0x2")]);
        assert!(digests_agree(&same, None));
        let differ = log_with(&[("native.crc32", "0x1"), ("wasm.crc32", "0x3")]);
        assert!(!digests_agree(&differ, None));
    }

    #[test]
    fn the_host_must_compute_the_guests_digests() {
        let kernel = Kernel::Crc32;
        let rounds = GUEST_ROUNDS[kernel as usize];
        let mut workload = Box::new(Workload::new());
        let digest = format!("{:#x}", workload.run(kernel, rounds));
        let log = log_with(&[(&format!("wasm.{}", kernel.name()), &digest)]);
        let host = |agree| {
            let native_ns = Stat::of(vec![1.0]);
            let figure = HostFigure { native_ns, wasm_ns: Vec::new(), digests_agree: agree };
            BTreeMap::from([(kernel.name(), figure)])
        };
        assert!(digests_agree(&log, Some(&host(true))));
        assert!(!digests_agree(&log, Some(&host(false))));
        let wrong = log_with(&[(&format!("wasm.{}", kernel.name()), "0x0")]);
        assert!(!digests_agree(&wrong, Some(&host(true))));
    }
}
