//! Timers whose distribution follows from the upstream mechanism, measured
//! on fixed seeds against that distribution: the tolerance of each check is
//! a confidence interval (or a Kolmogorov–Smirnov bound) at a level chosen
//! so that a correct model passes with overwhelming probability, and a
//! model off by the departure the check guards against fails.

use nines::experiment::{Recording, replicate};

use crate::util::{ks_critical, ks_distance, mean_ci, scenario};

const API_READ: usize = 1;

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

const CONTROLLERS: usize = 4;

/// The first control-plane machine (the initial etcd leader and holder of
/// both leases) crashes at 1 h for 30 minutes; the other two never fail.
fn lease_holder_crash(replications: usize, etcd: &str) -> String {
    format!(
        "horizon: 2h
replications: {replications}
seed: 29
machines:
  - name: cp-first
    role: control-plane
    count: 1
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 30m }}
  - name: cp-rest
    role: control-plane
    count: 2
control_plane:
  topology: stacked
  etcd: {etcd}
  endpoint: {{ type: cloud-lb }}
"
    )
}

/// The exact law of the lease takeover after the holder's crash, from
/// client-go's timers at the defaults (15 s lease, 2 s retry, sleeps of
/// 2 to 4.4 s), on a grid of `H` seconds.
///
/// The holder renewed last `D` ~ U[0, 2 s) before the crash. Each of the
/// two candidates has polled for long: its first poll after that renewal
/// comes after the stationary wait `R` (density (1 − F_G(x)) / E[G]). If
/// that poll falls while the candidates cannot reach etcd (the election
/// after the crash, lasting `E`), it fails and the next one, a sleep `G`
/// later, observes. The candidate takes the lease at its first poll at
/// least 15 s after its observation (`S`, the first renewal epoch of its
/// loop past 15 s). The takeover is the earlier candidate's, minus `D`.
struct TakeoverLaw {
    /// `cdf[k]` = P(takeover ≤ T0 + k·H).
    cdf: Vec<f64>,
}

const H: f64 = 0.01;
const T0: f64 = 10.0;

impl TakeoverLaw {
    /// `elections`: the law of `E` as (duration in seconds, probability).
    fn new(elections: &[(f64, f64)]) -> Self {
        let (short, long, lease) = (2.0, 4.4, 15.0);
        let mean_gap = (short + long) / 2.0;
        let cells = |x: f64| (x / H).round() as usize;
        // Mass of [lo, hi] falling in the cell centred on j·H.
        let overlap = |j: usize, lo: f64, hi: f64| {
            let (a, b) = ((j as f64 - 0.5) * H, (j as f64 + 0.5) * H);
            (b.min(hi) - a.max(lo)).max(0.0)
        };
        let top = cells(long) + 1;
        let g: Vec<f64> = (0..=top)
            .map(|j| overlap(j, short, long) / (long - short))
            .collect();
        let r: Vec<f64> = (0..=top)
            .map(|j| {
                let x = j as f64 * H;
                let survival = if x < short {
                    1.0
                } else {
                    ((long - x) / (long - short)).max(0.0)
                };
                survival / mean_gap * overlap(j, 0.0, long)
            })
            .collect();
        // Renewal masses u = g + g * u below the lease duration.
        let l = cells(lease);
        let mut u = vec![0.0; l];
        for k in 0..l {
            let mut m = g.get(k).copied().unwrap_or(0.0);
            for (j, gj) in g.iter().enumerate().take(k + 1).skip(1) {
                m += gj * u[k - j];
            }
            u[k] = m;
        }
        // S: the last epoch before the lease duration (0 included) plus
        // the sleep that jumps past it.
        let mut s = vec![0.0; l + top + 1];
        for t in 0..l {
            let w = if t == 0 { 1.0 } else { u[t] };
            for (j, gj) in g.iter().enumerate() {
                if t + j >= l {
                    s[t + j] += w * gj;
                }
            }
        }
        let convolve = |a: &[f64], b: &[f64]| {
            let mut c = vec![0.0; a.len() + b.len()];
            for (i, ai) in a.iter().enumerate() {
                for (j, bj) in b.iter().enumerate() {
                    c[i + j] += ai * bj;
                }
            }
            c
        };
        let cumulative = |a: Vec<f64>| {
            let mut total = 0.0;
            a.into_iter()
                .map(|m| {
                    total += m;
                    total
                })
                .collect::<Vec<f64>>()
        };
        let f_s = cumulative(s.clone());
        let f_gs = cumulative(convolve(&g, &s));
        let f_rs = cumulative(convolve(&r, &s));
        let at = |f: &[f64], k: isize| {
            if k < 0 {
                0.0
            } else {
                f.get(k as usize).copied().unwrap_or(1.0)
            }
        };
        let steps = ((30.0 - T0) / H) as usize;
        let phases = 40;
        let mut cdf = vec![0.0; steps + 1];
        for m in 0..phases {
            let d = (m as f64 + 0.5) * short / phases as f64;
            for &(e, p_e) in elections {
                let (from, to) = (cells(d), cells(d + e));
                for (k, slot) in cdf.iter_mut().enumerate() {
                    let x = cells(T0 + k as f64 * H + d) as isize;
                    let mut f = at(&f_rs, x);
                    for (j, rj) in r.iter().enumerate().take(to.min(top + 1)).skip(from) {
                        let y = x - j as isize;
                        f -= rj * (at(&f_s, y) - at(&f_gs, y));
                    }
                    *slot += p_e / phases as f64 * (1.0 - (1.0 - f).powi(2));
                }
            }
        }
        TakeoverLaw { cdf }
    }

