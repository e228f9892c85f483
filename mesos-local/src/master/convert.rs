//! Between protobuf `Resource`s and the master's `ResourceBag`. Both
//! reservation formats are read (legacy `role` + `reservation`, and the
//! RESERVATION_REFINEMENT `reservations` stack, of which the last entry is
//! the owner); offers are written in the format the framework asked for.

use mesos::proto::resource::{
    disk_info, reservation_info, AllocationInfo, DiskInfo, ReservationInfo,
};
use mesos::proto::{value, volume, Label, Labels, Resource, Volume as VolumeInfo};

use super::resources::{Amount, Kind, Reservation, ResourceBag, Volume};

/// Reads protobuf resources; the error names the offending resource.
pub fn bag_from(resources: &[Resource]) -> Result<ResourceBag, String> {
    let mut bag = ResourceBag::new();
    for r in resources {
        let (kind, amount) = from_proto(r)?;
        bag.add(kind, amount);
    }
    Ok(bag)
}

fn from_proto(r: &Resource) -> Result<(Kind, Amount), String> {
    let bad = |what: &str| format!("resource '{}': {what}", r.name);
    if r.name.is_empty() {
        return Err("resource with an empty name".into());
    }
    if r.revocable.is_some() || r.shared.is_some() {
        return Err(bad("revocable and shared resources are not supported"));
    }
    let amount = match value::Type::try_from(r.r#type) {
        Ok(value::Type::Scalar) => {
            let v = r
                .scalar
                .as_ref()
                .map(|s| s.value)
                .ok_or_else(|| bad("SCALAR without 'scalar'"))?;
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad("scalar must be a non-negative number"));
            }
            Amount::scalar(v)
        }
        Ok(value::Type::Ranges) => {
            let ranges = r
                .ranges
                .as_ref()
                .ok_or_else(|| bad("RANGES without 'ranges'"))?;
            if ranges.range.iter().any(|x| x.begin > x.end) {
                return Err(bad("range with begin > end"));
            }
            Amount::ranges(ranges.range.iter().map(|x| (x.begin, x.end)))
        }
        Ok(value::Type::Set) => Amount::Set(
            r.set
                .as_ref()
                .map(|s| s.item.iter().cloned().collect())
                .unwrap_or_default(),
        ),
        _ => return Err(bad("type must be SCALAR, RANGES or SET")),
    };
    if r.reservation.is_some() && !r.reservations.is_empty() {
        return Err(bad("both 'reservation' and 'reservations' are set"));
    }
    let reservation = match r.reservations.last() {
        Some(top) => {
            let role = top
                .role
                .clone()
                .ok_or_else(|| bad("'reservations' entry without a role"))?;
            let dynamic = top.r#type != Some(reservation_info::Type::Static as i32);
            Some(reservation_of(role, dynamic, top))
        }
        None => match r.role.as_deref() {
            None | Some("*") if r.reservation.is_some() => {
                return Err(bad("'reservation' needs a role other than '*'"))
            }
            None | Some("*") => None,
            Some(role) => Some(match &r.reservation {
                Some(info) => reservation_of(role.to_string(), true, info),
                None => reservation_of(role.to_string(), false, &ReservationInfo::default()),
            }),
        },
    };
    let volume = match r
        .disk
        .as_ref()
        .and_then(|d| d.persistence.as_ref().map(|p| (p, d.volume.as_ref())))
    {
        None => None,
        Some((persistence, volume)) => {
            let volume =
                volume.ok_or_else(|| bad("Expecting 'volume' to be set for persistent volume"))?;
            if volume.host_path.is_some() {
                return Err(bad(
                    "Expecting 'host_path' to be unset for persistent volume",
                ));
            }
            Some(Volume {
                persistence_id: persistence.id.clone(),
                principal: persistence.principal.clone(),
                container_path: volume.container_path.clone(),
                read_only: volume.mode == volume::Mode::Ro as i32,
            })
        }
    };
    Ok((
        Kind {
            name: r.name.clone(),
            reservation,
            volume,
        },
        amount,
    ))
}

