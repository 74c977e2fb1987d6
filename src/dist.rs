//! Time-to-failure and time-to-repair distributions.
//!
//! May import: `engine::{time, rng}`, `rand_distr`, and statrs' gamma
//! function (for Weibull means). Each distribution is built from parameters a
//! planner reads (a mean, a median and a p99, a shape) and validated on
//! construction, so sampling can never fail.

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, Gamma, StandardNormal};
use statrs::distribution::ContinuousCDF;

use crate::engine::{SimDuration, SimRng};

/// The standard-normal quantile at 0.99, used to read a log-normal from its
/// median and p99.
const Z_99: f64 = 2.326_347_874_040_840_8;

/// A distribution of non-negative durations. Parameters are stored in
/// seconds; samples are rounded to whole microseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// Memoryless, with the given mean.
    Exponential {
        /// Mean in seconds.
        mean: f64,
    },
    /// Weibull with shape k and scale λ: shape < 1 is infant mortality,
    /// shape > 1 wear-out.
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ in seconds.
        scale: f64,
    },
    /// Log-normal: ln(X) ~ Normal(mu, sigma²); typical for repair times.
    LogNormal {
        /// Mean of ln(seconds).
        mu: f64,
        /// Standard deviation of ln(seconds).
        sigma: f64,
    },
    /// Gamma with shape k and scale θ.
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ in seconds.
        scale: f64,
    },
    /// Always the same value.
    Deterministic {
        /// The value in seconds.
        value: f64,
    },
    /// Uniform between two values.
    Uniform {
        /// Lower end in seconds.
        min: f64,
        /// Upper end in seconds.
        max: f64,
    },
    /// Drawn with equal probability from observed samples.
    Empirical {
        /// The samples in seconds.
        samples: Vec<f64>,
    },
}

/// Checks that a parameter is a finite number above zero.
fn positive(name: &str, value: f64) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!("{name} must be greater than zero"))
    }
}

impl Distribution {
    /// Exponential with the given mean (must be positive).
    pub fn exponential(mean: SimDuration) -> Result<Self, String> {
        Ok(Distribution::Exponential {
            mean: positive("mean", mean.as_secs_f64())?,
        })
    }

