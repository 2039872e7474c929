//! Checks the fake Zoom itself with a plain HTTP client, so the client's tests can trust it:
//! tokens, token errors, pagination, the uuid encoding rules, rate limits and every fault.

mod support;

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Client, Response};
use serde_json::{Map, Value, json};
use support::fake_zoom::{Account, FakeZoom, Fault, FaultKind, Options};

/// One client for every test, since building one costs tens of milliseconds. It keeps no
/// idle connection, because a pooled connection would belong to the runtime of the test
/// that opened it and die with it.
static CLIENT: LazyLock<Client> =
    LazyLock::new(|| Client::builder().pool_max_idle_per_host(0).build().unwrap());

const OWNER: &str = "u-owner";
const OTHER: &str = "u-other";
/// Starts with `/`, holds `//` and `+`: Zoom wants it encoded twice.
const AWKWARD: &str = "/abc//def+gh==";
/// One inner `/`: encoding once is enough.
const SLASHED: &str = "xy/z+Qw==";
/// The latest instance of the recurring meeting.
const LATEST: &str = "LatestAAAAAAAAAAAAAAAA==";
const RECURRING_ID: u64 = 85_000_000_001;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn user(id: &str, email: &str) -> Value {
    json!({"id": id, "email": email, "display_name": id, "first_name": id, "last_name": "",
           "type": 2, "status": "active", "timezone": "UTC", "dept": ""})
}

fn instance(uuid: &str, id: u64, host_email: &str, start: &str) -> Map<String, Value> {
    object(
        json!({"uuid": uuid, "id": id, "type": 8, "topic": "Weekly", "user_name": "Host",
                  "user_email": host_email, "start_time": start, "end_time": start,
                  "duration": 30, "total_minutes": 60, "participants_count": 2,
                  "source": "Zoom"}),
    )
}

fn rows(names: &[&str]) -> Vec<Map<String, Value>> {
    names
        .iter()
        .map(|name| {
            object(
                json!({"id": "", "user_id": "1", "participant_user_id": "", "name": name,
                          "user_email": "", "join_time": "2024-07-01T10:00:00Z",
                          "leave_time": "2024-07-01T10:30:00Z", "duration": 1800,
                          "failover": false, "status": "in_meeting"}),
            )
        })
        .collect()
}

/// Two users; a recurring meeting with three instances (listed out of order) and one other
/// meeting; seven join rows.
fn account() -> Account {
    let owner_email = "owner@example.com";
    let meetings = vec![
        (
            OWNER.into(),
            instance(LATEST, RECURRING_ID, owner_email, "2024-07-15T10:00:00Z"),
        ),
        (
            OWNER.into(),
            instance(AWKWARD, RECURRING_ID, owner_email, "2024-07-01T10:00:00Z"),
        ),
        (
            OWNER.into(),
            instance(SLASHED, RECURRING_ID, owner_email, "2024-07-08T10:00:00Z"),
        ),
        (
            OWNER.into(),
            instance(
                "late==",
                85_000_000_003,
                owner_email,
                "2024-07-31T23:30:00Z",
            ),
        ),
        (
            OTHER.into(),
            instance(
                "other==",
                85_000_000_002,
                "o@example.com",
                "2024-07-03T09:00:00Z",
            ),
        ),
    ];
    let participants = HashMap::from([
        (AWKWARD.to_string(), rows(&["Ann", "Bob", "Cy"])),
        (SLASHED.to_string(), rows(&["Dee", "Eve"])),
        (LATEST.to_string(), rows(&["Fay", "Gus"])),
    ]);
    Account {
        users: vec![user(OWNER, owner_email), user(OTHER, "o@example.com")],
        meetings,
        participants,
    }
}

fn start(options: Options) -> FakeZoom {
    FakeZoom::start(account(), options)
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

async fn token(fake: &FakeZoom) -> String {
    let answer = ask_token(fake, "client-abc", "secret-XYZ-do-not-log", "acct-123").await;
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn ask_token(fake: &FakeZoom, id: &str, secret: &str, account: &str) -> Response {
    CLIENT
        .post(fake.oauth_url())
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", account),
        ])
        .send()
        .await
        .unwrap()
}

/// GETs `path_and_query` (under /v2, as written: no encoding is added) with a bearer token.
async fn get(fake: &FakeZoom, token: &str, path_and_query: &str) -> Response {
    let url = format!("{}{path_and_query}", fake.api_url());
    CLIENT.get(url).bearer_auth(token).send().await.unwrap()
}

