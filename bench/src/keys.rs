//! Which key each request touches: a key number in `[minimum, maximum]` drawn by one of
//! memtier_benchmark's patterns (sequential, uniform random, Gaussian) or by Zipf's law.
//!
//! Invariant: [`KeyGen::next`] always returns a number within its [`KeyRange`].

use rand::rngs::SmallRng;
use rand::RngExt;
use rand_distr::{Distribution, Normal, Zipf};

/// The key numbers a run draws from, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRange {
    minimum: u64,
    maximum: u64,
}

impl KeyRange {
    /// The range `[minimum, maximum]`.
    ///
    /// # Errors
    ///
    /// When `minimum > maximum`.
    pub fn new(minimum: u64, maximum: u64) -> Result<Self, String> {
        if minimum > maximum {
            return Err(format!(
                "--key-minimum ({minimum}) must not be above --key-maximum ({maximum})"
            ));
        }
        Ok(KeyRange { minimum, maximum })
    }

    /// The smallest key number.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }

    /// The largest key number.
    pub fn maximum(&self) -> u64 {
        self.maximum
    }

    /// `maximum - minimum`: one less than the number of keys, so that the full `u64` range
    /// does not overflow.
    pub fn span(&self) -> u64 {
        self.maximum - self.minimum
    }
}

/// How key numbers are drawn (memtier's `--key-pattern` letters, plus `Z`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyPattern {
    /// `S`: every connection walks the whole range in order, starting at its own offset.
    Sequential,
    /// `R`: uniform random.
    Uniform,
    /// `Z`: Zipf's law: the key of rank *k* (the minimum has rank 1) is drawn with probability
    /// proportional to `1 / k^exponent`.
    Zipf {
        /// The skew; 0 is uniform, larger is more skewed.
        exponent: f64,
    },
    /// `G`: a normal distribution, cut to the range (draws outside it are drawn again).
    Gaussian {
        /// The most likely key number.
        median: f64,
        /// The standard deviation, in key numbers.
        stddev: f64,
    },
}

impl KeyPattern {
    /// memtier's letter for the pattern.
    pub fn letter(&self) -> char {
        match self {
            KeyPattern::Sequential => 'S',
            KeyPattern::Uniform => 'R',
            KeyPattern::Zipf { .. } => 'Z',
            KeyPattern::Gaussian { .. } => 'G',
        }
    }
}

/// Draws beyond the range a Gaussian pattern retries before it clamps; with memtier's default
/// deviation (a sixth of the range) one draw in 370 falls outside.
const GAUSSIAN_RETRIES: u32 = 16;

/// A key number generator for one connection and one command template.
#[derive(Clone, Debug)]
pub struct KeyGen {
    range: KeyRange,
    sampler: Sampler,
    /// Offset from the minimum of the next sequential key.
    next_offset: u64,
}

#[derive(Clone, Debug)]
enum Sampler {
    Sequential,
    Uniform,
    Zipf(Zipf<f64>),
    Gaussian(Normal<f64>),
}

impl KeyGen {
    /// A generator over `range`; a sequential one starts at offset `start` (modulo the range).
    ///
    /// # Errors
    ///
    /// When the pattern's parameters are unusable (a negative or non-finite Zipf exponent or
    /// Gaussian deviation).
    pub fn new(pattern: KeyPattern, range: KeyRange, start: u64) -> Result<Self, String> {
        let sampler = match pattern {
            KeyPattern::Sequential => Sampler::Sequential,
            KeyPattern::Uniform => Sampler::Uniform,
            KeyPattern::Zipf { exponent } => {
                // As f64, the count of a range near 2^64 is approximate; so is Zipf's shape there.
                let count = range.span() as f64 + 1.0;
                Sampler::Zipf(
                    Zipf::new(count, exponent)
                        .map_err(|e| format!("invalid --key-zipf-exp {exponent}: {e}"))?,
                )
            }
            KeyPattern::Gaussian { median, stddev } => {
                if !(stddev.is_finite() && stddev >= 0.0 && median.is_finite()) {
                    return Err(format!(
                        "invalid Gaussian key parameters: median {median}, stddev {stddev}"
                    ));
                }
                Sampler::Gaussian(Normal::new(median, stddev).map_err(|e| {
                    format!(
                        "invalid Gaussian key parameters: median {median}, stddev {stddev}: {e}"
                    )
                })?)
            }
        };
        let next_offset = match range.span().checked_add(1) {
            Some(count) => start % count,
            None => start,
        };
        Ok(KeyGen {
            range,
            sampler,
            next_offset,
        })
    }

