//! Values for `variable` blocks, gathered by the caller from `--var K=V`,
//! `--var-file FILE` and `KMESOS_VAR_<name>`; later settings win, so callers
//! add them in increasing precedence (environment, file, command line).

use std::collections::BTreeMap;

use hcl::edit::Span;
use hcl::Value;

use super::source::{IndexedFile, Position, SourceFile};
use crate::diagnostics::{Diagnostic, Diagnostics};

/// Variable values set from outside the configuration.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, VarValue>,
}

#[derive(Debug, Clone)]
pub(crate) struct VarValue {
    pub value: Value,
    /// Where it was set, for errors about it (e.g. an undeclared name).
    pub origin: Position,
    /// Set by `KMESOS_VAR_<name>`: like Terraform's `TF_VAR_`, an
    /// environment value for a variable the configuration does not declare
    /// is ignored, so one environment can serve several configurations.
    pub from_environment: bool,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    /// Sets `name` from text as typed on a command line or in the environment:
    /// numbers and `true`/`false` become numbers and booleans, the rest strings.
    /// `origin` names where it came from (e.g. `--var`, `KMESOS_VAR_broker_mem`).
    pub fn set_text(&mut self, name: &str, text: &str, origin: &str) {
        let value = if let Ok(n) = text.parse::<i64>() {
            Value::from(n)
        } else if let Some(n) = text.parse::<f64>().ok().filter(|n| n.is_finite()) {
            Value::from(n)
        } else if text == "true" || text == "false" {
            Value::Bool(text == "true")
        } else {
            Value::from(text)
        };
        let origin = Position {
            file: origin.to_string(),
            line: 0,
            column: 0,
        };
        self.values.insert(
            name.to_string(),
            VarValue {
                value,
                origin,
                from_environment: false,
            },
        );
    }

    /// Sets `name` from the environment variable `KMESOS_VAR_<name>`.
    pub fn set_from_environment(&mut self, name: &str, text: &str) {
        self.set_text(name, text, &format!("KMESOS_VAR_{name}"));
        if let Some(set) = self.values.get_mut(name) {
            set.from_environment = true;
        }
    }

    /// Sets a `NAME=VALUE` assignment as given to `--var`.
    pub fn set_assignment(&mut self, assignment: &str) -> Result<(), String> {
        match assignment.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                self.set_text(name.trim(), value, &format!("--var {}", name.trim()));
                Ok(())
            }
            _ => Err(format!("--var expects NAME=VALUE, got \"{assignment}\"")),
        }
    }

    /// Reads a variables file: HCL attributes `name = value` (literals only).
    pub fn read_file(&mut self, file: &SourceFile) -> Result<(), Diagnostics> {
        let indexed = IndexedFile::new(file);
        let mut diags = Diagnostics::default();
        let body = match super::syntax::parse_body(file) {
            Ok(body) => body,
            Err(e) => {
                diags.push(e);
                return Err(diags);
            }
        };
        for structure in body.iter() {
            let origin = indexed.position(structure.span());
            match structure {
                hcl::edit::structure::Structure::Attribute(attr) => {
                    let expr = hcl::Expression::from(attr.value.clone());
                    match super::arithmetic::evaluate(&expr, &hcl::eval::Context::new()) {
                        Ok(value) => {
                            self.values.insert(
                                attr.key.to_string(),
                                VarValue {
                                    value,
                                    origin,
                                    from_environment: false,
                                },
                            );
                        }
                        Err(e) => diags.push(Diagnostic {
                            file: origin.file,
                            line: origin.line,
                            column: origin.column,
                            path: attr.key.to_string(),
                            message: format!("variable values must be literals: {e}"),
                        }),
                    }
                }
                hcl::edit::structure::Structure::Block(block) => diags.push(Diagnostic {
                    file: origin.file,
                    line: origin.line,
                    column: origin.column,
                    path: block.ident.to_string(),
                    message: "a variables file holds only `name = value` lines, not blocks".into(),
                }),
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags)
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &VarValue)> {
        self.values.iter()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&VarValue> {
        self.values.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_types_from_text_and_later_settings_win() {
        let mut vars = Vars::new();
        vars.set_text("mem", "1024", "KMESOS_VAR_mem");
        vars.set_assignment("mem=2048").unwrap();
        vars.set_assignment("name=a=b").unwrap();
        vars.set_assignment("on=true").unwrap();
        assert_eq!(vars.get("mem").map(|v| &v.value), Some(&Value::from(2048)));
        assert_eq!(
            vars.get("name").map(|v| &v.value),
            Some(&Value::from("a=b"))
        );
        assert_eq!(vars.get("on").map(|v| &v.value), Some(&Value::Bool(true)));
        assert!(vars.set_assignment("novalue").is_err());
    }

    #[test]
    fn reads_a_variables_file_and_reports_blocks() {
        let mut vars = Vars::new();
        vars.read_file(&SourceFile::new("v.hcl", "mem = 4096\nrack = \"r1\"\n"))
            .unwrap();
        assert_eq!(vars.get("mem").map(|v| &v.value), Some(&Value::from(4096)));
        let err = vars
            .read_file(&SourceFile::new("v.hcl", "\nx {}\n"))
            .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].column), (2, 1));
    }
}
