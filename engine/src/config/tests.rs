//! Loading configurations: the model a file produces, and the errors (all of
//! them, with positions) a bad one produces.

use super::*;
use std::time::Duration;

fn load_one(text: &str) -> Result<Config, Diagnostics> {
    load(&[SourceFile::new("main.hcl", text)], &Vars::new())
}

fn errors(text: &str) -> Vec<String> {
    load_one(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const EXAMPLE: &str = r#"
variable "broker_mem" {
  default     = 1024
  description = "MiB per broker"
}

scheduler {
  address = "http://127.0.0.1:7000"
}

cluster "events" {
  kafka {
    kind = "apache"
    dist = "dist/kafka_2.13-4.1.0.tgz"
  }
  config = {
    "auto.create.topics.enable" = false
  }

  broker "0..2" {
    cpus = 0.5
    mem  = var.broker_mem
    heap = 512
    disk = 2048
    port = "31000..31100"
    constraints = {
      hostname = "unique"
      rack     = "groupBy"
    }
    config = { "num.io.threads" = 8 }
    failover {
      delay     = "30s"
      max_delay = "10m"
      max_tries = 0
    }
    stickiness = "10m"
  }

  broker "3" {
    cpus = 1
    mem  = 2048
    constraints = { hostname = "like:agent-3" }
  }

  topic "orders" {
    partitions         = 6
    replication_factor = 3
    config = { "retention.ms" = 86400000 }
  }

  client "orders-load" {
    kind      = "producer"
    instances = 2
    cpus      = 0.1
    mem       = 128
    topic     = "orders"
  }
}
"#;

#[test]
fn loads_the_issue_example_into_the_model() {
    let config = load_one(EXAMPLE).unwrap();
    assert_eq!(
        config.scheduler.as_ref().map(|s| s.address.as_str()),
        Some("http://127.0.0.1:7000")
    );
    let events = &config.clusters["events"];
    assert_eq!(events.kafka.kind, KafkaKind::Apache);
    assert_eq!(events.config["auto.create.topics.enable"], "false");
    assert_eq!(
        events.brokers.keys().copied().collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    let b0 = &events.brokers[&0];
    assert_eq!(
        (b0.cpus, b0.mem, b0.heap, b0.disk),
        (0.5, 1024, Some(512), 2048)
    );
    assert_eq!(
        b0.port,
        PortSpec::Range {
            from: 31000,
            to: 31100
        }
    );
    assert_eq!(b0.config["num.io.threads"], "8");
    assert_eq!(b0.failover.max_delay, Duration::from_secs(600));
    assert_eq!(b0.constraints.len(), 2);
    let b3 = &events.brokers[&3];
    assert_eq!(b3.heap, Some(1024), "apache heap defaults to half of mem");
    assert_eq!(b3.port, PortSpec::Any);
    assert_eq!(events.topics["orders"].config["retention.ms"], "86400000");
    assert_eq!(events.clients["orders-load"].instances, 2);
}

#[test]
fn variables_come_from_outside_over_defaults() {
    let mut vars = Vars::new();
    vars.set_assignment("broker_mem=4096").unwrap();
    let config = load(&[SourceFile::new("main.hcl", EXAMPLE)], &vars).unwrap();
    assert_eq!(config.clusters["events"].brokers[&1].mem, 4096);
}

#[test]
fn model_round_trips_through_json() {
    let config = load_one(EXAMPLE).unwrap();
    let text = serde_json::to_string(&config.clusters).unwrap();
    let back: std::collections::BTreeMap<String, ClusterSpec> =
        serde_json::from_str(&text).unwrap();
    assert_eq!(back, config.clusters);
}

#[test]
fn reports_every_error_with_file_line_and_column() {
    let text = r#"cluster "events" {
  kafka { kind = "tansu" }
  broker "0..2" {
    cpu = 1
    mem = "lots"
    config = { "broker.id" = 1, "controller.quorum.voters" = "x" }
    constraints = { hostname = "near:x" }
  }
  broker "2,3" {
    mem = var.brokr_mem
  }
  brokers "4" {}
}
variable "broker_mem" { default = 1 }
"#;
    assert_eq!(
        errors(text),
        vec![
            "main.hcl:4:5: cluster.events.broker[\"0..2\"]: unknown attribute \"cpu\"; did you mean \"cpus\"?",
            "main.hcl:5:11: cluster.events.broker[\"0..2\"].mem: expected a number, found string \"lots\"",
            "main.hcl:6:16: cluster.events.broker[\"0..2\"].config[\"broker.id\"]: \"broker.id\" is set by kmesos for every broker (from the broker id, the port and volume Mesos gives it, its agent, and the KRaft quorum); remove it",
            "main.hcl:6:33: cluster.events.broker[\"0..2\"].config[\"controller.quorum.voters\"]: \"controller.quorum.voters\" is set by kmesos for every broker (from the broker id, the port and volume Mesos gives it, its agent, and the KRaft quorum); remove it",
            "main.hcl:7:21: cluster.events.broker[\"0..2\"].constraints[\"hostname\"]: \"near:x\" is not a constraint; use like:RE, unlike:RE, unique, cluster[:VALUE] or groupBy[:N]",
            "main.hcl:9:10: cluster.events.broker[\"2,3\"]: broker id 2 is also declared by broker \"0..2\" at main.hcl:3:10",
            "main.hcl:10:15: cluster.events.broker[\"2,3\"].mem: undefined variable var.brokr_mem; did you mean \"broker_mem\"?",
            "main.hcl:12:3: cluster.events: unknown block \"brokers\"; did you mean \"broker\"?",
        ]
    );
}

#[test]
fn reports_syntax_errors_per_file_and_keeps_checking_the_others() {
    let files = [
        SourceFile::new("a.hcl", "cluster \"x\" {\n  kafka { kind = \n}\n"),
        SourceFile::new("b.hcl", "clustr \"y\" {}\n"),
    ];
    let errs: Vec<String> = load(&files, &Vars::new())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with("a.hcl:2:18: syntax error"),
        "{}",
        errs[0]
    );
    assert_eq!(
        errs[1],
        "b.hcl:1:1: unknown block \"clustr\"; did you mean \"cluster\"?"
    );
}

/// Found by fuzzing: hcl-edit's parse of operands of operator chains, nested
/// and left unclosed, doubled with each level; at 30 levels it ran for days.
#[test]
fn a_too_deeply_nested_expression_is_refused_at_the_opening_too_many() {
    let text = format!("a = {}x}}\n", "y*z*{a=".repeat(30));
    assert_eq!(
        errors(&text),
        [
            "main.hcl:1:93: syntax error: nested more than 12 levels deep (brackets, strings and \
          interpolations); flatten the expression"
        ]
    );
}

#[test]
fn refuses_malformed_ids_undeclared_vars_and_bad_types() {
    let errs = errors("cluster \"c\" {\n  kafka { kind = \"kafka\" }\n  broker \"2..0\" {}\n}\n");
    assert_eq!(
        errs,
        vec![
            "main.hcl:2:18: cluster.c.kafka.kind: kind must be \"tansu\" or \"apache\", not \"kafka\"",
            "main.hcl:3:10: cluster.c.broker[\"2..0\"]: broker id range \"2..0\" runs backwards; write \"0..2\"",
        ]
    );
    let mut vars = Vars::new();
    vars.set_assignment("nope=1").unwrap();
    let text = "cluster \"c\" {\n  kafka { kind = \"tansu\" }\n  broker \"0\" {}\n}\n";
    let errs: Vec<String> = load(&[SourceFile::new("m.hcl", text)], &vars)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errs,
        vec!["--var nope: var.nope: no variable \"nope\" is declared in the configuration"]
    );
    // From the environment, as Terraform treats TF_VAR_: ignored.
    let mut vars = Vars::new();
    vars.set_from_environment("nope", "1");
    assert!(load(&[SourceFile::new("m.hcl", text)], &vars).is_ok());
}

