//! Exact availability results for simple repairable systems.
//!
//! These closed forms and birth-death Markov-chain solutions serve two
//! purposes: integration tests validate the simulator against them, and
//! users see them next to simulated figures as a sanity reference.
//!
//! All rates are per unit time in whatever unit the caller uses (e.g. per
//! hour); times returned are in the same unit.

/// Steady-state availability of one component with exponential failure rate
/// `lambda` and repair rate `mu`: `mu / (lambda + mu)`.
///
/// # Panics
/// If either rate is negative or not finite, or both are zero.
pub fn single_availability(lambda: f64, mu: f64) -> f64 {
    check_rate("lambda", lambda);
    check_rate("mu", mu);
    assert!(lambda + mu > 0.0, "lambda and mu must not both be zero");
    mu / (lambda + mu)
}

/// Probability that at least `k` of `n` independent identical components are
/// up, each up with probability `p` (upper binomial tail).
///
/// # Panics
/// If `p` is not in `[0, 1]`.
pub fn k_of_n_availability(k: usize, n: usize, p: f64) -> f64 {
    assert!((0.0..=1.0).contains(&p), "p must be in [0, 1], got {p}");
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    // The log-space terms below would produce 0 * -inf = NaN at the endpoints.
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    // Log space keeps C(n, j) p^j q^(n-j) representable for large n, where
    // the factors individually over- or underflow.
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut total = 0.0;
    for j in 0..=n {
        if j >= k {
            total += (ln_choose + j as f64 * ln_p + (n - j) as f64 * ln_q).exp();
        }
        if j < n {
            ln_choose += ((n - j) as f64).ln() - ((j + 1) as f64).ln();
        }
    }
    total.clamp(0.0, 1.0)
}

/// Expected first-passage time of a birth-death chain from state 0 to state
/// `m = forward.len()`.
///
/// `forward[i]` is the transition rate from state `i` to `i + 1` and
/// `backward[i]` the rate from `i` to `i - 1` (`backward[0]` is ignored).
/// Uses the exact level-crossing recursion: the mean time `T_i` to first go
/// from `i` to `i + 1` satisfies `T_0 = 1 / forward[0]` and
/// `T_i = (1 + backward[i] * T_{i-1}) / forward[i]`; the answer is
/// `sum_{i < m} T_i`. Returns 0 when `m == 0` and infinity when some
/// `forward[i]` is zero (state `m` is then unreachable).
///
/// # Panics
/// If the slices differ in length or any rate is negative or not finite.
pub fn mttf_first_passage(forward: &[f64], backward: &[f64]) -> f64 {
    assert_eq!(
        forward.len(),
        backward.len(),
        "forward and backward rates must have the same length"
    );
    forward
        .iter()
        .chain(backward)
        .for_each(|&r| check_rate("rate", r));
    let mut total = 0.0;
    let mut level = 0.0; // T_{i-1}; its value is irrelevant at i = 0
    for (i, (&up, &down)) in forward.iter().zip(backward).enumerate() {
        if up == 0.0 {
            return f64::INFINITY;
        }
        let back = if i == 0 { 0.0 } else { down };
        // All terms are non-negative, so the recursion has no cancellation.
        level = (1.0 + back * level) / up;
        total += level;
    }
    total
}

/// A continuous-time birth-death chain on the number of failed components
/// `j = 0..=n` of `n` identical components, each failing at exponential rate
/// `lambda`, with `crews` repair crews each repairing one component at rate
/// `mu` (`crews >= n` means independent repair).
///
/// Failure rate out of state `j` is `(n - j) * lambda`; repair rate is
/// `min(j, crews) * mu`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepairChain {
    /// Number of identical components.
    pub n: usize,
    /// Failure rate of each up component.
    pub lambda: f64,
    /// Repair rate of each busy crew.
    pub mu: f64,
    /// Number of repair crews working in parallel.
    pub crews: usize,
}

impl RepairChain {
    /// Rate from `j` failed to `j + 1` failed.
    fn fail_rate(&self, j: usize) -> f64 {
        (self.n - j) as f64 * self.lambda
    }

