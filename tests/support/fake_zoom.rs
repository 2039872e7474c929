//! A fake Zoom API on 127.0.0.1 for the tests, built from an [`Account`] held in memory.
//!
//! It takes an account (users, meeting instances, join rows) and [`Options`] that choose the
//! credentials, page sizes, rate limits and clock rules, and serves the endpoints zoom-report
//! calls the way shared/ZOOM_API.md describes Zoom: Server-to-Server OAuth tokens, the
//! report endpoints with opaque page tokens, the double-encoding rule for meeting uuids, and
//! 429 answers per category. Tests script failures with [`Fault`]s and read back every
//! request in [`FakeZoom::requests`], which never holds a secret or a token.

use std::collections::{HashMap, VecDeque};
use std::future::IntoFuture;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{self, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use chrono::{DateTime, Months, NaiveDate, Utc};
use futures::StreamExt;
use percent_encoding::percent_decode_str;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Map, Value, json};

/// The users, meeting instances and join rows the fake serves.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// User objects as `GET /users` returns them; the first one is the owner (`me`).
    pub users: Vec<Value>,
    /// (host user id, meeting instance as an item of `GET /report/users/{id}/meetings`).
    pub meetings: Vec<(String, Map<String, Value>)>,
    /// Instance uuid to its join rows, as `GET /report/meetings/{uuid}/participants` lists them.
    pub participants: HashMap<String, Vec<Map<String, Value>>>,
}

impl Account {
    /// Loads an archive folder written by zoom-report (`manifest.json`, `meetings.jsonl`,
    /// `participants.jsonl`), reading the files directly so the fake does not depend on the
    /// code under test.
    ///
    /// Users are the meetings' hosts in order of first appearance, so the first host is the
    /// account owner. Panics, naming the file, when a file is missing or not valid JSON.
    pub fn from_archive(dir: &Path) -> Account {
        let manifest = std::fs::read_to_string(dir.join("manifest.json"))
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.join("manifest.json").display()));
        let _: Value = serde_json::from_str(&manifest).expect("manifest.json is JSON");

        let meetings = read_jsonl(&dir.join("meetings.jsonl"));
        let mut account = Account::default();
        for meeting in meetings {
            let host = text(&meeting, "host_id").to_string();
            if !account.users.iter().any(|user| user["id"] == host.as_str()) {
                account.users.push(user_from_host(&meeting));
            }
            account.meetings.push((host, meeting));
        }

        for mut row in read_jsonl(&dir.join("participants.jsonl")) {
            let uuid = row
                .remove("meeting_uuid")
                .and_then(|v| v.as_str().map(String::from));
            let uuid = uuid.expect("every participants.jsonl row has a meeting_uuid");
            account.participants.entry(uuid).or_default().push(row);
        }
        account
    }
}

/// Reads one JSON object per non-blank line.
fn read_jsonl(path: &Path) -> Vec<Map<String, Value>> {
    let content =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    content
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: bad line {line:?}: {e}", path.display()))
        })
        .collect()
}

/// A user object for the host of an archived meeting instance.
fn user_from_host(meeting: &Map<String, Value>) -> Value {
    let name = text(meeting, "user_name");
    let (first_name, last_name) = name.rsplit_once(' ').unwrap_or((name, ""));
    json!({
        "id": text(meeting, "host_id"),
        "email": text(meeting, "user_email"),
        "display_name": name,
        "first_name": first_name,
        "last_name": last_name,
        "type": 2,
        "status": "active",
        "timezone": "Asia/Ho_Chi_Minh",
        "dept": "",
    })
}

/// A string field of a JSON object, or `""`.
fn text<'a>(object: &'a Map<String, Value>, field: &str) -> &'a str {
    object.get(field).and_then(Value::as_str).unwrap_or("")
}

/// How the fake behaves: credentials, limits, page sizes and clock rules.
#[derive(Clone, Debug)]
pub struct Options {
    /// Default `acct-123`.
    pub account_id: String,
    /// Default `client-abc`.
    pub client_id: String,
    /// Default `secret-XYZ-do-not-log`.
    pub client_secret: String,
    /// How long an access token lives; `expires_in` reports it in whole seconds. Default 1 h.
    pub token_ttl: Duration,
    /// Scopes every token carries. Default the three classic admin scopes.
    pub scopes: Vec<String>,
    /// Rows per page are `min(page_size, 300, page_size_cap)`. Default 300.
    pub page_size_cap: usize,
    /// Added to every request before it is handled. Default none.
    pub latency: Duration,
    /// Heavy requests allowed to start in any one second. Default unlimited.
    pub heavy_per_second: Option<u32>,
    /// Medium requests allowed to start in any one second. Default unlimited.
    pub medium_per_second: Option<u32>,
    /// Heavy requests answered before every further one gets the daily 429. Default unlimited.
    pub daily_heavy_limit: Option<u32>,
    /// Whether the token answer names this fake as `api_url` (without `/v2`). Default false.
    pub advertise_api_url: bool,
    /// Another host for the token answer to name as `api_url`. Default none.
    pub advertise_other_api_url: Option<String>,
    /// How long a `next_page_token` stays valid. Default 15 min, as at Zoom.
    pub page_token_ttl: Duration,
    /// "Today" for the six-month rule of the meetings report. Default none: no rule.
    pub max_months_back: Option<NaiveDate>,
    /// The port to listen on. Default 0: one the system picks.
    pub port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            account_id: "acct-123".into(),
            client_id: "client-abc".into(),
            client_secret: "secret-XYZ-do-not-log".into(),
            token_ttl: Duration::from_secs(3600),
            scopes: ["report:read:admin", "user:read:admin", "meeting:read:admin"]
                .map(String::from)
                .to_vec(),
            page_size_cap: 300,
            latency: Duration::ZERO,
            heavy_per_second: None,
            medium_per_second: None,
            daily_heavy_limit: None,
            advertise_api_url: false,
            advertise_other_api_url: None,
            page_token_ttl: Duration::from_secs(15 * 60),
            max_months_back: None,
            port: 0,
        }
    }
}