/// GETs and returns the status and the JSON body.
async fn get_json(fake: &FakeZoom, token: &str, path_and_query: &str) -> (u16, Value) {
    let answer = get(fake, token, path_and_query).await;
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

/// Follows `next_page_token` to the end and returns every item of `field`, page by page.
async fn all_pages(
    fake: &FakeZoom,
    token: &str,
    path_and_query: &str,
    field: &str,
) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut next = String::new();
    loop {
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = match next.as_str() {
            "" => path_and_query.to_string(),
            token => format!("{path_and_query}{separator}next_page_token={token}"),
        };
        let (status, body) = get_json(fake, token, &url).await;
        assert_eq!(status, 200, "{body}");
        pages.push(body[field].as_array().unwrap().clone());
        next = body["next_page_token"].as_str().unwrap().to_string();
        if next.is_empty() || pages.len() > 50 {
            return pages;
        }
    }
}

fn uuids(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["uuid"].as_str().unwrap())
        .collect()
}

fn names(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect()
}

const JULY: &str = "from=2024-07-01&to=2024-07-31";

#[tokio::test]
async fn token_answer_has_bearer_scope_and_lifetime() {
    let fake = start(Options::default());
    let answer: Value = ask_token(&fake, "client-abc", "secret-XYZ-do-not-log", "acct-123")
        .await
        .json()
        .await
        .unwrap();

    assert!(answer["access_token"].as_str().unwrap().len() >= 40);
    assert_eq!(answer["token_type"], "bearer");
    assert_eq!(answer["expires_in"], 3600);
    assert_eq!(
        answer["scope"],
        "report:read:admin user:read:admin meeting:read:admin"
    );
    assert!(answer.get("api_url").is_none());
    assert_eq!(fake.token_requests(), 1);
}

#[tokio::test]
async fn token_answer_can_name_the_fake_as_api_url() {
    let options = Options {
        advertise_api_url: true,
        ..Options::default()
    };
    let fake = start(options);
    let answer: Value = ask_token(&fake, "client-abc", "secret-XYZ-do-not-log", "acct-123")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["api_url"], fake.base_url());
}

#[tokio::test]
async fn token_errors_use_reason_and_error() {
    let fake = start(Options::default());
    let bad_secret = ask_token(&fake, "client-abc", "wrong", "acct-123").await;
    assert_eq!(bad_secret.status(), 400);
    let body: Value = bad_secret.json().await.unwrap();
    assert_eq!(
        body,
        json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
    );

    let bad_account = ask_token(&fake, "client-abc", "secret-XYZ-do-not-log", "acct-9").await;
    assert_eq!(bad_account.status(), 400);
    let body: Value = bad_account.json().await.unwrap();
    assert_eq!(
        body,
        json!({"reason": "Bad Request", "error": "invalid_request"})
    );

    let client = &*CLIENT;
    let credentials = ("client-abc", Some("secret-XYZ-do-not-log"));
    let params = [
        ("grant_type", "account_credentials"),
        ("account_id", "acct-123"),
    ];
    let as_json = client
        .post(fake.oauth_url())
        .basic_auth(credentials.0, credentials.1);
    let as_query = client
        .post(fake.oauth_url())
        .basic_auth(credentials.0, credentials.1);
    for request in [
        as_json.json(&json!({"grant_type": "account_credentials"})),
        as_query.query(&params),
    ] {
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 400);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "unsupported_grant_type");
    }
    assert_eq!(fake.token_requests(), 4);
}

#[tokio::test]
async fn api_refuses_missing_and_expired_tokens_with_code_124() {
    let fake = start(Options::default());
    let answer = CLIENT
        .get(format!("{}/users", fake.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": 124, "message": "Invalid access token."})
    );

    let old = token(&fake).await;
    assert_eq!(get_json(&fake, &old, "/users").await.0, 200);
    fake.expire_access_tokens();
    assert_eq!(get_json(&fake, &old, "/users").await, (401, body));
    let fresh = token(&fake).await;
    assert_eq!(get_json(&fake, &fresh, "/users").await.0, 200);
}

#[tokio::test]
async fn tokens_run_out_after_their_lifetime() {
    let options = Options {
        token_ttl: Duration::from_millis(150),
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    assert_eq!(get_json(&fake, &token, "/users").await.0, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) = get_json(&fake, &token, "/users").await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(124)));
}

