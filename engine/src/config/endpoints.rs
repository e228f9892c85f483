//! Which Kafka endpoint serves each cluster. tansu brokers do not know each
//! other: a tansu cluster of several brokers works as one only through a
//! Kafka endpoint of the scheduler, which each broker's front sends the
//! cluster-wide requests to. A cluster's endpoint is its `kafka.endpoint`;
//! the scheduler's own address (`--kafka`) serves the first cluster, by
//! name, that names none. [`scheduler_endpoint_cluster`] is that rule, for
//! the scheduler's endpoints and launches alike; [`unserved`] refuses the
//! tansu clusters of several brokers that it leaves without an endpoint.

use crate::address::Address;
use crate::diagnostics::Diagnostics;

use super::{Config, KafkaKind, KafkaSpec};

/// The cluster the scheduler's own Kafka endpoint (`--kafka`) serves: the
/// first, by name, whose kafka block names no `endpoint`.
pub fn scheduler_endpoint_cluster<'a>(
    clusters: impl IntoIterator<Item = (&'a String, &'a KafkaSpec)>,
) -> Option<&'a str> {
    clusters
        .into_iter()
        .filter(|(_, kafka)| kafka.endpoint.is_none())
        .map(|(name, _)| name.as_str())
        .min()
}

/// An error for each tansu cluster of several brokers left with no Kafka
/// endpoint: it names none, and the scheduler's own endpoint serves another
/// cluster, or the scheduler has none (`scheduler_has_endpoint` false).
/// The error is at the cluster's kafka block, field `endpoint`.
pub fn unserved(config: &Config, scheduler_has_endpoint: bool) -> Diagnostics {
    let served = scheduler_endpoint_cluster(config.clusters.iter().map(|(n, c)| (n, &c.kafka)))
        .filter(|_| scheduler_has_endpoint);
    let mut errors = Diagnostics::default();
    for (name, cluster) in &config.clusters {
        let brokers = cluster.brokers.len();
        if cluster.kafka.kind != KafkaKind::Tansu
            || brokers < 2
            || cluster.kafka.endpoint.is_some()
            || served == Some(name.as_str())
        {
            continue;
        }
        let why = match served {
            Some(other) => format!(
                "the scheduler's own Kafka endpoint (--kafka) serves cluster \"{other}\", the first that names none"
            ),
            None => "the scheduler has no Kafka endpoint of its own (kmesos scheduler --kafka ADDR)"
                .to_string(),
        };
        let path = format!("{}.kafka.endpoint", Address::of_cluster(name));
        let message = format!(
            "a tansu cluster of {brokers} brokers needs a Kafka endpoint to work as one cluster, and {why}; \
             add endpoint = \"HOST:PORT\" (an address for the scheduler to listen on) to this kafka block"
        );
        errors.push(config.positions.diagnostic(path, message));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load, SourceFile, Vars};

    fn cluster(name: &str, kind: &str, brokers: &str, endpoint: Option<&str>) -> String {
        let endpoint = endpoint.map_or(String::new(), |e| format!("\n    endpoint = \"{e}\""));
        format!(
            "cluster \"{name}\" {{\n  kafka {{\n    kind = \"{kind}\"{endpoint}\n  }}\n  broker \"{brokers}\" {{\n    cpus = 0.5\n    mem  = 512\n    disk = 256\n  }}\n}}\n"
        )
    }

    fn load_text(text: &str) -> Result<Config, Vec<String>> {
        load(&[SourceFile::new("main.hcl", text)], &Vars::new())
            .map_err(|errors| errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn the_scheduler_endpoint_serves_the_first_cluster_by_name_that_names_none() {
        let text = [
            cluster("c", "tansu", "0", None),
            cluster("a", "apache", "0..2", Some("127.0.0.1:9093")),
            cluster("b", "tansu", "0..2", None),
        ]
        .concat();
        let config = load_text(&text).expect("valid");
        let clusters = config.clusters.iter().map(|(n, c)| (n, &c.kafka));
        assert_eq!(scheduler_endpoint_cluster(clusters), Some("b"));
    }

    #[test]
    fn a_tansu_cluster_of_several_brokers_the_scheduler_endpoint_cannot_serve_is_refused_at_its_kafka_block(
    ) {
        let text = [
            cluster("a", "tansu", "0..2", None),
            cluster("b", "tansu", "0..1", None),
        ]
        .concat();
        // Cluster b's kafka block is on line 12 of the file.
        assert_eq!(
            load_text(&text).unwrap_err(),
            vec![
                "main.hcl:12:3: cluster.b.kafka.endpoint: a tansu cluster of 2 brokers needs a Kafka \
                 endpoint to work as one cluster, and the scheduler's own Kafka endpoint (--kafka) serves \
                 cluster \"a\", the first that names none; add endpoint = \"HOST:PORT\" (an address for the \
                 scheduler to listen on) to this kafka block"
                    .to_string()
            ]
        );
    }

    #[test]
    fn clusters_with_an_endpoint_one_broker_or_apache_need_none_of_the_scheduler() {
        let text = [
            cluster("a", "tansu", "0", None),
            cluster("b", "apache", "0..2", None),
            cluster("c", "tansu", "0..2", Some("127.0.0.1:9093")),
        ]
        .concat();
        let config = load_text(&text).expect("valid");
        assert!(unserved(&config, false).is_empty());
    }

    #[test]
    fn without_a_scheduler_endpoint_even_the_first_cluster_is_refused() {
        let config = load_text(&cluster("a", "tansu", "0..2", None)).expect("valid");
        let errors: Vec<String> = unserved(&config, false)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with(
                "main.hcl:2:3: cluster.a.kafka.endpoint: a tansu cluster of 3 brokers"
            ),
            "{errors:?}"
        );
        assert!(
            errors[0].contains(
                "the scheduler has no Kafka endpoint of its own (kmesos scheduler --kafka ADDR)"
            ),
            "{errors:?}"
        );
    }
}