/// One request as the fake received it. Holds no credential: the query has any secret or
/// token replaced by `***`.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    /// The path exactly as on the wire, still percent-encoded.
    pub raw_path: String,
    pub query: String,
    /// The status answered; 0 when the client went away before the answer.
    pub status: u16,
    /// `Some("basic")`, `Some("bearer")`, `Some("other")`, or `None` without the header.
    pub auth: Option<&'static str>,
    pub at: Instant,
}

/// A scripted failure for the next `times` requests whose raw path contains `path_contains`.
///
/// An empty `path_contains` matches every API request but not the token endpoint, which only
/// a fault naming part of its path (such as `/oauth`) reaches.
#[derive(Clone, Debug)]
pub struct Fault {
    pub path_contains: String,
    pub times: usize,
    pub kind: FaultKind,
}

impl Fault {
    pub fn new(path_contains: &str, times: usize, kind: FaultKind) -> Fault {
        Fault {
            path_contains: path_contains.into(),
            times,
            kind,
        }
    }
}

/// What a [`Fault`] does to a request.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answers this status and JSON body instead.
    Status { status: u16, body: Value },
    /// A per-second 429, with every `X-RateLimit-*` header or none.
    RateLimitQps {
        headers: bool,
        retry_after_seconds: Option<u64>,
    },
    /// A daily-limit 429 with this `Retry-After`.
    DailyLimit { retry_after: String },
    /// Answers normally after this delay.
    Delay(Duration),
    /// Sends the status, headers and half the body, then aborts the connection.
    DropConnection,
    /// Answers a complete response whose JSON body is cut in half.
    TruncatedJson,
    /// Answers normally, but the page token never moves on, so a naive client loops.
    RepeatPageToken,
    /// Answers a page shorter than the page size that is not the last page.
    ShortPage,
    /// Answers 400 code 300 to a request that sends back a page token, as Zoom does once
    /// the token is older than its 15 minutes. Requests without a token pass it by.
    ExpiredPageToken,
}

/// A running fake Zoom; dropping it stops the server.
pub struct FakeZoom {
    base_url: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeZoom {
    /// Binds 127.0.0.1 and serves on a thread with its own tokio runtime, so it works from
    /// plain `#[test]`s that run the binary and from `#[tokio::test]`s alike.
    ///
    /// Returns once the socket listens. Panics if the port cannot be bound.
    pub fn start(account: Account, options: Options) -> FakeZoom {
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))
            .expect("fake Zoom binds 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("listener goes non-blocking");
        let port = listener
            .local_addr()
            .expect("listener has an address")
            .port();
        let base_url = format!("http://127.0.0.1:{port}");

        let shared = Arc::new(Shared {
            base_url: base_url.clone(),
            account,
            options,
            state: Mutex::default(),
        });
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread = serve_in_thread(listener, Arc::clone(&shared), stop);
        FakeZoom {
            base_url,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn oauth_url(&self) -> String {
        format!("{}/oauth/token", self.base_url)
    }

    pub fn api_url(&self) -> String {
        format!("{}/v2", self.base_url)
    }

    /// The variables that point zoom-report at this fake, with valid credentials.
    pub fn env(&self) -> Vec<(String, String)> {
        let options = &self.shared.options;
        [
            ("ZOOM_ACCOUNT_ID", options.account_id.clone()),
            ("ZOOM_CLIENT_ID", options.client_id.clone()),
            ("ZOOM_CLIENT_SECRET", options.client_secret.clone()),
            ("ZOOM_OAUTH_URL", self.oauth_url()),
            ("ZOOM_API_URL", self.api_url()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
    }

    /// Queues a fault; faults are consumed in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.state().faults.push_back(fault);
    }

    /// How many scripted failures have not fired yet.
    pub fn pending_faults(&self) -> usize {
        self.shared.state().faults.iter().map(|f| f.times).sum()
    }

    /// Makes every token issued so far invalid (401 code 124 on its next use).
    pub fn expire_access_tokens(&self) {
        self.shared.state().access_tokens.clear();
    }

    /// Makes every page token issued so far expired (400 code 300 on its next use).
    pub fn expire_page_tokens(&self) {
        for cursor in self.shared.state().cursors.values_mut() {
            cursor.is_expired = true;
        }
    }

    /// Every request received, in order of arrival.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.state().log.clone()
    }

    /// How many requests reached the token endpoint, answered or not.
    pub fn token_requests(&self) -> usize {
        self.shared.state().token_requests
    }

    /// Every access token issued so far, for tests that prove no output holds one.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.state().issued_tokens.clone()
    }

    /// How many meetings reports asked for more than one month (answered 400 code 300).
    pub fn over_month_requests(&self) -> usize {
        self.shared.state().over_month_requests
    }
}

impl Drop for FakeZoom {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the server until `stop` fires, then drops every open connection at once: a test that
/// ends while a delayed answer is pending must not wait for it.
fn serve_in_thread(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> JoinHandle<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("fake Zoom runtime starts");
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let app = Router::new().fallback(handle).with_state(shared);
            tokio::select! {
                _ = axum::serve(listener, app).into_future() => {}
                _ = stop => {}
            }
        });
        runtime.shutdown_background();
    })
}

