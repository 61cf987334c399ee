//! Campaigns and their milestones: the kinds of milestone, the checks on a plan (dependencies
//! inside the campaign, no cycles), and which dependants a milestone's date leaves short of the
//! buffer it promised, counted in business days on the workspace's calendar.

use serde::{Deserialize, Serialize};

use crate::{calendar::Calendar, Id};

/// What a milestone is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    Briefing,
    Drafting,
    Review,
    LegalReview,
    Localisation,
    Production,
    Publish,
    Other,
}

impl MilestoneKind {
    pub const ALL: [MilestoneKind; 8] = [
        MilestoneKind::Briefing,
        MilestoneKind::Drafting,
        MilestoneKind::Review,
        MilestoneKind::LegalReview,
        MilestoneKind::Localisation,
        MilestoneKind::Production,
        MilestoneKind::Publish,
        MilestoneKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::Briefing => "briefing",
            MilestoneKind::Drafting => "drafting",
            MilestoneKind::Review => "review",
            MilestoneKind::LegalReview => "legal_review",
            MilestoneKind::Localisation => "localisation",
            MilestoneKind::Production => "production",
            MilestoneKind::Publish => "publish",
            MilestoneKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A calendar date written `YYYY-MM-DD` (the only form the API takes).
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shaped = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    shaped.then(|| s.parse().ok()).flatten()
}

/// What the buffer check needs of a milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub id: Id,
    pub due_on: jiff::civil::Date,
    /// Business days this milestone promises to leave before the milestones that depend on it.
    pub buffer_business_days: u32,
    pub depends_on: Vec<Id>,
}

/// A milestone that comes too soon after one it depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BufferConflict {
    /// The dependant milestone whose time after its prerequisite is short.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub milestone_id: Id,
    /// The prerequisite whose buffer is broken.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub depends_on: Id,
    /// Business days between the two due dates less the buffer promised; negative.
    pub buffer_days_left: i64,
}

/// Every dependency whose business days between prerequisite and dependant fall short of the
/// prerequisite's buffer, in the order of `plan`.
pub fn conflicts(plan: &[Planned], calendar: &Calendar) -> Vec<BufferConflict> {
    let mut out = Vec::new();
    for m in plan {
        for p in m.depends_on.iter().filter_map(|d| plan.iter().find(|x| x.id == *d)) {
            let left = calendar.business_days_between(p.due_on, m.due_on) - i64::from(p.buffer_business_days);
            if left < 0 {
                out.push(BufferConflict { milestone_id: m.id, depends_on: p.id, buffer_days_left: left });
            }
        }
    }
    out
}

/// Why a plan's dependencies are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencyError {
    /// A milestone depends on one that is not in the campaign.
    Unknown(Id),
    /// A milestone depends on itself.
    OnItself(Id),
    /// Following dependencies comes back to this milestone.
    Cycle(Id),
}

/// Checks that every dependency names another milestone of the plan and that none loops.
pub fn check_dependencies(plan: &[Planned]) -> Result<(), DependencyError> {
    for m in plan {
        for d in &m.depends_on {
            if *d == m.id {
                return Err(DependencyError::OnItself(m.id));
            }
            if !plan.iter().any(|x| x.id == *d) {
                return Err(DependencyError::Unknown(*d));
            }
        }
    }
    // Depth-first search with colours: 1 = on the current path, 2 = done.
    let mut colour = vec![0u8; plan.len()];
    fn visit(i: usize, plan: &[Planned], colour: &mut [u8]) -> Result<(), DependencyError> {
        colour[i] = 1;
        for d in &plan[i].depends_on {
            let Some(j) = plan.iter().position(|x| x.id == *d) else { continue };
            match colour[j] {
                1 => return Err(DependencyError::Cycle(plan[j].id)),
                0 => visit(j, plan, colour)?,
                _ => {}
            }
        }
        colour[i] = 2;
        Ok(())
    }
    for i in 0..plan.len() {
        if colour[i] == 0 {
            visit(i, plan, &mut colour)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarSpec;

    fn id(n: u8) -> Id {
        Id::from_bytes([n; 16])
    }

    fn date(s: &str) -> jiff::civil::Date {
        s.parse().unwrap_or_default()
    }

    fn m(n: u8, due: &str, buffer: u32, deps: &[u8]) -> Planned {
        Planned {
            id: id(n),
            due_on: date(due),
            buffer_business_days: buffer,
            depends_on: deps.iter().map(|d| id(*d)).collect(),
        }
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let spec = CalendarSpec { holidays: vec!["2026-12-25".into()], ..CalendarSpec::default() };
        let cal = Calendar::parse(&spec).unwrap_or_default();
        // Fri 2026-12-18 → Mon 2026-12-21: one business day.
        assert_eq!(cal.business_days_between(date("2026-12-18"), date("2026-12-21")), 1);
        // Mon 21 → Mon 28 with Christmas (Fri 25) off: Tue, Wed, Thu, Mon.
        assert_eq!(cal.business_days_between(date("2026-12-21"), date("2026-12-28")), 4);
        assert_eq!(cal.business_days_between(date("2026-12-28"), date("2026-12-21")), -4);
        assert_eq!(cal.business_days_between(date("2026-12-21"), date("2026-12-21")), 0);
    }

    #[test]
    fn a_dependant_too_close_to_its_prerequisite_is_a_conflict() {
        let cal = Calendar::default();
        // Draft due Mon 7th with 3 business days before review; review due Wed 9th: 2 days.
        let plan = vec![m(1, "2026-12-07", 3, &[]), m(2, "2026-12-09", 2, &[1]), m(3, "2026-12-21", 0, &[2])];
        assert_eq!(
            conflicts(&plan, &cal),
            vec![BufferConflict { milestone_id: id(2), depends_on: id(1), buffer_days_left: -1 }]
        );
        // Moving the review to Thursday leaves exactly the three days.
        let moved = vec![m(1, "2026-12-07", 3, &[]), m(2, "2026-12-10", 2, &[1]), m(3, "2026-12-21", 0, &[2])];
        assert!(conflicts(&moved, &cal).is_empty());
        // A dependant due before its prerequisite is short by the whole gap plus the buffer.
        let before = vec![m(1, "2026-12-10", 1, &[]), m(2, "2026-12-08", 0, &[1])];
        assert_eq!(conflicts(&before, &cal)[0].buffer_days_left, -3);
    }

    #[test]
    fn dependencies_must_stay_inside_the_plan_and_not_loop() {
        assert_eq!(check_dependencies(&[m(1, "2026-12-07", 0, &[1])]), Err(DependencyError::OnItself(id(1))));
        assert_eq!(check_dependencies(&[m(1, "2026-12-07", 0, &[9])]), Err(DependencyError::Unknown(id(9))));
        let looped = [m(1, "2026-12-07", 0, &[3]), m(2, "2026-12-08", 0, &[1]), m(3, "2026-12-09", 0, &[2])];
        assert!(matches!(check_dependencies(&looped), Err(DependencyError::Cycle(_))));
        let fine = [m(1, "2026-12-07", 0, &[]), m(2, "2026-12-08", 0, &[1]), m(3, "2026-12-09", 0, &[1, 2])];
        assert_eq!(check_dependencies(&fine), Ok(()));
    }

    #[test]
    fn dates_are_written_one_way() {
        assert!(parse_date("2026-02-28").is_some());
        for bad in ["2026-02-30", "2026-2-28", "26-02-28", "2026-02-28T00:00", ""] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn kinds_read_back() {
        for k in MilestoneKind::ALL {
            assert_eq!(MilestoneKind::parse(k.as_str()), Some(k));
        }
    }
}
