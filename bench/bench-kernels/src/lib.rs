//! Compute kernels of the benchmarks, written once (no_std, no allocation)
//! and compiled three ways: into a native PD, into a Wasm guest (run by the
//! Wasm PD, and by Wasmtime on the host with the PD's engine settings) and
//! into the host `xtask` for the native host baseline.
//!
//! Every kernel returns a value derived from all of its output, so the
//! compiler cannot drop the work, and the three builds can be checked to
//! compute the same thing.
#![no_std]
#![forbid(unsafe_code)]

/// Bytes the byte-oriented kernels (CRC-32, FNV-1a, SHA-256) hash per run.
pub const DATA_BYTES: usize = 4096;
/// Side of the square matrices.
pub const N: usize = 64;

/// The kernels, numbered as the Wasm guest exports them (`kernel_run(id, rounds)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Crc32 = 0,
    Fnv1a = 1,
    MatMul = 2,
    Sha256 = 3,
}

impl Kernel {
    pub const ALL: [Kernel; 4] = [Kernel::Crc32, Kernel::Fnv1a, Kernel::MatMul, Kernel::Sha256];

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Crc32 => "crc32",
            Kernel::Fnv1a => "fnv1a",
            Kernel::MatMul => "matmul64",
            Kernel::Sha256 => "sha256",
        }
    }

    pub fn from_id(id: u32) -> Option<Kernel> {
        Kernel::ALL.get(id as usize).copied()
    }

    /// What one round processes, for people.
    pub fn work(self) -> &'static str {
        match self {
            Kernel::Crc32 | Kernel::Fnv1a | Kernel::Sha256 => "4 KiB",
            Kernel::MatMul => "64x64 u32",
        }
    }
}

/// Inputs and outputs of the kernels (about 52 KiB: put it on a heap or in a static).
pub struct Workload {
    data: [u8; DATA_BYTES],
    a: [u32; N * N],
    b: [u32; N * N],
    c: [u32; N * N],
}

impl Workload {
    /// The same deterministic inputs everywhere.
    pub const fn new() -> Workload {
        let mut w = Workload { data: [0; DATA_BYTES], a: [0; N * N], b: [0; N * N], c: [0; N * N] };
        let mut state: u32 = 0x1234_5678;
        let mut i = 0;
        while i < DATA_BYTES {
            state = xorshift(state);
            w.data[i] = state as u8;
            i += 1;
        }
        let mut i = 0;
        while i < N * N {
            state = xorshift(state);
            w.a[i] = state & 0xffff;
            state = xorshift(state);
            w.b[i] = state & 0xffff;
            i += 1;
        }
        w
    }

    /// Runs `kernel` `rounds` times; returns a digest of the results.
    pub fn run(&mut self, kernel: Kernel, rounds: u32) -> u64 {
        let mut digest = 0u64;
        for round in 0..rounds {
            // Vary one input byte per round so no round can be skipped.
            self.data[0] = round as u8;
            let value = match kernel {
                Kernel::Crc32 => crc32(&self.data) as u64,
                Kernel::Fnv1a => fnv1a(&self.data),
                Kernel::MatMul => {
                    self.a[0] = round;
                    matmul(&self.a, &self.b, &mut self.c);
                    self.c.iter().fold(0u64, |h, &x| h.rotate_left(5) ^ x as u64)
                }
                Kernel::Sha256 => {
                    let h = sha256(&self.data);
                    u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]])
                }
            };
            digest = digest.rotate_left(7) ^ value;
        }
        digest
    }
}

impl Default for Workload {
    fn default() -> Self {
        Workload::new()
    }
}

const fn xorshift(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, reflected), table driven.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc = CRC_TABLE[((crc ^ byte as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// 64-bit FNV-1a.
pub fn fnv1a(data: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &byte in data {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// c = a × b for row-major N×N matrices (wrapping u32 arithmetic).
pub fn matmul(a: &[u32; N * N], b: &[u32; N * N], c: &mut [u32; N * N]) {
    for i in 0..N {
        let row = &mut c[i * N..(i + 1) * N];
        row.fill(0);
        for k in 0..N {
            let aik = a[i * N + k];
            let brow = &b[k * N..(k + 1) * N];
            for j in 0..N {
                row[j] = row[j].wrapping_add(aik.wrapping_mul(brow[j]));
            }
        }
    }
}

const K256: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

fn sha256_block(state: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (i, word) in block.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for i in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(K256[i]).wrapping_add(w[i]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// SHA-256 of `data` (FIPS 180-4).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        sha256_block(&mut state, block);
    }
    let rest = blocks.remainder();
    let mut last = [0u8; 128];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] = 0x80;
    let tail = if rest.len() < 56 { 64 } else { 128 };
    last[tail - 8..tail].copy_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in last[..tail].chunks_exact(64) {
        sha256_block(&mut state, block);
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let h = sha256(b"abc");
        assert_eq!(&h[..4], &[0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(&h[28..], &[0xf2, 0x00, 0x15, 0xad]);
    }

    #[test]
    fn matmul_identity() {
        let mut a = [0u32; N * N];
        let mut id = [0u32; N * N];
        for (i, a) in a.iter_mut().enumerate() {
            *a = i as u32;
        }
        for i in 0..N {
            id[i * N + i] = 1;
        }
        let mut c = [0u32; N * N];
        matmul(&a, &id, &mut c);
        assert_eq!(a, c);
    }

    #[test]
    fn workload_is_deterministic() {
        let mut w1 = Workload::new();
        let mut w2 = Workload::new();
        for k in Kernel::ALL {
            assert_eq!(w1.run(k, 2), w2.run(k, 2));
        }
    }
}