/// The account, options and everything that changes while serving.
struct Shared {
    base_url: String,
    account: Account,
    options: Options,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Access token to its expiry.
    access_tokens: HashMap<String, Instant>,
    /// Every token ever issued, kept only to scrub them from the log.
    issued_tokens: Vec<String>,
    cursors: HashMap<String, Cursor>,
    faults: VecDeque<Fault>,
    log: Vec<LoggedRequest>,
    token_requests: usize,
    over_month_requests: usize,
    heavy_starts: VecDeque<Instant>,
    medium_starts: VecDeque<Instant>,
    heavy_total: u32,
}

/// What a page token stands for on the server side.
struct Cursor {
    /// The listing and its parameters; the token is refused for any other.
    key: String,
    offset: usize,
    issued_at: Instant,
    is_expired: bool,
    /// Set by [`FaultKind::RepeatPageToken`]: the page it leads to names it again.
    repeats: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The one handler: it routes on the raw path itself, because the uuid rules depend on how
/// the client encoded the path and axum's extractors would decode it first.
async fn handle(extract::State(shared): extract::State<Arc<Shared>>, request: Request) -> Response {
    let index = log_arrival(&shared, &request);
    tokio::time::sleep(shared.options.latency).await;

    let (parts, body) = request.into_parts();
    let raw_path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let response = if raw_path.starts_with("/oauth/") {
        let body = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        answer_token(&shared, &parts.method, &parts.headers, &raw_path, &body).await
    } else {
        answer_api(&shared, &parts.method, &parts.headers, &raw_path, &query).await
    };

    shared.state().log[index].status = response.status().as_u16();
    response
}

/// Logs a request as it arrives, with credentials scrubbed, and returns its place in the log.
fn log_arrival(shared: &Shared, request: &Request) -> usize {
    let auth = request.headers().get(header::AUTHORIZATION).map(|value| {
        let value = value.to_str().unwrap_or("").to_ascii_lowercase();
        if value.starts_with("basic ") {
            "basic"
        } else if value.starts_with("bearer ") {
            "bearer"
        } else {
            "other"
        }
    });

    let mut state = shared.state();
    let mut query = request.uri().query().unwrap_or("").to_string();
    let secrets = state
        .issued_tokens
        .iter()
        .chain([&shared.options.client_secret]);
    for secret in secrets.filter(|s| !s.is_empty()) {
        query = query.replace(secret.as_str(), "***");
    }
    state.log.push(LoggedRequest {
        method: request.method().to_string(),
        raw_path: request.uri().path().to_string(),
        query,
        status: 0,
        auth,
        at: Instant::now(),
    });
    state.log.len() - 1
}

/// A JSON answer before it becomes an HTTP response.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    /// An API error in Zoom's `{"code", "message"}` shape.
    fn error(status: u16, code: u32, message: impl Into<String>) -> Reply {
        let body = json!({ "code": code, "message": message.into() });
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// A token error in the OAuth `{"reason", "error"}` shape.
    fn oauth_error(reason: &str, error: &str) -> Reply {
        Reply {
            status: 400,
            body: json!({ "reason": reason, "error": error }),
            headers: Vec::new(),
        }
    }

    fn header(mut self, name: &'static str, value: impl ToString) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// The JSON body of an expired or invalid page token.
fn invalid_page_token() -> Reply {
    Reply::error(400, 300, "The next page token is invalid or expired.")
}

/// What the fault at the head of the queue does to one request.
enum Plan {
    Normal,
    /// Answer this instead of handling the request.
    Answer(Reply),
    Delay(Duration),
    Drop,
    Truncate,
    Page(PageTweak),
}

/// How a fault bends the pagination of one answer.
#[derive(Clone, Copy)]
enum PageTweak {
    Repeat,
    Short,
}

/// The rate-limit category of an endpoint.
#[derive(Clone, Copy)]
enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
            Category::Heavy => "Heavy",
        }
    }
}

/// Takes the first queued fault that matches this path and turns it into a plan.
fn take_fault(shared: &Shared, raw_path: &str, query: &str, category: Category) -> Plan {
    let mut state = shared.state();
    let is_token_path = raw_path.starts_with("/oauth/");
    let has_page_token = query.contains("next_page_token=");
    let found = state.faults.iter().position(|fault| {
        let reaches = !is_token_path || !fault.path_contains.is_empty();
        let applies = has_page_token || !matches!(fault.kind, FaultKind::ExpiredPageToken);
        fault.times > 0 && reaches && applies && raw_path.contains(&fault.path_contains)
    });
    let Some(index) = found else {
        return Plan::Normal;
    };

    let fault = &mut state.faults[index];
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        state.faults.remove(index);
    }
    drop(state);
    plan(shared, kind, category)
}