fn reservation_of(role: String, dynamic: bool, info: &ReservationInfo) -> Reservation {
    let labels = info
        .labels
        .as_ref()
        .map(|l| {
            l.labels
                .iter()
                .map(|l| (l.key.clone(), l.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    let principal = if dynamic {
        info.principal.clone()
    } else {
        None
    };
    Reservation {
        role,
        dynamic,
        principal,
        labels,
    }
}

/// Writes a bag as offered to `role`, in the refinement format or the legacy one.
pub fn bag_to(bag: &ResourceBag, role: Option<&str>, refinement: bool) -> Vec<Resource> {
    bag.iter()
        .map(|(k, a)| to_proto(k, a, role, refinement))
        .collect()
}

fn to_proto(kind: &Kind, amount: &Amount, role: Option<&str>, refinement: bool) -> Resource {
    let mut r = Resource {
        name: kind.name.clone(),
        ..Default::default()
    };
    match amount {
        Amount::Scalar(v) => {
            r.r#type = value::Type::Scalar as i32;
            r.scalar = Some(value::Scalar {
                value: *v as f64 / 1000.0,
            });
        }
        Amount::Ranges(ranges) => {
            r.r#type = value::Type::Ranges as i32;
            let range = ranges
                .iter()
                .map(|&(begin, end)| value::Range { begin, end })
                .collect();
            r.ranges = Some(value::Ranges { range });
        }
        Amount::Set(items) => {
            r.r#type = value::Type::Set as i32;
            r.set = Some(value::Set {
                item: items.iter().cloned().collect(),
            });
        }
    }
    if let Some(res) = &kind.reservation {
        let labels = (!res.labels.is_empty()).then(|| Labels {
            labels: res
                .labels
                .iter()
                .map(|(key, value)| Label {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
        });
        if refinement {
            let kind = if res.dynamic {
                reservation_info::Type::Dynamic
            } else {
                reservation_info::Type::Static
            };
            r.reservations = vec![ReservationInfo {
                principal: res.principal.clone(),
                labels,
                role: Some(res.role.clone()),
                r#type: Some(kind as i32),
            }];
        } else {
            r.role = Some(res.role.clone());
            if res.dynamic {
                r.reservation = Some(ReservationInfo {
                    principal: res.principal.clone(),
                    labels,
                    ..Default::default()
                });
            }
        }
    } else if !refinement {
        r.role = Some("*".to_string());
    }
    if let Some(v) = &kind.volume {
        r.disk = Some(DiskInfo {
            persistence: Some(disk_info::Persistence {
                id: v.persistence_id.clone(),
                principal: v.principal.clone(),
            }),
            volume: Some(VolumeInfo {
                container_path: v.container_path.clone(),
                host_path: None,
                mode: if v.read_only {
                    volume::Mode::Ro as i32
                } else {
                    volume::Mode::Rw as i32
                },
            }),
        });
    }
    r.allocation_info = role.map(|role| AllocationInfo {
        role: Some(role.to_string()),
    });
    r
}

/// The same resources with reservation and volume stripped: what RESERVE
/// takes from the unreserved pool, or CREATE from the reserved one.
pub fn without(bag: &ResourceBag, strip_reservation: bool) -> ResourceBag {
    bag.iter()
        .map(|(k, a)| {
            let mut k = k.clone();
            k.volume = None;
            if strip_reservation {
                k.reservation = None;
            }
            (k, a.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy_reserved_volume() -> Resource {
        Resource {
            name: "disk".into(),
            r#type: value::Type::Scalar as i32,
            scalar: Some(value::Scalar { value: 100.0 }),
            role: Some("kafka".into()),
            reservation: Some(ReservationInfo {
                principal: Some("p".into()),
                labels: Some(Labels {
                    labels: vec![Label {
                        key: "broker".into(),
                        value: Some("0".into()),
                    }],
                }),
                ..Default::default()
            }),
            disk: Some(DiskInfo {
                persistence: Some(disk_info::Persistence {
                    id: "v1".into(),
                    principal: Some("p".into()),
                }),
                volume: Some(VolumeInfo {
                    container_path: "data".into(),
                    host_path: None,
                    mode: volume::Mode::Rw as i32,
                }),
            }),
            allocation_info: Some(AllocationInfo {
                role: Some("kafka".into()),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn legacy_format_round_trips_exactly() {
        let r = legacy_reserved_volume();
        let bag = bag_from(std::slice::from_ref(&r)).unwrap();
        assert_eq!(bag_to(&bag, Some("kafka"), false), vec![r]);
    }

    #[test]
    fn both_formats_describe_the_same_reservation() {
        let legacy = bag_from(&[legacy_reserved_volume()]).unwrap();
        let refined = bag_to(&legacy, Some("kafka"), true);
        assert_eq!(refined[0].reservations[0].role.as_deref(), Some("kafka"));
        assert!(refined[0].role.is_none() && refined[0].reservation.is_none());
        assert_eq!(bag_from(&refined).unwrap(), legacy);
    }

    #[test]
    fn malformed_resources_are_named() {
        let mut r = legacy_reserved_volume();
        r.scalar = None;
        assert!(bag_from(&[r]).unwrap_err().contains("resource 'disk'"));
        let mut r = legacy_reserved_volume();
        r.role = Some("*".into());
        assert!(bag_from(&[r]).is_err());
    }
}
