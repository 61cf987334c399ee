//! The external programs the media pipeline runs, what each one is needed for, and which of
//! them this machine has: checked once at start so a missing tool is named in the log and
//! the admin status instead of failing jobs one by one later.

use std::ffi::OsStr;
use std::path::PathBuf;

use super::locate;

/// One program the pipeline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub program: &'static str,
    /// The Debian package that provides it.
    pub package: &'static str,
    /// What is not processed without it, as an operator reads it.
    pub needed_for: &'static str,
}

/// Every program the pipeline may run, in the order the log lists them.
pub const REQUIREMENTS: &[Requirement] = &[
    Requirement { program: "ffmpeg", package: "ffmpeg", needed_for: "video and audio: posters, proxies, waveforms" },
    Requirement { program: "ffprobe", package: "ffmpeg", needed_for: "video and audio: duration, codecs, frame size" },
    Requirement { program: "pdfinfo", package: "poppler-utils", needed_for: "PDF: page count and page size" },
    Requirement {
        program: "pdftoppm",
        package: "poppler-utils",
        needed_for: "PDF and office documents: page previews",
    },
    Requirement { program: "pdftotext", package: "poppler-utils", needed_for: "PDF: text of the pages" },
    Requirement {
        program: "gs",
        package: "ghostscript",
        needed_for: "EPS, PostScript and PostScript-based AI previews",
    },
    Requirement { program: "rsvg-convert", package: "librsvg2-bin", needed_for: "SVG previews" },
    Requirement { program: "heif-convert", package: "libheif-examples", needed_for: "HEIC/HEIF photo previews" },
    Requirement { program: "vips", package: "libvips-tools", needed_for: "WebP previews of very large pictures" },
    Requirement {
        program: "soffice",
        package: "libreoffice-writer-nogui libreoffice-impress-nogui libreoffice-calc-nogui",
        needed_for: "office documents (Word, PowerPoint, Excel, OpenDocument): previews",
    },
    Requirement {
        program: "bwrap",
        package: "bubblewrap",
        needed_for: "network isolation of the tools above (without it they run with resource limits only)",
    },
    Requirement { program: "prlimit", package: "util-linux", needed_for: "memory limits of the tools above" },
];

/// Whether one required program was found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolStatus {
    pub requirement: Requirement,
    pub path: Option<PathBuf>,
}

impl ToolStatus {
    pub fn available(&self) -> bool {
        self.path.is_some()
    }
}

/// Looks every required program up where the pipeline would run it from.
pub fn check() -> Vec<ToolStatus> {
    statuses(|program| locate(OsStr::new(program)))
}

fn statuses(find: impl Fn(&str) -> Option<PathBuf>) -> Vec<ToolStatus> {
    REQUIREMENTS.iter().map(|r| ToolStatus { requirement: *r, path: find(r.program) }).collect()
}

/// The programs missing from `statuses`, for the start-up log line.
pub fn missing(statuses: &[ToolStatus]) -> Vec<&Requirement> {
    statuses.iter().filter(|s| !s.available()).map(|s| &s.requirement).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_reported_with_its_package_and_purpose() {
        let all = statuses(|p| (p != "soffice").then(|| PathBuf::from("/usr/bin").join(p)));
        let gone = missing(&all);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].program, "soffice");
        assert!(gone[0].package.contains("libreoffice"));
        assert!(gone[0].needed_for.contains("office"));
    }

    #[test]
    fn every_program_is_listed_once() {
        let mut names: Vec<_> = REQUIREMENTS.iter().map(|r| r.program).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REQUIREMENTS.len());
    }
}
