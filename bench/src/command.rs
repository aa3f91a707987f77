//! Request templates: a command line whose arguments may hold the placeholders `__key__` and
//! `__data__` (memtier_benchmark's names), encoded as a RESP multibulk request straight into a
//! connection's output buffer, with no allocation per request.
//!
//! Every occurrence of `__key__` draws its own key number (so `MGET __key__ __key__` reads two
//! keys) and every `__data__` its own value size. A placeholder may also sit inside an argument
//! (`user:__key__:name`).

use rand::rngs::SmallRng;
use rand::RngExt;

use crate::keys::KeyGen;
use crate::limits::COMMAND_ARGS_MAX;

/// Replaced by `--key-prefix` followed by a key number.
pub const KEY_PLACEHOLDER: &str = "__key__";
/// Replaced by a value of `--data-size` (or `--data-size-range`) bytes.
pub const DATA_PLACEHOLDER: &str = "__data__";

/// Value sizes, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataSize {
    /// The smallest value, in bytes.
    pub min: u32,
    /// The largest value, in bytes.
    pub max: u32,
}

impl DataSize {
    /// A value size, uniformly drawn from the range.
    #[inline]
    fn draw(&self, rng: &mut SmallRng) -> usize {
        let size = if self.min == self.max {
            self.min
        } else {
            rng.random_range(self.min..=self.max)
        };
        size as usize
    }
}

/// What the encoder needs besides the template: where keys and values come from.
pub struct Fill<'a> {
    /// The key number generator of this connection for this template.
    pub keys: &'a mut KeyGen,
    /// The thread's random source.
    pub rng: &'a mut SmallRng,
    /// `--key-prefix`.
    pub key_prefix: &'a [u8],
    /// At least `data_size.max` bytes; a value is a prefix of it.
    pub data: &'a [u8],
    /// Value sizes.
    pub data_size: DataSize,
    /// Reused between requests: the key numbers and value sizes of an argument that mixes
    /// placeholders with text, drawn before its length is known.
    pub scratch: &'a mut Vec<u64>,
}

impl Fill<'_> {
    fn key_len(&self, key: u64) -> usize {
        self.key_prefix.len() + decimal_len(key)
    }

    fn write_key(&self, out: &mut Vec<u8>, key: u64) {
        out.extend_from_slice(self.key_prefix);
        write_decimal(out, key);
    }

    fn value(&self, len: usize) -> &[u8] {
        &self.data[..len]
    }
}

/// One part of an argument.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(Vec<u8>),
    Key,
    Data,
}

/// One argument of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Arg {
    /// Plain text, already encoded as `$len\r\ntext\r\n`.
    Literal(Vec<u8>),
    /// Exactly `__key__`.
    Key,
    /// Exactly `__data__`.
    Data,
    /// Text and placeholders mixed.
    Mixed(Vec<Piece>),
}

/// A parsed `--command` (or the built-in SET and GET).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    name: String,
    header: Vec<u8>,
    args: Vec<Arg>,
}

impl Template {
    /// Parses a command line: arguments separated by spaces, `"double quoted"` (with `\"`,
    /// `\\`, `\n`, `\r`, `\t` and `\xHH` escapes, as redis-cli) or `'single quoted'`.
    ///
    /// # Errors
    ///
    /// An empty line, an unbalanced quote, a bad escape or too many arguments.
    pub fn parse(line: &str) -> Result<Template, String> {
        let words = split_words(line)?;
        if words.is_empty() {
            return Err("--command is empty".to_owned());
        }
        if words.len() > COMMAND_ARGS_MAX {
            return Err(format!(
                "--command has {} arguments; at most {COMMAND_ARGS_MAX} are supported",
                words.len()
            ));
        }
        let name = String::from_utf8_lossy(&words[0]).to_ascii_uppercase();
        let mut header = Vec::new();
        write_header(&mut header, b'*', words.len());
        let args = words.iter().map(|word| parse_arg(word)).collect();
        Ok(Template { name, header, args })
    }

    /// The command name, upper-cased: the label its statistics are reported under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether replies count as hits and misses (a nil reply is a miss): GET.
    pub fn counts_hits(&self) -> bool {
        self.name == "GET"
    }

    /// Whether any argument draws a key number.
    pub fn uses_keys(&self) -> bool {
        self.args.iter().any(|arg| match arg {
            Arg::Key => true,
            Arg::Mixed(pieces) => pieces.contains(&Piece::Key),
            Arg::Literal(_) | Arg::Data => false,
        })
    }

