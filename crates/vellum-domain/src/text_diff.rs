//! Word-level difference of two texts (PDF text, office documents, written copy): the shortest
//! edit script by Myers' O(ND) algorithm over words, merged into runs of equal, inserted and
//! deleted text that read back into either side exactly.

use serde::{Deserialize, Serialize};

/// What a run of text is to the second version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Eq,
    Ins,
    Del,
}

/// A run of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffRun {
    pub op: DiffOp,
    pub text: String,
}

/// The difference, with the number of words inserted and deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextDiff {
    pub insertions: usize,
    pub deletions: usize,
    pub ops: Vec<DiffRun>,
}

/// Words with the whitespace that follows each, so runs join back into the text.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&s[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The word compared: without its trailing whitespace (a reflowed line is not a change).
fn key(w: &str) -> &str {
    w.trim_end()
}

/// The most edits the exact script is searched for; beyond, the changed middle is reported
/// as deleted and inserted whole (memory grows with the square of the edits).
const MAX_EDITS: isize = 2000;

/// The edit script as (op, index) steps, by Myers' greedy algorithm, keeping of each round
/// only the diagonals it reached; None when more than `MAX_EDITS` edits are needed.
fn script(a: &[&str], b: &[&str]) -> Option<Vec<(DiffOp, usize)>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m).min(MAX_EDITS);
    let offset = max + 1;
    let mut v = vec![0isize; (2 * max + 3) as usize];
    // trace[d]: the furthest x on diagonals -(d-1)..=(d-1) before round d.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut done = false;
    for d in 0..=max {
        let r = d - 1;
        trace.push(if r < 0 { Vec::new() } else { v[(offset - r) as usize..=(offset + r) as usize].to_vec() });
        let mut k = -d;
        while k <= d {
            let idx = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) { v[idx + 1] } else { v[idx - 1] + 1 };
            let mut y = x - k;
            while x < n && y < m && key(a[x as usize]) == key(b[y as usize]) {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                done = true;
                break;
            }
            k += 2;
        }
        if done {
            break;
        }
    }
    if !done {
        return None;
    }
    let at = |d: isize, k: isize| trace[d as usize][(k + d - 1) as usize];
    // Walk back from the end, round by round.
    let mut steps = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (1..trace.len() as isize).rev() {
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(d, k - 1) < at(d, k + 1)) { k + 1 } else { k - 1 };
        let prev_x = at(d, prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            steps.push((DiffOp::Eq, x as usize));
        }
        if x == prev_x {
            y -= 1;
            steps.push((DiffOp::Ins, y as usize));
        } else {
            x -= 1;
            steps.push((DiffOp::Del, x as usize));
        }
    }
    while x > 0 && y > 0 {
        x -= 1;
        y -= 1;
        steps.push((DiffOp::Eq, x as usize));
    }
    steps.reverse();
    Some(steps)
}

