//! Every bound the codec enforces, in one place.
//!
//! The request limits come in through [`RequestParser::new`](crate::RequestParser::new) so that the
//! server can wire them to its configuration (`proto-max-bulk-len` and friends); the defaults are
//! Redis 7.0's. The reply decoder's nesting bound is a constant because it protects the stack, not
//! a policy anybody should tune.

/// Limits applied to client requests while they are parsed.
///
/// Every check runs as soon as the header that declares a length is complete, before any byte of
/// the body is awaited, so a hostile length is refused without allocating anything for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest bulk argument, in bytes (Redis `proto-max-bulk-len`). A `$` header above it is
    /// `Protocol error: invalid bulk length`.
    pub bulk_len_max: usize,
    /// Largest argument count of a multibulk request. Redis bounds it by `INT_MAX`; above it the
    /// request is `Protocol error: invalid multibulk length`.
    pub multibulk_len_max: usize,
    /// Longest inline request line, in bytes, and the most bytes a `*` or `$` header may occupy
    /// before its `\r` arrives (Redis `PROTO_INLINE_MAX_SIZE`).
    pub inline_len_max: usize,
    /// Largest argument count accepted from a connection that has not authenticated yet.
    pub unauth_multibulk_len_max: usize,
    /// Largest bulk argument, in bytes, accepted from a connection that has not authenticated yet.
    pub unauth_bulk_len_max: usize,
}

impl Limits {
    /// Redis 7.0's `proto-max-bulk-len` default: 512 MiB.
    pub const BULK_LEN_MAX_DEFAULT: usize = 512 * 1024 * 1024;
    /// Redis bounds the multibulk count by `INT_MAX`.
    pub const MULTIBULK_LEN_MAX_DEFAULT: usize = i32::MAX as usize;
    /// Redis's `PROTO_INLINE_MAX_SIZE`: 64 KiB.
    pub const INLINE_LEN_MAX_DEFAULT: usize = 64 * 1024;
    /// Redis 7.0 lets an unauthenticated client send at most 10 arguments per request.
    pub const UNAUTH_MULTIBULK_LEN_MAX_DEFAULT: usize = 10;
    /// Redis 7.0 lets an unauthenticated client send bulk arguments of at most 16 KiB.
    pub const UNAUTH_BULK_LEN_MAX_DEFAULT: usize = 16 * 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            bulk_len_max: Self::BULK_LEN_MAX_DEFAULT,
            multibulk_len_max: Self::MULTIBULK_LEN_MAX_DEFAULT,
            inline_len_max: Self::INLINE_LEN_MAX_DEFAULT,
            unauth_multibulk_len_max: Self::UNAUTH_MULTIBULK_LEN_MAX_DEFAULT,
            unauth_bulk_len_max: Self::UNAUTH_BULK_LEN_MAX_DEFAULT,
        }
    }
}

/// How many argument slots the parser reserves ahead of the bytes that fill them. A request that
/// declares a million arguments gets this many slots up front and grows only as arguments arrive,
/// as Redis does (`argv_len = min(multibulklen, 1024)`).
pub const ARGS_RESERVE_MAX: usize = 1024;

/// After a request with more arguments than this, the parser gives back the memory of its
/// argument bookkeeping so one huge request does not pin it for the connection's lifetime.
pub const ARGS_RETAIN_MAX: usize = 4 * ARGS_RESERVE_MAX;

/// Deepest nesting of aggregates that [`decode_frame`](crate::decode_frame) accepts. The decoder
/// recurses once per level, so this bounds its stack use on hostile input; Redis itself never
/// nests replies more than a few levels deep.
pub const FRAME_DEPTH_MAX: usize = 128;

/// How many elements [`decode_frame`](crate::decode_frame) reserves ahead for an aggregate whose
/// header declares more: the declared length is not trusted until its elements arrive.
pub const FRAME_RESERVE_MAX: usize = 1024;

// The parser must be able to reserve its argument slots without exceeding what it later retains.
const _: () = assert!(ARGS_RESERVE_MAX <= ARGS_RETAIN_MAX);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_redis_7_0() {
        let limits = Limits::default();
        assert_eq!(limits.bulk_len_max, 536_870_912);
        assert_eq!(limits.multibulk_len_max, 2_147_483_647);
        assert_eq!(limits.inline_len_max, 65_536);
        assert_eq!(limits.unauth_multibulk_len_max, 10);
        assert_eq!(limits.unauth_bulk_len_max, 16_384);
    }
}