#[tokio::test]
async fn missing_scope_answers_4711_naming_the_scopes() {
    let options = Options {
        scopes: vec!["user:read:admin".into()],
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let path = format!("/report/meetings/{}/participants", encode(LATEST));
    let (status, body) = get_json(&fake, &token, &path).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 4711);
    let message = "Invalid access token, does not contain scopes:\
                   [report:read:admin, report:read:list_meeting_participants:admin].";
    assert_eq!(body["message"], message);
    assert_eq!(get_json(&fake, &token, "/users").await.0, 200);
}

#[tokio::test]
async fn meetings_pages_follow_tokens_to_the_end_in_start_order() {
    let options = Options {
        page_size_cap: 2,
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let pages = all_pages(
        &fake,
        &token,
        &format!("/report/users/me/meetings?{JULY}&page_size=300"),
        "meetings",
    )
    .await;

    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2]);
    let all: Vec<Value> = pages.concat();
    assert_eq!(uuids(&all), [AWKWARD, SLASHED, LATEST, "late=="]);

    let (_, first) = get_json(&fake, &token, &format!("/report/users/me/meetings?{JULY}")).await;
    assert_eq!(
        (first["page_size"].as_u64(), first["total_records"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(
        (first["from"].as_str(), first["to"].as_str()),
        (Some("2024-07-01"), Some("2024-07-31"))
    );
}

#[tokio::test]
async fn meetings_find_users_by_id_and_email_and_by_utc_date() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let by_email = format!("/report/users/O%40EXAMPLE.com/meetings?{JULY}");
    assert_eq!(
        uuids(
            get_json(&fake, &token, &by_email).await.1["meetings"]
                .as_array()
                .unwrap()
        ),
        ["other=="]
    );

    let by_id = "/report/users/u-owner/meetings?from=2024-07-31&to=2024-08-05&type=pastJoined";
    let (_, body) = get_json(&fake, &token, by_id).await;
    assert_eq!(uuids(body["meetings"].as_array().unwrap()), ["late=="]);
    assert_eq!(body["next_page_token"], "");

    let (status, body) = get_json(
        &fake,
        &token,
        &format!("/report/users/nobody/meetings?{JULY}"),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"code": 1001, "message": "User does not exist: nobody."})
        )
    );
}

#[tokio::test]
async fn meetings_refuse_more_than_a_month_and_old_months() {
    let options = Options {
        max_months_back: chrono::NaiveDate::from_ymd_opt(2024, 8, 2),
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;

    let wide = "/report/users/me/meetings?from=2024-06-01&to=2024-07-31";
    let (status, body) = get_json(&fake, &token, wide).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code": 300, "message": "The date range must be within one month."})
        )
    );
    assert_eq!(fake.over_month_requests(), 1);

    let old = "/report/users/me/meetings?from=2024-01-01&to=2024-01-31";
    let (status, body) = get_json(&fake, &token, old).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code": 300, "message": "Only provide report in recent 6 months."})
        )
    );

    let (status, body) = get_json(&fake, &token, "/report/users/me/meetings?to=2024-07-31").await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(300)));
    assert_eq!(
        get_json(&fake, &token, &format!("/report/users/me/meetings?{JULY}"))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn participants_need_double_encoding_for_awkward_uuids() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let path = |id: &str| format!("/report/meetings/{id}/participants");

    let (status, body) = get_json(&fake, &token, &path(&encode(&encode(AWKWARD)))).await;
    assert_eq!(status, 200);
    assert_eq!(
        names(body["participants"].as_array().unwrap()),
        ["Ann", "Bob", "Cy"]
    );
    assert_eq!(body["total_records"], 3);
    assert_eq!(body["next_page_token"], "");

    let (status, body) = get_json(&fake, &token, &path(&encode(AWKWARD))).await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(3001)));
    assert!(!body["message"].as_str().unwrap().contains(AWKWARD));

    let (status, body) = get_json(&fake, &token, &path(&encode(SLASHED))).await;
    assert_eq!(
        (status, names(body["participants"].as_array().unwrap())),
        (200, vec!["Dee", "Eve"])
    );
    let literal_plus = encode(SLASHED).replace("%2B", "+");
    assert_eq!(get_json(&fake, &token, &path(&literal_plus)).await.0, 404);
    assert_eq!(
        get_json(&fake, &token, &path(&encode(&encode(SLASHED))))
            .await
            .0,
        200
    );
    assert_eq!(get_json(&fake, &token, &path("nope%3D%3D")).await.0, 404);
}

