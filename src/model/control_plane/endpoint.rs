//! The API endpoint: how client requests reach the apiservers.
//!
//! A balancer spreads requests evenly over the backends its health checks
//! mark up. Health checks run on a fixed grid (a random phase per
//! balancer/backend pair), so a dead backend keeps its share of requests —
//! which fail — until the `fall`-th failed check, and a recovered one gets
//! traffic back only after `rise` good checks. With keepalived, requests
//! reach HAProxy only through the instance holding the virtual IP; when it
//! dies a backup takes over after VRRP's master-down interval.

use rand::RngExt;

use super::Net;
use crate::engine::{Ctx, EventKey, SimDuration, SimTime, StreamLabel};

/// The random source of the health checks' phases.
const HEALTH_CHECK_PHASES: StreamLabel = StreamLabel::new(&["endpoint", "health-check-phase"]);
/// The random source of the first VRRP MASTER's advertisement phase.
const ADVERT_PHASE: StreamLabel = StreamLabel::new(&["endpoint", "vrrp-advert-phase"]);
use crate::model::ids::{BalancerId, ControlPlaneId, MachineId};
use crate::scenario::{Endpoint as EndpointConfig, HealthCheck};

/// VRRP: a backup takes over when no advertisement came for this many
/// advertisement intervals plus its skew (docs/kubernetes-defaults.md §8.3).
const MASTER_DOWN_ADVERTS: u64 = 3;

/// What happens at the API endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointEvent {
    /// A balancer's health checks flipped a backend's state.
    BackendMarked {
        /// The balancer instance.
        balancer: BalancerId,
        /// The backend (the apiserver on that control-plane machine).
        backend: ControlPlaneId,
        /// The new state: true = marked up.
        up: bool,
    },
    /// A keepalived backup took over the virtual IP.
    VipTakenOver,
}

/// One balancer's view of one backend.
#[derive(Clone, Debug)]
struct Monitor {
    phase: SimDuration,
    marked_up: bool,
    pending: Option<(EventKey, bool)>,
}

/// The endpoint's state.
#[derive(Clone)]
pub(crate) struct Endpoint {
    config: EndpointConfig,
    /// `monitors[balancer][backend]`; empty for `direct`.
    monitors: Vec<Vec<Monitor>>,
    /// Host machine of each balancer instance (None: a managed cloud LB).
    hosts: Vec<Option<MachineId>>,
    /// Which instance holds the virtual IP (keepalived only).
    vip_holder: Option<usize>,
    vip_takeover: Option<EventKey>,
    /// Phase of the VIP holder's advertisement grid: a MASTER advertises
    /// when it takes the VIP and every `advert_int` after.
    advert_phase: SimDuration,
    was_alive: Vec<bool>,
    /// A cloud load balancer failed by a chaos step.
    cloud_failed: bool,
}

/// What each backend can do right now.
pub(crate) struct BackendHealth<'a> {
    /// What health checks see: an HTTP check (`/healthz`, `/livez`,
    /// `/readyz`) includes the apiserver's etcd check (a quorum read), so
    /// a backend whose etcd path is broken fails it too; a TCP check sees
    /// only the process (see [`Endpoint::checks_etcd`]).
    pub healthy: &'a [bool],
    /// It can serve writes (and quorum reads).
    pub write_ok: &'a [bool],
    /// It can serve reads from its watch cache.
    pub read_ok: &'a [bool],
    /// Target of a `direct` endpoint.
    pub direct_target: usize,
    /// Network side of each backend's machine.
    pub side: &'a [u64],
    /// Network side of the clients (and of a cloud load balancer).
    pub client_side: u64,
}

