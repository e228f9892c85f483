//! Resource arithmetic for the master's bookkeeping, on a plain model
//! (`ResourceBag`) rather than on protobufs: a resource's identity (`Kind`:
//! name, reservation, persistent volume) apart from its `Amount`. Scalars are
//! kept in thousandths, as Mesos does fixed-point math with 3 decimals.
//! Persistent volumes are indivisible: only the whole volume is contained.

use std::collections::{BTreeMap, BTreeSet};

/// What a resource is, apart from how much of it there is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind {
    pub name: String,
    /// `None` = unreserved (role "*").
    pub reservation: Option<Reservation>,
    pub volume: Option<Volume>,
}

/// Who a resource is reserved for. Static reservations have no principal or labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reservation {
    pub role: String,
    pub dynamic: bool,
    pub principal: Option<String>,
    pub labels: Vec<(String, Option<String>)>,
}

/// A persistent volume carved out of reserved disk.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Volume {
    pub persistence_id: String,
    pub principal: Option<String>,
    pub container_path: String,
    pub read_only: bool,
}

/// How much: a scalar in thousandths, port-style ranges, or a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Scalar(i64),
    Ranges(Vec<(u64, u64)>),
    Set(BTreeSet<String>),
}

impl Amount {
    pub fn scalar(value: f64) -> Amount {
        Amount::Scalar((value * 1000.0).round() as i64)
    }

    pub fn ranges(ranges: impl IntoIterator<Item = (u64, u64)>) -> Amount {
        Amount::Ranges(normalize(ranges.into_iter().collect()))
    }

    fn is_empty(&self) -> bool {
        match self {
            Amount::Scalar(v) => *v <= 0,
            Amount::Ranges(r) => r.is_empty(),
            Amount::Set(s) => s.is_empty(),
        }
    }

    fn contains(&self, other: &Amount) -> bool {
        match (self, other) {
            (Amount::Scalar(a), Amount::Scalar(b)) => a >= b,
            (Amount::Ranges(a), Amount::Ranges(b)) => b
                .iter()
                .all(|&(lo, hi)| a.iter().any(|&(al, ah)| al <= lo && hi <= ah)),
            (Amount::Set(a), Amount::Set(b)) => b.is_subset(a),
            _ => false,
        }
    }

    fn add(&mut self, other: &Amount) {
        match (self, other) {
            (Amount::Scalar(a), Amount::Scalar(b)) => *a += b,
            (Amount::Ranges(a), Amount::Ranges(b)) => {
                let mut all = std::mem::take(a);
                all.extend(b.iter().copied());
                *a = normalize(all);
            }
            (Amount::Set(a), Amount::Set(b)) => a.extend(b.iter().cloned()),
            (a, b) => tracing::warn!(?a, ?b, "adding amounts of different types ignored"),
        }
    }

    /// `self - other`; callers check `contains` first.
    fn subtract(&mut self, other: &Amount) {
        match (self, other) {
            (Amount::Scalar(a), Amount::Scalar(b)) => *a -= b,
            (Amount::Ranges(a), Amount::Ranges(b)) => {
                let mut out = Vec::new();
                for &(lo, hi) in a.iter() {
                    let mut pieces = vec![(lo, hi)];
                    for &(bl, bh) in b {
                        pieces = pieces
                            .into_iter()
                            .flat_map(|(pl, ph)| {
                                let mut keep = Vec::new();
                                if bh < pl || bl > ph {
                                    keep.push((pl, ph));
                                } else {
                                    if bl > pl {
                                        keep.push((pl, bl - 1));
                                    }
                                    if bh < ph {
                                        keep.push((bh + 1, ph));
                                    }
                                }
                                keep
                            })
                            .collect();
                    }
                    out.extend(pieces);
                }
                *a = normalize(out);
            }
            (Amount::Set(a), Amount::Set(b)) => a.retain(|x| !b.contains(x)),
            (a, b) => tracing::warn!(?a, ?b, "subtracting amounts of different types ignored"),
        }
    }
}

/// Sorts and merges overlapping or adjacent ranges.
fn normalize(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.retain(|(lo, hi)| lo <= hi);
    ranges.sort();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// A multiset of resources, merged by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceBag {
    items: BTreeMap<Kind, Amount>,
}

