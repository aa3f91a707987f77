//! Bitmaps: strings addressed by bit (SETBIT, GETBIT, BITCOUNT, BITPOS,
//! BITFIELD, BITFIELD_RO). Bit 0 is the most significant bit of byte 0, as
//! in Redis. BITOP spans keys and comes with cross-shard transactions.

use super::read_entry;
use crate::command::args::parse_i64;
use crate::command::{Acl, CmdError, CommandSpec, Exec, Flags};
use crate::keyspace::{Value, ValueRef};
use crate::notify;
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// Redis's `getBitOffsetFromArgument`: a bit offset, or with `#` (BITFIELD
/// only, `bits` > 0) a multiple of the field width. Refused when negative
/// or when its byte is not below `proto-max-bulk-len`, so no write ever
/// grows a string past that (plus the field that starts there).
fn bit_offset(ctx: &ShardCtx<'_>, arg: &[u8], hash_bits: Option<u32>) -> Result<u64, CmdError> {
    let (digits, multiplier) = match (arg, hash_bits) {
        ([b'#', rest @ ..], Some(bits)) if !rest.is_empty() => (rest, i64::from(bits)),
        _ => (arg, 1),
    };
    let n = parse_i64(digits).ok_or(CmdError::BitOffsetOutOfRange)?;
    // Redis multiplies without an overflow check; its build wraps, so a
    // huge `#n` can land on a small offset, as it does here.
    let n = n.wrapping_mul(multiplier);
    let max = ctx.node.config().proto_max_bulk_len as u64;
    match u64::try_from(n) {
        Ok(offset) if (offset >> 3) < max => Ok(offset),
        _ => Err(CmdError::BitOffsetOutOfRange),
    }
}

/// The string at `key` for a bit write, zero-padded to hold bit `max_bit`
/// (Redis's `lookupStringForBitCommand`); created when missing. The flag
/// says whether it was created or grown.
fn bit_string<'a>(
    ctx: &'a mut ShardCtx<'_>,
    key: &[u8],
    max_bit: u64,
) -> Result<(&'a mut Vec<u8>, bool), CmdError> {
    // `bit_offset` bounded the byte by proto-max-bulk-len, a usize.
    let len = usize::try_from((max_bit >> 3) + 1).map_err(|_| CmdError::BitOffsetOutOfRange)?;
    let now = ctx.now_ms;
    let (entry, created) = ctx
        .db()
        .get_or_insert_with(key, now, || Value::Raw(Vec::new()));
    let Some(raw) = entry.make_raw() else {
        return Err(CmdError::WrongType);
    };
    let grown = raw.len() < len;
    if grown {
        raw.resize(len, 0);
    }
    Ok((raw, created || grown))
}

/// A string value's bytes for reading, integers formatted into `scratch`;
/// WRONGTYPE for other values.
fn string_of<'a>(value: ValueRef<'a>, scratch: &'a mut itoa::Buffer) -> Result<&'a [u8], CmdError> {
    if !value.is_string() {
        return Err(CmdError::WrongType);
    }
    Ok(value.string_bytes(scratch))
}

fn bit_at(s: &[u8], bit: u64) -> bool {
    usize::try_from(bit >> 3)
        .ok()
        .and_then(|i| s.get(i))
        .is_some_and(|b| b & (0x80 >> (bit & 7)) != 0)
}

