//! Seeded, portable random streams: one per replication.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random generator of one replication. ChaCha8 is portable across
/// platforms and `rand` versions (unlike `StdRng`) and has 2^64 independent
/// streams per key, so every replication gets its own stream of one key.
pub type SimRng = ChaCha8Rng;

/// The stream of replication `index` under `master_seed`: the key comes from
/// the master seed alone (via `seed_from_u64`, which is portable) and the
/// stream number is the index. No other input exists, so results do not
/// depend on thread count or on how replications are split across machines.
pub fn replication_rng(master_seed: u64, index: u64) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(master_seed);
    rng.set_stream(index);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    const PINNED_FIRST_WORD: u64 = 12_578_764_544_318_200_737;

    fn first_words(rng: &mut SimRng) -> Vec<u64> {
        (0..8).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn same_seed_and_index_give_the_same_stream() {
        let a = first_words(&mut replication_rng(7, 3));
        let b = first_words(&mut replication_rng(7, 3));
        assert_eq!(a, b);
    }

    #[test]
    fn streams_differ_by_index_and_by_seed() {
        let base = first_words(&mut replication_rng(7, 3));
        assert_ne!(base, first_words(&mut replication_rng(7, 4)));
        assert_ne!(base, first_words(&mut replication_rng(8, 3)));
    }

    #[test]
    fn neighbouring_streams_are_uncorrelated() {
        // Pearson correlation of uniforms from streams 0 and 1: |r| should be
        // within a few standard errors (1/sqrt(n)) of zero.
        let n = 20_000;
        let mut a = replication_rng(1, 0);
        let mut b = replication_rng(1, 1);
        let xs: Vec<f64> = (0..n)
            .map(|_| (a.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
            .collect();
        let ys: Vec<f64> = (0..n)
            .map(|_| (b.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (mx, my) = (mean(&xs), mean(&ys));
        let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
        let r = cov / (vx * vy).sqrt();
        assert!(r.abs() < 4.0 / (n as f64).sqrt(), "correlation {r}");
    }

    #[test]
    fn stream_is_pinned_across_versions() {
        // Reports promise reproducibility for a given nines version; this pins
        // the generator so a dependency bump that changed it is noticed.
        let mut rng = replication_rng(42, 0);
        assert_eq!(rng.next_u64(), PINNED_FIRST_WORD);
    }
}