#[tokio::test]
async fn participants_by_numeric_id_are_the_latest_instance() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let path = format!("/report/meetings/{RECURRING_ID}/participants");
    let (status, body) = get_json(&fake, &token, &path).await;
    assert_eq!(
        (status, names(body["participants"].as_array().unwrap())),
        (200, vec!["Fay", "Gus"])
    );

    let webinar = format!("/report/webinars/{}/participants", encode(LATEST));
    assert_eq!(
        get_json(&fake, &token, &webinar).await.1["total_records"],
        2
    );
    let (status, body) = get_json(&fake, &token, "/report/meetings/123/participants").await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(3001)));
}

#[tokio::test]
async fn past_instances_list_every_instance() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let (status, body) = get_json(
        &fake,
        &token,
        &format!("/past_meetings/{RECURRING_ID}/instances"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["meetings"],
        json!([
            {"uuid": AWKWARD, "start_time": "2024-07-01T10:00:00Z"},
            {"uuid": SLASHED, "start_time": "2024-07-08T10:00:00Z"},
            {"uuid": LATEST, "start_time": "2024-07-15T10:00:00Z"},
        ])
    );
}

#[tokio::test]
async fn users_are_paginated() {
    let options = Options {
        page_size_cap: 1,
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let pages = all_pages(&fake, &token, "/users?status=active&page_size=300", "users").await;
    let ids: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|user| user["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [OWNER, OTHER]);
}

#[tokio::test]
async fn heavy_requests_past_the_per_second_limit_get_429() {
    let options = Options {
        heavy_per_second: Some(2),
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let path = format!("/report/users/me/meetings?{JULY}");
    for _ in 0..2 {
        assert_eq!(get(&fake, &token, &path).await.status(), 200);
    }
    let limited = get(&fake, &token, &path).await;
    assert_eq!(limited.status(), 429);
    let headers = limited.headers();
    assert_eq!(headers["x-ratelimit-category"], "Heavy");
    assert_eq!(headers["x-ratelimit-type"], "QPS");
    assert_eq!(headers["x-ratelimit-limit"], "2");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let body: Value = limited.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("maximum per-second rate limit")
    );

    // Medium endpoints have their own budget.
    assert_eq!(get(&fake, &token, "/users").await.status(), 200);
}

#[tokio::test]
async fn heavy_requests_past_the_daily_limit_get_429_until_midnight_utc() {
    let options = Options {
        daily_heavy_limit: Some(1),
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let path = format!("/report/users/me/meetings?{JULY}");
    assert_eq!(get(&fake, &token, &path).await.status(), 200);

    let limited = get(&fake, &token, &path).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["x-ratelimit-type"], "Daily-limit");
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let retry_after = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(retry_after, format!("{tomorrow}T00:00:00Z"));
    let body: Value = limited.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("maximum daily rate limit")
    );
}

#[tokio::test]
async fn page_tokens_expire_and_belong_to_one_listing() {
    let options = Options {
        page_size_cap: 1,
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let listing = format!("/report/users/me/meetings?{JULY}");
    let expired = json!({"code": 300, "message": "The next page token is invalid or expired."});

    let first_token = |body: Value| body["next_page_token"].as_str().unwrap().to_string();
    let page_token = first_token(get_json(&fake, &token, &listing).await.1);
    let other_range = format!(
        "/report/users/me/meetings?from=2024-07-02&to=2024-07-31&next_page_token={page_token}"
    );
    assert_eq!(
        get_json(&fake, &token, &other_range).await,
        (400, expired.clone())
    );
    let unknown = format!("{listing}&next_page_token=nonsense");
    assert_eq!(
        get_json(&fake, &token, &unknown).await,
        (400, expired.clone())
    );
    let next = format!("{listing}&next_page_token={page_token}");
    assert_eq!(get_json(&fake, &token, &next).await.0, 200);

    fake.expire_page_tokens();
    assert_eq!(get_json(&fake, &token, &next).await, (400, expired));
}

#[tokio::test]
async fn page_tokens_expire_after_their_lifetime() {
    let options = Options {
        page_size_cap: 1,
        page_token_ttl: Duration::from_millis(100),
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let listing = "/users";
    let page_token = get_json(&fake, &token, listing).await.1["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, body) = get_json(
        &fake,
        &token,
        &format!("{listing}?next_page_token={page_token}"),
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(300)));
}

#[tokio::test]
async fn status_faults_hit_the_next_matching_requests_only() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let body = json!({"code": 3001, "message": "Meeting does not exist: 1."});
    fake.inject(Fault::new(
        "/participants",
        2,
        FaultKind::Status {
            status: 404,
            body: body.clone(),
        },
    ));
    fake.inject(Fault::new(
        "",
        1,
        FaultKind::Status {
            status: 503,
            body: json!({}),
        },
    ));

    assert_eq!(get_json(&fake, &token, "/users").await, (503, json!({})));
    let path = format!("/report/meetings/{RECURRING_ID}/participants");
    assert_eq!(get_json(&fake, &token, &path).await, (404, body.clone()));
    assert_eq!(get_json(&fake, &token, &path).await, (404, body));
    assert_eq!(get_json(&fake, &token, &path).await.0, 200);
    assert_eq!(get_json(&fake, &token, "/users").await.0, 200);
}

#[tokio::test]
async fn faults_reach_the_token_endpoint_only_when_they_name_it() {
    let fake = start(Options::default());
    fake.inject(Fault::new(
        "",
        1,
        FaultKind::Status {
            status: 503,
            body: json!({}),
        },
    ));
    let _token = token(&fake).await;
    fake.inject(Fault::new(
        "/oauth",
        1,
        FaultKind::Status {
            status: 503,
            body: json!({}),
        },
    ));
    let answer = ask_token(&fake, "client-abc", "secret-XYZ-do-not-log", "acct-123").await;
    assert_eq!(answer.status(), 503);
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test]
async fn rate_limit_faults_carry_headers_or_none() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let qps = |headers, retry_after_seconds| FaultKind::RateLimitQps {
        headers,
        retry_after_seconds,
    };
    fake.inject(Fault::new("/report", 1, qps(true, Some(2))));
    fake.inject(Fault::new("/report", 1, qps(false, None)));
    let daily = FaultKind::DailyLimit {
        retry_after: "2024-08-03T00:00:00Z".into(),
    };
    fake.inject(Fault::new("/report", 1, daily));
    let path = format!("/report/users/me/meetings?{JULY}");

    let with_headers = get(&fake, &token, &path).await;
    assert_eq!(with_headers.status(), 429);
    assert_eq!(with_headers.headers()["x-ratelimit-type"], "QPS");
    assert_eq!(with_headers.headers()["x-ratelimit-category"], "Heavy");
    assert_eq!(with_headers.headers()["retry-after"], "2");

    let bare = get(&fake, &token, &path).await;
    assert_eq!(bare.status(), 429);
    let names: Vec<&str> = bare.headers().keys().map(|name| name.as_str()).collect();
    assert!(
        !names
            .iter()
            .any(|name| name.starts_with("x-ratelimit") || *name == "retry-after")
    );

    let daily = get(&fake, &token, &path).await;
    assert_eq!(daily.status(), 429);
    assert_eq!(daily.headers()["x-ratelimit-type"], "Daily-limit");
    assert_eq!(daily.headers()["retry-after"], "2024-08-03T00:00:00Z");
}

