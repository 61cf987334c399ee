use std::collections::BTreeMap;

use super::*;

fn fields(seq: i64, action: &str) -> AuditFields {
    AuditFields {
        seq,
        id: format!("id{seq}"),
        at: format!("2026-01-01T00:00:{:02}.000000Z", seq % 60),
        actor_id: Some("u".into()),
        action: action.into(),
        object_type: "asset".into(),
        object_id: Some("a".into()),
        version: Some(1),
        before: None,
        after: Some("{}".into()),
        ip: Some("127.0.0.1".into()),
        request_id: Some("r".into()),
        asset_id: (seq % 2 == 0).then(|| "a".to_string()),
        token_id: None,
    }
}

/// Chains `fields` the way the store does (and the way an attacker recomputes them).
fn link(all: Vec<AuditFields>, key: Option<&AuditKey>) -> Vec<StoredEvent> {
    let mut prev = GENESIS.to_string();
    all.into_iter()
        .enumerate()
        .map(|(i, mut f)| {
            f.seq = i as i64 + 1;
            let hash = event_hash(&prev, &f);
            let tag = key.map(|k| k.tag(&hash));
            let e = StoredEvent { fields: f, prev_hash: prev.clone(), hash: hash.clone(), tag };
            prev = hash;
            e
        })
        .collect()
}

fn actions(n: i64) -> Vec<AuditFields> {
    (1..=n).map(|s| fields(s, if s % 3 == 0 { "review.decide" } else { "asset.create" })).collect()
}

fn head(c: &[StoredEvent]) -> Option<(i64, &str)> {
    c.last().map(|e| (e.fields.seq, e.hash.as_str()))
}

fn checkpoint_of(chains: &[(&str, &[StoredEvent])]) -> Checkpoints {
    let mut map = BTreeMap::new();
    for (name, c) in chains {
        if let Some(e) = c.last() {
            map.insert(name.to_string(), ChainHead { seq: e.fields.seq, head_hash: e.hash.clone() });
        }
    }
    let mut cps = Checkpoints::default();
    cps.add(&Checkpoint { at: "2026-01-01T00:01:00.000000Z".into(), chains: map });
    cps
}

fn walk(c: &[StoredEvent], cps: &Checkpoints, key: Option<&AuditKey>, h: Option<(i64, &str)>) -> ChainReport {
    let mut v = cps.verifier("w", key);
    for e in c {
        v.push(e);
    }
    v.finish(h)
}

fn first_bad(r: &ChainReport) -> i64 {
    match &r.problem {
        Some(Problem::Bad { first_bad_seq, .. }) => *first_bad_seq,
        other => panic!("expected a bad event, got {other:?}"),
    }
}

fn missing(r: &ChainReport) -> (i64, i64) {
    match &r.problem {
        Some(Problem::Missing { missing, .. }) => (missing.from, missing.to),
        other => panic!("expected a missing range, got {other:?}"),
    }
}

#[test]
fn an_untouched_chain_verifies_and_is_anchored() {
    let key = AuditKey::from_seed([9; 32]);
    let c = link(actions(5), Some(&key));
    let cps = checkpoint_of(&[("w", &c)]);
    let r = walk(&c, &cps, Some(&key), head(&c));
    assert!(r.ok(), "{:?}", r.problem);
    assert_eq!(r.events, 5);
    assert_eq!(r.anchored.map(|a| a.0), Some(5));
    assert!(walk(&[], &Checkpoints::default(), None, None).ok());
}

#[test]
fn asset_ids_are_covered_by_the_hash_but_absent_ones_keep_old_hashes() {
    let mut f = fields(1, "asset.create");
    f.asset_id = None;
    let without = event_hash(GENESIS, &f);
    f.asset_id = Some("a".into());
    assert_ne!(event_hash(GENESIS, &f), without);
    f.asset_id = Some("b".into());
    let b = event_hash(GENESIS, &f);
    f.asset_id = Some("a".into());
    assert_ne!(event_hash(GENESIS, &f), b);
}

#[test]
fn token_ids_are_covered_and_never_read_as_an_asset() {
    let mut f = fields(1, "comment.create");
    f.asset_id = None;
    let plain = event_hash(GENESIS, &f);
    f.token_id = Some("t".into());
    let with_token = event_hash(GENESIS, &f);
    assert_ne!(with_token, plain);
    // The same text as an asset id must not hash alike: the token sits in a slot of its own.
    f.token_id = None;
    f.asset_id = Some("t".into());
    assert_ne!(event_hash(GENESIS, &f), with_token);
    f.token_id = Some("u".into());
    let both = event_hash(GENESIS, &f);
    f.token_id = Some("v".into());
    assert_ne!(event_hash(GENESIS, &f), both);
}

