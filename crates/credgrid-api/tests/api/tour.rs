//! The happy path a loan officer walks, and the money rules a user relies on:
//! node → client → product → loan → approve → disburse → repay → balances →
//! trial balance balances; reversal, fees, write-off and recovery; repayment
//! on a closed, rejected or unknown loan is refused. Every response is checked
//! against its schema in the OpenAPI document.

use crate::helpers::{TestApp, World};
use serde_json::{Value, json};

/// Minor units of a two-digit amount string ("5000.00" → 500000).
fn minor(text: &Value) -> i64 {
    let s = text.as_str().unwrap_or_else(|| panic!("not an amount: {text}"));
    let (whole, frac) = s.split_once('.').unwrap_or_else(|| panic!("not two digits: {s}"));
    assert_eq!(frac.len(), 2, "{s} must have exactly the currency's two digits");
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    sign * (whole.trim_start_matches('-').parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap())
}

fn sum(items: &Value, field: &str) -> i64 {
    items.as_array().unwrap().iter().map(|i| minor(&i[field])).sum()
}

#[tokio::test]
async fn a_loan_from_application_to_balanced_books() {
    let app = TestApp::new("tour");
    let health = app.get("/api/v1/health").await;
    app.conforms("Health", health.ok("health"));
    let date = app.get("/api/v1/business-date").await;
    app.conforms("BusinessDate", date.ok("business date"));
    assert_eq!(date.body["business_date"], "2026-01-05");

    let world = app.build_world().await;
    let nodes = app.get("/api/v1/nodes").await;
    app.conforms("NodePage", nodes.ok("nodes"));
    let outlet = nodes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == world.outlet_id)
        .unwrap()
        .clone();
    assert_eq!(
        (&outlet["parent_id"], &outlet["kind"]),
        (&json!(world.branch_id), &json!("outlet"))
    );
    let client = app.get(&format!("/api/v1/clients/{}", world.client_id)).await;
    app.conforms("Client", client.ok("client"));
    assert_eq!(client.body["outlet_id"], world.outlet_id);
    let found = app.get("/api/v1/clients?q=Li%20Wei&limit=10").await;
    app.conforms("ClientPage", found.ok("search"));
    assert!(
        found.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == world.client_id)
    );

    let product = app.get(&format!("/api/v1/products/{}", world.product_id)).await;
    app.conforms("Product", product.ok("product"));
    assert_eq!(
        (&product.body["amount_min"], &product.body["annual_rate_default"]),
        (&json!("1000.00"), &json!("12"))
    );

    let loan = app.get(&format!("/api/v1/loans/{}", world.loan_id)).await;
    let loan = app_loan(&app, loan.ok("loan"));
    assert_eq!(loan["status"], "disbursed");
    let schedule = &loan["schedule"];
    let due: Vec<&str> = schedule
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["due_date"].as_str().unwrap())
        .collect();
    assert!(
        due.len() >= 12 && due.windows(2).all(|w| w[0] <= w[1]),
        "{schedule:#}"
    );
    assert_eq!(
        sum(schedule, "principal"),
        500_000,
        "the schedule repays the principal"
    );

    // The world made one repayment of 100.00: its parts add up and the balances follow.
    let txs = app
        .get(&format!("/api/v1/loans/{}/transactions", world.loan_id))
        .await;
    app.conforms("TransactionPage", txs.ok("transactions"));
    let repayment = txs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == world.repayment_id)
        .unwrap()
        .clone();
    let parts: i64 = ["principal", "interest", "penalty", "fee"]
        .iter()
        .map(|p| minor(&repayment[*p]))
        .sum();
    assert_eq!((minor(&repayment["amount"]), parts), (10_000, 10_000));
    assert_eq!(
        minor(&loan["balances"]["principal_outstanding"]),
        500_000 - minor(&repayment["principal"])
    );
    assert_eq!(sum(schedule, "principal_paid"), minor(&repayment["principal"]));

    let events = app.get(&format!("/api/v1/loans/{}/events", world.loan_id)).await;
    app.conforms("LoanEventPage", events.ok("events"));
    let path: Vec<&str> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["application", "approved", "disbursed"]);

    assert_books_balance(&app).await;
    let postings = app.get(&format!("/api/v1/loans/{}/journal", world.loan_id)).await;
    app.conforms("JournalPage", postings.ok("loan journal"));
    for entry in postings.body["items"].as_array().unwrap() {
        assert_eq!(
            sum(&entry["lines"], "debit"),
            sum(&entry["lines"], "credit"),
            "entry {entry} balances"
        );
    }
    let journal = app.get("/api/v1/journal?limit=1").await;
    app.conforms("JournalPage", journal.ok("journal"));
    assert_eq!(journal.body["items"].as_array().unwrap().len(), 1);
    assert!(
        journal.body["next_after_id"].is_i64(),
        "the disbursement and the repayment make two entries"
    );
    let chart = app.get("/api/v1/accounts").await;
    app.conforms("AccountList", chart.ok("accounts"));
    app.post("/api/v1/eod", &json!({})).await.ok("eod");
    let portfolio = app.get("/api/v1/reports/portfolio").await;
    app.conforms("Portfolio", portfolio.ok("portfolio"));
    let lines = portfolio.body["lines"].as_array().unwrap();
    assert_eq!(
        sum(&portfolio.body["lines"], "principal_outstanding"),
        minor(&loan["balances"]["principal_outstanding"])
    );
    assert!(lines.iter().all(|l| l["outlet_id"] == world.outlet_id));
    let listed = app.get("/api/v1/loans?status=disbursed").await;
    app.conforms("LoanPage", listed.ok("list loans"));
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == world.loan_id)
    );
}

