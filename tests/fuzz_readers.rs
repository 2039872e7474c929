//! Property tests that feed the archive reader and the readers of Zoom's JSON arbitrary
//! input: whatever arrives, they answer with data or an error, never a panic.
//!
//! CI runs a few hundred cases per property; for a long run:
//! `PROPTEST_CASES=30000 cargo test --test fuzz_readers`.

use std::io::Write;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use zoom_report::attendance;
use zoom_report::cli::GroupBy;
use zoom_report::zoom::models::{Instance, Session};

/// Any JSON value, nested a few levels, with strings that look like Zoom's fields.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "(|[0-9]{1,20}|2024-07-0[1-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z|\\PC{0,12})"
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("uuid".to_string()),
        Just("id".to_string()),
        Just("start_time".to_string()),
        Just("end_time".to_string()),
        Just("duration".to_string()),
        Just("join_time".to_string()),
        Just("leave_time".to_string()),
        Just("name".to_string()),
        Just("user_email".to_string()),
        Just("status".to_string()),
        Just("meeting_uuid".to_string()),
        "[a-z_]{1,8}",
    ]
}

fn object_of(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => Map::from_iter([("uuid".to_string(), json!("u")), ("x".to_string(), other)]),
    }
}

proptest! {
    #[test]
    fn zoom_objects_never_panic_the_models_or_the_grouping(
        meetings in prop::collection::vec(any_json(), 0..6),
        rows in prop::collection::vec(any_json(), 0..20),
        by_pair in any::<bool>(),
    ) {
        let instances: Vec<Instance> =
            meetings.into_iter().filter_map(|m| Instance::from_json(&object_of(m))).collect();
        let uuid = instances.first().map(|i| i.uuid.clone()).unwrap_or_default();
        let sessions: Vec<Session> =
            rows.into_iter().map(|r| Session::from_json(&object_of(r), &uuid)).collect();
        let group_by = if by_pair { GroupBy::NameEmail } else { GroupBy::Person };
        let attendance = attendance::compute(&instances, &sessions, group_by).unwrap();
        for attendee in &attendance.attendees {
            prop_assert!(attendee.attended_seconds >= 0);
            prop_assert!(attendee.person < attendance.people.len());
        }
    }

    #[test]
    fn archive_files_of_any_content_read_or_fail_cleanly(
        manifest in prop_oneof![
            Just(r#"{"format":"zoom-report-archive","from":"2024-07-01","to":"2024-07-31","complete":true}"#.to_string()),
            Just(r#"{"format":"zoom-report-archive","from":"2024-07-01","to":"2024-07-31","complete":false}"#.to_string()),
            "\\PC{0,60}",
        ],
        meetings in prop::collection::vec(prop_oneof![any_json().prop_map(|v| v.to_string()), "\\PC{0,40}"], 0..6),
        rows in prop::collection::vec(prop_oneof![any_json().prop_map(|v| v.to_string()), "\\PC{0,40}"], 0..12),
        cut in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), manifest).unwrap();
        let write_lines = |name: &str, lines: &[String]| {
            let mut file = std::fs::File::create(dir.path().join(name)).unwrap();
            let mut text = lines.join("\n");
            if !cut { text.push('\n'); }
            file.write_all(text.as_bytes()).unwrap();
        };
        write_lines("meetings.jsonl", &meetings);
        write_lines("participants.jsonl", &rows);
        if let Ok(archive) = zoom_report::archive::read(dir.path()) {
            attendance::compute(&archive.instances, &archive.sessions, GroupBy::Person).unwrap();
        }
        let _ = zoom_report::archive::read_raw(dir.path());
    }

    /// The archive reader parses only the fields it uses; it must read every row exactly
    /// as reading the whole object does.
    #[test]
    fn archived_rows_read_as_the_live_path_reads_them(
        rows in prop::collection::vec(any_json(), 0..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let manifest = r#"{"format":"zoom-report-archive","from":"2024-07-01","to":"2024-07-31","complete":true}"#;
        std::fs::write(dir.path().join("manifest.json"), manifest).unwrap();
        std::fs::write(dir.path().join("meetings.jsonl"), "{\"uuid\":\"u==\"}\n").unwrap();
        let objects: Vec<Map<String, Value>> = rows
            .into_iter()
            .map(|row| {
                let mut object = object_of(row);
                object.insert("meeting_uuid".into(), json!("u=="));
                object
            })
            .collect();
        let lines: Vec<String> = objects.iter().map(|o| Value::Object(o.clone()).to_string()).collect();
        std::fs::write(dir.path().join("participants.jsonl"), lines.join("\n") + "\n").unwrap();
        let archive = zoom_report::archive::read(dir.path()).unwrap();
        // Each line as the live path reads an object: parsed whole, then its fields.
        let whole: Vec<Session> = lines
            .iter()
            .map(|line| {
                let object: Map<String, Value> = serde_json::from_str(line).unwrap();
                Session::from_json(&object, "u==")
            })
            .collect();
        prop_assert_eq!(archive.sessions, whole);
    }

    #[test]
    fn person_keys_ignore_form_spacing_and_case(name in "[ a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễđĐ]{1,20}") {
        use unicode_normalization::UnicodeNormalization;
        let decomposed: String = name.nfd().collect();
        let spaced = format!("  {}  ", decomposed.to_uppercase().replace(' ', "   "));
        prop_assert_eq!(
            attendance::person_key(&name, "", GroupBy::Person),
            attendance::person_key(&spaced, "", GroupBy::Person)
        );
    }
}
