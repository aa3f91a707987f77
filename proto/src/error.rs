//! Protocol errors: the ways a client request can be malformed.
//!
//! Each variant carries Redis 7.0's exact wording (`src/networking.c`, `processInlineBuffer` and
//! `processMultibulkBuffer`). The server answers `-ERR <message>\r\n` and then closes the
//! connection, because after a framing error the stream cannot be resynchronised.

use std::fmt;

/// A malformed client request. "Need more bytes" is not an error: the parser returns `Ok(None)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// The `*<n>` count is not an integer or exceeds [`Limits::multibulk_len_max`](crate::Limits).
    InvalidMultibulkLength,
    /// A `$<n>` length is not an integer, is negative, or exceeds
    /// [`Limits::bulk_len_max`](crate::Limits).
    InvalidBulkLength,
    /// An inline request line grew past [`Limits::inline_len_max`](crate::Limits) without a newline.
    TooBigInlineRequest,
    /// A `*<n>` header grew past [`Limits::inline_len_max`](crate::Limits) without a `\r`.
    TooBigMbulkCountString,
    /// A `$<n>` header grew past [`Limits::inline_len_max`](crate::Limits) without a `\r`.
    TooBigBulkCountString,
    /// A multibulk argument did not start with `$`; carries the byte found instead.
    ExpectedDollar(u8),
    /// An inline request has an unterminated quote, or a closing quote followed by something other
    /// than a space.
    UnbalancedQuotes,
    /// An unauthenticated client declared more arguments than
    /// [`Limits::unauth_multibulk_len_max`](crate::Limits).
    UnauthenticatedMultibulkLength,
    /// An unauthenticated client declared a bulk longer than
    /// [`Limits::unauth_bulk_len_max`](crate::Limits).
    UnauthenticatedBulkLength,
}

impl ProtoError {
    /// The fixed part of the message; for [`ProtoError::ExpectedDollar`] the text before the byte.
    fn text(&self) -> &'static str {
        match self {
            ProtoError::InvalidMultibulkLength => "Protocol error: invalid multibulk length",
            ProtoError::InvalidBulkLength => "Protocol error: invalid bulk length",
            ProtoError::TooBigInlineRequest => "Protocol error: too big inline request",
            ProtoError::TooBigMbulkCountString => "Protocol error: too big mbulk count string",
            ProtoError::TooBigBulkCountString => "Protocol error: too big bulk count string",
            ProtoError::ExpectedDollar(_) => "Protocol error: expected '$', got '",
            ProtoError::UnbalancedQuotes => "Protocol error: unbalanced quotes in request",
            ProtoError::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length"
            }
            ProtoError::UnauthenticatedBulkLength => "Protocol error: unauthenticated bulk length",
        }
    }

    /// The byte Redis prints for [`ProtoError::ExpectedDollar`]. Redis formats it with `%c` and
    /// then replaces `\r` and `\n` by spaces so the error line stays one line.
    fn shown_byte(byte: u8) -> u8 {
        match byte {
            b'\r' | b'\n' => b' ',
            other => other,
        }
    }

    /// Redis's message for this error, without the leading `ERR ` code.
    ///
    /// For [`ProtoError::ExpectedDollar`] with a byte above 0x7f Redis sends that raw byte, which a
    /// `String` cannot hold; this shows it as the Unicode scalar of the same value. Use
    /// [`ProtoError::message_bytes`] (or [`ReplyWriter::protocol_error`](crate::ReplyWriter::protocol_error))
    /// when the exact wire bytes matter.
    pub fn message(&self) -> String {
        let mut message = String::from(self.text());
        if let ProtoError::ExpectedDollar(byte) = *self {
            message.push(char::from(Self::shown_byte(byte)));
            message.push('\'');
        }
        message
    }

    /// Redis's message for this error as the exact bytes it sends, without the leading `ERR `.
    pub fn message_bytes(&self) -> Vec<u8> {
        let mut message = Vec::with_capacity(64);
        self.write_message(&mut message);
        message
    }

    /// Appends the exact message bytes to `out` without allocating anything else.
    pub(crate) fn write_message(&self, out: &mut impl Extend<u8>) {
        out.extend(self.text().bytes());
        if let ProtoError::ExpectedDollar(byte) = *self {
            out.extend([Self::shown_byte(byte), b'\'']);
        }
    }
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ProtoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_redis_wording() {
        let cases = [
            (
                ProtoError::InvalidMultibulkLength,
                "Protocol error: invalid multibulk length",
            ),
            (
                ProtoError::InvalidBulkLength,
                "Protocol error: invalid bulk length",
            ),
            (
                ProtoError::TooBigInlineRequest,
                "Protocol error: too big inline request",
            ),
            (
                ProtoError::TooBigMbulkCountString,
                "Protocol error: too big mbulk count string",
            ),
            (
                ProtoError::TooBigBulkCountString,
                "Protocol error: too big bulk count string",
            ),
            (
                ProtoError::ExpectedDollar(b'x'),
                "Protocol error: expected '$', got 'x'",
            ),
            (
                ProtoError::UnbalancedQuotes,
                "Protocol error: unbalanced quotes in request",
            ),
            (
                ProtoError::UnauthenticatedMultibulkLength,
                "Protocol error: unauthenticated multibulk length",
            ),
            (
                ProtoError::UnauthenticatedBulkLength,
                "Protocol error: unauthenticated bulk length",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.message(), text);
            assert_eq!(error.to_string(), text);
            assert_eq!(error.message_bytes(), text.as_bytes());
        }
    }

    #[test]
    fn expected_dollar_hides_line_breaks_as_redis_does() {
        // Observed on redis-server 7.0.15: "*1\r\n\r\n" answers "got ' '".
        assert_eq!(
            ProtoError::ExpectedDollar(b'\r').message(),
            "Protocol error: expected '$', got ' '"
        );
        assert_eq!(
            ProtoError::ExpectedDollar(b'\n').message(),
            "Protocol error: expected '$', got ' '"
        );
    }

    #[test]
    fn expected_dollar_keeps_the_raw_byte_on_the_wire() {
        let error = ProtoError::ExpectedDollar(0xff);
        assert_eq!(
            error.message_bytes(),
            b"Protocol error: expected '$', got '\xff'"
        );
        assert_eq!(
            error.message(),
            "Protocol error: expected '$', got '\u{ff}'"
        );
    }
}
