//! Naming conventions: a workspace pattern such as `{campaign}_V{version}_{deliverable}_{locale}`
//! built from named parts and literal text, rendered into the name a file should have, and
//! matched against the name it was uploaded with.

use serde::{Deserialize, Serialize};

/// A named part of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The campaign's code (`SPRING26`).
    Campaign,
    /// The version number as is (`V{version}` → `V1`).
    Version,
    /// The asset kind (`visual`).
    Kind,
    /// The deliverable the file is for (`1080x1080-tile`).
    Deliverable,
    Locale,
    Channel,
    /// `YYYY-MM-DD`.
    Date,
    /// The uploader's initials.
    Initials,
    /// Anything the uploader chooses.
    Text,
}

impl Part {
    pub const ALL: [Part; 9] = [
        Part::Campaign,
        Part::Version,
        Part::Kind,
        Part::Deliverable,
        Part::Locale,
        Part::Channel,
        Part::Date,
        Part::Initials,
        Part::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Campaign => "campaign",
            Part::Version => "version",
            Part::Kind => "kind",
            Part::Deliverable => "deliverable",
            Part::Locale => "locale",
            Part::Channel => "channel",
            Part::Date => "date",
            Part::Initials => "initials",
            Part::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What a mismatched name does at upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The expected name is suggested and a mismatch flagged.
    Suggest,
    /// A mismatch is refused (`422 naming_mismatch`) with the expected name.
    Require,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Suggest => "suggest",
            Mode::Require => "require",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Suggest, Mode::Require].into_iter().find(|m| m.as_str() == s)
    }
}

/// A workspace's convention as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Convention {
    /// `{campaign}_V{version}_{deliverable}_{locale}`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub pattern: String,
    pub mode: Mode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Part(Part),
}

/// A checked pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
}

/// What the parts stand for in one file's case; a part without a value matches any text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameValues {
    pub campaign: Option<String>,
    pub version: Option<u32>,
    pub kind: Option<String>,
    pub deliverable: Option<String>,
    pub locale: Option<String>,
    pub channel: Option<String>,
    pub date: Option<String>,
    pub initials: Option<String>,
}

impl NameValues {
    fn of(&self, p: Part) -> Option<String> {
        let v = match p {
            Part::Campaign => self.campaign.clone(),
            Part::Version => self.version.map(|n| n.to_string()),
            Part::Kind => self.kind.clone(),
            Part::Deliverable => self.deliverable.clone(),
            Part::Locale => self.locale.clone(),
            Part::Channel => self.channel.clone(),
            Part::Date => self.date.clone(),
            Part::Initials => self.initials.clone(),
            Part::Text => None,
        };
        v.map(|s| file_safe(&s)).filter(|s| !s.is_empty())
    }
}

/// A value as it may stand in a file name: letters, digits, `.`, `_` and `-`; anything else
/// (spaces, slashes) becomes `-`.
pub fn file_safe(s: &str) -> String {
    s.trim().chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).collect()
}

/// A file name without its extension (`Spring_V1.final.jpg` → `Spring_V1.final`).
pub fn stem(filename: &str) -> &str {
    match filename.rfind('.') {
        Some(i) if i > 0 => &filename[..i],
        _ => filename,
    }
}

/// The longest pattern.
pub const MAX_PATTERN: usize = 200;

