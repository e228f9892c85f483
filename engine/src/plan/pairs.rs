//! Walks two maps keyed alike (what the state has, what the configuration
//! asks for) in key order, pairing their entries in one linear pass.

use std::collections::BTreeMap;

use itertools::{merge_join_by, EitherOrBoth};

/// `(key, before, after)` for every key of either map, in key order.
pub(super) fn pairs<'a, K: Ord, B, A>(
    before: Option<&'a BTreeMap<K, B>>,
    after: Option<&'a BTreeMap<K, A>>,
) -> impl Iterator<Item = (&'a K, Option<&'a B>, Option<&'a A>)> {
    let before = before.into_iter().flat_map(|m| m.iter());
    let after = after.into_iter().flat_map(|m| m.iter());
    merge_join_by(before, after, |b, a| b.0.cmp(a.0)).map(|pair| match pair {
        EitherOrBoth::Both((k, b), (_, a)) => (k, Some(b), Some(a)),
        EitherOrBoth::Left((k, b)) => (k, Some(b), None),
        EitherOrBoth::Right((k, a)) => (k, None, Some(a)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_every_key_once_in_order() {
        let before = BTreeMap::from([(1, 'a'), (2, 'b')]);
        let after = BTreeMap::from([(2, "B"), (3, "C")]);
        let got: Vec<_> = pairs(Some(&before), Some(&after)).collect();
        assert_eq!(
            got,
            vec![
                (&1, Some(&'a'), None),
                (&2, Some(&'b'), Some(&"B")),
                (&3, None, Some(&"C"))
            ]
        );
        assert_eq!(pairs::<u8, u8, u8>(None, None).count(), 0);
    }
}
