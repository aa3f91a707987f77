//! Hash slots: how a key maps to one of Redis Cluster's 16384 slots.
//!
//! This must agree bit for bit with Redis (redis/redis `src/cluster.c`,
//! `keyHashSlot`, and `src/crc16.c`): cluster-aware clients compute slots on
//! their side and route by them, so any difference would send keys to the
//! wrong node.

/// Number of hash slots, as in Redis Cluster.
pub const SLOT_COUNT: u16 = 16384;

/// Slot numbers fit in 14 bits; masking with this is `% SLOT_COUNT`.
const SLOT_MASK: u16 = SLOT_COUNT - 1;

const _: () = assert!(SLOT_COUNT.is_power_of_two());

/// A hash slot, `0..SLOT_COUNT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u16);

impl Slot {
    /// The slot number as an index into per-slot arrays.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// CRC16-CCITT in its XModem variant (poly 0x1021, init 0, no reflection, no
/// final xor), exactly Redis's `crc16()`, computed 16 bytes per step with
/// the `crc` crate's slice-by-16 tables. `crc16(b"123456789") == 0x31C3`.
pub fn crc16(data: &[u8]) -> u16 {
    CRC16.checksum(data)
}

static CRC16: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_XMODEM);

/// The slot of `key`, exactly Redis Cluster's `keyHashSlot`: if the key has a
/// `{` and, after the first `{`, a `}` with at least one byte between them,
/// only the bytes between that first `{` and the first `}` after it are
/// hashed (the hash tag); otherwise the whole key is.
pub fn key_slot(key: &[u8]) -> Slot {
    Slot(crc16(hash_tag(key)) & SLOT_MASK)
}

/// The part of `key` that decides its slot (see [`key_slot`]).
fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(open) = memchr::memchr(b'{', key) else {
        return key;
    };
    let after_open = &key[open + 1..];
    match after_open.iter().position(|&b| b == b'}') {
        // `{}`: an empty tag does not count, so the whole key is hashed.
        Some(0) | None => key,
        Some(close) => &after_open[..close],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bit-at-a-time CRC16/XModem, to check the table-driven one against.
    /// Redis's CRC16 polynomial, x^16 + x^12 + x^5 + 1.
    const CRC16_POLY: u16 = 0x1021;

    /// The definition, a bit at a time, to check the fast one against.
    fn crc16_bitwise(data: &[u8]) -> u16 {
        let mut crc = 0u16;
        for &byte in data {
            crc ^= u16::from(byte) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ CRC16_POLY
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn crc16_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn crc16_matches_redis_literal_table() {
        // Rows 0, 1, 16 and 31 of `crc16tab` in redis/redis src/crc16.c: the
        // table entry for byte b is the CRC of the one-byte message [b].
        let rows: [(u8, [u16; 8]); 4] = [
            (
                0,
                [
                    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
                ],
            ),
            (
                8,
                [
                    0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
                ],
            ),
            (
                128,
                [
                    0x9188, 0x81a9, 0xb1ca, 0xa1eb, 0xd10c, 0xc12d, 0xf14e, 0xe16f,
                ],
            ),
            (
                248,
                [
                    0x6e17, 0x7e36, 0x4e55, 0x5e74, 0x2e93, 0x3eb2, 0x0ed1, 0x1ef0,
                ],
            ),
        ];
        for (first, row) in rows {
            for (i, &entry) in row.iter().enumerate() {
                assert_eq!(crc16(&[first + i as u8]), entry, "byte {}", first + i as u8);
            }
        }
    }

    #[test]
    fn key_slot_published_vectors() {
        assert_eq!(key_slot(b"foo"), Slot(12182));
        assert_eq!(key_slot(b"bar"), Slot(5061));
        assert_eq!(key_slot(b"somekey"), Slot(11058));
        assert_eq!(key_slot(b"foo{hash_tag}"), Slot(2515));
        assert_eq!(key_slot(b""), Slot(0));
        // Checked against `CLUSTER KEYSLOT` of redis-server 7.0.15.
        assert_eq!(key_slot(b"foo{}{bar}"), Slot(8363));
        assert_eq!(key_slot(b"foo{{bar}}zap"), Slot(4015));
        assert_eq!(key_slot(b"foo{bar}{zap}"), Slot(5061));
        assert_eq!(key_slot(b"{}"), Slot(15257));
        assert_eq!(key_slot(b"a{b}"), Slot(3300));
        assert_eq!(key_slot(b"{a}}"), Slot(15495));
    }

    #[test]
    fn key_slot_hash_tags() {
        // Examples from the Redis Cluster specification.
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        let whole = |key: &[u8]| Slot(crc16(key) & SLOT_MASK);
        assert_eq!(key_slot(b"foo{}{bar}"), whole(b"foo{}{bar}"));
        assert_eq!(key_slot(b"foo{{bar}}zap"), whole(b"{bar"));
        assert_eq!(key_slot(b"foo{bar}{zap}"), whole(b"bar"));
        assert_eq!(key_slot(b"{}"), whole(b"{}"));
        assert_eq!(key_slot(b"{"), whole(b"{"));
        assert_eq!(key_slot(b"}{"), whole(b"}{"));
        assert_eq!(key_slot(b"a{b"), whole(b"a{b"));
        assert_eq!(key_slot(b"a{b}"), whole(b"b"));
        assert_eq!(key_slot(b"{a}}"), whole(b"a"));
    }

    #[test]
    fn slot_index() {
        assert_eq!(Slot(0).index(), 0);
        assert_eq!(Slot(SLOT_COUNT - 1).index(), 16383);
        assert!(Slot(1) < Slot(2));
    }

    proptest! {
        #[test]
        fn crc16_table_equals_bitwise(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(crc16(&data), crc16_bitwise(&data));
        }

        #[test]
        fn key_slot_in_range(key in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert!(key_slot(&key).0 < SLOT_COUNT);
        }

        #[test]
        fn keys_without_braces_hash_whole(key in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assume!(!key.contains(&b'{'));
            prop_assert_eq!(key_slot(&key), Slot(crc16(&key) & SLOT_MASK));
        }

        #[test]
        fn hash_tag_decides_slot(
            prefix in proptest::collection::vec(any::<u8>(), 0..16),
            tag in proptest::collection::vec(any::<u8>(), 1..16),
            suffix in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            prop_assume!(!prefix.contains(&b'{') && !tag.contains(&b'}'));
            let mut key = prefix;
            key.push(b'{');
            key.extend_from_slice(&tag);
            key.push(b'}');
            key.extend_from_slice(&suffix);
            prop_assert_eq!(key_slot(&key), key_slot_of_tag(&tag));
        }
    }

    /// The slot of a tag hashed on its own (the tag may itself contain `{`).
    fn key_slot_of_tag(tag: &[u8]) -> Slot {
        Slot(crc16(tag) & SLOT_MASK)
    }
}
