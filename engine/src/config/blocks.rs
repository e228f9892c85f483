//! Reads the configuration's blocks — `scheduler`, `cluster` and inside it
//! `kafka`, `broker`, `topic`, `client` — into the typed model, applying
//! defaults and checking what one block can check on its own.

use std::collections::BTreeMap;

use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;

use crate::address::Address;

use super::byte_rate::ByteRate;
use super::constraint::{Constraint, Rule};
use super::decode::Decoder;
use super::model::{
    BrokerSpec, ClientKind, ClientSpec, ClusterSpec, Failover, KafkaKind, KafkaProperties,
    KafkaSpec, PortSpec, SchedulerBlock, TopicSpec,
};
use super::source::Position;
use super::{duration, ids, reserved};

const CLUSTER_ATTRS: &[&str] = &["config"];
const CLUSTER_BLOCKS: &[&str] = &["kafka", "broker", "topic", "client"];
const KAFKA_ATTRS: &[&str] = &[
    "kind",
    "dist",
    "endpoint",
    "reassignment_throttle",
    "rebalance",
];
const BROKER_ATTRS: &[&str] = &[
    "cpus",
    "mem",
    "heap",
    "disk",
    "port",
    "constraints",
    "config",
    "stickiness",
    "placement_timeout",
];
/// The largest message a producer client sends: Kafka's default
/// `max.request.size` (1 MiB).
const MAX_MESSAGE_SIZE: u64 = 1_048_576;
const FAILOVER_ATTRS: &[&str] = &["delay", "max_delay", "max_tries"];
const TOPIC_ATTRS: &[&str] = &["partitions", "replication_factor", "config"];
const CLIENT_ATTRS: &[&str] = &[
    "kind",
    "instances",
    "cpus",
    "mem",
    "topic",
    "command",
    "uris",
    "rate",
    "message_size",
    "properties",
];

