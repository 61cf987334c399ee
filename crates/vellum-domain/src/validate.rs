//! Validated values: a value of these types that exists is valid.

use std::fmt;

use serde::Serialize;

use crate::{DomainError, ErrorCode};

macro_rules! text_newtype {
    ($name:ident) => {
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(Email);
text_newtype!(Slug);
text_newtype!(Name);
text_newtype!(ChangeNote);

/// What [`Name`] and [`ChangeNote`] accept, as a regular expression for the API document
/// (the same in Rust, Python and ECMAScript syntax): no control character anywhere, and at
/// least one character that is not white space.
pub const TEXT_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$";

/// Text that may be blank but holds no control character, as a regular expression.
pub const NO_CONTROL_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// The longest note a restore may add to its "Restored version N" note, in characters.
pub const RESTORE_NOTE_MAX_CHARS: usize = 3900;

/// What [`Slug`] accepts, as a regular expression.
pub const SLUG_PATTERN: &str = "^[a-z][a-z0-9-]{0,46}[a-z0-9]$";

/// The longest [`Name`], in characters.
pub const NAME_MAX_CHARS: usize = 200;

/// The longest [`ChangeNote`], in characters.
pub const NOTE_MAX_CHARS: usize = 4000;

/// Text as sent, bounded and free of control characters, then trimmed. The limits apply to
/// the text as sent so that they read the same in the API document as here.
pub(crate) fn bounded(code: ErrorCode, what: &str, s: &str, max: usize) -> Result<String, DomainError> {
    if s.chars().count() > max {
        return Err(DomainError::invalid(code, format!("{what} must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(DomainError::invalid(code, format!("{what} must not contain control characters")));
    }
    let t = s.trim();
    if t.is_empty() {
        return Err(DomainError::invalid(code, format!("{what} must not be empty")));
    }
    Ok(t.to_string())
}

impl Email {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_lowercase();
        let ok = t.len() <= 254
            && t.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !t.chars().any(|c| c.is_whitespace() || c.is_control())
                    && !domain.contains('@')
            });
        if ok {
            Ok(Email(t))
        } else {
            Err(DomainError::invalid(ErrorCode::InvalidEmail, format!("'{}' is not an email address", s.trim())))
        }
    }
}

impl Slug {
    /// Lower-case letters, digits and dashes, 2–48 long, starting with a letter, so a
    /// slug can never be mistaken for an id in a path.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = (2..=48).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.ends_with('-');
        if ok {
            Ok(Slug(s.to_string()))
        } else {
            Err(DomainError::invalid(
                ErrorCode::InvalidSlug,
                format!(
                    "'{s}' is not a valid slug: use 2–48 lower-case letters, digits and dashes, starting with a letter"
                ),
            ))
        }
    }
}

impl Name {
    /// A human-facing name or title (workspace, group, workflow, asset title, stage).
    pub fn parse(what: &str, s: &str) -> Result<Self, DomainError> {
        bounded(ErrorCode::InvalidName, what, s, NAME_MAX_CHARS).map(Name)
    }
}

impl ChangeNote {
    /// Every version says what changed; an empty note is refused.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        bounded(ErrorCode::InvalidNote, "the change note", s, NOTE_MAX_CHARS).map(ChangeNote)
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The password policy: at least 12 characters, at most 1024 bytes (it is hashed), and not
/// trivially guessable — zxcvbn's estimate must be "safely unguessable" (score 3 of 4) or
/// better, counting the account's own email and name as known to an attacker.
pub fn check_password(s: &str, known: &[&str]) -> Result<(), DomainError> {
    if s.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DomainError::invalid(
            ErrorCode::WeakPassword,
            format!("the password must be at least {MIN_PASSWORD_CHARS} characters long"),
        ));
    }
    if s.len() > 1024 {
        return Err(DomainError::invalid(ErrorCode::InvalidPassword, "the password must be at most 1024 bytes"));
    }
    // The estimator's cost grows with length; what follows the first 100 characters cannot
    // make a password weaker.
    let head: String = s.chars().take(100).collect();
    let estimate = zxcvbn::zxcvbn(&head, known);
    if u8::from(estimate.score()) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(DomainError::invalid(
            ErrorCode::WeakPassword,
            format!("the password is too easy to guess{hint}; use a longer phrase of unrelated words"),
        ));
    }
    Ok(())
}