    /// Rate from `j` failed to `j - 1` failed.
    fn repair_rate(&self, j: usize) -> f64 {
        j.min(self.crews) as f64 * self.mu
    }

    fn check(&self) {
        check_rate("lambda", self.lambda);
        check_rate("mu", self.mu);
    }

    /// Stationary distribution: `pi[j]` is the steady-state probability that
    /// exactly `j` components are failed (`pi.len() == n + 1`).
    ///
    /// Computed from the detailed-balance products
    /// `pi[j] ∝ prod_{i<j} fail_rate(i) / repair_rate(i+1)` in log space, so
    /// large `n` or extreme rate ratios neither overflow nor underflow before
    /// normalisation. With `lambda == 0` all mass is on `j = 0`; otherwise,
    /// with no repair (`mu == 0` or `crews == 0`) all mass is on `j = n`.
    ///
    /// # Panics
    /// If a rate is negative or not finite.
    pub fn stationary(&self) -> Vec<f64> {
        self.check();
        let n = self.n;
        let mut pi = vec![0.0; n + 1];
        if self.lambda == 0.0 || n == 0 {
            pi[0] = 1.0;
            return pi;
        }
        if self.mu == 0.0 || self.crews == 0 {
            pi[n] = 1.0;
            return pi;
        }
        let mut log_w = Vec::with_capacity(n + 1);
        log_w.push(0.0);
        for j in 0..n {
            let prev = log_w[j];
            log_w.push(prev + self.fail_rate(j).ln() - self.repair_rate(j + 1).ln());
        }
        let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (p, &lw) in pi.iter_mut().zip(&log_w) {
            *p = (lw - max).exp();
            sum += *p;
        }
        pi.iter_mut().for_each(|p| *p /= sum);
        pi
    }

    /// Steady-state probability that at least `k` components are up.
    pub fn availability(&self, k: usize) -> f64 {
        if k > self.n {
            return 0.0;
        }
        let pi = self.stationary();
        pi[..=self.n - k].iter().sum::<f64>().min(1.0)
    }

    /// Steady-state probability that fewer than `k` components are up.
    ///
    /// Summed directly rather than as `1 - availability` so highly available
    /// configurations keep their relative precision.
    pub fn unavailability(&self, k: usize) -> f64 {
        if k > self.n {
            return 1.0;
        }
        let pi = self.stationary();
        pi[self.n - k + 1..].iter().sum::<f64>().min(1.0)
    }

    /// Mean time from all components up until the number up first drops
    /// below `k`, i.e. the first passage from `j = 0` to `j = n - k + 1`
    /// failed (see [`mttf_first_passage`] for the recursion).
    ///
    /// This starts from all-up, so it differs from [`Self::mean_up_time`],
    /// which averages over up periods starting just after a repair. Returns
    /// infinity for `k == 0` (never down) and 0 for `k > n` (down from the
    /// start).
    ///
    /// # Panics
    /// If a rate is negative or not finite.
    pub fn mttf(&self, k: usize) -> f64 {
        self.check();
        if k == 0 {
            return f64::INFINITY;
        }
        if k > self.n {
            return 0.0;
        }
        let m = self.n - k + 1;
        let forward: Vec<f64> = (0..m).map(|j| self.fail_rate(j)).collect();
        let backward: Vec<f64> = (0..m).map(|j| self.repair_rate(j)).collect();
        mttf_first_passage(&forward, &backward)
    }

    /// Steady-state frequency of entering the down set (fewer than `k` up)
    /// per unit time: `pi[n-k] * k * lambda`, the probability flow from
    /// `j = n - k` (exactly `k` up) to `j = n - k + 1`.
    ///
    /// Returns 0 for `k == 0` or `k > n`, where the boundary is never crossed.
    pub fn outage_frequency(&self, k: usize) -> f64 {
        if k == 0 || k > self.n {
            return 0.0;
        }
        self.stationary()[self.n - k] * k as f64 * self.lambda
    }

    /// Mean outage duration: `(1 - availability) / outage_frequency`.
    ///
    /// When outages never start this is 0 if the system is always up and
    /// infinity if it is permanently down.
    pub fn mean_outage(&self, k: usize) -> f64 {
        let down = self.unavailability(k);
        let freq = self.outage_frequency(k);
        if freq > 0.0 {
            down / freq
        } else if down > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    }

