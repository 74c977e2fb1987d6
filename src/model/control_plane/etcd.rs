//! etcd: quorum, leader election, members that lost their disk, and the
//! recovery after losing a majority of disks (a disaster): people notice
//! and respond, then restore from the last snapshot or rebuild the cluster.
//! Two operational limits (docs/kubernetes-defaults.md §10.2, §10.3): the
//! database reaching its space quota (the NOSPACE alarm refuses writes
//! until a person cleans up) and stalled disks (a stalled leader commits
//! nothing and loses its leadership once a follower's election timeout
//! runs out).

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
/// The random source of the on-call response to the NOSPACE alarm.
const NOSPACE_RESPONSE: StreamLabel = StreamLabel::new(&["etcd", "nospace-response"]);
/// The random source of the clean-up after the NOSPACE alarm.
const NOSPACE_CLEANUP: StreamLabel = StreamLabel::new(&["etcd", "nospace-cleanup"]);
use crate::model::ids::{MachineId, MemberId};
use crate::scenario::{Backup, Database, DiskStalls, Etcd as EtcdConfig, Recovery};

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
    /// The database reached its space quota: the NOSPACE alarm is raised
    /// and writes are refused.
    QuotaExceeded,
    /// A person compacted, defragmented and disarmed the alarm.
    SpaceReclaimed,
    /// A member's disk stalled.
    DiskStalled {
        /// The member.
        member: MemberId,
    },
    /// A member's disk keeps up again.
    DiskRecovered {
        /// The member.
        member: MemberId,
    },
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
    /// The database's growth towards its quota, if modelled.
    database: Option<Database>,
    /// The NOSPACE alarm is raised: writes are refused.
    nospace: bool,
    /// Disk stalls, if modelled.
    disk_stalls: Option<DiskStalls>,
    /// `stalled[i]`: member i's disk is stalled.
    stalled: Vec<bool>,
    /// The random source of each member's disk stalls.
    stall_streams: Vec<StreamLabel>,
    /// Stalled disks keep writes from committing (the leader's, or too
    /// many followers'), as of the last refresh.
    stall_blocks: bool,
}

