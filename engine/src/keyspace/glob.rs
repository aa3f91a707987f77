//! Redis glob patterns (KEYS, SCAN MATCH, PSUBSCRIBE, ...), with Redis's exact
//! semantics and bounded work.
//!
//! The semantics are those of `stringmatchlen` in redis/redis `src/util.c`
//! (Redis 7.0.15, as built on x86-64 Linux with glibc), quirks included:
//!
//! - `*` matches any run of bytes, `?` any one byte, `\x` the byte `x`; a
//!   trailing `\` is a literal backslash.
//! - `[...]` matches one byte from a set; `[^...]` one byte not in it. Inside,
//!   `\x` is `x` compared exactly (case-sensitively even when `nocase`), and
//!   `a-z` is a range, reversed ranges included. A `]` right after `[` or `[^`
//!   closes the set (so `[]` never matches and `[^]` matches any byte), a `]`
//!   right after `-` is a range end (`[a-]` is the range `]`..`a`), and a set
//!   left open runs to the end of the pattern.
//! - Range ends and the subject byte are compared as C `char`, which is signed
//!   on x86-64, and with `nocase` they pass through glibc's `tolower` (which
//!   maps bytes 0x80..=0xFE to 128..=254 but 0xFF to -1, EOF). This only
//!   matters for ranges that mix ASCII and non-ASCII bytes.
//! - An empty subject matches only the empty pattern (Redis's loop stops when
//!   either side runs out), so `*` does not match the empty string.
//! - A pattern with more than [`STAR_GROUPS_MAX`] star groups before its last
//!   token never matches: that is where Redis's recursion guard
//!   (CVE-2022-36021) stops.
//!
//! Redis recurses at each `*`. This matcher does not: every token other than
//! `*` consumes exactly one subject byte, so when the rest of the pattern
//! fails it is enough to let the most recent `*` absorb one more byte; earlier
//! stars never need to be revisited (anything they could absorb, the later
//! star can). That bounds the work by O(pattern length * subject length) and
//! uses no stack, whatever the pattern.

/// Most star groups (runs of `*`) Redis's `stringmatchlen` recurses through
/// before giving up on the match (its `nesting > 1000` guard). A star group
/// that ends the pattern does not recurse and is not counted.
pub const STAR_GROUPS_MAX: usize = 1000;

/// Whether `subject` matches the glob `pattern`, exactly as Redis's
/// `stringmatchlen(pattern, subject, nocase)`; see the module docs.
pub fn glob_match(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    // Redis's loop runs while both sides have bytes left and succeeds only if
    // both ran out, so an empty subject matches only an empty pattern.
    if subject.is_empty() {
        return pattern.is_empty();
    }
    let mut pattern_index = 0;
    let mut subject_index = 0;
    // The most recent star group: where the pattern resumes after it, and
    // where in the subject that resumption was last tried.
    let mut star: Option<(usize, usize)> = None;
    let mut star_groups = 0;
    loop {
        if subject_index == subject.len() {
            // The subject ran out right after a byte was consumed: only a run
            // of stars may remain.
            while pattern.get(pattern_index) == Some(&b'*') {
                pattern_index += 1;
            }
            if pattern_index == pattern.len() {
                return true;
            }
        } else if let Some(&token) = pattern.get(pattern_index) {
            if token == b'*' {
                while pattern.get(pattern_index) == Some(&b'*') {
                    pattern_index += 1;
                }
                if pattern_index == pattern.len() {
                    // A final star absorbs the rest of the subject.
                    return true;
                }
                // Each star group is reached once: backtracking only ever
                // returns to the most recent one.
                star_groups += 1;
                if star_groups > STAR_GROUPS_MAX {
                    return false;
                }
                star = Some((pattern_index, subject_index));
                continue;
            }
            if let Some(next) = match_one(pattern, pattern_index, subject[subject_index], nocase) {
                pattern_index = next;
                subject_index += 1;
                continue;
            }
        }
        // Mismatch, or pattern exhausted with subject left: let the last star
        // absorb one more byte. Like Redis, a star that is not last never
        // absorbs the whole remaining subject (what follows it needs a byte).
        match star {
            Some((resume_pattern, resume_subject)) if resume_subject + 1 < subject.len() => {
                star = Some((resume_pattern, resume_subject + 1));
                pattern_index = resume_pattern;
                subject_index = resume_subject + 1;
            }
            _ => return false,
        }
    }
}

