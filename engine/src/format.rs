//! Canonical layout of HCL files for `kmesos fmt`: two-space indentation, one
//! attribute or block per line, `=` aligned across adjacent attributes,
//! multi-line maps one entry per line, blank lines kept but at most one in a
//! row.
//!
//! hcl-rs's own formatter (`hcl::format`) works on `hcl::Body`, which has no
//! comments, so it would delete every comment in the file. This printer walks
//! hcl-edit's syntax tree instead (the one hcl-rs parses with), which keeps
//! comments and the source text of each expression: comments are carried over
//! re-indented, and expressions other than maps are kept as written.

use hcl::edit::expr::{Expression, Object, ObjectValueTerminator};
use hcl::edit::structure::{Attribute, Body, Structure};
use hcl::edit::{Decorate, Span};

use crate::config::SourceFile;
use crate::diagnostics::Diagnostic;

const INDENT: &str = "  ";

/// The canonical form of an HCL file, or its syntax error.
pub fn format(file: &SourceFile) -> Result<String, Diagnostic> {
    let body = crate::config::parse_body(file)?;
    let mut printer = Printer {
        src: &file.text,
        out: String::new(),
    };
    printer.body(&body, 0);
    let mut out = printer.out.trim_start_matches('\n').to_string();
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

struct Printer<'a> {
    src: &'a str,
    out: String,
}

/// A line of the whitespace and comments between two items.
#[derive(Clone, Copy, PartialEq)]
enum Trivia<'a> {
    Comment(&'a str),
    Blank,
}

/// The comments and blank lines in decor text, in order, blank lines collapsed
/// to one.
fn trivia(decor: &str) -> Vec<Trivia<'_>> {
    let mut out: Vec<Trivia> = Vec::new();
    let lines: Vec<&str> = decor.split('\n').collect();
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        let item = if line.is_empty() {
            // The final segment is the indentation before the item itself.
            if i == last {
                continue;
            }
            Trivia::Blank
        } else {
            Trivia::Comment(line)
        };
        if !(item == Trivia::Blank && out.last() == Some(&Trivia::Blank)) {
            out.push(item);
        }
    }
    out
}

fn decor_str(item: &impl Decorate, prefix: bool) -> &str {
    let raw = if prefix {
        item.decor().prefix()
    } else {
        item.decor().suffix()
    };
    raw.map_or("", |r| r)
}

