//! Pages of lists in the API: `?limit=&cursor=` in, `{<items>: […], next_cursor}` out.

use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vellum_domain::page::{Page, PageRequest};

use crate::error::ApiError;

/// The query of a list that takes nothing but paging.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        page_request(self.limit, self.cursor.as_deref())
    }
}

pub fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    Ok(PageRequest::parse(limit, cursor).map_err(vellum_core::Error::from)?)
}

/// A page as the API answers it: the items under the list's own key, and `next_cursor`.
pub fn listed<T: Serialize>(key: &str, page: Page<T>) -> Json<Value> {
    Json(json!({ key: page.items, "next_cursor": page.next_cursor }))
}

/// A page of a list the use case answers whole (lists that stay small: a user's tokens, a
/// workspace's groups…), ordered by a key that never changes, so pages stay put.
pub fn page_of<T>(mut items: Vec<T>, req: &PageRequest, key: impl Fn(&T) -> String) -> Page<T> {
    items.sort_by_key(|t| key(t));
    Page::slice(items, req, false, key)
}
