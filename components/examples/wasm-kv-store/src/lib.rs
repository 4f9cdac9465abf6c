//! A key-value store service as a Wasm component: string keys and values
//! kept in a `BTreeMap` (see `wasm_example_protocols::kv`).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use sel4_wasm_sdk::{self as sdk, Channel, Handler, Reply};
use wasm_example_protocols::kv::{self, status};

sdk::component!(init);

#[derive(Default)]
pub struct Store {
    entries: BTreeMap<String, String>,
}

fn init() -> Store {
    sdk::info!("key-value store ready (at most {} keys)", kv::MAX_ENTRIES);
    Store::default()
}

impl Store {
    fn put(&mut self, request: &[u8]) -> u64 {
        let Some((key, value)) = kv::parse_put(request) else {
            return status::BAD_REQUEST;
        };
        if let Some(old) = self.entries.get_mut(key) {
            old.clear();
            old.push_str(value);
        } else if self.entries.len() >= kv::MAX_ENTRIES {
            return status::FULL;
        } else {
            self.entries.insert(key.to_string(), value.to_string());
        }
        status::OK
    }
}

impl Handler for Store {
    fn protected(
        &mut self,
        channel: Channel,
        label: u64,
        request: &[u8],
        reply: &mut [u8],
    ) -> Reply {
        let key = kv::text(request);
        match (label, key) {
            (kv::PUT, _) => Reply::empty(self.put(request)),
            (kv::GET, Some(key)) => match self.entries.get(key) {
                Some(value) => Reply::with_bytes(status::OK, value.as_bytes(), reply),
                None => Reply::empty(status::NOT_FOUND),
            },
            (kv::DELETE, Some(key)) => match self.entries.remove(key) {
                Some(_) => Reply::empty(status::OK),
                None => Reply::empty(status::NOT_FOUND),
            },
            (kv::GET | kv::DELETE, None) => Reply::empty(status::BAD_REQUEST),
            (kv::COUNT, _) => Reply::with_u64s(status::OK, &[self.entries.len() as u64], reply),
            (other, _) => {
                sdk::warn!("unknown operation {other} on channel {}", channel.id());
                Reply::empty(status::UNKNOWN_OP)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdk::MAX_MESSAGE_BYTES;

    fn call(store: &mut Store, label: u64, request: &[u8]) -> (u64, Vec<u8>) {
        let mut reply = [0u8; MAX_MESSAGE_BYTES];
        let Reply { label, len } = store.protected(Channel::new(0), label, request, &mut reply);
        (label, reply[..len].to_vec())
    }

    fn put(store: &mut Store, key: &str, value: &str) -> u64 {
        let mut request = [0u8; MAX_MESSAGE_BYTES];
        let len = kv::put_request(key, value, &mut request).unwrap();
        call(store, kv::PUT, &request[..len]).0
    }

    #[test]
    fn put_get_delete_count() {
        sdk::mock::reset();
        let mut s = init();
        assert_eq!(put(&mut s, "alpha", "1"), status::OK);
        assert_eq!(put(&mut s, "beta", "2"), status::OK);
        assert_eq!(put(&mut s, "alpha", "uno"), status::OK, "replaces");
        assert_eq!(call(&mut s, kv::GET, b"alpha"), (status::OK, b"uno".to_vec()));
        assert_eq!(
            call(&mut s, kv::GET, b"alpha\0\0\0"),
            (status::OK, b"uno".to_vec()),
            "padded as it arrives"
        );
        assert_eq!(call(&mut s, kv::GET, b"gamma"), (status::NOT_FOUND, vec![]));
        assert_eq!(call(&mut s, kv::COUNT, b""), (status::OK, 2u64.to_le_bytes().to_vec()));
        assert_eq!(call(&mut s, kv::DELETE, b"beta").0, status::OK);
        assert_eq!(call(&mut s, kv::DELETE, b"beta").0, status::NOT_FOUND);
        assert_eq!(call(&mut s, kv::COUNT, b""), (status::OK, 1u64.to_le_bytes().to_vec()));
    }

    #[test]
    fn bad_requests_and_limits() {
        sdk::mock::reset();
        let mut s = init();
        assert_eq!(call(&mut s, kv::PUT, &[9, 0, b'x']).0, status::BAD_REQUEST);
        assert_eq!(call(&mut s, kv::GET, &[0xff]).0, status::BAD_REQUEST);
        assert_eq!(call(&mut s, kv::GET, b"a\0b").0, status::BAD_REQUEST);
        assert_eq!(call(&mut s, 42, b"").0, status::UNKNOWN_OP);
        for i in 0..kv::MAX_ENTRIES {
            assert_eq!(put(&mut s, &i.to_string(), "v"), status::OK);
        }
        assert_eq!(put(&mut s, "one more", "v"), status::FULL);
        assert_eq!(put(&mut s, "0", "replacing is fine"), status::OK);
    }
}
