//! Turns join rows into attendance: attendees (a person in one instance) and people (a
//! person across the range).
//!
//! The grouping and sums run in polars DataFrames keyed by small integer ids; the one step
//! polars has no expression for, the length of a union of intervals, is plain Rust.
//!
//! Rules, as users of the reports rely on them:
//! - waiting-room rows are not attendance and are left out entirely;
//! - a person is the same email (trimmed, case-insensitive) when there is one, otherwise the
//!   same name after NFC normalisation, trimming, collapsing inner spaces and case folding;
//!   [`GroupBy::NameEmail`] groups by the (name, email) pair instead;
//! - `total_seconds` is the plain sum of row durations, as Zoom's own "unique users" export;
//! - `attended_seconds` is the length of the union of the join intervals clipped to the
//!   instance, so two devices at once are not counted twice.

use std::borrow::Cow;
use std::collections::HashMap;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use polars::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::cli::GroupBy;
use crate::zoom::models::{Instance, Session};

/// Column names of the DataFrames, in one place.
mod column {
    pub const INSTANCE: &str = "instance";
    pub const PERSON: &str = "person";
    pub const NAME: &str = "name";
    pub const JOIN: &str = "join";
    pub const LEAVE: &str = "leave";
    pub const DURATION: &str = "duration";
    pub const SESSIONS: &str = "sessions";
    pub const ATTENDED: &str = "attended_seconds";
    pub const PERCENT: &str = "attendance_pct";
    pub const ATTENDEES: &str = "attendees";
}

/// One person in one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Attendee {
    /// Index into the instances the attendance was computed from.
    pub instance: usize,
    /// Index into [`Attendance::people`].
    pub person: usize,
    pub sessions: u32,
    pub first_join: Option<DateTime<Utc>>,
    pub last_leave: Option<DateTime<Utc>>,
    pub total_seconds: i64,
    pub attended_seconds: i64,
    /// `None` when the instance's length is unknown.
    pub attendance_pct: Option<f64>,
}

/// One identity across the whole range.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// The display name used for the longest time.
    pub name: String,
    /// Lower-case email; empty for guests grouped by name.
    pub email: String,
    pub meetings_attended: u32,
    pub attended_seconds: i64,
    pub total_seconds: i64,
    pub avg_attendance_pct: Option<f64>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// Per-instance totals, parallel to the instances.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstanceTotals {
    pub attendees: u32,
    pub attended_seconds: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Attendance {
    /// Sorted by attended time, longest first.
    pub people: Vec<Person>,
    /// Sorted by instance, then attended time, longest first.
    pub attendees: Vec<Attendee>,
    pub instance_totals: Vec<InstanceTotals>,
}

/// Computes attendance for `instances` from their join rows.
///
/// Rows of instances not in `instances` are ignored. Errors only if polars fails.
pub fn compute(
    instances: &[Instance],
    sessions: &[Session],
    group_by: GroupBy,
) -> Result<Attendance> {
    warn_about_unreadable_times(instances, sessions);
    let rows = SessionRows::collect(instances, sessions, group_by);
    let frame = rows
        .frame()
        .map_err(anyhow::Error::from)
        .context("cannot build the sessions table")?;
    let unions = rows.attended_by_attendee(instances);
    let mut attendees = group_attendees(&frame, &unions, instances)?;
    let names = display_names(&frame, &rows)?;
    let mut people = group_people(&attendees, &rows, names)?;
    let instance_totals = group_instances(&attendees, instances.len())?;

    // Sort people by attended time and renumber the attendees' person indices to match.
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&people[a], &people[b]);
        b.attended_seconds
            .cmp(&a.attended_seconds)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut new_index = vec![0; people.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    people = order.iter().map(|&old| people[old].clone()).collect();
    for attendee in &mut attendees {
        attendee.person = new_index[attendee.person];
    }
    attendees.sort_by(|a, b| {
        a.instance
            .cmp(&b.instance)
            .then(b.attended_seconds.cmp(&a.attended_seconds))
            .then(a.person.cmp(&b.person))
    });
    Ok(Attendance {
        people,
        attendees,
        instance_totals,
    })
}

