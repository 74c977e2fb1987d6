//! etcd: quorum, leader election, members that lost their disk, and the
//! recovery after losing a majority of disks (a disaster): people notice
//! and respond, then restore from the last snapshot or rebuild the cluster.

use rand::RngExt;

use super::Net;
use crate::engine::{Ctx, EventKey, SimDuration, SimTime, StreamLabel};

/// The random source of the snapshot schedule's phase.
const SNAPSHOT_PHASE: StreamLabel = StreamLabel::new(&["etcd", "snapshot-phase"]);
/// The random source of election timeouts and of who wins.
const ELECTIONS: StreamLabel = StreamLabel::new(&["etcd", "election"]);
/// The random source of restore and rebuild times.
const RECOVERY: StreamLabel = StreamLabel::new(&["etcd", "recovery"]);
/// The random source of the on-call response to a disaster's page.
const RESPONSE: StreamLabel = StreamLabel::new(&["etcd", "recovery-response"]);
use crate::model::ids::{MachineId, MemberId};
use crate::scenario::{Backup, Etcd as EtcdConfig, Recovery};

/// What happens in etcd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtcdEvent {
    /// An election finished.
    LeaderElected,
    /// A re-added (empty) member caught up.
    MemberSynced {
        /// The member.
        member: MemberId,
    },
    /// The page for a disaster fired (its alert delay is over).
    DisasterAlerted,
    /// The on-call engineer responded to a disaster's page: the recovery
    /// needs a crew.
    RecoveryRequested,
    /// The cluster was restored from the last snapshot.
    Restored,
    /// A new cluster was built (no backup): new etcd, control plane
    /// re-created, workloads redeployed from their manifests.
    Rebuilt,
}

/// What a disaster's recovery needs from the people around etcd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CrewCall {
    /// The recovery is requested: start it once a crew is free
    /// ([`EtcdCluster::start_recovery`]).
    Request,
    /// The recovery's work is done: its crew is free again.
    Release,
}

/// Where a disaster's recovery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// `recovery: none` without a backup: down for good.
    Unrecoverable,
    /// Waiting for the alert to fire.
    Alerting,
    /// Paged; waiting for the on-call engineer.
    Responding,
    /// Requested; waiting for a free crew.
    AwaitingCrew,
    /// Restoring or rebuilding, by a crew (`recovery` by people) or by
    /// nobody (`recovery: none` with a backup).
    Working {
        /// A crew does it and must be released at the end.
        crewed: bool,
    },
    /// Restored or rebuilt; waiting for a quorum of member machines to
    /// run.
    AwaitingQuorum,
}

/// Why an election is running: it decides how long it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ElectionCause {
    /// The leader vanished while a quorum stayed: followers wait for their
    /// randomized timeouts, counted from the last heartbeat.
    LeaderLost,
    /// Quorum came back: members were already campaigning, so the next
    /// campaign succeeds after the rest of a randomized timeout.
    QuorumRegained,
}

/// One voting member.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// The machine it runs on.
    pub machine: MachineId,
    /// Whether it holds the cluster's data (false after a disk loss, until
    /// it has been re-added and has synced).
    pub has_data: bool,
    sync: Option<EventKey>,
}

/// The etcd cluster's state.
#[derive(Clone)]
pub(crate) struct EtcdCluster {
    pub members: Vec<Member>,
    pub leader: Option<usize>,
    election: Option<(EventKey, ElectionCause)>,
    /// The recovery under way after a majority of disks was lost, if any.
    disaster: Option<Stage>,
    snapshot_phase: SimDuration,
    quorum: usize,
    ticks: u64,
    heartbeat: SimDuration,
    member_sync: SimDuration,
    backup: Option<Backup>,
    recovery: Recovery,
    /// Disasters seen, with the write time lost in each (seconds).
    pub data_losses: Vec<(SimTime, f64)>,
}

