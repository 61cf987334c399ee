//! Finding look-alikes among many 64-bit perceptual hashes without comparing against every
//! one: multi-index hashing. Each hash is filed under its four 16-bit quarters. Two hashes
//! within `radius` bits of each other differ in at most `radius / 4` bits in at least one
//! quarter (pigeonhole), so a search looks up, for each quarter of the query, the buckets of
//! every quarter value that close, and compares only the hashes found there. For the
//! near-duplicate radius of 10 that is 137 buckets a quarter — under 1% of a uniformly
//! spread library. Beyond a radius of 19 the buckets would cover most values, and the search
//! compares everything instead.

use std::collections::HashMap;

/// One stored hash and what it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<T> {
    pub hash: u64,
    pub item: T,
}

/// The index; items with equal hashes are all kept.
#[derive(Debug, Clone)]
pub struct HashIndex<T> {
    entries: Vec<Entry<T>>,
    /// Per quarter: entries by that quarter's value.
    quarters: [HashMap<u16, Vec<u32>>; 4],
}

impl<T> Default for HashIndex<T> {
    fn default() -> Self {
        HashIndex { entries: Vec::new(), quarters: Default::default() }
    }
}

/// The bits two hashes differ in.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

fn quarter(hash: u64, q: usize) -> u16 {
    (hash >> (16 * q)) as u16
}

/// Every 16-bit value within `r` bits of `v`.
fn near(v: u16, r: u32, out: &mut Vec<u16>) {
    fn walk(v: u16, from: u32, left: u32, out: &mut Vec<u16>) {
        out.push(v);
        if left == 0 {
            return;
        }
        for bit in from..16 {
            walk(v ^ (1 << bit), bit + 1, left - 1, out);
        }
    }
    walk(v, 0, r, out);
}

/// The largest quarter radius looked up bucket by bucket (2,517 buckets a quarter).
const MAX_QUARTER_RADIUS: u32 = 4;

impl<T: Copy> HashIndex<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn insert(&mut self, hash: u64, item: T) {
        let at = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.push(Entry { hash, item });
        for (q, table) in self.quarters.iter_mut().enumerate() {
            table.entry(quarter(hash, q)).or_default().push(at);
        }
    }

    /// Everything within `radius` bits of `hash`, nearest first, and how many stored hashes
    /// were compared to find them.
    pub fn within(&self, hash: u64, radius: u32) -> (Vec<(u32, Entry<T>)>, usize) {
        let mut found = Vec::new();
        let mut compared = 0;
        let per_quarter = radius / 4;
        if per_quarter > MAX_QUARTER_RADIUS {
            for e in &self.entries {
                compared += 1;
                let d = distance(e.hash, hash);
                if d <= radius {
                    found.push((d, *e));
                }
            }
        } else {
            let mut seen = std::collections::HashSet::new();
            let mut values = Vec::new();
            for (q, table) in self.quarters.iter().enumerate() {
                values.clear();
                near(quarter(hash, q), per_quarter, &mut values);
                for v in &values {
                    for &at in table.get(v).map_or(&[][..], Vec::as_slice) {
                        if !seen.insert(at) {
                            continue;
                        }
                        compared += 1;
                        let e = self.entries[at as usize];
                        let d = distance(e.hash, hash);
                        if d <= radius {
                            found.push((d, e));
                        }
                    }
                }
            }
        }
        found.sort_by_key(|(d, _)| *d);
        (found, compared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(n: usize, seed: u64) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect()
    }

    #[test]
    fn finds_exactly_what_a_full_scan_finds() {
        let all = hashes(5000, 7);
        let mut tree = HashIndex::new();
        for (i, h) in all.iter().enumerate() {
            tree.insert(*h, i);
        }
        // Near copies of a few stored hashes: one, three and ten bits flipped.
        for (i, flips) in [(10usize, 0b1u64), (20, 0b111 << 7), (30, 0x3FF << 40)] {
            let query = all[i] ^ flips;
            for radius in [0, 4, 10, 12, 25] {
                let (found, compared) = tree.within(query, radius);
                let mut expected: Vec<usize> =
                    all.iter().enumerate().filter(|(_, h)| distance(**h, query) <= radius).map(|(j, _)| j).collect();
                let mut got: Vec<usize> = found.iter().map(|(_, e)| e.item).collect();
                expected.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, expected, "item {i}, radius {radius}");
                if radius <= 12 {
                    assert!(compared < all.len() / 5, "radius {radius} compares a part of the library: {compared}");
                }
            }
        }
    }

    #[test]
    fn equal_hashes_are_all_kept_and_nearest_come_first() {
        let mut tree = HashIndex::new();
        tree.insert(0b1111, 'a');
        tree.insert(0b1111, 'b');
        tree.insert(0b0111, 'c');
        tree.insert(u64::MAX, 'z');
        let (found, _) = tree.within(0b1111, 1);
        let items: Vec<char> = found.iter().map(|(_, e)| e.item).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2], 'c', "the farther one last: {items:?}");
        assert_eq!(tree.len(), 4);
        assert!(HashIndex::<u8>::new().within(1, 64).0.is_empty());
    }
}
