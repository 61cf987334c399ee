//! Media probing, metadata extraction and image renditions for Vellum.
//!
//! Everything here works on bytes or on paths inside a job's own folder; nothing touches the
//! database or blob store. External programs are run through [`tool`] with limits.

pub mod diff;
pub mod external;
pub mod header;
pub mod metadata;
pub mod probe;
mod psd;
pub mod render;
pub mod sniff;
pub mod stamp;
pub mod tool;
pub mod watermark;

pub use diff::{diff_files, diff_images, ImageDiff, Region};
pub use header::{check, dimensions, PixelLimits};
pub use metadata::{extract_file, extract_image, strip_gps, Gps, MediaInfo};
pub use probe::{probe_pdf, probe_video, ProbeError};
pub use render::{hamming, perceptual_hash, render_file, render_image, Fit, Format, RenderError, RenditionSpec};
pub use sniff::{sniff, MediaType};
pub use tool::{run, Output, Tool, ToolError};