    /// The next key number.
    #[inline]
    pub fn next(&mut self, rng: &mut SmallRng) -> u64 {
        let span = self.range.span();
        let offset = match &self.sampler {
            Sampler::Sequential => {
                let offset = self.next_offset;
                self.next_offset = if offset >= span { 0 } else { offset + 1 };
                offset
            }
            Sampler::Uniform => rng.random_range(0..=span),
            Sampler::Zipf(zipf) => {
                // Samples are whole numbers in [1, count]; `as` saturates.
                let rank = zipf.sample(rng) as u64;
                rank.saturating_sub(1).min(span)
            }
            Sampler::Gaussian(normal) => {
                return gaussian_key(normal, self.range, rng);
            }
        };
        let key = self.range.minimum + offset;
        debug_assert!(key >= self.range.minimum && key <= self.range.maximum);
        key
    }
}

/// A Gaussian draw rounded to a key number within `range`.
fn gaussian_key(normal: &Normal<f64>, range: KeyRange, rng: &mut SmallRng) -> u64 {
    let (low, high) = (range.minimum as f64, range.maximum as f64);
    let mut x = normal.sample(rng).round();
    for _ in 0..GAUSSIAN_RETRIES {
        if x >= low && x <= high {
            break;
        }
        x = normal.sample(rng).round();
    }
    // `as` saturates and maps NaN to 0; the clamp keeps the invariant either way.
    (x.clamp(low, high) as u64).clamp(range.minimum, range.maximum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> SmallRng {
        SmallRng::seed_from_u64(7)
    }

    fn counts(pattern: KeyPattern, min: u64, max: u64, draws: usize) -> Vec<u64> {
        let range = KeyRange::new(min, max).unwrap();
        let mut keys = KeyGen::new(pattern, range, 0).unwrap();
        let mut rng = rng();
        let mut counts = vec![0u64; usize::try_from(max - min + 1).unwrap()];
        for _ in 0..draws {
            let key = keys.next(&mut rng);
            assert!((min..=max).contains(&key), "{key} outside [{min}, {max}]");
            counts[usize::try_from(key - min).unwrap()] += 1;
        }
        counts
    }

    const PATTERNS: [KeyPattern; 4] = [
        KeyPattern::Sequential,
        KeyPattern::Uniform,
        KeyPattern::Zipf { exponent: 1.2 },
        KeyPattern::Gaussian {
            median: 10.0,
            stddev: 100.0,
        },
    ];

    #[test]
    fn every_pattern_stays_in_range() {
        for pattern in PATTERNS {
            counts(pattern, 5, 24, 20_000);
            counts(pattern, 0, 0, 100);
        }
        // The very top of u64, where `maximum + 1` would overflow.
        for pattern in [
            KeyPattern::Sequential,
            KeyPattern::Uniform,
            KeyPattern::Zipf { exponent: 0.99 },
        ] {
            let range = KeyRange::new(u64::MAX - 3, u64::MAX).unwrap();
            let mut keys = KeyGen::new(pattern, range, 2).unwrap();
            let mut rng = rng();
            for _ in 0..1000 {
                assert!(keys.next(&mut rng) >= u64::MAX - 3);
            }
            let full = KeyRange::new(0, u64::MAX).unwrap();
            let mut keys = KeyGen::new(pattern, full, 0).unwrap();
            keys.next(&mut rng);
        }
        let gaussian = KeyPattern::Gaussian {
            median: u64::MAX as f64,
            stddev: 1e6,
        };
        let range = KeyRange::new(u64::MAX - 10, u64::MAX).unwrap();
        let mut keys = KeyGen::new(gaussian, range, 0).unwrap();
        let mut rng = rng();
        for _ in 0..1000 {
            assert!(keys.next(&mut rng) >= u64::MAX - 10);
        }
    }

    #[test]
    fn sequential_walks_from_its_start_and_wraps() {
        let range = KeyRange::new(10, 14).unwrap();
        let mut keys = KeyGen::new(KeyPattern::Sequential, range, 7).unwrap();
        let mut rng = rng();
        let drawn: Vec<u64> = (0..7).map(|_| keys.next(&mut rng)).collect();
        assert_eq!(drawn, [12, 13, 14, 10, 11, 12, 13]);
    }

    #[test]
    fn uniform_is_flat() {
        let counts = counts(KeyPattern::Uniform, 0, 9, 100_000);
        for count in counts {
            assert!((9_000..11_000).contains(&count), "{count}");
        }
    }

    #[test]
    fn zipf_follows_the_power_law() {
        let exponent = 1.0;
        let counts = counts(KeyPattern::Zipf { exponent }, 100, 199, 400_000);
        // P(rank 1) = 1 / H(100) = 0.1928 for exponent 1.
        let harmonic: f64 = (1..=100).map(|k| 1.0 / f64::from(k)).sum();
        let first = counts[0] as f64 / 400_000.0;
        assert!((first - 1.0 / harmonic).abs() < 0.01, "{first}");
        // count(rank 1) / count(rank k) = k^exponent.
        for (rank, tolerance) in [(2usize, 0.1), (4, 0.15), (10, 0.2)] {
            let ratio = counts[0] as f64 / counts[rank - 1] as f64;
            let expected = (rank as f64).powf(exponent);
            assert!(
                (ratio / expected - 1.0).abs() < tolerance,
                "rank {rank}: ratio {ratio}, expected {expected}"
            );
        }
        // Monotone in the head, and the tail is still reached.
        assert!(counts[0] > counts[1] && counts[1] > counts[2] && counts[2] > counts[9]);
        assert!(counts[99] > 0);
        // A larger exponent is more skewed.
        let steep = counts_first_share(2.0);
        assert!(steep > 0.55, "{steep}");
    }

    fn counts_first_share(exponent: f64) -> f64 {
        let counts = counts(KeyPattern::Zipf { exponent }, 0, 99, 100_000);
        counts[0] as f64 / 100_000.0
    }

    #[test]
    fn gaussian_is_bell_shaped_around_its_median() {
        let (median, stddev) = (500.0, 100.0);
        let draws = 200_000;
        let counts = counts(KeyPattern::Gaussian { median, stddev }, 0, 999, draws);
        let total = draws as f64;
        let mean: f64 = counts
            .iter()
            .enumerate()
            .map(|(k, &c)| k as f64 * c as f64)
            .sum::<f64>()
            / total;
        assert!((mean - median).abs() < 2.0, "{mean}");
        let within = |sigmas: f64| -> f64 {
            let (low, high) = (median - sigmas * stddev, median + sigmas * stddev);
            counts
                .iter()
                .enumerate()
                .filter(|(k, _)| (*k as f64) >= low && (*k as f64) <= high)
                .map(|(_, &c)| c as f64)
                .sum::<f64>()
                / total
        };
        assert!((within(1.0) - 0.683).abs() < 0.01, "{}", within(1.0));
        assert!((within(2.0) - 0.954).abs() < 0.01, "{}", within(2.0));
        // Both tails are populated and thin.
        assert!(counts[150] > 0 && counts[850] > 0);
        assert!(counts[500] > 10 * counts[250]);
    }

    #[test]
    fn gaussian_outside_the_range_is_clamped() {
        let pattern = KeyPattern::Gaussian {
            median: 1e9,
            stddev: 1.0,
        };
        let counts = counts(pattern, 0, 9, 1000);
        assert_eq!(counts[9], 1000);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let range = KeyRange::new(0, 9).unwrap();
        assert!(KeyGen::new(KeyPattern::Zipf { exponent: -1.0 }, range, 0).is_err());
        let nan = KeyPattern::Gaussian {
            median: 0.0,
            stddev: f64::NAN,
        };
        assert!(KeyGen::new(nan, range, 0).is_err());
        assert!(KeyRange::new(2, 1).is_err());
    }
}