    /// Weibull from its shape and either its mean or its scale.
    pub fn weibull(
        shape: f64,
        mean: Option<SimDuration>,
        scale: Option<SimDuration>,
    ) -> Result<Self, String> {
        let shape = positive("shape", shape)?;
        if !(0.05..=50.0).contains(&shape) {
            return Err("shape must be between 0.05 and 50".into());
        }
        let scale = match (mean, scale) {
            (Some(mean), None) => {
                positive("mean", mean.as_secs_f64())?
                    / statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            (None, Some(scale)) => positive("scale", scale.as_secs_f64())?,
            _ => return Err("give exactly one of `mean` or `scale` with `shape`".into()),
        };
        Ok(Distribution::Weibull { shape, scale })
    }

    /// Log-normal from its median and 99th percentile (p99 above the
    /// median), the two figures an operator can usually name.
    pub fn log_normal(median: SimDuration, p99: SimDuration) -> Result<Self, String> {
        let median = positive("median", median.as_secs_f64())?;
        let p99 = positive("p99", p99.as_secs_f64())?;
        if p99 <= median {
            return Err("p99 must be greater than the median".into());
        }
        Ok(Distribution::LogNormal {
            mu: median.ln(),
            sigma: (p99.ln() - median.ln()) / Z_99,
        })
    }

    /// Gamma from its shape and mean.
    pub fn gamma(shape: f64, mean: SimDuration) -> Result<Self, String> {
        let shape = positive("shape", shape)?;
        let mean = positive("mean", mean.as_secs_f64())?;
        Ok(Distribution::Gamma {
            shape,
            scale: mean / shape,
        })
    }

    /// Always `value` (zero is allowed: an instantaneous step).
    pub fn deterministic(value: SimDuration) -> Self {
        Distribution::Deterministic {
            value: value.as_secs_f64(),
        }
    }

    /// Uniform on [min, max].
    pub fn uniform(min: SimDuration, max: SimDuration) -> Result<Self, String> {
        if max < min {
            return Err("max must not be less than min".into());
        }
        Ok(Distribution::Uniform {
            min: min.as_secs_f64(),
            max: max.as_secs_f64(),
        })
    }

    /// Equal-probability choice among observed samples (at least one).
    pub fn empirical(samples: &[SimDuration]) -> Result<Self, String> {
        if samples.is_empty() {
            return Err("samples must list at least one duration".into());
        }
        Ok(Distribution::Empirical {
            samples: samples.iter().map(|s| s.as_secs_f64()).collect(),
        })
    }

    /// The mean in seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            Distribution::Exponential { mean } => *mean,
            Distribution::Weibull { shape, scale } => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Distribution::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Gamma { shape, scale } => shape * scale,
            Distribution::Deterministic { value } => *value,
            Distribution::Uniform { min, max } => (min + max) / 2.0,
            Distribution::Empirical { samples } => {
                samples.iter().sum::<f64>() / samples.len() as f64
            }
        }
    }

    /// Whether every sample is zero: such a step takes no time.
    pub fn is_zero(&self) -> bool {
        match self {
            Distribution::Deterministic { value } => *value == 0.0,
            Distribution::Uniform { max, .. } => *max == 0.0,
            Distribution::Empirical { samples } => samples.iter().all(|s| *s == 0.0),
            _ => false,
        }
    }

    /// Draws one duration.
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        let secs = match self {
            Distribution::Exponential { mean } => mean * rng.sample::<f64, _>(Exp1),
            Distribution::Weibull { shape, scale } => {
                // Inverse CDF: λ (−ln U)^(1/k), with U in (0, 1].
                let u: f64 = 1.0 - rng.random::<f64>();
                scale * (-u.ln()).powf(1.0 / shape)
            }
            Distribution::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                (mu + sigma * z).exp()
            }
            Distribution::Gamma { shape, scale } => Gamma::new(*shape, *scale)
                .expect("gamma parameters validated on construction")
                .sample(rng),
            Distribution::Deterministic { value } => *value,
            Distribution::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Distribution::Empirical { samples } => samples[rng.random_range(0..samples.len())],
        };
        SimDuration::from_secs_f64(secs)
    }

    /// Draws the remaining time of a duration that has already lasted
    /// `age` without ending: a sample of `T - age` given `T > age` (for a
    /// pending timer whose drawn value is unknown to the rest of the model,
    /// this is its exact conditional law). Exponential draws are
    /// memoryless; the others invert their conditional distribution
    /// function, so one uniform (or one normal) draw suffices.
    pub fn sample_residual(&self, age: SimDuration, rng: &mut SimRng) -> SimDuration {
        let a = age.as_secs_f64();
        if a <= 0.0 {
            return self.sample(rng);
        }
        // A uniform in (0, 1].
        let open = |rng: &mut SimRng| 1.0 - rng.random::<f64>();
        let total = match self {
            Distribution::Exponential { .. } => return self.sample(rng),
            Distribution::Weibull { shape, scale } => {
                // Cumulative hazard H(t) = (t/λ)^k: T = H⁻¹(H(a) + E).
                let e = -open(rng).ln();
                scale * ((a / scale).powf(*shape) + e).powf(1.0 / shape)
            }
            Distribution::LogNormal { mu, sigma } => {
                // Survival S(t) = Φ(-(ln t - μ)/σ); draw V ~ U(0, S(a)] and
                // solve S(T) = V, in the upper tail without cancellation.
                let normal = statrs::distribution::Normal::standard();
                let tail = normal.cdf(-(a.ln() - mu) / sigma);
                let v = open(rng) * tail;
                (mu - sigma * normal.inverse_cdf(v)).exp()
            }
            Distribution::Gamma { shape, scale } => {
                let tail = statrs::function::gamma::gamma_ur(*shape, a / scale);
                let v = open(rng) * tail;
                let gamma = statrs::distribution::Gamma::new(*shape, 1.0 / scale)
                    .expect("gamma parameters validated on construction");
                gamma.inverse_cdf(1.0 - v).max(a)
            }
            Distribution::Deterministic { value } => *value,
            Distribution::Uniform { min, max } => {
                let from = min.max(a).min(*max);
                from + (max - from) * (1.0 - open(rng))
            }
            Distribution::Empirical { samples } => {
                let later: Vec<f64> = samples.iter().copied().filter(|s| *s > a).collect();
                if later.is_empty() {
                    a
                } else {
                    later[rng.random_range(0..later.len())]
                }
            }
        };
        SimDuration::from_secs_f64((total - a).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::replication_rng;

    fn secs(s: u64) -> SimDuration {
        SimDuration::from_secs(s)
    }

    /// Sample mean over `n` draws and its standard error.
    fn sample_mean(dist: &Distribution, n: usize) -> (f64, f64) {
        let mut rng = replication_rng(11, 0);
        let xs: Vec<f64> = (0..n)
            .map(|_| dist.sample(&mut rng).as_secs_f64())
            .collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    }

    #[test]
    fn sample_means_match_declared_means() {
        let cases = [
            Distribution::exponential(secs(3_600)).unwrap(),
            Distribution::weibull(1.5, Some(secs(1_000)), None).unwrap(),
            Distribution::weibull(0.7, None, Some(secs(500))).unwrap(),
            Distribution::log_normal(secs(600), secs(7_200)).unwrap(),
            Distribution::gamma(2.5, secs(100)).unwrap(),
            Distribution::uniform(secs(10), secs(30)).unwrap(),
            Distribution::empirical(&[secs(1), secs(2), secs(6)]).unwrap(),
        ];
        for dist in cases {
            let (mean, se) = sample_mean(&dist, 200_000);
            let expected = dist.mean_secs();
            // 5 standard errors: a wrong formula misses by far more.
            assert!(
                (mean - expected).abs() < 5.0 * se,
                "{dist:?}: {mean} vs {expected} (se {se})"
            );
        }
    }

    #[test]
    fn weibull_from_mean_has_that_mean() {
        let dist = Distribution::weibull(2.0, Some(secs(1_000)), None).unwrap();
        assert!((dist.mean_secs() - 1_000.0).abs() < 1e-6);
    }

    #[test]
    fn log_normal_p99_is_the_99th_percentile() {
        let dist = Distribution::log_normal(secs(600), secs(7_200)).unwrap();
        let mut rng = replication_rng(5, 0);
        let n = 100_000;
        let below = (0..n)
            .filter(|_| dist.sample(&mut rng) <= secs(7_200))
            .count() as f64
            / n as f64;
        let se = (0.99f64 * 0.01 / n as f64).sqrt();
        assert!((below - 0.99).abs() < 5.0 * se, "{below}");
    }

    /// Mean of `T - age` over draws of `T` that exceed `age` (rejection
    /// sampling: slow but obviously right), and its standard error.
    fn rejection_residual_mean(dist: &Distribution, age: f64, n: usize) -> (f64, f64) {
        let mut rng = replication_rng(21, 0);
        let mut xs = Vec::with_capacity(n);
        while xs.len() < n {
            let t = dist.sample(&mut rng).as_secs_f64();
            if t > age {
                xs.push(t - age);
            }
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    }

    #[test]
    fn residual_draws_follow_the_conditional_law() {
        let cases = [
            (Distribution::exponential(secs(3_600)).unwrap(), 5_000.0),
            (
                Distribution::weibull(0.6, Some(secs(1_000)), None).unwrap(),
                700.0,
            ),
            (
                Distribution::weibull(3.0, Some(secs(1_000)), None).unwrap(),
                900.0,
            ),
            (
                Distribution::log_normal(secs(600), secs(7_200)).unwrap(),
                1_200.0,
            ),
            (Distribution::gamma(2.5, secs(100)).unwrap(), 150.0),
            (Distribution::uniform(secs(10), secs(30)).unwrap(), 25.0),
            (
                Distribution::empirical(&[secs(1), secs(2), secs(6), secs(9)]).unwrap(),
                3.0,
            ),
        ];
        let n = 100_000;
        for (dist, age) in cases {
            let (expected, se_a) = rejection_residual_mean(&dist, age, n);
            let mut rng = replication_rng(22, 0);
            let age = SimDuration::from_secs_f64(age);
            let xs: Vec<f64> = (0..n)
                .map(|_| dist.sample_residual(age, &mut rng).as_secs_f64())
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (se_a * se_a + var / n as f64).sqrt();
            // 5 standard errors of the difference: a wrong law misses by far more.
            assert!(
                (mean - expected).abs() < 5.0 * se,
                "{dist:?}: residual mean {mean} vs {expected} (se {se})"
            );
        }
    }

    #[test]
    fn residuals_of_fixed_values_and_fresh_starts() {
        let fixed = Distribution::deterministic(secs(100));
        let mut rng = replication_rng(1, 2);
        assert_eq!(fixed.sample_residual(secs(30), &mut rng), secs(70));
        // Age zero is a fresh draw from the same stream position.
        let dist = Distribution::weibull(2.0, Some(secs(50)), None).unwrap();
        let a = dist.sample_residual(SimDuration::ZERO, &mut replication_rng(3, 3));
        let b = dist.sample(&mut replication_rng(3, 3));
        assert_eq!(a, b);
    }

    #[test]
    fn deterministic_zero_is_instant() {
        let dist = Distribution::deterministic(SimDuration::ZERO);
        assert!(dist.is_zero());
        assert_eq!(dist.sample(&mut replication_rng(1, 1)), SimDuration::ZERO);
    }

    #[test]
    fn bad_parameters_are_refused_with_a_reason() {
        assert!(
            Distribution::exponential(SimDuration::ZERO)
                .unwrap_err()
                .contains("mean")
        );
        assert!(
            Distribution::weibull(1.0, None, None)
                .unwrap_err()
                .contains("exactly one")
        );
        assert!(Distribution::weibull(-1.0, Some(secs(1)), None).is_err());
        assert!(
            Distribution::log_normal(secs(10), secs(5))
                .unwrap_err()
                .contains("p99")
        );
        assert!(Distribution::uniform(secs(5), secs(1)).is_err());
        assert!(Distribution::empirical(&[]).is_err());
        assert!(Distribution::gamma(0.0, secs(1)).is_err());
    }
}
