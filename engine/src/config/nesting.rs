//! How deeply a file's brackets, quoted strings, heredocs and template
//! interpolations nest, measured in one pass before the HCL parser runs.
//!
//! hcl-edit 0.10 parses an operand of a chain of binary operators twice when
//! that operand fails to parse (its `binary_ops` backs off to the operators
//! before it and the expression loop then tries the same operand again), so
//! every level of nesting under such an operand doubles the work: 30 levels
//! of `a*b*{c=` left unclosed take days. A file nested deeper than
//! [`MAX_DEPTH`] is refused before it reaches the parser, which bounds the
//! parse to `2^MAX_DEPTH` times the file's length.

/// The deepest nesting a file may have. kmesos's own examples reach 3 and a
/// `for` expression building objects of interpolated strings inside a
/// cluster's block about 6.
pub(crate) const MAX_DEPTH: usize = 12;

/// What an opening delimiter started.
enum Frame<'a> {
    /// Code: inside `{`, `[`, `(` or a template's `${` or `%{`.
    Code,
    /// A quoted template, `"…"`.
    Quoted,
    /// A heredoc's lines, ended by a line holding only its marker.
    Heredoc(&'a str),
}

/// The byte offset of the first opening delimiter nested deeper than
/// `MAX_DEPTH`, if any. Unclosed and unbalanced delimiters are left to the
/// parser to report.
pub(crate) fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let opened = match stack.last() {
            None | Some(Frame::Code) => match rest {
                [b'#', ..] | [b'/', b'/', ..] => {
                    i += line_length(rest);
                    continue;
                }
                [b'/', b'*', ..] => {
                    i += block_comment_length(rest);
                    continue;
                }
                [b'"', ..] => Some((Frame::Quoted, 1)),
                [b'{' | b'[' | b'(', ..] => Some((Frame::Code, 1)),
                [b'<', b'<', ..] => heredoc_start(text, i),
                [b'}' | b']' | b')', ..] => {
                    if matches!(stack.last(), Some(Frame::Code)) {
                        stack.pop();
                    }
                    None
                }
                _ => None,
            },
            Some(Frame::Quoted) => match rest {
                [b'\\', ..] => {
                    i += 2;
                    continue;
                }
                [b'"' | b'\n', ..] => {
                    stack.pop();
                    None
                }
                _ => template_part(rest, &mut i),
            },
            Some(Frame::Heredoc(marker)) => {
                // A line start follows a newline: a character boundary.
                if bytes[i - 1] == b'\n' {
                    let line = &text[i..i + line_length(rest)];
                    if line.trim() == *marker {
                        stack.pop();
                        i += line.len();
                        continue;
                    }
                }
                template_part(rest, &mut i)
            }
        };
        match opened {
            Some((frame, length)) => {
                if stack.len() == MAX_DEPTH {
                    return Some(i);
                }
                stack.push(frame);
                i += length;
            }
            None => i += 1,
        }
    }
    None
}

/// In a template: `${` and `%{` open code, `$${` and `%%{` are escapes for
/// their literal text (skipped here, moving `i` past them).
fn template_part(rest: &[u8], i: &mut usize) -> Option<(Frame<'static>, usize)> {
    match rest {
        [b'$', b'$', b'{', ..] | [b'%', b'%', b'{', ..] => {
            *i += 2;
            None
        }
        [b'$' | b'%', b'{', ..] => Some((Frame::Code, 2)),
        _ => None,
    }
}

/// A heredoc's opening at `start` (`<<MARKER` or `<<-MARKER`, then the line's
/// end), as the frame and the opening's length.
fn heredoc_start(text: &str, start: usize) -> Option<(Frame<'_>, usize)> {
    let after = &text[start + 2..];
    let indented = usize::from(after.starts_with('-'));
    let name = &after[indented..];
    let length = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(name.len());
    let newline = match &name[length..] {
        rest if rest.starts_with('\n') => 1,
        rest if rest.starts_with("\r\n") => 2,
        _ => return None,
    };
    let marker = &name[..length];
    if marker.is_empty() {
        return None;
    }
    Some((Frame::Heredoc(marker), 2 + indented + length + newline))
}

/// The length of `rest` up to (not including) its first newline.
fn line_length(rest: &[u8]) -> usize {
    rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
}

/// The length of the `/* … */` comment `rest` starts with, or of `rest` when
/// it is unclosed.
fn block_comment_length(rest: &[u8]) -> usize {
    rest[2..]
        .windows(2)
        .position(|w| w == b"*/")
        .map_or(rest.len(), |end| end + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("a = {}1{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn nesting_up_to_the_limit_passes_and_the_first_opening_beyond_it_is_named() {
        assert_eq!(too_deep(&nested(MAX_DEPTH)), None);
        assert_eq!(too_deep(&nested(MAX_DEPTH + 1)), Some(4 + MAX_DEPTH));
        let text = format!("x = {{}}\n{}", nested(MAX_DEPTH + 5));
        assert_eq!(too_deep(&text), Some(7 + 4 + MAX_DEPTH));
    }

    #[test]
    fn quoted_strings_heredocs_and_interpolations_nest() {
        let quoted = format!("a = {}", "\"${".repeat(MAX_DEPTH / 2 + 1));
        assert_eq!(too_deep(&quoted), Some(4 + 3 * MAX_DEPTH / 2));
        let heredoc = format!("a = {}\n", "[<<EOT\n${".repeat(MAX_DEPTH / 3 + 1));
        assert!(too_deep(&heredoc).is_some());
    }

    #[test]
    fn brackets_in_comments_strings_and_heredocs_are_text() {
        let deep = "{".repeat(3 * MAX_DEPTH);
        let text = format!(
            "# {deep}\n// {deep}\n/* {deep}\n */\nb = \"{deep} $${{ %%{{ \\\" {deep}\"\n\
             c = <<-EOT\n  {deep}\n  EOT\nd = [\"${{x}}\", <<EOT\n${{y}} {deep}\nEOT\n]\n"
        );
        assert_eq!(too_deep(&text), None);
    }

    #[test]
    fn closing_delimiters_without_openings_and_unclosed_ones_pass() {
        assert_eq!(
            too_deep("a = ]]]]}}}} \"unclosed\n b = <<EOT\nno end"),
            None
        );
        assert_eq!(too_deep("a = \"é\\é\" # é\n b = <<é\n"), None);
    }
}