impl Endpoint {
    /// `lb_hosts`: the machines running HAProxy + keepalived (ignored for
    /// other kinds). Every backend starts marked up; [`Endpoint::start`]
    /// draws the health checks' phases.
    pub fn new(config: EndpointConfig, backends: usize, lb_hosts: Vec<MachineId>) -> Self {
        let hosts: Vec<Option<MachineId>> = match config {
            EndpointConfig::Direct => Vec::new(),
            EndpointConfig::CloudLb(_) => vec![None],
            EndpointConfig::HaproxyKeepalived { .. } => lb_hosts.into_iter().map(Some).collect(),
        };
        let monitor = Monitor {
            phase: SimDuration::ZERO,
            marked_up: true,
            pending: None,
        };
        let monitors = hosts
            .iter()
            .map(|_| vec![monitor.clone(); backends])
            .collect();
        let vip_holder = matches!(config, EndpointConfig::HaproxyKeepalived { .. }).then_some(0);
        Endpoint {
            config,
            was_alive: vec![true; hosts.len()],
            monitors,
            hosts,
            vip_holder,
            vip_takeover: None,
            advert_phase: SimDuration::ZERO,
            cloud_failed: false,
        }
    }

    /// Draws each balancer/backend pair's health-check phase (in a fixed
    /// order from one stream: they are drawn once, at the start), and the
    /// first MASTER's advertisement phase.
    pub fn start<E>(&mut self, ctx: &mut Ctx<'_, E>) {
        if let EndpointConfig::HaproxyKeepalived {
            advert_interval, ..
        } = self.config
        {
            self.advert_phase = SimDuration::from_micros(
                (advert_interval.as_micros() as f64 * ctx.rng(ADVERT_PHASE).random::<f64>()) as u64,
            );
        }
        let interval = self.health().map_or(SimDuration::ZERO, |h| h.interval);
        for monitor in self.monitors.iter_mut().flatten() {
            monitor.phase = SimDuration::from_micros(
                (interval.as_micros() as f64 * ctx.rng(HEALTH_CHECK_PHASES).random::<f64>()) as u64,
            );
        }
    }

    /// Whether the health checks fail a backend that cannot reach an etcd
    /// quorum (an HTTP check) rather than only a dead one (TCP).
    pub fn checks_etcd(&self) -> bool {
        self.health().is_some_and(|h| h.path.includes_etcd())
    }

    fn health(&self) -> Option<HealthCheck> {
        match self.config {
            EndpointConfig::Direct => None,
            EndpointConfig::CloudLb(h) => Some(h),
            EndpointConfig::HaproxyKeepalived { health, .. } => Some(health),
        }
    }

    fn instance_alive(&self, instance: usize, net: &Net<'_>) -> bool {
        self.hosts[instance].is_none_or(|m| net.runs(m))
    }

    /// The network side a balancer instance sends from.
    fn instance_side(&self, instance: usize, net: &Net<'_>, client_side: u64) -> u64 {
        self.hosts[instance].map_or(client_side, |m| net.side_of(m))
    }

    /// Whether clients can use this instance (alive, on their side).
    fn serves_clients(&self, instance: usize, net: &Net<'_>, client_side: u64) -> bool {
        self.instance_alive(instance, net)
            && self.instance_side(instance, net, client_side) == client_side
    }

    /// The `nth` (1-based) check strictly after `now` on a grid.
    fn nth_check_after(
        now: SimTime,
        phase: SimDuration,
        interval: SimDuration,
        nth: u32,
    ) -> SimTime {
        if interval.is_zero() {
            return now;
        }
        let (now, phase, step) = (now.as_micros(), phase.as_micros(), interval.as_micros());
        let first = if now < phase {
            phase
        } else {
            phase + ((now - phase) / step + 1) * step
        };
        SimTime::from_micros(first + u64::from(nth - 1) * step)
    }

