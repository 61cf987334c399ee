//! Placeholders for multi-row statements, numbered as both dialects accept (`$1, $2, …`), so
//! a batch is one round trip to the database instead of one per row.

/// Bound parameters per statement. Far below both databases' limits on purpose: SQLite
/// finds each numbered parameter by a linear search over the statement's names, so binding
/// costs grow with the square of their number (8,000 parameters took longer than the rows).
const PARAMS: usize = 120;

/// How many rows of `columns` parameters one statement takes.
pub fn rows_per_statement(columns: usize) -> usize {
    (PARAMS / columns.max(1)).max(1)
}

/// `rows` copies of `template`, comma-separated, each `?` replaced by the next numbered
/// placeholder: `numbered("(?, ?)", 2)` is `($1, $2), ($3, $4)`. Templates hold no literal `?`.
pub fn numbered(template: &str, rows: usize) -> String {
    numbered_after(0, template, rows)
}

/// As `numbered`, for placeholders that follow `taken` others: `numbered_after(1, "?", 2)`
/// is `$2, $3`.
pub fn numbered_after(taken: usize, template: &str, rows: usize) -> String {
    let mut out = String::with_capacity((template.len() + 8) * rows);
    let mut n = taken;
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        for ch in template.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_across_rows() {
        assert_eq!(numbered("(?, ?)", 2), "($1, $2), ($3, $4)");
        assert_eq!(numbered("(?, 'queued', ?)", 1), "($1, 'queued', $2)");
        assert_eq!(numbered("(?)", 0), "");
        assert_eq!(numbered_after(1, "?", 2), "$2, $3");
        assert_eq!(rows_per_statement(16), 7);
        assert_eq!(rows_per_statement(500), 1);
    }
}
