//! The balancers' health checks per endpoint: what an HTTP check
//! (`/healthz`, `/livez`, `/readyz`, each including the apiserver's etcd
//! check) and a TCP check see, and what follows for requests, measured
//! against timer sums on fixed seeds.

use nines::experiment::{Recording, replicate};
use nines::model::ReplicationOutcome as Outcome;
use nines::scenario::Scenario;

use crate::util::{ks_critical, ks_distance, mean_ci, scenario};

const API_WRITE: usize = 0;
const API_READ: usize = 1;

/// External etcd of three members: two die at 1 h for exactly 30 minutes
/// (quorum lost, every apiserver alive); elections are instant, so writes
/// are impossible for exactly 1800 s.
fn quorum_loss(replications: usize, endpoint: &str) -> Scenario {
    scenario(&format!(
        "horizon: 2h
replications: {replications}
seed: 31
machines:
  - name: cp
    role: control-plane
    count: 3
  - name: etcd-kept
    role: etcd
    count: 1
  - name: etcd-lost
    role: etcd
    count: 2
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 30m }}
control_plane:
  topology: external
  etcd: {{ heartbeat_interval: 0s, election_timeout: 0s }}
  endpoint: {endpoint}
"
    ))
}

fn lifetimes(s: &Scenario) -> Vec<Outcome> {
    (0..s.replications)
        .map(|i| replicate(s, s.seed, i, Recording::default()))
        .collect()
}

fn outages(o: &Outcome, sli: usize) -> &[f64] {
    &o.slis[sli].outage_secs
}

#[test]
fn a_tcp_check_keeps_haproxy_serving_reads_and_writes_return_with_the_quorum() {
    // The apiservers run throughout: a TCP check never fails, so HAProxy
    // keeps every backend UP. Reads (from the watch cache) never fail;
    // writes fail exactly while etcd has no quorum.
    let s = quorum_loss(50, "{ type: haproxy-keepalived, check: tcp }");
    for o in lifetimes(&s) {
        assert!(outages(&o, API_READ).is_empty(), "{:?}", o.slis[API_READ]);
        let writes = outages(&o, API_WRITE);
        assert_eq!(writes.len(), 1, "{writes:?}");
        assert!((writes[0] - 1800.0).abs() < 1e-6, "write outage {writes:?}");
    }
}

#[test]
fn an_http_check_marks_every_apiserver_down_without_quorum_and_haproxy_answers_503() {
    // `/healthz` includes the etcd check: each backend fails it from the
    // loss on and is DOWN at its `fall` = 3rd check after it (checks every
    // 2 s, phases U[0, 2 s) per backend, so 4 s + offset_i); with none UP
    // HAProxy answers 503 to reads too. After the quorum returns, the first
    // backend is UP at its `rise` = 2nd check: 2 s + offset_i. So
    //   write outage = 1800 + 2 + min_i offset_i,
    //   read outage  = 1800 + 2 + min_i offset_i − 4 − max_i offset_i,
    // with three offsets uniform on (0, 2]: min has CDF 1 − (1 − x/2)³
    // (mean 0.5), and E[min − max] = 0.5 − 1.5 = −1.
    let n = 600;
    let s = quorum_loss(n, "{ type: haproxy-keepalived, check: healthz }");
    let runs = lifetimes(&s);
    let mut delays = Vec::new();
    let mut reads = Vec::new();
    for o in &runs {
        let (w, r) = (outages(o, API_WRITE), outages(o, API_READ));
        assert_eq!((w.len(), r.len()), (1, 1), "{w:?} {r:?}");
        let delay = w[0] - 1802.0;
        assert!((-1e-6..=2.0 + 1e-6).contains(&delay), "write outage {w:?}");
        // read = write − 4 − max offset, and max offset ∈ [min, 2].
        let max_offset = w[0] - 4.0 - r[0];
        assert!(
            delay - 1e-6 <= max_offset && max_offset <= 2.0 + 1e-6,
            "read {r:?}, write {w:?}"
        );
        delays.push(delay);
        reads.push(r[0]);
    }
    let (mean, half) = mean_ci(&delays);
    eprintln!(
        "haproxy /healthz: write recovery {mean:.4} ± {half:.4} s after quorum (derived 0.5)"
    );
    assert!((mean - 0.5).abs() <= half, "mean {mean} ± {half}");
    let d = ks_distance(&delays, |x| 1.0 - (1.0 - (x / 2.0).clamp(0.0, 1.0)).powi(3));
    assert!(d <= ks_critical(n), "KS distance {d}");
    let (mean, half) = mean_ci(&reads);
    eprintln!("haproxy /healthz: read outage {mean:.4} ± {half:.4} s (derived 1797)");
    assert!(
        (mean - 1797.0).abs() <= half,
        "mean read outage {mean} ± {half}"
    );
}

#[test]
fn livez_and_readyz_include_etcd_like_healthz() {
    // Upstream registers the etcd check for /healthz, /livez and /readyz
    // alike: the same draws give the same lifetimes.
    let of = |check: &str| {
        let s = quorum_loss(
            20,
            &format!("{{ type: haproxy-keepalived, check: {check} }}"),
        );
        lifetimes(&s)
            .iter()
            .map(|o| (o.slis[API_WRITE].clone(), o.slis[API_READ].clone()))
            .map(|(w, r)| (w.outage_secs, r.outage_secs, w.lost_secs, r.lost_secs))
            .collect::<Vec<_>>()
    };
    let healthz = of("healthz");
    assert_eq!(of("livez"), healthz);
    assert_eq!(of("readyz"), healthz);
    assert_ne!(of("tcp"), healthz);
}