impl EtcdCluster {
    /// Members on `machines`, all up with data, member 0 leading.
    pub fn new(machines: Vec<MachineId>, config: &EtcdConfig) -> Self {
        let n = machines.len();
        let ticks = if config.heartbeat_interval.is_zero() {
            0
        } else {
            (config.election_timeout.as_micros() / config.heartbeat_interval.as_micros()).max(1)
        };
        EtcdCluster {
            members: machines
                .into_iter()
                .map(|machine| Member {
                    machine,
                    has_data: true,
                    sync: None,
                })
                .collect(),
            leader: if n > 0 { Some(0) } else { None },
            election: None,
            disaster: None,
            snapshot_phase: SimDuration::ZERO,
            quorum: n / 2 + 1,
            ticks,
            heartbeat: config.heartbeat_interval,
            member_sync: config.member_sync,
            backup: config.backup.clone(),
            recovery: config.recovery.clone(),
            data_losses: Vec::new(),
        }
    }

    /// Up with data, ignoring partitions.
    fn alive(&self, member: usize, net: &Net<'_>) -> bool {
        let m = &self.members[member];
        m.has_data && net.runs(m.machine)
    }

    fn side(&self, member: usize, net: &Net<'_>) -> u64 {
        net.side_of(self.members[member].machine)
    }

    /// The network side holding a quorum of live members, if any (at most
    /// one side can), and none while a disaster's recovery is under way.
    fn quorum_side(&self, net: &Net<'_>) -> Option<u64> {
        if self.disaster.is_some() {
            return None;
        }
        (0..self.members.len())
            .filter(|&i| self.alive(i, net))
            .map(|i| self.side(i, net))
            .find(|&side| {
                (0..self.members.len())
                    .filter(|&j| self.alive(j, net) && self.side(j, net) == side)
                    .count()
                    >= self.quorum
            })
    }

    /// Up with data and on the quorum side.
    fn available(&self, member: usize, net: &Net<'_>) -> bool {
        self.alive(member, net) && Some(self.side(member, net)) == self.quorum_side(net)
    }

    /// Whether a quorum of members is up, holds data, can reach each other,
    /// and no disaster's recovery is under way.
    pub fn has_quorum(&self, net: &Net<'_>) -> bool {
        self.quorum_side(net).is_some()
    }

    /// Whether a machine on `side` can reach the quorum.
    pub fn reaches_quorum(&self, side: u64, net: &Net<'_>) -> bool {
        self.quorum_side(net) == Some(side)
    }

    /// The machine of the current leader.
    pub fn leader_machine(&self) -> Option<MachineId> {
        self.leader.map(|l| self.members[l].machine)
    }

    /// Whether writes commit: quorum and an elected leader.
    pub fn writable(&self) -> bool {
        self.leader.is_some()
    }

    /// Whether member `i` is up with data (an apiserver on its machine can
    /// use it).
    pub fn member_available(&self, i: usize, net: &Net<'_>) -> bool {
        self.available(i, net)
    }

    /// Members that hold the cluster's data.
    pub fn members_with_data(&self) -> usize {
        self.members.iter().filter(|m| m.has_data).count()
    }

    /// Whether a disaster is recovered from the last snapshot (there are
    /// backups), rather than by a rebuild.
    pub fn restores_from_backup(&self) -> bool {
        self.backup.is_some()
    }

    /// Whether a disaster is left alone (`recovery: none`).
    pub fn recovers_unattended(&self) -> bool {
        matches!(self.recovery, Recovery::None)
    }

    /// Draws the offset of the snapshot schedule (snapshots every
    /// interval), when there are backups.
    pub fn start<E>(&mut self, ctx: &mut Ctx<'_, E>) {
        if let Some(backup) = &self.backup {
            let phase =
                backup.interval.as_micros() as f64 * ctx.rng(SNAPSHOT_PHASE).random::<f64>();
            self.snapshot_phase = SimDuration::from_micros(phase as u64);
        }
    }

    /// A machine lost its disk: its member's data is gone.
    pub fn disk_lost<E>(&mut self, machine: MachineId, ctx: &mut Ctx<'_, E>) {
        for member in self.members.iter_mut().filter(|m| m.machine == machine) {
            member.has_data = false;
            if let Some(key) = member.sync.take() {
                ctx.cancel(key);
            }
        }
    }

