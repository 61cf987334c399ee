use super::*;
use crate::workflow::{ApproverRef, Rule, StageSpec, StartMode};

fn user(n: u128) -> Id {
    uuid::Uuid::from_u128(n)
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_700_000_000 + s).unwrap()
}

fn plan(name: &str, approvers: &[u128], rule: Rule, start: StartMode) -> StagePlan {
    StagePlan {
        name: name.into(),
        approvers: approvers.iter().map(|&n| user(n)).collect(),
        rule,
        start,
        due_in_hours: None,
        due_in_business_hours: None,
        due_in_business_days: None,
        due_in_minutes: None,
        reminders: None,
        escalation: None,
    }
}

fn statuses(r: &Review) -> Vec<StageStatus> {
    r.stages.iter().map(|s| s.status).collect()
}

use StageStatus::*;

#[test]
fn sequential_stages_activate_one_after_another() {
    let mut r = Review::start(
        1,
        vec![
            plan("brand", &[1], Rule::All, StartMode::AfterPrevious),
            plan("legal", &[2], Rule::All, StartMode::AfterPrevious),
        ],
        t(0),
    )
    .unwrap();
    assert_eq!(statuses(&r), vec![Active, Pending]);
    assert_eq!(r.decide(user(2), 1, Verdict::Approve, None, t(1)), Err(DomainError::NotAnApprover));
    r.decide(user(1), 1, Verdict::Approve, None, t(2)).unwrap();
    assert_eq!(statuses(&r), vec![Approved, Active]);
    assert_eq!(r.stages[1].activated_at, Some(t(2)));
    r.decide(user(2), 1, Verdict::ApproveWithChanges, Some("fix the comma"), t(3)).unwrap();
    assert_eq!(statuses(&r), vec![Approved, Approved]);
    assert_eq!(r.status, ReviewStatus::Approved);
}