#[test]
fn refuses_a_cluster_name_with_a_dot() {
    let errs =
        errors("cluster \"eu.events\" {\n  kafka { kind = \"tansu\" }\n  broker \"0\" {}\n}\n");
    assert_eq!(
        errs,
        vec![
            "main.hcl:1:9: cluster.eu.events: cluster name \"eu.events\" cannot contain \".\": \
             addresses such as cluster.NAME.broker.ID use dots to separate their parts"
        ]
    );
}

#[test]
fn checks_topics_clients_and_heap_against_the_cluster() {
    let errs = errors(
        r#"cluster "c" {
  kafka { kind = "tansu" }
  broker "0" { heap = 256 }
  topic "t" { replication_factor = 2 }
  client "load" {
    kind  = "producer"
    topic = "tt"
  }
}
"#,
    );
    assert_eq!(
        errs,
        vec![
            "main.hcl:3:23: cluster.c.broker[\"0\"].heap: heap applies to apache brokers only (tansu is not a JVM)",
            "main.hcl:4:36: cluster.c.topic.t.replication_factor: replication_factor 2 exceeds the cluster's 1 brokers",
            "main.hcl:7:13: cluster.c.client.load.topic: topic \"tt\" is not declared in this cluster; did you mean \"t\"?",
        ]
    );
}

