//! Resources and what describes them: values (scalar, ranges, set, text),
//! agent attributes, `Resource` with reservations (both formats) and disk
//! info for persistent volumes, and labels.

message! {
    pub struct Value {
        r#type: required enumeration value::Type = 1,
        scalar: optional message value::Scalar = 2,
        ranges: optional message value::Ranges = 3,
        set: optional message value::Set = 4,
        text: optional message value::Text = 5,
    }
}

pub mod value {
    enumeration! {
        pub enum Type {
            Scalar = 0 => "SCALAR",
            Ranges = 1 => "RANGES",
            Set = 2 => "SET",
            Text = 3 => "TEXT",
        }
    }

    message! {
        /// Mesos does resource arithmetic in fixed point with 3 decimals.
        pub struct Scalar {
            value: required double = 1,
        }
    }

    message! {
        /// Inclusive at both ends.
        pub struct Range {
            begin: required uint64 = 1,
            end: required uint64 = 2,
        }
    }

    message! {
        pub struct Ranges {
            range: repeated message Range = 1,
        }
    }

    message! {
        pub struct Set {
            item: repeated string = 1,
        }
    }

    message! {
        pub struct Text {
            value: required string = 1,
        }
    }
}

message! {
    /// An agent attribute such as `rack` or `zone` (TEXT or SCALAR in practice).
    pub struct Attribute {
        name: required string = 1,
        r#type: required enumeration value::Type = 2,
        scalar: optional message value::Scalar = 3,
        ranges: optional message value::Ranges = 4,
        text: optional message value::Text = 5,
        set: optional message value::Set = 6,
    }
}

message! {
    /// A quantity of a named resource (`cpus`, `mem`, `disk`, `ports`), with
    /// its reservation and, for disk, persistent-volume information.
    pub struct Resource {
        name: required string = 1,
        r#type: required enumeration value::Type = 2,
        scalar: optional message value::Scalar = 3,
        ranges: optional message value::Ranges = 4,
        set: optional message value::Set = 5,
        /// Pre-refinement format: `*` = unreserved, else the reserving role.
        role: optional string = 6 [default = "*"],
        disk: optional message resource::DiskInfo = 7,
        /// Pre-refinement format: present = dynamically reserved.
        reservation: optional message resource::ReservationInfo = 8,
        revocable: optional message resource::RevocableInfo = 9,
        shared: optional message resource::SharedInfo = 10,
        allocation_info: optional message resource::AllocationInfo = 11,
        /// Post-refinement format (RESERVATION_REFINEMENT): the reservation
        /// stack, last entry = current owner, empty = unreserved.
        reservations: repeated message resource::ReservationInfo = 13,
    }
}

pub mod resource {
    use super::{Labels, Volume};

    message! {
        /// The role a resource is allocated to (set in offers; echo it back).
        pub struct AllocationInfo {
            role: optional string = 1,
        }
    }

    message! {
        pub struct ReservationInfo {
            principal: optional string = 1,
            labels: optional message Labels = 2,
            /// Only inside `reservations`, never in the legacy `reservation`.
            role: optional string = 3,
            /// Only inside `reservations`, never in the legacy `reservation`.
            r#type: optional enumeration reservation_info::Type = 4,
        }
    }

    pub mod reservation_info {
        enumeration! {
            pub enum Type {
                Unknown = 0 => "UNKNOWN",
                Static = 1 => "STATIC",
                Dynamic = 2 => "DYNAMIC",
            }
        }
    }

    message! {
        pub struct DiskInfo {
            /// Present = a persistent volume.
            persistence: optional message disk_info::Persistence = 1,
            /// Where the volume appears, relative to the sandbox.
            volume: optional message Volume = 2,
        }
    }

    pub mod disk_info {
        message! {
            pub struct Persistence {
                /// Unique per role per agent; kmesos makes it globally unique.
                id: required string = 1,
                principal: optional string = 2,
            }
        }
    }

    message! {
        /// Presence marks revocable resources.
        pub struct RevocableInfo {}
    }

    message! {
        /// Presence marks a shared persistent volume.
        pub struct SharedInfo {}
    }
}

message! {
    pub struct Volume {
        container_path: required string = 1,
        /// Must be unset for persistent volumes.
        host_path: optional string = 2,
        mode: required enumeration volume::Mode = 3,
    }
}

pub mod volume {
    enumeration! {
        pub enum Mode {
            Rw = 1 => "RW",
            Ro = 2 => "RO",
        }
    }
}

message! {
    pub struct Labels {
        labels: repeated message Label = 1,
    }
}

message! {
    pub struct Label {
        key: required string = 1,
        value: optional string = 2,
    }
}