/// Says how much time cannot be counted as attended because Zoom sent no readable time
/// for it, so that a report short of it is never short in silence. Such time is left out
/// rather than guessed; the row's own duration still counts in `total_seconds`.
fn warn_about_unreadable_times(instances: &[Instance], sessions: &[Session]) {
    let unreadable = sessions
        .iter()
        .filter(|s| !s.is_waiting_room())
        .filter(|s| !matches!((s.join, s.leave), (Some(join), Some(leave)) if join <= leave))
        .count();
    if unreadable > 0 {
        tracing::warn!(
            "{unreadable} join row(s) have no readable join and leave time, or leave before \
             they join: their time counts in total_seconds but not in attended_seconds"
        );
    }
    let without_length = instances
        .iter()
        .filter(|i| i.length_seconds().is_none())
        .count();
    if without_length > 0 {
        tracing::warn!(
            "{without_length} meeting instance(s) have no readable start and end, or end \
             before they start: time in them is not clipped to the meeting, and their \
             attendance percentages are left empty"
        );
    }
}

/// The attended join rows as columns, with people and names numbered.
struct SessionRows {
    instance: Vec<u32>,
    person: Vec<u32>,
    name: Vec<u32>,
    join: Vec<Option<i64>>,
    leave: Vec<Option<i64>>,
    duration: Vec<Option<i64>>,
    /// Lower-case email of each person id (empty for guests).
    person_emails: Vec<String>,
    /// Display name of each name id.
    names: Vec<String>,
}

impl SessionRows {
    fn collect(instances: &[Instance], sessions: &[Session], group_by: GroupBy) -> SessionRows {
        let instance_ids: HashMap<&str, u32> = instances
            .iter()
            .enumerate()
            .map(|(i, instance)| (instance.uuid.as_str(), i as u32))
            .collect();
        let mut person_ids: HashMap<String, u32> = HashMap::new();
        let mut name_ids: HashMap<String, u32> = HashMap::new();
        // Rows repeat a few thousand (name, email) pairs: each pair is normalised once.
        let mut pair_ids: HashMap<(&str, &str), (u32, u32)> = HashMap::new();
        let mut rows = SessionRows {
            instance: Vec::with_capacity(sessions.len()),
            person: Vec::with_capacity(sessions.len()),
            name: Vec::with_capacity(sessions.len()),
            join: Vec::with_capacity(sessions.len()),
            leave: Vec::with_capacity(sessions.len()),
            duration: Vec::with_capacity(sessions.len()),
            person_emails: Vec::new(),
            names: Vec::new(),
        };
        for session in sessions.iter().filter(|s| !s.is_waiting_room()) {
            let Some(&instance) = instance_ids.get(session.instance_uuid.as_str()) else {
                continue;
            };
            let pair = (session.name.as_str(), session.email.as_str());
            let (person, name) = *pair_ids.entry(pair).or_insert_with(|| {
                let email = session.email.trim().to_lowercase();
                let key = person_key(&session.name, &email, group_by);
                let next_person = person_ids.len() as u32;
                let person = *person_ids.entry(key).or_insert_with(|| {
                    rows.person_emails.push(email);
                    next_person
                });
                let display = display_name(&session.name).into_owned();
                let next_name = name_ids.len() as u32;
                let name = *name_ids.entry(display.clone()).or_insert_with(|| {
                    rows.names.push(display);
                    next_name
                });
                (person, name)
            });
            rows.instance.push(instance);
            rows.person.push(person);
            rows.name.push(name);
            rows.join.push(session.join.map(|t| t.timestamp()));
            rows.leave.push(session.leave.map(|t| t.timestamp()));
            rows.duration.push(session.duration_seconds);
        }
        rows
    }