    /// Appends one request to `out`, drawing keys and values from `fill`.
    #[inline]
    pub fn encode(&self, out: &mut Vec<u8>, fill: &mut Fill<'_>) {
        self.encode_keyed(out, fill, None);
    }

    /// Appends one request to `out` whose every `__key__` is `key` (values still come from
    /// `fill`): the SET that `--read-through` sends after a GET of `key` missed.
    #[inline]
    pub fn encode_with_key(&self, out: &mut Vec<u8>, fill: &mut Fill<'_>, key: u64) {
        self.encode_keyed(out, fill, Some(key));
    }

    /// `key`: the key of every `__key__`, or None to draw each from `fill.keys`.
    #[inline]
    fn encode_keyed(&self, out: &mut Vec<u8>, fill: &mut Fill<'_>, key: Option<u64>) {
        out.extend_from_slice(&self.header);
        for arg in &self.args {
            match arg {
                Arg::Literal(encoded) => out.extend_from_slice(encoded),
                Arg::Key => {
                    let key = key.unwrap_or_else(|| fill.keys.next(fill.rng));
                    write_header(out, b'$', fill.key_len(key));
                    fill.write_key(out, key);
                    out.extend_from_slice(b"\r\n");
                }
                Arg::Data => {
                    let len = fill.data_size.draw(fill.rng);
                    write_header(out, b'$', len);
                    out.extend_from_slice(fill.value(len));
                    out.extend_from_slice(b"\r\n");
                }
                Arg::Mixed(pieces) => encode_mixed(out, pieces, fill, key),
            }
        }
    }
}

/// An argument mixing text and placeholders: draw every placeholder first to learn the length.
/// `key` as in [`Template::encode_keyed`].
fn encode_mixed(out: &mut Vec<u8>, pieces: &[Piece], fill: &mut Fill<'_>, key: Option<u64>) {
    fill.scratch.clear();
    let mut len = 0usize;
    for piece in pieces {
        len += match piece {
            Piece::Text(text) => text.len(),
            Piece::Key => {
                let key = key.unwrap_or_else(|| fill.keys.next(fill.rng));
                fill.scratch.push(key);
                fill.key_len(key)
            }
            Piece::Data => {
                let size = fill.data_size.draw(fill.rng);
                fill.scratch.push(size as u64);
                size
            }
        };
    }
    write_header(out, b'$', len);
    let mut drawn = 0;
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.extend_from_slice(text),
            Piece::Key => {
                fill.write_key(out, fill.scratch[drawn]);
                drawn += 1;
            }
            Piece::Data => {
                // Drawn above from a usize, so it converts back.
                let size = usize::try_from(fill.scratch[drawn]).unwrap_or(0);
                out.extend_from_slice(fill.value(size));
                drawn += 1;
            }
        }
    }
    out.extend_from_slice(b"\r\n");
}

fn parse_arg(word: &[u8]) -> Arg {
    let mut pieces = Vec::new();
    let mut rest = word;
    let mut text = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix(KEY_PLACEHOLDER.as_bytes()) {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Key);
            rest = after;
        } else if let Some(after) = rest.strip_prefix(DATA_PLACEHOLDER.as_bytes()) {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Data);
            rest = after;
        } else {
            text.push(rest[0]);
            rest = &rest[1..];
        }
    }
    if !text.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Text(text));
    }
    match pieces.as_slice() {
        [Piece::Key] => Arg::Key,
        [Piece::Data] => Arg::Data,
        [Piece::Text(text)] => {
            let mut encoded = Vec::with_capacity(text.len() + 16);
            write_header(&mut encoded, b'$', text.len());
            encoded.extend_from_slice(text);
            encoded.extend_from_slice(b"\r\n");
            Arg::Literal(encoded)
        }
        _ => Arg::Mixed(pieces),
    }
}

