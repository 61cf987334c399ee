//! Cursor pagination: every list that can grow answers a page of at most `limit` items and a
//! `next_cursor` to ask for the next one. Lists are ordered by a key that never changes
//! (UUIDv7 ids, sequence numbers), so a page boundary stays put while rows are added.

use crate::{DomainError, ErrorCode};

/// Items per page when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most items one page may hold.
pub const MAX_LIMIT: u32 = 500;

/// What a caller asked for: how many items, after which cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { limit: DEFAULT_LIMIT, cursor: None }
    }
}

impl PageRequest {
    /// Checks a requested limit (1..=MAX_LIMIT) and cursor (an opaque token this API gave out:
    /// short and plain).
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, DomainError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(DomainError::invalid(
                ErrorCode::InvalidLimit,
                format!("limit must be between 1 and {MAX_LIMIT} (got {limit})"),
            ));
        }
        let cursor = cursor.filter(|c| !c.is_empty());
        if let Some(c) = cursor {
            let plain = c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !plain {
                return Err(DomainError::invalid(ErrorCode::InvalidCursor, "the cursor is not one this list gave out"));
            }
        }
        Ok(PageRequest { limit, cursor: cursor.map(str::to_string) })
    }

    /// The cursor as a number (lists keyed by sequence numbers).
    pub fn cursor_number(&self) -> Result<Option<i64>, DomainError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse::<i64>().map_err(|_| {
                    DomainError::invalid(ErrorCode::InvalidCursor, "the cursor is not one this list gave out")
                })
            })
            .transpose()
    }

    /// The cursor as an id (lists keyed by UUIDv7 ids).
    pub fn cursor_id(&self) -> Result<Option<crate::Id>, DomainError> {
        self.cursor
            .as_deref()
            .map(|c| {
                crate::id::parse_id(c).ok_or_else(|| {
                    DomainError::invalid(ErrorCode::InvalidCursor, "the cursor is not one this list gave out")
                })
            })
            .transpose()
    }

    /// How many rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch(&self) -> u32 {
        self.limit + 1
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; None on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from rows fetched after the cursor, at most `limit + 1` of them: the extra row
    /// only says there is more.
    pub fn from_fetched(mut rows: Vec<T>, req: &PageRequest, key: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() > req.limit as usize;
        rows.truncate(req.limit as usize);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Page { items: rows, next_cursor }
    }

    /// A page of a whole list already in memory, in order of `key` (ascending unless
    /// `descending`); for lists that stay small.
    pub fn slice(all: Vec<T>, req: &PageRequest, descending: bool, key: impl Fn(&T) -> String) -> Page<T> {
        let rows: Vec<T> = match &req.cursor {
            None => all,
            Some(c) => all.into_iter().filter(|t| if descending { key(t) < *c } else { key(t) > *c }).collect(),
        };
        let rows: Vec<T> = rows.into_iter().take(req.fetch() as usize).collect();
        Page::from_fetched(rows, req, key)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_are_checked() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(PageRequest::parse(Some(0), None).unwrap_err().code(), ErrorCode::InvalidLimit);
        assert_eq!(PageRequest::parse(Some(MAX_LIMIT + 1), None).unwrap_err().code(), ErrorCode::InvalidLimit);
        assert_eq!(PageRequest::parse(None, Some("a b")).unwrap_err().code(), ErrorCode::InvalidCursor);
        assert_eq!(PageRequest::parse(None, Some("")).unwrap().cursor, None);
        let r = PageRequest::parse(Some(2), Some("17")).unwrap();
        assert_eq!(r.cursor_number().unwrap(), Some(17));
        assert!(PageRequest::parse(None, Some("x")).unwrap().cursor_number().is_err());
    }

    #[test]
    fn pages_walk_a_list_once_and_end() {
        let all: Vec<u32> = (1..=7).collect();
        let key = |n: &u32| format!("{n:04}");
        let mut req = PageRequest::parse(Some(3), None).unwrap();
        let mut seen = Vec::new();
        loop {
            let page = Page::slice(all.clone(), &req, false, key);
            seen.extend(page.items.clone());
            match page.next_cursor {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, all);
        let descending: Vec<u32> = all.iter().rev().copied().collect();
        let newest_first = Page::slice(descending, &PageRequest { limit: 3, cursor: Some(key(&5)) }, true, key);
        assert_eq!(newest_first.items, vec![4, 3, 2]);
        assert_eq!(newest_first.next_cursor, Some(key(&2)));
        let exact = Page::slice(vec![1, 2, 3], &PageRequest { limit: 3, cursor: None }, false, key);
        assert_eq!(exact.next_cursor, None, "a full last page has no next cursor");
    }
}