impl ResourceBag {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Kind, &Amount)> {
        self.items.iter()
    }

    pub fn add(&mut self, kind: Kind, amount: Amount) {
        if amount.is_empty() {
            return;
        }
        match self.items.get_mut(&kind) {
            Some(have) => have.add(&amount),
            None => {
                self.items.insert(kind, amount);
            }
        }
    }

    pub fn add_all(&mut self, other: &ResourceBag) {
        for (k, a) in other.iter() {
            self.add(k.clone(), a.clone());
        }
    }

    /// True if every resource of `other` is here (volumes whole).
    pub fn contains(&self, other: &ResourceBag) -> bool {
        other
            .items
            .iter()
            .all(|(kind, want)| match self.items.get(kind) {
                Some(have) if kind.volume.is_some() => have == want,
                Some(have) => have.contains(want),
                None => false,
            })
    }

    /// Removes `other`, or returns false and changes nothing if it is not contained.
    pub fn subtract(&mut self, other: &ResourceBag) -> bool {
        if !self.contains(other) {
            return false;
        }
        for (kind, amount) in other.iter() {
            if let Some(have) = self.items.get_mut(kind) {
                have.subtract(amount);
                if have.is_empty() || kind.volume.is_some() {
                    self.items.remove(kind);
                }
            }
        }
        true
    }

    /// Removes as much of `other` as is here (for computing what is left).
    pub fn subtract_available(&mut self, other: &ResourceBag) {
        for (kind, amount) in other.iter() {
            if let Some(have) = self.items.get_mut(kind) {
                let mut take = amount.clone();
                if !have.contains(&take) {
                    take = have.clone();
                }
                have.subtract(&take);
                if have.is_empty() || kind.volume.is_some() {
                    self.items.remove(kind);
                }
            }
        }
    }

    /// The part a role may be offered: unreserved, or reserved to that role.
    pub fn usable_by(&self, role: &str) -> ResourceBag {
        let items = self
            .items
            .iter()
            .filter(|(k, _)| k.reservation.as_ref().is_none_or(|r| r.role == role))
            .map(|(k, a)| (k.clone(), a.clone()))
            .collect();
        ResourceBag { items }
    }

    /// Scalar total of `name` across kinds, in whole units.
    pub fn scalar(&self, name: &str) -> f64 {
        self.items
            .iter()
            .filter(|(k, _)| k.name == name)
            .map(|(_, a)| match a {
                Amount::Scalar(v) => *v as f64 / 1000.0,
                _ => 0.0,
            })
            .sum()
    }

    /// The persistent volumes held, by persistence id.
    pub fn volumes(&self) -> impl Iterator<Item = (&Kind, &Volume)> {
        self.items
            .keys()
            .filter_map(|k| k.volume.as_ref().map(|v| (k, v)))
    }
}

impl FromIterator<(Kind, Amount)> for ResourceBag {
    fn from_iter<I: IntoIterator<Item = (Kind, Amount)>>(iter: I) -> Self {
        let mut bag = ResourceBag::new();
        for (k, a) in iter {
            bag.add(k, a);
        }
        bag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreserved(name: &str) -> Kind {
        Kind {
            name: name.into(),
            reservation: None,
            volume: None,
        }
    }

    fn reserved(name: &str, role: &str) -> Kind {
        let reservation = Some(Reservation {
            role: role.into(),
            dynamic: true,
            principal: Some("p".into()),
            labels: vec![],
        });
        Kind {
            name: name.into(),
            reservation,
            volume: None,
        }
    }

    fn agent() -> ResourceBag {
        [
            (unreserved("cpus"), Amount::scalar(4.0)),
            (unreserved("mem"), Amount::scalar(8192.0)),
            (unreserved("ports"), Amount::ranges([(31000, 31999)])),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn scalars_and_ranges_subtract_and_merge_back() {
        let mut bag = agent();
        let task: ResourceBag = [
            (unreserved("cpus"), Amount::scalar(0.1)),
            (unreserved("ports"), Amount::ranges([(31090, 31091)])),
        ]
        .into_iter()
        .collect();
        assert!(bag.subtract(&task));
        assert_eq!(bag.scalar("cpus"), 3.9);
        assert!(!bag.contains(&task));
        bag.add_all(&task);
        assert_eq!(bag, agent());
    }

    #[test]
    fn too_much_is_not_contained_and_subtract_changes_nothing() {
        let mut bag = agent();
        let big: ResourceBag = [(unreserved("cpus"), Amount::scalar(4.001))]
            .into_iter()
            .collect();
        assert!(!bag.subtract(&big));
        let outside: ResourceBag = [(unreserved("ports"), Amount::ranges([(30999, 31000)]))]
            .into_iter()
            .collect();
        assert!(!bag.contains(&outside));
        assert_eq!(bag, agent());
    }

    #[test]
    fn reservations_are_kept_apart_and_offered_only_to_their_role() {
        let mut bag = agent();
        bag.add(reserved("cpus", "kafka"), Amount::scalar(2.0));
        assert_eq!(bag.usable_by("kafka").scalar("cpus"), 6.0);
        assert_eq!(bag.usable_by("other").scalar("cpus"), 4.0);
    }

    #[test]
    fn volumes_are_indivisible() {
        let mut vol = reserved("disk", "kafka");
        vol.volume = Some(Volume {
            persistence_id: "v1".into(),
            principal: None,
            container_path: "data".into(),
            read_only: false,
        });
        let mut bag: ResourceBag = [(vol.clone(), Amount::scalar(100.0))].into_iter().collect();
        let part: ResourceBag = [(vol.clone(), Amount::scalar(50.0))].into_iter().collect();
        assert!(!bag.contains(&part));
        let whole: ResourceBag = [(vol, Amount::scalar(100.0))].into_iter().collect();
        assert!(bag.subtract(&whole));
        assert!(bag.is_empty());
    }
}
