//! `control_plane.endpoint`: how clients reach the apiservers, with the
//! settings of the chosen kind only.

use serde_saphyr::{Location, Spanned};

use super::checker::{Checker, duration_or};
use crate::scenario::control_plane::{
    DEFAULT_CLOUD_LB_HEALTHY_THRESHOLD, DEFAULT_CLOUD_LB_INTERVAL,
    DEFAULT_CLOUD_LB_UNHEALTHY_THRESHOLD, DEFAULT_HAPROXY_FALL, DEFAULT_HAPROXY_INTER,
    DEFAULT_HAPROXY_RISE, DEFAULT_HEALTH_CHECK_PATH, DEFAULT_VRRP_ADVERT_INTERVAL,
    DEFAULT_VRRP_PRIORITY, HealthCheckPath,
};
use crate::scenario::schema::{RawEndpoint, RawEndpointKind, RawHealthCheckPath, RawTopology};
use crate::scenario::{Endpoint, HealthCheck};

/// The endpoint block, against the `topology` (active-standby moves the
/// address itself) and the number of load-balancer machines.
pub(super) fn endpoint(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawEndpoint>>,
    topology: &Spanned<RawTopology>,
    lb_count: usize,
) -> Endpoint {
    let Some(raw) = raw else {
        if lb_count > 0 {
            check.at(
                &topology.referenced,
                "control_plane.endpoint",
                "load-balancer machines are declared but no endpoint uses them; add `endpoint: {type: haproxy-keepalived}`",
            );
        }
        return Endpoint::Direct;
    };
    let e = &raw.value;
    let kind = e.kind.value;
    let kind_name = match kind {
        RawEndpointKind::Direct => "direct",
        RawEndpointKind::CloudLb => "cloud-lb",
        RawEndpointKind::HaproxyKeepalived => "haproxy-keepalived",
    };
    // Fields that belong to another endpoint kind are errors, not ignored.
    let foreign: &[(&str, Option<&Location>, bool)] = &[
        (
            "interval",
            e.interval.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::CloudLb,
        ),
        (
            "unhealthy_threshold",
            e.unhealthy_threshold.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::CloudLb,
        ),
        (
            "healthy_threshold",
            e.healthy_threshold.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::CloudLb,
        ),
        (
            "inter",
            e.inter.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "fall",
            e.fall.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "rise",
            e.rise.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "advert_int",
            e.advert_int.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "priority",
            e.priority.as_ref().map(|s| &s.referenced),
            kind == RawEndpointKind::HaproxyKeepalived,
        ),
        (
            "check",
            e.check.as_ref().map(|s| &s.referenced),
            kind != RawEndpointKind::Direct,
        ),
    ];
    for (field, location, allowed) in foreign {
        if let (Some(location), false) = (location, allowed) {
            check.at(
                location,
                format!("control_plane.endpoint.{field}"),
                format!("not a setting of endpoint type `{kind_name}`; remove it"),
            );
        }
    }
    if topology.value == RawTopology::ActiveStandby && kind != RawEndpointKind::Direct {
        check.at(
            &e.kind.referenced,
            "control_plane.endpoint.type",
            "active-standby moves the API address itself on promotion; use `type: direct`",
        );
    }
    if kind != RawEndpointKind::HaproxyKeepalived && lb_count > 0 {
        check.at(
            &e.kind.referenced,
            "control_plane.endpoint.type",
            format!(
                "load-balancer machines are only used by haproxy-keepalived, not `{kind_name}`"
            ),
        );
    }
    let threshold =
        |check: &mut Checker<'_>, raw: &Option<Spanned<u64>>, field: &str, default: u32| {
            raw.as_ref().map_or(default, |value| {
                check.count(value, &format!("control_plane.endpoint.{field}"), 1, 100)
            })
        };
    let path = e
        .check
        .as_ref()
        .map_or(DEFAULT_HEALTH_CHECK_PATH, |c| match c.value {
            RawHealthCheckPath::Healthz => HealthCheckPath::Healthz,
            RawHealthCheckPath::Livez => HealthCheckPath::Livez,
            RawHealthCheckPath::Readyz => HealthCheckPath::Readyz,
            RawHealthCheckPath::Tcp => HealthCheckPath::Tcp,
        });
    match kind {
        RawEndpointKind::Direct => Endpoint::Direct,
        RawEndpointKind::CloudLb => Endpoint::CloudLb(HealthCheck {
            path,
            interval: duration_or(&e.interval, DEFAULT_CLOUD_LB_INTERVAL),
            unhealthy_threshold: threshold(
                check,
                &e.unhealthy_threshold,
                "unhealthy_threshold",
                DEFAULT_CLOUD_LB_UNHEALTHY_THRESHOLD,
            ),
            healthy_threshold: threshold(
                check,
                &e.healthy_threshold,
                "healthy_threshold",
                DEFAULT_CLOUD_LB_HEALTHY_THRESHOLD,
            ),
        }),
        RawEndpointKind::HaproxyKeepalived => Endpoint::HaproxyKeepalived {
            health: HealthCheck {
                path,
                interval: duration_or(&e.inter, DEFAULT_HAPROXY_INTER),
                unhealthy_threshold: threshold(check, &e.fall, "fall", DEFAULT_HAPROXY_FALL),
                healthy_threshold: threshold(check, &e.rise, "rise", DEFAULT_HAPROXY_RISE),
            },
            advert_interval: duration_or(&e.advert_int, DEFAULT_VRRP_ADVERT_INTERVAL),
            priority: e.priority.as_ref().map_or(DEFAULT_VRRP_PRIORITY, |p| {
                check.count(p, "control_plane.endpoint.priority", 1, 254) as u8
            }),
        },
    }
}
