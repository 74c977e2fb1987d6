//! Typed indices of the things a cluster model is made of, so a pod slot
//! cannot be passed where a machine is meant and no call site casts.
//!
//! Each id is stored as little-endian bytes: alignment 1 lets an event
//! carry a component tag, its own tag and up to seven bytes of ids in eight
//! bytes (a `u32` field would align the whole event to four and grow it).

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name([u8; size_of::<$int>()]);

        impl $name {
            /// The id of entry `index`. Panics past the id's width: no
            /// scenario that large could be simulated anyway.
            pub fn new(index: usize) -> Self {
                match <$int>::try_from(index) {
                    Ok(n) => $name(n.to_le_bytes()),
                    Err(_) => panic!("{} {index} is out of range", stringify!($name)),
                }
            }

            /// Its index.
            pub fn index(self) -> usize {
                usize::try_from(<$int>::from_le_bytes(self.0)).expect("an id fits a usize")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&<$int>::from_le_bytes(self.0), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }
    };
}

id!(
    /// A machine slot, numbered across the scenario's groups in order.
    MachineId(u32)
);
id!(
    /// A zone of the scenario.
    ZoneId(u16)
);
id!(
    /// A shared failure domain (rack, power feed, host).
    DomainId(u16)
);
id!(
    /// A failure mode within its unit (machine group, zone modes, failure
    /// domain or workload).
    ModeId(u16)
);
id!(
    /// A control-plane machine by position: apiserver, controller-manager
    /// and scheduler `i` run on the `i`-th control-plane machine.
    ControlPlaneId(u16)
);
id!(
    /// An etcd voting member.
    MemberId(u16)
);
id!(
    /// A load-balancer instance of the API endpoint.
    BalancerId(u16)
);
id!(
    /// A worker node (a worker machine slot, in machine order).
    NodeId(u32)
);
id!(
    /// A pod slot; slots are reused once a pod is deleted.
    PodId(u32)
);
id!(
    /// A workload of the scenario.
    WorkloadId(u16)
);
id!(
    /// A chaos step of the scenario.
    StepId(u16)
);
id!(
    /// The serial number of a load spike within its workload.
    SpikeSerial(u32)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_print_their_number() {
        assert_eq!(MachineId::new(70_000).index(), 70_000);
        assert_eq!(PodId::new(7).to_string(), "7");
        assert_eq!(format!("{:?}", ZoneId::new(2)), "ZoneId(2)");
        assert_eq!(align_of::<MachineId>(), 1);
    }

    #[test]
    #[should_panic(expected = "ZoneId 70000 is out of range")]
    fn an_id_past_its_width_is_refused() {
        ZoneId::new(70_000);
    }
}
