//! An OTLP/HTTP log receiver on loopback (feature `otlp`): klog-opentelemetry's tests and
//! example post to it, and read back what arrived, decoded with the OpenTelemetry
//! protocol's own definitions (`opentelemetry-proto`).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message as _;

/// One received log record with the resource and scope it came under.
#[derive(Clone, Debug)]
pub struct Received {
    /// The resource of its `ResourceLogs`.
    pub resource: Resource,
    /// The scope of its `ScopeLogs`.
    pub scope: InstrumentationScope,
    /// The record.
    pub record: LogRecord,
}

impl Received {
    /// The attribute `key`, if present.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        find(&self.record.attributes, key)
    }

    /// The resource attribute `key`, if present.
    pub fn resource_attribute(&self, key: &str) -> Option<&Value> {
        find(&self.resource.attributes, key)
    }

    /// The body as a string (empty if it is not one).
    pub fn body(&self) -> &str {
        match self.record.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(Value::StringValue(s)) => s,
            _ => "",
        }
    }
}

/// The value of `key` among `attributes`.
pub fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

/// A receiver listening on `127.0.0.1`, on a port of its own; stops when dropped.
pub struct Receiver {
    port: u16,
    requests: Arc<Mutex<Vec<ExportLogsServiceRequest>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Starts a receiver that accepts `POST /v1/logs` with a protobuf body.
    pub fn start() -> Receiver {
        Receiver::start_on(0)
    }

    /// [`start`](Receiver::start) on `port` (0: any free one).
    pub fn start_on(port: u16) -> Receiver {
        let server = Arc::new(tiny_http::Server::http(("127.0.0.1", port)).expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (s, r) = (server.clone(), requests.clone());
        let thread = std::thread::spawn(move || serve(&s, &r));
        Receiver {
            port,
            requests,
            server,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/v1/logs`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/v1/logs", self.port)
    }

    /// `http://127.0.0.1:PORT` (what `OTEL_EXPORTER_OTLP_ENDPOINT` takes).
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<ExportLogsServiceRequest> {
        self.requests.lock().expect("requests").clone()
    }

    /// Every record received so far, in order.
    pub fn records(&self) -> Vec<Received> {
        flatten(&self.requests())
    }

    /// Waits until at least `n` records arrived (or `timeout` passed), and returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let records = self.records();
            if records.len() >= n || Instant::now() >= deadline {
                return records;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The records of `requests`, each with its resource and scope.
pub fn flatten(requests: &[ExportLogsServiceRequest]) -> Vec<Received> {
    let mut out = Vec::new();
    for request in requests {
        for resource_logs in &request.resource_logs {
            let resource = resource_logs.resource.clone().unwrap_or_default();
            for scope_logs in &resource_logs.scope_logs {
                let scope = scope_logs.scope.clone().unwrap_or_default();
                for record in &scope_logs.log_records {
                    out.push(Received {
                        resource: resource.clone(),
                        scope: scope.clone(),
                        record: record.clone(),
                    });
                }
            }
        }
    }
    out
}

fn serve(server: &tiny_http::Server, requests: &Mutex<Vec<ExportLogsServiceRequest>>) {
    for mut request in server.incoming_requests() {
        let mut body = Vec::new();
        let read = std::io::Read::read_to_end(request.as_reader(), &mut body);
        let protobuf = request
            .headers()
            .iter()
            .any(|h| h.field.equiv("Content-Type") && h.value.as_str() == "application/x-protobuf");
        let decoded = (read.is_ok() && protobuf && request.url() == "/v1/logs")
            .then(|| ExportLogsServiceRequest::decode(body.as_slice()).ok())
            .flatten();
        let response = match decoded {
            Some(decoded) => {
                requests.lock().expect("requests").push(decoded);
                let header =
                    tiny_http::Header::from_bytes("Content-Type", "application/x-protobuf")
                        .expect("a header");
                tiny_http::Response::from_data(ExportLogsServiceResponse::default().encode_to_vec())
                    .with_header(header)
            }
            None => tiny_http::Response::from_data(b"bad request".to_vec()).with_status_code(400),
        };
        let _ = request.respond(response);
    }
}