impl Printer<'_> {
    fn text(&self, span: Option<std::ops::Range<usize>>) -> &str {
        span.and_then(|s| self.src.get(s)).unwrap_or("").trim()
    }

    fn line(&mut self, depth: usize, text: &str) {
        self.out.push_str(&INDENT.repeat(depth));
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A blank line, unless at the start of the file or of a block, or after one.
    fn blank(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") && !self.out.ends_with("{\n") {
            self.out.push('\n');
        }
    }

    fn body(&mut self, body: &Body, depth: usize) {
        let structures: Vec<&Structure> = body.iter().collect();
        let mut i = 0;
        while let Some(structure) = structures.get(i) {
            match structure {
                Structure::Block(_) => {
                    self.structure(structure, depth, 0);
                    i += 1;
                }
                Structure::Attribute(_) => {
                    // A run of adjacent attributes (no blank line, comment or block
                    // between) shares one `=` column.
                    let mut run = vec![*structure];
                    while let Some(candidate) = structures.get(i + run.len()) {
                        let Structure::Attribute(next) = candidate else {
                            break;
                        };
                        let multi_line = |a: &Attribute| self.text(a.value.span()).contains('\n');
                        let last = run.last().and_then(|s| s.as_attribute());
                        if !trivia(decor_str(next, true)).is_empty()
                            || multi_line(next)
                            || last.is_some_and(multi_line)
                        {
                            break;
                        }
                        run.push(*candidate);
                    }
                    let width = run
                        .iter()
                        .filter_map(|s| s.as_attribute())
                        .map(|a| a.key.as_str().chars().count())
                        .max()
                        .unwrap_or(0);
                    for s in &run {
                        self.structure(s, depth, width);
                    }
                    i += run.len();
                }
            }
        }
        self.trivia(decor_str(body, false), depth);
    }

    /// Appends a comment to the line just written.
    fn same_line_comment(&mut self, text: &str) {
        let text = text.trim();
        if !text.is_empty() && self.out.ends_with('\n') {
            self.out.pop();
            self.out.push(' ');
            self.out.push_str(text);
            self.out.push('\n');
        }
    }

    /// Writes comments and blank lines, re-indented.
    fn trivia(&mut self, decor: &str, depth: usize) {
        for item in trivia(decor) {
            match item {
                Trivia::Blank => self.blank(),
                Trivia::Comment(c) => self.line(depth, c),
            }
        }
    }

    fn structure(&mut self, structure: &Structure, depth: usize, width: usize) {
        self.trivia(decor_str(structure, true), depth);
        let trailing = decor_str(structure, false).trim();
        let trailing = if trailing.is_empty() {
            String::new()
        } else {
            format!(" {trailing}")
        };
        match structure {
            Structure::Attribute(attr) => self.attribute(attr, depth, width, &trailing),
            Structure::Block(block) => {
                let mut head = block.ident.as_str().to_string();
                for label in &block.labels {
                    head.push(' ');
                    head.push_str(self.text(label.span()));
                }
                if block.body.is_empty() && trivia(decor_str(&block.body, false)).is_empty() {
                    self.line(depth, &format!("{head} {{}}{trailing}"));
                } else {
                    self.line(depth, &format!("{head} {{{trailing}"));
                    self.body(&block.body, depth + 1);
                    self.line(depth, "}");
                }
            }
        }
    }

    fn attribute(&mut self, attr: &Attribute, depth: usize, width: usize, trailing: &str) {
        let key = format!("{:<width$}", attr.key.as_str());
        self.out.push_str(&INDENT.repeat(depth));
        self.out.push_str(&key);
        self.out.push_str(" = ");
        self.expression(&attr.value, depth);
        self.out.push_str(trailing);
        self.out.push('\n');
    }

    /// Writes an expression without a final newline.
    fn expression(&mut self, expr: &Expression, depth: usize) {
        match expr {
            Expression::Object(object) if self.text(object.span()).contains('\n') => {
                self.object(object, depth)
            }
            other => {
                let text = self.text(other.span()).to_string();
                self.out.push_str(&text);
            }
        }
    }

    /// A multi-line map: one `key = value` per line, `=` aligned, no commas.
    fn object(&mut self, object: &Object, depth: usize) {
        self.out.push_str("{\n");
        let keys: Vec<String> = object
            .iter()
            .map(|(k, _)| self.text(k.span()).to_string())
            .collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        let mut previous_ended_line = false;
        for ((key, value), key_text) in object.iter().zip(&keys) {
            // A key's decor starts on the line of the `{` or of the previous entry
            // (after its comma), unless that entry ended with its newline.
            let prefix = decor_str(key, true);
            let at_line_start = previous_ended_line;
            previous_ended_line = value.terminator() == ObjectValueTerminator::Newline;
            match prefix.split_once('\n').filter(|_| !at_line_start) {
                Some((same_line, rest)) => {
                    self.same_line_comment(same_line);
                    self.trivia(rest, depth + 1);
                }
                None => self.trivia(prefix, depth + 1),
            }
            self.out.push_str(&INDENT.repeat(depth + 1));
            self.out.push_str(&format!("{key_text:<width$} = "));
            self.expression(value.expr(), depth + 1);
            let trailing = decor_str(value.expr(), false)
                .trim()
                .trim_start_matches(',')
                .trim();
            if !trailing.is_empty() {
                self.out.push(' ');
                self.out.push_str(trailing);
            }
            self.out.push('\n');
        }
        self.trivia(object.trailing(), depth + 1);
        self.out.push_str(&INDENT.repeat(depth));
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format(&SourceFile::new("t.hcl", text)).unwrap()
    }

    const MESSY: &str = "# kmesos\ncluster   \"c\" {\nkafka {kind=\"tansu\"}\n    config = { # props\n \"a.b\" = 1, # first\n\n  \"long.name\" = true # why\n }\n\n\n\n  # the brokers\n  broker \"0..2\" {\n  cpus=0.5 # half\n    mem = var.mem\n  }\n  broker \"3\" {}\n}\n";

    #[test]
    fn lays_out_canonically_and_keeps_comments() {
        let expected = "# kmesos\ncluster \"c\" {\n  kafka {\n    kind = \"tansu\"\n  }\n  config = { # props\n    \"a.b\"       = 1 # first\n\n    \"long.name\" = true # why\n  }\n\n  # the brokers\n  broker \"0..2\" {\n    cpus = 0.5 # half\n    mem  = var.mem\n  }\n  broker \"3\" {}\n}\n";
        assert_eq!(fmt(MESSY), expected);
    }

    #[test]
    fn is_idempotent_and_keeps_the_meaning() {
        let once = fmt(MESSY);
        assert_eq!(fmt(&once), once);
        assert_eq!(hcl::parse(&once).unwrap(), hcl::parse(MESSY).unwrap());
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let err = format(&SourceFile::new("t.hcl", "a = \n")).unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("t.hcl", 1));
    }
}
