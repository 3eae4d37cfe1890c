//! The OpenAPI 3.1 description of the API, served at `/api/v1/openapi.json`.
//!
//! Built by hand with `serde_json` from one table of operations; a test
//! checks that its operations are exactly the router's routes, and the
//! generated bad-input test walks it to attack every operation.

use super::error::ApiError;
use super::{AppState, PREFIX, Routes, ok};
use crate::dto;
use axum::response::Response;
use credgrid_app::PAGE_LIMIT_MAX;
use serde_json::{Map, Value, json};

pub(super) fn routes(routes: Routes) -> Routes {
    routes.get("/openapi.json", serve_document)
}

async fn serve_document(_state: axum::extract::State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(document()))
}

// Schema helpers.

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn amount_in(description: &str) -> Value {
    json!({"type": "string", "format": "decimal", "pattern": "^[0-9]+(\\.[0-9]+)?$",
           "description": format!("{description} Major units as a decimal string, at most the currency's digits."),
           "example": "5000.00"})
}

fn amount_out() -> Value {
    json!({"type": "string", "format": "decimal", "description": "Major units with exactly the currency's digits.",
           "example": "5000.00"})
}

fn percent_in(description: &str) -> Value {
    json!({"type": "string", "format": "percent", "pattern": "^[0-9]+(\\.[0-9]+)?$",
           "description": format!("{description} A percentage as a decimal string: \"12\" is 12 %."), "example": "12"})
}

fn percent_out() -> Value {
    json!({"type": "string", "format": "percent", "description": "A percentage: \"12\" is 12 %.", "example": "12"})
}

fn date() -> Value {
    json!({"type": "string", "format": "date", "example": "2026-01-15"})
}

fn id() -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 1})
}

fn count(min: u32, max: u32) -> Value {
    json!({"type": "integer", "format": "int32", "minimum": min, "maximum": max})
}

fn text(len_max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": len_max})
}

fn one_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

fn nullable(mut schema: Value) -> Value {
    if let Some(kind) = schema.get("type").cloned() {
        schema["type"] = json!([kind, "null"]);
    }
    schema
}

fn object(required: &[&str], properties: Vec<(&str, Value)>, closed: bool) -> Value {
    let props: Map<String, Value> = properties.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut schema = json!({"type": "object", "required": required, "properties": props});
    if closed {
        schema["additionalProperties"] = Value::Bool(false);
    }
    schema
}

fn page(item: &str) -> Value {
    object(
        &["items", "next_after_id"],
        vec![
            ("items", json!({"type": "array", "items": schema_ref(item)})),
            (
                "next_after_id",
                json!({"type": ["integer", "null"], "format": "int64",
                "description": "Pass as `after_id` for the next page; null on the last page."}),
            ),
        ],
        false,
    )
}

fn request_schemas() -> Vec<(&'static str, Value)> {
    let text_max = super::fields::TEXT_LEN_MAX;
    let installments = count(1, dto::INSTALLMENTS_MAX);
    vec![
        (
            "NewNode",
            object(
                &["parent_id", "kind", "code", "name"],
                vec![
                    ("parent_id", id()),
                    ("kind", one_of(dto::NODE_KINDS)),
                    ("code", text(dto::CODE_LEN_MAX)),
                    ("name", text(text_max)),
                ],
                true,
            ),
        ),
        (
            "NewClient",
            object(
                &["outlet_id", "kind", "name", "id_country", "id_number"],
                vec![
                    ("outlet_id", id()),
                    ("kind", one_of(dto::CLIENT_KINDS)),
                    ("name", text(text_max)),
                    (
                        "id_country",
                        json!({"type": "string", "pattern": "^[A-Z]{2}$",
                "description": "ISO 3166 alpha-2 country of the identity document."}),
                    ),
                    ("id_number", text(64)),
                    ("phone", text(32)),
                    ("address", text(text_max)),
                ],
                true,
            ),
        ),
        ("NewProduct", new_product_schema()),
        (
            "LoanApplication",
            object(
                &["client_id", "product_id", "principal"],
                vec![
                    ("client_id", id()),
                    ("product_id", id()),
                    ("principal", amount_in("The amount applied for.")),
                    ("annual_rate", percent_in("Default: the product's default rate.")),
                    ("installments", installments),
                    ("first_repayment_date", date()),
                    ("account_manager_id", id()),
                    ("purpose", text(text_max)),
                ],
                true,
            ),
        ),
        (
            "Reason",
            object(&["reason"], vec![("reason", text(text_max))], true),
        ),
        (
            "OptionalReason",
            object(&[], vec![("reason", text(text_max))], true),
        ),
        ("Disbursement", object(&[], vec![], true)),
        (
            "Repayment",
            object(
                &["amount"],
                vec![
                    (
                        "amount",
                        amount_in("The money received; more than is due is a prepayment."),
                    ),
                    ("value_date", date()),
                    ("prepayment", one_of(dto::PREPAYMENTS)),
                ],
                true,
            ),
        ),
        (
            "FeeCharge",
            object(
                &["amount", "reason"],
                vec![("amount", amount_in("The fee.")), ("reason", text(text_max))],
                true,
            ),
        ),
        (
            "Recovery",
            object(
                &["amount"],
                vec![("amount", amount_in("Money recovered after write-off."))],
                true,
            ),
        ),
        ("EodRequest", object(&[], vec![("through", date())], true)),
        ("ScheduleRequest", schedule_request_schema()),
        (
            "Login",
            object(
                &["username", "password"],
                vec![("username", text(64)), ("password", text(1024))],
                true,
            ),
        ),
    ]
}

/// The `credgrid schedule` document (docs/schedule.md).
fn schedule_request_schema() -> Value {
    let max = crate::schedule_doc::ANNUAL_RATE_PERCENT_MAX;
    let rounding = object(
        &[],
        vec![
            ("digits", count(0, 6)),
            ("mode", one_of(dto::ROUNDING_MODES)),
            (
                "installment_multiple",
                amount_in("Installments rounded up to a multiple of this."),
            ),
        ],
        true,
    );
    let grace = object(
        &[],
        vec![
            ("principal_periods", count(0, 3660)),
            ("interest_payment_periods", count(0, 3660)),
        ],
        true,
    );
    let custom = object(
        &["due_date", "principal"],
        vec![
            ("due_date", date()),
            ("principal", amount_in("Principal due on that date.")),
        ],
        true,
    );
    let mut methods = dto::METHODS.to_vec();
    methods.push("custom");
    object(
        &[
            "principal",
            "annual_rate",
            "every",
            "unit",
            "disbursement_date",
            "method",
        ],
        vec![
            ("principal", amount_in("The loan amount.")),
            ("annual_rate", percent_in(&format!("From 0 to {max}."))),
            (
                "installments",
                json!({"type": "integer", "minimum": 1, "maximum": 3660,
                "description": "Required except for the custom method."}),
            ),
            ("every", count(1, 366)),
            ("unit", one_of(dto::UNITS)),
            ("disbursement_date", date()),
            ("first_repayment_date", date()),
            ("interest_from_date", date()),
            ("method", one_of(&methods)),
            ("interest_period", one_of(dto::INTEREST_PERIODS)),
            ("days_in_year", one_of(dto::DAYS_IN_YEAR)),
            ("days_in_month", one_of(dto::DAYS_IN_MONTH)),
            ("emi", one_of(&["nominal", "exact"])),
            ("rounding", rounding),
            ("grace", grace),
            (
                "currency",
                json!({"type": "string", "pattern": "^[A-Z]{3}$", "example": "CNY"}),
            ),
            ("custom_principals", json!({"type": "array", "items": custom})),
        ],
        true,
    )
}

