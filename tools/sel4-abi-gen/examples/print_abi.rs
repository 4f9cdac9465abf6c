//! Prints the generated Rust for a kernel source tree and an `autoconf.h`:
//! `cargo run -p sel4-abi-gen --example print_abi -- <seL4 dir> <autoconf.h> [arch sel4_arch]`

use std::path::PathBuf;

use sel4_abi_gen::{generate, AbiInputs, KernelConfig};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, autoconf, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: print_abi <seL4 dir> <autoconf.h> [arch sel4_arch]");
    };
    let (arch, sel4_arch) = match rest {
        [a, s] => (a.as_str(), s.as_str()),
        _ => ("x86", "x86_64"),
    };
    let config = KernelConfig::from_autoconf(&PathBuf::from(autoconf))?;
    let abi = generate(&AbiInputs {
        source_root: &PathBuf::from(root),
        arch,
        sel4_arch,
        config: &config,
    })?;
    print!("{}", abi.to_rust(&config));
    Ok(())
}
