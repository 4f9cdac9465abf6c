//! `cargo xtask`: the project's one entry point.
//!
//! - `setup`: installs the host packages the build needs (apt) and the Rust targets.
//! - `build`: builds a board's kernel and the root task (and, on ARM boards,
//!   the loader image that carries both: the image a real board flashes).
//! - `run`: builds, then boots the system in QEMU (boards with a `[qemu]`).
//! - `test`: host unit tests, lints, loom and a short fuzzing run, then the QEMU boot tests (and, for boards no
//!   emulator can boot, a check of their image).
//! - `fuzz`: runs the coverage-guided fuzz targets of `tests/fuzz`.
//! - `bench`: boots the benchmark systems (bench/systems/) with deterministic
//!   instruction counting and prints, writes and draws the figures.
#![forbid(unsafe_code)]

mod bench;
mod board_image;
mod boot_tests;
mod fuzz;
mod image;
mod lint;
mod packages;
mod setup;
mod system;
mod wasm;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run and test sel4-wasm")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the host packages (Debian) and Rust targets the build needs.
    Setup {
        /// Print what would be installed without installing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Build the kernel and the root task for a board (on ARM boards also the
    /// loader image carrying both; for a real board, the image to flash).
    Build(BuildArgs),
    /// Build and boot the system in QEMU; exits 0 when the system ends successfully.
    Run {
        #[command(flatten)]
        build: BuildArgs,
        /// Hard limit on the whole QEMU run, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Check formatting and run clippy (warnings are errors) for every
    /// target the build uses: host, Wasm and each emulated board's.
    Lint {
        /// Only this board's target (default: every board `test` boots).
        #[arg(long)]
        board: Option<String>,
    },
    /// Run the host tests, the lints, loom and a short fuzzing run, then
    /// the QEMU boot tests.
    Test {
        /// Only the host tests.
        #[arg(long, conflicts_with = "qemu_only")]
        host_only: bool,
        /// Only the QEMU boot tests.
        #[arg(long)]
        qemu_only: bool,
        /// Boot tests of this board only (default: every board, x86_64 first;
        /// the host tests use the first).
        #[arg(long)]
        board: Option<String>,
        /// Only the QEMU boot tests whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Boot the benchmark systems (QEMU -icount), run the host comparison,
    /// print the table, write JSON (--json) and an SVG chart (--chart).
    Bench(bench::BenchArgs),
    /// Run the coverage-guided fuzz targets (tests/fuzz) for a while; exits
    /// non-zero if one crashed, printing the reproducer.
    Fuzz(fuzz::FuzzArgs),
}

#[derive(Args, Clone)]
pub struct BuildArgs {
    /// Board folder under board/.
    #[arg(long, default_value = "qemu-x86_64")]
    pub board: String,
    /// Kernel profile of the board (see [kernel.profile.*] in its board.toml).
    #[arg(long, default_value = "debug")]
    pub kernel_profile: String,
    /// The system description to build (relative to the workspace root).
    #[arg(long, default_value = system::DEFAULT_SYSTEM)]
    pub system: PathBuf,
    /// Build the root task and components without optimisations.
    #[arg(long)]
    pub debug_root_task: bool,
    /// Keep the system running after its tasks end and let QEMU read the
    /// terminal, to use the console shell (`ps`, `stats`, `restart NAME`);
    /// leave QEMU with Ctrl-a x.
    #[arg(long)]
    pub interactive: bool,
    /// Boot this root task program (PACKAGE/BIN, e.g.
    /// test-guests-aarch64/hello-root-task) instead of the system's root task.
    #[arg(long, value_name = "PACKAGE/BIN")]
    pub program: Option<String>,
}

impl BuildArgs {
    /// What `cargo xtask build --board BOARD` builds: the debug kernel (tests
    /// and benchmarks read its console), the default system, an optimised
    /// root task.
    pub fn for_board(board: &str) -> BuildArgs {
        BuildArgs {
            board: board.to_string(),
            kernel_profile: "debug".into(),
            system: system::DEFAULT_SYSTEM.into(),
            debug_root_task: false,
            interactive: false,
            program: None,
        }
    }

    /// The root task program these arguments ask for.
    pub fn program(&self) -> Result<image::Program> {
        let Some(spec) = &self.program else { return Ok(image::ROOT_TASK) };
        let Some((package, bin)) = spec.split_once('/') else {
            anyhow::bail!("--program {spec}: expected PACKAGE/BIN");
        };
        Ok(image::Program::other(package, bin))
    }
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("xtask is in tools/xtask of the workspace")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup { dry_run } => setup::run(dry_run).map(|()| true),
        Command::Build(args) => args.program().and_then(|program| image::build(&args, program)).and_then(|images| {
            println!("kernel:    {}\nroot task: {}", images.kernel.display(), images.root_task.display());
            for line in board_image::summary(&images)? {
                println!("{line}");
            }
            if images.board.qemu.is_none() {
                println!("board `{}` has no emulator here: the image above is for the hardware (docs/boards/{}.md)", images.board.name, images.board.name);
            }
            Ok(true)
        }),
        Command::Run { build, timeout } => run(&build, Duration::from_secs(timeout)),
        Command::Test { host_only, qemu_only, board, filter } => {
            let boards = board.map_or_else(boot_tests::test_boards, |b| vec![b]);
            boot_tests::run_all(!qemu_only, !host_only, &boards, filter.as_deref())
        }
        Command::Lint { board } => {
            let boards = board.map_or_else(boot_tests::test_boards, |b| vec![b]);
            crate::setup::ensure().and_then(|()| lint::run(&boards)).map(|steps| {
                for step in &steps {
                    println!("lint {} ... {}", step.name, if step.passed { "ok" } else { "FAILED" });
                }
                steps.iter().all(|s| s.passed)
            })
        }
        Command::Bench(args) => bench::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &BuildArgs, timeout: Duration) -> Result<bool> {
    // A board no emulator here can run fails before anything is built.
    let board = sel4_kernel_build::Board::load(&workspace_root().join("board"), &args.board)?;
    if board.qemu.is_none() {
        return Err(image::no_emulator(&board));
    }
    let images = image::build(args, args.program()?)?;
    let mut spec = images.run_spec(timeout, workspace_root().join("target/qemu-run.log"))?;
    spec.echo = true;
    if args.interactive {
        spec.interactive = true;
        eprintln!("interactive: type `help` at the `sel4>` prompt; leave QEMU with Ctrl-a x");
    }
    let outcome = qemu_runner::run(&spec)?;
    if outcome.passed() {
        eprintln!(
            "\nsystem ended successfully after {:.1} s (console log: {})",
            outcome.elapsed.as_secs_f64(),
            outcome.log_file.display()
        );
    } else {
        eprintln!("\n{}", outcome.report());
    }
    Ok(outcome.passed())
}