impl Pattern {
    /// Reads `{part}` placeholders and the literal text between them. Two parts must be
    /// separated by some text, or a name could not say where one ends.
    pub fn parse(s: &str) -> Result<Pattern, String> {
        if s.is_empty() || s.len() > MAX_PATTERN {
            return Err(format!("a pattern is 1–{MAX_PATTERN} characters"));
        }
        let mut pieces = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or("a '{' is not closed by '}'")?;
                let name = &after[..end];
                let part = Part::parse(name).ok_or_else(|| {
                    let names: Vec<&str> = Part::ALL.iter().map(|p| p.as_str()).collect();
                    format!("'{{{name}}}' is not a part; use {}", names.join(", "))
                })?;
                if matches!(pieces.last(), Some(Piece::Part(_))) {
                    return Err(format!("put some text between two parts (before {{{name}}})"));
                }
                pieces.push(Piece::Part(part));
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let text = &rest[..end];
                if text.contains('}') {
                    return Err("a '}' has no '{'".into());
                }
                if file_safe(text) != text {
                    return Err(format!("'{text}' cannot stand in a file name: use letters, digits, '.', '_' or '-'"));
                }
                pieces.push(Piece::Literal(text.to_string()));
                rest = &rest[end..];
            }
        }
        if !pieces.iter().any(|p| matches!(p, Piece::Part(_))) {
            return Err("a pattern names at least one part, like {campaign}".into());
        }
        Ok(Pattern { pieces })
    }

    /// The name a file should have; a part without a value shows as `{part}`.
    pub fn render(&self, v: &NameValues) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(t) => t.clone(),
                Piece::Part(part) => v.of(*part).unwrap_or_else(|| format!("{{{}}}", part.as_str())),
            })
            .collect()
    }

    /// Whether a file name's stem follows the pattern: literal text and known values exactly
    /// (letters in any case), unknown parts as any non-empty text. Remembers which (piece,
    /// position) pairs failed, so the work stays polynomial whatever the name.
    pub fn matches(&self, v: &NameValues, name_stem: &str) -> bool {
        let fixed: Vec<Option<String>> = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(t) => Some(t.clone()),
                Piece::Part(part) => v.of(*part),
            })
            .collect();
        let s = name_stem;
        let mut failed = vec![false; (fixed.len() + 1) * (s.len() + 1)];
        fn at(i: usize, pos: usize, fixed: &[Option<String>], s: &str, failed: &mut [bool]) -> bool {
            let Some(piece) = fixed.get(i) else { return pos == s.len() };
            let key = i * (s.len() + 1) + pos;
            if failed[key] {
                return false;
            }
            let rest = &s[pos..];
            let ok = match piece {
                Some(t) => {
                    rest.len() >= t.len()
                        && rest.is_char_boundary(t.len())
                        && rest[..t.len()].eq_ignore_ascii_case(t)
                        && at(i + 1, pos + t.len(), fixed, s, failed)
                }
                None => {
                    (1..=rest.len()).filter(|&k| rest.is_char_boundary(k)).any(|k| at(i + 1, pos + k, fixed, s, failed))
                }
            };
            if !ok {
                failed[key] = true;
            }
            ok
        }
        at(0, 0, &fixed, s, &mut failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> NameValues {
        NameValues {
            campaign: Some("SPRING26".into()),
            version: Some(1),
            deliverable: Some("1080x1080 tile".into()),
            locale: Some("en-AU".into()),
            ..NameValues::default()
        }
    }

    #[test]
    fn the_issue_s_example_renders_and_matches() {
        let p = Pattern::parse("{campaign}_V{version}_{deliverable}_{locale}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.render(&values()), "SPRING26_V1_1080x1080-tile_en-AU");
        assert!(p.matches(&values(), "spring26_v1_1080x1080-TILE_en-au"));
        assert!(!p.matches(&values(), "SPRING26_V2_1080x1080-tile_en-AU"));
        assert!(!p.matches(&values(), "banner-final"));
        assert_eq!(stem("SPRING26_V1_1080x1080-tile_en-AU.jpg"), "SPRING26_V1_1080x1080-tile_en-AU");
    }

    #[test]
    fn unknown_parts_match_any_text_and_render_as_placeholders() {
        let p = Pattern::parse("{campaign}-{text}-{channel}").unwrap_or_else(|e| panic!("{e}"));
        let v = NameValues { campaign: Some("AUTUMN".into()), ..NameValues::default() };
        assert_eq!(p.render(&v), "AUTUMN-{text}-{channel}");
        assert!(p.matches(&v, "AUTUMN-hero-shot-instagram"));
        assert!(!p.matches(&v, "AUTUMN--instagram"), "a part is never empty");
        // Many unknown parts against a long name that cannot match ends quickly.
        let many = Pattern::parse("{text}_{text}_{text}_{text}_{text}_{text}_{text}_{text}X")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!many.matches(&v, &"_a".repeat(120)));
    }

    #[test]
    fn bad_patterns_say_why() {
        for (bad, why) in [
            ("{campaign}{locale}", "between two parts"),
            ("{campaign", "not closed"),
            ("{colour}_x", "not a part"),
            ("plain", "at least one part"),
            ("{campaign} final", "cannot stand in a file name"),
            ("", "1–200"),
        ] {
            let e = Pattern::parse(bad).err().unwrap_or_default();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    /// Generated patterns and values: what is rendered always matches, and changing a known
    /// value's text never does.
    #[test]
    fn rendered_names_match_and_changed_ones_do_not() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let seps = ["_", "-", ".", "_V", "-x-", "__"];
        let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let len = 1 + next(6) as usize;
            (0..len).map(|_| char::from(b"abcXYZ019-._"[next(12) as usize])).collect()
        };
        for _ in 0..2000 {
            let count = 1 + next(4) as usize;
            let mut text = String::new();
            if next(2) == 0 {
                text.push_str(seps[next(6) as usize]);
            }
            let mut used = Vec::new();
            for i in 0..count {
                let part = Part::ALL[next(8) as usize];
                used.push(part);
                text.push_str(&format!("{{{}}}", part.as_str()));
                if i + 1 < count || next(2) == 0 {
                    text.push_str(seps[next(6) as usize]);
                }
            }
            let p = Pattern::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let v = NameValues {
                campaign: Some(word(&mut next)),
                version: Some(next(20) as u32 + 1),
                kind: Some(word(&mut next)),
                deliverable: Some(word(&mut next)),
                locale: Some(word(&mut next)),
                channel: Some(word(&mut next)),
                date: Some(word(&mut next)),
                initials: Some(word(&mut next)),
            };
            let name = p.render(&v);
            assert!(p.matches(&v, &name), "{text} rendered as {name}");
            // A known value one character longer no longer matches.
            let mut other = v.clone();
            other.campaign = other.campaign.map(|c| format!("{c}Q"));
            other.version = other.version.map(|n| n + 100);
            if used.contains(&Part::Campaign) || used.contains(&Part::Version) {
                assert!(!p.matches(&other, &name), "{text}: {name} matched changed values");
            }
        }
    }
}