    fn cdf(&self, t: f64) -> f64 {
        let k = ((t - T0) / H).round();
        if k < 0.0 {
            0.0
        } else {
            self.cdf.get(k as usize).copied().unwrap_or(1.0)
        }
    }

    fn mean(&self) -> f64 {
        T0 + self.cdf.iter().map(|f| (1.0 - f) * H).sum::<f64>()
    }

    fn quantile(&self, p: f64) -> f64 {
        let k = self
            .cdf
            .iter()
            .position(|&f| f >= p)
            .unwrap_or(self.cdf.len());
        T0 + k as f64 * H
    }
}

/// etcd's election after the leader's loss with the defaults, as the
/// model draws it: the earlier of two followers' timeouts, each a whole
/// number of 100 ms ticks in [10, 19], counted from the last heartbeat
/// (U[0, 1 tick) before the crash).
fn default_elections() -> Vec<(f64, f64)> {
    let mut law = Vec::new();
    for k in 10..20 {
        let p_k = f64::from((20 - k) * (20 - k) - (19 - k) * (19 - k)) / 100.0;
        for q in 0..5 {
            let phase = (f64::from(q) + 0.5) / 5.0;
            law.push((f64::from(k) * 0.1 - phase * 0.1, p_k / 5.0));
        }
    }
    law
}

/// Measures the controllers' takeover over `n` lifetimes and checks it
/// against `law`: the mean within its 99.9 % interval (plus the grid's
/// resolution), the whole distribution within the KS bound.
fn check_takeover(what: &str, etcd: &str, law: &TakeoverLaw, n: usize) {
    let s = scenario(&lease_holder_crash(n, etcd));
    let takeovers: Vec<f64> = (0..n as u64)
        .map(|index| {
            let o = replicate(&s, s.seed, index, Recording::default());
            let outages = &o.slis[CONTROLLERS].outage_secs;
            assert_eq!(outages.len(), 1, "{outages:?}");
            outages[0]
        })
        .collect();
    let (mean, half) = mean_ci(&takeovers);
    let mut sorted = takeovers.clone();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| sorted[((p * n as f64) as usize).min(n - 1)];
    eprintln!(
        "{what}: mean takeover {mean:.3} ± {half:.3} s (exact {:.3}); p10/p50/p90 {:.2}/{:.2}/{:.2} s (exact {:.2}/{:.2}/{:.2})",
        law.mean(),
        q(0.1),
        q(0.5),
        q(0.9),
        law.quantile(0.1),
        law.quantile(0.5),
        law.quantile(0.9)
    );
    assert!(
        (mean - law.mean()).abs() <= half + H,
        "{what}: mean takeover {mean} ± {half}, exact {}",
        law.mean()
    );
    let d = ks_distance(&takeovers, |t| law.cdf(t));
    assert!(
        d <= ks_critical(n) + 0.005,
        "{what}: KS distance {d} from the exact law"
    );
}

#[test]
fn lease_takeover_follows_client_go_with_an_instant_election() {
    let law = TakeoverLaw::new(&[(0.0, 1.0)]);
    check_takeover(
        "instant etcd election",
        "{ heartbeat_interval: 0s, election_timeout: 0s }",
        &law,
        1500,
    );
}

#[test]
fn lease_takeover_keeps_the_sighting_made_before_the_crash() {
    // The holder was also etcd's leader: nobody can write during the
    // election. A candidate that polled between the last renewal and the
    // crash has already seen the final record; one whose first poll falls
    // in the election observes at its next poll.
    let law = TakeoverLaw::new(&default_elections());
    check_takeover("default etcd election", "{}", &law, 1500);
}
