//! Zoom's report objects, read leniently.
//!
//! Zoom documents every field as optional, adds fields without notice, and has sent `""`
//! where a number or a time belongs. So each object is kept as the JSON Zoom sent (for the
//! archive) and the fields the reports use are read from it one by one: a missing, empty or
//! malformed field becomes `None` instead of failing the whole row.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The longest a meeting or one join can plausibly last: Zoom ends meetings after 30
/// hours. A larger value is a corrupt field, read as missing rather than summed.
const MAX_SECONDS: i64 = 7 * 24 * 3600;
const MAX_MINUTES: i64 = MAX_SECONDS / 60;

/// One occurrence of a meeting (one `uuid`), as listed by the meeting report.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub uuid: String,
    /// The scheduled meeting's numeric id, shared by every instance of a series.
    pub meeting_id: Option<i64>,
    pub topic: String,
    pub host_name: String,
    pub host_email: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i64>,
    pub participants_count: Option<i64>,
}

/// One join row (a session) of a participant report.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub instance_uuid: String,
    pub name: String,
    pub email: String,
    pub join: Option<DateTime<Utc>>,
    pub leave: Option<DateTime<Utc>>,
    /// Seconds, as Zoom reports them; derived from the times when Zoom left it empty.
    pub duration_seconds: Option<i64>,
    pub status: String,
    pub participant_user_id: String,
    pub user_id: String,
}

impl Session {
    /// Waiting-room rows record time spent waiting to be admitted, not attending.
    pub fn is_waiting_room(&self) -> bool {
        self.status == "in_waiting_room"
    }
}

impl Instance {
    /// Reads an instance from a meeting-report object; `None` when it has no uuid.
    pub fn from_json(object: &Map<String, Value>) -> Option<Instance> {
        let uuid = text(object, "uuid");
        if uuid.is_empty() {
            return None;
        }
        let start = time(object, "start_time");
        let duration_minutes =
            integer(object, "duration").filter(|m| (0..=MAX_MINUTES).contains(m));
        let end = time(object, "end_time").or_else(|| {
            start?.checked_add_signed(chrono::Duration::try_minutes(duration_minutes?)?)
        });
        Some(Instance {
            uuid,
            meeting_id: integer(object, "id"),
            topic: text(object, "topic"),
            host_name: text(object, "user_name"),
            host_email: text(object, "user_email"),
            start,
            end,
            duration_minutes,
            participants_count: integer(object, "participants_count"),
        })
    }

    /// Seconds from start to end, the denominator of attendance percentages.
    pub fn length_seconds(&self) -> Option<i64> {
        let seconds = (self.end? - self.start?).num_seconds();
        (seconds > 0).then_some(seconds)
    }

    /// The meeting id as text: ids pass 2^53 in places and must never become floats.
    pub fn meeting_id_text(&self) -> String {
        self.meeting_id.map(|id| id.to_string()).unwrap_or_default()
    }
}

impl Session {
    /// Reads a join row; `instance_uuid` is the instance it was fetched for.
    pub fn from_json(object: &Map<String, Value>, instance_uuid: &str) -> Session {
        Session::from_fields(|key| object.get(key), instance_uuid)
    }

    /// Reads a join row from its fields, however they are held.
    fn from_fields<'v>(field: impl Fn(&str) -> Option<&'v Value>, instance_uuid: &str) -> Session {
        let join = time_of(field("join_time"));
        let leave = time_of(field("leave_time"));
        let duration_seconds = integer_of(field("duration"))
            .filter(|seconds| (0..=MAX_SECONDS).contains(seconds))
            .or_else(|| Some((leave? - join?).num_seconds().max(0)))
            .filter(|seconds| *seconds <= MAX_SECONDS);
        Session {
            instance_uuid: instance_uuid.to_string(),
            name: text_of(field("name")),
            email: text_of(field("user_email")),
            join,
            leave,
            duration_seconds,
            status: text_of(field("status")),
            participant_user_id: text_of(field("participant_user_id")),
            user_id: text_of(field("user_id")),
        }
    }
}