    /// Brings leader, elections, re-syncs and restores in line with which
    /// machines are up.
    pub fn refresh<E: From<EtcdEvent>>(&mut self, net: &Net<'_>, ctx: &mut Ctx<'_, E>) {
        self.finish_recovery(net);
        self.check_disaster(ctx);
        let quorum_side = self.quorum_side(net);
        let quorum = quorum_side.is_some();

        // Members without data are re-added (remove, then add: needs a
        // quorum) and sync; a member whose machine goes down stops syncing.
        for i in 0..self.members.len() {
            let up = net.runs(self.members[i].machine) && Some(self.side(i, net)) == quorum_side;
            let member = &mut self.members[i];
            if member.has_data {
                continue;
            }
            match (&member.sync, up && quorum && self.leader.is_some()) {
                (None, true) => {
                    let synced = EtcdEvent::MemberSynced {
                        member: MemberId::new(i),
                    };
                    member.sync = Some(ctx.schedule(self.member_sync, synced.into()));
                }
                (Some(key), false) => {
                    ctx.cancel(*key);
                    member.sync = None;
                }
                _ => {}
            }
        }

        let leader_lost = match self.leader {
            Some(l) => !quorum || !self.available(l, net),
            None => false,
        };
        if leader_lost {
            self.leader = None;
        }
        match (self.leader, self.election, quorum) {
            (None, None, true) => {
                let cause = if leader_lost {
                    ElectionCause::LeaderLost
                } else {
                    ElectionCause::QuorumRegained
                };
                let candidates = (0..self.members.len())
                    .filter(|&i| self.available(i, net))
                    .count();
                let delay = self.election_delay(cause, candidates, ctx);
                let key = ctx.schedule(delay, EtcdEvent::LeaderElected.into());
                self.election = Some((key, cause));
            }
            (_, Some((key, _)), false) => {
                ctx.cancel(key);
                self.election = None;
            }
            _ => {}
        }
    }

    /// Raft: each follower times out after a uniformly drawn whole number of
    /// ticks in [E, 2E-1] (E = election timeout / heartbeat); the first to
    /// time out wins (pre-vote prevents disruption). After a leader loss the
    /// timeouts run from the last heartbeat, up to one tick before the loss.
    fn election_delay<E>(
        &self,
        cause: ElectionCause,
        candidates: usize,
        ctx: &mut Ctx<'_, E>,
    ) -> SimDuration {
        if self.ticks == 0 || candidates == 0 {
            return SimDuration::ZERO;
        }
        let tick = self.heartbeat.as_micros() as f64;
        let rng = ctx.rng(ELECTIONS);
        let mut first = f64::INFINITY;
        for _ in 0..candidates {
            let drawn = rng.random_range(self.ticks..2 * self.ticks) as f64 * tick;
            let wait = match cause {
                ElectionCause::LeaderLost => drawn,
                ElectionCause::QuorumRegained => drawn * rng.random::<f64>(),
            };
            first = first.min(wait);
        }
        if cause == ElectionCause::LeaderLost {
            first -= tick * rng.random::<f64>();
        }
        SimDuration::from_micros(first.max(0.0) as u64)
    }