/// Answers now for the faults that replace the answer; marks the others for later.
fn plan(shared: &Shared, kind: FaultKind, category: Category) -> Plan {
    match kind {
        FaultKind::ExpiredPageToken => Plan::Answer(invalid_page_token()),
        FaultKind::Status { status, body } => Plan::Answer(Reply {
            status,
            body,
            headers: vec![],
        }),
        FaultKind::RateLimitQps {
            headers,
            retry_after_seconds,
        } => {
            let mut reply = qps_limit_reply(category, per_second_limit(shared, category));
            if !headers {
                reply.headers.clear();
            }
            if let Some(seconds) = retry_after_seconds {
                reply = reply.header("Retry-After", seconds);
            }
            Plan::Answer(reply)
        }
        FaultKind::DailyLimit { retry_after } => {
            let limit = shared.options.daily_heavy_limit.unwrap_or(60_000);
            Plan::Answer(daily_limit_reply(limit, &retry_after))
        }
        FaultKind::Delay(delay) => Plan::Delay(delay),
        FaultKind::DropConnection => Plan::Drop,
        FaultKind::TruncatedJson => Plan::Truncate,
        FaultKind::RepeatPageToken => Plan::Page(PageTweak::Repeat),
        FaultKind::ShortPage => Plan::Page(PageTweak::Short),
    }
}

/// The configured per-second limit, or the Business plan's when none is set.
fn per_second_limit(shared: &Shared, category: Category) -> u32 {
    match category {
        Category::Heavy => shared.options.heavy_per_second.unwrap_or(40),
        Category::Medium => shared.options.medium_per_second.unwrap_or(60),
        Category::Light => 80,
    }
}

fn qps_limit_reply(category: Category, limit: u32) -> Reply {
    let message = "You have reached the maximum per-second rate limit for this API. \
                   Try again later.";
    Reply::error(429, 429, message)
        .header("X-RateLimit-Category", category.name())
        .header("X-RateLimit-Type", "QPS")
        .header("X-RateLimit-Limit", limit)
        .header("X-RateLimit-Remaining", 0)
}

fn daily_limit_reply(limit: u32, retry_after: &str) -> Reply {
    let message = "You have reached the maximum daily rate limit for this API. \
                   Refer to the response header for details on when you can make another \
                   request.";
    Reply::error(429, 429, message)
        .header("X-RateLimit-Category", "Heavy")
        .header("X-RateLimit-Type", "Daily-limit")
        .header("X-RateLimit-Limit", limit)
        .header("X-RateLimit-Remaining", 0)
        .header("Retry-After", retry_after)
}

/// Runs a planned fault around the normal answer that `answer` computes.
async fn run_plan(plan: Plan, answer: impl FnOnce(Option<PageTweak>) -> Reply) -> Response {
    match plan {
        Plan::Normal => respond(answer(None)),
        Plan::Answer(reply) => respond(reply),
        Plan::Delay(delay) => {
            tokio::time::sleep(delay).await;
            respond(answer(None))
        }
        Plan::Drop => drop_midway(answer(None)),
        Plan::Truncate => truncate(answer(None)),
        Plan::Page(tweak) => respond(answer(Some(tweak))),
    }
}

/// The token endpoint. Faults reach it before any check, so a test can fail it outright.
async fn answer_token(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    raw_path: &str,
    body: &[u8],
) -> Response {
    if raw_path != "/oauth/token" {
        return respond(Reply::error(404, 404, "Not found."));
    }
    shared.state().token_requests += 1;
    if method != Method::POST {
        return respond(Reply::error(405, 405, "Method not allowed."));
    }

    let plan = take_fault(shared, raw_path, "", Category::Light);
    run_plan(plan, |_| issue_token(shared, headers, body)).await
}

/// Checks the client's credentials and form, then issues a fresh token.
fn issue_token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Reply {
    let options = &shared.options;
    if !has_client_credentials(headers, options) {
        return Reply::oauth_error("Invalid client_id or client_secret", "invalid_client");
    }

    // Zoom documents the parameters in the query but has refused query-only requests, so
    // the fake accepts them only in a form body, which is what the client must send.
    let unsupported = Reply::oauth_error("unsupported grant type", "unsupported_grant_type");
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !is_form || body.is_empty() {
        return unsupported;
    }
    let form = parse_form(&String::from_utf8_lossy(body));
    if form.get("grant_type").map(String::as_str) != Some("account_credentials") {
        return unsupported;
    }
    if form.get("account_id") != Some(&options.account_id) {
        return Reply::oauth_error("Bad Request", "invalid_request");
    }

    Reply::ok(new_token_answer(shared))
}

fn has_client_credentials(headers: &HeaderMap, options: &Options) -> bool {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim());
    let expected = format!("{}:{}", options.client_id, options.client_secret);
    decoded.is_ok_and(|bytes| bytes == expected.as_bytes())
}

