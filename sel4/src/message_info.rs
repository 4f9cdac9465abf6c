//! The message info word: label, unwrapped-caps mask, extra caps, length.

use crate::sys::constants::{seL4_MsgExtraCapBits, seL4_MsgLengthBits};
use crate::Word;

const LENGTH_BITS: u32 = seL4_MsgLengthBits as u32;
const EXTRA_CAPS_BITS: u32 = seL4_MsgExtraCapBits as u32;
/// One bit per extra cap: the most extra caps a message can carry.
const CAPS_UNWRAPPED_BITS: u32 = (1 << EXTRA_CAPS_BITS) - 1;
const LABEL_SHIFT: u32 = LENGTH_BITS + EXTRA_CAPS_BITS + CAPS_UNWRAPPED_BITS;
/// The label field ends at bit 32 (see `seL4_MessageInfo` in shared_types_64.bf).
const LABEL_BITS: u32 = 32 - LABEL_SHIFT;

const fn mask(bits: u32) -> Word {
    (1 << bits) - 1
}

#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageInfo(Word);

impl MessageInfo {
    pub const fn new(label: Word, caps_unwrapped: Word, extra_caps: Word, length: Word) -> Self {
        MessageInfo(
            ((label & mask(LABEL_BITS)) << LABEL_SHIFT)
                | ((caps_unwrapped & mask(CAPS_UNWRAPPED_BITS)) << (LENGTH_BITS + EXTRA_CAPS_BITS))
                | ((extra_caps & mask(EXTRA_CAPS_BITS)) << LENGTH_BITS)
                | (length & mask(LENGTH_BITS)),
        )
    }

    pub const fn from_word(word: Word) -> Self {
        MessageInfo(word)
    }

    pub const fn into_word(self) -> Word {
        self.0
    }

    pub const fn label(self) -> Word {
        (self.0 >> LABEL_SHIFT) & mask(LABEL_BITS)
    }

    pub const fn caps_unwrapped(self) -> Word {
        (self.0 >> (LENGTH_BITS + EXTRA_CAPS_BITS)) & mask(CAPS_UNWRAPPED_BITS)
    }

    pub const fn extra_caps(self) -> Word {
        (self.0 >> LENGTH_BITS) & mask(EXTRA_CAPS_BITS)
    }

    pub const fn length(self) -> Word {
        self.0 & mask(LENGTH_BITS)
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
        assert_eq!((info.label(), info.caps_unwrapped(), info.extra_caps(), info.length()), (0xabcde, 0b101, 3, 120));
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
