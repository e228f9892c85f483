//! The `--ports BEGIN-END` option of `kmesos dev` and `kmesos mesos-local`:
//! the port range the embedded agents split between them.

/// Parses `BEGIN-END`.
pub fn parse(text: &str) -> Result<(u64, u64), String> {
    let (begin, end) = text
        .split_once('-')
        .ok_or("expected BEGIN-END, e.g. 31000-33999")?;
    let port = |s: &str| {
        s.trim()
            .parse::<u16>()
            .map(u64::from)
            .map_err(|e| format!("{s:?}: {e}"))
    };
    let (begin, end) = (port(begin)?, port(end)?);
    if begin > end {
        return Err(format!("{begin} is above {end}"));
    }
    Ok((begin, end))
}