#[test]
fn client_workloads_take_what_their_kind_uses() {
    let errs = errors(
        r#"cluster "c" {
  kafka { kind = "apache" }
  broker "0" {}
  topic "t" {}
  client "read" {
    kind       = "consumer"
    topic      = "t"
    rate       = 10
    properties = { "group.id" = "other", "fetch.min.bytes" = 1 }
    uris       = ["http://files/x.tgz"]
  }
  client "load" {
    kind         = "producer"
    topic        = "t"
    message_size = 2000000
    properties   = { "bootstrap.servers" = "x:9092" }
  }
  client "job" {
    kind    = "command"
    command = "./job"
    uris    = "http://files/x.tgz"
  }
}
"#,
    );
    assert_eq!(
        errs,
        vec![
            "main.hcl:8:18: cluster.c.client.read.rate: a consumer client takes no \"rate\"",
            "main.hcl:9:20: cluster.c.client.read.properties[\"group.id\"]: \"group.id\" is set by kmesos for every client (its cluster's running brokers, and the client's name as a consumer's group); remove it",
            "main.hcl:10:18: cluster.c.client.read.uris: a consumer client takes no \"uris\"",
            "main.hcl:15:20: cluster.c.client.load.message_size: expected a whole number from 0 to 1048576, found 2000000",
            "main.hcl:16:22: cluster.c.client.load.properties[\"bootstrap.servers\"]: \"bootstrap.servers\" is set by kmesos for every client (its cluster's running brokers, and the client's name as a consumer's group); remove it",
            "main.hcl:21:15: cluster.c.client.job.uris: expected a list of strings, found string \"http://files/x.tgz\"",
        ]
    );
    let config = load_one(
        r#"cluster "c" {
  kafka { kind = "apache" }
  broker "0" {}
  topic "t" {}
  client "load" {
    kind       = "producer"
    topic      = "t"
    properties = { "sasl.jaas.config" = "secret stuff" }
  }
}
"#,
    )
    .unwrap();
    let load = &config.clusters["c"].clients["load"];
    assert_eq!((load.rate, load.message_size), (Some(100), Some(100)));
    let shown = &config.redacted().clusters["c"].clients["load"];
    assert_eq!(shown.properties["sasl.jaas.config"], "(sensitive)");

    let config = load_one(
        r#"cluster "c" {
  kafka { kind = "tansu" }
  broker "0" {}
  client "job" {
    kind    = "command"
    command = "./job --bootstrap \"$KAFKA_BOOTSTRAP_SERVERS\""
    uris    = ["http://files/job.tgz", "/opt/job.conf"]
  }
}
"#,
    )
    .unwrap();
    let job = &config.clusters["c"].clients["job"];
    assert_eq!(job.uris, ["http://files/job.tgz", "/opt/job.conf"]);
    assert_eq!(job.topic, None);
}

#[test]
fn expressions_are_evaluated_with_variables_in_scope() {
    let config = load_one(
        r#"variable "base" { default = 512 }
variable "host" { default = "10.0.0.1" }
cluster "c" {
  kafka {
    kind     = "tansu"
    endpoint = "${var.host}:9092"
  }
  broker "0" {
    mem  = var.base * 2
    disk = var.base > 100 ? 4096 : 1024
  }
}
"#,
    )
    .unwrap();
    let c = &config.clusters["c"];
    assert_eq!(c.kafka.endpoint.as_deref(), Some("10.0.0.1:9092"));
    assert_eq!((c.brokers[&0].mem, c.brokers[&0].disk), (1024, 4096));
}

#[test]
fn reads_a_reassignment_throttle_and_names_a_wrong_one() {
    let cluster = |throttle: &str| {
        format!(
            "cluster \"c\" {{\n  kafka {{\n    kind = \"apache\"\n    reassignment_throttle = \"{throttle}\"\n  }}\n  broker \"0\" {{}}\n}}\n"
        )
    };
    let files = [SourceFile::new("main.hcl", cluster("50MB/s"))];
    let config = load(&files, &Vars::new()).unwrap();
    assert_eq!(
        config.clusters["c"].kafka.reassignment_throttle,
        Some(super::ByteRate(50_000_000))
    );
    assert_eq!(
        errors(&cluster("fast")),
        vec![
            "main.hcl:4:29: cluster.c.kafka.reassignment_throttle: \"fast\" is not a byte rate; write e.g. \"50MB/s\", \"512KiB/s\" or \"1GB/s\"",
        ]
    );
}

#[test]
fn reads_rebalance_and_names_a_wrong_one() {
    let cluster = |kind: &str, rebalance: &str| {
        format!(
            "cluster \"c\" {{\n  kafka {{\n    kind = \"{kind}\"\n    rebalance = {rebalance}\n  }}\n  broker \"0\" {{}}\n}}\n"
        )
    };
    let files = [SourceFile::new("main.hcl", cluster("apache", "true"))];
    assert!(
        load(&files, &Vars::new()).unwrap().clusters["c"]
            .kafka
            .rebalance
    );
    assert_eq!(
        errors(&cluster("apache", "\"yes\"")),
        vec!["main.hcl:4:17: cluster.c.kafka.rebalance: expected true or false, found string \"yes\""]
    );
    assert_eq!(
        errors(&cluster("tansu", "true")),
        vec!["main.hcl:4:17: cluster.c.kafka.rebalance: tansu brokers do not replicate: rebalance needs kind = \"apache\""]
    );
}
