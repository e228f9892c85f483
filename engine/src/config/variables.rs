//! `variable "NAME" { default = ..., description = "..." }` blocks: collects
//! them from every file and resolves each to the value set from outside
//! ([`Vars`]) or its default.

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::structure::Body;
use hcl::edit::Span;
use hcl::eval::Context;
use hcl::Value;

use super::source::{IndexedFile, Position};
use super::vars::Vars;
use crate::diagnostics::{suggest, Diagnostic, Diagnostics};

/// Variables resolved from their blocks and the values set from outside.
pub(crate) struct Resolved {
    /// Name → value, for the variables that have one.
    pub values: BTreeMap<String, Value>,
    /// Every declared name (with or without a value).
    pub declared: BTreeSet<String>,
    pub diags: Diagnostics,
}

pub(crate) fn resolve(bodies: &[(&IndexedFile, Body)], vars: &Vars) -> Resolved {
    let mut diags = Diagnostics::default();
    let mut values = BTreeMap::new();
    let mut declared: BTreeMap<String, Position> = BTreeMap::new();
    let error = |diags: &mut Diagnostics, pos: Position, path: &str, message: String| {
        diags.push(Diagnostic {
            file: pos.file,
            line: pos.line,
            column: pos.column,
            path: path.to_string(),
            message,
        })
    };

    for (file, body) in bodies {
        for block in body.get_blocks("variable") {
            let here = file.position(block.ident.span());
            let [label] = block.labels.as_slice() else {
                error(
                    &mut diags,
                    here,
                    "variable",
                    "a variable block takes one name: `variable \"NAME\" { ... }`".into(),
                );
                continue;
            };
            let name = label.as_str().to_string();
            let path = format!("var.{name}");
            if let Some(first) = declared.get(&name) {
                let msg = format!(
                    "variable \"{name}\" is declared twice (first at {}:{})",
                    first.file, first.line
                );
                error(&mut diags, here, &path, msg);
                continue;
            }
            declared.insert(name.clone(), here.clone());
            for structure in block.body.iter() {
                let key = structure.as_attribute().map(|a| a.key.as_str());
                if !matches!(key, Some("default" | "description")) {
                    let span = match structure.as_attribute() {
                        Some(a) => a.key.span(),
                        None => structure.as_block().and_then(|b| b.ident.span()),
                    };
                    let name = key
                        .or(structure.as_block().map(|b| b.ident.as_str()))
                        .unwrap_or("");
                    let hint = suggest(name, ["default", "description"]);
                    error(
                        &mut diags,
                        file.position(span),
                        &path,
                        format!("unknown attribute \"{name}\" in a variable block{hint}"),
                    );
                }
            }
            let default = match block.body.get_attribute("default") {
                None => None,
                Some(attr) => {
                    match super::arithmetic::evaluate(
                        &hcl::Expression::from(attr.value.clone()),
                        &Context::new(),
                    ) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            let msg = format!("a variable's default must be a literal value: {e}");
                            error(
                                &mut diags,
                                file.position(attr.value.span()),
                                &format!("{path}.default"),
                                msg,
                            );
                            continue;
                        }
                    }
                }
            };
            match vars.get(&name).map(|v| v.value.clone()).or(default) {
                Some(value) => {
                    values.insert(name, value);
                }
                None => error(
                    &mut diags,
                    here,
                    &path,
                    format!("variable \"{name}\" has no value: set it with --var {name}=VALUE, a --var-file or KMESOS_VAR_{name}"),
                ),
            }
        }
    }

    for (name, set) in vars.iter() {
        if !declared.contains_key(name) && !set.from_environment {
            let hint = suggest(name, declared.keys().map(String::as_str));
            let msg = format!("no variable \"{name}\" is declared in the configuration{hint}");
            error(&mut diags, set.origin.clone(), &format!("var.{name}"), msg);
        }
    }
    Resolved {
        values,
        declared: declared.into_keys().collect(),
        diags,
    }
}