impl Decoder<'_> {
    pub fn scheduler(&mut self, block: &Block) -> Option<SchedulerBlock> {
        let path = "scheduler";
        self.no_labels(block, path);
        self.check_names(&block.body, path, &["address"], &[]);
        if block.body.get_attribute("address").is_none() {
            self.error(
                block.ident.span(),
                path,
                "missing required attribute \"address\" (e.g. \"http://127.0.0.1:7000\")",
            );
            return None;
        }
        let address = self.parsed(&block.body, path, "address", |a| {
            if a.starts_with("http://") || a.starts_with("https://") {
                Ok(a.trim_end_matches('/').to_string())
            } else {
                Err(format!("\"{a}\" is not an http:// or https:// URL"))
            }
        })?;
        Some(SchedulerBlock { address })
    }

    pub fn cluster(&mut self, block: &Block, name: &str) -> ClusterSpec {
        let path = Address::of_cluster(name).to_string();
        if name.contains('.') {
            self.error(
                block.labels.first().and_then(|l| l.span()),
                &path,
                format!("cluster name \"{name}\" cannot contain \".\": addresses such as cluster.NAME.broker.ID use dots to separate their parts"),
            );
        }
        self.record(path.clone(), block.span());
        let body = &block.body;
        self.check_names(body, &path, CLUSTER_ATTRS, CLUSTER_BLOCKS);
        let config = self.properties(body, &path);

        let kafka_blocks: Vec<&Block> = body.get_blocks("kafka").collect();
        let kafka = match kafka_blocks.as_slice() {
            [] => {
                self.error(
                    block.ident.span(),
                    &path,
                    "missing required block `kafka { kind = \"tansu\" }`",
                );
                None
            }
            [one, rest @ ..] => {
                for extra in rest {
                    self.error(
                        extra.ident.span(),
                        &path,
                        "only one kafka block is allowed per cluster",
                    );
                }
                self.kafka(one, &path)
            }
        };

        let mut brokers = BTreeMap::new();
        let mut broker_labels: BTreeMap<u32, (String, Position)> = BTreeMap::new();
        for b in body.get_blocks("broker") {
            let bpath = format!("{path}.broker");
            let Some(label) = self.label(b, &bpath) else {
                continue;
            };
            let bpath = format!("{path}.broker[\"{label}\"]");
            let label_span = b.labels.first().and_then(|l| l.span());
            let ids = match ids::parse(label) {
                Ok(ids) => ids,
                Err(msg) => {
                    self.error(label_span, &bpath, msg);
                    continue;
                }
            };
            let label_pos = self.position(label_span);
            let mut fresh = Vec::new();
            for id in ids {
                if let Some((other, pos)) = broker_labels.get(&id) {
                    let msg = format!(
                        "broker id {id} is also declared by broker \"{other}\" at {}:{}:{}",
                        pos.file, pos.line, pos.column
                    );
                    self.error_at(label_pos.clone(), &bpath, msg);
                } else {
                    broker_labels.insert(id, (label.to_string(), label_pos.clone()));
                    fresh.push(id);
                }
            }
            let Some(spec) = self.broker(&b.body, &bpath, kafka.as_ref().map(|k| k.kind)) else {
                continue;
            };
            for id in fresh {
                let address = Address::of_broker(name, id).to_string();
                self.record(address.clone(), b.span());
                for structure in b.body.iter() {
                    if let Some(attr) = structure.as_attribute() {
                        self.record(
                            format!("{address}.{}", attr.key.as_str()),
                            attr.value.span(),
                        );
                    }
                }
                brokers.insert(id, spec.clone());
            }
        }
        if body.get_blocks("broker").next().is_none() {
            self.error(
                block.ident.span(),
                &path,
                "a cluster needs at least one broker block, e.g. `broker \"0..2\" { }`",
            );
        }

        let mut topics = BTreeMap::new();
        for t in body.get_blocks("topic") {
            let Some(tname) = self.label(t, &format!("{path}.topic")) else {
                continue;
            };
            let tpath = Address::of_topic(name, tname).to_string();
            if topics.contains_key(tname) {
                self.error(
                    t.labels.first().and_then(|l| l.span()),
                    &tpath,
                    format!("topic \"{tname}\" is declared twice"),
                );
                continue;
            }
            self.record(tpath.clone(), t.span());
            if let Some(spec) = self.topic(&t.body, &tpath, broker_labels.len()) {
                topics.insert(tname.to_string(), spec);
            }
        }

        let declared_topics: Vec<&str> = topics.keys().map(String::as_str).collect();
        let mut clients = BTreeMap::new();
        for c in body.get_blocks("client") {
            let Some(cname) = self.label(c, &format!("{path}.client")) else {
                continue;
            };
            let cpath = Address::of_client(name, cname).to_string();
            if clients.contains_key(cname) {
                self.error(
                    c.labels.first().and_then(|l| l.span()),
                    &cpath,
                    format!("client \"{cname}\" is declared twice"),
                );
                continue;
            }
            self.record(cpath.clone(), c.span());
            if let Some(spec) = self.client(c, &cpath, &declared_topics) {
                clients.insert(cname.to_string(), spec);
            }
        }

        ClusterSpec {
            kafka: kafka.unwrap_or(KafkaSpec {
                kind: KafkaKind::Tansu,
                dist: None,
                endpoint: None,
                reassignment_throttle: None,
                rebalance: false,
            }),
            config,
            brokers,
            topics,
            clients,
        }
    }

    fn kafka(&mut self, block: &Block, cluster: &str) -> Option<KafkaSpec> {
        let path = format!("{cluster}.kafka");
        self.record(path.clone(), block.span());
        self.no_labels(block, &path);
        self.check_names(&block.body, &path, KAFKA_ATTRS, &[]);
        if block.body.get_attribute("kind").is_none() {
            self.error(
                block.ident.span(),
                &path,
                "missing required attribute \"kind\" (\"tansu\" or \"apache\")",
            );
        }
        let kind = self.parsed(&block.body, &path, "kind", |k| match k {
            "tansu" => Ok(KafkaKind::Tansu),
            "apache" => Ok(KafkaKind::Apache),
            other => Err(format!(
                "kind must be \"tansu\" or \"apache\", not \"{other}\""
            )),
        });
        let dist = self.string(&block.body, &path, "dist");
        let endpoint = self.parsed(&block.body, &path, "endpoint", |e| {
            match e.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                    Ok(e.to_string())
                }
                _ => Err(format!(
                    "endpoint must be HOST:PORT, e.g. \"127.0.0.1:9092\", not \"{e}\""
                )),
            }
        });
        let reassignment_throttle =
            self.parsed(&block.body, &path, "reassignment_throttle", ByteRate::parse);
        let rebalance = self.boolean(&block.body, &path, "rebalance");
        let kind = kind?;
        if rebalance == Some(true) && kind == KafkaKind::Tansu {
            let span = block
                .body
                .get_attribute("rebalance")
                .and_then(|a| a.value.span());
            self.error(
                span,
                &format!("{path}.rebalance"),
                "tansu brokers do not replicate: rebalance needs kind = \"apache\"",
            );
        }
        Some(KafkaSpec {
            kind,
            dist,
            endpoint,
            reassignment_throttle,
            rebalance: rebalance.unwrap_or(false),
        })
    }

    /// Kafka properties of `config`, refusing what no broker could run with
    /// (names kmesos owns, malformed names, values over several lines).
    fn properties(&mut self, body: &Body, path: &str) -> KafkaProperties {
        self.checked_map(body, path, "config", reserved::property_problem)
    }

    /// The map attribute `name` as Kafka properties, each refused with the
    /// reason `problem` gives, if any.
    fn checked_map(
        &mut self,
        body: &Body,
        path: &str,
        name: &str,
        problem: fn(&str, &str) -> Option<String>,
    ) -> KafkaProperties {
        let mut out = KafkaProperties::new();
        for (key, (value, span)) in self.string_map(body, path, name) {
            if let Some(reason) = problem(&key, &value) {
                self.error(span, &format!("{path}.{name}[\"{key}\"]"), reason);
            } else {
                out.insert(key, value);
            }
        }
        out
    }

    fn broker(&mut self, body: &Body, path: &str, kind: Option<KafkaKind>) -> Option<BrokerSpec> {
        self.check_names(body, path, BROKER_ATTRS, &["failover"]);
        let cpus = self.number(body, path, "cpus");
        if let Some(c) = cpus.filter(|c| *c <= 0.0) {
            let span = body.get_attribute("cpus").and_then(|a| a.value.span());
            self.error(
                span,
                &format!("{path}.cpus"),
                format!("cpus must be more than 0, found {c}"),
            );
        }
        let mem = self
            .whole(body, path, "mem", u32::MAX.into())
            .unwrap_or(BrokerSpec::DEFAULT_MEM);
        let heap = self.whole(body, path, "heap", u32::MAX.into());
        let disk = self
            .whole(body, path, "disk", u32::MAX.into())
            .unwrap_or(BrokerSpec::DEFAULT_DISK);
        let port = self.port(body, path).unwrap_or(PortSpec::Any);
        let constraints = self.constraints(body, path);
        let config = self.properties(body, path);
        let stickiness = self
            .parsed(body, path, "stickiness", duration::parse)
            .unwrap_or(BrokerSpec::DEFAULT_STICKINESS);
        let placement_timeout = self
            .parsed(body, path, "placement_timeout", duration::parse)
            .unwrap_or(BrokerSpec::DEFAULT_PLACEMENT_TIMEOUT);
        let failover = self.failover(body, path);

        let heap_span = body.get_attribute("heap").and_then(|a| a.value.span());
        let heap = match (kind, heap) {
            (Some(KafkaKind::Tansu), Some(_)) => {
                self.error(
                    heap_span,
                    &format!("{path}.heap"),
                    "heap applies to apache brokers only (tansu is not a JVM)",
                );
                None
            }
            (Some(KafkaKind::Apache), Some(h)) if h >= mem => {
                self.error(
                    heap_span,
                    &format!("{path}.heap"),
                    format!("heap ({h} MiB) must be less than mem ({mem} MiB)"),
                );
                None
            }
            (Some(KafkaKind::Apache), None) => Some(mem / 2),
            (_, heap) => heap,
        };
        Some(BrokerSpec {
            cpus: cpus
                .filter(|c| *c > 0.0)
                .unwrap_or(BrokerSpec::DEFAULT_CPUS),
            mem,
            heap,
            disk,
            port,
            constraints,
            config,
            failover,
            stickiness,
            placement_timeout,
        })
    }

    fn port(&mut self, body: &Body, path: &str) -> Option<PortSpec> {
        let attr = body.get_attribute("port")?;
        let at = format!("{path}.port");
        let text = match self.eval(&attr.value, &at)? {
            hcl::Value::Number(n) => n.to_string(),
            hcl::Value::String(s) => s,
            _ => {
                self.error(
                    attr.value.span(),
                    &at,
                    "port must be a number or a range like \"31000..31100\"",
                );
                return None;
            }
        };
        let port = |s: &str| s.trim().parse::<u16>().ok().filter(|p| *p > 0);
        let parsed = match text.split_once("..") {
            Some((from, to)) => match (port(from), port(to)) {
                (Some(from), Some(to)) if from <= to => Some(PortSpec::Range { from, to }),
                _ => None,
            },
            None => port(&text).map(PortSpec::Fixed),
        };
        if parsed.is_none() {
            self.error(
                attr.value.span(),
                &at,
                format!("\"{text}\" is not a port (1-65535) or a range like \"31000..31100\""),
            );
        }
        parsed
    }

    fn constraints(&mut self, body: &Body, path: &str) -> Vec<Constraint> {
        let mut out = Vec::new();
        for (attribute, (rule, span)) in self.string_map(body, path, "constraints") {
            match rule.parse::<Rule>() {
                Ok(rule) => out.push(Constraint { attribute, rule }),
                Err(msg) => self.error(span, &format!("{path}.constraints[\"{attribute}\"]"), msg),
            }
        }
        out
    }

    fn failover(&mut self, body: &Body, path: &str) -> Failover {
        let mut failover = Failover::default();
        let blocks: Vec<&Block> = body.get_blocks("failover").collect();
        let Some((block, rest)) = blocks.split_first() else {
            return failover;
        };
        for extra in rest {
            self.error(
                extra.ident.span(),
                path,
                "only one failover block is allowed here",
            );
        }
        let fpath = format!("{path}.failover");
        self.no_labels(block, &fpath);
        self.check_names(&block.body, &fpath, FAILOVER_ATTRS, &[]);
        if let Some(d) = self.parsed(&block.body, &fpath, "delay", duration::parse) {
            failover.delay = d;
        }
        if let Some(d) = self.parsed(&block.body, &fpath, "max_delay", duration::parse) {
            failover.max_delay = d;
        }
        if let Some(n) = self.whole(&block.body, &fpath, "max_tries", u32::MAX.into()) {
            failover.max_tries = n as u32;
        }
        if failover.max_delay < failover.delay {
            let span = block
                .body
                .get_attribute("max_delay")
                .map_or(block.ident.span(), |a| a.value.span());
            self.error(
                span,
                &format!("{fpath}.max_delay"),
                "max_delay must not be shorter than delay",
            );
        }
        failover
    }

    fn topic(&mut self, body: &Body, path: &str, brokers: usize) -> Option<TopicSpec> {
        self.check_names(body, path, TOPIC_ATTRS, &[]);
        for name in TOPIC_ATTRS {
            if let Some(attr) = body.get_attribute(name) {
                self.record(format!("{path}.{name}"), attr.value.span());
            }
        }
        let partitions = self
            .whole(body, path, "partitions", i32::MAX as u64)
            .unwrap_or(1);
        let replication_factor = self
            .whole(body, path, "replication_factor", i16::MAX as u64)
            .unwrap_or(1);
        let config = self
            .string_map(body, path, "config")
            .into_iter()
            .map(|(k, (v, _))| (k, v))
            .collect();
        let rf_span = body
            .get_attribute("replication_factor")
            .and_then(|a| a.value.span());
        if partitions == 0 {
            let span = body
                .get_attribute("partitions")
                .and_then(|a| a.value.span());
            self.error(
                span,
                &format!("{path}.partitions"),
                "a topic needs at least 1 partition",
            );
        }
        if replication_factor == 0 {
            self.error(
                rf_span,
                &format!("{path}.replication_factor"),
                "replication_factor must be at least 1",
            );
        } else if brokers > 0 && replication_factor as usize > brokers {
            self.error(
                rf_span,
                &format!("{path}.replication_factor"),
                format!("replication_factor {replication_factor} exceeds the cluster's {brokers} brokers"),
            );
        }
        Some(TopicSpec {
            partitions: partitions as u32,
            replication_factor: replication_factor as u16,
            config,
        })
    }

    fn client(&mut self, block: &Block, path: &str, declared: &[&str]) -> Option<ClientSpec> {
        let body = &block.body;
        self.check_names(body, path, CLIENT_ATTRS, &["failover"]);
        let kind_span = body.get_attribute("kind").map(|a| a.value.span());
        let kind_or_block = kind_span.clone().flatten().or_else(|| block.ident.span());
        let kind = self.parsed(body, path, "kind", |k| match k {
            "producer" => Ok(ClientKind::Producer),
            "consumer" => Ok(ClientKind::Consumer),
            "command" => Ok(ClientKind::Command),
            other => Err(format!(
                "kind must be \"producer\", \"consumer\" or \"command\", not \"{other}\""
            )),
        });
        if kind_span.is_none() {
            self.error(
                block.ident.span(),
                path,
                "missing required attribute \"kind\" (\"producer\", \"consumer\" or \"command\")",
            );
        }
        let instances = self
            .whole(body, path, "instances", u32::MAX.into())
            .unwrap_or(1) as u32;
        let cpus = self
            .number(body, path, "cpus")
            .unwrap_or(ClientSpec::DEFAULT_CPUS);
        let mem = self
            .whole(body, path, "mem", u32::MAX.into())
            .unwrap_or(ClientSpec::DEFAULT_MEM);
        let topic = self.string(body, path, "topic");
        let command = self.string(body, path, "command");
        let kind = kind?;
        match (&kind, &topic) {
            (ClientKind::Producer | ClientKind::Consumer, None) => {
                self.error(
                    kind_or_block.clone(),
                    path,
                    format!("a {kind} client needs a \"topic\""),
                );
            }
            (_, Some(t)) if !declared.contains(&t.as_str()) => {
                let span = body.get_attribute("topic").and_then(|a| a.value.span());
                let hint = crate::diagnostics::suggest(t, declared.iter().copied());
                self.error(
                    span,
                    &format!("{path}.topic"),
                    format!("topic \"{t}\" is not declared in this cluster{hint}"),
                );
            }
            _ => {}
        }
        if kind == ClientKind::Command && command.is_none() {
            self.error(kind_or_block, path, "a command client needs a \"command\"");
        }
        let rate = self.whole(body, path, "rate", u32::MAX.into());
        let message_size = self
            .whole(body, path, "message_size", MAX_MESSAGE_SIZE)
            .map(|n| n as u32);
        if kind != ClientKind::Producer {
            self.not_for_kind(body, path, kind, &["rate", "message_size"]);
        }
        let uris = self.strings(body, path, "uris").unwrap_or_default();
        if kind != ClientKind::Command {
            self.not_for_kind(body, path, kind, &["uris"]);
        }
        let properties =
            self.checked_map(body, path, "properties", reserved::client_property_problem);
        if kind == ClientKind::Command && !properties.is_empty() {
            self.not_for_kind(body, path, kind, &["properties"]);
        }
        let failover = self.failover(body, path);
        Some(ClientSpec {
            kind,
            instances,
            cpus,
            mem,
            topic,
            command,
            uris,
            rate: rate.or((kind == ClientKind::Producer).then_some(ClientSpec::DEFAULT_RATE)),
            message_size: message_size
                .or((kind == ClientKind::Producer).then_some(ClientSpec::DEFAULT_MESSAGE_SIZE)),
            properties,
            failover,
        })
    }

    /// An error at each of `names` set on a client of a `kind` that has no use for them.
    fn not_for_kind(&mut self, body: &Body, path: &str, kind: ClientKind, names: &[&str]) {
        for name in names {
            if let Some(attr) = body.get_attribute(name) {
                self.error(
                    attr.value.span(),
                    &format!("{path}.{name}"),
                    format!("a {kind} client takes no \"{name}\""),
                );
            }
        }
    }
}