#[tokio::test]
async fn delay_fault_and_latency_slow_the_answer() {
    let options = Options {
        latency: Duration::from_millis(30),
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    fake.inject(Fault::new(
        "/users",
        1,
        FaultKind::Delay(Duration::from_millis(200)),
    ));

    let started = Instant::now();
    let timeout = Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let answer = timeout
        .get(format!("{}/users", fake.api_url()))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(answer.unwrap_err().is_timeout());

    let started_again = Instant::now();
    assert_eq!(get(&fake, &token, "/users").await.status(), 200);
    assert!(started_again.elapsed() >= Duration::from_millis(30));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn drop_connection_fails_while_reading_the_body() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    fake.inject(Fault::new("/users", 1, FaultKind::DropConnection));
    let answer = get(&fake, &token, "/users").await;
    assert_eq!(answer.status(), 200);
    assert!(answer.bytes().await.is_err());
    assert_eq!(get(&fake, &token, "/users").await.status(), 200);
}

#[tokio::test]
async fn truncated_json_is_a_complete_response_that_does_not_parse() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    fake.inject(Fault::new("/users", 1, FaultKind::TruncatedJson));
    let answer = get(&fake, &token, "/users").await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    let text = answer.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn repeat_page_token_makes_a_listing_loop() {
    let options = Options {
        page_size_cap: 1,
        ..Options::default()
    };
    let fake = start(options);
    let token = token(&fake).await;
    let listing = format!("/report/users/me/meetings?{JULY}");

    // Carried on a later page: the answer names the same token again.
    let first = get_json(&fake, &token, &listing).await.1["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    fake.inject(Fault::new("/meetings", 1, FaultKind::RepeatPageToken));
    let again = format!("{listing}&next_page_token={first}");
    assert_eq!(
        get_json(&fake, &token, &again).await.1["next_page_token"],
        first.as_str()
    );
    assert_eq!(
        get_json(&fake, &token, &again).await.1["next_page_token"],
        first.as_str()
    );

    // On a first page: its token leads to a page that names that token again.
    fake.inject(Fault::new("/meetings", 1, FaultKind::RepeatPageToken));
    let looping = get_json(&fake, &token, &listing).await.1["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    let next = format!("{listing}&next_page_token={looping}");
    assert_eq!(
        get_json(&fake, &token, &next).await.1["next_page_token"],
        looping.as_str()
    );
}

#[tokio::test]
async fn short_page_is_not_the_last_and_loses_no_rows() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    fake.inject(Fault::new("/participants", 1, FaultKind::ShortPage));
    let path = format!(
        "/report/meetings/{}/participants?page_size=30",
        encode(&encode(AWKWARD))
    );
    let pages = all_pages(&fake, &token, &path, "participants").await;
    assert!(pages[0].len() < 30);
    assert!(pages.len() >= 2);
    assert_eq!(names(&pages.concat()), ["Ann", "Bob", "Cy"]);
}

#[tokio::test]
async fn request_log_keeps_raw_paths_and_no_secrets() {
    let fake = start(Options::default());
    let token = token(&fake).await;
    let raw = format!("/report/meetings/{}/participants", encode(&encode(AWKWARD)));
    get(
        &fake,
        &token,
        &format!("{raw}?page_size=300&access_token={token}"),
    )
    .await;

    let log = fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].method.as_str(), log[0].raw_path.as_str()),
        ("POST", "/oauth/token")
    );
    assert_eq!((log[0].auth, log[0].status), (Some("basic"), 200));
    assert_eq!(log[1].raw_path, format!("/v2{raw}"));
    assert!(log[1].raw_path.contains("%252F%252F"));
    assert_eq!((log[1].auth, log[1].status), (Some("bearer"), 200));
    assert!(log[1].query.starts_with("page_size=300"));
    let printed = format!("{log:?}");
    assert!(!printed.contains(&token) && !printed.contains("secret-XYZ"));
    assert!(log[0].at <= log[1].at);
}

