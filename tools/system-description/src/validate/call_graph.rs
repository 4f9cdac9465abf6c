//! Cycles in the protected-call graph: a call chain that comes back to its
//! start could deadlock (every member waits for the next).

use crate::diag::{Collector, Problem};
use crate::model::{ChannelKind, Model};

use super::references::Links;
use super::{component_name, name_or_unknown};

/// Reports each cycle of protected calls once.
pub(super) fn check(m: &Model, links: &Links, c: &mut Collector) {
    // Per component: (callee, channel) of each call it makes.
    let mut calls: Vec<Vec<(usize, usize)>> = vec![Vec::new(); m.components.len()];
    for (i, (ch, joined)) in m.channels.iter().zip(&links.channels).enumerate() {
        if let (Some([a, b]), Some(ChannelKind::ProtectedCall)) =
            (joined, ch.kind.as_ref().map(|k| k.v))
        {
            calls[*a].push((*b, i));
        }
    }
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for cycle in cycles(&calls) {
        let mut key: Vec<usize> = cycle.iter().map(|&(_, ch)| ch).collect();
        key.sort_unstable();
        if !reported.contains(&key) {
            reported.push(key);
            c.push(problem(m, &cycle));
        }
    }
}

/// Every cycle a depth-first search meets, as its (component, channel
/// that leaves it) steps from where the search entered it.
fn cycles(calls: &[Vec<(usize, usize)>]) -> Vec<Vec<(usize, usize)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Unvisited,
        OnPath,
        Done,
    }
    let mut state = vec![State::Unvisited; calls.len()];
    let mut found = Vec::new();
    for start in 0..calls.len() {
        if state[start] != State::Unvisited {
            continue;
        }
        // Iterative DFS; `path` holds (node, next edge index).
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = State::OnPath;
        while let Some(top) = path.last_mut() {
            let (node, next) = *top;
            let Some(&(to, _)) = calls[node].get(next) else {
                state[node] = State::Done;
                path.pop();
                continue;
            };
            top.1 += 1;
            match state[to] {
                State::Unvisited => {
                    state[to] = State::OnPath;
                    path.push((to, 0));
                }
                State::OnPath => {
                    let pos = path.iter().position(|&(n, _)| n == to).unwrap();
                    // The edge each member of the cycle left by.
                    let cycle = path[pos..].iter().map(|&(n, e)| (n, calls[n][e - 1].1)).collect();
                    found.push(cycle);
                }
                State::Done => {}
            }
        }
    }
    found
}

/// The problem of `cycle`: its components in call order, and a label on
/// each of its channels.
fn problem(m: &Model, cycle: &[(usize, usize)]) -> Problem {
    let mut names: Vec<&str> = cycle.iter().map(|&(n, _)| component_name(m, n)).collect();
    names.push(component_name(m, cycle[0].0));
    let mut p = Problem::new(
        "call_graph_cycle",
        format!("the protected calls form a cycle: {}", names.join(" → ")),
    );
    for &(_, ch) in cycle {
        let chan = &m.channels[ch];
        p = p.label(&chan.span, format!("channel `{}`", name_or_unknown(&chan.name)));
    }
    p.help(
        "a call waits for the callee; a chain of calls that returns to its start can deadlock. \
         Replace one of these protected calls with a notification channel or a ring",
    )
}