fn new_product_schema() -> Value {
    let installments = || count(1, dto::INSTALLMENTS_MAX);
    object(
        &[
            "code",
            "name",
            "currency",
            "amount_min",
            "amount_max",
            "installments_min",
            "installments_max",
            "annual_rate_min",
            "annual_rate_max",
        ],
        vec![
            ("code", text(dto::CODE_LEN_MAX)),
            ("name", text(super::fields::TEXT_LEN_MAX)),
            (
                "currency",
                json!({"type": "string", "pattern": "^[A-Z]{3}$", "example": "CNY"}),
            ),
            ("currency_digits", count(0, 6)),
            ("amount_min", amount_in("Smallest principal.")),
            ("amount_max", amount_in("Largest principal.")),
            ("installments_min", installments()),
            ("installments_max", installments()),
            ("installments_default", installments()),
            ("annual_rate_min", percent_in("Lowest annual rate.")),
            ("annual_rate_max", percent_in("Highest annual rate.")),
            ("annual_rate_default", percent_in("Default: annual_rate_min.")),
            ("method", one_of(dto::METHODS)),
            ("every", count(1, 366)),
            ("unit", one_of(dto::UNITS)),
            ("interest_period", one_of(dto::INTEREST_PERIODS)),
            ("days_in_year", one_of(dto::DAYS_IN_YEAR)),
            ("days_in_month", one_of(dto::DAYS_IN_MONTH)),
            ("rounding_mode", one_of(dto::ROUNDING_MODES)),
            (
                "installment_multiple",
                amount_in("Installments rounded up to a multiple of this."),
            ),
            ("grace_principal_periods", count(0, dto::INSTALLMENTS_MAX)),
            ("grace_interest_periods", count(0, dto::INSTALLMENTS_MAX)),
            (
                "penalty_uplift",
                percent_in("Penalty rate = contract rate × (1 + uplift); default \"50\"."),
            ),
            ("compound_interest", json!({"type": "boolean"})),
            (
                "allocation_order",
                json!({"type": "array", "uniqueItems": true,
                "minItems": dto::ALLOCATION_BUCKETS.len(), "maxItems": dto::ALLOCATION_BUCKETS.len(),
                "items": one_of(dto::ALLOCATION_BUCKETS),
                "description": "All six buckets in the order repayments pay them; omit for the default order."}),
            ),
            ("disbursement_fee_flat", amount_in("Flat fee at disbursement.")),
            (
                "disbursement_fee_rate",
                percent_in("Fee at disbursement as a share of the principal."),
            ),
        ],
        true,
    )
}

