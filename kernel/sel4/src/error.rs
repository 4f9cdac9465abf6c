//! Kernel errors returned by invocations.

use core::fmt;

use crate::sys::error as code;
use crate::Word;

pub type Result<T> = core::result::Result<T, Error>;

/// An invocation error (`seL4_Error`), numbered as the kernel numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    InvalidArgument,
    InvalidCapability,
    IllegalOperation,
    RangeError,
    AlignmentError,
    FailedLookup,
    TruncatedMessage,
    DeleteFirst,
    RevokeFirst,
    NotEnoughMemory,
    /// A code this crate does not know (a newer kernel).
    Unknown(Word),
}

impl Error {
    /// The error for a nonzero reply label; `None` for `seL4_NoError`.
    pub fn from_code(c: Word) -> Option<Error> {
        let is = |k| c == k as Word;
        Some(match () {
            _ if is(code::seL4_NoError) => return None,
            _ if is(code::seL4_InvalidArgument) => Error::InvalidArgument,
            _ if is(code::seL4_InvalidCapability) => Error::InvalidCapability,
            _ if is(code::seL4_IllegalOperation) => Error::IllegalOperation,
            _ if is(code::seL4_RangeError) => Error::RangeError,
            _ if is(code::seL4_AlignmentError) => Error::AlignmentError,
            _ if is(code::seL4_FailedLookup) => Error::FailedLookup,
            _ if is(code::seL4_TruncatedMessage) => Error::TruncatedMessage,
            _ if is(code::seL4_DeleteFirst) => Error::DeleteFirst,
            _ if is(code::seL4_RevokeFirst) => Error::RevokeFirst,
            _ if is(code::seL4_NotEnoughMemory) => Error::NotEnoughMemory,
            _ => Error::Unknown(c),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument => f.write_str("invalid argument"),
            Error::InvalidCapability => f.write_str("invalid capability"),
            Error::IllegalOperation => f.write_str("illegal operation"),
            Error::RangeError => f.write_str("argument out of range"),
            Error::AlignmentError => f.write_str("alignment error"),
            Error::FailedLookup => f.write_str("capability lookup failed"),
            Error::TruncatedMessage => f.write_str("message too short for the invocation"),
            Error::DeleteFirst => f.write_str("destination slot is not empty"),
            Error::RevokeFirst => f.write_str("object has derived capabilities (revoke first)"),
            Error::NotEnoughMemory => f.write_str("not enough untyped memory"),
            Error::Unknown(c) => write!(f, "unknown kernel error {c}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_errors() {
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::from_code(1), Some(Error::InvalidArgument));
        assert_eq!(Error::from_code(10), Some(Error::NotEnoughMemory));
        assert_eq!(Error::from_code(99), Some(Error::Unknown(99)));
    }
}
