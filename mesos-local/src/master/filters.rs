//! Offer filters: after a DECLINE (or the unused part of an ACCEPT) the
//! declined resources of that agent are not offered again to that framework
//! and role for `refuse_seconds`, unless something beyond them becomes
//! available, or the framework REVIVEs the role.

use std::time::Duration;

use tokio::time::Instant;

use super::resources::ResourceBag;

/// Mesos's default `Filters.refuse_seconds`.
pub const DEFAULT_REFUSE: Duration = Duration::from_secs(5);
/// Mesos caps refuse_seconds at a year.
const MAX_REFUSE: Duration = Duration::from_secs(365 * 24 * 3600);

#[derive(Debug)]
struct Filter {
    framework: String,
    agent: String,
    role: String,
    resources: ResourceBag,
    until: Instant,
}

/// All live offer filters.
#[derive(Debug, Default)]
pub struct OfferFilters {
    filters: Vec<Filter>,
}

/// How long to refuse: `refuse_seconds` as Mesos reads it (unset or negative
/// → 5 s, capped at a year, 0 → no filter).
pub fn refuse_duration(refuse_seconds: Option<f64>) -> Duration {
    match refuse_seconds {
        Some(s) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s).min(MAX_REFUSE),
        Some(s) if s.is_infinite() && s > 0.0 => MAX_REFUSE,
        _ => DEFAULT_REFUSE,
    }
}

impl OfferFilters {
    pub fn add(
        &mut self,
        framework: &str,
        agent: &str,
        role: &str,
        resources: ResourceBag,
        refuse: Duration,
    ) {
        if refuse.is_zero() || resources.is_empty() {
            return;
        }
        self.filters.push(Filter {
            framework: framework.to_string(),
            agent: agent.to_string(),
            role: role.to_string(),
            resources,
            until: Instant::now() + refuse,
        });
    }

    /// True if offering `offered` on `agent` to (`framework`, `role`) is refused.
    pub fn refuses(
        &mut self,
        framework: &str,
        agent: &str,
        role: &str,
        offered: &ResourceBag,
    ) -> bool {
        let now = Instant::now();
        self.filters.retain(|f| f.until > now);
        self.filters.iter().any(|f| {
            f.framework == framework
                && f.agent == agent
                && f.role == role
                && f.resources.contains(offered)
        })
    }

    /// REVIVE: drops the framework's filters for `roles` (all roles if empty).
    pub fn revive(&mut self, framework: &str, roles: &[String]) {
        self.filters.retain(|f| {
            !(f.framework == framework && (roles.is_empty() || roles.contains(&f.role)))
        });
    }

    pub fn remove_framework(&mut self, framework: &str) {
        self.filters.retain(|f| f.framework != framework);
    }
}

#[cfg(test)]
mod tests {
    use super::super::resources::{Amount, Kind};
    use super::*;

    fn cpus(v: f64) -> ResourceBag {
        [(
            Kind {
                name: "cpus".into(),
                reservation: None,
                volume: None,
            },
            Amount::scalar(v),
        )]
        .into_iter()
        .collect()
    }

    #[test]
    fn refuse_seconds_follow_mesos_defaults_and_caps() {
        assert_eq!(refuse_duration(None), DEFAULT_REFUSE);
        assert_eq!(refuse_duration(Some(-1.0)), DEFAULT_REFUSE);
        assert_eq!(refuse_duration(Some(0.0)), Duration::ZERO);
        assert_eq!(refuse_duration(Some(1e12)), MAX_REFUSE);
    }

    #[tokio::test]
    async fn filter_holds_back_declined_resources_until_revive() {
        let mut f = OfferFilters::default();
        f.add("F", "S0", "kafka", cpus(4.0), Duration::from_secs(60));
        assert!(f.refuses("F", "S0", "kafka", &cpus(4.0)));
        assert!(
            !f.refuses("F", "S0", "kafka", &cpus(5.0)),
            "more than was declined is offered"
        );
        assert!(!f.refuses("F", "S1", "kafka", &cpus(4.0)));
        assert!(!f.refuses("G", "S0", "kafka", &cpus(4.0)));
        f.revive("F", &["other".into()]);
        assert!(f.refuses("F", "S0", "kafka", &cpus(4.0)));
        f.revive("F", &[]);
        assert!(!f.refuses("F", "S0", "kafka", &cpus(4.0)));
    }

    #[tokio::test(start_paused = true)]
    async fn filter_expires() {
        let mut f = OfferFilters::default();
        f.add("F", "S0", "*", cpus(1.0), Duration::from_secs(5));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(!f.refuses("F", "S0", "*", &cpus(1.0)));
    }
}