/// Records a new access token and builds the 200 answer for it. Older tokens stay valid.
fn new_token_answer(shared: &Shared) -> Value {
    let token = random_token(48);
    let options = &shared.options;
    let mut state = shared.state();
    state
        .access_tokens
        .insert(token.clone(), Instant::now() + options.token_ttl);
    state.issued_tokens.push(token.clone());

    let mut answer = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": options.token_ttl.as_secs(),
        "scope": options.scopes.join(" "),
    });
    if options.advertise_api_url {
        answer["api_url"] = json!(shared.base_url);
    }
    if let Some(other) = &options.advertise_other_api_url {
        answer["api_url"] = json!(other);
    }
    answer
}

fn random_token(length: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

/// Parses `a=1&b=2` with `+` as a space, as forms and query strings are encoded.
fn parse_form(encoded: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into()
    };
    encoded
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// One API endpoint, with its path parameter still as the client encoded it.
enum Route {
    UserMeetings { user: String },
    MeetingParticipants { meeting: String },
    MeetingDetails { meeting: String },
    WebinarParticipants { webinar: String },
    WebinarDetails { webinar: String },
    PastInstances { meeting: String },
    Users,
}

impl Route {
    /// Splits on the fixed parts only, so an id sent with a bare `/` is kept whole and then
    /// refused the way Zoom refuses it, instead of falling through to "no such endpoint".
    fn parse(raw_path: &str) -> Option<Route> {
        let between = |prefix: &str, suffix: &str| {
            let inner = raw_path.strip_prefix(prefix)?.strip_suffix(suffix)?;
            (!inner.is_empty()).then(|| inner.to_string())
        };
        if raw_path == "/v2/users" {
            return Some(Route::Users);
        }
        if let Some(user) = between("/v2/report/users/", "/meetings") {
            return Some(Route::UserMeetings { user });
        }
        if let Some(meeting) = between("/v2/report/meetings/", "/participants") {
            return Some(Route::MeetingParticipants { meeting });
        }
        if let Some(meeting) = between("/v2/report/meetings/", "") {
            return Some(Route::MeetingDetails { meeting });
        }
        if let Some(webinar) = between("/v2/report/webinars/", "/participants") {
            return Some(Route::WebinarParticipants { webinar });
        }
        if let Some(webinar) = between("/v2/report/webinars/", "") {
            return Some(Route::WebinarDetails { webinar });
        }
        let meeting = between("/v2/past_meetings/", "/instances")?;
        Some(Route::PastInstances { meeting })
    }

    fn category(&self) -> Category {
        match self {
            Route::PastInstances { .. } | Route::Users => Category::Medium,
            _ => Category::Heavy,
        }
    }

    /// The classic scope and the granular one; a token needs either.
    fn scopes(&self) -> [&'static str; 2] {
        match self {
            Route::UserMeetings { .. } => ["report:read:admin", "report:read:user:admin"],
            Route::MeetingParticipants { .. } => [
                "report:read:admin",
                "report:read:list_meeting_participants:admin",
            ],
            Route::MeetingDetails { .. } => ["report:read:admin", "report:read:meeting:admin"],
            Route::WebinarParticipants { .. } => [
                "report:read:admin",
                "report:read:list_webinar_participants:admin",
            ],
            Route::WebinarDetails { .. } => ["report:read:admin", "report:read:webinar:admin"],
            Route::PastInstances { .. } => [
                "meeting:read:admin",
                "meeting:read:list_past_instances:admin",
            ],
            Route::Users => ["user:read:admin", "user:read:list_users:admin"],
        }
    }
}

/// An API request: the token and scope are checked before faults are consumed, so a fault
/// meant for a real call is not spent on a request that would have been refused anyway.
async fn answer_api(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    raw_path: &str,
    query: &str,
) -> Response {
    let Some(route) = Route::parse(raw_path) else {
        return respond(Reply::error(404, 404, "The requested API was not found."));
    };
    if method != Method::GET {
        return respond(Reply::error(405, 405, "Method not allowed."));
    }
    if let Err(reply) = check_access(shared, headers, &route) {
        return respond(reply);
    }

    let mut plan = take_fault(shared, raw_path, query, route.category());
    if !matches!(plan, Plan::Answer(_)) {
        if let Err(reply) = check_rate(shared, route.category()) {
            plan = Plan::Answer(reply);
        }
    }
    let params = parse_form(query);
    run_plan(plan, |tweak| answer_route(shared, &route, &params, tweak)).await
}

/// Refuses a missing, unknown or expired token (401 code 124) and a token without the
/// endpoint's scope (400 code 4711, naming the scopes to add).
fn check_access(shared: &Shared, headers: &HeaderMap, route: &Route) -> Result<(), Reply> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "));
    let expiry = token.and_then(|token| shared.state().access_tokens.get(token.trim()).copied());
    if expiry.is_none_or(|expiry| Instant::now() >= expiry) {
        return Err(Reply::error(401, 124, "Invalid access token."));
    }

    let needed = route.scopes();
    if !shared
        .options
        .scopes
        .iter()
        .any(|scope| needed.contains(&scope.as_str()))
    {
        let message = format!(
            "Invalid access token, does not contain scopes:[{}].",
            needed.join(", ")
        );
        return Err(Reply::error(400, 4711, message));
    }
    Ok(())
}