/// Matches the single-byte token (anything but `*`) at `pattern[index]`
/// against `byte`; returns the index of the next token if it matches.
fn match_one(pattern: &[u8], index: usize, byte: u8, nocase: bool) -> Option<usize> {
    let (matched, next) = match pattern.get(index..).unwrap_or_default() {
        [b'?', ..] => (true, index + 1),
        [b'[', ..] => match_class(pattern, index + 1, byte, nocase),
        [b'\\', escaped, ..] => (bytes_equal(*escaped, byte, nocase), index + 2),
        [literal, ..] => (bytes_equal(*literal, byte, nocase), index + 1),
        [] => (false, index),
    };
    matched.then_some(next)
}

/// Matches a `[...]` set whose body starts at `pattern[start]` (just after the
/// `[`); returns whether `byte` matched and the index just past the set. The
/// set's extent does not depend on `byte`, as in Redis, which always walks
/// the whole set.
fn match_class(pattern: &[u8], start: usize, byte: u8, nocase: bool) -> (bool, usize) {
    let mut index = start;
    let negate = pattern.get(index) == Some(&b'^');
    if negate {
        index += 1;
    }
    let mut matched = false;
    loop {
        // Same order of tests as Redis: escape, end of set, end of pattern
        // (an unterminated set), range, single byte.
        match pattern.get(index..).unwrap_or_default() {
            [b'\\', escaped, ..] => {
                // Redis compares escaped bytes exactly, ignoring `nocase`.
                matched |= *escaped == byte;
                index += 2;
            }
            [b']', ..] => {
                index += 1;
                break;
            }
            [] => break,
            [low, b'-', high, ..] => {
                matched |= in_range(*low, *high, byte, nocase);
                index += 3;
            }
            [single, ..] => {
                matched |= bytes_equal(*single, byte, nocase);
                index += 1;
            }
        }
    }
    (matched != negate, index)
}

/// Redis's byte comparison: exact, or through `tolower` with `nocase`, which
/// in the C locale folds ASCII letters only.
fn bytes_equal(pattern_byte: u8, subject_byte: u8, nocase: bool) -> bool {
    if nocase {
        pattern_byte.eq_ignore_ascii_case(&subject_byte)
    } else {
        pattern_byte == subject_byte
    }
}

/// Redis's range test: ends swapped if reversed, compared as signed `char`,
/// then folded with `tolower` when `nocase` (swap first, fold second, as
/// Redis does: `[Z-a]` under `nocase` is the empty range `z`..`a`).
fn in_range(low: u8, high: u8, byte: u8, nocase: bool) -> bool {
    let mut start = c_char(low);
    let mut end = c_char(high);
    let mut value = c_char(byte);
    if start > end {
        std::mem::swap(&mut start, &mut end);
    }
    if nocase {
        start = c_tolower(start);
        end = c_tolower(end);
        value = c_tolower(value);
    }
    start <= value && value <= end
}

/// A byte read through a C `char`, which is signed on x86-64.
fn c_char(byte: u8) -> i32 {
    i32::from(byte as i8)
}

