//! Synthetic Zoom accounts of any size, deterministic from a seed, shaped like Zoom's
//! report answers: recurring series, uuids that need double encoding, rejoins, two devices
//! at once, guests without email, Vietnamese names in composed and decomposed form, waiting
//! rooms. Used by the live tests, the benchmarks and the stand-alone fake Zoom.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    /// First and last day meetings may start on (UTC).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Hosts; each is a user of the account.
    pub hosts: usize,
    pub instances: usize,
    /// Distinct people who may attend.
    pub people: usize,
    /// Mean join rows per instance.
    pub rows_per_instance: usize,
    /// Percent of attendances that drop and rejoin.
    pub rejoin_pct: u32,
    /// Percent of attendances with a second device at the same time.
    pub overlap_pct: u32,
    /// Percent of people who are guests (no email).
    pub guest_pct: u32,
}

impl Spec {
    /// A small account: two hosts, a few dozen instances, a few pages of participants.
    pub fn small(from: NaiveDate, to: NaiveDate) -> Spec {
        Spec {
            seed: 7,
            from,
            to,
            hosts: 2,
            instances: 40,
            people: 120,
            rows_per_instance: 25,
            rejoin_pct: 15,
            overlap_pct: 5,
            guest_pct: 20,
        }
    }
}

/// A generated account: the same three parts the fake Zoom serves.
pub struct Synthetic {
    pub users: Vec<Value>,
    /// (host user id, meeting instance object).
    pub meetings: Vec<(String, Map<String, Value>)>,
    /// Instance uuid to its join rows.
    pub participants: HashMap<String, Vec<Map<String, Value>>>,
}

const FAMILY: [&str; 12] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Thu", "Quang", "Ngọc", "Hải", "Gia"];
const GIVEN: [&str; 16] = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hùng", "Khánh", "Linh", "Mai", "Nam", "Phương",
    "Quân", "Thảo", "Trang", "Yến",
];

struct Person {
    name: String,
    email: String,
    id: String,
}

impl Synthetic {
    pub fn generate(spec: &Spec) -> Synthetic {
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let people = make_people(spec, &mut rng);
        let users: Vec<Value> = (0..spec.hosts)
            .map(|h| {
                json!({"id": format!("host{h}Id{:08x}", rng.random::<u32>()),
                       "email": format!("host{h}@synthetic.example"),
                       "display_name": people[h].name, "first_name": "", "last_name": "",
                       "type": 2, "status": "active", "timezone": "Asia/Ho_Chi_Minh", "dept": "Training"})
            })
            .collect();
        let span_days = (spec.to - spec.from).num_days().max(0) + 1;
        let mut meetings = Vec::with_capacity(spec.instances);
        let mut participants = HashMap::with_capacity(spec.instances);
        for index in 0..spec.instances {
            let host = index % spec.hosts;
            // Every fifth meeting id is a weekly series with several instances.
            let series = index % 5 == 0;
            let meeting_id: i64 = if series {
                85_000_000_000 + (index as i64 / 20)
            } else {
                86_000_000_000 + index as i64
            };
            let day = spec.from
                + Duration::days((index as i64 * span_days) / spec.instances.max(1) as i64);
            let start = day
                .and_hms_opt(1 + (index % 12) as u32, (index % 4) as u32 * 15, 0)
                .unwrap()
                .and_utc();
            let length = 1800 + rng.random_range(0..5400);
            let end = start + Duration::seconds(length);
            let uuid = make_uuid(&mut rng, index);
            let rows = make_rows(spec, &mut rng, &people, start, end, index);
            let in_meeting: Vec<&Map<String, Value>> = rows
                .iter()
                .filter(|r| r["status"] == "in_meeting")
                .collect();
            let total_seconds: i64 = in_meeting
                .iter()
                .map(|r| r["duration"].as_i64().unwrap_or(0))
                .sum();
            let host_user = &users[host];
            let meeting = json!({
                "uuid": uuid, "id": meeting_id, "host_id": host_user["id"],
                "type": if series { 8 } else { 2 },
                "topic": format!("{} #{index}", if series { "Họp giao ban tuần" } else { "Đào tạo" }),
                "user_name": host_user["display_name"], "user_email": host_user["email"],
                "start_time": iso(start), "end_time": iso(end),
                "duration": (length + 59) / 60, "total_minutes": total_seconds / 60,
                "participants_count": in_meeting.len(), "source": "Zoom",
            });
            let Value::Object(meeting) = meeting else {
                unreachable!()
            };
            meetings.push((
                host_user["id"].as_str().unwrap_or_default().to_string(),
                meeting,
            ));
            participants.insert(uuid, rows);
        }
        Synthetic {
            users,
            meetings,
            participants,
        }
    }

    pub fn row_count(&self) -> usize {
        self.participants.values().map(Vec::len).sum()
    }

