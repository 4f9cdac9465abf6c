use hpet::{Deadlines, Full};
use proptest::prelude::*;

#[test]
fn empty() {
    let deadlines = Deadlines::<4>::new();
    assert!(deadlines.is_empty());
    assert_eq!(deadlines.len(), 0);
    assert_eq!(deadlines.next(), None);
}

#[test]
fn next_is_the_earliest_and_expire_goes_in_order() {
    let mut deadlines = Deadlines::<8>::new();
    deadlines.set(3, 300).unwrap();
    deadlines.set(1, 100).unwrap();
    deadlines.set(7, 200).unwrap();
    deadlines.set(2, 100).unwrap();
    assert_eq!(deadlines.next(), Some(100));
    let mut expired = Vec::new();
    deadlines.expire(200, |client| expired.push(client));
    assert_eq!(expired, [1, 2, 7], "ties in client order");
    assert_eq!(deadlines.next(), Some(300));
    assert_eq!(deadlines.len(), 1);
}

#[test]
fn setting_again_replaces_the_clients_deadline() {
    let mut deadlines = Deadlines::<2>::new();
    deadlines.set(5, 1_000).unwrap();
    deadlines.set(5, 10).unwrap();
    assert_eq!(deadlines.len(), 1);
    assert_eq!(deadlines.get(5), Some(10));
    deadlines.set(5, 2_000).unwrap();
    assert_eq!(deadlines.next(), Some(2_000));
    let mut expired = Vec::new();
    deadlines.expire(1_999, |client| expired.push(client));
    assert!(expired.is_empty(), "the earlier deadline was replaced, not kept");
}

#[test]
fn full_when_every_slot_is_taken() {
    let mut deadlines = Deadlines::<3>::new();
    for client in 0..3 {
        deadlines.set(client, u64::from(client)).unwrap();
    }
    assert_eq!(deadlines.set(9, 1), Err(Full));
    assert_eq!(deadlines.set(1, 50), Ok(()), "replacing needs no new slot");
    assert!(deadlines.cancel(0));
    assert!(!deadlines.cancel(0));
    assert_eq!(deadlines.set(9, 1), Ok(()));
}

#[test]
fn usable_in_a_static() {
    static DEADLINES: Deadlines<4> = Deadlines::new();
    assert!(DEADLINES.is_empty());
}

#[derive(Debug, Clone)]
enum Op {
    Set(u8, u64),
    Cancel(u8),
    Expire(u64),
}

fn op() -> impl Strategy<Value = Op> {
    // Few clients and a narrow time range, so replacements, ties and Full happen often.
    prop_oneof![
        3 => (0u8..8, 0u64..50).prop_map(|(c, d)| Op::Set(c, d)),
        1 => (0u8..8).prop_map(Op::Cancel),
        1 => (0u64..60).prop_map(Op::Expire),
    ]
}

/// The obvious model: a list of (client, deadline), sorted on expiry.
#[derive(Default)]
struct Model {
    pending: Vec<(u8, u64)>,
}

impl Model {
    fn set(&mut self, client: u8, deadline: u64, capacity: usize) -> Result<(), Full> {
        if let Some(entry) = self.pending.iter_mut().find(|(c, _)| *c == client) {
            entry.1 = deadline;
            return Ok(());
        }
        if self.pending.len() == capacity {
            return Err(Full);
        }
        self.pending.push((client, deadline));
        Ok(())
    }

    fn cancel(&mut self, client: u8) -> bool {
        let before = self.pending.len();
        self.pending.retain(|(c, _)| *c != client);
        self.pending.len() != before
    }

    fn expire(&mut self, now: u64) -> Vec<u8> {
        let mut due: Vec<(u8, u64)> =
            self.pending.iter().copied().filter(|&(_, d)| d <= now).collect();
        due.sort_by_key(|&(c, d)| (d, c));
        self.pending.retain(|&(_, d)| d > now);
        due.into_iter().map(|(c, _)| c).collect()
    }

    fn next(&self) -> Option<u64> {
        self.pending.iter().map(|&(_, d)| d).min()
    }
}

proptest! {
    #[test]
    fn behaves_like_the_model(ops in proptest::collection::vec(op(), 0..200)) {
        const CAPACITY: usize = 5;
        let mut deadlines = Deadlines::<CAPACITY>::new();
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Set(client, deadline) => {
                    prop_assert_eq!(deadlines.set(client, deadline), model.set(client, deadline, CAPACITY));
                }
                Op::Cancel(client) => prop_assert_eq!(deadlines.cancel(client), model.cancel(client)),
                Op::Expire(now) => {
                    let mut expired = Vec::new();
                    deadlines.expire(now, |client| expired.push(client));
                    prop_assert_eq!(expired, model.expire(now));
                }
            }
            prop_assert_eq!(deadlines.next(), model.next());
            prop_assert_eq!(deadlines.len(), model.pending.len());
            prop_assert_eq!(deadlines.is_empty(), model.pending.is_empty());
        }
    }
}
