//! Benchmarks of the origination controls: building and verifying the audit
//! hash chain (what `credgrid audit verify` will do over the whole table)
//! and running low-tier workflows end to end.
//!
//! Run: `cargo bench -p credgrid-core --bench origination`.

use chrono::{TimeZone, Utc};
use credgrid_core::audit::{Anchor, AuditEntry, AuditRecord, verify};
use credgrid_core::authz::{Actor, Role};
use credgrid_core::money::{Currency, Money};
use credgrid_core::origination::{
    Act, ApplicationFacts, Ceilings, CommitteeRule, Decision, Process, Tier, Workflow,
};
use std::hint::black_box;
use std::time::Instant;

const RECORDS: u64 = 200_000;
const WORKFLOWS: i64 = 50_000;

fn entry(i: u64) -> AuditEntry {
    AuditEntry {
        at: format!("2026-11-23T09:00:{:02}Z", i % 60),
        actor: format!("user:{}", i % 97),
        action: "loan.approve".into(),
        entity: "loan".into(),
        entity_id: i.to_string(),
        before: Some(r#"{"status":"pending","principal_minor":800000}"#.into()),
        after: Some(r#"{"status":"approved","principal_minor":800000}"#.into()),
        reason: Some("within the published line".into()),
    }
}

fn bench_audit() {
    let started = Instant::now();
    let mut head = Anchor::genesis();
    let mut records = Vec::with_capacity(RECORDS as usize);
    for i in 0..RECORDS {
        let record = AuditRecord::next(&head, entry(i));
        head = record.anchor();
        records.push(record);
    }
    let built = started.elapsed();
    let started = Instant::now();
    let verified = black_box(verify(black_box(&records))).expect("intact chain");
    let checked = started.elapsed();
    assert_eq!(verified.seq, RECORDS);
    let rate = |d: std::time::Duration| RECORDS as u128 * 1_000_000 / d.as_micros().max(1);
    println!(
        "audit append: {RECORDS} records in {built:?} ({} records/s)",
        rate(built)
    );
    println!(
        "audit verify: {RECORDS} records in {checked:?} ({} records/s)",
        rate(checked)
    );
}

fn bench_workflow() {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let outlet = [1, 2, 3];
    let staff = [
        Actor::new(1, &[Role::GridWorker], &outlet),
        Actor::new(2, &[Role::AccountManager], &outlet),
        Actor::new(3, &[Role::Approver], &outlet),
        Actor::new(4, &[Role::Teller], &outlet),
    ];
    let process = Process::default_for(Tier::Low, false, &[Tier::High]);
    let started = Instant::now();
    for id in 0..WORKFLOWS {
        let facts = ApplicationFacts {
            application_id: id,
            amount: Money::from_minor(800_000, Currency::CNY),
            node_path: outlet.to_vec(),
            applicant_staff_user: Some(99),
            relatives: vec![98, 97],
        };
        let mut w = Workflow::new(
            facts,
            process.clone(),
            CommitteeRule::default(),
            Ceilings::defaults(Currency::CNY),
        );
        for (spec, actor) in process.steps.iter().zip(&staff) {
            let mut act = Act::new(spec.step, Decision::Approve, at);
            act.documents_seen = spec.documents_required.clone();
            black_box(w.act(actor, act)).expect("happy path");
        }
        assert_eq!(w.status().name(), "finished");
    }
    let elapsed = started.elapsed();
    let acts = WORKFLOWS as u128 * 4;
    println!(
        "workflow: {WORKFLOWS} low-tier applications ({acts} acts) in {elapsed:?} ({} acts/s)",
        acts * 1_000_000 / elapsed.as_micros().max(1)
    );
}

fn main() {
    bench_audit();
    bench_workflow();
}