#[test]
fn a_cloud_load_balancer_fails_open_so_its_check_does_not_matter_for_a_quorum_loss() {
    // With /healthz every target is unhealthy without quorum and the cloud
    // load balancer sends to all of them; with TCP none is. Either way
    // reads succeed throughout and writes return with the quorum.
    for check in ["healthz", "tcp"] {
        let s = quorum_loss(20, &format!("{{ type: cloud-lb, check: {check} }}"));
        for o in lifetimes(&s) {
            assert!(outages(&o, API_READ).is_empty(), "{check}");
            let writes = outages(&o, API_WRITE);
            assert_eq!(writes.len(), 1, "{check}: {writes:?}");
            assert!((writes[0] - 1800.0).abs() < 1e-6, "{check}: {writes:?}");
        }
    }
}

/// Stacked control plane behind a cloud load balancer: the third machine
/// dies at 1 h for 30 minutes and loses its etcd member's disk, so after
/// the repair its apiserver runs while its local member re-syncs for 60 s.
fn member_resync(check: &str) -> Scenario {
    scenario(&format!(
        "horizon: 2h
replications: 200
seed: 37
machines:
  - name: cp-kept
    role: control-plane
    count: 2
  - name: cp-lost
    role: control-plane
    count: 1
    failures:
      - time_to_failure: {{ deterministic: 1h }}
        time_to_repair: {{ deterministic: 30m }}
        loses_disk: true
control_plane:
  topology: stacked
  etcd: {{ member_sync: 60s }}
  endpoint: {{ type: cloud-lb, check: {check} }}
"
    ))
}

#[test]
fn a_tcp_check_keeps_sending_writes_to_an_apiserver_whose_etcd_cannot_serve() {
    // Checks every 5 s with a phase offset o ∈ (0, 5] after 1 h and after
    // the repair alike (both on the 5 s grid). The dead backend keeps a
    // third of the writes until its 2nd failed check, 5 + o s: lost
    // (5 + o)/3 s of writes with either check. After the repair, a TCP
    // check marks it up at its 2nd good check (5 + o s) although its etcd
    // member re-syncs until 60 s: a third of the writes fail for
    // 55 − o s more, (5 + o + 55 − o)/3 = 20 s in all, whatever o. An HTTP
    // check keeps it down until the re-sync ends, so only (5 + o)/3 s
    // (mean 2.5 s, between 5/3 and 10/3 s) are lost.
    let tcp = member_resync("tcp");
    let healthz = member_resync("healthz");
    let (tcp_runs, http_runs) = (lifetimes(&tcp), lifetimes(&healthz));
    let mut http_lost = Vec::new();
    for (t, h) in tcp_runs.iter().zip(&http_runs) {
        let lost = t.slis[API_WRITE].lost_secs;
        assert!((lost - 20.0).abs() < 1e-6, "tcp: {lost} s of writes lost");
        let lost = h.slis[API_WRITE].lost_secs;
        assert!(
            (5.0 / 3.0 - 1e-6..=10.0 / 3.0 + 1e-6).contains(&lost),
            "healthz: {lost} s of writes lost"
        );
        http_lost.push(lost);
    }
    let (mean, half) = mean_ci(&http_lost);
    eprintln!("cloud-lb /healthz: {mean:.4} ± {half:.4} s of writes lost (derived 2.5)");
    assert!((mean - 2.5).abs() <= half, "mean {mean} ± {half}");
}

fn refused(text: &str, needle: &str, says: &[&str]) {
    let err = Scenario::parse(text, "<test>", "test").expect_err("the scenario must be refused");
    let line = text
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in text") as u64
        + 1;
    let rendered = err.to_string();
    assert!(rendered.contains(&format!("<test>:{line}:")), "{rendered}");
    for part in says {
        assert!(rendered.contains(part), "{rendered} lacks {part:?}");
    }
}

const CHECKED: &str = "horizon: 1h
machines:
  - name: cp
    role: control-plane
    count: 3
control_plane:
  topology: stacked
  endpoint:
    type: ENDPOINT
    check: CHECK
";

#[test]
fn a_health_check_on_a_direct_endpoint_is_refused() {
    let text = CHECKED
        .replace("ENDPOINT", "direct")
        .replace("CHECK", "tcp");
    refused(
        &text,
        "check: tcp",
        &[
            "control_plane.endpoint.check",
            "not a setting of endpoint type `direct`",
        ],
    );
}

#[test]
fn an_unknown_health_check_is_refused_naming_the_valid_ones() {
    let text = CHECKED
        .replace("ENDPOINT", "cloud-lb")
        .replace("CHECK", "/healthz");
    refused(
        &text,
        "check: /healthz",
        &["healthz", "livez", "readyz", "tcp"],
    );
}

#[test]
fn every_health_check_is_accepted_by_both_balancers() {
    for endpoint in ["cloud-lb", "haproxy-keepalived"] {
        for check in ["healthz", "livez", "readyz", "tcp"] {
            let text = CHECKED
                .replace("ENDPOINT", endpoint)
                .replace("CHECK", check);
            Scenario::parse(&text, "<test>", "test")
                .unwrap_or_else(|e| panic!("{endpoint} with {check}: {e}"));
        }
    }
}