#[tokio::test]
async fn sample_archive_loads_and_serves_every_row() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/2024-07");
    let account = Account::from_archive(&dir);
    assert_eq!(account.meetings.len(), 18);
    assert_eq!(
        account.participants.values().map(Vec::len).sum::<usize>(),
        514
    );
    assert!(
        account
            .participants
            .values()
            .flatten()
            .all(|row| !row.contains_key("meeting_uuid"))
    );
    assert_eq!(
        account.users[0]["email"],
        "hoa.nguyen@lotus-training.example"
    );

    let fake = FakeZoom::start(account, Options::default());
    let token = token(&fake).await;
    let mut served_rows = 0;
    let mut served_meetings = 0;
    for user in ["me", "duc.tran@lotus-training.example"] {
        let listing = format!("/report/users/{user}/meetings?{JULY}&page_size=300");
        let meetings = all_pages(&fake, &token, &listing, "meetings")
            .await
            .concat();
        served_meetings += meetings.len();
        for uuid in uuids(&meetings) {
            let path = format!(
                "/report/meetings/{}/participants?page_size=300",
                encode(&encode(uuid))
            );
            served_rows += all_pages(&fake, &token, &path, "participants")
                .await
                .concat()
                .len();
        }
    }
    assert_eq!((served_meetings, served_rows), (18, 514));
}