    /// Brings health-check marks and the virtual IP in line with reality.
    pub fn refresh<E: From<EndpointEvent>>(
        &mut self,
        net: &Net<'_>,
        backends: &BackendHealth<'_>,
        ctx: &mut Ctx<'_, E>,
    ) {
        let Some(health) = self.health() else {
            return;
        };
        for instance in 0..self.hosts.len() {
            let alive = self.instance_alive(instance, net);
            let restarted = alive && !self.was_alive[instance];
            self.was_alive[instance] = alive;
            let from = self.instance_side(instance, net, backends.client_side);
            for (backend, monitor) in self.monitors[instance].iter_mut().enumerate() {
                // A backend on the other side of a partition fails its checks.
                let healthy = backends.healthy[backend] && backends.side[backend] == from;
                if !alive || restarted {
                    // A stopped balancer checks nothing; a restarted HAProxy
                    // starts every server UP (its default init state) and
                    // marks the unhealthy ones down after `fall` checks.
                    if let Some((key, _)) = monitor.pending.take() {
                        ctx.cancel(key);
                    }
                    monitor.marked_up = true;
                    if !alive {
                        continue;
                    }
                }
                let wanted = (monitor.marked_up != healthy).then_some(healthy);
                match (monitor.pending, wanted) {
                    (Some((_, target)), Some(w)) if target == w => {}
                    (pending, wanted) => {
                        if let Some((key, _)) = pending {
                            ctx.cancel(key);
                        }
                        monitor.pending = wanted.map(|up| {
                            let nth = if up {
                                health.healthy_threshold
                            } else {
                                health.unhealthy_threshold
                            };
                            let at = Self::nth_check_after(
                                ctx.now(),
                                monitor.phase,
                                health.interval,
                                nth,
                            );
                            let marked = EndpointEvent::BackendMarked {
                                balancer: BalancerId::new(instance),
                                backend: ControlPlaneId::new(backend),
                                up,
                            };
                            let key = ctx.schedule_at(at, marked.into());
                            (key, up)
                        });
                    }
                }
            }
        }
        self.refresh_vip(net, backends.client_side, ctx);
    }

    /// VRRP: the highest-priority live instance (instance 0, the MASTER)
    /// holds the VIP and preempts when back; when the holder dies a backup
    /// takes over [`MASTER_DOWN_ADVERTS`] x advert_int + skew, skew =
    /// (256 - priority)/256 s, after the last advertisement it received
    /// (the holder advertises every advert_int from when it took the VIP),
    /// so 0 to one interval less than that after the death.
    /// Across a partition the instances cannot hear each other: the
    /// clients' side elects its own master the same way.
    fn refresh_vip<E: From<EndpointEvent>>(
        &mut self,
        net: &Net<'_>,
        client_side: u64,
        ctx: &mut Ctx<'_, E>,
    ) {
        let EndpointConfig::HaproxyKeepalived {
            advert_interval,
            priority,
            ..
        } = self.config
        else {
            return;
        };
        let now = ctx.now();
        // The backups' master-down timers run from the last advertisement
        // they heard: the lost holder's last one, or (when nobody held the
        // VIP) their own start, now.
        let mut heard_last = now;
        if let Some(holder) = self.vip_holder
            && !self.serves_clients(holder, net, client_side)
        {
            self.vip_holder = None;
            heard_last = now.grid_at_or_before(self.advert_phase, advert_interval);
        }
        if self.serves_clients(0, net, client_side) && self.vip_holder != Some(0) {
            self.take_vip(0, now, advert_interval);
        }
        let any_alive = (0..self.hosts.len()).any(|i| self.serves_clients(i, net, client_side));
        match (self.vip_holder, self.vip_takeover, any_alive) {
            (None, None, true) => {
                let skew = SimDuration::from_micros((256 - u64::from(priority)) * 1_000_000 / 256);
                let delay = advert_interval.saturating_mul(MASTER_DOWN_ADVERTS) + skew;
                let at = (heard_last + delay).max(now);
                self.vip_takeover = Some(ctx.schedule_at(at, EndpointEvent::VipTakenOver.into()));
            }
            (Some(_), Some(key), _) | (None, Some(key), false) => {
                ctx.cancel(key);
                self.vip_takeover = None;
            }
            _ => {}
        }
    }

    /// Instance `holder` becomes MASTER at `now`: it advertises at once and
    /// every `advert_interval` after.
    fn take_vip(&mut self, holder: usize, now: SimTime, advert_interval: SimDuration) {
        self.vip_holder = Some(holder);
        self.advert_phase = if advert_interval.is_zero() {
            SimDuration::ZERO
        } else {
            SimDuration::from_micros(now.as_micros() % advert_interval.as_micros())
        };
    }

    /// Balancer hosts (HAProxy + keepalived) that do not run.
    pub fn hosts_down(&self, up: &[bool]) -> usize {
        self.hosts
            .iter()
            .flatten()
            .filter(|m| !up[m.index()])
            .count()
    }

