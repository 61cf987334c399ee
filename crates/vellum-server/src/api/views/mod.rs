//! What the API answers, apart from what the store keeps: each view is built from a use
//! case's result, derives its schema for the generated document, and changes only when the
//! contract does — a new column is not an API change.

mod assets;
mod audit;
mod fields;
mod people;
mod reviews;
mod routing;
mod status;
mod support;

pub use assets::*;
pub use audit::*;
pub use fields::*;
pub use people::*;
pub use reviews::*;
pub use routing::*;
pub use status::*;
pub use support::*;

/// A page type: the items under the list's own key, and where the next page starts.
macro_rules! page {
    ($name:ident, $key:literal, $item:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            #[serde(rename = $key)]
            #[schema(rename = $key)]
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last one.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<vellum_domain::page::Page<T>> for $name {
            fn from(p: vellum_domain::page::Page<T>) -> Self {
                $name { items: p.items.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor }
            }
        }
    };
}
pub(crate) use page;
