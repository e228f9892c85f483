//! The loader's reading primitives: check a body's attribute and block names
//! (unknown ones get a "did you mean"), evaluate attribute expressions with the
//! `var` object in scope, and convert values to the model's types — recording
//! an error with file, line and column for every problem and carrying on, so
//! one run reports them all.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use hcl::edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::edit::visit::{visit_traversal, Visit};
use hcl::edit::Span;
use hcl::eval::Context;
use hcl::Value;

use super::source::{IndexedFile, Position, SourceMap};
use crate::diagnostics::{suggest, Diagnostic, Diagnostics};

/// Reads one file's blocks into model values.
pub(crate) struct Decoder<'a> {
    pub file: &'a IndexedFile<'a>,
    /// `var` holds the variables that have a value.
    ctx: &'a Context<'a>,
    /// Every declared variable, with or without a value.
    variables: &'a BTreeSet<String>,
    /// Declared variables without a value.
    unset: &'a BTreeSet<String>,
    pub diags: Diagnostics,
    pub positions: SourceMap,
}

impl<'a> Decoder<'a> {
    pub fn new(
        file: &'a IndexedFile<'a>,
        ctx: &'a Context<'a>,
        variables: &'a BTreeSet<String>,
        unset: &'a BTreeSet<String>,
    ) -> Self {
        Decoder {
            file,
            ctx,
            variables,
            unset,
            diags: Diagnostics::default(),
            positions: SourceMap::default(),
        }
    }

    pub fn position(&self, span: Option<Range<usize>>) -> Position {
        self.file.position(span)
    }

    pub fn error(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
        self.error_at(self.position(span), path, message);
    }

