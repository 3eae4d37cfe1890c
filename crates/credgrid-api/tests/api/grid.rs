//! The grid over HTTP (issue 6): cells and a household file through the
//! API, and sheet imports in both modes from an XLSX body and from a
//! multipart CSV upload, with the validation report and the rejects file.

use super::helpers::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn upload(app: &TestApp, path: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {}", app.token))
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A household sheet as XLSX: a good row and a row with an unknown cell.
fn households_xlsx(cell: i64) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "household_id",
        "cell_id",
        "head_name",
        "identity_number",
        "members",
        "land_mu",
        "annual_income",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        ["701", &cell.to_string(), "Wang Wei", "", "4", "3.5", "12000.00"],
        ["702", "99999", "Zhang Min", "", "3", "", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *text).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

async fn setup(app: &TestApp) -> i64 {
    let branch = app
        .post(
            "/api/v1/nodes",
            &json!({"parent_id": 1, "kind": "branch", "code": "B", "name": "Branch"}),
        )
        .await;
    let branch = branch.ok("branch")["id"].as_i64().unwrap();
    let outlet = app
        .post(
            "/api/v1/nodes",
            &json!({"parent_id": branch, "kind": "outlet", "code": "O", "name": "Outlet"}),
        )
        .await;
    let outlet = outlet.ok("outlet")["id"].as_i64().unwrap();
    let tester = app.institution.user_named("tester").unwrap().unwrap().user_id;
    let cell = app
        .post(
            "/api/v1/grid/cells",
            &json!({"outlet_id": outlet, "kind": "village_group", "name": "Dongcun", "full_time_worker_id": tester}),
        )
        .await;
    assert_eq!(cell.status, StatusCode::CREATED, "{}", cell.body);
    cell.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_xlsx_import_is_all_or_nothing_unless_valid_rows_are_asked_for() {
    let app = TestApp::new("grid-xlsx");
    let cell = setup(&app).await;
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let (status, report) = upload(
        &app,
        "/api/v1/grid/imports/households",
        xlsx,
        households_xlsx(cell),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["refused_whole"], json!(true));
    assert_eq!(report["imported"], json!(0));
    assert_eq!(
        report["issues"][0],
        json!({"row": 3, "column": "cell_id", "reason": "unknown_cell", "detail": ""})
    );
    assert_eq!(
        app.get("/api/v1/grid/households/701").await.status,
        StatusCode::NOT_FOUND
    );

    let path = "/api/v1/grid/imports/households?mode=valid-rows";
    let (status, report) = upload(&app, path, xlsx, households_xlsx(cell)).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["imported"], json!(1));
    let rejects = report["rejects_csv"].as_str().unwrap();
    assert_eq!(
        rejects.lines().collect::<Vec<_>>(),
        [
            "household_id,cell_id,head_name,identity_number,members,land_mu,annual_income,errors",
            "702,99999,Zhang Min,,3,,,cell_id: unknown_cell",
        ]
    );
    let file = app.get("/api/v1/grid/households/701").await;
    let file = file.ok("file");
    assert_eq!(file["land"][0]["area_centimu"], json!(350));
    assert_eq!(
        file["income_sources"][0]["annual"],
        json!({"amount": "12000.00", "currency": "CNY"})
    );
    assert!(file["missing"].as_array().unwrap().contains(&json!("visits")));
    let coverage = app.get("/api/v1/grid/coverage?level=cell").await;
    assert_eq!(
        coverage.ok("coverage")["units"][0]["figures"]["households"],
        json!(1)
    );
}

#[tokio::test]
async fn a_multipart_csv_upload_reports_row_column_and_reason() {
    let app = TestApp::new("grid-multipart");
    let cell = setup(&app).await;
    let csv = format!(
        "household_id,cell_id,head_name,identity_number,members,land_mu,annual_income\r\n\
         801,{cell},Li Hua,,2,1,\r\n801,{cell},Li Hua again,,2,1,\r\n"
    );
    let body = format!(
        "--B0undary\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nvalid-rows\r\n\
         --B0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--B0undary--\r\n"
    );
    let (status, report) = upload(
        &app,
        "/api/v1/grid/imports/households",
        "multipart/form-data; boundary=B0undary",
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["mode"], json!("valid-rows"));
    assert_eq!(report["rejected_rows"], json!([3]));
    assert_eq!(report["issues"][0]["detail"], json!("first seen on row 2"));
    let (status, problem) = upload(
        &app,
        "/api/v1/grid/imports/households",
        "text/csv",
        b"a,b\n1,2\n".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("household_id"),
        "{problem}"
    );
}
