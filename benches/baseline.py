#!/usr/bin/env python3
"""The baseline zoom-report is measured against: what a user would otherwise write.

Reads a zoom-report archive (meetings.jsonl, participants.jsonl) with pandas, applies the
same attendance rules (waiting room left out; a person is the lower-cased email, or the
NFC-normalised, space-collapsed, case-folded name; attended time is the union of the join
intervals clipped to the instance), and writes the same four tables to an xlsx with
openpyxl. Prints the time of each stage.

    python3 benches/baseline.py ARCHIVE_DIR OUT.xlsx
"""
import sys
import time
import unicodedata

import pandas as pd


def person_key(name, email):
    email = (email or "").strip().lower()
    if email:
        return "email:" + email
    name = " ".join(unicodedata.normalize("NFC", name or "").split()).casefold()
    return "name:" + name


def main(archive, out):
    stages = {}
    started = time.perf_counter()
    meetings = pd.read_json(f"{archive}/meetings.jsonl", lines=True, dtype={"id": str})
    rows = pd.read_json(f"{archive}/participants.jsonl", lines=True, dtype=False)
    stages["read"] = time.perf_counter() - started

    started = time.perf_counter()
    rows = rows[rows["status"] != "in_waiting_room"].copy()
    rows["key"] = [person_key(n, e) for n, e in zip(rows["name"], rows["user_email"])]
    rows["join"] = pd.to_datetime(rows["join_time"], utc=True, errors="coerce")
    rows["leave"] = pd.to_datetime(rows["leave_time"], utc=True, errors="coerce")
    rows["duration"] = pd.to_numeric(rows["duration"], errors="coerce").fillna(0).astype("int64")
    meetings["start"] = pd.to_datetime(meetings["start_time"], utc=True, errors="coerce")
    meetings["end"] = pd.to_datetime(meetings["end_time"], utc=True, errors="coerce")
    bounds = meetings.set_index("uuid")[["start", "end"]]
    rows = rows.join(bounds, on="meeting_uuid")
    rows["s"] = rows[["join", "start"]].max(axis=1)
    rows["e"] = rows[["leave", "end"]].min(axis=1)
    rows = rows.sort_values(["meeting_uuid", "key", "s"])
    group = rows.groupby(["meeting_uuid", "key"], sort=False)
    # Union length: each interval counts from the latest end seen so far in its group.
    previous_end = group["e"].transform(lambda e: e.cummax().shift())
    start = rows["s"].where(previous_end.isna() | (rows["s"] > previous_end), previous_end)
    rows["part"] = (rows["e"] - start).dt.total_seconds().clip(lower=0)
    attendees = group.agg(
        sessions=("key", "size"),
        first_join=("join", "min"),
        last_leave=("leave", "max"),
        total_seconds=("duration", "sum"),
        attended_seconds=("part", "sum"),
    ).reset_index()
    length = (bounds["end"] - bounds["start"]).dt.total_seconds()
    attendees["attendance_pct"] = (
        attendees["attended_seconds"] / attendees["meeting_uuid"].map(length) * 100
    ).round(1)
    names = rows.groupby(["key", "name"])["duration"].sum().reset_index()
    names = names.sort_values("duration", ascending=False).drop_duplicates("key")
    people = attendees.groupby("key").agg(
        meetings_attended=("meeting_uuid", "size"),
        attended_seconds=("attended_seconds", "sum"),
        total_seconds=("total_seconds", "sum"),
        avg_attendance_pct=("attendance_pct", "mean"),
        first_seen=("first_join", "min"),
        last_seen=("last_leave", "max"),
    )
    people = people.join(names.set_index("key")["name"]).reset_index()
    people = people.sort_values("attended_seconds", ascending=False)
    stages["group"] = time.perf_counter() - started

    started = time.perf_counter()
    for frame in (people, attendees, rows, meetings):
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.tz_localize(None)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        people.to_excel(writer, sheet_name="People", index=False)
        meetings.drop(columns=["start", "end"]).to_excel(writer, sheet_name="Meetings", index=False)
        attendees.to_excel(writer, sheet_name="Attendance", index=False)
        sessions = rows[["meeting_uuid", "name", "user_email", "join", "leave", "duration", "status"]]
        sessions.to_excel(writer, sheet_name="Sessions", index=False)
    stages["xlsx"] = time.perf_counter() - started
    print(" ".join(f"{name}={seconds:.2f}s" for name, seconds in stages.items()))
    print(f"people={len(people)} attendees={len(attendees)} rows={len(rows)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