/// Applies the daily and per-second limits. Only requests let through count towards them, so
/// a client that waits after a 429 gets in again.
fn check_rate(shared: &Shared, category: Category) -> Result<(), Reply> {
    let options = &shared.options;
    let mut guard = shared.state();
    let state = &mut *guard;
    let is_heavy = matches!(category, Category::Heavy);
    let daily = options.daily_heavy_limit.filter(|_| is_heavy);
    if let Some(daily) = daily.filter(|daily| state.heavy_total >= *daily) {
        return Err(daily_limit_reply(daily, &next_utc_midnight()));
    }

    let is_admitted = match category {
        Category::Heavy => admit(&mut state.heavy_starts, options.heavy_per_second),
        Category::Medium => admit(&mut state.medium_starts, options.medium_per_second),
        Category::Light => true,
    };
    if !is_admitted {
        return Err(qps_limit_reply(
            category,
            per_second_limit(shared, category),
        ));
    }
    if is_heavy {
        state.heavy_total += 1;
    }
    Ok(())
}

/// Records a start in a one-second sliding window, unless the window is already full.
fn admit(starts: &mut VecDeque<Instant>, limit: Option<u32>) -> bool {
    let Some(limit) = limit else { return true };
    let now = Instant::now();
    while starts
        .front()
        .is_some_and(|start| now - *start >= Duration::from_secs(1))
    {
        starts.pop_front();
    }
    if starts.len() >= limit as usize {
        return false;
    }
    starts.push_back(now);
    true
}

/// Zoom's daily limits reset at 00:00 UTC, and its `Retry-After` names that moment.
fn next_utc_midnight() -> String {
    let tomorrow = Utc::now().date_naive() + chrono::Days::new(1);
    format!("{}T00:00:00Z", tomorrow.format("%Y-%m-%d"))
}

fn answer_route(
    shared: &Shared,
    route: &Route,
    params: &HashMap<String, String>,
    tweak: Option<PageTweak>,
) -> Reply {
    let answer = match route {
        Route::UserMeetings { user } => user_meetings(shared, user, params, tweak),
        Route::MeetingParticipants { meeting } => participants(shared, meeting, params, tweak),
        Route::WebinarParticipants { webinar } => participants(shared, webinar, params, tweak),
        Route::MeetingDetails { meeting } => meeting_details(shared, meeting),
        // The fake's instances double as webinars: the answers have the same shape.
        Route::WebinarDetails { webinar } => meeting_details(shared, webinar),
        Route::PastInstances { meeting } => past_instances(shared, meeting),
        Route::Users => users(shared, params, tweak),
    };
    answer.unwrap_or_else(|reply| reply)
}

/// `GET /report/users/{userId}/meetings`: the user's instances that started (UTC date) within
/// `[from, to]`, in start order.
fn user_meetings(
    shared: &Shared,
    user: &str,
    params: &HashMap<String, String>,
    tweak: Option<PageTweak>,
) -> Result<Reply, Reply> {
    let user = percent_decode_str(user).decode_utf8_lossy();
    let host = resolve_user(&shared.account, &user)
        .ok_or_else(|| Reply::error(404, 1001, format!("User does not exist: {user}.")))?;
    let (from, to) = report_range(shared, params)?;
    let size = page_size(shared, params)?;

    let mut instances: Vec<&Map<String, Value>> = shared
        .account
        .meetings
        .iter()
        .filter(|(id, meeting)| *id == host && started_within(meeting, from, to))
        .map(|(_, meeting)| meeting)
        .collect();
    instances.sort_by(|a, b| text(a, "start_time").cmp(text(b, "start_time")));

    let kind = params.get("type").map(String::as_str).unwrap_or("past");
    let key = format!("meetings {host} {from} {to} {kind}");
    let page = next_page(shared, &key, instances.len(), size, params, tweak)?;
    Ok(Reply::ok(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "page_count": instances.len().div_ceil(size),
        "page_size": size,
        "total_records": instances.len(),
        "next_page_token": page.next,
        "meetings": instances[page.rows],
    })))
}

/// Finds a user by id, by email in any case, or `me` for the owner.
fn resolve_user(account: &Account, user: &str) -> Option<String> {
    let found = if user == "me" {
        account.users.first()
    } else {
        account.users.iter().find(|candidate| {
            candidate["id"] == user
                || candidate["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(user))
        })
    };
    found.and_then(|user| user["id"].as_str()).map(String::from)
}

/// Whether an instance's start falls on a UTC date within the range. An instance without a
/// readable start (Zoom has sent `""`) belongs to no range.
fn started_within(meeting: &Map<String, Value>, from: NaiveDate, to: NaiveDate) -> bool {
    DateTime::parse_from_rfc3339(text(meeting, "start_time"))
        .map(|start| (from..=to).contains(&start.with_timezone(&Utc).date_naive()))
        .unwrap_or(false)
}

/// Checks `from` and `to` as Zoom does: both dates, at most one month apart, and (when the
/// fake has a "today") within the last six months. Counts every over-long request.
fn report_range(
    shared: &Shared,
    params: &HashMap<String, String>,
) -> Result<(NaiveDate, NaiveDate), Reply> {
    let date = |name: &str| match params.get(name) {
        None => Err(Reply::error(
            400,
            300,
            format!("The parameter '{name}' is required."),
        )),
        Some(value) => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| Reply::error(400, 300, format!("Invalid field: {name}."))),
    };
    let (from, to) = (date("from")?, date("to")?);
    if to < from {
        return Err(Reply::error(
            400,
            300,
            "The 'to' date must not be before the 'from' date.",
        ));
    }
    if (to - from).num_days() > 31 {
        shared.state().over_month_requests += 1;
        return Err(Reply::error(
            400,
            300,
            "The date range must be within one month.",
        ));
    }

    let oldest = shared
        .options
        .max_months_back
        .and_then(|today| today.checked_sub_months(Months::new(6)));
    if oldest.is_some_and(|oldest| from < oldest) {
        return Err(Reply::error(
            400,
            300,
            "Only provide report in recent 6 months.",
        ));
    }
    Ok((from, to))
}

