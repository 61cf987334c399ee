//! Why a file in the imported folder does not become an asset: the reasons an import skips
//! a file, which its summary counts and its listing names, and the failures beside them.

use super::Show;

/// Why a file (or a whole folder) is skipped. Skips are decisions about what the file is,
/// not errors; only `Unreadable` makes the import end with a failure code, because the user
/// meant that file to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// A name starting with `.`: `.DS_Store`, the `._photo.jpg` a Mac leaves on other disks,
    /// `.git/`. Never content anyone meant to publish.
    Hidden,
    /// An operating system's housekeeping under a visible name: `Thumbs.db`, `desktop.ini`,
    /// `__MACOSX/`.
    System,
    /// A symbolic link, not followed: an import reads only what lies inside its folder, each
    /// file once.
    Link,
    /// A FIFO, socket or device: reading one may block forever or never end.
    Special,
    /// 0 bytes: nothing to review, render or publish.
    Empty,
    /// Over the server's upload limit.
    TooLarge,
    /// Could not be listed or opened (permissions, usually).
    Unreadable,
}

impl Skip {
    /// Every reason, in the order the summary counts them.
    pub const ALL: [Skip; 7] =
        [Skip::Hidden, Skip::System, Skip::Link, Skip::Special, Skip::Empty, Skip::TooLarge, Skip::Unreadable];

    /// How the summary counts it: "2 hidden", "1 symbolic link".
    pub fn label(self) -> &'static str {
        match self {
            Skip::Hidden => "hidden",
            Skip::System => "system",
            Skip::Link => "symbolic link",
            Skip::Special => "not a regular file",
            Skip::Empty => "empty",
            Skip::TooLarge => "too large",
            Skip::Unreadable => "unreadable",
        }
    }

    /// Its place in `ALL`, which lists the variants in declaration order.
    fn index(self) -> usize {
        self as usize
    }
}

/// A reason with the words for one file: "hidden file", "unreadable: Permission denied".
#[derive(Debug, Clone)]
pub struct Reason {
    pub skip: Skip,
    pub detail: String,
}

impl Reason {
    pub fn new(skip: Skip, detail: impl Into<String>) -> Self {
        Reason { skip, detail: detail.into() }
    }

    pub fn empty() -> Self {
        Reason::new(Skip::Empty, "empty (0 bytes)")
    }

    pub fn too_large(max_bytes: u64) -> Self {
        Reason::new(Skip::TooLarge, format!("larger than the upload limit of {max_bytes} bytes"))
    }

    pub fn unreadable(e: &std::io::Error) -> Self {
        Reason::new(Skip::Unreadable, format!("unreadable: {e}"))
    }

    /// The least an import must print for this to be listed: a file that could not be read
    /// needs the user's attention even with `--quiet`; the rest were passed over by design.
    pub fn shown_from(&self) -> Show {
        match self.skip {
            Skip::Unreadable => Show::Failures,
            _ => Show::Everything,
        }
    }
}

/// A skipped file or folder, as the listing names it.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Relative to the imported folder, `/`-separated; a folder ends in `/`.
    pub path: String,
    pub reason: Reason,
}

/// Why a file that was set out to be read did not become an asset or a duplicate.
#[derive(Debug, Clone)]
pub enum NotImported {
    /// Found on reading it: emptied, grown past the limit or locked since the folder was walked.
    Skipped(Reason),
    /// Refused by the server's checks, or broken off by an error.
    Failed(String),
}

/// Skipped files counted by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SkipCounts([usize; Skip::ALL.len()]);

impl SkipCounts {
    pub fn add(&mut self, reason: Skip) {
        self.0[reason.index()] += 1;
    }

    pub fn get(&self, reason: Skip) -> usize {
        self.0[reason.index()]
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// "2 hidden, 1 empty": the reasons that occurred, in a fixed order.
    pub fn describe(&self) -> String {
        let parts: Vec<String> =
            Skip::ALL.iter().filter(|s| self.get(**s) > 0).map(|s| format!("{} {}", self.get(*s), s.label())).collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_the_reasons_in_declaration_order() {
        for (i, s) in Skip::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
    }

    #[test]
    fn counts_are_described_by_reason_in_a_fixed_order() {
        let mut c = SkipCounts::default();
        for s in [Skip::Empty, Skip::Hidden, Skip::Hidden, Skip::Unreadable] {
            c.add(s);
        }
        assert_eq!(c.total(), 4);
        assert_eq!(c.get(Skip::Hidden), 2);
        assert_eq!(c.describe(), "2 hidden, 1 empty, 1 unreadable");
        assert_eq!(SkipCounts::default().describe(), "");
    }
}
