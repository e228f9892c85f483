//! Reading a file's HCL into hcl-edit's syntax tree, which keeps the byte
//! spans the loader's positions come from; a file nested too deeply for the
//! parser's time to stay linear is refused first (see [`super::nesting`]).

use hcl::edit::structure::Body;

use super::nesting::{too_deep, MAX_DEPTH};
use super::source::{IndexedFile, SourceFile};
use crate::diagnostics::Diagnostic;

/// The file's body, or its syntax error with file, line and column.
pub(crate) fn parse_body(file: &SourceFile) -> Result<Body, Diagnostic> {
    if let Some(offset) = too_deep(&file.text) {
        let (line, column) = IndexedFile::new(file).line_column(offset);
        let message = format!(
            "syntax error: nested more than {MAX_DEPTH} levels deep (brackets, strings and \
             interpolations); flatten the expression"
        );
        return Err(error(file, line, column, message));
    }
    hcl::edit::parser::parse_body(&file.text).map_err(|e| {
        let location = e.location();
        let message = format!("syntax error: {}", e.message());
        error(file, location.line(), location.column(), message)
    })
}

fn error(file: &SourceFile, line: usize, column: usize, message: String) -> Diagnostic {
    Diagnostic {
        file: file.name.clone(),
        line,
        column,
        path: String::new(),
        message,
    }
}
