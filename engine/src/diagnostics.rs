//! Errors about the operator's input, each pinned to a file, line and column
//! and to the attribute path it concerns. Loading collects every error it finds
//! (`Diagnostics`) so one run reports them all.

use std::fmt;

/// One problem in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the caller named it (`SourceFile::name`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Where in the configuration, e.g. `cluster.events.broker["0..2"].cpus`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: set outside any file (a --var or environment variable).
        if self.line == 0 {
            write!(f, "{}: ", self.file)?;
        } else {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// All problems found in one pass, in file and position order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub(crate) fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Sorted by file, line, column; duplicates (same place, same message) dropped.
    pub(crate) fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
        });
        self.0.dedup();
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// "did you mean" for an unknown name: the closest candidate, if close enough.
pub(crate) fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    // Close enough: similar overall, or a typo or two away for its length.
    let close = |c: &str| {
        strsim::jaro_winkler(name, c) >= 0.8
            || strsim::damerau_levenshtein(name, c) <= (name.chars().count() / 3).max(1)
    };
    let best = candidates
        .into_iter()
        .filter(|c| close(c))
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!("; did you mean \"{c}\"?"),
        None => String::new(),
    }
}

/// `bytes` read from `file` as text, or a diagnostic at the first byte that
/// is not UTF-8 (its line and column), which is what HCL, state and plan
/// files must be.
pub fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Diagnostic {
            file: file.to_string(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            path: String::new(),
            message: format!(
                "not valid UTF-8 (byte 0x{:02x}); the file must be UTF-8 text",
                e.as_bytes()[valid.len()]
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("cpu", ["cpus", "mem"]), "; did you mean \"cpus\"?");
        assert_eq!(
            suggest("partitons", ["partitions", "config"]),
            "; did you mean \"partitions\"?"
        );
        assert_eq!(suggest("mam", ["mem", "heap"]), "; did you mean \"mem\"?");
        assert_eq!(suggest("zzz", ["cpus", "mem"]), "");
    }

    #[test]
    fn text_that_is_not_utf8_is_placed_at_its_first_bad_byte() {
        let err = utf8_text("main.hcl", b"a = 1\nb = \"\xc3\xa9\xff\"\n".to_vec())
            .err()
            .map(|d| d.to_string());
        assert_eq!(
            err.as_deref(),
            Some("main.hcl:2:7: not valid UTF-8 (byte 0xff); the file must be UTF-8 text")
        );
        assert_eq!(
            utf8_text("ok", "é".as_bytes().to_vec()).ok().as_deref(),
            Some("é")
        );
    }
}