    /// Writes the account as an archive folder covering `from` to `to`.
    pub fn write_archive(&self, dir: &Path, from: NaiveDate, to: NaiveDate) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let manifest = json!({
            "format": "zoom-report-archive", "format_version": 1, "tool_version": "synthetic",
            "from": from.to_string(), "to": to.to_string(),
            "users": self.users.iter().map(|u| u["email"].clone()).collect::<Vec<_>>(),
            "type": "past", "fetched_at": iso(Utc::now()), "source": "synthetic",
            "api_url": "", "complete": true, "failed_instances": [],
        });
        std::fs::write(
            dir.join("manifest.json"),
            serde_json::to_vec_pretty(&manifest)?,
        )?;
        let mut meetings =
            std::io::BufWriter::new(std::fs::File::create(dir.join("meetings.jsonl"))?);
        let mut rows =
            std::io::BufWriter::new(std::fs::File::create(dir.join("participants.jsonl"))?);
        for (_, meeting) in &self.meetings {
            let uuid = meeting["uuid"].as_str().unwrap_or_default();
            for row in &self.participants[uuid] {
                let mut row = row.clone();
                row.insert("meeting_uuid".into(), Value::from(uuid));
                serde_json::to_writer(&mut rows, &row)?;
                rows.write_all(b"\n")?;
            }
            serde_json::to_writer(&mut meetings, meeting)?;
            meetings.write_all(b"\n")?;
        }
        meetings.flush()?;
        rows.flush()
    }
}

fn make_people(spec: &Spec, rng: &mut StdRng) -> Vec<Person> {
    (0..spec.people.max(spec.hosts))
        .map(|index| {
            let name = format!(
                "{} {} {}",
                FAMILY[index % FAMILY.len()],
                MIDDLE[(index / FAMILY.len()) % MIDDLE.len()],
                GIVEN[(index / (FAMILY.len() * MIDDLE.len())) % GIVEN.len()]
            );
            // Disambiguate beyond the name combinations, as real teams do.
            let name = if index >= FAMILY.len() * MIDDLE.len() * GIVEN.len() {
                format!("{name} {index}")
            } else {
                name
            };
            // A quarter of names arrive decomposed, as macOS clients send them.
            let name = if rng.random_range(0..4) == 0 {
                name.nfd().collect()
            } else {
                name
            };
            let is_guest = index >= spec.hosts && rng.random_range(0..100) < spec.guest_pct;
            let (email, id) = if is_guest {
                (String::new(), String::new())
            } else {
                (
                    format!("person{index}@synthetic.example"),
                    format!("pid{index:07}"),
                )
            };
            Person { name, email, id }
        })
        .collect()
}

/// A base64 uuid; some start with `/` or hold `//`, which Zoom needs encoded twice.
fn make_uuid(rng: &mut StdRng, index: usize) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    let mut uuid = base64::engine::general_purpose::STANDARD.encode(bytes);
    match index % 7 {
        3 => uuid.replace_range(0..1, "/"),
        5 => uuid.replace_range(4..6, "//"),
        _ => {}
    }
    uuid
}

fn make_rows(
    spec: &Spec,
    rng: &mut StdRng,
    people: &[Person],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    index: usize,
) -> Vec<Map<String, Value>> {
    let length = (end - start).num_seconds();
    let attendees = (spec.rows_per_instance * 85 / 100).max(2);
    let mut rows = Vec::with_capacity(spec.rows_per_instance + 4);
    let host = &people[index % spec.hosts];
    rows.push(row(host, start, end, "in_meeting", rng));
    for _ in 1..attendees {
        let person = &people[rng
            .random_range(spec.hosts..people.len().max(spec.hosts + 1))
            .min(people.len() - 1)];
        let join = start + Duration::seconds(rng.random_range(0..length / 4));
        let leave = end - Duration::seconds(rng.random_range(0..length / 4));
        if rng.random_range(0..100) < spec.rejoin_pct {
            let drop = join + (leave - join) / 2;
            rows.push(row(person, join, drop, "in_meeting", rng));
            rows.push(row(
                person,
                drop + Duration::seconds(rng.random_range(30..300)),
                leave,
                "in_meeting",
                rng,
            ));
        } else {
            rows.push(row(person, join, leave, "in_meeting", rng));
        }
        if rng.random_range(0..100) < spec.overlap_pct {
            rows.push(row(
                person,
                join + Duration::seconds(60),
                leave,
                "in_meeting",
                rng,
            ));
        }
        if rng.random_range(0..100) < 2 {
            rows.push(row(
                person,
                join - Duration::seconds(90),
                join,
                "in_waiting_room",
                rng,
            ));
        }
    }
    rows.sort_by(|a, b| a["join_time"].as_str().cmp(&b["join_time"].as_str()));
    rows
}

fn row(
    person: &Person,
    join: DateTime<Utc>,
    leave: DateTime<Utc>,
    status: &str,
    rng: &mut StdRng,
) -> Map<String, Value> {
    let leave = leave.max(join);
    let value = json!({
        "id": person.id, "user_id": format!("{}", rng.random_range(16_000_000..17_000_000)),
        "participant_user_id": person.id, "name": person.name, "user_email": person.email,
        "join_time": iso(join), "leave_time": iso(leave), "duration": (leave - join).num_seconds(),
        "failover": false, "status": status, "customer_key": "", "bo_mtg_id": "",
    });
    let Value::Object(row) = value else {
        unreachable!()
    };
    row
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
