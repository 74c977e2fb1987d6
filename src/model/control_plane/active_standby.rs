//! Active/standby control plane: only the active machine serves; when it is
//! down, a standby is promoted after detection plus the promotion delay.

use super::Net;
use crate::engine::{Ctx, EventKey, SimDuration};
use crate::model::ids::MachineId;

/// What happens in an active/standby pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StandbyEvent {
    /// A standby control-plane machine was promoted.
    Promoted,
}

/// Which control-plane machine serves, and the promotion under way.
#[derive(Clone)]
pub(crate) struct ActiveStandby {
    /// Detection plus promotion delay; `None` when every control-plane
    /// machine serves (any other topology).
    failover: Option<SimDuration>,
    /// The control-plane index that serves.
    active: usize,
    promotion: Option<EventKey>,
}

impl ActiveStandby {
    /// `failover`: how long a dead active machine takes to be replaced, or
    /// `None` when every control-plane machine serves.
    pub fn new(failover: Option<SimDuration>) -> Self {
        ActiveStandby {
            failover,
            active: 0,
            promotion: None,
        }
    }

    /// The control-plane index that serves (0 unless active/standby).
    pub fn active(&self) -> usize {
        self.active
    }

    /// Starts or cancels a promotion as the active machine fails or comes
    /// back, and sets which control-plane machines serve.
    pub fn refresh<E: From<StandbyEvent>>(
        &mut self,
        machines: &[MachineId],
        net: &Net<'_>,
        serving: &mut [bool],
        ctx: &mut Ctx<'_, E>,
    ) {
        let Some(failover) = self.failover else {
            return;
        };
        let active_up = net.runs(machines[self.active]);
        match (active_up, self.promotion) {
            (false, None) => {
                self.promotion = Some(ctx.schedule(failover, StandbyEvent::Promoted.into()));
            }
            (true, Some(key)) => {
                ctx.cancel(key);
                self.promotion = None;
            }
            _ => {}
        }
        for (i, serving) in serving.iter_mut().enumerate() {
            *serving = i == self.active;
        }
    }

    /// Reacts to one of its events: the first running machine becomes
    /// active. If none runs, the next refresh starts another attempt.
    pub fn on(&mut self, event: StandbyEvent, machines: &[MachineId], net: &Net<'_>) {
        match event {
            StandbyEvent::Promoted => {
                self.promotion = None;
                if let Some(standby) = machines.iter().position(|&m| net.runs(m)) {
                    self.active = standby;
                }
            }
        }
    }
}