/// When a database growing as `db` says, from its initial size, reaches
/// its quota; `None` when it never does. Between compactions (every
/// `compaction_interval` from the start) the superseded history adds to
/// the growth that compaction does not reclaim, so the file peaks just
/// before each compaction.
pub(crate) fn time_to_quota(db: &Database) -> Option<SimDuration> {
    let room = db.quota_bytes.saturating_sub(db.initial_bytes) as f64;
    let per_sec = |bytes_per_day: u64| bytes_per_day as f64 / 86_400.0;
    let (g, h) = (
        per_sec(db.growth_bytes_per_day),
        per_sec(db.history_bytes_per_day),
    );
    let c = db.compaction_interval.as_secs_f64();
    let secs = if c == 0.0 || h == 0.0 || g == 0.0 {
        // Never compacted, nothing to compact, or only history: one rate
        // (with only history, the quota is reached within the first
        // interval or never).
        let rate = if c == 0.0 || g > 0.0 { g + h } else { h };
        if rate <= 0.0 || (g == 0.0 && c > 0.0 && h * c < room) {
            return None;
        }
        room / rate
    } else {
        // The first interval k (1-based) whose peak g·k·c + h·c reaches the
        // room; inside it the size grows at g + h from the compaction at
        // (k - 1)·c.
        let k = ((room - h * c) / (g * c)).ceil().max(1.0);
        let compacted_at = (k - 1.0) * c;
        ((room + h * compacted_at) / (g + h)).max(compacted_at)
    };
    (secs < 1e15).then(|| SimDuration::from_secs_f64(secs))
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
            database: config.database.clone(),
            nospace: false,
            disk_stalls: config.disk_stalls.clone(),
            stalled: vec![false; n],
            stall_streams: (0..n)
                .map(|i| StreamLabel::new(&["etcd", "disk-stall", &i.to_string()]))
                .collect(),
            stall_blocks: false,
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

    /// Whether writes commit: quorum and an elected leader, no NOSPACE
    /// alarm, and a quorum whose disks keep up.
    pub fn writable(&self) -> bool {
        self.leader.is_some() && !self.nospace && !self.stall_blocks
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
    /// interval), when there are backups; starts the database's growth
    /// and every member's disk-stall clock.
    pub fn start<E: From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        if let Some(backup) = &self.backup {
            let phase =
                backup.interval.as_micros() as f64 * ctx.rng(SNAPSHOT_PHASE).random::<f64>();
            self.snapshot_phase = SimDuration::from_micros(phase as u64);
        }
        self.arm_quota(ctx);
        for member in 0..self.members.len() {
            self.arm_stall(member, ctx);
        }
    }

    /// The database starts (again) at its initial size: the alarm is due
    /// when it reaches the quota.
    fn arm_quota<E: From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        if let Some(fill) = self.database.as_ref().and_then(time_to_quota) {
            ctx.schedule(fill, EtcdEvent::QuotaExceeded.into());
        }
    }

    /// Member `i`'s disk stalls next after a draw of the time between
    /// stalls.
    fn arm_stall<E: From<EtcdEvent>>(&mut self, i: usize, ctx: &mut Ctx<'_, E>) {
        if let Some(stalls) = &self.disk_stalls {
            let next = stalls.time_between.sample(ctx.rng(self.stall_streams[i]));
            let stalled = EtcdEvent::DiskStalled {
                member: MemberId::new(i),
            };
            ctx.schedule(next, stalled.into());
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

        if self.disk_stalls.is_some() {
            let leader_stalled = self.leader.is_some_and(|l| self.stalled[l]);
            let keeping_up = (0..self.members.len())
                .filter(|&i| !self.stalled[i] && self.available(i, net))
                .count();
            self.stall_blocks = leader_stalled || keeping_up < self.quorum;
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
            EtcdEvent::QuotaExceeded => self.on_quota_exceeded(ctx),
            EtcdEvent::SpaceReclaimed => {
                self.nospace = false;
                self.arm_quota(ctx);
            }
            EtcdEvent::DiskStalled { member } => self.on_stalled(member.index(), net, ctx),
            EtcdEvent::DiskRecovered { member } => {
                self.stalled[member.index()] = false;
                self.arm_stall(member.index(), ctx);
            }
        }
        None
    }

    /// The NOSPACE alarm: writes are refused (reads and deletes still
    /// work) until a person, paged after the alert delay, responds and
    /// compacts, defragments and disarms the alarm.
    fn on_quota_exceeded<E: From<EtcdEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.nospace = true;
        let db = self
            .database
            .as_ref()
            .expect("only a modelled database fills up");
        let response = db.response.sample(ctx.rng(NOSPACE_RESPONSE));
        let cleanup = db.cleanup.sample(ctx.rng(NOSPACE_CLEANUP));
        ctx.schedule(
            db.alert_delay + response + cleanup,
            EtcdEvent::SpaceReclaimed.into(),
        );
    }

    /// Member `i`'s disk stalls for a draw of the stall duration. A stalled
    /// leader sends no heartbeats: if the stall outlasts the first
    /// follower's randomized election timeout, that follower takes over
    /// (writes resume after the election); otherwise the leader stays and
    /// writes resume when its disk does.
    fn on_stalled<E: From<EtcdEvent>>(&mut self, i: usize, net: &Net<'_>, ctx: &mut Ctx<'_, E>) {
        let Some(stalls) = &self.disk_stalls else {
            return;
        };
        let stall = stalls.duration.sample(ctx.rng(self.stall_streams[i]));
        self.stalled[i] = true;
        let recovered = EtcdEvent::DiskRecovered {
            member: MemberId::new(i),
        };
        ctx.schedule(stall, recovered.into());
        if self.leader != Some(i) {
            return;
        }
        let followers = (0..self.members.len())
            .filter(|&j| j != i && !self.stalled[j] && self.available(j, net))
            .count();
        if followers < self.quorum {
            return;
        }
        let timeout = self.election_delay(ElectionCause::LeaderLost, followers, ctx);
        if timeout < stall {
            self.leader = None;
            if let Some((key, _)) = self.election.take() {
                ctx.cancel(key);
            }
            let key = ctx.schedule(timeout, EtcdEvent::LeaderElected.into());
            self.election = Some((key, ElectionCause::LeaderLost));
        }
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
        let mut candidates: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.available(i, net) && !self.stalled[i])
            .collect();
        if candidates.is_empty() {
            // Every available disk stalls: one of them wins once it
            // keeps up again (writes stay blocked until then).
            candidates = (0..self.members.len())
                .filter(|&i| self.available(i, net))
                .collect();
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Distribution;

    const MIB: u64 = 1024 * 1024;

    fn db(growth_mib: u64, history_mib: u64, compaction: SimDuration) -> Database {
        Database {
            quota_bytes: 2048 * MIB,
            initial_bytes: 1024 * MIB,
            growth_bytes_per_day: growth_mib * MIB,
            history_bytes_per_day: history_mib * MIB,
            compaction_interval: compaction,
            alert_delay: SimDuration::ZERO,
            response: Distribution::deterministic(SimDuration::ZERO),
            cleanup: Distribution::deterministic(SimDuration::ZERO),
        }
    }

    /// The first second at which the file, stepped second by second,
    /// reaches the quota: growth plus the history since the last
    /// compaction.
    fn scanned(db: &Database, limit_secs: u64) -> Option<f64> {
        let room = (db.quota_bytes - db.initial_bytes) as f64;
        let g = db.growth_bytes_per_day as f64 / 86_400.0;
        let h = db.history_bytes_per_day as f64 / 86_400.0;
        let c = db.compaction_interval.as_secs_f64();
        (0..limit_secs).map(|t| t as f64).find(|&t| {
            let since = if c > 0.0 { t % c } else { t };
            g * t + h * since >= room
        })
    }

    #[test]
    fn the_quota_is_reached_when_the_scan_says() {
        let five_min = SimDuration::from_secs(300);
        for d in [
            db(64, 0, five_min),
            db(64, 288, five_min),
            db(64, 288, SimDuration::ZERO),
            db(1, 100_000, SimDuration::from_secs(3600)),
            db(0, 300_000, five_min),
        ] {
            let exact = time_to_quota(&d).expect("fills").as_secs_f64();
            let scan = scanned(&d, 40 * 86_400).expect("fills within 40 days");
            // The scan finds the first whole second at or after the exact time.
            assert!(
                scan - 1.0 < exact && exact <= scan,
                "{exact} vs {scan}: {d:?}"
            );
        }
    }

    #[test]
    fn a_database_that_cannot_reach_its_quota_never_raises_the_alarm() {
        let five_min = SimDuration::from_secs(300);
        assert_eq!(time_to_quota(&db(0, 0, five_min)), None);
        // Only history, compacted before it reaches the quota.
        assert_eq!(time_to_quota(&db(0, 288, five_min)), None);
    }
}
