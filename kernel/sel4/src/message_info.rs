//! The message info word: label, unwrapped-caps mask, extra caps, length.

use crate::sys::bitfield::seL4_MessageInfo as layout;
use crate::Word;

/// A field of the message-info word, as the kernel's bitfield file lays it out.
struct Field {
    shift: u32,
    width: u32,
}

impl Field {
    const fn get(&self, word: Word) -> Word {
        (word >> self.shift) & mask(self.width)
    }
    const fn put(&self, value: Word) -> Word {
        (value & mask(self.width)) << self.shift
    }
}

const LABEL: Field = Field { shift: layout::label::SHIFT, width: layout::label::WIDTH };
const CAPS_UNWRAPPED: Field =
    Field { shift: layout::capsUnwrapped::SHIFT, width: layout::capsUnwrapped::WIDTH };
const EXTRA_CAPS: Field =
    Field { shift: layout::extraCaps::SHIFT, width: layout::extraCaps::WIDTH };
const LENGTH: Field = Field { shift: layout::length::SHIFT, width: layout::length::WIDTH };

const fn mask(bits: u32) -> Word {
    (1 << bits) - 1
}

#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageInfo(Word);

impl MessageInfo {
    pub const fn new(label: Word, caps_unwrapped: Word, extra_caps: Word, length: Word) -> Self {
        MessageInfo(
            LABEL.put(label)
                | CAPS_UNWRAPPED.put(caps_unwrapped)
                | EXTRA_CAPS.put(extra_caps)
                | LENGTH.put(length),
        )
    }

    pub const fn from_word(word: Word) -> Self {
        MessageInfo(word)
    }

    pub const fn into_word(self) -> Word {
        self.0
    }

    pub const fn label(self) -> Word {
        LABEL.get(self.0)
    }

    pub const fn caps_unwrapped(self) -> Word {
        CAPS_UNWRAPPED.get(self.0)
    }

    pub const fn extra_caps(self) -> Word {
        EXTRA_CAPS.get(self.0)
    }

    pub const fn length(self) -> Word {
        LENGTH.get(self.0)
    }
}

impl core::fmt::Debug for MessageInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MessageInfo")
            .field("label", &self.label())
            .field("caps_unwrapped", &self.caps_unwrapped())
            .field("extra_caps", &self.extra_caps())
            .field("length", &self.length())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let info = MessageInfo::new(0xabcde, 0b101, 3, 120);
        assert_eq!(
            (info.label(), info.caps_unwrapped(), info.extra_caps(), info.length()),
            (0xabcde, 0b101, 3, 120)
        );
    }

    #[test]
    fn layout_matches_the_kernel_word() {
        // seL4_MessageInfo: label 31:12, capsUnwrapped 11:9, extraCaps 8:7, length 6:0.
        assert_eq!(MessageInfo::new(1, 0, 0, 0).into_word(), 1 << 12);
        assert_eq!(MessageInfo::new(0, 1, 0, 0).into_word(), 1 << 9);
        assert_eq!(MessageInfo::new(0, 0, 1, 0).into_word(), 1 << 7);
        assert_eq!(MessageInfo::new(0, 0, 0, 1).into_word(), 1);
    }

    #[test]
    fn oversized_fields_do_not_spill_into_neighbours() {
        let info = MessageInfo::new(0, 0, 0, 0xff);
        assert_eq!((info.length(), info.extra_caps()), (0x7f, 0));
    }
}
