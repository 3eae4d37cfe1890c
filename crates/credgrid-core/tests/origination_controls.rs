//! The controls around origination (issue 4): tier rules (R-ORIG-1),
//! collateral coverage and limits (R-PROD-4, R-ORIG-5), the hash-chained
//! audit trail (R-SEC-1), masking of personal data (R-SEC-4), maker-checker
//! for configuration, and the translation of every refusal.

use credgrid_core::audit::{
    Anchor, AuditEntry, AuditRecord, BreakKind, verify, verify_against_head, verify_from,
};
use credgrid_core::authz::maker_checker::{self, ConfigKind, MakerCheckerError};
use credgrid_core::authz::{Actor, Permission, PermissionMatrix, Role};
use credgrid_core::collateral::{
    Collateral, CollateralError, CollateralKind, Exposure, HaircutTable, LimitCheck, Limits, check_limits,
    counted_value, coverage,
};
use credgrid_core::i18n::{Locale, has_key, t};
use credgrid_core::masking::{
    Address, MaskingPolicy, PersonalData, mask_address, mask_address_text, mask_id_number, mask_phone, reveal,
};
use credgrid_core::money::{Currency, Money};
use credgrid_core::origination::{
    BorrowerKind, Capacity, Refusal, Step, Tier, TierError, TierInput, TierRules,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn cny(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::CNY)
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

// ---------------------------------------------------------------- tier rules

fn input(amount: i64, collateral: &[CollateralKind], grade: Option<&str>, line: Option<i64>) -> TierInput {
    TierInput {
        amount: cny(amount),
        product_code: "farmer_micro".into(),
        collateral: collateral.to_vec(),
        client_grade: grade.map(String::from),
        exposure: cny(0),
        borrower: BorrowerKind::Household,
        line_available: line.map(cny),
    }
}

#[test]
fn default_tier_rules_follow_the_documents() {
    // Source: SPEC R-RATE-2 (pure-credit lines up to 10,000), R-LINE-2
    // (10,000–100,000 under a guarantee), R-ORIG-1 (low = within a published line).
    use CollateralKind::*;
    let rules = TierRules::defaults(Currency::CNY);
    let table: [(TierInput, Tier, Option<&str>); 7] = [
        (
            input(8_000, &[None], Some("good"), Some(10_000)),
            Tier::Low,
            Some("low-published-line"),
        ),
        (
            input(10_000, &[], Some("excellent"), Some(10_000)),
            Tier::Low,
            Some("low-published-line"),
        ),
        (
            input(8_000, &[None], Some("good"), Some(5_000)),
            Tier::Medium,
            Some("medium-small-unlined"),
        ),
        (
            input(8_000, &[None], Option::None, Some(10_000)),
            Tier::Medium,
            Some("medium-small-unlined"),
        ),
        (
            input(50_000, &[Guarantor], Some("good"), Option::None),
            Tier::Medium,
            Some("medium-guaranteed"),
        ),
        (
            input(150_000, &[Mortgage], Some("good"), Option::None),
            Tier::High,
            Some("high-default"),
        ),
        (
            input(20_000, &[None], Some("excellent"), Some(30_000)),
            Tier::High,
            Some("high-default"),
        ),
    ];
    for (i, (case, tier, rule)) in table.into_iter().enumerate() {
        let decision = rules.decide(&case).unwrap();
        assert_eq!(
            (decision.tier, decision.rule.as_deref()),
            (tier, rule),
            "case {i}"
        );
    }
}

#[test]
fn exposure_and_borrower_kind_move_an_application_up() {
    let rules = TierRules::defaults(Currency::CNY);
    let mut case = input(50_000, &[CollateralKind::Guarantor], Some("good"), None);
    case.exposure = cny(60_000); // 110,000 after the loan > 100,000
    assert_eq!(rules.decide(&case).unwrap().tier, Tier::High);
    let mut business = input(5_000, &[CollateralKind::None], Some("excellent"), Some(10_000));
    business.borrower = BorrowerKind::Business;
    assert_eq!(rules.decide(&business).unwrap().tier, Tier::High);
}

#[test]
fn rules_are_ordered_and_configurable() {
    let mut rules = TierRules::defaults(Currency::CNY);
    let mut machinery = rules.rules[3].clone();
    machinery.name = "machinery-always-high".into();
    machinery.when.products = vec!["farm_machinery".into()];
    rules.rules.insert(0, machinery);
    let mut case = input(8_000, &[CollateralKind::None], Some("good"), Some(10_000));
    assert_eq!(rules.decide(&case).unwrap().tier, Tier::Low);
    case.product_code = "farm_machinery".into();
    let decision = rules.decide(&case).unwrap();
    assert_eq!(
        (decision.tier, decision.rule.as_deref()),
        (Tier::High, Some("machinery-always-high"))
    );
    // No rule at all: high, the safe default, with no rule named.
    let empty = TierRules { rules: Vec::new() };
    assert_eq!(empty.decide(&case).unwrap().rule, None);
    assert_eq!(empty.decide(&case).unwrap().tier, Tier::High);
}

#[test]
fn tier_rules_refuse_another_currency_and_negative_amounts() {
    let rules = TierRules::defaults(Currency::CNY);
    let mut case = input(8_000, &[CollateralKind::None], Some("good"), Some(10_000));
    case.amount = Money::from_minor(800_000, Currency::MXN);
    case.exposure = Money::zero(Currency::MXN);
    assert!(matches!(
        rules.decide(&case),
        Err(TierError::CurrencyMismatch { .. })
    ));
    let mut negative = input(8_000, &[], None, None);
    negative.amount = cny(-1);
    assert_eq!(
        rules.decide(&negative),
        Err(TierError::Negative { field: "amount" })
    );
}

// ---------------------------------------------------------------- collateral

#[test]
fn coverage_is_the_sum_of_values_after_haircuts_rounded_down() {
    // Hand computation: mortgage 100,000.00 × (1 − 0.30) = 70,000.00;
    // guarantor 30,000.01 × (1 − 0.50) = 15,000.005 → 15,000.00 (down);
    // deposit pledge 0.99 × 1 = 0.99. Sum 85,000.99.
    let items = [
        Collateral::new(CollateralKind::Mortgage, cny(100_000)),
        Collateral::new(
            CollateralKind::Guarantor,
            Money::from_minor(3_000_001, Currency::CNY),
        ),
        Collateral::new(
            CollateralKind::DepositPledge,
            Money::from_minor(99, Currency::CNY),
        ),
    ];
    let exposure = Exposure {
        loans_outstanding: cny(50_000),
        undrawn_lines: cny(20_000),
        guarantees_given: cny(10_000),
    };
    let total = exposure.total_with(cny(40_000)).unwrap();
    assert_eq!(total, cny(120_000));
    let cover = coverage(&items, &HaircutTable::default(), total).unwrap();
    assert_eq!(cover.counted_value, Money::from_minor(8_500_099, Currency::CNY));
    // 8,500,099 / 12,000,000 = 0.70834158… → 0.7083 (down, 4 places).
    assert_eq!(cover.ratio, Some(d("0.7083")));
    assert_eq!(
        coverage(&[], &HaircutTable::default(), cny(0)).unwrap().ratio,
        None
    );
}

#[test]
fn haircuts_are_configurable_per_kind_and_per_item() {
    let mut table = HaircutTable::default();
    assert_eq!(table.haircut(CollateralKind::WarehouseReceipt), d("0.40"));
    assert_eq!(table.haircut(CollateralKind::None), Decimal::ONE);
    table.set(CollateralKind::WarehouseReceipt, d("0.25")).unwrap();
    let receipt = Collateral::new(CollateralKind::WarehouseReceipt, cny(1_000));
    assert_eq!(
        coverage(std::slice::from_ref(&receipt), &table, cny(1_000))
            .unwrap()
            .counted_value,
        cny(750)
    );
    let special = Collateral {
        haircut_override: Some(d("0.9")),
        ..receipt
    };
    assert_eq!(
        coverage(&[special], &table, cny(1_000)).unwrap().counted_value,
        cny(100)
    );
    assert_eq!(
        table.set(CollateralKind::Equity, d("1.01")),
        Err(CollateralError::HaircutOutOfRange { haircut: d("1.01") })
    );
    let negative = Collateral::new(CollateralKind::Mortgage, cny(-5));
    assert_eq!(
        coverage(&[negative], &table, cny(1)),
        Err(CollateralError::NegativeValue { index: 0 })
    );
    let usd = Collateral::new(CollateralKind::Mortgage, Money::from_minor(5, Currency::USD));
    assert_eq!(
        coverage(&[usd], &table, cny(1)),
        Err(CollateralError::CurrencyMismatch)
    );
}

#[test]
fn limit_checks_return_the_precise_refusal() {
    let exposure = Exposure {
        loans_outstanding: cny(30_000),
        undrawn_lines: cny(0),
        guarantees_given: cny(5_000),
    };
    let mortgage = [Collateral::new(CollateralKind::Mortgage, cny(80_000))];
    let check = LimitCheck {
        amount: cny(70_000),
        exposure,
        collateral: &mortgage,
        pure_credit_line_available: None,
    };
    let haircuts = HaircutTable::default();
    let limits = Limits {
        single_client_max: Some(cny(100_000)),
        coverage_min: Some(d("0.5")),
    };
    let over = check_limits(&check, &haircuts, &limits).unwrap_err();
    assert_eq!(
        over,
        CollateralError::ExposureOverLimit {
            limit: cny(100_000),
            exposure: cny(105_000)
        }
    );
    assert_eq!(over.code(), "limit-exposure-over-limit");
    // 80,000 × 0.7 = 56,000 over 105,000 = 0.5333: passes 0.5, fails 0.6.
    let roomy = Limits {
        single_client_max: Some(cny(200_000)),
        coverage_min: Some(d("0.5")),
    };
    assert_eq!(
        check_limits(&check, &haircuts, &roomy).unwrap().ratio,
        Some(d("0.5333"))
    );
    let strict = Limits {
        coverage_min: Some(d("0.6")),
        ..roomy.clone()
    };
    assert_eq!(
        check_limits(&check, &haircuts, &strict),
        Err(CollateralError::CoverageBelowMinimum {
            required: d("0.6"),
            actual: d("0.5333")
        })
    );
    let pure = [Collateral::new(CollateralKind::None, cny(0))];
    let unsecured = LimitCheck {
        amount: cny(8_000),
        collateral: &pure,
        pure_credit_line_available: Some(cny(5_000)),
        ..check
    };
    assert_eq!(
        check_limits(&unsecured, &haircuts, &roomy),
        Err(CollateralError::PureCreditOverLine {
            line: cny(5_000),
            amount: cny(8_000)
        })
    );
    let within = LimitCheck {
        pure_credit_line_available: Some(cny(8_000)),
        ..unsecured
    };
    assert!(
        check_limits(&within, &haircuts, &roomy).is_ok(),
        "pure credit skips the coverage minimum"
    );
    let negative = Exposure {
        undrawn_lines: cny(-1),
        ..exposure
    };
    assert_eq!(
        negative.total(),
        Err(CollateralError::NegativeExposure {
            field: "undrawn_lines"
        })
    );
}

proptest! {
    #[test]
    fn counted_value_never_exceeds_the_value(minor in 0_i64..=1_000_000_000_000, bps in 0_u32..=10_000) {
        let haircut = Decimal::new(i64::from(bps), 4);
        let value = Money::from_minor(minor, Currency::CNY);
        let counted = counted_value(value, haircut).unwrap();
        prop_assert!(counted.minor() >= 0 && counted.minor() <= minor);
        // Rounded down: at most one minor unit below the exact product.
        let exact = Decimal::from(minor) * (Decimal::ONE - haircut);
        prop_assert!(Decimal::from(counted.minor()) <= exact);
        prop_assert!(exact - Decimal::from(counted.minor()) < Decimal::ONE);
    }
}

// ---------------------------------------------------------------- audit

fn chain(n: u64) -> Vec<AuditRecord> {
    let mut head = Anchor::genesis();
    let mut out = Vec::new();
    for i in 1..=n {
        let entry = AuditEntry {
            at: format!("2026-11-23T09:{i:02}:00Z"),
            actor: format!("user:{i}"),
            action: "loan.approve".into(),
            entity: "loan".into(),
            entity_id: format!("{}", 100 + i),
            before: Some(r#"{"status":"pending"}"#.into()),
            after: Some(r#"{"status":"approved"}"#.into()),
            reason: if i % 2 == 0 { Some("in order".into()) } else { None },
        };
        let record = AuditRecord::next(&head, entry);
        head = record.anchor();
        out.push(record);
    }
    out
}

type Edit = fn(&mut AuditRecord);

fn broken(records: &[AuditRecord]) -> (u64, BreakKind) {
    let b = verify(records).expect_err("tampering must be detected");
    (b.seq, b.kind)
}

#[test]
fn an_intact_chain_verifies_to_its_head() {
    let records = chain(5);
    let head = verify(&records).unwrap();
    assert_eq!(head, records[4].anchor());
    assert_eq!(records[0].prev_hash, Anchor::genesis().hash);
    assert_eq!(records[0].hash.len(), 64);
    assert_eq!(verify(&[]).unwrap(), Anchor::genesis());
    // Verified in two segments, the second from the first's head.
    let first = verify(&records[..2]).unwrap();
    assert_eq!(verify_from(&first, &records[2..]).unwrap(), head);
}

#[test]
fn editing_any_field_is_detected_at_that_row() {
    // The break names the row by its stored seq (9 once seq itself is edited).
    let edits: [(Edit, u64); 6] = [
        (|r| r.after = Some(r#"{"status":"rejected"}"#.into()), 4),
        (|r| r.actor = "user:99".into(), 4),
        (|r| r.at = "2026-11-23T08:00:00Z".into(), 4),
        (|r| r.reason = None, 4),
        (|r| r.before = Some(String::new()), 4),
        (|r| r.seq = 9, 9),
    ];
    for (edit, seq) in edits {
        let mut records = chain(5);
        edit(&mut records[3]);
        assert_eq!(broken(&records), (seq, BreakKind::Edited));
    }
}

#[test]
fn deleting_a_row_is_detected_and_named() {
    let mut records = chain(5);
    records.remove(2);
    assert_eq!(broken(&records), (3, BreakKind::Deleted { from: 3, to: 3 }));
    let mut first_gone = chain(3);
    first_gone.remove(0);
    assert_eq!(broken(&first_gone), (1, BreakKind::Deleted { from: 1, to: 1 }));
}

#[test]
fn swapping_and_inserting_rows_are_detected() {
    let mut swapped = chain(5);
    swapped.swap(1, 2);
    assert_eq!(broken(&swapped), (3, BreakKind::OutOfOrder));
    // A copy of row 2 (valid in itself) inserted after row 3.
    let mut duplicated = chain(5);
    let copy = duplicated[1].clone();
    duplicated.insert(3, copy);
    assert_eq!(broken(&duplicated), (2, BreakKind::InsertedOutOfOrder));
    // A forged row 3, correctly hashed and linked, pushes the old row 3 to
    // seq 4 without re-hashing it: that row no longer matches its hash.
    let mut forged = chain(5);
    let entry = AuditEntry {
        at: "2026-11-23T09:02:30Z".into(),
        actor: "user:7".into(),
        action: "loan.write_off".into(),
        entity: "loan".into(),
        entity_id: "55".into(),
        before: None,
        after: None,
        reason: Some("forged".into()),
    };
    forged.insert(2, AuditRecord::next(&forged[1].anchor(), entry));
    for r in forged.iter_mut().skip(3) {
        r.seq += 1;
    }
    assert_eq!(broken(&forged), (4, BreakKind::Edited));
}

#[test]
fn an_edited_and_rehashed_row_breaks_the_next_link() {
    let mut records = chain(5);
    records[2].reason = Some("changed".into());
    records[2].hash = records[2].compute_hash();
    assert_eq!(broken(&records), (4, BreakKind::BrokenLink));
}

#[test]
fn a_kept_head_catches_a_removed_tail_and_a_rewrite() {
    let records = chain(5);
    let kept = records[4].anchor();
    assert_eq!(verify_against_head(&records, &kept).unwrap(), kept);
    let truncated = &records[..3];
    assert!(
        verify(truncated).is_ok(),
        "the chain alone cannot see a removed tail"
    );
    let b = verify_against_head(truncated, &kept).unwrap_err();
    assert_eq!((b.seq, b.kind), (4, BreakKind::Deleted { from: 4, to: 5 }));
    // The whole chain rebuilt from row 3 with recomputed hashes.
    let mut rebuilt: Vec<AuditRecord> = records[..2].to_vec();
    for r in &records[2..] {
        let mut entry_source = r.clone();
        entry_source.reason = Some("rewritten".into());
        let entry = AuditEntry {
            at: entry_source.at,
            actor: entry_source.actor,
            action: entry_source.action,
            entity: entry_source.entity,
            entity_id: entry_source.entity_id,
            before: entry_source.before,
            after: entry_source.after,
            reason: entry_source.reason,
        };
        let next = AuditRecord::next(&rebuilt.last().unwrap().anchor(), entry);
        rebuilt.push(next);
    }
    assert!(verify(&rebuilt).is_ok());
    let b = verify_against_head(&rebuilt, &kept).unwrap_err();
    assert_eq!((b.seq, b.kind.name()), (5, "head_mismatch"));
    assert_eq!(b.code(), "audit-head-mismatch");
}

#[test]
fn the_encoding_separates_fields_and_absent_from_empty() {
    let base = chain(1).remove(0);
    let shifted = AuditRecord {
        entity: "loa".into(),
        entity_id: format!("n{}", base.entity_id),
        ..base.clone()
    };
    assert_ne!(shifted.compute_hash(), base.compute_hash());
    let absent = AuditRecord {
        reason: None,
        ..base.clone()
    };
    let empty = AuditRecord {
        reason: Some(String::new()),
        ..base
    };
    assert_ne!(absent.compute_hash(), empty.compute_hash());
}

// ---------------------------------------------------------------- masking

#[test]
fn personal_data_is_masked_as_documented() {
    assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    assert_eq!(mask_id_number(" 11010519491231002x "), "110105********002x");
    assert_eq!(mask_id_number("X1234567"), "X1****67");
    assert_eq!(mask_id_number("123"), "***");
    assert_eq!(mask_phone("13800000000"), "138****0000");
    // Separators stay; the country code counts among the first three digits.
    assert_eq!(mask_phone("+86 138-1234-5678"), "+86 1**-****-5678");
    assert_eq!(mask_phone("555-1234"), "***-1234");
    assert_eq!(mask_phone("12345"), "*****");
    assert_eq!(
        mask_address_text("河北省保定市阜平县龙泉关镇黑崖沟村3组12号"),
        "河北省保定市阜平县龙泉关镇黑崖沟村****"
    );
    assert_eq!(
        mask_address_text("Calle Hidalgo 12, San Pedro, Oaxaca"),
        "****, San Pedro, Oaxaca"
    );
    assert_eq!(mask_address_text("12 Hidalgo"), "****");
    let address = Address {
        province: "河北省".into(),
        county: "阜平县".into(),
        township: "龙泉关镇".into(),
        village: "黑崖沟村".into(),
        detail: "3组12号".into(),
    };
    let masked = mask_address(&address);
    assert_eq!(
        (
            masked.county.as_str(),
            masked.village.as_str(),
            masked.detail.as_str()
        ),
        ("阜平县", "黑崖沟村", "****")
    );
}

#[test]
fn full_values_only_for_the_configured_roles_and_flagged_for_logging() {
    let mut policy = MaskingPolicy::default();
    let id = "11010519491231002X";
    let teller = reveal(&policy, &[Role::Teller], PersonalData::IdNumber, id);
    assert_eq!((teller.text.as_str(), teller.unmasked), (id, true));
    for role in [Role::Auditor, Role::Regulator, Role::Approver] {
        let shown = reveal(&policy, &[role], PersonalData::IdNumber, id);
        assert_eq!(
            (shown.text.as_str(), shown.unmasked),
            ("110105********002X", false),
            "{role}"
        );
    }
    assert!(reveal(&policy, &[Role::Collector], PersonalData::Phone, "13800000000").unmasked);
    policy.deny(PersonalData::Phone, Role::Collector);
    assert_eq!(
        reveal(&policy, &[Role::Collector], PersonalData::Phone, "13800000000").text,
        "138****0000"
    );
    policy.allow(PersonalData::IdNumber, Role::Auditor);
    assert!(reveal(&policy, &[Role::Auditor], PersonalData::IdNumber, id).unmasked);
    assert!(
        !reveal(
            &MaskingPolicy::mask_all(),
            &[Role::Teller],
            PersonalData::IdNumber,
            id
        )
        .unmasked
    );
}

// ---------------------------------------------------------------- maker-checker

#[test]
fn a_configuration_change_needs_a_second_authorised_user() {
    let matrix = PermissionMatrix::default();
    let maker = Actor::new(1, &[Role::BranchManager], &[1, 2]);
    let change = maker_checker::propose(
        &matrix,
        7,
        ConfigKind::Limits,
        &maker,
        "{\"single_client_max\":\"100000\"}",
    )
    .unwrap();
    assert_eq!(
        maker_checker::approve(&matrix, &change, &maker),
        Err(MakerCheckerError::MakerIsChecker)
    );
    let auditor = Actor::new(2, &[Role::Auditor], &[1]);
    assert_eq!(
        maker_checker::approve(&matrix, &change, &auditor),
        Err(MakerCheckerError::NotPermitted {
            permission: Permission::ConfigApprove
        })
    );
    let checker = Actor::new(3, &[Role::Administrator], &[1]);
    let approved = maker_checker::approve(&matrix, &change, &checker).unwrap();
    assert_eq!(approved.status.name(), "approved");
    assert_eq!(approved.payload, change.payload);
    assert_eq!(MakerCheckerError::MakerIsChecker.code(), "sod-maker-is-checker");
}

// ---------------------------------------------------------------- translations

fn sample_refusals() -> Vec<Refusal> {
    vec![
        Refusal::WorkflowClosed { status: "rejected" },
        Refusal::NotCurrentStep {
            current: Step::Review,
            requested: Step::Approval,
        },
        Refusal::WrongCapacity {
            step: Step::ContractReview,
            capacity: None,
        },
        Refusal::RoleNotAllowed {
            step: Step::Review,
            capacity: Capacity::Sole,
            allowed: vec![Role::Reviewer],
        },
        Refusal::OutOfScope,
        Refusal::OwnApplication,
        Refusal::RelativeApplication,
        Refusal::SameActorTwoSteps {
            earlier: Step::Application,
        },
        Refusal::SameLeadAndAssist,
        Refusal::SameSignerTwice {
            step: Step::ContractReview,
        },
        Refusal::AlreadySigned {
            capacity: Capacity::Lead,
        },
        Refusal::AlreadyVoted,
        Refusal::DecisionNotAllowed { decision: "abstain" },
        Refusal::ReasonRequired,
        Refusal::InvalidSendBack {
            to: Step::Disbursement,
        },
        Refusal::MissingDocuments {
            missing: vec!["loan_contract".into()],
        },
        Refusal::NoAuthority,
        Refusal::OverCeiling {
            ceiling: cny(100_000),
            amount: cny(150_000),
        },
        Refusal::ExposureNotChecked,
        Refusal::NotCommitteeStep,
        Refusal::NoQuorum {
            votes: 4,
            required: 5,
        },
    ]
}

#[test]
fn every_refusal_has_a_unique_code_and_a_text_in_every_language() {
    let refusals = sample_refusals();
    let mut codes: Vec<&str> = refusals.iter().map(Refusal::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), refusals.len(), "codes must be unique");
    let mut keys: Vec<String> = refusals.iter().map(Refusal::key).collect();
    keys.push(MakerCheckerError::MakerIsChecker.key());
    keys.push(MakerCheckerError::NotPending { status: "approved" }.key());
    keys.push(
        CollateralError::ExposureOverLimit {
            limit: cny(1),
            exposure: cny(2),
        }
        .key(),
    );
    keys.push(
        CollateralError::PureCreditOverLine {
            line: cny(1),
            amount: cny(2),
        }
        .key(),
    );
    keys.push(
        CollateralError::CoverageBelowMinimum {
            required: d("1"),
            actual: d("0"),
        }
        .key(),
    );
    for kind in [
        BreakKind::Edited,
        BreakKind::OutOfOrder,
        BreakKind::BrokenLink,
        BreakKind::InsertedOutOfOrder,
    ] {
        keys.push(credgrid_core::audit::AuditBreak { seq: 1, kind }.key());
    }
    keys.extend(Step::ALL.iter().map(|s| s.key()));
    keys.extend(Role::ALL.iter().map(|r| r.key()));
    for key in &keys {
        for locale in Locale::ALL {
            assert!(has_key(locale, key), "{key} missing in {}", locale.tag());
        }
    }
    let over = Refusal::OverCeiling {
        ceiling: cny(100_000),
        amount: cny(150_000),
    };
    let args: Vec<(&str, String)> = over.args();
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let zh = t(Locale::Zh, &over.key(), &borrowed);
    assert!(
        zh.contains("150000.00 CNY") && zh.contains("100000.00 CNY"),
        "{zh}"
    );
}

proptest! {
    /// Any single tampering with a row of a chain — an edit of any field, a
    /// deletion of any row but the last, a swap of two rows, a duplicated
    /// row — is detected; a deleted last row is caught against the kept head.
    #[test]
    fn any_single_tampering_is_detected(n in 2_u64..30, row in 0_usize..30, other in 0_usize..30, how in 0_u8..9) {
        let mut records = chain(n);
        let kept = records.last().unwrap().anchor();
        let len = records.len();
        let (row, other) = (row % len, other % len);
        match how {
            0 => records[row].at.push('x'),
            1 => records[row].actor.push('x'),
            2 => records[row].action.push('x'),
            3 => records[row].entity_id.push('x'),
            4 => records[row].after = None,
            5 => records[row].reason = Some("tampered".into()),
            6 => {
                records.remove(row);
            }
            7 => {
                prop_assume!(records[row].seq != records[other].seq);
                records.swap(row, other);
            }
            _ => {
                let copy = records[row].clone();
                records.insert(other, copy);
            }
        }
        prop_assert!(verify_against_head(&records, &kept).is_err());
        if how != 6 || row + 1 != len {
            prop_assert!(verify(&records).is_err());
        }
    }
}