/// Checks a loan against its schema and returns it.
fn app_loan(app: &TestApp, loan: &Value) -> Value {
    app.conforms("Loan", loan);
    loan.clone()
}

async fn assert_books_balance(app: &TestApp) {
    let tb = app.get("/api/v1/reports/trial-balance").await;
    app.conforms("TrialBalance", tb.ok("trial balance"));
    assert_eq!(tb.body["balanced"], true, "{}", tb.body);
    assert_eq!(tb.body["total_debit"], tb.body["total_credit"]);
    assert!(
        minor(&tb.body["total_debit"]) > 0,
        "the disbursement is in the books"
    );
    assert_eq!(sum(&tb.body["lines"], "balance"), 0);
}

#[tokio::test]
async fn lists_are_paged_by_id() {
    let app = TestApp::new("paging");
    let world = app.build_world().await;
    let second = app
        .application(world.client_id, world.product_id, "2000.00")
        .await;
    let first_page = app.get("/api/v1/loans?limit=1").await;
    let items = first_page.ok("page 1")["items"].as_array().unwrap().clone();
    assert_eq!((items.len(), items[0]["id"].as_i64()), (1, Some(world.loan_id)));
    assert_eq!(first_page.body["next_after_id"], world.loan_id);
    let next = app
        .get(&format!("/api/v1/loans?limit=1&after_id={}", world.loan_id))
        .await;
    assert_eq!(next.ok("page 2")["items"][0]["id"], second);
    let over = app.get("/api/v1/loans?limit=201").await;
    assert_eq!(over.problem(422, "limit 201")["field"], "limit");
}

#[tokio::test]
async fn reversal_fee_write_off_and_recovery_keep_the_books_balanced() {
    let app = TestApp::new("money");
    let world = app.build_world().await;
    let loan = |id: i64| format!("/api/v1/loans/{id}");
    let reversal = format!(
        "{}/transactions/{}/reversal",
        loan(world.loan_id),
        world.repayment_id
    );
    let reversed = app
        .post_money(&reversal, "rev-1", &json!({"reason": "cheque bounced"}))
        .await;
    app.conforms("Transaction", reversed.ok("reverse"));
    assert_eq!(reversed.body["reverses_id"], world.repayment_id);
    let after = app.get(&loan(world.loan_id)).await;
    assert_eq!(after.ok("loan")["balances"]["principal_outstanding"], "5000.00");
    let again = app
        .post_money(&reversal, "rev-2", &json!({"reason": "twice"}))
        .await;
    again.problem(409, "a second reversal of the same repayment");

    let fee = app
        .post_money(
            &format!("{}/fees", loan(world.loan_id)),
            "fee-1",
            &json!({"amount": "20.00", "reason": "visit"}),
        )
        .await;
    app.conforms("Transaction", fee.ok("fee"));
    let after = app.get(&loan(world.loan_id)).await;
    assert_eq!(after.ok("loan")["balances"]["fee_receivable"], "20.00");

    let written = app
        .post_money(
            &format!("{}/write-off", loan(world.loan_id)),
            "wo-1",
            &json!({"reason": "deceased"}),
        )
        .await;
    app.conforms("Transaction", written.ok("write-off"));
    let after = app.get(&loan(world.loan_id)).await;
    assert_eq!(after.ok("loan")["status"], "written_off");
    let recovered = app
        .post_money(
            &format!("{}/recoveries", loan(world.loan_id)),
            "rec-1",
            &json!({"amount": "100.00"}),
        )
        .await;
    app.conforms("Transaction", recovered.ok("recovery"));
    assert_books_balance(&app).await;
}

