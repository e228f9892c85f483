//! Source files as the caller hands them in, and byte offset → line/column.
//!
//! hcl-rs's `Body` keeps no positions, so the loader parses with hcl-edit (which
//! hcl-rs is built on and re-exports as `hcl::edit`): its nodes carry byte spans,
//! which this module turns into the 1-based line and column an editor shows.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;

/// One configuration file: its name (as shown in errors) and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// Where each block and attribute of a configuration was written, by path
/// (e.g. `cluster.events.topic.orders.partitions`), so that checks made after
/// loading (the planner's) can still point at the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap(BTreeMap<String, Position>);

impl SourceMap {
    pub(crate) fn insert(&mut self, path: String, pos: Position) {
        self.0.entry(path).or_insert(pos);
    }

    pub(crate) fn into_entries(self) -> impl Iterator<Item = (String, Position)> {
        self.0.into_iter()
    }

    /// The position of `path`, or of its nearest recorded parent.
    pub fn get(&self, path: &str) -> Option<&Position> {
        let mut path = path;
        loop {
            if let Some(p) = self.0.get(path) {
                return Some(p);
            }
            path = &path[..path.rfind('.')?];
        }
    }

    /// An error about `path`, at its position (or its nearest recorded
    /// parent's); at `<configuration>` when none is known (a configuration
    /// read back from JSON).
    pub(crate) fn diagnostic(&self, path: String, message: String) -> Diagnostic {
        let (file, line, column) = self
            .get(&path)
            .map_or(("<configuration>".to_string(), 0, 0), |p| {
                (p.file.clone(), p.line, p.column)
            });
        Diagnostic {
            file,
            line,
            column,
            path,
            message,
        }
    }
}

/// A file with its line starts, to locate spans.
pub(crate) struct IndexedFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> IndexedFile<'a> {
    pub fn new(file: &'a SourceFile) -> Self {
        let line_starts = std::iter::once(0)
            .chain(file.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        IndexedFile {
            name: &file.name,
            text: &file.text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(1, |prefix| prefix.chars().count() + 1);
        (line, column)
    }

    pub fn position(&self, span: Option<Range<usize>>) -> Position {
        let (line, column) = span.map_or((1, 1), |s| self.line_column(s.start));
        Position {
            file: self.name.to_string(),
            line,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_offsets_by_line_and_character() {
        let file = SourceFile::new("a.hcl", "ab\nc\u{e9}d\n");
        let f = IndexedFile::new(&file);
        assert_eq!(f.line_column(0), (1, 1));
        assert_eq!(f.line_column(3), (2, 1));
        assert_eq!(f.line_column(6), (2, 3)); // after the two-byte é
    }

    #[test]
    fn falls_back_to_the_nearest_parent_path() {
        let mut map = SourceMap::default();
        let pos = Position {
            file: "a".into(),
            line: 3,
            column: 1,
        };
        map.insert("cluster.events.topic.orders".into(), pos.clone());
        assert_eq!(
            map.get("cluster.events.topic.orders.partitions"),
            Some(&pos)
        );
        assert_eq!(map.get("cluster.other"), None);
    }
}