    /// A majority of members without data cannot recover by themselves:
    /// the writes since the last snapshot (without one, since the start)
    /// are lost, and the recovery begins: with people, the alert delay
    /// runs; with `recovery: none`, a backup's restore starts at once, and
    /// without a backup nothing ever happens.
    fn check_disaster<E: From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        if self.disaster.is_some() {
            return;
        }
        let with_data = self.members.iter().filter(|m| m.has_data).count();
        if with_data >= self.quorum {
            return;
        }
        let now = ctx.now();
        let lost_secs = match &self.backup {
            Some(b) => {
                let since_phase = now.as_micros() as i128 - self.snapshot_phase.as_micros() as i128;
                since_phase.rem_euclid(b.interval.as_micros() as i128) as f64 / 1e6
            }
            // Without a backup every write since the cluster was built is gone.
            None => now.as_secs_f64(),
        };
        self.data_losses.push((now, lost_secs));
        self.leader = None;
        for member in &mut self.members {
            if let Some(key) = member.sync.take() {
                ctx.cancel(key);
            }
        }
        if let Some((key, _)) = self.election.take() {
            ctx.cancel(key);
        }
        let stage = match (&self.recovery, &self.backup) {
            (Recovery::Operator(people), _) => {
                ctx.schedule(people.alert_delay, EtcdEvent::DisasterAlerted.into());
                Stage::Alerting
            }
            (Recovery::None, Some(backup)) => {
                let delay = backup.restore.sample(ctx.rng(RECOVERY));
                ctx.schedule(delay, EtcdEvent::Restored.into());
                Stage::Working { crewed: false }
            }
            (Recovery::None, None) => Stage::Unrecoverable,
        };
        self.disaster = Some(stage);
    }

    /// Reacts to one of its events; says when a disaster's recovery needs
    /// a crew or frees one.
    pub fn on<E: From<EtcdEvent>>(
        &mut self,
        event: EtcdEvent,
        net: &Net<'_>,
        ctx: &mut Ctx<'_, E>,
    ) -> Option<CrewCall> {
        match event {
            EtcdEvent::LeaderElected => self.on_elected(net, ctx),
            EtcdEvent::MemberSynced { member } => self.on_synced(member),
            EtcdEvent::DisasterAlerted => self.on_alerted(ctx),
            EtcdEvent::RecoveryRequested => {
                self.disaster = Some(Stage::AwaitingCrew);
                return Some(CrewCall::Request);
            }
            EtcdEvent::Restored | EtcdEvent::Rebuilt => return self.on_recovered(net),
        }
        None
    }

    /// The page fired: the on-call engineer responds after a draw of the
    /// response time.
    fn on_alerted<E: From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        let Recovery::Operator(people) = &self.recovery else {
            return;
        };
        let delay = people.response.sample(ctx.rng(RESPONSE));
        ctx.schedule(delay, EtcdEvent::RecoveryRequested.into());
        self.disaster = Some(Stage::Responding);
    }

    /// A crew starts the requested recovery: a restore from the last
    /// snapshot (a draw of `backup.restore`) or, without a backup, a
    /// rebuild (a draw of `recovery.rebuild`).
    pub fn start_recovery<E: From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        let Recovery::Operator(people) = &self.recovery else {
            return;
        };
        let (work, done) = match &self.backup {
            Some(backup) => (&backup.restore, EtcdEvent::Restored),
            None => (&people.rebuild, EtcdEvent::Rebuilt),
        };
        let delay = work.sample(ctx.rng(RECOVERY));
        ctx.schedule(delay, done.into());
        self.disaster = Some(Stage::Working { crewed: true });
    }

    /// The election finished: a random available member leads.
    fn on_elected<E>(&mut self, net: &Net<'_>, ctx: &mut Ctx<'_, E>) {
        self.election = None;
        if !self.has_quorum(net) {
            return;
        }
        let candidates: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.available(i, net))
            .collect();
        let pick = ctx.rng(ELECTIONS).random_range(0..candidates.len());
        self.leader = Some(candidates[pick]);
    }

    fn on_synced(&mut self, member: MemberId) {
        let m = &mut self.members[member.index()];
        m.sync = None;
        m.has_data = true;
    }

    /// The restore or rebuild finished (its crew, if any, is free): the
    /// new cluster starts on the members whose machines run (it needs a
    /// quorum of them); the others re-join and sync when their machines
    /// are back.
    fn on_recovered(&mut self, net: &Net<'_>) -> Option<CrewCall> {
        let crewed = self.disaster == Some(Stage::Working { crewed: true });
        self.disaster = Some(Stage::AwaitingQuorum);
        self.finish_recovery(net);
        crewed.then_some(CrewCall::Release)
    }

    fn finish_recovery(&mut self, net: &Net<'_>) {
        let running = self.members.iter().filter(|m| net.runs(m.machine)).count();
        if self.disaster != Some(Stage::AwaitingQuorum) || running < self.quorum {
            return;
        }
        self.disaster = None;
        for member in &mut self.members {
            member.has_data = net.runs(member.machine);
            member.sync = None;
        }
    }
}