    /// Mean up time between outages: `availability / outage_frequency`.
    ///
    /// When outages never start this is infinity if the system is ever up
    /// and 0 if it is permanently down.
    pub fn mean_up_time(&self, k: usize) -> f64 {
        let up = self.availability(k);
        let freq = self.outage_frequency(k);
        if freq > 0.0 {
            up / freq
        } else if up > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    }
}

fn check_rate(name: &str, rate: f64) {
    assert!(
        rate.is_finite() && rate >= 0.0,
        "{name} must be finite and non-negative, got {rate}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64, rel: f64) {
        let scale = actual.abs().max(expected.abs()).max(f64::MIN_POSITIVE);
        assert!(
            (actual - expected).abs() <= rel * scale,
            "actual {actual} vs expected {expected} (rel tol {rel})"
        );
    }

    fn independent(n: usize, lambda: f64, mu: f64) -> RepairChain {
        RepairChain {
            n,
            lambda,
            mu,
            crews: n,
        }
    }

    /// Dense Gaussian elimination with partial pivoting, written out here so
    /// the check does not share code with the recursion under test.
    fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
        let n = b.len();
        for col in 0..n {
            let piv = (col..n)
                .max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))
                .unwrap();
            a.swap(col, piv);
            b.swap(col, piv);
            let pivot_row = a[col].clone();
            for row in col + 1..n {
                let f = a[row][col] / pivot_row[col];
                for (x, p) in a[row].iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
        let mut x = vec![0.0; n];
        for row in (0..n).rev() {
            let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
            x[row] = (b[row] - s) / a[row][row];
        }
        x
    }

    #[test]
    fn two_of_three_independent() {
        let (lambda, mu) = (0.01, 0.5);
        let p = single_availability(lambda, mu);
        let chain = independent(3, lambda, mu);
        assert_close(chain.availability(2), 3.0 * p * p - 2.0 * p.powi(3), 1e-12);
        assert_close(
            chain.mttf(2),
            (5.0 * lambda + mu) / (6.0 * lambda * lambda),
            1e-12,
        );
    }

    #[test]
    fn one_of_one() {
        let (lambda, mu) = (0.002, 0.25);
        let chain = independent(1, lambda, mu);
        assert_close(chain.availability(1), mu / (lambda + mu), 1e-14);
        assert_close(chain.mttf(1), 1.0 / lambda, 1e-14);
        assert_close(chain.mean_outage(1), 1.0 / mu, 1e-12);
        assert_close(chain.mean_up_time(1), 1.0 / lambda, 1e-12);
    }

    #[test]
    fn three_of_five_independent() {
        let (lambda, mu) = (0.03, 0.7);
        let p = single_availability(lambda, mu);
        let chain = independent(5, lambda, mu);
        assert_close(chain.availability(3), k_of_n_availability(3, 5, p), 1e-12);

        // T_i = expected time to absorption at 3 failed from i failed:
        // (b_i + d_i) T_i - b_i T_{i+1} - d_i T_{i-1} = 1, with T_3 = 0.
        let b = |j: usize| (5 - j) as f64 * lambda;
        let d = |j: usize| j as f64 * mu;
        let a = vec![
            vec![b(0), -b(0), 0.0],
            vec![-d(1), b(1) + d(1), -b(1)],
            vec![0.0, -d(2), b(2) + d(2)],
        ];
        let t = solve(a, vec![1.0; 3]);
        assert_close(chain.mttf(3), t[0], 1e-10);
    }

    #[test]
    fn binomial_tail_matches_chain_for_all_k() {
        let (lambda, mu) = (0.1, 0.3);
        let p = single_availability(lambda, mu);
        let chain = independent(7, lambda, mu);
        for k in 0..=8 {
            assert_close(chain.availability(k), k_of_n_availability(k, 7, p), 1e-12);
        }
    }

    #[test]
    fn k_of_n_edges() {
        assert_eq!(k_of_n_availability(0, 3, 0.0), 1.0);
        assert_eq!(k_of_n_availability(1, 3, 0.0), 0.0);
        assert_eq!(k_of_n_availability(3, 3, 1.0), 1.0);
        assert_eq!(k_of_n_availability(4, 3, 1.0), 0.0);
        assert_close(k_of_n_availability(3, 3, 0.9), 0.729, 1e-14);
        assert_close(k_of_n_availability(1, 3, 0.9), 1.0 - 0.001, 1e-14);
    }

    #[test]
    fn single_crew_machine_repairman() {
        let (lambda, mu) = (0.05, 0.4);
        let rho = lambda / mu;
        let one = RepairChain {
            n: 3,
            lambda,
            mu,
            crews: 1,
        };
        // pi[j] ∝ n!/(n-j)! rho^j = 1, 3 rho, 6 rho^2, 6 rho^3.
        let w = [1.0, 3.0 * rho, 6.0 * rho * rho, 6.0 * rho.powi(3)];
        let z: f64 = w.iter().sum();
        for (got, want) in one.stationary().iter().zip(w) {
            assert_close(*got, want / z, 1e-12);
        }
        assert_close(one.availability(2), (w[0] + w[1]) / z, 1e-12);
        assert!(one.availability(2) < independent(3, lambda, mu).availability(2));
        // Passage to 2 failed only visits j <= 1, where one crew suffices,
        // so extra crews cannot help 2-of-3 MTTF; they do help 1-of-3.
        assert_close(one.mttf(2), independent(3, lambda, mu).mttf(2), 1e-12);
        assert!(one.mttf(1) < independent(3, lambda, mu).mttf(1));
    }

    #[test]
    fn surplus_crews_equal_independent_repair() {
        let many = RepairChain {
            n: 4,
            lambda: 0.2,
            mu: 1.0,
            crews: 10,
        };
        let exact = independent(4, 0.2, 1.0);
        assert_eq!(many.stationary(), exact.stationary());
        assert_eq!(many.mttf(2), exact.mttf(2));
    }

    #[test]
    fn frequency_duration_identities() {
        for crews in 1..=5 {
            let chain = RepairChain {
                n: 5,
                lambda: 0.04,
                mu: 0.6,
                crews,
            };
            for k in 1..=5 {
                let a = chain.availability(k);
                let f = chain.outage_frequency(k);
                let down: f64 = chain.stationary()[5 - k + 1..].iter().sum();
                // Relative check against the exact tail; 1 - a loses digits.
                assert_close(f * chain.mean_outage(k), down, 1e-12);
                assert!((f * chain.mean_outage(k) - (1.0 - a)).abs() < 1e-14);
                assert_close(f * chain.mean_up_time(k), a, 1e-12);
            }
        }
    }

    #[test]
    fn stationary_is_stable_for_large_n() {
        let chain = independent(400, 1e-4, 10.0);
        let pi = chain.stationary();
        assert!(pi.iter().all(|p| p.is_finite() && *p >= 0.0));
        assert_close(pi.iter().sum(), 1.0, 1e-12);
        let p = single_availability(1e-4, 10.0);
        assert_close(
            chain.availability(399),
            k_of_n_availability(399, 400, p),
            1e-12,
        );
    }

    #[test]
    fn degenerate_cases() {
        let chain = independent(3, 0.1, 1.0);
        assert_eq!(chain.mttf(0), f64::INFINITY);
        assert_eq!(chain.mttf(4), 0.0);
        assert_eq!(chain.availability(0), 1.0);
        assert_eq!(chain.availability(4), 0.0);
        assert_eq!(chain.mean_outage(0), 0.0);
        assert_eq!(chain.mean_outage(4), f64::INFINITY);

        let no_repair = RepairChain { mu: 0.0, ..chain };
        assert_eq!(no_repair.availability(1), 0.0);
        // Without repair, MTTF to total failure is sum of 1/(i lambda).
        assert_close(no_repair.mttf(1), (1.0 / 3.0 + 0.5 + 1.0) / 0.1, 1e-12);

        let no_failure = RepairChain {
            lambda: 0.0,
            ..chain
        };
        assert_eq!(no_failure.availability(3), 1.0);
        assert_eq!(no_failure.mttf(1), f64::INFINITY);
        assert_eq!(no_failure.mean_outage(3), 0.0);
    }
}
