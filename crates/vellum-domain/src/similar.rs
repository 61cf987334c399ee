//! Finding look-alikes among many 64-bit perceptual hashes without comparing against every
//! one: a BK-tree over Hamming distance. A search for everything within `radius` visits only
//! the subtrees whose edge distance lies within `radius` of the query's distance to their
//! parent (the triangle inequality), so near-duplicate lookups touch a small share of a large
//! library.

/// One stored hash and what it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<T> {
    pub hash: u64,
    pub item: T,
}

#[derive(Debug, Clone)]
struct Node<T> {
    entry: Entry<T>,
    /// Children by their distance to this node (0..=64).
    children: Vec<(u32, usize)>,
}

/// The tree; items with equal hashes are all kept.
#[derive(Debug, Clone, Default)]
pub struct BkTree<T> {
    nodes: Vec<Node<T>>,
}

/// The bits two hashes differ in.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

impl<T: Copy> BkTree<T> {
    pub fn new() -> Self {
        BkTree { nodes: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn insert(&mut self, hash: u64, item: T) {
        let new = self.nodes.len();
        let node = Node { entry: Entry { hash, item }, children: Vec::new() };
        if self.nodes.is_empty() {
            self.nodes.push(node);
            return;
        }
        let mut at = 0;
        loop {
            let d = distance(self.nodes[at].entry.hash, hash);
            match self.nodes[at].children.iter().find(|(cd, _)| *cd == d) {
                Some(&(_, child)) => at = child,
                None => {
                    self.nodes[at].children.push((d, new));
                    self.nodes.push(node);
                    return;
                }
            }
        }
    }

    /// Every entry within `radius` of `hash`, nearest first, and how many entries were
    /// compared to find them.
    pub fn within(&self, hash: u64, radius: u32) -> (Vec<(u32, Entry<T>)>, usize) {
        let mut found = Vec::new();
        let mut compared = 0;
        if self.nodes.is_empty() {
            return (found, 0);
        }
        let mut stack = vec![0usize];
        while let Some(at) = stack.pop() {
            let node = &self.nodes[at];
            let d = distance(node.entry.hash, hash);
            compared += 1;
            if d <= radius {
                found.push((d, node.entry));
            }
            for &(cd, child) in &node.children {
                if cd + radius >= d && cd <= d + radius {
                    stack.push(child);
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
        let mut tree = BkTree::new();
        for (i, h) in all.iter().enumerate() {
            tree.insert(*h, i);
        }
        // Near copies of a few stored hashes: one, three and ten bits flipped.
        for (i, flips) in [(10usize, 0b1u64), (20, 0b111 << 7), (30, 0x3FF << 40)] {
            let query = all[i] ^ flips;
            for radius in [0, 4, 12] {
                let (found, compared) = tree.within(query, radius);
                let mut expected: Vec<usize> =
                    all.iter().enumerate().filter(|(_, h)| distance(**h, query) <= radius).map(|(j, _)| j).collect();
                let mut got: Vec<usize> = found.iter().map(|(_, e)| e.item).collect();
                expected.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, expected, "item {i}, radius {radius}");
                if radius <= 4 {
                    assert!(compared < all.len() / 2, "a small radius visits a part of the tree: {compared}");
                }
            }
        }
    }

    #[test]
    fn equal_hashes_are_all_kept_and_nearest_come_first() {
        let mut tree = BkTree::new();
        tree.insert(0b1111, 'a');
        tree.insert(0b1111, 'b');
        tree.insert(0b0111, 'c');
        tree.insert(u64::MAX, 'z');
        let (found, _) = tree.within(0b1111, 1);
        let items: Vec<char> = found.iter().map(|(_, e)| e.item).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2], 'c', "the farther one last: {items:?}");
        assert_eq!(tree.len(), 4);
        assert!(BkTree::<u8>::new().within(1, 64).0.is_empty());
    }
}
