//! credgrid-api: wire formats (JSON documents, HTTP API) over the use cases.
pub mod dto;
pub mod http;
pub mod report_doc;
pub mod schedule_doc;
pub mod sheet;
pub mod sms_gateway;
pub mod ui;
pub mod xlsx;