/// The kind of an asset, which decides how it is previewed and routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Visual,
    Video,
    Written,
    DesignSource,
    CampaignReady,
}

impl AssetKind {
    pub const ALL: [AssetKind; 5] =
        [AssetKind::Visual, AssetKind::Video, AssetKind::Written, AssetKind::DesignSource, AssetKind::CampaignReady];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Visual => "visual",
            AssetKind::Video => "video",
            AssetKind::Written => "written",
            AssetKind::DesignSource => "design_source",
            AssetKind::CampaignReady => "campaign_ready",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        AssetKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            DomainError::invalid(
                ErrorCode::InvalidKind,
                format!("'{s}' is not an asset kind; use one of visual, video, written, design_source, campaign_ready"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
        for bad in ["", "ann", "ann@", "@x.com", "ann@localhost", "a b@x.com", "a@b@c.com"] {
            assert_eq!(Email::parse(bad).unwrap_err().code(), "invalid_email", "{bad}");
        }
    }

    #[test]
    fn slugs_cannot_look_like_ids() {
        assert!(Slug::parse("acme-bank").is_ok());
        for bad in ["A", "a", "0190ab", "acme_bank", "acme-", "Acme"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn change_notes_must_say_something() {
        assert_eq!(ChangeNote::parse("   ").unwrap_err().code(), "invalid_note");
        assert_eq!(ChangeNote::parse(" new logo ").unwrap().as_str(), "new logo");
    }

    /// The patterns in the API document say exactly what the parsers accept, so a client
    /// that validates against the document is neither stricter nor looser than the server.
    #[test]
    fn the_documented_patterns_agree_with_the_parsers() {
        let text = regex::Regex::new(TEXT_PATTERN).unwrap();
        for s in [
            "Spring campaign",
            " padded ",
            "x",
            "\u{a0}x",
            "é",
            "😀",
            "",
            " ",
            "\u{a0}",
            "\u{3000}\u{2009}",
            "a\tb",
            "a\nb",
            "\u{85}",
            "x\u{7f}",
            "\u{feff}",
            "\u{200b}",
            "\u{1c}",
        ] {
            assert_eq!(text.is_match(s), Name::parse("the name", s).is_ok(), "{s:?}");
        }
        let slug = regex::Regex::new(SLUG_PATTERN).unwrap();
        for s in ["acme-bank", "ab", "a1", "a", "A", "1a", "a-", "a_b", "acme-bank-", &"a".repeat(48), &"a".repeat(49)]
        {
            assert_eq!(slug.is_match(s), Slug::parse(s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn kinds_parse_strictly() {
        assert_eq!(AssetKind::parse("design_source"), Ok(AssetKind::DesignSource));
        assert_eq!(AssetKind::parse("photo").unwrap_err().code(), "invalid_kind");
    }

    #[test]
    fn passwords_have_a_floor() {
        assert!(check_password("short", &[]).is_err());
        assert!(check_password("          ", &[]).is_err(), "ten spaces");
        assert!(check_password("aaaaaaaaaaaaaaaa", &[]).is_err());
        assert!(check_password("password12345", &[]).is_err());
        assert!(check_password("correct horse battery staple", &[]).is_ok());
        assert!(check_password("admin-password-1", &[]).is_ok());
        let known = ["ann.lee@example.com", "Ann Lee"];
        assert!(check_password("ann.lee@example.com", &known).is_err(), "the account's own email");
        assert!(check_password(&"x".repeat(2000), &[]).is_err());
    }
}
