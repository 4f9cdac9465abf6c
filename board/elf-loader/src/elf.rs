//! The little of ELF64 (little endian, AArch64) the loader needs: the entry
//! point and the loadable segments.

pub const PT_LOAD: u32 = 1;
const EM_AARCH64: u16 = 183;

#[derive(Clone, Copy)]
pub struct Elf<'a> {
    data: &'a [u8],
    pub entry: u64,
    phoff: usize,
    phentsize: usize,
    phnum: usize,
}

/// One program header.
#[derive(Clone, Copy)]
pub struct Segment {
    pub kind: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

#[derive(Debug)]
pub enum ElfError {
    NotElf64,
    NotAarch64,
    Truncated,
}

fn u16_at(d: &[u8], o: usize) -> Result<u16, ElfError> {
    d.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or(ElfError::Truncated)
}

fn u32_at(d: &[u8], o: usize) -> Result<u32, ElfError> {
    d.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok_or(ElfError::Truncated)
}

fn u64_at(d: &[u8], o: usize) -> Result<u64, ElfError> {
    let lo = u32_at(d, o)? as u64;
    let hi = u32_at(d, o + 4)? as u64;
    Ok(lo | hi << 32)
}

impl<'a> Elf<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, ElfError> {
        // Magic, 64-bit class, little endian.
        if data.len() < 64 || data[..4] != *b"\x7fELF" || data[4] != 2 || data[5] != 1 {
            return Err(ElfError::NotElf64);
        }
        if u16_at(data, 18)? != EM_AARCH64 {
            return Err(ElfError::NotAarch64);
        }
        let elf = Elf {
            data,
            entry: u64_at(data, 24)?,
            phoff: u64_at(data, 32)? as usize,
            phentsize: u16_at(data, 54)? as usize,
            phnum: u16_at(data, 56)? as usize,
        };
        for s in elf.segments() {
            let s = s?;
            if s.kind == PT_LOAD && (s.offset + s.filesz) as usize > data.len() {
                return Err(ElfError::Truncated);
            }
        }
        Ok(elf)
    }

    pub fn segments(&self) -> impl Iterator<Item = Result<Segment, ElfError>> + '_ {
        (0..self.phnum).map(move |i| {
            let h = self.phoff + i * self.phentsize;
            Ok(Segment {
                kind: u32_at(self.data, h)?,
                offset: u64_at(self.data, h + 8)?,
                vaddr: u64_at(self.data, h + 16)?,
                paddr: u64_at(self.data, h + 24)?,
                filesz: u64_at(self.data, h + 32)?,
                memsz: u64_at(self.data, h + 40)?,
            })
        })
    }

    /// The loadable segments (checked in `parse`).
    pub fn loadable(&self) -> impl Iterator<Item = Segment> + '_ {
        self.segments().filter_map(Result::ok).filter(|s| s.kind == PT_LOAD)
    }

    /// The bytes of `segment` in the file.
    pub fn contents(&self, segment: &Segment) -> &'a [u8] {
        &self.data[segment.offset as usize..(segment.offset + segment.filesz) as usize]
    }
}