    /// The machine hosting the instance that holds the VIP (none for a
    /// cloud load balancer or a direct endpoint).
    pub fn vip_host(&self) -> Option<MachineId> {
        self.vip_holder.and_then(|h| self.hosts[h])
    }

    /// Whether the endpoint is a managed cloud load balancer.
    pub fn is_cloud_lb(&self) -> bool {
        matches!(self.config, EndpointConfig::CloudLb(_))
    }

    /// A chaos step fails (or restores) the cloud load balancer.
    pub fn set_cloud_failed(&mut self, failed: bool) {
        self.cloud_failed = failed;
    }

    /// Reacts to one of its events; `client_side` is the clients' network
    /// side.
    pub fn on(&mut self, event: EndpointEvent, net: &Net<'_>, client_side: u64, now: SimTime) {
        match event {
            EndpointEvent::BackendMarked {
                balancer,
                backend,
                up,
            } => {
                let monitor = &mut self.monitors[balancer.index()][backend.index()];
                monitor.pending = None;
                monitor.marked_up = up;
            }
            EndpointEvent::VipTakenOver => self.on_vip_taken_over(net, client_side, now),
        }
    }

    fn on_vip_taken_over(&mut self, net: &Net<'_>, client_side: u64, now: SimTime) {
        self.vip_takeover = None;
        let EndpointConfig::HaproxyKeepalived {
            advert_interval, ..
        } = self.config
        else {
            return;
        };
        match (0..self.hosts.len()).find(|&i| self.serves_clients(i, net, client_side)) {
            Some(holder) => self.take_vip(holder, now, advert_interval),
            None => self.vip_holder = None,
        }
    }

    /// Share of write and read requests that succeed right now.
    pub fn success_shares(&self, backends: &BackendHealth<'_>, net: &Net<'_>) -> (f64, f64) {
        let client_side = backends.client_side;
        let balancer = match self.config {
            EndpointConfig::Direct => {
                let t = backends.direct_target;
                let reach = backends.side[t] == client_side;
                return (
                    f64::from(u8::from(reach && backends.write_ok[t])),
                    f64::from(u8::from(reach && backends.read_ok[t])),
                );
            }
            EndpointConfig::CloudLb(_) if self.cloud_failed => return (0.0, 0.0),
            EndpointConfig::CloudLb(_) => 0,
            EndpointConfig::HaproxyKeepalived { .. } => match self.vip_holder {
                Some(holder) => holder,
                None => return (0.0, 0.0),
            },
        };
        let n = backends.healthy.len();
        let monitors = &self.monitors[balancer];
        let any_marked = monitors.iter().any(|m| m.marked_up);
        if !any_marked && !matches!(self.config, EndpointConfig::CloudLb(_)) {
            // HAProxy answers 503 when no server is UP.
            return (0.0, 0.0);
        }
        // Cloud load balancers fail open: with every target unhealthy they
        // send traffic to all of them.
        let targeted = |b: usize| !any_marked || monitors[b].marked_up;
        // Requests to a backend across a partition fail like those to a
        // dead one.
        let from = self.instance_side(balancer, net, client_side);
        let total = (0..n).filter(|&b| targeted(b)).count();
        let share = |ok: &[bool]| {
            (0..n)
                .filter(|&b| targeted(b) && ok[b] && backends.side[b] == from)
                .count() as f64
                / total as f64
        };
        (share(backends.write_ok), share(backends.read_ok))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_land_on_the_grid_strictly_after_now() {
        let s = |x: u64| SimDuration::from_secs(x);
        let t = |x: u64| SimTime::ZERO + s(x);
        assert_eq!(Endpoint::nth_check_after(t(10), s(1), s(2), 1), t(11));
        assert_eq!(Endpoint::nth_check_after(t(11), s(1), s(2), 1), t(13));
        assert_eq!(Endpoint::nth_check_after(t(11), s(1), s(2), 3), t(17));
        assert_eq!(Endpoint::nth_check_after(t(0), s(1), s(2), 1), t(1));
        assert_eq!(Endpoint::nth_check_after(t(5), s(0), s(0), 3), t(5));
    }
}
