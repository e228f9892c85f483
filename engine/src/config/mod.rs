//! The configuration: what the operator wrote in HCL, as a typed model.
//!
//! [`load`] reads a set of files (a directory's `*.hcl` files are read together,
//! as Terraform reads `*.tf`), resolves variables, evaluates expressions with
//! hcl-rs's evaluator and returns a [`Config`], or every error found, each with
//! its file, line, column and attribute path.

mod arithmetic;
mod blocks;
pub mod byte_rate;
pub mod constraint;
mod decode;
pub mod duration;
mod endpoints;
pub mod ids;
pub mod model;
mod nesting;
mod reserved;
mod source;
mod syntax;
mod variables;
mod vars;

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::structure::Structure;
use hcl::edit::Span;
use serde::{Deserialize, Serialize};

pub use byte_rate::ByteRate;
pub use constraint::{Constraint, Pattern, Rule};
pub use endpoints::{scheduler_endpoint_cluster, unserved};
pub use model::{
    BrokerSpec, ClientKind, ClientSpec, ClusterSpec, Failover, KafkaKind, KafkaProperties,
    KafkaSpec, PortSpec, SchedulerBlock, TopicSpec,
};
pub use reserved::{client_property_problem, property_problem};
pub use source::{Position, SourceFile, SourceMap};
pub use vars::Vars;

use crate::address::Address;
use crate::diagnostics::{suggest, Diagnostics};
use decode::Decoder;
use source::IndexedFile;
pub(crate) use syntax::parse_body;

const TOP_LEVEL_BLOCKS: &[&str] = &["variable", "scheduler", "cluster"];

/// A whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub scheduler: Option<SchedulerBlock>,
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterSpec>,
    /// Where things were written; empty for a configuration read back from JSON.
    #[serde(skip)]
    pub positions: SourceMap,
}

/// Loads a configuration from files and externally set variables.
pub fn load(sources: &[SourceFile], vars: &Vars) -> Result<Config, Diagnostics> {
    let mut diags = Diagnostics::default();
    let files: Vec<IndexedFile> = sources.iter().map(IndexedFile::new).collect();
    let mut bodies = Vec::new();
    for (source, file) in sources.iter().zip(&files) {
        match syntax::parse_body(source) {
            Ok(body) => bodies.push((file, body)),
            Err(e) => diags.push(e),
        }
    }

    let variables = variables::resolve(&bodies, vars);
    diags.extend(variables.diags);
    let declared = variables.declared;
    let unset: BTreeSet<String> = declared
        .iter()
        .filter(|name| !variables.values.contains_key(*name))
        .cloned()
        .collect();
    let mut ctx = hcl::eval::Context::new();
    ctx.declare_var(
        "var",
        hcl::Value::Object(variables.values.into_iter().collect()),
    );

    let mut config = Config::default();
    let mut cluster_positions: BTreeMap<String, Position> = BTreeMap::new();
    let mut scheduler_position: Option<Position> = None;
    for (file, body) in &bodies {
        let mut decoder = Decoder::new(file, &ctx, &declared, &unset);
        for structure in body.iter() {
            let block = match structure {
                Structure::Block(block) => block,
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str();
                    decoder.error(
                        attr.key.span(),
                        "",
                        format!("unexpected attribute \"{name}\" at top level: only variable, scheduler and cluster blocks go here"),
                    );
                    continue;
                }
            };
            let here = decoder.position(block.ident.span());
            match block.ident.as_str() {
                "variable" => {} // read by variables::resolve
                "scheduler" => {
                    if let Some(first) = &scheduler_position {
                        let msg = format!(
                            "only one scheduler block is allowed (first at {}:{})",
                            first.file, first.line
                        );
                        decoder.error_at(here, "scheduler", msg);
                    } else {
                        scheduler_position = Some(here);
                        config.scheduler = decoder.scheduler(block);
                    }
                }
                "cluster" => {
                    let Some(name) = decoder.label(block, "cluster") else {
                        continue;
                    };
                    if let Some(first) = cluster_positions.get(name) {
                        let msg = format!(
                            "cluster \"{name}\" is declared twice (first at {}:{})",
                            first.file, first.line
                        );
                        decoder.error_at(here, &Address::of_cluster(name).to_string(), msg);
                        continue;
                    }
                    cluster_positions.insert(name.to_string(), here);
                    let spec = decoder.cluster(block, name);
                    config.clusters.insert(name.to_string(), spec);
                }
                other => {
                    let hint = suggest(other, TOP_LEVEL_BLOCKS.iter().copied());
                    decoder.error(
                        block.ident.span(),
                        "",
                        format!("unknown block \"{other}\"{hint}"),
                    );
                }
            }
        }
        diags.extend(decoder.diags);
        for (path, pos) in decoder.positions.into_entries() {
            config.positions.insert(path, pos);
        }
    }

    // Whether the scheduler has an endpoint of its own is its to check; a
    // cluster that cannot have it is refused here.
    diags.extend(unserved(&config, true));
    if diags.is_empty() {
        Ok(config)
    } else {
        Err(diags.sorted())
    }
}

impl Config {
    /// A copy with secret Kafka property values replaced by `(sensitive)`, for output.
    pub fn redacted(&self) -> Config {
        let mut copy = self.clone();
        for cluster in copy.clusters.values_mut() {
            crate::sensitive::redact(&mut cluster.config);
            for broker in cluster.brokers.values_mut() {
                crate::sensitive::redact(&mut broker.config);
            }
            for topic in cluster.topics.values_mut() {
                crate::sensitive::redact(&mut topic.config);
            }
            for client in cluster.clients.values_mut() {
                crate::sensitive::redact(&mut client.properties);
            }
        }
        copy
    }
}

#[cfg(test)]
mod tests;
