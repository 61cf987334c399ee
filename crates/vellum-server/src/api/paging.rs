//! Pages of lists in the API: `?limit=&cursor=` in, `{<items>: […], next_cursor}` out.

use serde::Deserialize;
use utoipa::IntoParams;
use vellum_domain::page::{Page, PageRequest};

use crate::error::ApiError;

/// The query of a list that takes nothing but paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9-]*$")]
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

/// A page of a list the use case answers whole (lists that stay small: a user's tokens, a
/// workspace's groups…), ordered by a key that never changes, so pages stay put.
pub fn page_of<T>(mut items: Vec<T>, req: &PageRequest, key: impl Fn(&T) -> String) -> Page<T> {
    items.sort_by_key(|t| key(t));
    Page::slice(items, req, false, key)
}
