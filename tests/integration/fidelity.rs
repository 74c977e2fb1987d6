//! Timers whose distribution follows from the upstream mechanism, measured
//! on fixed seeds against that distribution: the tolerance of each check is
//! a confidence interval (or a Kolmogorov–Smirnov bound) at a level chosen
//! so that a correct model passes with overwhelming probability, and a
//! model off by the departure the check guards against fails.

use nines::experiment::{Recording, replicate};

use crate::util::scenario;

const API_READ: usize = 1;

/// 99.9 % two-sided normal quantile.
const Z999: f64 = 3.290_527;

/// Kolmogorov–Smirnov critical value at α = 0.001 (asymptotic):
/// `sqrt(-ln(α/2) / 2) / sqrt(n)`.
fn ks_critical(n: usize) -> f64 {
    (-(0.0005f64).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

/// Mean and its half-width at 99.9 %.
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, Z999 * (var / n).sqrt())
}

/// The largest distance between the empirical CDF of `xs` and `cdf`.
fn ks_distance(xs: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}

/// The keepalived MASTER's host dies at 1 h; the control plane never fails.
fn vrrp_master_crash(replications: usize) -> String {
    format!(
        "horizon: 2h
replications: {replications}
seed: 13
machines:
  - name: cp
    role: control-plane
    count: 3
  - name: lb-master
    role: load-balancer
    count: 1
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 30m }}
  - name: lb-backup
    role: load-balancer
    count: 1
control_plane:
  topology: stacked
  endpoint: {{ type: haproxy-keepalived }}
"
    )
}

#[test]
fn vrrp_takeover_runs_from_the_last_advert_not_from_the_crash() {
    // RFC 3768: the backup waits 3 x advert_int + skew after the last
    // advertisement it heard; the MASTER advertised every second on a grid
    // of its own, so the last one came U[0, 1 s) before the crash. With
    // priority 100 the skew is 156/256 s: the gap is uniform on
    // (2.609375 s, 3.609375 s].
    let (lo, width) = (2.0 + 156.0 / 256.0, 1.0);
    let n = 400;
    let s = scenario(&vrrp_master_crash(n));
    let gaps: Vec<f64> = (0..n as u64)
        .map(|index| {
            let o = replicate(&s, s.seed, index, Recording::default());
            let outages = &o.slis[API_READ].outage_secs;
            assert_eq!(outages.len(), 1, "{outages:?}");
            outages[0]
        })
        .collect();
    for &g in &gaps {
        assert!(lo - 1e-6 <= g && g <= lo + width + 1e-6, "gap {g}");
    }
    let (mean, half) = mean_ci(&gaps);
    let expected = lo + width / 2.0;
    eprintln!("vrrp takeover: mean {mean:.4} ± {half:.4} s over {n}, derived {expected:.4} s");
    assert!(
        (mean - expected).abs() <= half,
        "mean gap {mean} ± {half}, uniform mean {expected}"
    );
    let d = ks_distance(&gaps, |x| ((x - lo) / width).clamp(0.0, 1.0));
    assert!(
        d <= ks_critical(n),
        "KS distance {d} from U({lo}, {})",
        lo + width
    );
}
