//! `aot-wasm`: checks a component's `.wasm` and precompiles it to a `.cwasm`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aot_wasm::{AotError, Grants, Target};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    version,
    about = "Checks Wasm components against the host ABI and precompiles them for a board"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks IN.wasm, then compiles it to OUT.cwasm.
    Compile {
        /// The component's module.
        input: PathBuf,
        /// Where to write the precompiled module.
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        component: ComponentArgs,
        /// Target triple.
        #[arg(long, default_value = "x86_64-unknown-none")]
        target: String,
        /// A Cranelift ISA flag (e.g. has_sse42); repeat for several. Without
        /// any, the QEMU x86_64 machine's (SSE up to 4.2, POPCNT).
        #[arg(long = "flag", value_name = "FLAG")]
        flags: Vec<String>,
        /// Folder of cached artifacts.
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
    },
    /// Checks IN.wasm against the host ABI and the grants, without compiling.
    Check {
        input: PathBuf,
        #[command(flatten)]
        component: ComponentArgs,
    },
}

#[derive(clap::Args)]
struct ComponentArgs {
    /// The component's name in messages (default: the input's file stem).
    #[arg(long, value_name = "NAME")]
    component: Option<String>,
    /// A grant of the component; repeat for several.
    #[arg(long = "grant", value_enum, value_name = "GRANT")]
    grants: Vec<Grant>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Grant {
    IoPorts,
    Irqs,
    DeviceMemory,
}

impl ComponentArgs {
    fn name(&self, input: &Path) -> String {
        self.component.clone().unwrap_or_else(|| {
            input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "component".into())
        })
    }

    fn grants(&self) -> Grants {
        let mut grants = Grants::default();
        for grant in &self.grants {
            match grant {
                Grant::IoPorts => grants.io_ports = true,
                Grant::Irqs => grants.irqs = true,
                Grant::DeviceMemory => grants.device_memory = true,
            }
        }
        grants
    }
}

fn read(path: &Path) -> Result<Vec<u8>, AotError> {
    std::fs::read(path).map_err(|source| AotError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })
}

fn pages(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{min}..{max} pages"),
        None => format!("{min} pages, no maximum"),
    }
}

fn run(cli: Cli) -> Result<(), AotError> {
    match cli.command {
        Command::Compile { input, output, component, target, flags, cache } => {
            let name = component.name(&input);
            let wasm = read(&input)?;
            let target = if flags.is_empty() && target == Target::qemu_x86_64().triple {
                Target::qemu_x86_64()
            } else {
                Target { triple: target, cranelift_flags: flags }
            };
            let compiled =
                aot_wasm::precompile(&name, &wasm, &target, &component.grants(), cache.as_deref())?;
            aot_wasm::write_atomically(&output, &compiled.cwasm)?;
            println!(
                "{name}: {} -> {} ({} bytes{}; memory {}; imports {})",
                input.display(),
                output.display(),
                compiled.cwasm.len(),
                if compiled.cached { ", cached" } else { "" },
                pages(compiled.memory_min_pages, compiled.memory_max_pages),
                if compiled.imports.is_empty() {
                    "none".into()
                } else {
                    compiled.imports.join(", ")
                },
            );
        }
        Command::Check { input, component } => {
            let name = component.name(&input);
            let info = aot_wasm::check(&name, &read(&input)?, &component.grants())?;
            println!(
                "{name}: ok (memory {}; imports {}; exports {})",
                pages(info.memory_min_pages, info.memory_max_pages),
                if info.imports.is_empty() { "none".into() } else { info.imports.join(", ") },
                info.exports.join(", "),
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aot-wasm: {e}");
            ExitCode::FAILURE
        }
    }
}
