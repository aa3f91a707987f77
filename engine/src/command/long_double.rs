//! Redis's long double arithmetic, for INCRBYFLOAT: parsing with `strtold`,
//! adding in the platform's long double (80-bit x87 on x86-64 Linux, as
//! Redis) and printing with `%.17Lf` less trailing zeros; and the C
//! library's reading of numbers where Redis relies on it (blocking commands'
//! timeouts, SORT's `strtod`). Rust has neither, so this is the one place the
//! engine calls C (`c/long_double.c`, built by `build.rs`); the replies then
//! match Redis byte for byte.

use super::CmdError;
use std::ffi::{c_char, c_int, c_long};

/// Redis's `MAX_LONG_DOUBLE_CHARS`: the longest number it parses or prints.
pub const LONG_DOUBLE_CHARS_MAX: usize = 5 * 1024;

extern "C" {
    fn shoal_ld_add_human(
        value: *const c_char,
        value_len: usize,
        incr: *const c_char,
        incr_len: usize,
        out: *mut c_char,
        out_cap: usize,
    ) -> c_long;
    fn shoal_ld_timeout_ms(s: *const c_char, len: usize, ms: *mut i64) -> c_int;
    fn shoal_sort_score(s: *const c_char, len: usize, out: *mut f64) -> c_int;
}

/// Why [`add_checked`] found no sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// The value is not a float as `string2ld` reads one.
    Value,
    /// The increment is not.
    Increment,
    /// The sum is NaN or infinite.
    NanOrInfinity,
}

/// `value + incr`, both parsed as Redis's `string2ld` does, printed as its
/// `ld2string(LD_STR_HUMAN)` does. (Redis would store an empty string for a
/// sum too long to print; every finite long double fits its buffer.)
pub fn add_human(value: &[u8], incr: &[u8]) -> Result<Vec<u8>, CmdError> {
    add_checked(value, incr).map_err(|e| match e {
        AddError::NanOrInfinity => CmdError::NanOrInfinity,
        AddError::Value | AddError::Increment => CmdError::NotFloat,
    })
}

/// [`add_human`], telling which input was not a number (HINCRBYFLOAT
/// words the two errors differently).
pub fn add_checked(value: &[u8], incr: &[u8]) -> Result<Vec<u8>, AddError> {
    let mut out = [0u8; LONG_DOUBLE_CHARS_MAX];
    // SAFETY: the inputs are valid for reads of their lengths and `out` for
    // writes of its length; the C side reads and writes nothing else and
    // keeps no pointer after returning.
    let n = unsafe {
        shoal_ld_add_human(
            value.as_ptr().cast(),
            value.len(),
            incr.as_ptr().cast(),
            incr.len(),
            out.as_mut_ptr().cast(),
            out.len(),
        )
    };
    match n {
        -1 => Err(AddError::Value),
        -2 => Err(AddError::Increment),
        n if n < 0 => Err(AddError::NanOrInfinity),
        n => Ok(out[..(n as usize).min(out.len())].to_vec()),
    }
}

/// A timeout in seconds as Redis 7.0 reads a blocking command's: parsed
/// as `string2ld` does, times 1000, truncated to whole milliseconds (a
/// value out of the i64 range becomes `i64::MIN`, as the cast gives on
/// x86-64). `None` when the text is not a float.
pub fn timeout_ms(text: &[u8]) -> Option<i64> {
    let mut ms = 0i64;
    // SAFETY: `text` is valid for reads of its length and `ms` for one
    // write; the C side keeps no pointer after returning.
    let ok = unsafe { shoal_ld_timeout_ms(text.as_ptr().cast(), text.len(), &mut ms) };
    (ok == 1).then_some(ms)
}

/// A number as SORT reads one: C's `strtod` over the whole text (leading
/// spaces and hexadecimal floats too), no overflow, underflow or NaN.
pub fn sort_score(text: &[u8]) -> Option<f64> {
    let mut value = 0f64;
    // SAFETY: `text` is valid for reads of its length and `value` for one
    // write; the C side keeps no pointer after returning.
    let ok = unsafe { shoal_sort_score(text.as_ptr().cast(), text.len(), &mut value) };
    (ok == 1).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &str, b: &str) -> Result<String, CmdError> {
        add_human(a.as_bytes(), b.as_bytes()).map(|v| String::from_utf8(v).unwrap_or_default())
    }

    #[test]
    fn sums_print_as_redis_prints_them() {
        assert_eq!(add("0.1", "0.2"), Ok("0.3".into()));
        assert_eq!(add("10.5", "0.1"), Ok("10.6".into()));
        assert_eq!(add("5.0e3", "2.0e2"), Ok("5200".into()));
        assert_eq!(add("0", "-0"), Ok("0".into()));
        assert_eq!(add("1", "-1.5"), Ok("-0.5".into()));
        assert_eq!(add("0x10", "0"), Ok("16".into()));
        assert_eq!(add("inf", "1"), Err(CmdError::NanOrInfinity));
        assert_eq!(add("inf", "-inf"), Err(CmdError::NanOrInfinity));
    }

    #[test]
    fn parsing_follows_string2ld() {
        for bad in ["", " 1", "1 ", "abc", "nan", "1e5000", "--1"] {
            assert_eq!(add(bad, "1"), Err(CmdError::NotFloat), "{bad:?}");
            assert_eq!(add("1", bad), Err(CmdError::NotFloat), "{bad:?}");
        }
        // The whole string must be the number, even past a NUL.
        assert_eq!(add_human(b"1\0junk", b"1"), Err(CmdError::NotFloat));
        let long = "1".repeat(LONG_DOUBLE_CHARS_MAX);
        assert_eq!(add(&long, "1"), Err(CmdError::NotFloat));
    }

    #[test]
    fn errors_say_which_input_is_bad() {
        assert_eq!(add_checked(b"x", b"1"), Err(AddError::Value));
        assert_eq!(add_checked(b"1", b"x"), Err(AddError::Increment));
        assert_eq!(add_checked(b"x", b"x"), Err(AddError::Value));
        assert_eq!(add_checked(b"0", b"inf"), Err(AddError::NanOrInfinity));
    }

    #[test]
    fn huge_sums_print_every_digit() {
        let sum = add("1e400", "0").unwrap_or_default();
        assert_eq!(sum.len(), 401);
        assert!(sum.starts_with("1000000000000000000028"));
        // The largest finite long double still fits Redis's print buffer.
        let max = add("1.18973149535723176502e4932", "0").unwrap_or_default();
        assert_eq!(max.len(), 4933);
        assert_eq!(
            add("1.18973149535723176502e4932", "1e4932"),
            Err(CmdError::NanOrInfinity)
        );
    }
}