/// Rows per page: the `page_size` asked for (default 30, at most 300), within the fake's cap.
fn page_size(shared: &Shared, params: &HashMap<String, String>) -> Result<usize, Reply> {
    let asked = match params.get("page_size") {
        None => 30,
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|size| *size > 0)
            .ok_or_else(|| Reply::error(400, 300, "Invalid field: page_size."))?,
    };
    Ok(asked.min(300).min(shared.options.page_size_cap.max(1)))
}

/// `GET /report/meetings/{meetingId}/participants` and its webinar twin: the join rows of
/// one instance, by uuid or (for the latest instance) by numeric id.
fn participants(
    shared: &Shared,
    raw_id: &str,
    params: &HashMap<String, String>,
    tweak: Option<PageTweak>,
) -> Result<Reply, Reply> {
    let uuid = resolve_instance(&shared.account, raw_id)?;
    let size = page_size(shared, params)?;
    let rows = shared
        .account
        .participants
        .get(&uuid)
        .map(Vec::as_slice)
        .unwrap_or(&[]);

    let key = format!("participants {uuid}");
    let page = next_page(shared, &key, rows.len(), size, params, tweak)?;
    Ok(Reply::ok(json!({
        "page_count": rows.len().div_ceil(size),
        "page_size": size,
        "total_records": rows.len(),
        "next_page_token": page.next,
        "participants": rows[page.rows],
    })))
}

/// Turns the raw path id into a known instance uuid, or Zoom's 404 code 3001.
fn resolve_instance(account: &Account, raw_id: &str) -> Result<String, Reply> {
    let not_found = |id: &str| Reply::error(404, 3001, format!("Meeting does not exist: {id}."));
    let id = decode_meeting_id(raw_id).map_err(|seen| not_found(&seen))?;

    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return instances_of(account, &id)
            .last()
            .map(|meeting| text(meeting, "uuid").to_string())
            .ok_or_else(|| not_found(&id));
    }
    let is_known = account.participants.contains_key(&id)
        || account
            .meetings
            .iter()
            .any(|(_, meeting)| text(meeting, "uuid") == id);
    if is_known {
        Ok(id)
    } else {
        Err(not_found(&id))
    }
}

/// Decodes a meeting id the way Zoom reads it. A literal `+` is a space. One decoding is
/// done, and a second one when the first left `%` escapes (the client encoded twice).
///
/// A uuid that starts with `/` or holds `//` must arrive encoded twice: Zoom decodes once
/// before routing, so anything less reaches it as another path and it names some other id.
/// The `Err` holds that other id, for the 3001 message.
fn decode_meeting_id(raw_id: &str) -> Result<String, String> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let first = decode(&raw_id.replace('+', " "));
    if first.contains('%') {
        return Ok(decode(&first));
    }
    if raw_id.contains('/') || first.starts_with('/') || first.contains("//") {
        let seen = first.split('/').find(|part| !part.is_empty()).unwrap_or("");
        return Err(seen.to_string());
    }
    Ok(first)
}

/// Every instance of a numeric meeting id, oldest first.
fn instances_of<'a>(account: &'a Account, id: &str) -> Vec<&'a Map<String, Value>> {
    let mut instances: Vec<&Map<String, Value>> = account
        .meetings
        .iter()
        .map(|(_, meeting)| meeting)
        .filter(|meeting| match meeting.get("id") {
            Some(Value::Number(number)) => number.to_string() == id,
            Some(Value::String(text)) => text == id,
            _ => false,
        })
        .collect();
    instances.sort_by(|a, b| text(a, "start_time").cmp(text(b, "start_time")));
    instances
}

/// `GET /report/meetings/{meetingId}`: one instance's details, by uuid or (for the latest
/// instance) by numeric id.
fn meeting_details(shared: &Shared, raw_id: &str) -> Result<Reply, Reply> {
    let uuid = resolve_instance(&shared.account, raw_id)?;
    let meeting = shared
        .account
        .meetings
        .iter()
        .map(|(_, m)| m)
        .find(|m| text(m, "uuid") == uuid);
    match meeting {
        Some(meeting) => Ok(Reply::ok(Value::Object(meeting.clone()))),
        None => Err(Reply::error(
            404,
            3001,
            format!("Meeting does not exist: {uuid}."),
        )),
    }
}