/// Splits a command line into arguments the way redis-cli does.
fn split_words(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(words);
        }
        let mut word = Vec::new();
        loop {
            match bytes.get(i) {
                None => break,
                Some(b) if b.is_ascii_whitespace() => break,
                Some(b'"') => {
                    i += 1;
                    loop {
                        match bytes.get(i) {
                            None => return Err(format!("unbalanced \" in --command {line:?}")),
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(b'\\') => {
                                let (byte, used) = unescape(&bytes[i..]).ok_or_else(|| {
                                    format!("bad escape at byte {i} of --command {line:?}")
                                })?;
                                word.push(byte);
                                i += used;
                            }
                            Some(&b) => {
                                word.push(b);
                                i += 1;
                            }
                        }
                    }
                    require_separator(bytes, i, line)?;
                }
                Some(b'\'') => {
                    i += 1;
                    loop {
                        match bytes.get(i) {
                            None => return Err(format!("unbalanced ' in --command {line:?}")),
                            Some(b'\'') => {
                                i += 1;
                                break;
                            }
                            Some(&b) => {
                                word.push(b);
                                i += 1;
                            }
                        }
                    }
                    require_separator(bytes, i, line)?;
                }
                Some(&b) => {
                    word.push(b);
                    i += 1;
                }
            }
        }
        words.push(word);
    }
}

/// A closing quote must be followed by a space or the end, as redis-cli requires.
fn require_separator(bytes: &[u8], i: usize, line: &str) -> Result<(), String> {
    match bytes.get(i) {
        None => Ok(()),
        Some(b) if b.is_ascii_whitespace() => Ok(()),
        Some(_) => Err(format!(
            "closing quote must be followed by a space in --command {line:?}"
        )),
    }
}

/// The byte an escape at the start of `s` (which begins with `\`) stands for, and its length.
fn unescape(s: &[u8]) -> Option<(u8, usize)> {
    match *s.get(1)? {
        b'n' => Some((b'\n', 2)),
        b'r' => Some((b'\r', 2)),
        b't' => Some((b'\t', 2)),
        b'a' => Some((0x07, 2)),
        b'b' => Some((0x08, 2)),
        b'x' => {
            let hex = std::str::from_utf8(s.get(2..4)?).ok()?;
            Some((u8::from_str_radix(hex, 16).ok()?, 4))
        }
        other => Some((other, 2)),
    }
}

/// `{kind}{len}\r\n`.
#[inline]
fn write_header(out: &mut Vec<u8>, kind: u8, len: usize) {
    out.push(kind);
    write_decimal(out, len as u64);
    out.extend_from_slice(b"\r\n");
}

