//! Feeds arbitrary bytes to the reply decoder and checks that it never panics, never claims more
//! bytes than it was given, and that a complete frame less its last byte is reported incomplete.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shoal_proto::decode_frame;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((_, len))) = decode_frame(data) {
        assert!(len >= 3 && len <= data.len());
        // The decoder reads the same bytes down the same path until it needs the missing one.
        if let Some(prefix) = data.get(..len - 1) {
            assert!(matches!(decode_frame(prefix), Ok(None)));
        }
    }
});