/// `GET /past_meetings/{meetingId}/instances`: uuid and start of every instance.
fn past_instances(shared: &Shared, raw_id: &str) -> Result<Reply, Reply> {
    let not_found = |id: &str| Reply::error(404, 3001, format!("Meeting does not exist: {id}."));
    let id = decode_meeting_id(raw_id).map_err(|seen| not_found(&seen))?;
    let instances = instances_of(&shared.account, &id);
    if instances.is_empty() {
        return Err(not_found(&id));
    }

    let meetings: Vec<Value> = instances
        .iter()
        .map(|meeting| json!({ "uuid": meeting["uuid"], "start_time": meeting["start_time"] }))
        .collect();
    Ok(Reply::ok(json!({ "meetings": meetings })))
}

/// `GET /users`: the users with the asked `status` (default `active`).
fn users(
    shared: &Shared,
    params: &HashMap<String, String>,
    tweak: Option<PageTweak>,
) -> Result<Reply, Reply> {
    let status = params.get("status").map(String::as_str).unwrap_or("active");
    let size = page_size(shared, params)?;
    let users: Vec<&Value> = shared
        .account
        .users
        .iter()
        .filter(|user| user["status"] == status)
        .collect();

    let key = format!("users {status}");
    let page = next_page(shared, &key, users.len(), size, params, tweak)?;
    Ok(Reply::ok(json!({
        "page_count": users.len().div_ceil(size),
        "page_size": size,
        "total_records": users.len(),
        "next_page_token": page.next,
        "users": users[page.rows],
    })))
}

/// The rows one answer holds and the token for the next page (`""` on the last).
struct Page {
    rows: Range<usize>,
    next: String,
}

/// Works out the page a request asks for, checking its `next_page_token` against the
/// listing it was issued for, and issues the token for the page after it.
fn next_page(
    shared: &Shared,
    key: &str,
    total: usize,
    size: usize,
    params: &HashMap<String, String>,
    tweak: Option<PageTweak>,
) -> Result<Page, Reply> {
    let carried = params
        .get("next_page_token")
        .filter(|token| !token.is_empty());
    let mut state = shared.state();
    let (start, repeats) = match carried {
        None => (0, false),
        Some(token) => {
            let cursor = state
                .cursors
                .get(token.as_str())
                .ok_or_else(invalid_page_token)?;
            let is_stale = cursor.issued_at.elapsed() > shared.options.page_token_ttl;
            if cursor.key != key || cursor.is_expired || is_stale {
                return Err(invalid_page_token());
            }
            (cursor.offset, cursor.repeats)
        }
    };

    let start = start.min(total);
    let end = (start + size).min(total);
    let page = match (tweak, carried) {
        _ if repeats => Page {
            rows: start..end,
            next: carried.cloned().unwrap_or_default(),
        },
        (Some(PageTweak::Repeat), Some(token)) => {
            if let Some(cursor) = state.cursors.get_mut(token.as_str()) {
                cursor.repeats = true;
            }
            Page {
                rows: start..end,
                next: token.clone(),
            }
        }
        (Some(PageTweak::Repeat), None) => Page {
            rows: start..end,
            next: state.issue(key, end, true),
        },
        (Some(PageTweak::Short), _) => {
            let short = (start + size / 2).min(total);
            Page {
                rows: start..short,
                next: state.issue(key, short, false),
            }
        }
        (None, _) if end < total => Page {
            rows: start..end,
            next: state.issue(key, end, false),
        },
        (None, _) => Page {
            rows: start..end,
            next: String::new(),
        },
    };
    Ok(page)
}

impl State {
    /// Issues an opaque page token that leads to `offset` of the listing `key`.
    fn issue(&mut self, key: &str, offset: usize, repeats: bool) -> String {
        let token = random_token(35);
        let cursor = Cursor {
            key: key.to_string(),
            offset,
            issued_at: Instant::now(),
            is_expired: false,
            repeats,
        };
        self.cursors.insert(token.clone(), cursor);
        token
    }
}

/// Builds the HTTP response for a reply; every body is JSON.
fn respond(reply: Reply) -> Response {
    let bytes = serde_json::to_vec(&reply.body).expect("JSON serializes");
    response_with(&reply, Body::from(bytes))
}

fn response_with(reply: &Reply, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in &reply.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(*name, value);
        }
    }
    response
}

/// A complete response whose body is the first half of the JSON.
fn truncate(reply: Reply) -> Response {
    let bytes = serde_json::to_vec(&reply.body).expect("JSON serializes");
    let half = bytes[..bytes.len() / 2].to_vec();
    response_with(&reply, Body::from(half))
}

/// Announces the full length, sends half the body, then fails the body stream, which makes
/// the server abort the connection. The pause lets the first half reach the client first.
fn drop_midway(reply: Reply) -> Response {
    let bytes = Bytes::from(serde_json::to_vec(&reply.body).expect("JSON serializes"));
    let length = bytes.len();
    let half = bytes.slice(..length / 2);
    let chunks = futures::stream::iter([Some(half), None]).then(|chunk| async move {
        match chunk {
            Some(bytes) => Ok(bytes),
            None => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "dropped",
                ))
            }
        }
    });

    let mut response = response_with(&reply, Body::from_stream(chunks));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}