/// The number of decimal digits of `n`.
#[inline]
pub fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// Appends `n` in decimal.
#[inline]
pub fn write_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyPattern, KeyRange};
    use rand::SeedableRng;

    /// Encodes `template` once with sequential keys starting at `start`.
    fn encode(template: &Template, start: u64, data_size: DataSize) -> Vec<u8> {
        let range = KeyRange::new(0, 1_000_000).unwrap();
        let mut keys = KeyGen::new(KeyPattern::Sequential, range, start).unwrap();
        let mut rng = SmallRng::seed_from_u64(1);
        let data = vec![b'x'; data_size.max as usize];
        let mut scratch = Vec::new();
        let mut fill = Fill {
            keys: &mut keys,
            rng: &mut rng,
            key_prefix: b"key:",
            data: &data,
            data_size,
            scratch: &mut scratch,
        };
        let mut out = Vec::new();
        template.encode(&mut out, &mut fill);
        out
    }

    const FOUR: DataSize = DataSize { min: 4, max: 4 };

    #[test]
    fn set_and_get_encode_as_multibulk() {
        let set = Template::parse("SET __key__ __data__").unwrap();
        assert_eq!(
            encode(&set, 42, FOUR),
            b"*3\r\n$3\r\nSET\r\n$6\r\nkey:42\r\n$4\r\nxxxx\r\n"
        );
        assert_eq!(set.name(), "SET");
        assert!(!set.counts_hits());
        let get = Template::parse("get __key__").unwrap();
        assert_eq!(encode(&get, 0, FOUR), b"*2\r\n$3\r\nget\r\n$5\r\nkey:0\r\n");
        assert_eq!(get.name(), "GET");
        assert!(get.counts_hits());
    }

    #[test]
    fn every_key_placeholder_draws_its_own_key() {
        let mget = Template::parse("MGET __key__ __key__ __key__").unwrap();
        assert_eq!(
            encode(&mget, 9, FOUR),
            b"*4\r\n$4\r\nMGET\r\n$5\r\nkey:9\r\n$6\r\nkey:10\r\n$6\r\nkey:11\r\n"
        );
        assert!(mget.uses_keys());
        let ping = Template::parse("PING").unwrap();
        assert_eq!(encode(&ping, 0, FOUR), b"*1\r\n$4\r\nPING\r\n");
        assert!(!ping.uses_keys());
    }

    #[test]
    fn a_given_key_fills_every_key_placeholder() {
        let set = Template::parse("SET __key__ h:__key__:__data__").unwrap();
        let range = KeyRange::new(0, 1_000_000).unwrap();
        let mut keys = KeyGen::new(KeyPattern::Sequential, range, 5).unwrap();
        let mut rng = SmallRng::seed_from_u64(1);
        let data = vec![b'x'; 4];
        let mut scratch = Vec::new();
        let mut fill = Fill {
            keys: &mut keys,
            rng: &mut rng,
            key_prefix: b"key:",
            data: &data,
            data_size: FOUR,
            scratch: &mut scratch,
        };
        let mut out = Vec::new();
        set.encode_with_key(&mut out, &mut fill, 77);
        assert_eq!(
            out,
            b"*3\r\n$3\r\nSET\r\n$6\r\nkey:77\r\n$13\r\nh:key:77:xxxx\r\n"
        );
        // The generator was not drawn from: a drawn key is still the first of the sequence.
        out.clear();
        set.encode(&mut out, &mut fill);
        assert!(
            out.starts_with(b"*3\r\n$3\r\nSET\r\n$5\r\nkey:5\r\n"),
            "{out:?}"
        );
    }

    #[test]
    fn placeholders_inside_an_argument() {
        let hset = Template::parse("HSET user:__key__:h f-__data__-__key__ 1").unwrap();
        assert_eq!(
            encode(&hset, 7, FOUR),
            b"*4\r\n$4\r\nHSET\r\n$12\r\nuser:key:7:h\r\n$12\r\nf-xxxx-key:8\r\n$1\r\n1\r\n"
        );
    }

    #[test]
    fn value_sizes_stay_in_their_range() {
        let set = Template::parse("SET k __data__").unwrap();
        let range = KeyRange::new(0, 9).unwrap();
        let mut keys = KeyGen::new(KeyPattern::Uniform, range, 0).unwrap();
        let mut rng = SmallRng::seed_from_u64(3);
        let data = vec![b'x'; 9];
        let mut scratch = Vec::new();
        let mut fill = Fill {
            keys: &mut keys,
            rng: &mut rng,
            key_prefix: b"",
            data: &data,
            data_size: DataSize { min: 3, max: 9 },
            scratch: &mut scratch,
        };
        let mut seen = [false; 10];
        let mut out = Vec::new();
        for _ in 0..200 {
            out.clear();
            set.encode(&mut out, &mut fill);
            // *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$N\r\n then N bytes.
            let header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$";
            assert!(out.starts_with(header));
            let size = usize::from(out[header.len()] - b'0');
            assert!((3..=9).contains(&size));
            assert_eq!(out.len(), header.len() + 3 + size + 2);
            seen[size] = true;
        }
        assert!(seen[3..=9].iter().all(|&s| s), "{seen:?}");
        // The same buffer grows to its working size once: no allocation per request.
        let capacity = out.capacity();
        for _ in 0..100 {
            out.clear();
            set.encode(&mut out, &mut fill);
        }
        assert_eq!(out.capacity(), capacity);
    }

    #[test]
    fn quoting_follows_redis_cli() {
        let t = Template::parse(r#"SET "a b" 'c "d' "\x41\n" """#).unwrap();
        assert_eq!(
            encode(&t, 0, FOUR),
            b"*5\r\n$3\r\nSET\r\n$3\r\na b\r\n$4\r\nc \"d\r\n$2\r\nA\n\r\n$0\r\n\r\n"
        );
        assert!(Template::parse("SET \"a").is_err());
        assert!(Template::parse("SET 'a").is_err());
        assert!(Template::parse("SET \"a\"b").is_err());
        assert!(Template::parse("SET \"\\xZZ\"").is_err());
        assert!(Template::parse("   ").is_err());
        let many = "X ".repeat(COMMAND_ARGS_MAX + 1);
        assert!(Template::parse(&many).is_err());
    }

    #[test]
    fn decimals() {
        for n in [0u64, 7, 9, 10, 99, 100, 12345, u64::MAX] {
            let mut out = Vec::new();
            write_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
            assert_eq!(decimal_len(n), out.len());
        }
    }
}
