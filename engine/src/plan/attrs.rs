//! Builds a change's attribute list: compares before/after values, maps key by
//! key, and redacts secret values.

use std::collections::BTreeMap;

use serde::Serialize;

use super::pairs::pairs;
use super::AttrChange;
use crate::config::{duration, Failover};
use crate::sensitive::{is_sensitive, REDACTED};

#[derive(Default)]
pub(super) struct AttrDiff(pub Vec<AttrChange>);

fn json<T: Serialize>(value: Option<&T>) -> Option<serde_json::Value> {
    // Plain data always serializes; null (an unset optional) reads as absent.
    value
        .and_then(|v| serde_json::to_value(v).ok())
        .filter(|v| !v.is_null())
}

impl AttrDiff {
    /// Records `name` if its value differs.
    pub fn value<T: Serialize + PartialEq>(
        &mut self,
        name: &str,
        before: Option<&T>,
        after: Option<&T>,
        forces_restart: bool,
    ) {
        if before == after {
            return;
        }
        let (before, after) = (json(before), json(after));
        if before == after {
            return;
        }
        self.0.push(AttrChange {
            name: name.to_string(),
            key: None,
            before,
            after,
            forces_restart,
            sensitive: false,
            dynamic: false,
        });
    }

    /// Records the field `get` reads from a resource before and after, if it differs.
    pub fn field<S, T: Serialize + PartialEq>(
        &mut self,
        name: &str,
        before: Option<&S>,
        after: Option<&S>,
        get: impl Fn(&S) -> T,
        forces_restart: bool,
    ) {
        // Only a change to something that exists on both sides can force a restart.
        let forces_restart = forces_restart && before.is_some() && after.is_some();
        self.value(
            name,
            before.map(&get).as_ref(),
            after.map(&get).as_ref(),
            forces_restart,
        );
    }

    /// Records the `failover` block's attributes that differ (in place: they
    /// only matter once a task failed).
    pub fn failover(&mut self, before: Option<&Failover>, after: Option<&Failover>) {
        let (b, a) = (before, after);
        let delay = |f: &Failover| duration::format(&f.delay);
        let max_delay = |f: &Failover| duration::format(&f.max_delay);
        self.field("failover.delay", b, a, delay, false);
        self.field("failover.max_delay", b, a, max_delay, false);
        self.field("failover.max_tries", b, a, |f| f.max_tries, false);
    }

    /// Records each key of a map attribute whose value differs.
    pub fn map(
        &mut self,
        name: &str,
        before: Option<&BTreeMap<String, String>>,
        after: Option<&BTreeMap<String, String>>,
        forces_restart: impl Fn(&str) -> bool,
    ) {
        let both_sides = before.is_some() && after.is_some();
        if before.unwrap_or(&BTreeMap::new()) == after.unwrap_or(&BTreeMap::new()) {
            return;
        }
        for (key, b, a) in pairs(before, after) {
            if b != a {
                self.entry(name, key, b, a, both_sides && forces_restart(key));
            }
        }
    }

    /// Records one map entry's change.
    pub fn entry(
        &mut self,
        name: &str,
        key: &str,
        before: Option<&String>,
        after: Option<&String>,
        forces_restart: bool,
    ) {
        let sensitive = is_sensitive(key);
        let shown = |v: Option<&String>| {
            v.map(|v| {
                serde_json::Value::String(if sensitive {
                    REDACTED.to_string()
                } else {
                    v.clone()
                })
            })
        };
        self.0.push(AttrChange {
            name: name.to_string(),
            key: Some(key.to_string()),
            before: shown(before),
            after: shown(after),
            forces_restart,
            sensitive,
            dynamic: false,
        });
    }

    /// Marks the entries of map attribute `name` whose key `dynamic` says
    /// running brokers take.
    pub fn mark_dynamic(&mut self, name: &str, dynamic: impl Fn(&str) -> bool) {
        for change in self.0.iter_mut().filter(|c| c.name == name) {
            change.dynamic = change.key.as_deref().is_some_and(&dynamic);
        }
    }

    /// Display names of the attributes that force a restart.
    pub fn forcing(&self) -> Vec<String> {
        self.0
            .iter()
            .filter(|a| a.forces_restart)
            .map(AttrChange::display_name)
            .collect()
    }
}