/// The fields of an archived join row that the reports read; the others are skipped
/// without being kept, which makes reading a large archive several times faster than
/// reading whole objects. Each field is read as leniently as [`Session::from_json`] reads.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SessionLine {
    meeting_uuid: Value,
    name: Value,
    user_email: Value,
    join_time: Value,
    leave_time: Value,
    duration: Value,
    status: Value,
    participant_user_id: Value,
    user_id: Value,
}

impl SessionLine {
    /// The uuid of the instance the row belongs to.
    pub fn instance_uuid(&self) -> String {
        text_of(Some(&self.meeting_uuid))
    }

    pub fn session(&self, instance_uuid: &str) -> Session {
        Session::from_fields(|key| self.field(key), instance_uuid)
    }

    fn field(&self, key: &str) -> Option<&Value> {
        let value = match key {
            "name" => &self.name,
            "user_email" => &self.user_email,
            "join_time" => &self.join_time,
            "leave_time" => &self.leave_time,
            "duration" => &self.duration,
            "status" => &self.status,
            "participant_user_id" => &self.participant_user_id,
            "user_id" => &self.user_id,
            _ => return None,
        };
        Some(value)
    }
}

/// A string field; numbers are turned into text, anything else into "".
pub fn text(object: &Map<String, Value>, key: &str) -> String {
    text_of(object.get(key))
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// An integer field that may arrive as a number, a numeric string or `""`.
pub fn integer(object: &Map<String, Value>, key: &str) -> Option<i64> {
    integer_of(object.get(key))
}

fn integer_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An ISO 8601 time field; `""` and unparsable values become `None`.
pub fn time(object: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    time_of(object.get(key))
}

fn time_of(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let raw = value?.as_str()?.trim();
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn empty_strings_in_number_and_time_fields_become_none() {
        let row = object(json!({"name": "An", "duration": "", "join_time": "", "leave_time": ""}));
        let session = Session::from_json(&row, "u");
        assert_eq!(session.duration_seconds, None);
        assert_eq!(session.join, None);
    }

    #[test]
    fn missing_duration_is_derived_from_the_times() {
        let row = object(json!({
            "join_time": "2024-07-01T10:00:00Z", "leave_time": "2024-07-01T10:05:30Z",
            "duration": ""
        }));
        assert_eq!(Session::from_json(&row, "u").duration_seconds, Some(330));
    }

    #[test]
    fn impossible_durations_are_read_as_missing() {
        let row = object(
            json!({"duration": i64::MAX, "join_time": "2024-07-01T10:00:00Z",
            "leave_time": "2024-07-01T10:01:00Z"}),
        );
        assert_eq!(Session::from_json(&row, "u").duration_seconds, Some(60));
        let row = object(json!({"duration": -5}));
        assert_eq!(Session::from_json(&row, "u").duration_seconds, None);
        let meeting = object(json!({"uuid": "x", "start_time": "2024-07-01T10:00:00Z",
            "duration": i64::MAX}));
        assert_eq!(Instance::from_json(&meeting).unwrap().end, None);
    }

    #[test]
    fn large_meeting_ids_stay_exact() {
        let meeting = object(json!({"uuid": "x", "id": 9_007_199_254_740_993_i64}));
        let instance = Instance::from_json(&meeting).unwrap();
        assert_eq!(instance.meeting_id_text(), "9007199254740993");
    }

    #[test]
    fn end_falls_back_to_start_plus_duration() {
        let meeting = object(json!({"uuid": "x", "start_time": "2024-07-01T10:00:00Z",
            "end_time": "", "duration": 45}));
        assert_eq!(
            Instance::from_json(&meeting).unwrap().length_seconds(),
            Some(2700)
        );
    }

    #[test]
    fn an_instance_without_uuid_is_skipped() {
        assert!(Instance::from_json(&object(json!({"id": 1}))).is_none());
    }
}