/// SETBIT key offset value
fn setbit(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let offset = match bit_offset(ctx, &argv[2], None) {
        Ok(o) => o,
        Err(e) => return e.reply(out),
    };
    let on = match parse_i64(&argv[3]) {
        Some(v @ (0 | 1)) => v == 1,
        _ => return CmdError::BitNotInteger.reply(out),
    };
    let (raw, dirty) = match bit_string(ctx, &argv[1], offset) {
        Ok(s) => s,
        Err(e) => return e.reply(out),
    };
    // bit_string made the string long enough for this byte.
    let byte = &mut raw[(offset >> 3) as usize];
    let mask = 0x80u8 >> (offset & 7);
    let was = *byte & mask != 0;
    if on {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
    // Redis signals a change only when the bit flipped or the string was
    // created or grown.
    if dirty || was != on {
        ctx.db().touch(&argv[1]);
        ctx.notify(notify::STRING, "setbit", &argv[1]);
    }
    out.integer(i64::from(was));
}

/// GETBIT key offset
fn getbit(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let offset = match bit_offset(ctx, &argv[2], None) {
        Ok(o) => o,
        Err(e) => return e.reply(out),
    };
    let Some(e) = read_entry(ctx, &argv[1]) else {
        return out.integer(0);
    };
    let mut scratch = itoa::Buffer::new();
    match string_of(e.value(), &mut scratch) {
        Ok(s) => out.integer(i64::from(bit_at(s, offset))),
        Err(e) => e.reply(out),
    }
}

/// The inclusive bit range BITCOUNT and BITPOS look at, from Redis's rules:
/// negative bounds count from the end, both are clamped into the string,
/// and with `BYTE` (the default) they count bytes. `None` when empty.
fn bit_range(start: i64, end: i64, len: usize, bits: bool) -> Option<(u64, u64)> {
    // A string is at most proto-max-bulk-len (<= i64::MAX) bytes; its
    // length in bits fits an i64 (Redis asserts the same).
    let bytes = i64::try_from(len).ok()?;
    let total = if bits { bytes.checked_mul(8)? } else { bytes };
    let start = if start < 0 { total + start } else { start }.max(0);
    let end = if end < 0 { total + end } else { end }
        .max(0)
        .min(total - 1);
    if start > end {
        return None;
    }
    let (start, end) = (start.unsigned_abs(), end.unsigned_abs());
    Some(if bits {
        (start, end)
    } else {
        (start * 8, end * 8 + 7)
    })
}

/// `BYTE` or `BIT`, any case.
fn unit_is_bit(arg: &[u8]) -> Result<bool, CmdError> {
    if arg.eq_ignore_ascii_case(b"BIT") {
        Ok(true)
    } else if arg.eq_ignore_ascii_case(b"BYTE") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// Set bits in the inclusive bit range: whole bytes by popcount, the
/// partial ones at either edge masked.
fn count_bits(s: &[u8], first: u64, last: u64) -> u64 {
    let (first_byte, last_byte) = ((first >> 3) as usize, (last >> 3) as usize);
    let head_mask = 0xFFu8 >> (first & 7);
    let tail_mask = 0xFFu8 << (7 - (last & 7));
    if first_byte == last_byte {
        return u64::from((s[first_byte] & head_mask & tail_mask).count_ones());
    }
    let middle: u64 = s[first_byte + 1..last_byte]
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum();
    u64::from((s[first_byte] & head_mask).count_ones())
        + middle
        + u64::from((s[last_byte] & tail_mask).count_ones())
}

/// BITCOUNT key [start end [BYTE|BIT]]
///
/// Redis 7.0 looks the key up before it parses the range: a missing key
/// answers 0 whatever follows.
fn bitcount(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let Some(e) = read_entry(ctx, &argv[1]) else {
        return out.integer(0);
    };
    let mut scratch = itoa::Buffer::new();
    let s = match string_of(e.value(), &mut scratch) {
        Ok(s) => s,
        Err(e) => return e.reply(out),
    };
    let range = match argv.len() {
        2 => bit_range(0, -1, s.len(), false),
        4 | 5 => {
            let (Some(start), Some(end)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
                return CmdError::NotInteger.reply(out);
            };
            let bits = match argv.get(4).map(|u| unit_is_bit(u)) {
                None => false,
                Some(Ok(b)) => b,
                Some(Err(e)) => return e.reply(out),
            };
            if start < 0 && end < 0 && start > end {
                return out.integer(0);
            }
            bit_range(start, end, s.len(), bits)
        }
        _ => return CmdError::Syntax.reply(out),
    };
    let count = range.map_or(0, |(first, last)| count_bits(s, first, last));
    out.integer(count as i64);
}

/// The first bit equal to `bit` in the inclusive range, skipping whole
/// bytes that cannot hold it.
fn find_bit(s: &[u8], first: u64, last: u64, bit: bool) -> Option<u64> {
    let skip = if bit { 0x00 } else { 0xFF };
    let mut at = first;
    while at <= last {
        if at & 7 == 0 && at + 7 <= last && s[(at >> 3) as usize] == skip {
            at += 8;
            continue;
        }
        if bit_at(s, at) == bit {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
///
/// As Redis 7.0: the bit is checked first, then the key (missing: -1 for
/// 1, 0 for 0, whatever follows), then the range. Looking for 0 with no
/// end given, a string of ones answers the first bit past it.
fn bitpos(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let bit = match parse_i64(&argv[2]) {
        Some(b @ (0 | 1)) => b == 1,
        Some(_) => return CmdError::BitArgument.reply(out),
        None => return CmdError::NotInteger.reply(out),
    };
    let Some(e) = read_entry(ctx, &argv[1]) else {
        return out.integer(if bit { -1 } else { 0 });
    };
    let mut scratch = itoa::Buffer::new();
    let s = match string_of(e.value(), &mut scratch) {
        Ok(s) => s,
        Err(e) => return e.reply(out),
    };
    if argv.len() > 6 {
        return CmdError::Syntax.reply(out);
    }
    let mut end_given = false;
    let range = if argv.len() == 3 {
        bit_range(0, -1, s.len(), false)
    } else {
        let Some(start) = parse_i64(&argv[3]) else {
            return CmdError::NotInteger.reply(out);
        };
        let bits = match argv.get(5).map(|u| unit_is_bit(u)) {
            None => false,
            Some(Ok(b)) => b,
            Some(Err(e)) => return e.reply(out),
        };
        let end = match argv.get(4) {
            None => -1,
            Some(a) => match parse_i64(a) {
                Some(n) => {
                    end_given = true;
                    n
                }
                None => return CmdError::NotInteger.reply(out),
            },
        };
        bit_range(start, end, s.len(), bits)
    };
    let Some((first, last)) = range else {
        return out.integer(-1);
    };
    let pos = match find_bit(s, first, last, bit) {
        Some(p) => p as i64,
        None if bit || end_given => -1,
        // The string reads as followed by zeros.
        None => (last + 1) as i64,
    };
    out.integer(pos);
}

/// BITFIELD's overflow modes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FieldOp {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// One BITFIELD operation: what, on which field, under which overflow
/// mode.
#[derive(Clone, Copy, Debug)]
struct Field {
    op: FieldOp,
    signed: bool,
    bits: u32,
    offset: u64,
    overflow: Overflow,
}

/// `i1`..`i64` or `u1`..`u63` (Redis's `getBitfieldTypeFromArgument`).
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let (signed, digits) = match arg {
        [b'i', rest @ ..] => (true, rest),
        [b'u', rest @ ..] => (false, rest),
        _ => return Err(CmdError::BitfieldType),
    };
    match parse_i64(digits) {
        Some(n @ 1..=64) if signed => Ok((true, n as u32)),
        Some(n @ 1..=63) => Ok((false, n as u32)),
        _ => Err(CmdError::BitfieldType),
    }
}

/// Parses every operation, in Redis's order of checks.
fn parse_fields(ctx: &ShardCtx<'_>, argv: &[Bytes]) -> Result<Vec<Field>, CmdError> {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < argv.len() {
        let remaining = argv.len() - j - 1;
        let sub = &argv[j][..];
        let takes_value = if sub.eq_ignore_ascii_case(b"GET") && remaining >= 2 {
            false
        } else if (sub.eq_ignore_ascii_case(b"SET") || sub.eq_ignore_ascii_case(b"INCRBY"))
            && remaining >= 3
        {
            true
        } else if sub.eq_ignore_ascii_case(b"OVERFLOW") && remaining >= 1 {
            let mode = &argv[j + 1][..];
            overflow = if mode.eq_ignore_ascii_case(b"WRAP") {
                Overflow::Wrap
            } else if mode.eq_ignore_ascii_case(b"SAT") {
                Overflow::Sat
            } else if mode.eq_ignore_ascii_case(b"FAIL") {
                Overflow::Fail
            } else {
                return Err(CmdError::OverflowType);
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let (signed, bits) = field_type(&argv[j + 1])?;
        let offset = bit_offset(ctx, &argv[j + 2], Some(bits))?;
        let op = if takes_value {
            let v = parse_i64(&argv[j + 3]).ok_or(CmdError::NotInteger)?;
            if sub.eq_ignore_ascii_case(b"SET") {
                FieldOp::Set(v)
            } else {
                FieldOp::IncrBy(v)
            }
        } else {
            FieldOp::Get
        };
        fields.push(Field {
            op,
            signed,
            bits,
            offset,
            overflow,
        });
        j += if takes_value { 4 } else { 3 };
    }
    Ok(fields)
}

/// The `bits`-wide field at bit `offset`, most significant bit first;
/// bits past the end of `s` read as 0.
fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    (0..u64::from(bits)).fold(0u64, |v, j| (v << 1) | u64::from(bit_at(s, offset + j)))
}

fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits) as i64;
    if bits < 64 && v & (1i64 << (bits - 1)) != 0 {
        v | (-1i64 << bits)
    } else {
        v
    }
}

/// Writes the low `bits` of `value` at bit `offset` (inside `s`).
fn set_field(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..u64::from(bits) {
        let on = (value >> (u64::from(bits) - 1 - j)) & 1 == 1;
        let at = offset + j;
        let mask = 0x80u8 >> (at & 7);
        let byte = &mut s[(at >> 3) as usize];
        if on {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`: whether `value + incr`
/// overflows a `bits`-wide unsigned field, and what WRAP or SAT store.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, mode: Overflow) -> Option<u64> {
    let max = (1u64 << bits) - 1;
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrapped = || value.wrapping_add(incr as u64) & max;
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if mode == Overflow::Sat {
            max
        } else {
            wrapped()
        })
    } else if incr < 0 && incr < min_incr {
        Some(if mode == Overflow::Sat { 0 } else { wrapped() })
    } else {
        None
    }
}

/// Redis's `checkSignedBitfieldOverflow`, its unchecked arithmetic done
/// wrapping as its build does.
fn signed_overflow(value: i64, incr: i64, bits: u32, mode: Overflow) -> Option<i64> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                (c | mask) as i64
            } else {
                (c & !mask) as i64
            }
        } else {
            c as i64
        }
    };
    if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
    {
        Some(if mode == Overflow::Sat {
            max
        } else {
            wrapped()
        })
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(if mode == Overflow::Sat {
            min
        } else {
            wrapped()
        })
    } else {
        None
    }
}

/// Runs one SET or INCRBY on `s`: the reply value and whether the field
/// changed, or `None` when FAIL refused it.
fn write_field(s: &mut [u8], f: &Field) -> Option<(i64, bool)> {
    let (incr, v) = match f.op {
        FieldOp::IncrBy(i) => (true, i),
        FieldOp::Set(v) => (false, v),
        FieldOp::Get => return Some((read_field(s, f), false)),
    };
    let fail = f.overflow == Overflow::Fail;
    if f.signed {
        let old = get_signed(s, f.offset, f.bits);
        let (new, reply, over) = if incr {
            match signed_overflow(old, v, f.bits, f.overflow) {
                Some(w) => (w, w, true),
                None => (old.wrapping_add(v), old.wrapping_add(v), false),
            }
        } else {
            match signed_overflow(v, 0, f.bits, f.overflow) {
                Some(w) => (w, old, true),
                None => (v, old, false),
            }
        };
        if over && fail {
            return None;
        }
        set_field(s, f.offset, f.bits, new as u64);
        Some((reply, new != old))
    } else {
        let old = get_unsigned(s, f.offset, f.bits);
        let (new, reply, over) = if incr {
            match unsigned_overflow(old, v, f.bits, f.overflow) {
                Some(w) => (w, w, true),
                None => {
                    let n = old.wrapping_add(v as u64);
                    (n, n, false)
                }
            }
        } else {
            match unsigned_overflow(v as u64, 0, f.bits, f.overflow) {
                Some(w) => (w, old, true),
                None => (v as u64, old, false),
            }
        };
        if over && fail {
            return None;
        }
        set_field(s, f.offset, f.bits, new);
        // An unsigned field is at most 63 bits wide: it fits an i64.
        Some((reply as i64, new != old))
    }
}

fn read_field(s: &[u8], f: &Field) -> i64 {
    if f.signed {
        get_signed(s, f.offset, f.bits)
    } else {
        // At most 63 bits.
        get_unsigned(s, f.offset, f.bits) as i64
    }
}

/// BITFIELD and BITFIELD_RO: every operation is parsed (and checked)
/// before any runs; a write grows the string once, to its farthest field.
fn bitfield_generic(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    read_only_cmd: bool,
) {
    let fields = match parse_fields(ctx, argv) {
        Ok(f) => f,
        Err(e) => return e.reply(out),
    };
    let highest = fields
        .iter()
        .filter(|f| f.op != FieldOp::Get)
        .map(|f| f.offset + u64::from(f.bits) - 1)
        .max();
    let Some(highest) = highest else {
        // Only GETs: a read, and a missing key reads as zeros.
        let mut scratch = itoa::Buffer::new();
        let s = match read_entry(ctx, &argv[1]) {
            None => &[][..],
            Some(e) => match string_of(e.value(), &mut scratch) {
                Ok(s) => s,
                Err(e) => return e.reply(out),
            },
        };
        out.array(fields.len());
        for f in &fields {
            out.integer(read_field(s, f));
        }
        return;
    };
    if read_only_cmd {
        return CmdError::BitfieldRoGetOnly.reply(out);
    }
    let (raw, dirty) = match bit_string(ctx, &argv[1], highest) {
        Ok(s) => s,
        Err(e) => return e.reply(out),
    };
    out.array(fields.len());
    let mut changed = false;
    for f in &fields {
        match f.op {
            FieldOp::Get => out.integer(read_field(raw, f)),
            _ => match write_field(raw, f) {
                Some((v, field_changed)) => {
                    // As Redis 7.0: a write counts when the string was
                    // created or grown or the field's value changed; one
                    // FAIL refused does not.
                    changed |= dirty || field_changed;
                    out.integer(v)
                }
                None => out.null(),
            },
        }
    }
    if changed {
        ctx.db().touch(&argv[1]);
        ctx.notify(notify::STRING, "setbit", &argv[1]);
    }
}

/// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
fn bitfield(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    bitfield_generic(ctx, argv, out, false);
}

/// BITFIELD_RO key [GET type offset ...]
fn bitfield_ro(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    bitfield_generic(ctx, argv, out, true);
}

const BITMAP: Acl = Acl::BITMAP;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("setbit", 4, Exec::Shard(setbit))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .acl(BITMAP)
        .doc("bitmap", "2.2.0", "O(1)", "Sets or clears the bit at offset in the string value stored at key"),
    CommandSpec::new("getbit", 3, Exec::Shard(getbit))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(BITMAP)
        .doc("bitmap", "2.2.0", "O(1)", "Returns the bit value at offset in the string value stored at key"),
    CommandSpec::new("bitcount", -2, Exec::Shard(bitcount))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(BITMAP)
        .doc("bitmap", "2.6.0", "O(N)", "Count set bits in a string"),
    CommandSpec::new("bitpos", -3, Exec::Shard(bitpos))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(BITMAP)
        .doc("bitmap", "2.8.7", "O(N)", "Find first bit set or clear in a string"),
    CommandSpec::new("bitfield", -2, Exec::Shard(bitfield))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .acl(BITMAP)
        .doc("bitmap", "3.2.0", "O(1) for each subcommand specified", "Perform arbitrary bitfield integer operations on strings"),
    CommandSpec::new("bitfield_ro", -2, Exec::Shard(bitfield_ro))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(BITMAP)
        .doc("bitmap", "6.0.0", "O(1) for each subcommand specified", "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_and_write_most_significant_bit_first() {
        let mut s = vec![0u8; 3];
        set_field(&mut s, 3, 8, 0xAB);
        assert_eq!(s, vec![0x15, 0x60, 0]);
        assert_eq!(get_unsigned(&s, 3, 8), 0xAB);
        assert_eq!(get_signed(&s, 3, 8), 0xABu8 as i8 as i64);
        assert_eq!(get_unsigned(&s, 20, 40), 0, "past the end reads zeros");
    }

    #[test]
    fn overflow_modes_follow_redis() {
        use Overflow::*;
        assert_eq!(unsigned_overflow(250, 10, 8, Wrap), Some(4));
        assert_eq!(unsigned_overflow(250, 10, 8, Sat), Some(255));
        assert_eq!(unsigned_overflow(5, -10, 8, Sat), Some(0));
        assert_eq!(unsigned_overflow(5, -10, 8, Wrap), Some(251));
        assert_eq!(unsigned_overflow(5, 10, 8, Wrap), None);
        // SET of -1 into u8 is a value above the max: SAT stores 255.
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Sat), Some(255));
        assert_eq!(signed_overflow(120, 10, 8, Wrap), Some(-126));
        assert_eq!(signed_overflow(120, 10, 8, Sat), Some(127));
        assert_eq!(signed_overflow(-120, -10, 8, Sat), Some(-128));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Wrap), Some(i64::MIN));
        assert_eq!(signed_overflow(i64::MIN, -1, 64, Sat), Some(i64::MIN));
        assert_eq!(signed_overflow(1, -1, 64, Sat), None);
    }

    #[test]
    fn ranges_and_counts() {
        let s = b"foobar";
        assert_eq!(bit_range(0, -1, 6, false), Some((0, 47)));
        assert_eq!(count_bits(s, 0, 47), 26);
        assert_eq!(bit_range(1, 1, 6, false), Some((8, 15)));
        assert_eq!(count_bits(s, 8, 15), 6);
        assert_eq!(bit_range(5, 30, 6, true), Some((5, 30)));
        assert_eq!(count_bits(s, 5, 30), 17);
        assert_eq!(bit_range(i64::MIN, i64::MAX, 6, true), Some((0, 47)));
        assert_eq!(bit_range(0, -1, 0, false), None);
        assert_eq!(find_bit(&[0xFF, 0xF0], 0, 15, false), Some(12));
        assert_eq!(find_bit(&[0x00, 0x01], 0, 15, true), Some(15));
        assert_eq!(find_bit(&[0xFF], 0, 7, false), None);
    }
}