    fn frame(&self) -> PolarsResult<DataFrame> {
        df!(
            column::INSTANCE => &self.instance,
            column::PERSON => &self.person,
            column::NAME => &self.name,
            column::JOIN => &self.join,
            column::LEAVE => &self.leave,
            column::DURATION => &self.duration,
        )
    }

    /// Attended seconds of each (instance, person): the union of their intervals, clipped.
    fn attended_by_attendee(&self, instances: &[Instance]) -> HashMap<(u32, u32), i64> {
        let mut intervals: Vec<(u32, u32, i64, i64)> = Vec::with_capacity(self.instance.len());
        for i in 0..self.instance.len() {
            let (Some(join), Some(leave)) = (self.join[i], self.leave[i]) else {
                continue;
            };
            let instance = &instances[self.instance[i] as usize];
            // Clipped to the instance when Zoom gave it a readable start and end.
            let (start, end) = match (instance.start, instance.end) {
                (Some(s), Some(e)) if s < e => (join.max(s.timestamp()), leave.min(e.timestamp())),
                _ => (join, leave),
            };
            if end > start {
                intervals.push((self.instance[i], self.person[i], start, end));
            }
        }
        intervals.sort_unstable();
        let mut attended = HashMap::new();
        for group in intervals.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let spans = group.iter().map(|&(_, _, start, end)| (start, end));
            attended.insert((group[0].0, group[0].1), union_length(spans));
        }
        attended
    }
}

