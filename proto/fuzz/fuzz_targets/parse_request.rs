//! Feeds arbitrary bytes to the request parser in chunks and checks that it never panics and
//! never loses or invents a byte.
//!
//! The first input byte picks the chunk size, so the fuzzer explores how reads split requests;
//! the authentication flag alternates per request, as it could on a real connection.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use shoal_proto::{Limits, RequestParser};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let chunk_size = usize::from(selector % 64) + 1;
    // Small limits make the size errors reachable with short inputs.
    let limits = if selector & 0x80 == 0 {
        Limits::default()
    } else {
        Limits {
            bulk_len_max: 64,
            multibulk_len_max: 16,
            inline_len_max: 32,
            unauth_multibulk_len_max: 3,
            unauth_bulk_len_max: 8,
        }
    };
    let mut parser = RequestParser::new(limits);
    let mut buf = BytesMut::new();
    let mut consumed = 0usize;
    let mut fed = 0usize;
    let mut authenticated = false;
    let mut args = Vec::new();
    for chunk in input.chunks(chunk_size) {
        buf.extend_from_slice(chunk);
        fed += chunk.len();
        loop {
            let before = buf.len();
            args.clear();
            match parser.parse(&mut buf, authenticated, &mut args) {
                Ok(Some(argc)) => {
                    assert!(argc >= 1);
                    assert_eq!(argc, args.len());
                    consumed += before - buf.len();
                    authenticated = !authenticated;
                }
                Ok(None) => {
                    assert!(args.is_empty());
                    consumed += before - buf.len();
                    break;
                }
                Err(error) => {
                    assert!(!error.message().is_empty());
                    consumed += before - buf.len();
                    assert_eq!(consumed + buf.len(), fed);
                    return;
                }
            }
        }
        assert_eq!(consumed + buf.len(), fed);
        let _ = parser.bytes_needed_hint();
    }
    assert_eq!(consumed + buf.len(), input.len());
});
