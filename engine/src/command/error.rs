//! Command errors: a small `Copy` enum whose texts are written once, here,
//! with Redis 7's exact wording.

use shoal_proto::ReplyWriter;

/// Redis 7's wrong-arity error for the command (or `parent|sub`) `name`.
/// The table answers it for arities it can express; handlers whose bound
/// it cannot (PING's at most one argument, CONFIG SET's pairs) use it too.
pub fn arity_error(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

/// An error a command answers with. The text (including its code prefix) is
/// given by [`CmdError::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdError {
    Syntax,
    WrongType,
    NotInteger,
    /// An integer that does not fit C's int (Redis's `getIntFromObject`).
    NotInt32,
    NotFloat,
    Overflow,
    NanOrInfinity,
    /// `invalid expire time in '<command>' command`.
    InvalidExpire(&'static str),
    StringTooLong,
    DbIndexOutOfRange,
    NoSuchKey,
    /// COPY or MOVE onto the same key in the same database.
    SameObject,
    OffsetOutOfRange,
    BitOffsetOutOfRange,
    /// `<option> and <option> options at the same time are not compatible`, for EXPIRE.
    NxXxGtLtIncompatible,
    GtLtNxIncompatible,
    ClientNameInvalid,
    NoSuchClient,
    /// `Protocol version is not supported`: NOPROTO for HELLO.
    NoProto,
    CountNegative,
    /// A multi-key command whose keys live on different shards, where the
    /// command cannot (yet) span shards.
    CrossSlot,
    /// Configuration parameter errors carry their own formatting and use
    /// `ReplyWriter::error` directly; this one is the fixed text.
    TimeoutNegative,
    InvalidCursor,
    ShutdownFailed,
    NoShutdownInProgress,
    HashValueNotInteger,
    HashValueNotFloat,
    /// HINCRBYFLOAT's increment itself is infinite.
    IncrementNanOrInfinity,
    /// `value is out of range` (HRANDFIELD WITHVALUES counts; negative
    /// random counts past `RANDOM_REPLY_LEN_MAX`).
    OutOfRange,
    /// A count outside -LONG_MAX..LONG_MAX (HRANDFIELD, SRANDMEMBER).
    CountOutOfLongRange,
    /// A hash or set already holds as many elements as it can index.
    CollectionFull,
    /// LSET past the list's ends.
    IndexOutOfRange,
    /// LPOS RANK 0.
    RankZero,
    /// LPOS COUNT negative or not a number.
    LposCountNegative,
    /// LPOS MAXLEN negative or not a number.
    LposMaxlenNegative,
    /// SETBIT's value is not 0 or 1.
    BitNotInteger,
    /// BITPOS's bit is a number but not 0 or 1.
    BitArgument,
    /// A BITFIELD type that is not i1..i64 or u1..u63.
    BitfieldType,
    /// BITFIELD OVERFLOW with an unknown mode.
    OverflowType,
    /// BITFIELD_RO with SET or INCRBY.
    BitfieldRoGetOnly,
    /// ZADD with both XX and NX.
    ZaddXxNx,
    /// ZADD with GT and LT, or either with NX.
    ZaddGtLtNx,
    /// ZADD INCR with more than one score-member pair.
    ZaddIncrPairs,
    /// A ZADD INCR or ZINCRBY that would make a score NaN.
    ScoreNan,
    /// A score range bound that is not a number.
    MinMaxNotFloat,
    /// A lex range bound that is not `-`, `+`, `[...` or `(...`.
    MinMaxNotLex,
    /// ZRANGE's LIMIT by rank.
    LimitNeedsScoreOrLex,
    /// ZRANGE's WITHSCORES with BYLEX.
    WithscoresWithLex,
    /// HOTKEYS START while a session runs.
    HotkeysInProgress,
    /// HOTKEYS START without `METRICS count` first.
    HotkeysMetricsRequired,
    /// HOTKEYS START METRICS count not in 1..=`HOTKEYS_METRICS_MAX`.
    HotkeysMetricsCount,
    /// HOTKEYS START METRICS naming CPU twice.
    HotkeysCpuTwice,
    /// HOTKEYS START METRICS naming NET twice.
    HotkeysNetTwice,
    /// HOTKEYS START METRICS with fewer metric words than its count.
    HotkeysMetricsMismatch,
    /// HOTKEYS START METRICS naming neither CPU nor NET.
    HotkeysNoValidMetrics,
    /// HOTKEYS START COUNT not in 1..=`HOTKEYS_COUNT_MAX`.
    HotkeysCount,
    /// HOTKEYS START DURATION not in 1..=`HOTKEYS_DURATION_S_MAX`.
    HotkeysDuration,
    /// HOTKEYS START SAMPLE not in 1..=`HOTKEYS_SAMPLE_RATIO_MAX`.
    HotkeysSample,
    /// HOTKEYS START SLOTS: Shoal answers as Redis outside cluster mode.
    HotkeysSlotsNoCluster,
    /// HOTKEYS RESET while a session runs.
    HotkeysStopFirst,
}

impl CmdError {
    /// Redis's text for this error, code first.
    pub fn text(self) -> &'static str {
        match self {
            CmdError::Syntax => "ERR syntax error",
            CmdError::WrongType => {
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            }
            CmdError::NotInteger => "ERR value is not an integer or out of range",
            CmdError::NotInt32 => {
                "ERR value is out of range, value must between -2147483648 and 2147483647"
            }
            CmdError::NotFloat => "ERR value is not a valid float",
            CmdError::Overflow => "ERR increment or decrement would overflow",
            CmdError::NanOrInfinity => "ERR increment would produce NaN or Infinity",
            CmdError::InvalidExpire(cmd) => match cmd {
                "set" => "ERR invalid expire time in 'set' command",
                "setex" => "ERR invalid expire time in 'setex' command",
                "psetex" => "ERR invalid expire time in 'psetex' command",
                "getex" => "ERR invalid expire time in 'getex' command",
                "expire" => "ERR invalid expire time in 'expire' command",
                "pexpire" => "ERR invalid expire time in 'pexpire' command",
                "expireat" => "ERR invalid expire time in 'expireat' command",
                "pexpireat" => "ERR invalid expire time in 'pexpireat' command",
                _ => "ERR invalid expire time",
            },
            CmdError::StringTooLong => {
                "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
            }
            CmdError::DbIndexOutOfRange => "ERR DB index is out of range",
            CmdError::SameObject => "ERR source and destination objects are the same",
            CmdError::NoSuchKey => "ERR no such key",
            CmdError::OffsetOutOfRange => "ERR offset is out of range",
            CmdError::BitOffsetOutOfRange => "ERR bit offset is not an integer or out of range",
            CmdError::NxXxGtLtIncompatible => {
                "ERR NX and XX, GT or LT options at the same time are not compatible"
            }
            CmdError::GtLtNxIncompatible => {
                "ERR GT and LT options at the same time are not compatible"
            }
            CmdError::ClientNameInvalid => {
                "ERR Client names cannot contain spaces, newlines or special characters."
            }
            CmdError::NoSuchClient => "ERR No such client",
            CmdError::NoProto => "NOPROTO unsupported protocol version",
            CmdError::CountNegative => "ERR value is out of range, must be positive",
            CmdError::CrossSlot => "CROSSSLOT Keys in request don't hash to the same slot",
            CmdError::TimeoutNegative => "ERR timeout is negative",
            CmdError::InvalidCursor => "ERR invalid cursor",
            CmdError::ShutdownFailed => "ERR Errors trying to SHUTDOWN. Check logs.",
            CmdError::NoShutdownInProgress => "ERR No shutdown in progress.",
            CmdError::HashValueNotInteger => "ERR hash value is not an integer",
            CmdError::HashValueNotFloat => "ERR hash value is not a float",
            CmdError::IncrementNanOrInfinity => "ERR value is NaN or Infinity",
            CmdError::OutOfRange => "ERR value is out of range",
            // Redis's text, missing "be" included.
            CmdError::CountOutOfLongRange => "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            CmdError::CollectionFull => "ERR the collection is too large to add an element",
            CmdError::IndexOutOfRange => "ERR index out of range",
            CmdError::RankZero => "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
            CmdError::LposCountNegative => "ERR COUNT can't be negative",
            CmdError::LposMaxlenNegative => "ERR MAXLEN can't be negative",
            CmdError::BitNotInteger => "ERR bit is not an integer or out of range",
            CmdError::BitArgument => "ERR The bit argument must be 1 or 0.",
            CmdError::BitfieldType => "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
            CmdError::OverflowType => "ERR Invalid OVERFLOW type specified",
            CmdError::BitfieldRoGetOnly => "ERR BITFIELD_RO only supports the GET subcommand",
            CmdError::ZaddXxNx => "ERR XX and NX options at the same time are not compatible",
            CmdError::ZaddGtLtNx => {
                "ERR GT, LT, and/or NX options at the same time are not compatible"
            }
            CmdError::ZaddIncrPairs => "ERR INCR option supports a single increment-element pair",
            CmdError::ScoreNan => "ERR resulting score is not a number (NaN)",
            CmdError::MinMaxNotFloat => "ERR min or max is not a float",
            CmdError::MinMaxNotLex => "ERR min or max not valid string range item",
            CmdError::LimitNeedsScoreOrLex => "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            CmdError::WithscoresWithLex => {
                "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
            }
            // Redis 8.6's src/hotkeys.c, word for word (limits in limits.rs).
            CmdError::HotkeysInProgress => "ERR hotkey tracking session already in progress",
            CmdError::HotkeysMetricsRequired => "ERR METRICS parameter is required",
            CmdError::HotkeysMetricsCount => "ERR METRICS count must be > 0 and <= 2",
            CmdError::HotkeysCpuTwice => "ERR METRICS CPU defined more than once!",
            CmdError::HotkeysNetTwice => "ERR METRICS NET defined more than once!",
            CmdError::HotkeysMetricsMismatch => {
                "ERR METRICS count does not match number of metric types provided"
            }
            CmdError::HotkeysNoValidMetrics => {
                "ERR METRICS no valid metrics passed. Supported: CPU|NET"
            }
            CmdError::HotkeysCount => "ERR COUNT must be between 1 and 64",
            CmdError::HotkeysDuration => "ERR DURATION must be between 1 and 1000000",
            CmdError::HotkeysSample => "ERR SAMPLE ratio must be positive",
            CmdError::HotkeysSlotsNoCluster => {
                "ERR SLOTS parameter cannot be used in non-cluster mode"
            }
            CmdError::HotkeysStopFirst => {
                "ERR hotkey tracking session in progress, stop tracking first"
            }
        }
    }

    /// Writes this error as the reply.
    pub fn reply(self, out: &mut ReplyWriter<'_>) {
        out.error(self.text().as_bytes());
    }
}

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_a_code_and_no_newline() {
        let all = [
            CmdError::Syntax,
            CmdError::WrongType,
            CmdError::NotInteger,
            CmdError::NotInt32,
            CmdError::NotFloat,
            CmdError::Overflow,
            CmdError::NanOrInfinity,
            CmdError::InvalidExpire("set"),
            CmdError::InvalidExpire("other"),
            CmdError::StringTooLong,
            CmdError::DbIndexOutOfRange,
            CmdError::NoSuchKey,
            CmdError::OffsetOutOfRange,
            CmdError::BitOffsetOutOfRange,
            CmdError::NxXxGtLtIncompatible,
            CmdError::GtLtNxIncompatible,
            CmdError::ClientNameInvalid,
            CmdError::NoSuchClient,
            CmdError::NoProto,
            CmdError::CountNegative,
            CmdError::CrossSlot,
            CmdError::TimeoutNegative,
            CmdError::InvalidCursor,
            CmdError::ShutdownFailed,
            CmdError::NoShutdownInProgress,
            CmdError::HashValueNotInteger,
            CmdError::HashValueNotFloat,
            CmdError::IncrementNanOrInfinity,
            CmdError::OutOfRange,
            CmdError::CountOutOfLongRange,
            CmdError::CollectionFull,
            CmdError::IndexOutOfRange,
            CmdError::RankZero,
            CmdError::LposCountNegative,
            CmdError::LposMaxlenNegative,
            CmdError::BitNotInteger,
            CmdError::BitArgument,
            CmdError::BitfieldType,
            CmdError::OverflowType,
            CmdError::BitfieldRoGetOnly,
            CmdError::ZaddXxNx,
            CmdError::ZaddGtLtNx,
            CmdError::ZaddIncrPairs,
            CmdError::ScoreNan,
            CmdError::MinMaxNotFloat,
            CmdError::MinMaxNotLex,
            CmdError::LimitNeedsScoreOrLex,
            CmdError::WithscoresWithLex,
            CmdError::HotkeysInProgress,
            CmdError::HotkeysMetricsRequired,
            CmdError::HotkeysMetricsCount,
            CmdError::HotkeysCpuTwice,
            CmdError::HotkeysNetTwice,
            CmdError::HotkeysMetricsMismatch,
            CmdError::HotkeysNoValidMetrics,
            CmdError::HotkeysCount,
            CmdError::HotkeysDuration,
            CmdError::HotkeysSample,
            CmdError::HotkeysSlotsNoCluster,
            CmdError::HotkeysStopFirst,
        ];
        for e in all {
            let t = e.text();
            let code = t.split(' ').next().unwrap_or("");
            assert!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{t}"
            );
            assert!(!t.contains('\r') && !t.contains('\n'));
        }
    }

    #[test]
    fn hotkeys_texts_name_the_limits() {
        use crate::limits::*;
        assert_eq!(
            CmdError::HotkeysMetricsCount.text(),
            format!("ERR METRICS count must be > 0 and <= {HOTKEYS_METRICS_MAX}")
        );
        assert_eq!(
            CmdError::HotkeysCount.text(),
            format!("ERR COUNT must be between 1 and {HOTKEYS_COUNT_MAX}")
        );
        assert_eq!(
            CmdError::HotkeysDuration.text(),
            format!("ERR DURATION must be between 1 and {HOTKEYS_DURATION_S_MAX}")
        );
    }
}
