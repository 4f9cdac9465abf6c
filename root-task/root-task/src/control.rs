//! The control channel (`system_manifest::control`): a component granted `control`
//! (a shell) asks the supervisor about components and restarts them.
//!
//! Replies are sent with the implicit reply capability of the last receive,
//! before any restart, so a shell may restart itself.

use alloc::string::String;
use core::fmt::Write;

use sel4_root_task::sel4::{self, MessageInfo, Word};
use system_manifest::control::{info_reply, reply, request, state};
use system_manifest::stats::CHANNEL_SLOTS;
use system_manifest::ArchivedComponentConfig;

use crate::pd::PdState;
use crate::system::System;

/// Most bytes of a text reply (the message registers).
const MAX_TEXT: usize = 120 * 8;

fn set_mr(i: usize, value: u64) {
    sel4::with_ipc_buffer(|b| b.msg[i] = value as Word);
}

fn answer(label: u64, words: usize) {
    sel4::reply(MessageInfo::new(label as Word, 0, 0, words));
}

/// Packs `bytes` into message registers from `first` on; the number of
/// registers used.
fn put_bytes(first: usize, bytes: &[u8]) -> usize {
    let words = bytes.len().div_ceil(8).min(120 - first);
    for i in 0..words {
        let mut word = [0u8; 8];
        let chunk = &bytes[i * 8..bytes.len().min(i * 8 + 8)];
        word[..chunk.len()].copy_from_slice(chunk);
        set_mr(first + i, u64::from_le_bytes(word));
    }
    words
}

pub fn serve(system: &mut System, caller: usize, info: MessageInfo) {
    let label = info.label() as u64;
    let target = sel4::with_ipc_buffer(|b| b.msg[0]) as usize;
    let count = system.pds.len();
    if label == request::COUNT {
        set_mr(0, count as u64);
        return answer(reply::OK, 1);
    }
    if !matches!(label, request::INFO | request::RESTART | request::STATS) {
        log::warn!(
            "control: `{}` sent an unknown request (label {label:#x})",
            system.pds[caller].name
        );
        return answer(reply::UNKNOWN_REQUEST, 0);
    }
    if target >= count {
        return answer(reply::NO_SUCH_COMPONENT, 0);
    }
    match label {
        request::INFO => {
            let pd = &system.pds[target];
            let (state, code) = match pd.state {
                PdState::Running => (state::RUNNING, 0),
                PdState::Exited(code) => (state::EXITED, code as u64),
                PdState::Stopped => (state::STOPPED, 0),
            };
            set_mr(info_reply::STATE, state);
            set_mr(info_reply::EXIT_CODE, code);
            set_mr(info_reply::RESTARTS, pd.restarts as u64);
            set_mr(info_reply::FAULTS, pd.faults as u64);
            set_mr(info_reply::NAME_LEN, pd.name.len() as u64);
            let words = info_reply::NAME + put_bytes(info_reply::NAME, pd.name.as_bytes());
            answer(reply::OK, words);
        }
        request::STATS => {
            let text = stats_text(system, target);
            let words = put_bytes(0, text.as_bytes());
            answer(reply::OK, words);
        }
        _ => {
            // RESTART: answer first; the caller may be the target.
            log::warn!(
                "control: `{}` asks to restart `{}`",
                system.pds[caller].name,
                system.pds[target].name
            );
            answer(reply::OK, 0);
            crate::supervisor::restart(&mut system.pds[target], &mut system.scratch);
        }
    }
}

/// The text of a `STATS` reply (`request::STATS`): one line per channel with
/// traffic, naming the peer, then the log counts.
fn stats_text(system: &System, index: usize) -> String {
    let pd = &system.pds[index];
    let stats = system.stats[index];
    let config =
        rkyv::access::<ArchivedComponentConfig, rkyv::rancor::Failure>(&pd.manifest.config).ok();
    let peer = |id: usize| -> &str {
        config
            .and_then(|c| c.channels.iter().find(|ch| ch.id as usize == id))
            .map_or("?", |ch| ch.peer.as_str())
    };
    let get = |a: &[core::sync::atomic::AtomicU64; CHANNEL_SLOTS], i: usize| {
        a[i].load(core::sync::atomic::Ordering::Relaxed)
    };
    let mut text = String::new();
    for id in 0..CHANNEL_SLOTS {
        let row = [
            get(&stats.calls_in, id),
            get(&stats.calls_out, id),
            get(&stats.signals_in, id),
            get(&stats.signals_out, id),
            get(&stats.ring_sent, id),
            get(&stats.ring_received, id),
        ];
        if row.iter().all(|&n| n == 0) {
            continue;
        }
        let mut line = String::new();
        let _ = writeln!(
            line,
            "  ch {id:>2} {:<12} calls in {:>6} out {:>6}  signals in {:>6} out {:>6}  ring sent {:>7} received {:>7}",
            peer(id),
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5]
        );
        if text.len() + line.len() > MAX_TEXT - 64 {
            text.push_str("  (more channels not shown)\n");
            break;
        }
        text.push_str(&line);
    }
    let lines = stats.log_lines.load(core::sync::atomic::Ordering::Relaxed);
    let dropped = stats.log_dropped.load(core::sync::atomic::Ordering::Relaxed);
    let _ = writeln!(text, "  log lines {lines}, dropped {dropped}");
    text
}
