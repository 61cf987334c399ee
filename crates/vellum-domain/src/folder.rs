//! Library folders: where an asset sits in its workspace's tree, kept from an imported folder
//! or given with an upload. A `Folder` that exists is a relative, `/`-separated path of named
//! segments, so folders compare segment by segment and never name a place outside the tree.

use std::fmt;

use serde::Serialize;

use crate::{DomainError, ErrorCode};

/// The longest folder path, in characters.
pub const MAX_FOLDER_CHARS: usize = 512;

/// What a folder field accepts, as a regular expression for the API document: blank (no
/// folder), or `/`-separated parts, each with something besides dots and white space, and no
/// backslash or control character anywhere.
pub const FOLDER_PATTERN: &str = concat!(
    r"^([\u0020\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*|",
    r"[^/\\\u0000-\u001F\u007F-\u009F]*[^/\\.\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^/\\\u0000-\u001F\u007F-\u009F]*",
    r"(/[^/\\\u0000-\u001F\u007F-\u009F]*[^/\\.\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^/\\\u0000-\u001F\u007F-\u009F]*)*)$"
);

/// A validated folder path such as `campaigns/spring/hero`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Folder(String);

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::invalid(ErrorCode::InvalidFolder, message)
}

impl Folder {
    /// Validates a folder path: relative, `/`-separated, at most 512 characters, each segment
    /// a name (not empty, not blank, not `.` or `..`, no control characters). A backslash is
    /// refused rather than read as a separator, so `a\b` from a Windows client is an error
    /// instead of a folder named `a\b`.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if s.is_empty() {
            return Err(invalid("the folder must not be empty"));
        }
        if s.chars().count() > MAX_FOLDER_CHARS {
            return Err(invalid(format!("the folder must be at most {MAX_FOLDER_CHARS} characters")));
        }
        if s.starts_with('/') {
            return Err(invalid(format!("the folder '{s}' must be relative, such as 'campaigns/spring'")));
        }
        if s.contains('\\') {
            return Err(invalid(format!("the folder '{s}' must use '/' between its parts, not '\\'")));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid("the folder must not contain control characters"));
        }
        for segment in s.split('/') {
            if segment.trim().is_empty() {
                return Err(invalid(format!("the folder '{s}' has an empty part (a '//' or a '/' at the end)")));
            }
            if segment.chars().all(|c| c == '.' || c.is_whitespace()) {
                return Err(invalid(format!("the folder '{s}' must not contain parts of only dots, such as '..'")));
            }
        }
        Ok(Folder(s.to_string()))
    }

    /// Like `parse`, with empty or blank text meaning "no folder" (form fields, query strings).
    pub fn parse_optional(s: &str) -> Result<Option<Self>, DomainError> {
        if s.chars().all(|c| c.is_whitespace() && !c.is_control()) {
            Ok(None)
        } else {
            Self::parse(s).map(Some)
        }
    }

    /// The folder of a file given by its `/`-separated path relative to the top of a tree:
    /// everything before the last `/`, None for a file at the top.
    pub fn of_file(path: &str) -> Result<Option<Self>, DomainError> {
        match path.rsplit_once('/') {
            Some((folder, _)) => Self::parse(folder).map(Some),
            None => Ok(None),
        }
    }

    /// Whether `folder` is this folder or lies below it, by whole segments: `a` holds `a` and
    /// `a/b` but not `ab`.
    pub fn holds(&self, folder: &str) -> bool {
        folder.strip_prefix(self.0.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// The prefix every folder below this one starts with (`a/b/`).
    pub fn below_prefix(&self) -> String {
        format!("{}/", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Folder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_slash_separated_paths_are_folders() {
        for ok in ["a", "campaigns/spring 2026/hero", "été/ünïcode", "a.b/c..d", " padded /x", ".hidden"] {
            assert_eq!(Folder::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Folder::parse(&"x".repeat(MAX_FOLDER_CHARS)).unwrap().as_str().len(), MAX_FOLDER_CHARS);
    }

    #[test]
    fn bad_folders_are_refused_with_a_reason() {
        let too_long = "x".repeat(MAX_FOLDER_CHARS + 1);
        for bad in [
            "", "/abs", "a//b", "a/", "a/ /b", "..", "a/../b", "./a", "a/.", "...", ". .", "a\\b", "a\nb", "a\u{0}b",
            &too_long,
        ] {
            let e = Folder::parse(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_folder", "{bad:?}");
        }
        assert_eq!(Folder::parse_optional("  ").unwrap(), None);
        assert!(Folder::parse_optional("a/").is_err());
        assert!(Folder::parse_optional("\t").is_err(), "a control character is refused, not read as blank");
    }

    #[test]
    fn the_documented_pattern_agrees_with_the_parser() {
        let pattern = regex::Regex::new(FOLDER_PATTERN).unwrap();
        for s in [
            "", " ", "\u{3000}", "\t", "a", "a/b", " a /b", "a.b/c..d", "...", ". .", "a/..", "./a", "/a", "a/",
            "a//b", "a\\b", "a\u{85}b", "é/ü", "a/ /b", "x\u{a0}",
        ] {
            assert_eq!(pattern.is_match(s), Folder::parse_optional(s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn a_file_s_folder_is_its_path_before_the_last_slash() {
        assert_eq!(Folder::of_file("a/b/c.jpg").unwrap(), Some(Folder::parse("a/b").unwrap()));
        assert_eq!(Folder::of_file("c.jpg").unwrap(), None);
        assert!(Folder::of_file("/c.jpg").is_err(), "an empty folder part is refused, not dropped");
    }

    #[test]
    fn a_folder_holds_itself_and_whole_segments_below() {
        let a = Folder::parse("a/b").unwrap();
        assert!(a.holds("a/b"));
        assert!(a.holds("a/b/c"));
        assert!(!a.holds("a/bc"));
        assert!(!a.holds("a"));
        assert_eq!(a.below_prefix(), "a/b/");
    }
}
