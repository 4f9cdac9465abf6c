//! The statuses of the host ABI as an error type.

use core::fmt;

use wasm_abi::status;

/// Why a host function failed (a negative status of [`wasm_abi::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The server died while handling the call, or is stopped.
    ServerDied,
    /// The component has no such channel, or cannot use it this way.
    NoSuchChannel,
    /// The component has no such ring, or is not this end of it.
    NoSuchRing,
    /// The ring has no free slot.
    RingFull,
    /// The ring has no message.
    RingEmpty,
    /// The peer broke the ring; stop using it.
    RingBroken,
    /// A message larger than the slot, the buffer or the maximum message.
    TooLarge,
    /// The IO port, IRQ or device offset is outside what was granted.
    NotGranted,
    /// The kernel refused the operation.
    KernelError,
    /// The call would block while the component serves a protected call
    /// ([`crate::wait`], [`crate::RingProducer::send_blocking`] inside
    /// [`crate::Handler::protected`]): its caller would wait on it. Nothing
    /// was done; do it from `init` or `notified` instead.
    WouldBlock,
    /// The server answered with a label the ABI cannot carry.
    BadReply,
    /// A status this SDK does not know.
    Unknown(i32),
}

/// Why a protected call failed.
pub type CallError = Error;
/// Why a ring operation failed.
pub type RingError = Error;

impl Error {
    /// The error of a negative status.
    pub fn from_status(status: i32) -> Error {
        match status {
            status::SERVER_DIED => Error::ServerDied,
            status::NO_SUCH_CHANNEL => Error::NoSuchChannel,
            status::NO_SUCH_RING => Error::NoSuchRing,
            status::RING_FULL => Error::RingFull,
            status::RING_EMPTY => Error::RingEmpty,
            status::RING_BROKEN => Error::RingBroken,
            status::TOO_LARGE => Error::TooLarge,
            status::NOT_GRANTED => Error::NotGranted,
            status::KERNEL_ERROR => Error::KernelError,
            status::WOULD_BLOCK => Error::WouldBlock,
            status::BAD_REPLY => Error::BadReply,
            other => Error::Unknown(other),
        }
    }

    /// `Ok` for [`status::OK`] (and any other non-negative status).
    pub fn check(status: i32) -> Result<(), Error> {
        if status < 0 {
            Err(Error::from_status(status))
        } else {
            Ok(())
        }
    }

    /// The status of this error.
    pub fn status(self) -> i32 {
        match self {
            Error::ServerDied => status::SERVER_DIED,
            Error::NoSuchChannel => status::NO_SUCH_CHANNEL,
            Error::NoSuchRing => status::NO_SUCH_RING,
            Error::RingFull => status::RING_FULL,
            Error::RingEmpty => status::RING_EMPTY,
            Error::RingBroken => status::RING_BROKEN,
            Error::TooLarge => status::TOO_LARGE,
            Error::NotGranted => status::NOT_GRANTED,
            Error::KernelError => status::KERNEL_ERROR,
            Error::WouldBlock => status::WOULD_BLOCK,
            Error::BadReply => status::BAD_REPLY,
            Error::Unknown(status) => status,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ServerDied => f.write_str("the server died"),
            Error::NoSuchChannel => f.write_str("no such channel"),
            Error::NoSuchRing => f.write_str("no such ring"),
            Error::RingFull => f.write_str("the ring is full"),
            Error::RingEmpty => f.write_str("the ring is empty"),
            Error::RingBroken => f.write_str("the ring is broken"),
            Error::TooLarge => f.write_str("message too large"),
            Error::NotGranted => f.write_str("not granted"),
            Error::KernelError => f.write_str("the kernel refused"),
            Error::WouldBlock => f.write_str("would block while serving a protected call"),
            Error::BadReply => f.write_str("the server's reply label does not fit the ABI"),
            Error::Unknown(status) => write!(f, "unknown status {status}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_maps_to_its_error_and_back() {
        for code in [
            status::SERVER_DIED,
            status::NO_SUCH_CHANNEL,
            status::NO_SUCH_RING,
            status::RING_FULL,
            status::RING_EMPTY,
            status::RING_BROKEN,
            status::TOO_LARGE,
            status::NOT_GRANTED,
            status::KERNEL_ERROR,
            status::WOULD_BLOCK,
            status::BAD_REPLY,
        ] {
            let error = Error::from_status(code);
            assert!(!matches!(error, Error::Unknown(_)), "{code} is known");
            assert_eq!(error.status(), code);
        }
        assert_eq!(Error::from_status(status::WOULD_BLOCK), Error::WouldBlock);
        assert_eq!(Error::from_status(-99), Error::Unknown(-99));
    }
}
