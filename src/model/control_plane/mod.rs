//! The control plane: etcd, the apiservers, the API endpoint in front of
//! them, the leader leases of kube-controller-manager and kube-scheduler,
//! and active/standby failover.
//!
//! Each apiserver can serve reads while its machine runs (and, active/
//! standby, while it is the active one), and writes when etcd commits and
//! its own path to etcd works: a stacked apiserver uses only its local
//! member, an external one any member on the quorum's side.

pub(crate) mod active_standby;
pub(crate) mod certificates;
pub(crate) mod endpoint;
pub(crate) mod etcd;
pub(crate) mod lease;

use active_standby::{ActiveStandby, StandbyEvent};
use certificates::{CertEvent, Certificates};
use endpoint::{BackendHealth, Endpoint, EndpointEvent};
use etcd::{EtcdCluster, EtcdEvent};
use lease::{LeaderLease, Lease, LeaseEvent};

use crate::engine::{Ctx, SimTime};
use crate::model::ids::{ControlPlaneId, MachineId};
use crate::scenario::{ControlPlane as ControlPlaneConfig, Topology};

/// Which machines run and which can reach each other: machines talk only
/// when their network sides are equal.
pub(crate) struct Net<'a> {
    up: &'a [bool],
    side: &'a [u64],
}

impl<'a> Net<'a> {
    /// `up[m]`: machine m runs; `side[m]`: its side of any partition (0
    /// when none).
    pub fn new(up: &'a [bool], side: &'a [u64]) -> Self {
        Net { up, side }
    }

    /// Whether `machine` runs.
    pub fn runs(&self, machine: MachineId) -> bool {
        self.up[machine.index()]
    }

    /// `machine`'s side of any partition.
    pub fn side_of(&self, machine: MachineId) -> u64 {
        self.side[machine.index()]
    }
}

/// Which control-plane static pods serve, per control-plane machine in
/// order (their machines aside): a process that does not serve is, to the
/// rest of the control plane, as if its machine were down.
pub(crate) struct StaticPods<'a> {
    pub apiserver: &'a [bool],
    pub controller_manager: &'a [bool],
    pub scheduler: &'a [bool],
}

/// An engine event type that carries every control-plane event.
pub(crate) trait ControlPlaneEvents:
    From<EtcdEvent> + From<EndpointEvent> + From<LeaseEvent> + From<StandbyEvent>
{
}

impl<E> ControlPlaneEvents for E where
    E: From<EtcdEvent> + From<EndpointEvent> + From<LeaseEvent> + From<StandbyEvent>
{
}

/// The control plane's parts, and what each apiserver can do as of the
/// last refresh.
#[derive(Clone)]
pub(crate) struct ControlPlane {
    /// Control-plane machines, in order; apiserver i runs on `machines[i]`.
    machines: Vec<MachineId>,
    /// For stacked/single topologies, the etcd member on `machines[i]`.
    local_member: Vec<Option<usize>>,
    pub etcd: EtcdCluster,
    standby: ActiveStandby,
    pub endpoint: Endpoint,
    leases: [Lease; 2],
    /// The certificates every apiserver serves and uses.
    pub certificates: Certificates,
    disasters_seen: usize,
    // Derived per apiserver, rebuilt on every refresh.
    alive: Vec<bool>,
    serving: Vec<bool>,
    write_ok: Vec<bool>,
    read_ok: Vec<bool>,
    side: Vec<u64>,
}