    pub fn error_at(&mut self, pos: Position, path: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: pos.file,
            line: pos.line,
            column: pos.column,
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Remembers where `address` was written, for checks made after loading.
    pub fn record(&mut self, address: String, span: Option<Range<usize>>) {
        let pos = self.position(span);
        self.positions.insert(address, pos);
    }

    /// Reports attributes and blocks of `body` not in `attrs`/`blocks`, and
    /// attributes set twice.
    pub fn check_names(&mut self, body: &Body, path: &str, attrs: &[&str], blocks: &[&str]) {
        let mut seen = BTreeSet::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str();
                    if !attrs.contains(&name) {
                        let msg = if blocks.contains(&name) {
                            format!("\"{name}\" is a block: write `{name} {{ ... }}`")
                        } else {
                            format!(
                                "unknown attribute \"{name}\"{}",
                                suggest(name, attrs.iter().copied())
                            )
                        };
                        self.error(attr.key.span(), path, msg);
                    } else if !seen.insert(name) {
                        self.error(
                            attr.key.span(),
                            path,
                            format!("attribute \"{name}\" is set twice"),
                        );
                    }
                }
                Structure::Block(block) => {
                    let name = block.ident.as_str();
                    if !blocks.contains(&name) {
                        let msg = if attrs.contains(&name) {
                            format!("\"{name}\" is an attribute: write `{name} = ...`")
                        } else {
                            format!(
                                "unknown block \"{name}\"{}",
                                suggest(name, blocks.iter().copied())
                            )
                        };
                        self.error(block.ident.span(), path, msg);
                    }
                }
            }
        }
    }

    /// The single label of a block such as `cluster "events"`, or an error.
    pub fn label<'b>(&mut self, block: &'b Block, path: &str) -> Option<&'b str> {
        match block.labels.as_slice() {
            [label] if !label.as_str().is_empty() => Some(label.as_str()),
            _ => {
                let kind = block.ident.as_str();
                self.error(
                    block.ident.span(),
                    path,
                    format!("a {kind} block takes one name: `{kind} \"NAME\" {{ ... }}`"),
                );
                None
            }
        }
    }

    /// Errors for labels on a block that takes none (`kafka`, `failover`, `scheduler`).
    pub fn no_labels(&mut self, block: &Block, path: &str) {
        if !block.labels.is_empty() {
            let kind = block.ident.as_str();
            self.error(
                block.ident.span(),
                path,
                format!("a {kind} block takes no name: `{kind} {{ ... }}`"),
            );
        }
    }

    /// Evaluates an expression; undefined `var.X` references are reported at the reference.
    pub fn eval(&mut self, expr: &Expression, path: &str) -> Option<Value> {
        let mut refs = VarRefs::default();
        refs.visit_expr(expr);
        let mut ok = true;
        for (name, span) in refs.0 {
            if self.unset.contains(&name) {
                ok = false; // reported at its variable block
            } else if !self.variables.contains(&name) {
                ok = false;
                let hint = suggest(&name, self.variables.iter().map(String::as_str));
                let msg = if hint.is_empty() {
                    format!("undefined variable var.{name}: declare it with a `variable \"{name}\"` block")
                } else {
                    format!("undefined variable var.{name}{hint}")
                };
                self.error(span, path, msg);
            }
        }
        if !ok {
            return None;
        }
        match super::arithmetic::evaluate(&hcl::Expression::from(expr.clone()), self.ctx) {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(expr.span(), path, format!("cannot evaluate: {e}"));
                None
            }
        }
    }

    pub fn attr<'b>(&self, body: &'b Body, name: &str) -> Option<&'b Attribute> {
        body.get_attribute(name)
    }

    /// A number attribute, if set and valid.
    pub fn number(&mut self, body: &Body, path: &str, name: &str) -> Option<f64> {
        let attr = self.attr(body, name)?;
        let at = format!("{path}.{name}");
        match self.eval(&attr.value, &at)? {
            Value::Number(n) => n.as_f64(),
            other => {
                self.error(
                    attr.value.span(),
                    &at,
                    format!("expected a number, found {}", describe(&other)),
                );
                None
            }
        }
    }

    /// A non-negative whole number attribute no larger than `max`.
    pub fn whole(&mut self, body: &Body, path: &str, name: &str, max: u64) -> Option<u64> {
        let n = self.number(body, path, name)?;
        if n.fract() != 0.0 || n < 0.0 || n > max as f64 {
            let span = self.attr(body, name).and_then(|a| a.value.span());
            self.error(
                span,
                &format!("{path}.{name}"),
                format!("expected a whole number from 0 to {max}, found {n}"),
            );
            return None;
        }
        Some(n as u64)
    }

    /// A `true`/`false` attribute, if set and valid.
    pub fn boolean(&mut self, body: &Body, path: &str, name: &str) -> Option<bool> {
        let attr = self.attr(body, name)?;
        let at = format!("{path}.{name}");
        match self.eval(&attr.value, &at)? {
            Value::Bool(b) => Some(b),
            other => {
                self.error(
                    attr.value.span(),
                    &at,
                    format!("expected true or false, found {}", describe(&other)),
                );
                None
            }
        }
    }

    /// A string attribute, if set and valid.
    pub fn string(&mut self, body: &Body, path: &str, name: &str) -> Option<String> {
        let attr = self.attr(body, name)?;
        let at = format!("{path}.{name}");
        match self.eval(&attr.value, &at)? {
            Value::String(s) => Some(s),
            other => {
                self.error(
                    attr.value.span(),
                    &at,
                    format!("expected a string, found {}", describe(&other)),
                );
                None
            }
        }
    }

    /// A list-of-strings attribute, if set and valid.
    pub fn strings(&mut self, body: &Body, path: &str, name: &str) -> Option<Vec<String>> {
        let attr = self.attr(body, name)?;
        let at = format!("{path}.{name}");
        let value = self.eval(&attr.value, &at)?;
        let strings = match &value {
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>(),
            _ => None,
        };
        if strings.is_none() {
            self.error(
                attr.value.span(),
                &at,
                format!("expected a list of strings, found {}", describe(&value)),
            );
        }
        strings
    }

    /// A string attribute parsed by `parse`; its error is reported at the value.
    pub fn parsed<T>(
        &mut self,
        body: &Body,
        path: &str,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.string(body, path, name)?;
        match parse(&text) {
            Ok(v) => Some(v),
            Err(msg) => {
                let span = self.attr(body, name).and_then(|a| a.value.span());
                self.error(span, &format!("{path}.{name}"), msg);
                None
            }
        }
    }

    /// A map attribute (`config = { "k" = v }`, `constraints = { a = "r" }`) as
    /// key → (scalar value as text, span of the key). Numbers and booleans are
    /// accepted where Kafka takes either and turned into their text.
    pub fn string_map(
        &mut self,
        body: &Body,
        path: &str,
        name: &str,
    ) -> BTreeMap<String, (String, Option<Range<usize>>)> {
        let mut out = BTreeMap::new();
        let Some(attr) = self.attr(body, name) else {
            return out;
        };
        let at = format!("{path}.{name}");
        // A literal object: evaluate entry by entry so errors point at the entry.
        if let Expression::Object(object) = &attr.value {
            for (key, value) in object.iter() {
                let key_text = match key {
                    ObjectKey::Ident(ident) => Some(ident.to_string()),
                    ObjectKey::Expression(expr) => match self.eval(expr, &at) {
                        Some(Value::String(s)) => Some(s),
                        None => None,
                        Some(other) => {
                            self.error(
                                key.span(),
                                &at,
                                format!("keys must be strings, found {}", describe(&other)),
                            );
                            None
                        }
                    },
                };
                let Some(key_text) = key_text else { continue };
                let entry = format!("{at}[\"{key_text}\"]");
                if let Some(v) = self
                    .eval(value.expr(), &entry)
                    .and_then(|v| self.scalar(v, value.expr().span(), &entry))
                {
                    out.insert(key_text, (v, key.span()));
                }
            }
            return out;
        }
        match self.eval(&attr.value, &at) {
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    let entry = format!("{at}[\"{k}\"]");
                    if let Some(v) = self.scalar(v, attr.value.span(), &entry) {
                        out.insert(k, (v, attr.value.span()));
                    }
                }
            }
            Some(other) => self.error(
                attr.value.span(),
                &at,
                format!(
                    "expected a map like {{ \"key\" = \"value\" }}, found {}",
                    describe(&other)
                ),
            ),
            None => {}
        }
        out
    }

    fn scalar(&mut self, value: Value, span: Option<Range<usize>>, path: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.error(
                    span,
                    path,
                    format!(
                        "expected a string, number or bool, found {}",
                        describe(&other)
                    ),
                );
                None
            }
        }
    }
}

/// How a value's type reads in an error.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("bool {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string \"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
    }
}

/// Collects `var.NAME` references of an expression, with the span of NAME.
#[derive(Default)]
struct VarRefs(Vec<(String, Option<Range<usize>>)>);

impl Visit for VarRefs {
    fn visit_traversal(&mut self, node: &Traversal) {
        if let Expression::Variable(root) = &node.expr {
            if root.as_str() == "var" {
                if let Some(TraversalOperator::GetAttr(name)) =
                    node.operators.first().map(|op| op.value())
                {
                    self.0.push((name.to_string(), name.span()));
                }
            }
        }
        visit_traversal(self, node);
    }
}