/// The word-level difference from `a` to `b`. Equal runs carry `b`'s text.
pub fn diff(a: &str, b: &str) -> TextDiff {
    let (wa, wb) = (words(a), words(b));
    // Common ends are cut first: most versions differ in a small middle.
    let prefix = wa.iter().zip(&wb).take_while(|(x, y)| key(x) == key(y)).count();
    let suffix = wa[prefix..].iter().rev().zip(wb[prefix..].iter().rev()).take_while(|(x, y)| key(x) == key(y)).count();
    let (ma, mb) = (&wa[prefix..wa.len() - suffix], &wb[prefix..wb.len() - suffix]);
    let mut out = TextDiff { insertions: 0, deletions: 0, ops: Vec::new() };
    let push = |op: DiffOp, w: &str, out: &mut TextDiff| match out.ops.last_mut() {
        Some(last) if last.op == op => last.text.push_str(w),
        _ => out.ops.push(DiffRun { op, text: w.to_string() }),
    };
    for w in &wb[..prefix] {
        push(DiffOp::Eq, w, &mut out);
    }
    let coarse = || {
        let del = (0..ma.len()).map(|i| (DiffOp::Del, i));
        del.chain((0..mb.len()).map(|i| (DiffOp::Ins, i))).collect()
    };
    let mut y = 0;
    for (op, i) in script(ma, mb).unwrap_or_else(coarse) {
        match op {
            DiffOp::Eq => {
                push(DiffOp::Eq, mb[y], &mut out);
                y += 1;
            }
            DiffOp::Ins => {
                push(DiffOp::Ins, mb[i], &mut out);
                out.insertions += 1;
                y += 1;
            }
            DiffOp::Del => {
                push(DiffOp::Del, ma[i], &mut out);
                out.deletions += 1;
            }
        }
    }
    for w in &wb[wb.len() - suffix..] {
        push(DiffOp::Eq, w, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(d: &TextDiff, keep: DiffOp) -> String {
        d.ops.iter().filter(|r| r.op == DiffOp::Eq || r.op == keep).map(|r| r.text.as_str()).collect()
    }

    #[test]
    fn one_changed_sentence_is_one_deletion_and_one_insertion() {
        let a = "Spring sale. Save 20% on all shoes until Sunday. Terms apply.";
        let b = "Spring sale. Save 30% on all boots until Monday. Terms apply.";
        let d = diff(a, b);
        assert_eq!((d.insertions, d.deletions), (3, 3));
        let changed: Vec<(DiffOp, &str)> =
            d.ops.iter().filter(|r| r.op != DiffOp::Eq).map(|r| (r.op, r.text.trim())).collect();
        assert_eq!(
            changed,
            [
                (DiffOp::Del, "20%"),
                (DiffOp::Ins, "30%"),
                (DiffOp::Del, "shoes"),
                (DiffOp::Ins, "boots"),
                (DiffOp::Del, "Sunday."),
                (DiffOp::Ins, "Monday.")
            ]
        );
        assert_eq!(side(&d, DiffOp::Ins), b, "equal and inserted runs read back as the new text");
    }

    #[test]
    fn a_wholly_different_long_text_falls_back_to_delete_and_insert() {
        let a: String = (0..3000).map(|i| format!("a{i} ")).collect();
        let b: String = (0..3000).map(|i| format!("b{i} ")).collect();
        let d = diff(&a, &b);
        assert_eq!((d.insertions, d.deletions), (3000, 3000));
        assert_eq!(side(&d, DiffOp::Ins), b);
    }

    #[test]
    fn edges_and_empty_texts() {
        assert_eq!(diff("", "").ops, vec![]);
        let added = diff("", "new words");
        assert_eq!((added.insertions, added.deletions), (2, 0));
        let removed = diff("old words", "");
        assert_eq!((removed.insertions, removed.deletions), (0, 2));
        let same = diff("a b c", "a b c");
        assert_eq!((same.insertions, same.deletions, same.ops.len()), (0, 0, 1));
        let reflowed = diff("a b\nc", "a b c");
        assert_eq!((reflowed.insertions, reflowed.deletions), (0, 0), "a line break is not a change");
    }

    #[test]
    fn both_sides_read_back_on_generated_edits() {
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let a: Vec<String> = (0..(next() % 60)).map(|_| format!("w{}", next() % 12)).collect();
            let mut b = a.clone();
            for _ in 0..(next() % 6) {
                let at = if b.is_empty() { 0 } else { (next() as usize) % (b.len() + 1) };
                if next() % 2 == 0 || b.is_empty() {
                    b.insert(at, format!("n{}", next() % 5));
                } else {
                    b.remove(at.min(b.len() - 1));
                }
            }
            let (ta, tb) = (a.join(" "), b.join(" "));
            let d = diff(&ta, &tb);
            assert_eq!(side(&d, DiffOp::Ins).split_whitespace().collect::<Vec<_>>(), b);
            let old: Vec<&str> =
                d.ops.iter().filter(|r| r.op != DiffOp::Ins).flat_map(|r| r.text.split_whitespace()).collect();
            assert_eq!(old, a);
            assert!(d.insertions + d.deletions <= a.len().abs_diff(b.len()) + 12, "close to the shortest script");
        }
    }
}
