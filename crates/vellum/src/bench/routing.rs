//! Routing rules evaluated per asset, for rule sets of 10, 100 and 1,000 rules where only the
//! last matches (every rule is evaluated), next to reading the asset alone (the use case's
//! access check and row read) in the same run. Also the whole dry run (`explain_routing`),
//! which loads and checks the rule set before evaluating it, as starting a routed review does.

use std::{sync::Arc, time::Instant};

use serde_json::json;
use vellum_core::routing::ExplainSubject;
use vellum_domain::{
    condition::Subject,
    fields::MetadataSchema,
    routing::{Context, RuleSet, RuleSetSpec, RuleSpec},
    workflow::ApproverRef,
};

fn micros(total: std::time::Duration, n: u32) -> f64 {
    total.as_secs_f64() * 1e6 / f64::from(n)
}

/// `n` rules: `n - 1` that fail only at their last test, then one that matches.
fn rules(n: usize, workflow: vellum_domain::Id) -> RuleSetSpec {
    let mut rules: Vec<RuleSpec> = (0..n.saturating_sub(1))
        .map(|i| RuleSpec {
            name: format!("Rule {i}"),
            when: json!({"all": [
                {"field": "kind", "op": "in", "value": ["visual", "video", "written"]},
                {"field": "metadata.custom.risk", "op": "in", "value": ["high", "medium"]},
                {"field": "metadata.channels", "op": "contains", "value": "social"},
                {"field": "metadata.custom.score", "op": "gt", "value": 1_000_000 + i}
            ]}),
            workflow_id: workflow,
            add_stages: vec![],
            add_approvers: vec![],
        })
        .collect();
    rules.push(RuleSpec {
        name: "Everything else".into(),
        when: json!({"field": "kind", "op": "exists"}),
        workflow_id: workflow,
        add_stages: vec![],
        add_approvers: vec![],
    });
    RuleSetSpec { rules }
}

pub async fn run(iterations: u32) -> Result<(), String> {
    let metadata = json!({"channels": ["social", "print"], "language": "en", "custom": {"risk": "low", "score": 5}});
    let clock = Arc::new(vellum_core::clock::SystemClock);
    // The schema comes after the asset: its values are checked when the schema is saved.
    let world = super::setup::world(clock, None, Some(metadata.to_string())).await?;
    let (core, actor, wf, asset) = (&world.core, &world.actor, &world.workflow, &world.asset);
    let e = |e: vellum_core::Error| e.to_string();
    let schema: MetadataSchema = serde_json::from_value(json!({"fields": [
        {"key": "risk", "label": "Risk", "type": "enum", "values": ["low", "medium", "high"]},
        {"key": "score", "label": "Score", "type": "number"}
    ]}))
    .map_err(|e| e.to_string())?;
    core.put_metadata_schema(actor, "bench", schema.clone()).await.map_err(e)?;

    println!("routing: µs per asset, {iterations} iterations each; only the last rule matches");
    println!("  {:>6}  {:>14}  {:>14}  {:>14}", "rules", "read asset", "evaluate", "dry run (all)");
    for n in [10usize, 100, 1000] {
        let spec = rules(n, wf.id);
        core.put_routing_rules(actor, "bench", spec.clone()).await.map_err(e)?;
        let stages = wf.stages.clone();
        let workflow = |_| Some(stages.clone());
        let approver_ok = |_: &ApproverRef| true;
        let set = RuleSet::parse(spec, &Context { schema: &schema, workflow: &workflow, approver_ok: &approver_ok })
            .map_err(|e| e.message)?;

        let t = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(core.asset(actor, asset.id).await.map_err(e)?);
        }
        let read = micros(t.elapsed(), iterations);

        let subject = Subject::asset(asset.kind, &asset.title, &asset.metadata);
        let t = Instant::now();
        for _ in 0..iterations {
            let routed = set.route(std::hint::black_box(&subject));
            if routed.matched.as_ref().map(|m| m.index) != Some(n - 1) {
                return Err("the last rule should match".into());
            }
        }
        let eval = micros(t.elapsed(), iterations);

        let runs = (iterations / 10).max(10);
        let t = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(
                core.explain_routing(actor, "bench", ExplainSubject::Asset(asset.id)).await.map_err(e)?,
            );
        }
        let dry = micros(t.elapsed(), runs);
        println!(
            "  {n:>6}  {read:>11.1} µs  {eval:>11.1} µs  {dry:>11.1} µs   (evaluate = {:.2}× the read)",
            eval / read
        );
    }
    Ok(())
}
