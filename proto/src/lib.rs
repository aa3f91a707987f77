//! shoal-proto: the RESP2/RESP3 codec of Shoal.
//!
//! Pure code: no I/O, no runtime, no command names. The engine feeds it bytes and handler
//! results; it hands back requests and reply bytes.
//!
//! - [`limits`]: every bound the codec enforces, with Redis 7.0's defaults.
//! - [`error`]: [`ProtoError`], the malformed-request errors with Redis's exact wording.
//! - [`request`]: [`RequestParser`], the incremental multibulk and inline request parser.
//! - [`reply`]: [`ReplyWriter`], semantic replies encoded for RESP2 or RESP3, and
//!   [`format_double_g17`], C's `%.17g`.
//! - [`frame`]: [`decode_frame`], a reply decoder for tests, fuzzing and clients.

// Tests call libc's snprintf to check the double formatting; the library itself needs no unsafe.
#![cfg_attr(not(test), forbid(unsafe_code))]
#![warn(missing_docs)]

pub mod error;
pub mod frame;
pub mod limits;
pub mod reply;
pub mod request;

pub use error::ProtoError;
pub use frame::{decode_frame, Frame, FrameError};
pub use limits::Limits;
pub use reply::{format_double_g17, FormattedDouble, Protocol, ReplyWriter};
pub use request::RequestParser;