#[test]
fn parallel_stages_start_together_and_the_next_waits_for_both() {
    let mut r = Review::start(
        1,
        vec![
            plan("brand", &[1], Rule::All, StartMode::AfterPrevious),
            plan("legal", &[2], Rule::All, StartMode::WithPrevious),
            plan("final", &[3], Rule::All, StartMode::AfterPrevious),
        ],
        t(0),
    )
    .unwrap();
    assert_eq!(statuses(&r), vec![Active, Active, Pending]);
    r.decide(user(2), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(statuses(&r), vec![Active, Approved, Pending]);
    r.decide(user(1), 1, Verdict::Approve, None, t(2)).unwrap();
    assert_eq!(statuses(&r), vec![Approved, Approved, Active]);
    r.decide(user(3), 1, Verdict::Approve, None, t(3)).unwrap();
    assert_eq!(r.status, ReviewStatus::Approved);
}

#[test]
fn quorum_needs_n_approvals() {
    let mut r =
        Review::start(1, vec![plan("panel", &[1, 2, 3], Rule::Quorum(2), StartMode::AfterPrevious)], t(0)).unwrap();
    r.decide(user(1), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(r.status, ReviewStatus::InProgress);
    r.decide(user(3), 1, Verdict::ApproveWithChanges, None, t(2)).unwrap();
    assert_eq!(r.status, ReviewStatus::Approved);
}

#[test]
fn any_needs_one_and_all_needs_everyone() {
    let mut any = Review::start(1, vec![plan("s", &[1, 2], Rule::Any, StartMode::AfterPrevious)], t(0)).unwrap();
    any.decide(user(2), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(any.status, ReviewStatus::Approved);

    let mut all = Review::start(1, vec![plan("s", &[1, 2], Rule::All, StartMode::AfterPrevious)], t(0)).unwrap();
    all.decide(user(2), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(all.status, ReviewStatus::InProgress);
    all.decide(user(1), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(all.status, ReviewStatus::Approved);
}

#[test]
fn changes_requested_closes_the_review_and_skips_the_rest() {
    let mut r = Review::start(
        1,
        vec![
            plan("a", &[1, 2], Rule::Any, StartMode::AfterPrevious),
            plan("b", &[3], Rule::All, StartMode::AfterPrevious),
        ],
        t(0),
    )
    .unwrap();
    assert_eq!(
        r.decide(user(1), 1, Verdict::ChangesRequested, Some("  "), t(1)),
        Err(DomainError::ReasonRequired { decision: "changes_requested" })
    );
    r.decide(user(1), 1, Verdict::ChangesRequested, Some("logo too small"), t(1)).unwrap();
    assert_eq!(r.status, ReviewStatus::ChangesRequested);
    assert_eq!(statuses(&r), vec![StageStatus::ChangesRequested, Skipped]);
    assert_eq!(
        r.decide(user(2), 1, Verdict::Approve, None, t(2)),
        Err(DomainError::ReviewClosed { status: "changes_requested" })
    );
}

#[test]
fn reject_needs_a_reason_and_closes_for_good() {
    let mut r = Review::start(1, vec![plan("a", &[1], Rule::All, StartMode::AfterPrevious)], t(0)).unwrap();
    assert!(matches!(r.decide(user(1), 1, Verdict::Reject, None, t(1)), Err(DomainError::ReasonRequired { .. })));
    r.decide(user(1), 1, Verdict::Reject, Some("off-brand"), t(1)).unwrap();
    assert_eq!(r.status, ReviewStatus::Rejected);
    assert!(!restarts_on_new_version(r.status));
    assert!(!r.supersede());
}

#[test]
fn decisions_name_the_version_under_review() {
    let mut r = Review::start(2, vec![plan("a", &[1], Rule::All, StartMode::AfterPrevious)], t(0)).unwrap();
    assert_eq!(
        r.decide(user(1), 1, Verdict::Approve, None, t(1)),
        Err(DomainError::VersionMismatch { given: 1, expected: 2 })
    );
    assert!(r.decisions.is_empty());
}

#[test]
fn a_second_decision_on_the_same_stage_is_refused() {
    let mut r = Review::start(1, vec![plan("a", &[1, 2], Rule::All, StartMode::AfterPrevious)], t(0)).unwrap();
    r.decide(user(1), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(r.decide(user(1), 1, Verdict::Reject, Some("changed my mind"), t(2)), Err(DomainError::AlreadyDecided));
}

#[test]
fn an_approver_of_two_parallel_stages_decides_both_at_once() {
    let mut r = Review::start(
        1,
        vec![
            plan("a", &[1], Rule::All, StartMode::AfterPrevious),
            plan("b", &[1, 2], Rule::All, StartMode::WithPrevious),
        ],
        t(0),
    )
    .unwrap();
    let records = r.decide(user(1), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(statuses(&r), vec![Approved, Active]);
}

#[test]
fn supersede_ends_an_open_review_and_restarts() {
    let mut r = Review::start(1, vec![plan("a", &[1, 2], Rule::All, StartMode::AfterPrevious)], t(0)).unwrap();
    r.decide(user(1), 1, Verdict::Approve, None, t(1)).unwrap();
    assert!(restarts_on_new_version(r.status));
    assert!(r.supersede());
    assert_eq!(r.status, ReviewStatus::Superseded);
    assert_eq!(statuses(&r), vec![Skipped]);
    assert!(matches!(r.decide(user(2), 1, Verdict::Approve, None, t(2)), Err(DomainError::ReviewClosed { .. })));
    assert!(restarts_on_new_version(ReviewStatus::ChangesRequested));
    assert!(!restarts_on_new_version(ReviewStatus::Approved));
}

#[test]
fn due_time_counts_from_activation() {
    let mut p = plan("a", &[1], Rule::All, StartMode::AfterPrevious);
    p.due_in_hours = Some(24);
    let mut second = plan("b", &[2], Rule::All, StartMode::AfterPrevious);
    second.due_in_hours = Some(2);
    let mut r = Review::start(1, vec![p, second], t(0)).unwrap();
    assert_eq!(r.due_at(0, &Calendar::default()), Some(t(24 * 3600)));
    assert_eq!(r.due_at(1, &Calendar::default()), None);
    r.decide(user(1), 1, Verdict::Approve, None, t(100)).unwrap();
    assert_eq!(r.due_at(1, &Calendar::default()), Some(t(100 + 7200)));
}

#[test]
fn groups_resolve_to_distinct_users_and_quorum_is_checked_then() {
    let g = user(100);
    let stages = vec![StageSpec {
        name: "legal".into(),
        approvers: vec![ApproverRef::User(user(1)), ApproverRef::Group(g)],
        rule: Rule::Quorum(3),
        start: StartMode::AfterPrevious,
        due_in_hours: None,
        due_in_business_hours: None,
        due_in_business_days: None,
        due_in_minutes: None,
        reminders: None,
        escalation: None,
    }];
    let plans = resolve_plan(&stages, |id| (id == g).then(|| vec![user(1), user(2), user(3)])).unwrap();
    assert_eq!(plans[0].approvers, vec![user(1), user(2), user(3)]);
    let too_few = resolve_plan(&stages, |id| (id == g).then(|| vec![user(1)]));
    assert_eq!(too_few.unwrap_err().code(), "invalid_workflow");
    assert!(resolve_plan(&stages, |_| None).is_err());
}

#[test]
fn replay_reproduces_the_live_state() {
    let plans = vec![
        plan("a", &[1, 2], Rule::Quorum(2), StartMode::AfterPrevious),
        plan("b", &[3], Rule::Any, StartMode::WithPrevious),
        plan("c", &[4], Rule::All, StartMode::AfterPrevious),
    ];
    let mut live = Review::start(3, plans.clone(), t(0)).unwrap();
    live.decide(user(3), 3, Verdict::Approve, None, t(1)).unwrap();
    live.decide(user(1), 3, Verdict::Approve, None, t(2)).unwrap();
    live.decide(user(2), 3, Verdict::ApproveWithChanges, Some("typo"), t(3)).unwrap();
    let replayed = Review::replay(3, plans, t(0), live.decisions.clone(), false).unwrap();
    assert_eq!(replayed, live);
    assert_eq!(statuses(&replayed), vec![Approved, Approved, Active]);
}

/// A tiny deterministic generator, so the property test needs no extra crate.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn property_random_decision_sequences_keep_the_invariants() {
    let mut rng = Lcg(7);
    for _ in 0..2000 {
        let stage_count = 1 + rng.next(4);
        let plans: Vec<StagePlan> = (0..stage_count)
            .map(|i| {
                let n = 1 + rng.next(3);
                let approvers: Vec<u128> = (0..n).map(|_| 1 + rng.next(4) as u128).fold(Vec::new(), |mut v, u| {
                    if !v.contains(&u) {
                        v.push(u);
                    }
                    v
                });
                let rule = match rng.next(3) {
                    0 => Rule::All,
                    1 => Rule::Any,
                    _ => Rule::Quorum(1 + rng.next(approvers.len()) as u32),
                };
                let start = if i > 0 && rng.next(2) == 0 { StartMode::WithPrevious } else { StartMode::AfterPrevious };
                plan(&format!("s{i}"), &approvers, rule, start)
            })
            .collect();
        let mut r = Review::start(1, plans.clone(), t(0)).unwrap();
        for step in 0..12 {
            let verdict = match rng.next(10) {
                0 => Verdict::ChangesRequested,
                1 => Verdict::Reject,
                2 => Verdict::ApproveWithChanges,
                _ => Verdict::Approve,
            };
            let before = r.clone();
            let result = r.decide(user(1 + rng.next(4) as u128), 1, verdict, Some("because"), t(step));
            if result.is_err() {
                assert_eq!(r, before, "a refused decision changes nothing");
            }
            // Invariants: open reviews have an active stage and nothing open after a close.
            let open = r.stages.iter().any(|s| matches!(s.status, Active | Pending));
            match r.status {
                ReviewStatus::InProgress => assert!(r.stages.iter().any(|s| s.status == Active)),
                ReviewStatus::Approved => assert!(r.stages.iter().all(|s| s.status == Approved)),
                _ => assert!(!open),
            }
            // Nobody decides twice on a stage.
            for (i, d) in r.decisions.iter().enumerate() {
                assert!(!r.decisions[..i].iter().any(|e| e.stage == d.stage && e.user_id == d.user_id));
                assert!(plans[d.stage].approvers.contains(&d.user_id));
            }
        }
        let replayed = Review::replay(1, plans, t(0), r.decisions.clone(), false).unwrap();
        assert_eq!(replayed, r);
    }
}

#[test]
fn deciding_again_after_closing_ones_own_stage_is_already_decided() {
    // One approver, rule any: their approval completes the stage and the next one starts.
    let mut r = Review::start(
        1,
        vec![
            plan("brand", &[1], Rule::Any, StartMode::AfterPrevious),
            plan("legal", &[2], Rule::All, StartMode::AfterPrevious),
        ],
        t(0),
    )
    .unwrap();
    r.decide(user(1), 1, Verdict::Approve, None, t(1)).unwrap();
    assert_eq!(r.decide(user(1), 1, Verdict::Approve, None, t(2)), Err(DomainError::AlreadyDecided));
    assert_eq!(r.decide(user(3), 1, Verdict::Approve, None, t(2)), Err(DomainError::NotAnApprover));
}