fn names(props: &[(&'static str, Value)]) -> Vec<&'static str> {
    props.iter().map(|(n, _)| *n).collect()
}

fn typed(kind: &str) -> Value {
    json!({"type": kind})
}

fn typed_or_null(kind: &str) -> Value {
    json!({"type": [kind, "null"]})
}

fn money_fields(names: &[&'static str]) -> Vec<(&'static str, Value)> {
    names.iter().map(|n| (*n, amount_out())).collect()
}

/// A response object: every listed member is always present.
fn view(props: Vec<(&'static str, Value)>) -> Value {
    object(&names(&props), props, false)
}

/// A product as answered: the request's members, all present, plus `id` and `active`.
fn product_view() -> Value {
    let mut product = new_product_schema();
    product["properties"]["id"] = id();
    product["properties"]["active"] = typed("boolean");
    product["properties"]["installment_multiple"] = nullable(amount_out());
    let all: Vec<Value> = product["properties"]
        .as_object()
        .map_or(vec![], |p| p.keys().map(|k| json!(k)).collect());
    product["required"] = Value::Array(all);
    if let Some(map) = product.as_object_mut() {
        map.remove("additionalProperties");
    }
    product
}

fn loan_views() -> Vec<(&'static str, Value)> {
    let mut balances = money_fields(&[
        "principal_outstanding",
        "principal_overdue",
        "interest_receivable",
        "interest_overdue",
        "penalty_receivable",
        "fee_receivable",
        "written_off",
        "provision",
        "total_due_now",
    ]);
    balances.extend([
        ("days_past_due", typed("integer")),
        ("bucket", typed("string")),
        ("classification", typed("string")),
    ]);
    let mut installment = vec![("n", typed("integer")), ("due_date", date())];
    installment.extend(money_fields(&[
        "principal",
        "interest",
        "penalty",
        "fee",
        "principal_paid",
        "interest_paid",
        "penalty_paid",
        "fee_paid",
        "outstanding",
    ]));
    let mut tx = vec![
        ("id", id()),
        ("loan_id", id()),
        ("kind", typed("string")),
        ("currency", typed("string")),
        ("business_date", date()),
        ("value_date", date()),
        ("reversed_by_id", typed_or_null("integer")),
        ("reverses_id", typed_or_null("integer")),
        ("journal_entry_id", typed_or_null("integer")),
    ];
    tx.extend(money_fields(&[
        "amount",
        "principal",
        "interest",
        "penalty",
        "fee",
    ]));
    let loan = vec![
        ("id", id()),
        ("client_id", id()),
        ("product_id", id()),
        ("outlet_id", id()),
        ("account_manager_id", id()),
        ("status", one_of(dto::LOAN_STATUSES)),
        ("currency", typed("string")),
        ("principal", amount_out()),
        ("annual_rate", percent_out()),
        ("installments", typed("integer")),
        ("applied_on", date()),
        ("approved_on", nullable(date())),
        ("disbursed_on", nullable(date())),
        ("maturity_on", nullable(date())),
        ("closed_on", nullable(date())),
        ("balances", schema_ref("LoanBalances")),
    ];
    let required = names(&loan);
    let mut props = loan;
    props.push((
        "schedule",
        json!({"type": "array", "items": schema_ref("Installment"),
        "description": "Present on a single loan (not in lists); empty until disbursement."}),
    ));
    let event = vec![
        ("seq", typed("integer")),
        ("kind", typed("string")),
        ("from_status", typed_or_null("string")),
        ("to_status", typed("string")),
        ("user_id", id()),
        ("business_date", date()),
        ("reason", typed_or_null("string")),
    ];
    vec![
        ("LoanBalances", view(balances)),
        ("Installment", view(installment)),
        ("Loan", object(&required, props, false)),
        ("Transaction", view(tx)),
        ("LoanEvent", view(event)),
    ]
}

fn book_views() -> Vec<(&'static str, Value)> {
    let dates = json!({"type": "array", "items": date()});
    let eod = vec![
        ("dates_closed", dates.clone()),
        ("already_closed", dates),
        ("loans_processed", typed("integer")),
        ("loans_overdue", typed("integer")),
        ("interest_accrued_minor", typed("integer")),
        ("penalty_accrued_minor", typed("integer")),
        ("provision_charged_minor", typed("integer")),
        ("provision_released_minor", typed("integer")),
    ];
    let tb_line = vec![
        ("account_code", typed("string")),
        ("account_name", typed("string")),
        ("kind", typed("string")),
        ("currency", typed("string")),
        ("debit", amount_out()),
        ("credit", amount_out()),
        ("balance", amount_out()),
    ];
    let tb = vec![
        ("as_of", date()),
        ("node_id", id()),
        (
            "lines",
            json!({"type": "array", "items": schema_ref("TrialBalanceLine")}),
        ),
        ("total_debit", amount_out()),
        ("total_credit", amount_out()),
        ("balanced", typed("boolean")),
    ];
    let row = vec![
        ("n", typed("integer")),
        ("period_start", date()),
        ("due_date", date()),
        ("days", typed("integer")),
        ("principal", amount_out()),
        ("interest", amount_out()),
        ("total", amount_out()),
        ("outstanding", amount_out()),
    ];
    let totals = view(vec![
        ("principal", amount_out()),
        ("interest", amount_out()),
        ("total", amount_out()),
    ]);
    let schedule = vec![
        ("currency", typed("string")),
        (
            "installments",
            json!({"type": "array", "items": schema_ref("ScheduleRow")}),
        ),
        ("totals", totals),
    ];
    let journal_line = vec![
        ("account_code", typed("string")),
        ("account_name", typed("string")),
        ("account_kind", typed("string")),
        ("currency", typed("string")),
        ("debit", amount_out()),
        ("credit", amount_out()),
    ];
    let entry = vec![
        ("id", id()),
        ("business_date", date()),
        ("event", typed("string")),
        ("loan_id", typed_or_null("integer")),
        ("outlet_id", id()),
        ("description", typed("string")),
        ("reverses_id", typed_or_null("integer")),
        (
            "lines",
            json!({"type": "array", "items": schema_ref("JournalLine")}),
        ),
    ];
    let account = vec![
        ("code", typed("string")),
        ("name", typed("string")),
        ("kind", typed("string")),
    ];
    let classes = view(
        ["pass", "special_mention", "substandard", "doubtful", "loss"]
            .map(|c| (c, amount_out()))
            .to_vec(),
    );
    let mut portfolio_line = vec![
        ("outlet_id", id()),
        ("outlet_code", typed("string")),
        ("product_code", typed("string")),
        ("currency", typed("string")),
        ("loans_active", typed("integer")),
        ("by_class", classes),
    ];
    portfolio_line.extend(money_fields(&[
        "principal_outstanding",
        "principal_overdue",
        "par30",
        "par90",
        "provision",
    ]));
    let portfolio = vec![
        ("as_of", date()),
        (
            "lines",
            json!({"type": "array", "items": schema_ref("PortfolioLine")}),
        ),
    ];
    vec![
        ("JournalLine", view(journal_line)),
        ("JournalEntry", view(entry)),
        ("Account", view(account)),
        (
            "AccountList",
            view(vec![(
                "items",
                json!({"type": "array", "items": schema_ref("Account")}),
            )]),
        ),
        ("PortfolioLine", view(portfolio_line)),
        ("Portfolio", view(portfolio)),
        ("EodSummary", view(eod)),
        ("TrialBalanceLine", view(tb_line)),
        ("TrialBalance", view(tb)),
        ("StatementLine", view(statement_line())),
        (
            "BalanceSheets",
            view(vec![(
                "statements",
                json!({"type": "array", "items": view(balance_sheet())}),
            )]),
        ),
        (
            "IncomeStatements",
            view(vec![(
                "statements",
                json!({"type": "array", "items": view(income_statement())}),
            )]),
        ),
        ("ScheduleRow", view(row)),
        ("Schedule", view(schedule)),
    ]
}

fn statement_line() -> Vec<(&'static str, Value)> {
    vec![
        ("account_code", typed("string")),
        ("account_name", typed("string")),
        ("kind", typed("string")),
        ("amount", amount_out()),
    ]
}

fn statement_lines() -> Value {
    json!({"type": "array", "items": schema_ref("StatementLine")})
}

fn balance_sheet() -> Vec<(&'static str, Value)> {
    let mut props = vec![
        ("as_of", date()),
        ("node_id", id()),
        ("currency", typed("string")),
        ("assets", statement_lines()),
        ("liabilities", statement_lines()),
        ("equity", statement_lines()),
    ];
    props.extend(money_fields(&[
        "earnings",
        "total_assets",
        "total_liabilities",
        "total_equity",
    ]));
    props
}

fn income_statement() -> Vec<(&'static str, Value)> {
    let mut props = vec![
        ("from", date()),
        ("to", date()),
        ("node_id", id()),
        ("currency", typed("string")),
        ("income", statement_lines()),
        ("expenses", statement_lines()),
    ];
    props.extend(money_fields(&["total_income", "total_expenses", "net_income"]));
    props
}

fn view_schemas() -> Vec<(&'static str, Value)> {
    let node = vec![
        ("id", id()),
        ("parent_id", typed_or_null("integer")),
        ("kind", typed("string")),
        ("code", typed("string")),
        ("name", typed("string")),
    ];
    let client = vec![
        ("id", id()),
        ("outlet_id", id()),
        ("kind", typed("string")),
        ("name", typed("string")),
        ("id_country", typed("string")),
        ("id_number", typed("string")),
        ("phone", typed_or_null("string")),
        ("address", typed_or_null("string")),
        ("status", typed("string")),
        ("created_on", date()),
        (
            "unmasked",
            json!({"type": "array", "items": one_of(&["id_number", "phone", "address"]),
                "description": "The personal data shown in full for your roles (each such view is audited); the rest is masked."}),
        ),
    ];
    let problem = vec![
        ("type", json!({"type": "string", "format": "uri"})),
        ("title", typed("string")),
        ("status", typed("integer")),
        ("detail", typed("string")),
        (
            "field",
            json!({"type": "string", "description": "The field, parameter or header at fault."}),
        ),
    ];
    let mut views = vec![
        ("Node", view(node)),
        ("Client", view(client)),
        ("Product", product_view()),
        ("BusinessDate", view(vec![("business_date", date())])),
        (
            "Health",
            view(vec![("status", typed("string")), ("business_date", date())]),
        ),
        ("Problem", object(&["type", "title", "status"], problem, false)),
        (
            "Session",
            view(vec![
                ("token", typed("string")),
                ("expires_at", typed("string")),
                (
                    "user",
                    view(vec![
                        ("id", id()),
                        ("username", typed("string")),
                        ("display_name", typed("string")),
                        ("node_id", id()),
                        ("roles", json!({"type": "array", "items": {"type": "string"}})),
                    ]),
                ),
            ]),
        ),
    ];
    views.extend(loan_views());
    views.extend(book_views());
    for (page_name, item) in [
        ("NodePage", "Node"),
        ("ClientPage", "Client"),
        ("ProductPage", "Product"),
        ("LoanPage", "Loan"),
        ("TransactionPage", "Transaction"),
        ("LoanEventPage", "LoanEvent"),
        ("JournalPage", "JournalEntry"),
    ] {
        views.push((page_name, page(item)));
    }
    views
}

/// One operation of the API.
struct Op {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    /// Names from `query_parameter`.
    query: &'static [&'static str],
    /// The request schema and whether a body is required.
    body: Option<(&'static str, bool)>,
    /// Moves money: requires `Idempotency-Key`.
    money: bool,
    /// The success status and its schema (`""`: the OpenAPI document itself).
    success: (u16, &'static str),
}

const PAGE: &[&str] = &["after_id", "limit"];

#[rustfmt::skip]
const OPS: &[Op] = &[
    Op { method: "get", path: "/openapi.json", id: "getOpenApi", tag: "meta", summary: "This OpenAPI document", query: &[], body: None, money: false, success: (200, "") },
    Op { method: "get", path: "/health", id: "getHealth", tag: "meta", summary: "Health: the store answers", query: &[], body: None, money: false, success: (200, "Health") },
    Op { method: "get", path: "/business-date", id: "getBusinessDate", tag: "eod", summary: "The institution's business date", query: &[], body: None, money: false, success: (200, "BusinessDate") },
    Op { method: "post", path: "/eod", id: "runEod", tag: "eod", summary: "Close business dates through `through` (default: the current one); idempotent", query: &[], body: Some(("EodRequest", false)), money: false, success: (200, "EodSummary") },
    Op { method: "get", path: "/nodes", id: "listNodes", tag: "organisation", summary: "The organisation tree: institution, branches, outlets", query: PAGE, body: None, money: false, success: (200, "NodePage") },
    Op { method: "post", path: "/nodes", id: "createNode", tag: "organisation", summary: "Add a branch or an outlet", query: &[], body: Some(("NewNode", true)), money: false, success: (201, "Node") },
    Op { method: "post", path: "/clients", id: "createClient", tag: "clients", summary: "Register a client", query: &[], body: Some(("NewClient", true)), money: false, success: (201, "Client") },
    Op { method: "get", path: "/clients", id: "listClients", tag: "clients", summary: "List clients; `q` searches names and identity numbers", query: &["q", "after_id", "limit"], body: None, money: false, success: (200, "ClientPage") },
    Op { method: "get", path: "/clients/{id}", id: "getClient", tag: "clients", summary: "One client", query: &[], body: None, money: false, success: (200, "Client") },
    Op { method: "post", path: "/products", id: "createProduct", tag: "products", summary: "Propose a loan product: 202 with the pending maker-checker change; the product exists once a second user approves it", query: &[], body: Some(("NewProduct", true)), money: false, success: (202, "ConfigChange") },
    Op { method: "get", path: "/products", id: "listProducts", tag: "products", summary: "List products", query: PAGE, body: None, money: false, success: (200, "ProductPage") },
    Op { method: "get", path: "/products/{id}", id: "getProduct", tag: "products", summary: "One product", query: &[], body: None, money: false, success: (200, "Product") },
    Op { method: "post", path: "/config/changes", id: "proposeConfigChange", tag: "config", summary: "Propose a configuration change (product, tier rules, limits, roles, chart); it takes effect only once a second user approves it", query: &[], body: Some(("NewConfigChange", true)), money: false, success: (201, "ConfigChange") },
    Op { method: "get", path: "/config/changes", id: "listConfigChanges", tag: "config", summary: "Configuration changes with their diff, oldest first; `state` filters", query: &["state", "after_id", "limit"], body: None, money: false, success: (200, "ConfigChangePage") },
    Op { method: "get", path: "/config/changes/{id}", id: "getConfigChange", tag: "config", summary: "One configuration change with its diff and decision", query: &[], body: None, money: false, success: (200, "ConfigChange") },
    Op { method: "post", path: "/config/changes/{id}/approve", id: "approveConfigChange", tag: "config", summary: "Approve a pending change and put it in force (never by its proposer: 409 sod-maker-is-checker)", query: &[], body: Some(("ConfigDecision", false)), money: false, success: (200, "ConfigChange") },
    Op { method: "post", path: "/config/changes/{id}/reject", id: "rejectConfigChange", tag: "config", summary: "Reject a pending change with a reason (never by its proposer)", query: &[], body: Some(("ConfigRejection", true)), money: false, success: (200, "ConfigChange") },
    Op { method: "get", path: "/config/current", id: "getConfigInForce", tag: "config", summary: "The configuration of a kind in force, as the canonical text a proposal starts from", query: &["kind", "currency"], body: None, money: false, success: (200, "ConfigInForce") },
    Op { method: "post", path: "/loans", id: "applyForLoan", tag: "loans", summary: "Apply for a loan", query: &[], body: Some(("LoanApplication", true)), money: false, success: (201, "Loan") },
    Op { method: "get", path: "/loans", id: "listLoans", tag: "loans", summary: "List loans (without schedules)", query: &["status", "after_id", "limit"], body: None, money: false, success: (200, "LoanPage") },
    Op { method: "get", path: "/loans/{id}", id: "getLoan", tag: "loans", summary: "One loan with its schedule and balances", query: &[], body: None, money: false, success: (200, "Loan") },
    Op { method: "post", path: "/loans/{id}/approve", id: "approveLoan", tag: "loans", summary: "Approve an application", query: &[], body: Some(("OptionalReason", false)), money: false, success: (200, "Loan") },
    Op { method: "post", path: "/loans/{id}/reject", id: "rejectLoan", tag: "loans", summary: "Reject an application", query: &[], body: Some(("Reason", true)), money: false, success: (200, "Loan") },
    Op { method: "post", path: "/loans/{id}/withdraw", id: "withdrawLoan", tag: "loans", summary: "Withdraw an application at the client's request", query: &[], body: Some(("Reason", true)), money: false, success: (200, "Loan") },
    Op { method: "post", path: "/loans/{id}/disburse", id: "disburseLoan", tag: "loans", summary: "Disburse an approved loan on the business date; generates the schedule", query: &[], body: Some(("Disbursement", false)), money: true, success: (200, "Loan") },
    Op { method: "post", path: "/loans/{id}/repayments", id: "repayLoan", tag: "loans", summary: "Record a repayment of any amount", query: &[], body: Some(("Repayment", true)), money: true, success: (201, "Transaction") },
    Op { method: "get", path: "/loans/{id}/transactions", id: "listLoanTransactions", tag: "loans", summary: "The loan's money movements", query: PAGE, body: None, money: false, success: (200, "TransactionPage") },
    Op { method: "get", path: "/loans/{id}/events", id: "listLoanEvents", tag: "loans", summary: "The loan's lifecycle transitions (cursor: `seq`)", query: PAGE, body: None, money: false, success: (200, "LoanEventPage") },
    Op { method: "post", path: "/loans/{id}/transactions/{tx_id}/reversal", id: "reverseTransaction", tag: "loans", summary: "Reverse a repayment: reversing entries, later activity recomputed", query: &[], body: Some(("Reason", true)), money: true, success: (201, "Transaction") },
    Op { method: "post", path: "/loans/{id}/fees", id: "chargeFee", tag: "loans", summary: "Charge a fee to the loan", query: &[], body: Some(("FeeCharge", true)), money: true, success: (201, "Transaction") },
    Op { method: "post", path: "/loans/{id}/write-off", id: "writeOffLoan", tag: "loans", summary: "Write the loan off", query: &[], body: Some(("Reason", true)), money: true, success: (201, "Transaction") },
    Op { method: "post", path: "/loans/{id}/recoveries", id: "recoverLoan", tag: "loans", summary: "Record money recovered after write-off", query: &[], body: Some(("Recovery", true)), money: true, success: (201, "Transaction") },
    Op { method: "get", path: "/applications/inbox", id: "getInbox", tag: "workflow", summary: "Applications waiting for a step the caller may act on now", query: PAGE, body: None, money: false, success: (200, "Inbox") },
    Op { method: "get", path: "/loans/{id}/workflow", id: "getWorkflow", tag: "workflow", summary: "An application's tier, steps, acts, committee votes, collateral and exposure check", query: &[], body: None, money: false, success: (200, "Workflow") },
    Op { method: "post", path: "/loans/{id}/steps", id: "actOnStep", tag: "workflow", summary: "Approve or reject the current step with reasons and the documents seen (409 names the rule broken)", query: &[], body: Some(("StepAct", true)), money: false, success: (200, "Workflow") },
    Op { method: "post", path: "/loans/{id}/send-back", id: "sendBackStep", tag: "workflow", summary: "Send the application back from its current step to an earlier one, with a reason", query: &[], body: Some(("SendBack", true)), money: false, success: (200, "Workflow") },
    Op { method: "post", path: "/loans/{id}/votes", id: "castVote", tag: "workflow", summary: "A credit-committee member's vote with reasons; the count closes once every member voted", query: &[], body: Some(("CommitteeVote", true)), money: false, success: (200, "Workflow") },
    Op { method: "post", path: "/loans/{id}/votes/close", id: "closeVote", tag: "workflow", summary: "Close and count the committee vote (409 committee-no-quorum without a quorum)", query: &[], body: Some(("CloseVote", false)), money: false, success: (200, "Workflow") },
    Op { method: "get", path: "/loans/{id}/collateral", id: "listCollateral", tag: "workflow", summary: "The collateral and guarantees of an application with their counted values", query: &[], body: None, money: false, success: (200, "CollateralList") },
    Op { method: "post", path: "/loans/{id}/collateral", id: "recordCollateral", tag: "workflow", summary: "Record collateral or a guarantee (R-PROD-4) with its value and haircut", query: &[], body: Some(("NewCollateral", true)), money: false, success: (201, "Collateral") },
    Op { method: "post", path: "/staff/{id}/relatives", id: "recordRelative", tag: "workflow", summary: "Record a client as a staff user's relative (`self`: the staff user is the client)", query: &[], body: Some(("NewRelative", true)), money: false, success: (201, "Relative") },
    Op { method: "post", path: "/sessions", id: "login", tag: "sessions", summary: "Sign in: a session token for `Authorization: Bearer`; every refusal looks the same", query: &[], body: Some(("Login", true)), money: false, success: (201, "Session") },
    Op { method: "delete", path: "/sessions/current", id: "logout", tag: "sessions", summary: "Sign out: end the session of the bearer token", query: &[], body: None, money: false, success: (204, "") },
    Op { method: "post", path: "/schedule", id: "calculateSchedule", tag: "calculator", summary: "The loan calculator: a repayment schedule from terms (the `credgrid schedule` document); stores nothing", query: &[], body: Some(("ScheduleRequest", true)), money: false, success: (200, "Schedule") },
    Op { method: "get", path: "/loans/{id}/journal", id: "listLoanJournal", tag: "books", summary: "The loan's journal entries (its postings)", query: PAGE, body: None, money: false, success: (200, "JournalPage") },
    Op { method: "get", path: "/accounts", id: "listAccounts", tag: "books", summary: "The chart of accounts", query: &[], body: None, money: false, success: (200, "AccountList") },
    Op { method: "get", path: "/journal", id: "listJournal", tag: "books", summary: "Journal entries, oldest first; `format=csv|xlsx` downloads the page, one row per line, the next page in a `Link` header", query: &["after_id", "limit", "format"], body: None, money: false, success: (200, "JournalPage") },
    Op { method: "get", path: "/reports/portfolio", id: "getPortfolio", tag: "books", summary: "Outstanding, overdue, PAR and classes per outlet and product, as of the last closed date", query: &["node_id", "format"], body: None, money: false, success: (200, "Portfolio") },
    Op { method: "get", path: "/reports/balance-sheet", id: "getBalanceSheet", tag: "books", summary: "Balance sheet per currency at the end of a date (default: the business date) for a node (default: all)", query: &["date", "node_id", "format"], body: None, money: false, success: (200, "BalanceSheets") },
    Op { method: "get", path: "/reports/income-statement", id: "getIncomeStatement", tag: "books", summary: "Income statement per currency over a period (default: the year to the business date) for a node", query: &["from", "to", "node_id", "format"], body: None, money: false, success: (200, "IncomeStatements") },
    Op { method: "get", path: "/reports/trial-balance", id: "getTrialBalance", tag: "books", summary: "Trial balance of a date (default: the business date) and node (default: all)", query: &["date", "node_id", "format"], body: None, money: false, success: (200, "TrialBalance") },
    Op { method: "get", path: "/collection/worklist", id: "getCollectionWorklist", tag: "collection", summary: "A worklist of the latest end of day in priority order, with every score part (default: the caller's)", query: &["assignee_id", "after_rank", "limit"], body: None, money: false, success: (200, "CollectionWorklist") },
    Op { method: "post", path: "/collection/worklists/rebuild", id: "rebuildCollectionWorklists", tag: "collection", summary: "Rebuild the worklists of a date (the end-of-day step; idempotent)", query: &[], body: Some(("CollectionRebuild", false)), money: false, success: (200, "CollectionDay") },
    Op { method: "get", path: "/collection/loans/{id}", id: "getCollectionCase", tag: "collection", summary: "A loan's collection file: contacts, actions, promises, outbox, escalations, visits, warnings, proposed strategy", query: &[], body: None, money: false, success: (200, "CollectionCase") },
    Op { method: "post", path: "/collection/loans/{id}/actions", id: "recordCollectionAction", tag: "collection", summary: "Record an action under the conduct rules (409 names the rule broken)", query: &[], body: Some(("CollectionAction", true)), money: false, success: (201, "CollectionActionRecorded") },
    Op { method: "post", path: "/collection/loans/{id}/contacts", id: "addCollectionContact", tag: "collection", summary: "Register or correct a contact of the debtor", query: &[], body: Some(("CollectionContact", true)), money: false, success: (201, "CollectionCreated") },
    Op { method: "post", path: "/collection/loans/{id}/overrides", id: "grantCollectionOverride", tag: "collection", summary: "A supervisor overrides contact hours or the daily limit for one action of a collector (logged)", query: &[], body: Some(("CollectionOverride", true)), money: false, success: (201, "CollectionCreated") },
    Op { method: "post", path: "/collection/loans/{id}/debtor", id: "setCollectionDebtor", tag: "collection", summary: "Record the debtor's income, other debts and assessed segment", query: &[], body: Some(("CollectionDebtor", true)), money: false, success: (200, "CollectionDone") },
    Op { method: "post", path: "/collection/loans/{id}/assignment", id: "assignCollector", tag: "collection", summary: "Give the loan to a named collector", query: &[], body: Some(("CollectionAssignment", true)), money: false, success: (200, "CollectionDone") },
    Op { method: "post", path: "/collection/loans/{id}/strategy", id: "applyCollectionStrategy", tag: "collection", summary: "Apply the segment's strategy: escalation, restructuring offer or legal", query: &[], body: Some(("CollectionStrategy", false)), money: false, success: (200, "CollectionStrategyResult") },
    Op { method: "post", path: "/collection/loans/{id}/handover", id: "handOverLoan", tag: "collection", summary: "Hand the loan over (third party, court, police): the package of loan, contacts and history as JSON or CSV", query: &["package_format"], body: Some(("CollectionHandover", true)), money: false, success: (200, "CollectionHandoverPackage") },
    Op { method: "post", path: "/collection/loans/{id}/news", id: "recordGridNews", tag: "collection", summary: "A grid worker's news about the debtor: an early warning and a visit", query: &[], body: Some(("CollectionNews", true)), money: false, success: (201, "CollectionCreated") },
    Op { method: "post", path: "/collection/deposit-balances", id: "recordDepositBalances", tag: "collection", summary: "Feed deposit balances from the core deposit system; a fall of the average raises an early warning and a visit", query: &[], body: Some(("CollectionDepositBalances", true)), money: false, success: (200, "CollectionDepositFeed") },
    Op { method: "get", path: "/collection/outbox", id: "listCollectionOutbox", tag: "collection", summary: "Written messages with their delivery status", query: &["delivery_status", "after_id", "limit"], body: None, money: false, success: (200, "CollectionOutboxPage") },
    Op { method: "post", path: "/collection/outbox/deliver", id: "deliverCollectionOutbox", tag: "collection", summary: "Deliver queued messages through the configured sender", query: &[], body: Some(("CollectionDeliver", false)), money: false, success: (200, "CollectionDelivery") },
    Op { method: "get", path: "/collection/visits", id: "listCollectionVisits", tag: "collection", summary: "The caller's post-loan visits due by a date", query: &["date"], body: None, money: false, success: (200, "CollectionVisits") },
    Op { method: "post", path: "/collection/visits/{id}/complete", id: "completeCollectionVisit", tag: "collection", summary: "Complete a visit with its use-of-funds finding", query: &[], body: Some(("CollectionVisitDone", false)), money: false, success: (200, "CollectionDone") },
    Op { method: "get", path: "/collection/settings", id: "getCollectionSettings", tag: "collection", summary: "The priority formula, conduct rules and strategy settings", query: &[], body: None, money: false, success: (200, "CollectionSettings") },
    Op { method: "post", path: "/collection/settings", id: "setCollectionSetting", tag: "collection", summary: "Set one collection setting", query: &[], body: Some(("CollectionSetting", true)), money: false, success: (200, "CollectionDone") },
    Op { method: "get", path: "/collection/results", id: "getCollectionResults", tag: "collection", summary: "Cure rate, promises kept, roll rates and recoveries by channel, collector and segment", query: &["from", "to"], body: None, money: false, success: (200, "CollectionResults") },
    Op { method: "get", path: "/rating/config", id: "getRatingConfig", tag: "rating", summary: "The rating configuration in force: scorecard factors, bins and weights, grades with their pure-credit lines, credit tiers with their collateral rules, notice period", query: &[], body: None, money: false, success: (200, "RatingConfig") },
    Op { method: "post", path: "/ratings", id: "rateClient", tag: "rating", summary: "Rate a household or client with the scorecard in force (a draft until published); repayment history is measured from the ledger", query: &[], body: Some(("RatingRequest", true)), money: false, success: (201, "Rating") },
    Op { method: "get", path: "/ratings", id: "listRatings", tag: "rating", summary: "Ratings oldest first, optionally of one status", query: &["status", "locale", "after_id", "limit"], body: None, money: false, success: (200, "RatingPage") },
    Op { method: "get", path: "/ratings/{id}", id: "getRating", tag: "rating", summary: "A rating with the contribution and explanation of every factor", query: &["locale"], body: None, money: false, success: (200, "Rating") },
    Op { method: "post", path: "/rating/notices", id: "publishNotice", tag: "rating", summary: "Publish a village's draft ratings and lines as a notice for the notice period (default 7 days)", query: &[], body: Some(("NoticeRequest", true)), money: false, success: (201, "Notice") },
    Op { method: "get", path: "/rating/notices", id: "listNotices", tag: "rating", summary: "Village notices newest first", query: &["after_id", "limit"], body: None, money: false, success: (200, "NoticePage") },
    Op { method: "get", path: "/rating/notices/{id}", id: "getNotice", tag: "rating", summary: "A notice with every entry's standing on the business date and its objections", query: &[], body: None, money: false, success: (200, "Notice") },
    Op { method: "post", path: "/rating/notices/{id}/objections", id: "objectToRating", tag: "rating", summary: "Record a villager's objection to a rating during the notice period", query: &[], body: Some(("ObjectionRequest", true)), money: false, success: (201, "Notice") },
    Op { method: "post", path: "/rating/objections/{id}/resolution", id: "resolveObjection", tag: "rating", summary: "Resolve an objection (kept, changed, withdrawn); the rater is refused (409 rating-rater-cannot-resolve)", query: &[], body: Some(("ResolutionRequest", true)), money: false, success: (200, "Notice") },
    Op { method: "post", path: "/credit-lines", id: "openCreditLine", tag: "rating", summary: "Grant a line: a higher tier against its security, or pure credit within the client's effective grade", query: &[], body: Some(("CreditLineRequest", true)), money: false, success: (201, "CreditLine") },
    Op { method: "get", path: "/credit-lines", id: "listCreditLines", tag: "rating", summary: "Credit lines oldest first", query: &["after_id", "limit"], body: None, money: false, success: (200, "CreditLinePage") },
    Op { method: "get", path: "/credit-lines/{id}", id: "getCreditLine", tag: "rating", summary: "A line with its available amount, movements and the loans drawn on it", query: &[], body: None, money: false, success: (200, "CreditLine") },
    Op { method: "post", path: "/credit-lines/{id}/acts", id: "actOnCreditLine", tag: "rating", summary: "Freeze, unfreeze, cut or cancel a line with a reason", query: &[], body: Some(("CreditLineAct", true)), money: false, success: (200, "CreditLine") },
    Op { method: "post", path: "/credit-lines/{id}/draws", id: "drawOnCreditLine", tag: "rating", summary: "Draw on a line: a loan application placed in the low tier of the origination workflow, held on the line", query: &[], body: Some(("CreditLineDraw", true)), money: false, success: (201, "Loan") },
    Op { method: "post", path: "/grid/cells", id: "openCell", tag: "grid", summary: "Open a grid cell at an outlet with its full-time worker (an account manager) and part-time workers (grid workers), effective on a date (default: the business date)", query: &[], body: Some(("NewCell", true)), money: false, success: (201, "Cell") },
    Op { method: "get", path: "/grid/cells", id: "listCells", tag: "grid", summary: "Grid cells the caller can see, by id (open ones unless closed=true)", query: &["outlet_id", "closed", "after_id", "limit"], body: None, money: false, success: (200, "CellPage") },
    Op { method: "get", path: "/grid/cells/{id}", id: "getCell", tag: "grid", summary: "A cell with the history of its workers (who was responsible from when to when) and its events", query: &[], body: None, money: false, success: (200, "CellDetail") },
    Op { method: "post", path: "/grid/cells/{id}/changes", id: "changeCell", tag: "grid", summary: "Rename a cell, change its full-time worker, add or remove a part-time worker, or close it (when empty), effective on a date", query: &[], body: Some(("CellChange", true)), money: false, success: (200, "Cell") },
    Op { method: "post", path: "/grid/cells/{id}/split", id: "splitCell", tag: "grid", summary: "Cut a new cell out of this one, taking the listed households (history kept)", query: &[], body: Some(("CellSplit", true)), money: false, success: (201, "Cell") },
    Op { method: "post", path: "/grid/cells/{id}/merge", id: "mergeCell", tag: "grid", summary: "Merge this cell into another of the same outlet: its households move, it closes", query: &[], body: Some(("CellMerge", true)), money: false, success: (200, "Cell") },
    Op { method: "get", path: "/grid/cells/{id}/households", id: "listCellHouseholds", tag: "grid", summary: "Households now in the cell with their file status", query: &["after_id", "limit"], body: None, money: false, success: (200, "HouseholdPage") },
    Op { method: "post", path: "/grid/households", id: "createHousehold", tag: "grid", summary: "Place a household in a cell and open its information file", query: &[], body: Some(("NewHousehold", true)), money: false, success: (201, "HouseholdFile") },
    Op { method: "get", path: "/grid/households/{id}", id: "getHousehold", tag: "grid", summary: "A household's information file: its parts, what is missing, the repayment history from the loan book, the responsible account manager", query: &[], body: None, money: false, success: (200, "HouseholdFile") },
    Op { method: "post", path: "/grid/households/{id}/file", id: "updateHouseholdFile", tag: "grid", summary: "Replace one part of the file (identity, members, land, livestock, income sources, assets, debts, needs)", query: &[], body: Some(("FilePart", true)), money: false, success: (200, "HouseholdFile") },
    Op { method: "post", path: "/grid/households/{id}/visits", id: "addVisitNote", tag: "grid", summary: "Add a visit note to the file", query: &[], body: Some(("VisitNote", true)), money: false, success: (201, "HouseholdFile") },
    Op { method: "post", path: "/grid/households/{id}/move", id: "moveHousehold", tag: "grid", summary: "Move a household to another open cell of its outlet (redrawing; history kept)", query: &[], body: Some(("HouseholdMove", true)), money: false, success: (200, "Responsibility") },
    Op { method: "get", path: "/grid/households/{id}/responsible", id: "getResponsible", tag: "grid", summary: "The cell and account manager responsible for the household on a date (null: not in the grid that day)", query: &["date"], body: None, money: false, success: (200, "Responsibility") },
    Op { method: "post", path: "/grid/activities", id: "recordActivity", tag: "grid", summary: "Record a part-time grid worker's activity under one of the five duties; refused unless the worker served the cell (and the household lay in it) that day", query: &[], body: Some(("NewActivity", true)), money: false, success: (201, "Activity") },
    Op { method: "get", path: "/grid/activities", id: "listActivities", tag: "grid", summary: "Activities of a worker and/or a cell in a period (default: the last 30 days), newest first", query: &["worker_id", "cell_id", "from", "to"], body: None, money: false, success: (200, "ActivityList") },
    Op { method: "get", path: "/grid/tallies", id: "listTallies", tag: "grid", summary: "What each part-time worker was credited with in a period, per duty and per kind of activity", query: &["cell_id", "from", "to"], body: None, money: false, success: (200, "TallyList") },
    Op { method: "get", path: "/grid/coverage", id: "getCoverage", tag: "grid", summary: "Coverage now per cell, outlet or branch: households, complete files, rated, with a line, lines in use, reached digitally", query: &["level"], body: None, money: false, success: (200, "Coverage") },
    Op { method: "get", path: "/grid/coverage/trend", id: "getCoverageTrend", tag: "grid", summary: "The stored coverage snapshots of one unit, oldest first, with the change between snapshots", query: &["level", "unit_id"], body: None, money: false, success: (200, "CoverageTrend") },
    Op { method: "post", path: "/grid/coverage/snapshots", id: "takeCoverageSnapshot", tag: "grid", summary: "Store today's coverage of every unit (the end of day does it too); a re-take replaces the day's", query: &[], body: Some(("Empty", false)), money: false, success: (201, "CoverageSnapshot") },
    Op { method: "post", path: "/grid/imports/households", id: "importHouseholds", tag: "grid", summary: "Import households from a CSV or XLSX sheet (raw body or multipart `file`): a validation report with row, column and reason; all-or-nothing (default) or valid-rows, one transaction, never half a row", query: &["mode", "currency", "id_country"], body: None, money: false, success: (201, "ImportReport") },
    Op { method: "post", path: "/grid/imports/cells", id: "importCells", tag: "grid", summary: "Import grid cells from a CSV or XLSX sheet (raw body or multipart `file`), all-or-nothing or valid-rows", query: &["mode"], body: None, money: false, success: (201, "ImportReport") },
];

fn query_parameter(name: &str) -> Value {
    let (schema, description) = match name {
        "after_id" => (
            json!({"type": "integer", "format": "int64", "minimum": 0}),
            "Items with a greater id (default 0).",
        ),
        "limit" => (
            json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": PAGE_LIMIT_MAX, "default": 50}),
            "Page size, 1–200 (default 50); a larger value is refused.",
        ),
        "q" => (
            json!({"type": "string", "maxLength": super::fields::TEXT_LEN_MAX}),
            "Search text.",
        ),
        "status" => (one_of(dto::LOAN_STATUSES), "Only loans with this status."),
        "date" => (date(), "As of this date (default: the business date)."),
        "from" => (
            date(),
            "First business date of the period (default: 1 January of `to`'s year).",
        ),
        "to" => (
            date(),
            "Last business date of the period (default: the business date).",
        ),
        "node_id" => (id(), "Only this node and the nodes under it."),
        "state" => (one_of(super::config::STATES), "Only changes in this state."),
        "kind" => (
            one_of(super::config::KINDS),
            "The kind of configuration (required).",
        ),
        "currency" => (
            json!({"type": "string", "pattern": "^[A-Z]{3}$", "default": "CNY"}),
            "The currency of tier rules and limits when the defaults are in force.",
        ),
        "package_format" => (
            json!({"type": "string", "enum": ["json", "csv"], "default": "json"}),
            "json (default), or csv (RFC 4180, UTF-8): one row per fact, contact, action and promise.",
        ),
        "delivery_status" => (
            one_of(super::collection::OUTBOX_STATUSES),
            "Only messages with this delivery status.",
        ),
        "assignee_id" => (
            id(),
            "Whose worklist (default: the caller's; another's needs collection.manage).",
        ),
        "after_rank" => (
            json!({"type": "integer", "format": "int64", "minimum": 0}),
            "Worklist rows after this rank (default 0).",
        ),
        "format" => (
            json!({"type": "string", "enum": super::ledger::FORMATS, "default": "json"}),
            "json (default), or a file download of the same table: csv (RFC 4180, UTF-8) or xlsx \
             (amounts as numbers with the currency's digits).",
        ),
        "outlet_id" => (id(), "Only cells of this outlet."),
        "closed" => (json!({"type": "boolean", "default": false}), "Closed cells too."),
        "worker_id" => (id(), "Only this worker's activities."),
        "cell_id" => (id(), "Only this cell."),
        "level" => (
            json!({"type": "string", "enum": super::grid::LEVELS, "default": "outlet"}),
            "cell, outlet (default) or branch.",
        ),
        "unit_id" => (id(), "The cell, outlet or branch id (required)."),
        "mode" => (
            json!({"type": "string", "enum": super::grid::MODES, "default": "all-or-nothing"}),
            "all-or-nothing: any rejected row rejects the file; valid-rows: the valid rows are imported.",
        ),
        "id_country" => (
            json!({"type": "string", "pattern": "^[A-Z]{2}$", "default": "CN"}),
            "Whose identity-number rules check identity_number.",
        ),
        _ => (json!({"type": "string"}), ""),
    };
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

fn header_parameters(op: &Op) -> Vec<Value> {
    let mut params = Vec::new();
    if op.money {
        params.push(
            json!({"name": super::idempotency::HEADER, "in": "header", "required": true,
            "schema": {"type": "string", "minLength": 1, "maxLength": super::idempotency::KEY_LEN_MAX,
                       "pattern": "^[ -~]+$"},
            "description": "Required. A retry with the same key and request returns the first result; \
                            the same key with another request is refused (409)."}),
        );
    }
    params
}

fn path_parameters(path: &str) -> Vec<Value> {
    ["id", "tx_id"]
        .iter()
        .filter(|name| path.contains(&format!("{{{name}}}")))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": id()}))
        .collect()
}

fn problem_response(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/problem+json": {"schema": schema_ref("Problem")}}})
}

/// JSON by default; with `?format=csv|xlsx` the same table as a file download.
fn downloadable(schema: &str) -> Value {
    json!({"description": "Success: JSON, or with `format=csv|xlsx` a file (`Content-Disposition: attachment`)",
    "headers": {"Content-Disposition": {"schema": {"type": "string"},
        "description": "`attachment; filename=\"….csv\"` (or .xlsx) for format=csv|xlsx."}},
    "content": {
        "application/json": {"schema": schema_ref(schema)},
        super::ledger::CSV_CONTENT_TYPE: {"schema": {"type": "string"}},
        super::ledger::XLSX_CONTENT_TYPE: {"schema": {"type": "string", "contentMediaType":
            super::ledger::XLSX_CONTENT_TYPE, "contentEncoding": "binary"}},
    }})
}

fn responses(op: &Op) -> Value {
    let mut out = Map::new();
    let success = match op.success.1 {
        "" => {
            json!({"description": "The OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}})
        }
        schema if op.query.contains(&"format") => downloadable(schema),
        schema => {
            json!({"description": "Success", "content": {"application/json": {"schema": schema_ref(schema)}}})
        }
    };
    out.insert(op.success.0.to_string(), success);
    let mut errors: Vec<(u16, &str)> = vec![(500, "Internal error (no detail)")];
    if !is_public(op) {
        errors.push((
            401,
            "No valid session: no bearer token, or a bad, expired or ended one, or a refused login",
        ));
    }
    if !is_public(op) && op.id != "logout" {
        errors.push((
            403,
            "Signed in, but your roles or your place in the organisation do not allow this (`detail` names the permission)",
        ));
    }
    if op.method == "post" {
        errors.extend([
            (400, "Malformed body or header"),
            (404, "A referenced resource does not exist"),
            (
                409,
                "Refused: state, business rule, duplicate or idempotency mismatch",
            ),
            (413, "Body too large"),
            (415, "Body not application/json"),
            (422, "A field is invalid (see `field`)"),
        ]);
    }
    if op.path.contains('{') {
        errors.extend([
            (404, "No such resource"),
            (422, "A path id is not a whole number ≥ 1"),
        ]);
    }
    if !op.query.is_empty() {
        errors.push((422, "A query parameter is invalid (see `field`)"));
    }
    for (status, description) in errors {
        out.entry(status.to_string())
            .or_insert_with(|| problem_response(description));
    }
    Value::Object(out)
}

fn operation(op: &Op) -> Value {
    let mut params = path_parameters(op.path);
    params.extend(op.query.iter().map(|q| query_parameter(q)));
    params.extend(header_parameters(op));
    let security = if is_public(op) {
        json!([])
    } else {
        json!([{"bearer": []}])
    };
    let mut doc = json!({"operationId": op.id, "security": security, "tags": [op.tag], "summary": op.summary,
                         "parameters": params, "responses": responses(op)});
    if let Some(permission) = super::permissions::permission_of(op.id) {
        doc["x-credgrid-permission"] = json!(permission);
    }
    if let Some((schema, required)) = op.body {
        doc["requestBody"] = json!({"required": required, "content": {"application/json": {
            "schema": schema_ref(schema), "example": example(schema)}}});
    }
    doc
}

/// The operations anyone may call without signing in: the OpenAPI
/// document, the health probe and the login itself.
fn is_public(op_id: &Op) -> bool {
    matches!(op_id.id, "getOpenApi" | "getHealth" | "login")
}

/// A valid example of each request body.
pub fn example(schema: &str) -> Value {
    match schema {
        "NewNode" => json!({"parent_id": 1, "kind": "branch", "code": "BR-N", "name": "North branch"}),
        "NewClient" => json!({"outlet_id": 3, "kind": "individual", "name": "Li Wei", "id_country": "CN",
            "id_number": "11010519491231002X", "phone": "+86 138 0013 8000", "address": "Xiaoshan village 12"}),
        "NewProduct" => json!({"code": "AGRI12", "name": "Farm input loan", "currency": "CNY",
            "amount_min": "1000.00", "amount_max": "50000.00", "installments_min": 3, "installments_max": 24,
            "installments_default": 12, "annual_rate_min": "6", "annual_rate_max": "18",
            "annual_rate_default": "12", "method": "annuity", "every": 1, "unit": "months"}),
        "LoanApplication" => json!({"client_id": 1, "product_id": 1, "principal": "5000.00",
            "annual_rate": "12", "installments": 12, "purpose": "seed and fertiliser"}),
        "Reason" => json!({"reason": "client request"}),
        "Repayment" => json!({"amount": "500.00"}),
        "FeeCharge" => json!({"amount": "20.00", "reason": "field visit"}),
        "Recovery" => json!({"amount": "100.00"}),
        "Login" => json!({"username": "admin", "password": "correct horse battery"}),
        "ScheduleRequest" => {
            json!({"principal": "5000.00", "annual_rate": "12", "installments": 12, "every": 1,
            "unit": "months", "disbursement_date": "2026-01-05", "method": "annuity"})
        }
        other => super::config::example(other)
            .or_else(|| super::grid::example(other))
            .or_else(|| super::applications::example(other))
            .or_else(|| super::collection::example(other))
            .or_else(|| super::rating::example(other))
            .unwrap_or_else(|| json!({})),
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPS {
        let entry = paths
            .entry(format!("{PREFIX}{}", op.path))
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    let mut schemas: Map<String, Value> = Map::new();
    schemas.extend(request_schemas().into_iter().map(|(k, v)| (k.to_string(), v)));
    schemas.extend(view_schemas().into_iter().map(|(k, v)| (k.to_string(), v)));
    schemas.extend(
        super::collection::openapi_schemas()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    schemas.extend(
        super::rating::openapi_schemas()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    schemas.extend(
        super::grid::openapi_schemas()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    schemas.extend(
        super::config::openapi_schemas()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    schemas.extend(
        super::applications::openapi_schemas()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "credgrid API", "version": env!("CARGO_PKG_VERSION"),
            "description": "The lending core of a rural credit cooperative. Amounts are decimal strings in \
                major units; rates are percentages as decimal strings (\"12\" = 12 %); dates are YYYY-MM-DD. \
                Errors are application/problem+json (RFC 9457) with a stable `type` per error. \
                422: a named field, query or path parameter is invalid (`field` names it); \
                400: the body is not a JSON object or a header is missing or invalid."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
            "description": "A session token from POST /api/v1/sessions. Required by every operation but \
                the OpenAPI document, the health probe and the login."}}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_lists_exactly_the_routes_of_the_router() {
        let doc = document();
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
        let routed: BTreeSet<(String, String)> = super::super::route_table()
            .into_iter()
            .map(|(m, p)| (m.to_string(), p))
            .collect();
        assert_eq!(documented, routed);
        assert_eq!(routed.len(), OPS.len(), "a route is registered twice");
    }

    #[test]
    fn every_reference_resolves_and_every_example_has_its_required_fields() {
        let doc = document();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(doc["components"]["schemas"].get(name).is_some(), "unresolved {r}");
        }
        for op in OPS {
            let Some((schema, _)) = op.body else { continue };
            let required = doc["components"]["schemas"][schema]["required"]
                .as_array()
                .unwrap()
                .clone();
            let example = example(schema);
            for field in required {
                assert!(
                    example.get(field.as_str().unwrap()).is_some(),
                    "{schema} example lacks {field}"
                );
            }
        }
    }

    #[test]
    fn the_reports_and_the_journal_document_their_downloads() {
        let doc = document();
        let downloadable: Vec<&str> = OPS
            .iter()
            .filter(|op| op.query.contains(&"format"))
            .map(|op| op.id)
            .collect();
        assert_eq!(
            downloadable,
            [
                "listJournal",
                "getPortfolio",
                "getBalanceSheet",
                "getIncomeStatement",
                "getTrialBalance"
            ]
        );
        for op in OPS.iter().filter(|op| op.query.contains(&"format")) {
            let spec = &doc["paths"][format!("{PREFIX}{}", op.path)][op.method];
            let content = spec["responses"]["200"]["content"].as_object().unwrap();
            let types: BTreeSet<&str> = content.keys().map(String::as_str).collect();
            let expected = BTreeSet::from([
                "application/json",
                "text/csv; charset=utf-8",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ]);
            assert_eq!(types, expected, "{}", op.id);
            let format = spec["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "format")
                .unwrap();
            assert_eq!(
                format["schema"]["enum"],
                json!(["json", "csv", "xlsx"]),
                "{}",
                op.id
            );
        }
    }

    #[test]
    fn operations_that_move_money_require_an_idempotency_key() {
        let doc = document();
        for op in OPS.iter().filter(|op| op.money) {
            let params = doc["paths"][format!("{PREFIX}{}", op.path)][op.method]["parameters"]
                .as_array()
                .unwrap()
                .clone();
            let key = params
                .iter()
                .find(|p| p["name"] == "Idempotency-Key")
                .expect(op.id);
            assert_eq!(key["required"], true);
        }
        let money: Vec<&str> = OPS.iter().filter(|op| op.money).map(|op| op.id).collect();
        assert_eq!(
            money,
            [
                "disburseLoan",
                "repayLoan",
                "reverseTransaction",
                "chargeFee",
                "writeOffLoan",
                "recoverLoan"
            ]
        );
    }
}
