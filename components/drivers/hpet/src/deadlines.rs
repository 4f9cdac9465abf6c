//! Pending timeouts of a few clients, multiplexed onto one hardware timer.

/// [`Deadlines::set`] found every slot taken by other clients.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Full;

#[derive(Debug, Clone, Copy)]
struct Pending {
    client: u8,
    deadline_ns: u64,
}

/// Timeouts of up to N clients (a client is a small id such as a channel id), earliest first.
///
/// Equal deadlines expire in ascending client order. N is expected to be
/// small (a handful of channels), so a linear scan beats keeping a heap.
#[derive(Debug, Clone)]
pub struct Deadlines<const N: usize> {
    pending: [Pending; N],
    len: usize,
}

impl<const N: usize> Default for Deadlines<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deadlines<N> {
    pub const fn new() -> Self {
        Deadlines { pending: [Pending { client: 0, deadline_ns: 0 }; N], len: 0 }
    }

    fn position(&self, client: u8) -> Option<usize> {
        self.pending[..self.len].iter().position(|p| p.client == client)
    }

    /// Index of the entry that expires first: earliest deadline, then lowest client.
    fn earliest(&self) -> Option<usize> {
        (0..self.len).min_by_key(|&i| (self.pending[i].deadline_ns, self.pending[i].client))
    }

    /// Replaces that client's pending deadline, if any.
    pub fn set(&mut self, client: u8, deadline_ns: u64) -> Result<(), Full> {
        if let Some(i) = self.position(client) {
            self.pending[i].deadline_ns = deadline_ns;
            return Ok(());
        }
        if self.len == N {
            return Err(Full);
        }
        self.pending[self.len] = Pending { client, deadline_ns };
        self.len += 1;
        Ok(())
    }

    /// False if the client had nothing pending.
    pub fn cancel(&mut self, client: u8) -> bool {
        match self.position(client) {
            Some(i) => {
                self.remove(i);
                true
            }
            None => false,
        }
    }

    fn remove(&mut self, i: usize) {
        self.len -= 1;
        self.pending[i] = self.pending[self.len];
    }

    /// That client's pending deadline.
    pub fn get(&self, client: u8) -> Option<u64> {
        self.position(client).map(|i| self.pending[i].deadline_ns)
    }

    /// Earliest pending deadline.
    pub fn next(&self) -> Option<u64> {
        self.earliest().map(|i| self.pending[i].deadline_ns)
    }

    /// Removes and yields (via the callback) every client whose deadline is <= now, earliest first.
    pub fn expire(&mut self, now_ns: u64, mut f: impl FnMut(u8)) {
        while let Some(i) = self.earliest() {
            let due = self.pending[i];
            if due.deadline_ns > now_ns {
                break;
            }
            self.remove(i);
            f(due.client);
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