impl ControlPlane {
    /// The control plane of `config` on `machines`, with etcd on
    /// `etcd_hosts` (external topologies) and HAProxy + keepalived on
    /// `lb_hosts` (empty: on the control-plane machines); all up.
    pub fn new(
        config: &ControlPlaneConfig,
        machines: Vec<MachineId>,
        etcd_hosts: Vec<MachineId>,
        lb_hosts: Vec<MachineId>,
    ) -> Self {
        let stacked = matches!(config.topology, Topology::Single | Topology::Stacked);
        let members = if stacked {
            machines.clone()
        } else {
            etcd_hosts
        };
        let local_member = machines
            .iter()
            .map(|m| {
                stacked
                    .then(|| members.iter().position(|x| x == m))
                    .flatten()
            })
            .collect();
        let failover = match config.topology {
            Topology::ActiveStandby {
                detection,
                promotion_delay,
            } => Some(detection + promotion_delay),
            _ => None,
        };
        // Without balancer machines, HAProxy + keepalived run as static
        // pods on the control plane.
        let lb_hosts = if lb_hosts.is_empty() {
            machines.clone()
        } else {
            lb_hosts
        };
        let n = machines.len();
        let timers = config.leader_election;
        ControlPlane {
            local_member,
            etcd: EtcdCluster::new(members, &config.etcd),
            standby: ActiveStandby::new(failover),
            endpoint: Endpoint::new(config.endpoint, n, lb_hosts),
            leases: [
                Lease::new(LeaderLease::ControllerManager, timers, n, Some(0)),
                Lease::new(LeaderLease::Scheduler, timers, n, Some(0)),
            ],
            certificates: Certificates::new(config.certificates.as_ref()),
            disasters_seen: 0,
            alive: vec![true; n],
            serving: vec![true; n],
            write_ok: vec![true; n],
            read_ok: vec![true; n],
            side: vec![0; n],
            machines,
        }
    }

