//! Broker id labels: `"3"`, `"0..2"` (inclusive) or `"4,6,8"`, and mixes such as `"0..2,7"`.

/// Ranges wider than this are refused: almost surely a typo, and expanding
/// them would allocate one spec per id.
const MAX_IDS_PER_LABEL: u64 = 100_000;

pub fn parse(label: &str) -> Result<Vec<u32>, String> {
    let mut ids = Vec::new();
    for item in label.split(',') {
        let item = item.trim();
        if let Some((from, to)) = item.split_once("..") {
            let from = id(from, label)?;
            let to = id(to, label)?;
            if from > to {
                return Err(format!(
                    "broker id range \"{item}\" runs backwards; write \"{to}..{from}\""
                ));
            }
            if u64::from(to - from) >= MAX_IDS_PER_LABEL {
                return Err(format!(
                    "broker id range \"{item}\" has more than {MAX_IDS_PER_LABEL} ids"
                ));
            }
            ids.extend(from..=to);
        } else {
            ids.push(id(item, label)?);
        }
    }
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("broker id {} appears twice in \"{label}\"", w[0]));
    }
    Ok(ids)
}

fn id(text: &str, label: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().map_err(|_| {
        format!("\"{label}\" is not a broker id list; write \"3\", \"0..2\" or \"4,6,8\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_single_ranges_and_lists() {
        assert_eq!(parse("3"), Ok(vec![3]));
        assert_eq!(parse("0..2"), Ok(vec![0, 1, 2]));
        assert_eq!(parse("4,6,8"), Ok(vec![4, 6, 8]));
        assert_eq!(parse("0..1, 5"), Ok(vec![0, 1, 5]));
    }

    #[test]
    fn refuses_malformed_labels() {
        assert!(parse("a..b").unwrap_err().contains("not a broker id list"));
        assert!(parse("5..2").unwrap_err().contains("runs backwards"));
        assert!(parse("1,1").unwrap_err().contains("appears twice"));
        assert!(parse("").is_err());
        assert!(parse("-1").is_err());
    }
}
