//! credgrid-api: wire formats (JSON documents, HTTP API) over the use cases.
pub mod report_doc;