    /// Draws the snapshot schedule's and the health checks' phases, and
    /// issues the certificates.
    pub fn start<E: From<CertEvent> + From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.etcd.start(ctx);
        self.endpoint.start(ctx);
        self.certificates.start(ctx);
    }

    /// The control-plane machines, in order.
    pub fn machines(&self) -> &[MachineId] {
        &self.machines
    }

    /// The machine of control-plane index `i`.
    pub fn machine(&self, i: ControlPlaneId) -> MachineId {
        self.machines[i.index()]
    }

    /// Brings etcd, failover, the apiservers, the endpoint and the leases,
    /// in that order, in line with which machines run and reach each other
    /// (`etcd_net`: which etcd processes run) and which static pods serve.
    /// Returns whether etcd just lost a majority of its disks.
    pub fn refresh<E: ControlPlaneEvents>(
        &mut self,
        net: &Net<'_>,
        etcd_net: &Net<'_>,
        pods: &StaticPods<'_>,
        client_side: u64,
        ctx: &mut Ctx<'_, E>,
    ) -> bool {
        self.etcd.refresh(etcd_net, ctx);
        let disaster = self.etcd.data_losses.len() > self.disasters_seen;
        self.disasters_seen = self.etcd.data_losses.len();
        self.standby
            .refresh(&self.machines, net, &mut self.serving, ctx);

        let etcd_writable = self.etcd.writable();
        // Expired certificates: no client completes a TLS handshake.
        let certificates_valid = self.certificates.valid();
        for (i, &machine) in self.machines.iter().enumerate() {
            let alive = net.runs(machine);
            let side = net.side_of(machine);
            // Stacked apiservers use only their local member; external ones
            // any member, but they must reach the quorum's side.
            let etcd_ok = match self.local_member[i] {
                Some(member) => self.etcd.member_available(member, etcd_net),
                None => self.etcd.reaches_quorum(side, etcd_net),
            };
            self.alive[i] = alive;
            self.side[i] = side;
            self.read_ok[i] = alive && pods.apiserver[i] && self.serving[i] && certificates_valid;
            self.write_ok[i] = self.read_ok[i] && etcd_writable && etcd_ok;
        }

        let healthy = if self.endpoint.checks_etcd() {
            &self.write_ok
        } else {
            &self.read_ok
        };
        let health = BackendHealth {
            healthy,
            write_ok: &self.write_ok,
            read_ok: &self.read_ok,
            direct_target: self.standby.active(),
            side: &self.side,
            client_side,
        };
        self.endpoint.refresh(net, &health, ctx);
        // Each instance talks to the apiserver on its own machine
        // (`write_ok`), and runs only while its own process serves.
        for (lease, running) in self
            .leases
            .iter_mut()
            .zip([pods.controller_manager, pods.scheduler])
        {
            let candidates_alive: Vec<bool> = (0..self.machines.len())
                .map(|i| self.alive[i] && self.serving[i] && running[i])
                .collect();
            lease.refresh(&candidates_alive, &self.write_ok, ctx);
        }
        disaster
    }

    /// What the balancer's health checks see of each backend: whether it
    /// can write (an HTTP check, which includes etcd) or only whether its
    /// apiserver runs (TCP).
    fn checked(&self) -> &[bool] {
        if self.endpoint.checks_etcd() {
            &self.write_ok
        } else {
            &self.read_ok
        }
    }

    fn backend_health(&self, client_side: u64) -> BackendHealth<'_> {
        BackendHealth {
            healthy: self.checked(),
            write_ok: &self.write_ok,
            read_ok: &self.read_ok,
            direct_target: self.standby.active(),
            side: &self.side,
            client_side,
        }
    }

    /// The lease of one leader-elected component.
    fn lease(&mut self, which: LeaderLease) -> &mut Lease {
        match which {
            LeaderLease::ControllerManager => &mut self.leases[0],
            LeaderLease::Scheduler => &mut self.leases[1],
        }
    }

    /// kube-controller-manager has a leader that can write.
    pub fn controllers_lead(&self) -> bool {
        self.leases[0].leading(&self.write_ok)
    }

    /// kube-scheduler has a leader that can write.
    pub fn scheduler_leads(&self) -> bool {
        self.leases[1].leading(&self.write_ok)
    }

    /// Some apiserver can write.
    pub fn api_writable(&self) -> bool {
        self.write_ok.iter().any(|&ok| ok)
    }

    /// A client on network `side` reaches an apiserver that can write.
    pub fn writable_from(&self, side: u64) -> bool {
        (0..self.machines.len()).any(|i| self.write_ok[i] && self.side[i] == side)
    }

    /// Share of write and read requests through the endpoint that succeed.
    pub fn success_shares(&self, net: &Net<'_>, client_side: u64) -> (f64, f64) {
        self.endpoint
            .success_shares(&self.backend_health(client_side), net)
    }

    /// A lease event.
    pub fn on_lease<E>(&mut self, event: LeaseEvent, ctx: &mut Ctx<'_, E>) {
        let (LeaseEvent::Acquired { lease, .. } | LeaseEvent::SteppedDown { lease }) = event;
        self.lease(lease).on(event, ctx);
    }

    /// An active/standby event.
    pub fn on_standby(&mut self, event: StandbyEvent, net: &Net<'_>) {
        self.standby.on(event, &self.machines, net);
    }

    /// Each etcd disaster so far: when, and the write time lost (seconds).
    pub fn data_losses(&self) -> &[(SimTime, f64)] {
        &self.etcd.data_losses
    }

    /// Forgets the disasters recorded so far (a copy of a replication
    /// leaves them to its original).
    pub fn forget_data_losses(&mut self) {
        self.etcd.data_losses.clear();
        self.disasters_seen = 0;
    }

    /// The most units down in one redundancy group of the control plane:
    /// etcd members (down, or up without their data), apiserver machines,
    /// or balancer hosts; `up` says which machines run. Outages of the
    /// control plane start when a group has lost what it tolerates, so this
    /// measures how close the cluster is to them.
    pub fn units_down(&self, up: &[bool]) -> usize {
        let etcd = self
            .etcd
            .members
            .iter()
            .filter(|m| !up[m.machine.index()] || !m.has_data)
            .count();
        let apiservers = self.machines.iter().filter(|m| !up[m.index()]).count();
        etcd.max(apiservers).max(self.endpoint.hosts_down(up))
    }
}
