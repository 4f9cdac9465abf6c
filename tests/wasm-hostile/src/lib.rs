//! A hostile Wasm component: its `init` picks an attack by the component's
//! name (`tests/systems/hostile-wasm.toml` boots one component per attack)
//! and prints the status codes the host answered, so the boot test can
//! check each one; attacks the host must answer with a trap end in one.
//!
//! The raw host functions are declared here with `i32` pointers, so any
//! value can be passed, as a hostile module would.
#![cfg_attr(not(test), no_std)]

use sel4_wasm_sdk::{self as sdk, Channel, Handler, Reply};

sdk::component!(init);

/// What this component does when called (the servers of the suite).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers with the request (a peer for `bad-call`).
    Echo,
    /// Calls `exit` while serving.
    ExitWhileServing,
    /// Tries `wait` and `ring_wait_space` while serving; replies their statuses.
    WaitWhileServing,
    /// Loops for ever while serving.
    SpinWhileServing,
}

pub struct Hostile {
    mode: Mode,
}

#[cfg(target_arch = "wasm32")]
mod attacks;

fn init() -> Hostile {
    let mut buffer = [0u8; sdk::NAME_BYTES];
    let name = sdk::name(&mut buffer);
    let mode = match name {
        "echo-server" => Mode::Echo,
        "exit-server" => Mode::ExitWhileServing,
        "wait-server" => Mode::WaitWhileServing,
        "spin-server" => Mode::SpinWhileServing,
        _ => {
            // An attack that neither traps nor exits has shown what it
            // shows: it ends, so the system's tasks can all end.
            run_attack(name);
            sdk::info!("{name}: done");
            sdk::exit(0)
        }
    };
    sdk::info!("{name}: ready");
    Hostile { mode }
}

#[cfg(target_arch = "wasm32")]
fn run_attack(name: &str) {
    attacks::run(name)
}

#[cfg(not(target_arch = "wasm32"))]
fn run_attack(name: &str) {
    unreachable!("attack `{name}` is only meaningful on wasm32")
}

impl Handler for Hostile {
    fn protected(&mut self, _: Channel, _label: u64, request: &[u8], reply: &mut [u8]) -> Reply {
        match self.mode {
            Mode::Echo => Reply::with_bytes(0, request, reply),
            Mode::ExitWhileServing => sdk::exit(7),
            Mode::WaitWhileServing => {
                let waited = sdk::wait(Channel::new(1)).err().map_or(0, sdk::Error::status);
                let mut ring = sdk::RingProducer::open("wait-ring");
                // Fill the ring so that a blocking send would have to wait.
                while ring.send(b"x").is_ok() {}
                let spaced = ring.send_blocking(b"x").err().map_or(0, sdk::Error::status);
                let mut words = [0u8; 8];
                words[..4].copy_from_slice(&waited.to_le_bytes());
                words[4..].copy_from_slice(&spaced.to_le_bytes());
                Reply::with_bytes(0, &words, reply)
            }
            #[allow(clippy::empty_loop)]
            Mode::SpinWhileServing => loop {},
        }
    }
}