#[test]
fn plain_edits_deletes_inserts_and_reorders_are_named() {
    let good = link(actions(5), None);
    let h = head(&good);
    let none = Checkpoints::default();

    let mut edited = good.clone();
    edited[2].fields.action = "asset.delete".into();
    assert_eq!(first_bad(&walk(&edited, &none, None, h)), 3);

    let mut deleted = good.clone();
    deleted.remove(1);
    assert_eq!(missing(&walk(&deleted, &none, None, h)), (2, 2));

    let mut inserted = good.clone();
    let mut extra = good[1].clone();
    extra.fields.id = "forged".into();
    inserted.insert(2, extra);
    assert_eq!(first_bad(&walk(&inserted, &none, None, h)), 3);

    let mut reordered = good.clone();
    let (a, b) = (reordered[1].fields.seq, reordered[3].fields.seq);
    reordered[1].fields.seq = b;
    reordered[3].fields.seq = a;
    reordered.swap(1, 3);
    assert_eq!(first_bad(&walk(&reordered, &none, None, h)), 2);

    assert_eq!(missing(&walk(&good[..4], &none, None, h)), (5, 5));
}

/// The five attacks of someone who can write the database and recompute every hash, on
/// events a checkpoint covers: caught with the key (exact event) and with only the public
/// checkpoint (the range since the last matching checkpoint).
#[test]
fn recomputed_chains_are_caught_by_tags_and_checkpoints() {
    let key = AuditKey::from_seed([5; 32]);
    let original = actions(9);
    let good = link(original.clone(), Some(&key));
    let cps = checkpoint_of(&[("w", &good)]);

    // 1. Edit event 4 and recompute the chain (and the head) without the key.
    let mut edited = original.clone();
    edited[3].after = Some("{\"decision\":\"approve\"}".into());
    let forged = link(edited, None);
    let forged = keep_tags(&good, forged);
    assert_eq!(first_bad(&walk(&forged, &cps, Some(&key), head(&forged))), 4);
    assert_eq!(first_bad(&walk(&forged, &cps, None, head(&forged))), 1);

    // 2. Delete the last three events and move the head back.
    let cut = good[..6].to_vec();
    assert_eq!(missing(&walk(&cut, &cps, Some(&key), head(&cut))), (7, 9));
    assert_eq!(missing(&walk(&cut, &cps, None, head(&cut))), (7, 9));

    // 3. Delete every decision and recompute.
    let kept: Vec<AuditFields> = original.iter().filter(|f| f.action != "review.decide").cloned().collect();
    let forged = keep_tags(&good, link(kept, None));
    assert_eq!(first_bad(&walk(&forged, &cps, Some(&key), head(&forged))), 3);
    let r = walk(&forged, &cps, None, head(&forged));
    assert_eq!(missing(&r), (7, 9), "{r:?}");

    // 4. Drop the whole chain: the checkpoint still names it.
    assert!(cps.chains().any(|c| c == "w"));
    assert_eq!(missing(&walk(&[], &cps, Some(&key), None)), (1, 9));

    // 5. A forged tag made with another key.
    let other = AuditKey::from_seed([6; 32]);
    let mut retagged = good.clone();
    retagged[4].tag = Some(other.tag(&retagged[4].hash));
    assert_eq!(first_bad(&walk(&retagged, &cps, Some(&key), head(&retagged))), 5);
    let mut untagged = good.clone();
    untagged[0].tag = None;
    assert_eq!(first_bad(&walk(&untagged, &cps, Some(&key), head(&untagged))), 1);
}

/// An attacker copies the stored tags over unchanged (they cannot compute new ones).
fn keep_tags(good: &[StoredEvent], mut forged: Vec<StoredEvent>) -> Vec<StoredEvent> {
    for (f, g) in forged.iter_mut().zip(good) {
        f.tag = g.tag.clone();
    }
    forged
}

#[test]
fn events_after_the_latest_checkpoint_rely_on_the_chain_alone() {
    let key = AuditKey::from_seed([5; 32]);
    let good = link(actions(6), Some(&key));
    let cps = checkpoint_of(&[("w", &good[..4])]);
    let r = walk(&good, &cps, Some(&key), head(&good));
    assert!(r.ok());
    assert_eq!(r.anchored.map(|a| a.0), Some(4));
    // Cutting after the checkpoint is only caught through the recorded head.
    assert!(walk(&good[..5], &cps, Some(&key), head(&good[..5])).ok());
}
