//! Reading an offer's resources (which are free, which are reserved for the
//! framework's role and for which broker, which are persistent volumes) and
//! writing the resources of RESERVE, CREATE, LAUNCH, DESTROY and UNRESERVE
//! operations in the legacy (pre-refinement) reservation format, with the
//! offer's allocation role echoed. Both reservation formats are read.

use std::collections::BTreeMap;

use mesos::proto::resource::{
    disk_info, reservation_info, AllocationInfo, DiskInfo, ReservationInfo,
};
use mesos::proto::{value, volume, Attribute, Label, Labels, Offer, Resource, Volume};

use super::ids::RESERVATION_LABEL;

/// The volume's path in the sandbox, and the broker's `data_dir`.
pub const VOLUME_PATH: &str = "data";

/// Mesos does scalar arithmetic in fixed point with three decimals.
pub fn quantize(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Who holds a resource, as far as the core cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Holder {
    /// Unreserved: free to reserve or use.
    Free,
    /// Dynamically reserved for our role, with the broker label if any.
    Ours(Option<String>),
    /// Reserved for someone else, statically reserved, or revocable: not touched.
    Other,
}

pub fn holder(resource: &Resource, role: &str) -> Holder {
    if resource.revocable.is_some() || resource.shared.is_some() {
        return Holder::Other;
    }
    let label = |info: &ReservationInfo| {
        info.labels.as_ref().and_then(|labels| {
            labels
                .labels
                .iter()
                .find(|l| l.key == RESERVATION_LABEL)
                .and_then(|l| l.value.clone())
        })
    };
    if let Some(top) = resource.reservations.last() {
        let dynamic = top.r#type == Some(reservation_info::Type::Dynamic as i32);
        return if dynamic && top.role.as_deref() == Some(role) {
            Holder::Ours(label(top))
        } else {
            Holder::Other
        };
    }
    match (
        resource.role.as_deref().unwrap_or("*"),
        &resource.reservation,
    ) {
        ("*", None) => Holder::Free,
        (r, Some(info)) if r == role => Holder::Ours(label(info)),
        _ => Holder::Other,
    }
}

pub fn scalar(resource: &Resource) -> f64 {
    resource.scalar.as_ref().map_or(0.0, |s| s.value)
}

/// The persistence id of a persistent volume.
pub fn persistence_id(resource: &Resource) -> Option<&str> {
    resource
        .disk
        .as_ref()
        .and_then(|d| d.persistence.as_ref())
        .map(|p| p.id.as_str())
}

/// The agent's attributes as text (`rack` → `r1`); scalars are printed,
/// ranges and sets are left out.
pub fn attributes(attrs: &[Attribute]) -> BTreeMap<String, String> {
    attrs
        .iter()
        .filter_map(|a| {
            let text = match value::Type::try_from(a.r#type).ok()? {
                value::Type::Text => a.text.as_ref()?.value.clone(),
                value::Type::Scalar => a.scalar.as_ref()?.value.to_string(),
                _ => return None,
            };
            Some((a.name.clone(), text))
        })
        .collect()
}

/// Writes resources for one offer: reserved ones carry the role, the
/// principal and the broker label; all carry the offer's allocation role.
pub struct ResourceWriter<'a> {
    pub role: &'a str,
    pub principal: Option<&'a str>,
    pub allocation: Option<AllocationInfo>,
}

impl ResourceWriter<'_> {
    pub fn for_offer<'a>(
        role: &'a str,
        principal: Option<&'a str>,
        offer: &Offer,
    ) -> ResourceWriter<'a> {
        ResourceWriter {
            role,
            principal,
            allocation: offer.allocation_info.clone(),
        }
    }

    /// `amount` of scalar `name`, reserved for the broker labelled `label`.
    pub fn reserved(&self, name: &str, amount: f64, label: &str) -> Resource {
        Resource {
            name: name.to_string(),
            r#type: value::Type::Scalar as i32,
            scalar: Some(value::Scalar {
                value: quantize(amount),
            }),
            role: Some(self.role.to_string()),
            reservation: Some(ReservationInfo {
                principal: self.principal.map(str::to_string),
                labels: Some(Labels {
                    labels: vec![Label {
                        key: RESERVATION_LABEL.to_string(),
                        value: Some(label.to_string()),
                    }],
                }),
                ..Default::default()
            }),
            allocation_info: self.allocation.clone(),
            ..Default::default()
        }
    }

    /// `ports`, reserved for the broker labelled `label`.
    pub fn reserved_ports(&self, ports: &[u16], label: &str) -> Resource {
        let range = ports
            .iter()
            .map(|p| value::Range {
                begin: u64::from(*p),
                end: u64::from(*p),
            })
            .collect();
        Resource {
            name: "ports".to_string(),
            r#type: value::Type::Ranges as i32,
            scalar: None,
            ranges: Some(value::Ranges { range }),
            ..self.reserved("ports", 0.0, label)
        }
    }

    /// A new persistent volume of `disk` MiB from reserved disk.
    pub fn volume(&self, disk: f64, label: &str, persistence_id: &str) -> Resource {
        Resource {
            disk: Some(DiskInfo {
                persistence: Some(disk_info::Persistence {
                    id: persistence_id.to_string(),
                    principal: self.principal.map(str::to_string),
                }),
                volume: Some(Volume {
                    container_path: VOLUME_PATH.to_string(),
                    host_path: None,
                    mode: volume::Mode::Rw as i32,
                }),
            }),
            ..self.reserved("disk", disk, label)
        }
    }
}

/// The offered `ports` resource narrowed to one port.
pub fn one_port(offered: &Resource, port: u16) -> Resource {
    let mut chosen = offered.clone();
    chosen.ranges = Some(value::Ranges {
        range: vec![value::Range {
            begin: u64::from(port),
            end: u64::from(port),
        }],
    });
    chosen
}

/// A resource like `offered` with `amount` of it.
pub fn with_amount(offered: &Resource, amount: f64) -> Resource {
    let mut part = offered.clone();
    part.scalar = Some(value::Scalar {
        value: quantize(amount),
    });
    part
}

/// A destroyed volume's disk: the reservation stays, the volume goes.
pub fn without_volume(volume: &Resource) -> Resource {
    let mut disk = volume.clone();
    disk.disk = None;
    disk
}