/// glibc's `tolower` in the C locale, including what it does with the
/// negative values a signed `char` yields: -1 is EOF and stays -1, the other
/// negative values map to the unsigned byte.
fn c_tolower(value: i32) -> i32 {
    match value {
        65..=90 => value + 32,
        -128..=-2 => value + 256,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A direct port of Redis's recursive `stringmatchlen_impl`, reading past
    /// either end as the NUL terminator C would see. Exponential on hostile
    /// patterns: only for small inputs.
    fn reference(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
        let mut skip_longer_matches = false;
        reference_impl(pattern, subject, nocase, &mut skip_longer_matches, 0)
    }

    fn reference_impl(
        pattern: &[u8],
        subject: &[u8],
        nocase: bool,
        skip_longer_matches: &mut bool,
        nesting: usize,
    ) -> bool {
        if nesting > 1000 {
            return false;
        }
        let at = |bytes: &[u8], i: usize| bytes.get(i).copied().unwrap_or(0);
        let lower = |b: u8| c_tolower(c_char(b));
        let (mut p, mut plen) = (0usize, pattern.len());
        let (mut s, mut slen) = (0usize, subject.len());
        while plen > 0 && slen > 0 {
            match pattern[p] {
                b'*' => {
                    while plen > 0 && at(pattern, p + 1) == b'*' {
                        p += 1;
                        plen -= 1;
                    }
                    if plen == 1 {
                        return true;
                    }
                    while slen > 0 {
                        if reference_impl(
                            &pattern[p + 1..],
                            &subject[s..],
                            nocase,
                            skip_longer_matches,
                            nesting + 1,
                        ) {
                            return true;
                        }
                        if *skip_longer_matches {
                            return false;
                        }
                        s += 1;
                        slen -= 1;
                    }
                    *skip_longer_matches = true;
                    return false;
                }
                b'?' => {
                    s += 1;
                    slen -= 1;
                }
                b'[' => {
                    p += 1;
                    plen -= 1;
                    let not = at(pattern, p) == b'^';
                    if not {
                        p += 1;
                        plen -= 1;
                    }
                    let mut matched = false;
                    loop {
                        if at(pattern, p) == b'\\' && plen >= 2 {
                            p += 1;
                            plen -= 1;
                            if pattern[p] == subject[s] {
                                matched = true;
                            }
                        } else if at(pattern, p) == b']' {
                            break;
                        } else if plen == 0 {
                            p -= 1;
                            plen += 1;
                            break;
                        } else if plen >= 3 && pattern[p + 1] == b'-' {
                            let mut start = c_char(pattern[p]);
                            let mut end = c_char(pattern[p + 2]);
                            let mut c = c_char(subject[s]);
                            if start > end {
                                std::mem::swap(&mut start, &mut end);
                            }
                            if nocase {
                                start = c_tolower(start);
                                end = c_tolower(end);
                                c = c_tolower(c);
                            }
                            p += 2;
                            plen -= 2;
                            if c >= start && c <= end {
                                matched = true;
                            }
                        } else if !nocase {
                            if pattern[p] == subject[s] {
                                matched = true;
                            }
                        } else if lower(pattern[p]) == lower(subject[s]) {
                            matched = true;
                        }
                        p += 1;
                        plen -= 1;
                    }
                    if not {
                        matched = !matched;
                    }
                    if !matched {
                        return false;
                    }
                    s += 1;
                    slen -= 1;
                }
                first => {
                    let mut literal = first;
                    if first == b'\\' && plen >= 2 {
                        p += 1;
                        plen -= 1;
                        literal = pattern[p];
                    }
                    let equal = if nocase {
                        lower(literal) == lower(subject[s])
                    } else {
                        literal == subject[s]
                    };
                    if !equal {
                        return false;
                    }
                    s += 1;
                    slen -= 1;
                }
            }
            p += 1;
            plen -= 1;
            if slen == 0 {
                while at(pattern, p) == b'*' && plen > 0 {
                    p += 1;
                    plen -= 1;
                }
                break;
            }
        }
        plen == 0 && slen == 0
    }

    fn check(pattern: &str, subject: &str, nocase: bool, expected: bool) {
        let (pattern, subject) = (pattern.as_bytes(), subject.as_bytes());
        assert_eq!(
            glob_match(pattern, subject, nocase),
            expected,
            "glob_match({:?}, {:?}, nocase={nocase})",
            String::from_utf8_lossy(pattern),
            String::from_utf8_lossy(subject),
        );
        assert_eq!(
            reference(pattern, subject, nocase),
            expected,
            "reference({:?}, {:?}, nocase={nocase})",
            String::from_utf8_lossy(pattern),
            String::from_utf8_lossy(subject),
        );
    }

    #[test]
    fn table_of_cases() {
        let cases: &[(&str, &str, bool, bool)] = &[
            // Literals, `?` and `*`.
            ("", "", false, true),
            ("", "a", false, false),
            ("a", "", false, false),
            ("*", "", false, false),
            ("**", "", false, false),
            ("*", "anything", false, true),
            ("h?llo", "hello", false, true),
            ("h?llo", "hllo", false, false),
            ("h*llo", "hllo", false, true),
            ("h*llo", "heeeello", false, true),
            ("h*llo", "heeeelloo", false, false),
            ("*llo", "llo", false, true),
            ("a*b*c", "abc", false, true),
            ("a*b*c", "aXbYc", false, true),
            ("a*b*c", "aXbYcZ", false, false),
            ("a*", "a", false, true),
            ("a**", "a", false, true),
            ("a*?", "a", false, false),
            ("a*?", "ab", false, true),
            ("*a*", "bab", false, true),
            ("*?*", "x", false, true),
            ("?*?", "x", false, false),
            ("user:*:name", "user:42:name", false, true),
            ("user:*:name", "user:42:email", false, false),
            // Sets.
            ("h[ae]llo", "hello", false, true),
            ("h[ae]llo", "hallo", false, true),
            ("h[ae]llo", "hillo", false, false),
            ("h[^e]llo", "hallo", false, true),
            ("h[^e]llo", "hello", false, false),
            ("h[a-b]llo", "hbllo", false, true),
            ("h[a-b]llo", "hcllo", false, false),
            ("h[b-a]llo", "hbllo", false, true),
            ("[a-c-e]", "-", false, true),
            ("[a-c-e]", "e", false, true),
            ("[a-c-e]", "d", false, false),
            ("[]]", "]", false, false),
            ("[]]", "]]", false, false),
            ("[^]", "x", false, true),
            ("[^]]", "x]", false, true),
            ("[^]]", "]]", false, true),
            ("[]a]", "]a]", false, false),
            ("[a-]", "-", false, false),
            ("[a-]", "^", false, true),
            ("[a-]x", "^", false, true),
            ("[a-]x", "^x", false, false),
            ("[", "a", false, false),
            ("[^", "a", false, true),
            ("[abc", "b", false, true),
            ("[abc", "bc", false, false),
            ("[\\]]", "]", false, true),
            ("[\\", "\\", false, true),
            ("[a\\", "\\", false, true),
            ("[\\-]", "-", false, true),
            ("[\\a-c]", "b", false, false),
            ("[\\a-c]", "-", false, true),
            ("[*]", "*", false, true),
            ("[*]", "x", false, false),
            ("[?]", "x", false, false),
            // Escapes.
            ("\\*", "*", false, true),
            ("\\*", "x", false, false),
            ("\\?", "?", false, true),
            ("\\[a]", "[a]", false, true),
            ("a\\", "a\\", false, true),
            ("\\", "\\", false, true),
            ("\\\\", "\\", false, true),
            // nocase.
            ("HELLO", "hello", true, true),
            ("HELLO", "hello", false, false),
            ("h[A-Z]llo", "hello", true, true),
            ("h[A-Z]llo", "hello", false, false),
            ("[E]", "e", true, true),
            ("[\\E]", "e", true, false),
            ("\\E", "e", true, true),
            ("[Z-a]", "_", false, true),
            ("[Z-a]", "_", true, false),
            ("*A*", "xay", true, true),
        ];
        for &(pattern, subject, nocase, expected) in cases {
            check(pattern, subject, nocase, expected);
        }
    }

    #[test]
    fn non_ascii_ranges_compare_as_signed_char() {
        // 0xff is -1 as a signed char, so [a-\xff] is the range -1..='a'.
        let pattern = b"[a-\xff]";
        for (byte, expected) in [(0xffu8, true), (0x00, true), (b'Z', true), (b'b', false)] {
            assert_eq!(glob_match(pattern, &[byte], false), expected, "{byte:#x}");
            assert_eq!(reference(pattern, &[byte], false), expected, "{byte:#x}");
        }
        // With nocase, -1 is EOF to tolower and stays -1, but the subject
        // byte is folded too: 'Z' becomes 'z', past the end 'a'.
        for (byte, expected) in [(0xffu8, true), (0x00, true), (b'Z', false), (0x80, false)] {
            assert_eq!(glob_match(pattern, &[byte], true), expected, "{byte:#x}");
            assert_eq!(reference(pattern, &[byte], true), expected, "{byte:#x}");
        }
        // Both ends non-ASCII: the signed and unsigned orders agree.
        assert!(glob_match(b"[\x80-\xfe]", b"\xc9", false));
        assert!(glob_match(b"[\x80-\xfe]", b"\xc9", true));
        assert!(!glob_match(b"[\x80-\xfe]", b"a", false));
        // nocase folds ASCII letters only.
        assert!(glob_match(b"\xc9", b"\xc9", true));
        assert!(!glob_match(b"\xc9", b"\xe9", true));
    }

    #[test]
    fn c_tolower_matches_glibc() {
        // Values printed by glibc's tolower() in the C locale.
        assert_eq!(c_tolower(-128), 128);
        assert_eq!(c_tolower(-55), 201);
        assert_eq!(c_tolower(-1), -1);
        assert_eq!(c_tolower(i32::from(b'A')), i32::from(b'a'));
        assert_eq!(c_tolower(i32::from(b'z')), i32::from(b'z'));
        assert_eq!(c_tolower(i32::from(b'@')), i32::from(b'@'));
    }

    #[test]
    fn star_groups_past_the_redis_limit_never_match() {
        let subject = vec![b'a'; STAR_GROUPS_MAX + 2];
        let pattern_with = |groups: usize| {
            let mut pattern = b"a*".repeat(groups);
            pattern.push(b'a');
            pattern
        };
        assert!(glob_match(&pattern_with(STAR_GROUPS_MAX), &subject, false));
        assert!(reference(&pattern_with(STAR_GROUPS_MAX), &subject, false));
        assert!(!glob_match(
            &pattern_with(STAR_GROUPS_MAX + 1),
            &subject,
            false
        ));
        assert!(!reference(
            &pattern_with(STAR_GROUPS_MAX + 1),
            &subject,
            false
        ));
        // A final star group does not count.
        let mut pattern = b"a*".repeat(STAR_GROUPS_MAX + 1);
        assert!(glob_match(&pattern, &subject, false));
        assert!(reference(&pattern, &subject, false));
        pattern.extend_from_slice(b"**");
        assert!(glob_match(&pattern, &subject[..STAR_GROUPS_MAX + 1], false));
        assert!(reference(&pattern, &subject[..STAR_GROUPS_MAX + 1], false));
    }

    #[test]
    fn hostile_pattern_completes() {
        // Exponential for a naive recursive matcher (CVE-2022-36021 class).
        let mut pattern = b"a*".repeat(50);
        pattern.push(b'b');
        let subject = vec![b'a'; 100];
        assert!(!glob_match(&pattern, &subject, false));
        assert!(!glob_match(&pattern, &subject, true));
        let long_subject = vec![b'a'; 100_000];
        assert!(!glob_match(b"*a*a*a*a*a*a*a*a*b", &long_subject, false));
    }

    /// Patterns over a tiny alphabet, heavy in special characters.
    fn pattern_strategy() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop::sample::select(&b"ab*?[]^-\\A\xff"[..]);
        proptest::collection::vec(byte, 0..10)
    }

    fn subject_strategy() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop::sample::select(&b"abA]-^\\*\xff"[..]);
        proptest::collection::vec(byte, 0..10)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn agrees_with_redis_port(
            pattern in pattern_strategy(),
            subject in subject_strategy(),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(
                glob_match(&pattern, &subject, nocase),
                reference(&pattern, &subject, nocase)
            );
        }

        #[test]
        fn agrees_with_redis_port_on_any_bytes(
            pattern in proptest::collection::vec(any::<u8>(), 0..8),
            subject in proptest::collection::vec(any::<u8>(), 0..8),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(
                glob_match(&pattern, &subject, nocase),
                reference(&pattern, &subject, nocase)
            );
        }

        #[test]
        fn literal_pattern_matches_itself(
            subject in proptest::collection::vec(any::<u8>().prop_filter("no specials", |b| !b"*?[\\".contains(b)), 1..16),
        ) {
            prop_assert!(glob_match(&subject, &subject, false));
        }
    }
}