/// Length of the union of intervals sorted by start.
pub fn union_length(sorted: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for (start, end) in sorted {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + current.map_or(0, |(s, e)| e - s)
}

/// The identity a join row belongs to under `group_by`; `email` is already lower-cased.
pub fn person_key(name: &str, email: &str, group_by: GroupBy) -> String {
    match group_by {
        GroupBy::Person if !email.is_empty() => format!("email:{email}"),
        GroupBy::Person => format!("name:{}", fold_name(name)),
        GroupBy::NameEmail => format!("pair:{}\u{1f}{email}", fold_name(name)),
    }
}

/// A name as shown: NFC, trimmed, inner spaces collapsed, case kept.
///
/// Most names already are; those are returned as they are, without copying.
pub fn display_name(name: &str) -> Cow<'_, str> {
    let is_composed = unicode_normalization::is_nfc_quick(name.chars())
        == unicode_normalization::IsNormalized::Yes;
    let mut previous_is_space = true;
    let is_spaced = name.chars().all(|c| {
        let fine = !(c.is_whitespace() && (previous_is_space || c != ' '));
        previous_is_space = c.is_whitespace();
        fine
    }) && !previous_is_space;
    if is_composed && (is_spaced || name.is_empty()) {
        return Cow::Borrowed(name);
    }
    let composed: String = name.nfc().collect();
    Cow::Owned(composed.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A name as compared: [`display_name`] and case folded.
pub fn fold_name(name: &str) -> String {
    display_name(name).to_lowercase()
}

fn group_attendees(
    frame: &DataFrame,
    unions: &HashMap<(u32, u32), i64>,
    instances: &[Instance],
) -> Result<Vec<Attendee>> {
    let grouped = frame
        .clone()
        .lazy()
        .group_by([col(column::INSTANCE), col(column::PERSON)])
        .agg([
            len().alias(column::SESSIONS),
            col(column::JOIN).min(),
            col(column::LEAVE).max(),
            col(column::DURATION).sum(),
        ])
        .collect()
        .map_err(anyhow::Error::from)
        .context("cannot group join rows into attendees")?;
    let instance = grouped.column(column::INSTANCE)?.u32()?;
    let person = grouped.column(column::PERSON)?.u32()?;
    let sessions = grouped.column(column::SESSIONS)?.u32()?;
    let first = grouped.column(column::JOIN)?.i64()?;
    let last = grouped.column(column::LEAVE)?.i64()?;
    let total = grouped.column(column::DURATION)?.i64()?;
    let mut attendees = Vec::with_capacity(grouped.height());
    for i in 0..grouped.height() {
        let (instance, person) = (instance.get(i).unwrap_or(0), person.get(i).unwrap_or(0));
        let attended = unions.get(&(instance, person)).copied().unwrap_or(0);
        let length = instances[instance as usize].length_seconds();
        attendees.push(Attendee {
            instance: instance as usize,
            person: person as usize,
            sessions: sessions.get(i).unwrap_or(0),
            first_join: first.get(i).and_then(|t| DateTime::from_timestamp(t, 0)),
            last_leave: last.get(i).and_then(|t| DateTime::from_timestamp(t, 0)),
            total_seconds: total.get(i).unwrap_or(0),
            attended_seconds: attended,
            attendance_pct: length.map(|length| attended as f64 * 100.0 / length as f64),
        });
    }
    Ok(attendees)
}

/// For each person id, the display name with the longest summed duration.
fn display_names(frame: &DataFrame, rows: &SessionRows) -> Result<Vec<String>> {
    let grouped = frame
        .clone()
        .lazy()
        .group_by([col(column::PERSON), col(column::NAME)])
        .agg([col(column::DURATION).sum()])
        .collect()
        .map_err(anyhow::Error::from)
        .context("cannot total time per display name")?;
    let person = grouped.column(column::PERSON)?.u32()?;
    let name = grouped.column(column::NAME)?.u32()?;
    let seconds = grouped.column(column::DURATION)?.i64()?;
    let mut best: Vec<Option<(i64, &str)>> = vec![None; rows.person_emails.len()];
    for i in 0..grouped.height() {
        let (Some(person), Some(name)) = (person.get(i), name.get(i)) else {
            continue;
        };
        let candidate = (
            seconds.get(i).unwrap_or(0),
            rows.names[name as usize].as_str(),
        );
        let slot = &mut best[person as usize];
        // Longest time wins; on a tie the alphabetically first name, so output is stable.
        let is_better = match slot {
            None => true,
            Some((s, n)) => candidate.0 > *s || (candidate.0 == *s && candidate.1 < *n),
        };
        if is_better {
            *slot = Some(candidate);
        }
    }
    Ok(best
        .into_iter()
        .map(|b| b.map(|(_, n)| n.to_string()).unwrap_or_default())
        .collect())
}

fn attendee_frame(attendees: &[Attendee]) -> PolarsResult<DataFrame> {
    let pick = |f: fn(&Attendee) -> Option<i64>| attendees.iter().map(f).collect::<Vec<_>>();
    df!(
        column::INSTANCE => attendees.iter().map(|a| a.instance as u32).collect::<Vec<_>>(),
        column::PERSON => attendees.iter().map(|a| a.person as u32).collect::<Vec<_>>(),
        column::ATTENDED => pick(|a| Some(a.attended_seconds)),
        column::DURATION => pick(|a| Some(a.total_seconds)),
        column::PERCENT => attendees.iter().map(|a| a.attendance_pct).collect::<Vec<_>>(),
        column::JOIN => pick(|a| a.first_join.map(|t| t.timestamp())),
        column::LEAVE => pick(|a| a.last_leave.map(|t| t.timestamp())),
    )
}

fn group_people(
    attendees: &[Attendee],
    rows: &SessionRows,
    names: Vec<String>,
) -> Result<Vec<Person>> {
    let grouped = attendee_frame(attendees)?
        .lazy()
        .group_by([col(column::PERSON)])
        .agg([
            len().alias(column::ATTENDEES),
            col(column::ATTENDED).sum(),
            col(column::DURATION).sum(),
            col(column::PERCENT).mean(),
            col(column::JOIN).min(),
            col(column::LEAVE).max(),
        ])
        .sort([column::PERSON], SortMultipleOptions::default())
        .collect()
        .map_err(anyhow::Error::from)
        .context("cannot group attendees into people")?;
    let person = grouped.column(column::PERSON)?.u32()?;
    let count = grouped.column(column::ATTENDEES)?.u32()?;
    let attended = grouped.column(column::ATTENDED)?.i64()?;
    let total = grouped.column(column::DURATION)?.i64()?;
    let percent = grouped.column(column::PERCENT)?.f64()?;
    let first = grouped.column(column::JOIN)?.i64()?;
    let last = grouped.column(column::LEAVE)?.i64()?;
    let mut people = Vec::with_capacity(grouped.height());
    for i in 0..grouped.height() {
        let id = person.get(i).unwrap_or(0) as usize;
        debug_assert_eq!(id, i, "every person id has at least one attendee row");
        people.push(Person {
            name: names[id].clone(),
            email: rows.person_emails[id].clone(),
            meetings_attended: count.get(i).unwrap_or(0),
            attended_seconds: attended.get(i).unwrap_or(0),
            total_seconds: total.get(i).unwrap_or(0),
            avg_attendance_pct: percent.get(i),
            first_seen: first.get(i).and_then(|t| DateTime::from_timestamp(t, 0)),
            last_seen: last.get(i).and_then(|t| DateTime::from_timestamp(t, 0)),
        });
    }
    Ok(people)
}

fn group_instances(attendees: &[Attendee], instance_count: usize) -> Result<Vec<InstanceTotals>> {
    let grouped = attendee_frame(attendees)?
        .lazy()
        .group_by([col(column::INSTANCE)])
        .agg([len().alias(column::ATTENDEES), col(column::ATTENDED).sum()])
        .collect()
        .map_err(anyhow::Error::from)
        .context("cannot total attendance per instance")?;
    let instance = grouped.column(column::INSTANCE)?.u32()?;
    let count = grouped.column(column::ATTENDEES)?.u32()?;
    let attended = grouped.column(column::ATTENDED)?.i64()?;
    let mut totals = vec![InstanceTotals::default(); instance_count];
    for i in 0..grouped.height() {
        let Some(index) = instance.get(i) else {
            continue;
        };
        totals[index as usize] = InstanceTotals {
            attendees: count.get(i).unwrap_or(0),
            attended_seconds: attended.get(i).unwrap_or(0),
        };
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hh_mm: &str) -> Option<DateTime<Utc>> {
        Some(format!("2024-07-01T{hh_mm}:00Z").parse().unwrap())
    }

    fn instance(uuid: &str, start: &str, end: &str) -> Instance {
        Instance {
            uuid: uuid.into(),
            meeting_id: Some(1),
            topic: "t".into(),
            host_name: String::new(),
            host_email: String::new(),
            start: at(start),
            end: at(end),
            duration_minutes: None,
            participants_count: None,
        }
    }

    fn session(uuid: &str, name: &str, email: &str, join: &str, leave: &str) -> Session {
        let (join, leave) = (at(join), at(leave));
        Session {
            instance_uuid: uuid.into(),
            name: name.into(),
            email: email.into(),
            join,
            leave,
            duration_seconds: Some((leave.unwrap() - join.unwrap()).num_seconds()),
            status: "in_meeting".into(),
            participant_user_id: String::new(),
            user_id: String::new(),
        }
    }

    #[test]
    fn union_merges_overlaps_and_touching_intervals() {
        assert_eq!(union_length([(0, 10), (5, 15), (15, 20), (30, 40)]), 30);
        assert_eq!(union_length([]), 0);
        assert_eq!(union_length([(0, 100), (10, 20)]), 100);
    }

    #[test]
    fn two_devices_at_once_are_counted_once() {
        let instances = [instance("a", "10:00", "11:00")];
        let sessions = [
            session("a", "An", "an@x.example", "10:00", "10:40"),
            session("a", "An (phone)", "AN@x.example ", "10:20", "11:00"),
        ];
        let attendance = compute(&instances, &sessions, GroupBy::Person).unwrap();
        assert_eq!(attendance.people.len(), 1);
        let attendee = &attendance.attendees[0];
        assert_eq!(
            (
                attendee.sessions,
                attendee.total_seconds,
                attendee.attended_seconds
            ),
            (2, 4800, 3600)
        );
        assert_eq!(attendee.attendance_pct, Some(100.0));
        assert_eq!(attendance.people[0].name, "An");
    }

    #[test]
    fn time_outside_the_instance_is_clipped() {
        let instances = [instance("a", "10:00", "11:00")];
        let sessions = [session("a", "Bình", "", "09:50", "10:30")];
        let attendance = compute(&instances, &sessions, GroupBy::Person).unwrap();
        assert_eq!(attendance.attendees[0].attended_seconds, 1800);
        assert_eq!(attendance.attendees[0].total_seconds, 2400);
    }

    #[test]
    fn guests_group_by_normalised_name() {
        let instances = [instance("a", "10:00", "11:00")];
        let decomposed: String = "Nguyễn  Văn An".nfd().collect();
        let sessions = [
            session("a", "Nguyễn Văn An", "", "10:00", "10:10"),
            session(
                "a",
                &format!(" {} ", decomposed.to_uppercase()),
                "",
                "10:20",
                "10:30",
            ),
        ];
        let attendance = compute(&instances, &sessions, GroupBy::Person).unwrap();
        assert_eq!(attendance.people.len(), 1);
        assert_eq!(attendance.attendees[0].sessions, 2);
    }

    #[test]
    fn waiting_room_rows_are_not_attendance() {
        let instances = [instance("a", "10:00", "11:00")];
        let mut waiting = session("a", "Chi", "chi@x.example", "10:00", "10:05");
        waiting.status = "in_waiting_room".into();
        let sessions = [
            waiting,
            session("a", "Chi", "chi@x.example", "10:05", "10:35"),
        ];
        let attendance = compute(&instances, &sessions, GroupBy::Person).unwrap();
        let attendee = &attendance.attendees[0];
        assert_eq!((attendee.sessions, attendee.attended_seconds), (1, 1800));
    }

    #[test]
    fn display_names_are_composed_and_evenly_spaced() {
        let decomposed = "Nguye\u{302}\u{303}n  Va\u{306}n An ";
        assert_eq!(display_name(decomposed), "Nguyễn Văn An");
        assert_eq!(display_name(" An"), "An");
        assert_eq!(display_name("An\tBình"), "An Bình");
        assert!(matches!(display_name("Nguyễn Văn An"), Cow::Borrowed(_)));
        assert_eq!(display_name(""), "");
    }

    #[test]
    fn name_email_grouping_splits_display_names() {
        let instances = [instance("a", "10:00", "11:00")];
        let sessions = [
            session("a", "Lê Văn Nam", "nam@x.example", "10:00", "10:10"),
            session("a", "Nam (iPhone)", "nam@x.example", "10:20", "10:30"),
        ];
        assert_eq!(
            compute(&instances, &sessions, GroupBy::Person)
                .unwrap()
                .people
                .len(),
            1
        );
        assert_eq!(
            compute(&instances, &sessions, GroupBy::NameEmail)
                .unwrap()
                .people
                .len(),
            2
        );
    }

    #[test]
    fn people_span_instances() {
        let instances = [
            instance("a", "10:00", "11:00"),
            instance("b", "12:00", "12:30"),
        ];
        let sessions = [
            session("a", "Dũng", "d@x.example", "10:00", "10:30"),
            session("b", "Dũng", "d@x.example", "12:00", "12:30"),
        ];
        let attendance = compute(&instances, &sessions, GroupBy::Person).unwrap();
        let person = &attendance.people[0];
        assert_eq!(
            (person.meetings_attended, person.attended_seconds),
            (2, 3600)
        );
        assert_eq!(person.avg_attendance_pct, Some(75.0));
        assert_eq!(attendance.instance_totals[1].attended_seconds, 1800);
    }
}
