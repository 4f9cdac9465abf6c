//! The control channel (`system_manifest::control`): a component granted
//! `control` (a shell) asks the supervisor about components, restarts,
//! starts and stops them, each verb only on the components its grant names.
//!
//! Replies are sent with the implicit reply capability of the last receive,
//! before any restart, so a shell may restart itself.

use alloc::string::String;
use core::fmt::Write;

use sel4_root_task::sel4::{self, MessageInfo, Word};
use system_manifest::control::{self, info_reply, reply, request, state};
use system_manifest::stats::CHANNEL_SLOTS;
use system_manifest::{ArchivedChannelKindInfo, ArchivedComponentConfig};

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

/// Serves one control request from component `caller`. Every request is
/// checked against the caller's grant (`system_manifest::ControlGrant`);
/// every restart, start and stop is logged with who asked.
pub fn serve(system: &mut System, caller: usize, info: MessageInfo) {
    let label = info.label() as u64;
    let count = system.pds.len();
    let Some(grant) = system.pds[caller].manifest.control.as_ref() else {
        // No control channel was granted, so no capability to call on: a stale image.
        return answer(reply::NOT_PERMITTED, 0);
    };
    if label == request::COUNT {
        set_mr(0, count as u64);
        return answer(reply::OK, 1);
    }
    let targets = match label {
        request::INFO | request::STATS => &grant.info,
        request::RESTART => &grant.restart,
        request::START => &grant.start,
        request::STOP => &grant.stop,
        _ => {
            log::warn!(
                "control: `{}` sent an unknown request (label {label:#x})",
                system.pds[caller].name
            );
            return answer(reply::UNKNOWN_REQUEST, 0);
        }
    };
    // The target is word 0: a shorter message names no component.
    if info.length() < 1 {
        return answer(reply::BAD_REQUEST, 0);
    }
    let target = sel4::with_ipc_buffer(|b| b.msg[0]) as u64;
    let Some(target) = usize::try_from(target).ok().filter(|&t| t < count) else {
        return answer(reply::NO_SUCH_COMPONENT, 0);
    };
    if !targets.iter().any(|t| t.to_native() as usize == target) {
        if matches!(label, request::RESTART | request::START | request::STOP) {
            log::warn!(
                "control: `{}` may not {} `{}`: refused",
                system.pds[caller].name,
                verb(label),
                system.pds[target].name
            );
        }
        return answer(reply::NOT_PERMITTED, 0);
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
            set_mr(info_reply::REQUESTED_RESTARTS, pd.requested_restarts as u64);
            set_mr(info_reply::WAITS_ON, waits_on(system, target).map_or(0, |i| i as u64 + 1));
            set_mr(info_reply::NAME_LEN, pd.name.len() as u64);
            let words = info_reply::NAME + put_bytes(info_reply::NAME, pd.name.as_bytes());
            answer(reply::OK, words);
        }
        request::STATS => {
            let text = stats_text(system, target);
            let words = put_bytes(0, text.as_bytes());
            answer(reply::OK, words);
        }
        _ => change_state(system, caller, target, label),
    }
}

/// The component whose server `index` is calling and waiting on now, as
/// its runtime reports it in its counters page.
fn waits_on(system: &System, index: usize) -> Option<usize> {
    let pd = &system.pds[index];
    if pd.state != PdState::Running {
        return None;
    }
    let channel = system.stats[index].waiting_on()?;
    let this = u32::try_from(index).ok()?;
    // The callee end of the protected-call channel it calls on.
    system.image.manifest.channels.iter().find_map(|ch| {
        let (caller, callee) = (&ch.ends[0], &ch.ends[1]);
        (ch.kind == ArchivedChannelKindInfo::ProtectedCall
            && caller.0.to_native() == this
            && caller.1 == channel)
            .then_some(callee.0.to_native() as usize)
    })
}

fn verb(label: u64) -> &'static str {
    match label {
        request::RESTART => "restart",
        request::START => "start",
        _ => "stop",
    }
}

/// `RESTART`, `START` or `STOP` of `target`, granted to `caller`: checks
/// the state and the rate limit, answers, then acts (the caller may be the
/// target).
fn change_state(system: &mut System, caller: usize, target: usize, label: u64) {
    let who = system.pds[caller].name;
    let pd = &system.pds[target];
    let running = pd.state == PdState::Running;
    let state_fits = if label == request::START { !running } else { running };
    if !state_fits {
        log::warn!(
            "control: `{who}` asks to {} `{}`, which is {}: refused",
            verb(label),
            pd.name,
            if running { "running" } else { "not running" }
        );
        return answer(reply::WRONG_STATE, 0);
    }
    if label != request::STOP && !admit(system, target) {
        log::warn!(
            "control: `{who}` asks to {} `{}`: refused, more than {} in {} s",
            verb(label),
            system.pds[target].name,
            control::RESTARTS_PER_WINDOW,
            control::RATE_WINDOW_MS / 1000
        );
        return answer(reply::RATE_LIMITED, 0);
    }
    log::warn!("control: `{who}` asks to {} `{}`", verb(label), system.pds[target].name);
    answer(reply::OK, 0);
    let (pd, scratch) = (&mut system.pds[target], &mut system.scratch);
    let result = match label {
        request::RESTART => pd.restart_on_request(scratch),
        request::START => pd.start_again(scratch),
        _ => pd.stop(scratch),
    };
    if let Err(e) = result {
        log::error!("control: {} of `{}` failed: {e}; suspending it", verb(label), pd.name);
        pd.suspend();
        pd.state = PdState::Stopped;
    }
}

/// Whether one more control restart or start of `target` fits the rate
/// limit; if so, it is recorded.
fn admit(system: &mut System, target: usize) -> bool {
    let now = crate::clock::ticks();
    let window = crate::clock::ms_to_ticks(control::RATE_WINDOW_MS, system.counter_mhz as u64);
    let recent = &mut system.pds[target].recent_requests;
    // The oldest of the last few requests: a free entry (0) or one that has
    // left the window makes room.
    let oldest = recent.iter_mut().min().expect("the window holds at least one request");
    if *oldest != 0 && now.wrapping_sub(*oldest) < window {
        return false;
    }
    *oldest = now.max(1);
    true
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