async fn payoff(app: &TestApp, loan_id: i64) -> String {
    let loan = app.get(&format!("/api/v1/loans/{loan_id}")).await;
    let b = &loan.ok("loan")["balances"];
    let total: i64 = [
        "principal_outstanding",
        "interest_receivable",
        "penalty_receivable",
        "fee_receivable",
    ]
    .iter()
    .map(|f| minor(&b[*f]))
    .sum();
    format!("{}.{:02}", total / 100, total % 100)
}

#[tokio::test]
async fn repayment_on_a_closed_rejected_or_unknown_loan_is_refused() {
    let app = TestApp::new("closed");
    let World {
        loan_id,
        client_id,
        product_id,
        ..
    } = app.build_world().await;
    let repay = |id: i64| format!("/api/v1/loans/{id}/repayments");
    let amount = payoff(&app, loan_id).await;
    app.post_money(&repay(loan_id), "payoff", &json!({"amount": amount}))
        .await
        .ok("payoff");
    let closed = app.get(&format!("/api/v1/loans/{loan_id}")).await;
    assert_eq!(
        closed.ok("loan")["status"],
        "closed",
        "paying everything owed closes the loan"
    );
    let late = app
        .post_money(&repay(loan_id), "after-close", &json!({"amount": "10.00"}))
        .await;
    late.problem(409, "repayment on a closed loan");

    let application = app.application(client_id, product_id, "1000.00").await;
    let early = app
        .post_money(
            &repay(application),
            "before-disburse",
            &json!({"amount": "10.00"}),
        )
        .await;
    early.problem(409, "repayment before disbursement");
    app.post(
        &format!("/api/v1/loans/{application}/reject"),
        &json!({"reason": "no collateral"}),
    )
    .await
    .ok("reject");
    let rejected = app
        .post_money(&repay(application), "rejected", &json!({"amount": "10.00"}))
        .await;
    rejected.problem(409, "repayment on a rejected loan");

    let unknown = app
        .post_money(&repay(987_654_321), "unknown", &json!({"amount": "10.00"}))
        .await;
    unknown.problem(404, "repayment on an unknown loan");
    let eod = app.post("/api/v1/eod", &json!({})).await;
    app.conforms("EodSummary", eod.ok("eod"));
    assert_eq!(eod.body["dates_closed"], json!(["2026-01-05"]));
    assert_eq!(
        app.get("/api/v1/business-date").await.body["business_date"],
        "2026-01-06"
    );
}

#[tokio::test]
async fn the_calculator_answers_a_schedule_without_storing_anything() {
    let app = TestApp::new("calculator");
    let body = credgrid_api::http::openapi::example("ScheduleRequest");
    let reply = app.post("/api/v1/schedule", &body).await;
    app.conforms("Schedule", reply.ok("schedule"));
    assert_eq!(reply.body["installments"].as_array().unwrap().len(), 12);
    assert_eq!(reply.body["totals"]["principal"], "5000.00");
    assert_eq!(sum(&reply.body["installments"], "principal"), 500_000);
    let mut usurious = body.clone();
    usurious["annual_rate"] = json!("101");
    let refused = app.post("/api/v1/schedule", &usurious).await;
    assert_eq!(
        refused.problem(422, "rate above the ceiling")["field"],
        "annual_rate"
    );
    let loans = app.get("/api/v1/loans").await;
    assert_eq!(loans.ok("loans")["items"], json!([]));
}
