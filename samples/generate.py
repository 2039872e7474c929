#!/usr/bin/env python3
"""Write zoom-report's bundled sample archive (samples/2024-07/).

The archive imitates what a live `zoom-report` run stores for one month of a small
Vietnamese training company, "Lotus Training": a manifest, one meeting instance
per line in meetings.jsonl (the shape of Zoom's GET /report/users/{id}/meetings
items) and one join row per line in participants.jsonl (the shape of Zoom's GET
/report/meetings/{uuid}/participants rows, plus `meeting_uuid`).

Every person, id, e-mail address and company is invented. The output is fully
deterministic: the only "randomness" is a counter hashed with SHA-256, so the
files come out byte for byte the same on any Python 3.8 or later.

Usage, from the repository root:

    python3 samples/generate.py           # (re)write samples/2024-07/
    python3 samples/generate.py --check   # read the files back, validate them,
                                          # print the figures README.md states
                                          # and compare them with README.md

The --check half reads only the written files and recomputes everything from
them with the attendance rules in README.md; apart from the output paths and
two time-formatting helpers it shares no code with the generating half, so it
is an independent second opinion on the hand-worked figures.
"""

import argparse
import base64
import hashlib
import json
import math
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "2024-07"
README = HERE / "README.md"

DOMAIN = "lotus-training.example"

# Mixed into the labels of the instances' dice. It was chosen (by trying values
# in turn) so that no attendance percentage in the month lands on a rounding
# tie and every person's average is the same whether the per-instance
# percentages are averaged before or after rounding them to one decimal.
SALT = 265


# ---------------------------------------------------------------------------
# Small deterministic helpers
# ---------------------------------------------------------------------------


class Dice:
    """A tiny deterministic source of choices: SHA-256 of a label and a counter.

    `random.Random` would also be deterministic with a seed, but its helper
    methods have changed between Python versions; hashing does not.
    """

    def __init__(self, label, salted=True):
        self.label = f"{SALT}:{label}" if salted else label
        self.count = 0

    def below(self, n):
        self.count += 1
        digest = hashlib.sha256(f"{self.label}#{self.count}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % n

    def between(self, lo, hi):
        return lo + self.below(hi - lo + 1)

    def chance(self, percent):
        return self.below(100) < percent

    def pick(self, items):
        return items[self.below(len(items))]


def t(text):
    """Parse '2024-07-03T02:00:12Z' into an aware UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def fmt(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds(delta):
    return int(delta.total_seconds())


def nfd(text):
    return unicodedata.normalize("NFD", text)


def ascii_fold(text):
    """'Đỗ Hải Yến' -> 'do hai yen', for building e-mail local parts."""
    text = text.replace("Đ", "D").replace("đ", "d")
    stripped = "".join(c for c in nfd(text) if not unicodedata.combining(c))
    return stripped.lower()


def zoom_user_id(email):
    """A 22-character id like Zoom's participant_user_id, derived from the e-mail."""
    digest = hashlib.sha256(f"user:{email}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def instance_uuid(label, want):
    """A 24-character base64 instance uuid ending in '==', like Zoom's.

    `want` is "plain" (no leading '/' and no '//'), "leading-slash" or
    "double-slash" (contains '//' but does not start with '/').
    """
    salt = 0
    while True:
        raw = bytearray(hashlib.sha256(f"uuid:{label}:{salt}".encode()).digest()[:16])
        if want == "leading-slash":
            raw[0] |= 0xFC  # the first base64 character is the top six bits
        elif want == "double-slash":
            raw[6] = 0xFF  # characters 8 and 9 come from byte 6 and the
            raw[7] |= 0xF0  # top half of byte 7
        text = base64.b64encode(bytes(raw)).decode()
        starts = text.startswith("/")
        doubles = "//" in text
        ok = {
            "plain": not starts and not doubles,
            "leading-slash": starts and not doubles,
            "double-slash": doubles and not starts,
        }[want]
        if ok:
            return text
        salt += 1


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


class Person:
    """One invented participant. `email` is "" for guests (no Zoom account here)."""

    def __init__(self, name, email="", stored_nfd=False):
        self.name = name
        self.email = email
        self.stored_nfd = stored_nfd
        self.uid = zoom_user_id(email) if email else ""

    @property
    def display(self):
        return nfd(self.name) if self.stored_nfd else self.name


def staff(name, local, stored_nfd=False):
    return Person(name, f"{local}@{DOMAIN}", stored_nfd)


def guest(name, stored_nfd=False):
    return Person(name, "", stored_nfd)


HOA = staff("Nguyễn Thị Hoa", "hoa.nguyen")  # coordinator, host 1
DUC = staff("Trần Minh Đức", "duc.tran")  # team lead, host 2

# The three people README.md works out by hand.
NAM = staff("Lê Văn Nam", "nam.le")  # two devices; second name "Nam (iPhone)"
TRANG = staff("Phạm Thu Trang", "trang.pham", stored_nfd=True)  # drops and rejoins
ANH = guest("Huỳnh Thị Ngọc Ánh")  # guest learner, name in several spellings

YEN = staff("Đỗ Hải Yến", "yen.do")
HUY = staff("Võ Quang Huy", "huy.vo")
HA = staff("Lê Thị Thu Hà", "ha.le", stored_nfd=True)
BAO = staff("Hoàng Gia Bảo", "bao.hoang")
TAM = staff("Ngô Thanh Tâm", "tam.ngo")
LINH = staff("Đinh Khánh Linh", "linh.dinh")
VINH = staff("Trương Công Vinh", "vinh.truong")
THAO = staff("Mai Phương Thảo", "thao.mai")
KHOA = staff("Dương Văn Khoa", "khoa.duong")
DIEP = staff("Phan Ngọc Diệp", "diep.phan", stored_nfd=True)
LONG = staff("Lý Hoàng Long", "long.ly")

CORE = [HOA, DUC, NAM, TRANG, YEN, HUY, HA, BAO, TAM, LINH, VINH, THAO, KHOA, DIEP, LONG]
TEACHERS = [YEN, HUY, HA, BAO, TAM, LINH]  # the stand-up regulars besides NAM, TRANG

TONY = guest('Phạm "Tony" Anh, PhD')
EVIL = guest('=HYPERLINK("http://evil.example","click")')
TUNG = guest("Bùi Thanh Tùng")  # interview candidate, waits then is admitted
NGOC = guest("Ngô Bích Ngọc")  # interview candidate, admitted at once
SARAH = guest("Sarah Miller")
JAMES = guest("James O'Connor")
PRIYA = guest("Priya Natarajan")
EXPERT = guest("TS. Lưu Văn Bình (chuyên gia)")

FAMILY = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lâm", "Mai", "Tô",
    "Cao", "Lương", "Tạ",
]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bảo", "Mỹ", "Phương", "Hồng", "Diệu"]
MIDDLE_M = ["Văn", "Minh", "Quốc", "Đức", "Hữu", "Gia", "Công", "Thành", "Tuấn", "Đình"]
GIVEN_F = [
    "Anh", "Lan", "Hương", "Trang", "Linh", "Ngân", "Thảo", "Vy", "Nhung", "Hạnh",
    "Quyên", "Mai", "Hằng", "Yến", "Tuyết", "Uyên", "Chi", "Loan", "Nga", "Trâm",
    "My", "Giang", "Hiền", "Phượng", "Thủy",
]
GIVEN_M = [
    "Hùng", "Dũng", "Nam", "Tuấn", "Khoa", "Phúc", "Sơn", "Long", "Hải", "Quân",
    "Thắng", "Tài", "Hiếu", "Lộc", "Trung", "Kiên", "Vinh", "Đạt", "Bình", "Toàn",
    "Khang", "Nhân", "Tín", "Hòa",
]


def name_key(name):
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


class Registry:
    """Hands out invented names and e-mails that never collide by accident.

    Two different invented people must never group together under README's
    rules, so every name (for guests) and every e-mail (for staff) is checked
    against everything handed out before.
    """

    def __init__(self, people):
        self.names = {name_key(p.name) for p in people}
        self.emails = {p.email for p in people if p.email}

    def claim(self, person):
        if person.email:
            assert person.email not in self.emails, person.email
            self.emails.add(person.email)
        else:
            key = name_key(person.name)
            assert key not in self.names, person.name
        self.names.add(name_key(person.name))
        return person

    def fresh_name(self, dice):
        while True:
            female = dice.chance(55)
            family = dice.pick(FAMILY)
            middle = dice.pick(MIDDLE_F if female else MIDDLE_M)
            given = dice.pick(GIVEN_F if female else GIVEN_M)
            name = f"{family} {middle} {given}"
            if name_key(name) not in self.names:
                return name, family, given

    def fresh_staff(self, dice):
        name, family, given = self.fresh_name(dice)
        local = f"{ascii_fold(given)}.{ascii_fold(family)}"
        email, n = f"{local}@{DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{DOMAIN}"
        return self.claim(Person(name, email, stored_nfd=dice.chance(15)))

    def fresh_guest(self, dice, prefix=""):
        name, _, _ = self.fresh_name(dice)
        return self.claim(Person(prefix + name, "", stored_nfd=dice.chance(25)))


REGISTRY = Registry(CORE + [ANH])
for _special in [TONY, EVIL, TUNG, NGOC, SARAH, JAMES, PRIYA, EXPERT]:
    REGISTRY.claim(_special)

_people_dice = Dice("people", salted=False)
LEARNERS = [REGISTRY.fresh_guest(_people_dice) for _ in range(12)]
PROSPECTS = [REGISTRY.fresh_guest(_people_dice) for _ in range(22)]
PARENTS = [REGISTRY.fresh_guest(_people_dice, "PH ") for _ in range(14)]
COMPANY = [REGISTRY.fresh_staff(_people_dice) for _ in range(232)]
ROOM_GUESTS = [
    REGISTRY.claim(guest(n))
    for n in [
        "Phòng họp tầng 3",
        "iPad Lễ tân",
        "Khách mời – Sở GD&ĐT",
        "Đại diện Công ty Sen Vàng",
        "ThS. Hồ Ngọc Phước (cố vấn)",
        "Galaxy Tab của Kế toán",
    ]
]
PROSPECTS += [REGISTRY.claim(guest(n)) for n in ["iPhone của Minh", "Ba mẹ bé Na"]]


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


class Row:
    """One join row before serialisation."""

    def __init__(self, person, join, leave, *, name=None, email=None,
                 waiting=False, duration="auto", failover=False):
        self.person = person
        self.join = join
        self.leave = leave
        self.name = person.display if name is None else name
        self.email = person.email if email is None else email
        self.waiting = waiting
        self.duration = seconds(leave - join) if duration == "auto" else duration
        self.failover = failover
        assert leave > join, (person.name, join, leave)


def host_row(host, start, end):
    """The host starts the meeting and ends it for everyone."""
    return Row(host, start, end)


def usual_rows(dice, person, start, end, *, rejoin=12, early_leave=12, late_join=240):
    """Rows for someone who simply turns up, sometimes late, sometimes dropping out."""
    length = seconds(end - start)
    first = dice.between(4, min(late_join, length // 8))
    if dice.chance(early_leave):
        last = length - dice.between(300, length // 3)
    elif dice.chance(10):
        last = length + dice.between(1, 3)  # Zoom closes a row a moment late
    else:
        last = length - dice.between(0, 150)

    sessions = 1
    if dice.chance(rejoin):
        sessions = 3 if dice.chance(25) else 2

    rows, cursor, span = [], first, last - first
    for i in range(1, sessions):
        drop = first + span * i // sessions + dice.between(-90, 90)
        rows.append(Row(person, start + timedelta(seconds=cursor), start + timedelta(seconds=drop)))
        cursor = drop + dice.between(15, 140)
    rows.append(Row(person, start + timedelta(seconds=cursor), start + timedelta(seconds=last)))
    return rows


def crowd_rows(dice, people, start, end, *, attend=100, **kwargs):
    rows = []
    for person in people:
        if dice.chance(attend):
            rows += usual_rows(dice, person, start, end, **kwargs)
    return rows


def at(day_and_time):
    return t(f"2024-07-{day_and_time}Z")


# ---------------------------------------------------------------------------
# The month's meeting instances
# ---------------------------------------------------------------------------

STANDUP = dict(id=85012345678, host=DUC, type=8,
               topic="Họp giao ban tuần – Nhóm giảng viên")
EXCEL = dict(id=87123456789, host=HOA, type=8,
             topic="Khóa Excel nâng cao K12 – Buổi học tối")


def standup(n, start, end, uuid_kind, extra_rows):
    dice = Dice(f"standup-{n}")
    start, end = at(start), at(end)
    rows = [host_row(DUC, start, end)]
    rows += crowd_rows(dice, TEACHERS, start, end, attend=85, rejoin=10)
    rows += extra_rows
    return dict(STANDUP, key=f"G{n}", uuid_kind=uuid_kind, start=start, end=end, rows=rows)


def excel(n, start, end, extra_rows, extra=None):
    dice = Dice(f"excel-{n}")
    start, end = at(start), at(end)
    rows = [host_row(HOA, start, end)]
    rows += usual_rows(dice, THAO, start, end, rejoin=0, early_leave=0)
    rows += crowd_rows(dice, LEARNERS, start, end, attend=85, rejoin=20, late_join=600)
    rows += extra_rows
    return dict(EXCEL, key=f"A{n}", uuid_kind="plain", start=start, end=end,
                rows=rows, extra=extra or {"custom_keys": []})


def build_instances():
    instances = []

    # -- Excel course (Hoa, recurring). ANH is a guest learner in A1..A3. -----
    instances.append(excel(1, "02T12:00:05", "02T13:31:10", [
        # Joins 95 s before the instance starts: clipped for attended time.
        Row(ANH, at("02T11:58:30"), at("02T13:25:00")),
    ]))
    instances.append(excel(2, "09T12:00:41", "09T13:32:26", [
        Row(ANH, at("09T12:01:10"), at("09T12:47:33")),  # NFC
        Row(ANH, at("09T12:49:02"), at("09T13:32:26"), name=nfd(ANH.name)),  # NFD
    ]))
    instances.append(excel(3, "16T12:00:02", "16T13:29:47", [
        Row(ANH, at("16T12:05:40"), at("16T13:28:59"), name=nfd("  huỳnh thị  NGỌC ánh ")),
    ]))
    instances.append(excel(4, "23T12:00:20", "23T13:30:50", []))

    # -- Weekly stand-up (Duc, recurring, numeric id 85012345678). -------------
    instances.append(standup(1, "03T02:00:12", "03T02:31:40", "plain", [
        Row(NAM, at("03T02:01:05"), at("03T02:31:40")),
        Row(TRANG, at("03T02:00:40"), at("03T02:31:38")),
    ]))
    instances.append(standup(2, "10T01:59:30", "10T02:45:05", "leading-slash", [
        Row(TRANG, at("10T01:59:48"), at("10T02:12:19")),
        # Zoom sent "" instead of a number here; the tool uses leave - join.
        Row(TRANG, at("10T02:13:02"), at("10T02:27:44"), duration=""),
        Row(TRANG, at("10T02:28:15"), at("10T02:45:05")),
    ]))
    instances.append(standup(3, "17T02:00:03", "17T02:28:51", "double-slash", [
        # Phone joins before the instance starts, laptop follows: overlap.
        Row(NAM, at("17T01:59:10"), at("17T02:09:30"), name="Nam (iPhone)"),
        Row(NAM, at("17T02:00:20"), at("17T02:28:51")),
    ]))
    instances.append(standup(4, "24T02:01:20", "24T02:40:00", "plain", [
        Row(NAM, at("24T02:03:00"), at("24T02:31:10")),
        Row(TRANG, at("24T02:01:50"), at("24T02:20:13")),
        # Leaves 4 s after the instance ends: clipped for attended time.
        Row(TRANG, at("24T02:21:00"), at("24T02:40:04")),
    ]))

    # -- One-off meetings -----------------------------------------------------
    start, end = at("05T03:00:00"), at("05T04:02:37")
    dice = Dice("sales")
    rows = [host_row(HOA, start, end)]
    rows += crowd_rows(dice, [LONG, KHOA, DIEP, VINH, HA], start, end, rejoin=15)
    rows += usual_rows(dice, TONY, start, end, rejoin=100)
    instances.append(dict(key="B", id=86230417795, host=HOA, type=2, uuid_kind="plain",
                          topic='Q3 <b>Sales</b> & "Marketing" sync',
                          start=start, end=end, rows=rows))

    start, end = at("08T07:30:00"), at("08T08:21:14")
    dice = Dice("quality")
    rows = [host_row(DUC, start, end)]
    rows += crowd_rows(dice, [HA, TAM, KHOA], start, end)
    rows += usual_rows(dice, EXPERT, start, end, late_join=60)
    instances.append(dict(key="K", id=83345098812, host=DUC, type=2, uuid_kind="plain",
                          topic="Kiểm tra chất lượng bài giảng tháng 7",
                          start=start, end=end, rows=rows))

    start, end = at("11T13:00:00"), at("11T14:16:32")
    dice = Dice("admissions")
    rows = [host_row(HOA, start, end)]
    rows += crowd_rows(dice, [THAO, DIEP], start, end, rejoin=0)
    rows += crowd_rows(dice, PROSPECTS, start, end, rejoin=20, early_leave=30, late_join=900)
    rows += usual_rows(dice, EVIL, start, end, rejoin=0, early_leave=100)
    for row in rows:
        row.registrant_id = "" if row.person in (HOA, THAO, DIEP) else registrant(row.person)
    instances.append(dict(key="D", id=89901234567, host=HOA, type=2, uuid_kind="plain",
                          topic="Tư vấn tuyển sinh trực tuyến – Khóa hè 2024",
                          start=start, end=end, rows=rows))

    start, end = at("12T08:00:00"), at("12T09:07:19")
    dice = Dice("review")
    rows = [host_row(DUC, start, end)]
    rows += crowd_rows(dice, [HUY, HA, BAO, TAM, LINH, VINH, KHOA], start, end, rejoin=15)
    # YEN's e-mail comes back in other letter case here; it is still YEN.
    rows.append(Row(YEN, at("12T08:02:41"), at("12T09:07:19"),
                    email="Yen.Do@Lotus-Training.example"))
    instances.append(dict(key="H", id=84412093386, host=DUC, type=2, uuid_kind="plain",
                          topic="Đánh giá giữa kỳ đội giảng viên",
                          start=start, end=end, rows=rows))

    # Crosses midnight UTC (05:30-08:00 in Ha Noi, afternoon in Seattle).
    start, end = at("18T22:30:00"), at("19T01:00:00")
    dice = Dice("partner")
    rows = [host_row(DUC, start, end)]
    rows += crowd_rows(dice, [HOA, HUY], start, end, rejoin=20)
    rows += crowd_rows(dice, [SARAH, JAMES, PRIYA], start, end, rejoin=30)
    instances.append(dict(key="E", id=81190887766, host=DUC, type=2, uuid_kind="plain",
                          topic="Partner sync – Seattle Learning Co. / Lotus Training",
                          start=start, end=end, rows=rows,
                          extra={"custom_keys": [{"key": "Đối tác", "value": "Seattle"}]}))

    start, end = at("19T03:00:15"), at("19T04:28:35")
    dice = Dice("product")
    rows = [host_row(DUC, start, end)]
    rows += crowd_rows(dice, [HOA, YEN, HUY, THAO, DIEP, LONG, BAO, TAM, LINH], start, end,
                       rejoin=15)
    rows += [
        Row(TRANG, at("19T03:02:10"), at("19T03:30:00")),
        Row(TRANG, at("19T03:31:25"), at("19T04:05:50"), failover=True),
        Row(TRANG, at("19T04:06:30"), at("19T04:28:35")),
    ]
    instances.append(dict(key="I", id=82567123409, host=DUC, type=2, uuid_kind="plain",
                          topic="Đào tạo sản phẩm mới: LMS 2.0",
                          start=start, end=end, rows=rows))

    # Interviews: the waiting room is on.
    start, end = at("22T07:00:00"), at("22T07:48:26")
    rows = [
        host_row(HOA, start, end),
        Row(DUC, at("22T07:00:35"), at("22T07:48:26")),
        Row(HA, at("22T07:01:12"), at("22T07:47:58")),
        Row(TUNG, at("22T06:58:10"), at("22T07:03:40"), waiting=True),
        Row(TUNG, at("22T07:03:41"), at("22T07:26:02")),
        Row(YEN, at("22T07:20:05"), at("22T07:31:17"), waiting=True),  # never admitted
        Row(NGOC, at("22T07:27:30"), at("22T07:47:44")),
    ]
    instances.append(dict(key="F", id=85500112233, host=HOA, type=2, uuid_kind="plain",
                          topic="Phỏng vấn ứng viên giảng viên tiếng Anh",
                          start=start, end=end, rows=rows))

    instances.append(all_hands())

    start, end = at("29T12:30:00"), at("29T13:41:09")
    dice = Dice("parents")
    rows = [host_row(HOA, start, end)]
    rows += usual_rows(dice, THAO, start, end, rejoin=0, early_leave=0)
    rows += crowd_rows(dice, PARENTS, start, end, rejoin=25, early_leave=20, late_join=600)
    instances.append(dict(key="L", id=86677889900, host=HOA, type=2, uuid_kind="plain",
                          topic="Họp phụ huynh lớp Tiếng Anh thiếu nhi (hè 2024)",
                          start=start, end=end, rows=rows))

    start, end = at("30T08:00:00"), at("30T08:54:51")
    dice = Dice("retro")
    rows = [host_row(DUC, start, end)]
    rows += crowd_rows(dice, [YEN, HUY, HA, BAO, TAM, LINH], start, end, rejoin=10)
    instances.append(dict(key="J", id=84098765432, host=DUC, type=2, uuid_kind="plain",
                          topic="Retro sprint tháng 7",
                          start=start, end=end, rows=rows))

    return instances


def registrant(person):
    digest = hashlib.sha256(f"registrant:{person.name}".encode()).digest()[:15]
    return base64.urlsafe_b64encode(digest).decode()[:20]


def all_hands():
    """About 255 people and more than 300 join rows, to force paging (300 a page)."""
    start, end = at("26T02:00:30"), at("26T03:32:10")
    dice = Dice("all-hands")
    others = [p for p in CORE if p not in (HOA, DUC, NAM, TRANG, DIEP)]
    rows = [host_row(HOA, start, end), Row(DUC, at("26T02:00:58"), at("26T03:32:10"))]
    rows += [
        # Laptop for most of it, then the phone as well: overlap.
        Row(NAM, at("26T02:01:00"), at("26T03:05:00")),
        Row(NAM, at("26T02:55:30"), at("26T03:32:15"), name="Nam (iPhone)"),
    ]
    rows += crowd_rows(dice, others, start, end, rejoin=20)
    rows += crowd_rows(dice, COMPANY, start, end, attend=97, rejoin=22)

    # Guests wait in the waiting room until someone lets them in.
    for person in ROOM_GUESTS:
        if person.name.startswith(("Khách", "Đại diện", "ThS.")):
            wait_from = start + timedelta(seconds=dice.between(60, 400))
            admitted = wait_from + timedelta(seconds=dice.between(20, 200))
            rows.append(Row(person, wait_from, admitted, waiting=True))
            leave = end - timedelta(seconds=dice.between(0, 600))
            rows.append(Row(person, admitted + timedelta(seconds=1), leave))
        else:
            rows += usual_rows(dice, person, start, end, rejoin=30)
    return dict(key="C", id=89012345671, host=HOA, type=2, uuid_kind="plain",
                topic="Họp toàn công ty tháng 7/2024", start=start, end=end, rows=rows,
                extra={"custom_keys": [{"key": "Phòng ban", "value": "Toàn công ty"}]})


# ---------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------


def meeting_object(inst, uuid, rows):
    length = seconds(inst["end"] - inst["start"])
    attended = [r for r in rows if not r.waiting]
    obj = {
        "uuid": uuid,
        "id": inst["id"],
        "host_id": inst["host"].uid,
        "type": inst["type"],
        "topic": inst["topic"],
        "user_name": inst["host"].name,
        "user_email": inst["host"].email,
        "start_time": fmt(inst["start"]),
        "end_time": fmt(inst["end"]),
        "duration": math.ceil(length / 60),
        "total_minutes": round(sum(seconds(r.leave - r.join) for r in attended) / 60),
        "participants_count": len(attended),
        "source": "Zoom",
    }
    obj.update(inst.get("extra", {}))
    return obj


def participant_object(uuid, row, index):
    obj = {
        "meeting_uuid": uuid,
        "id": row.person.uid,
        # Zoom numbers each join of an instance; a rejoin gets a new user_id.
        "user_id": str(16778240 + 1024 * index),
        "participant_user_id": row.person.uid,
        "name": row.name,
        "user_email": row.email,
        "join_time": fmt(row.join),
        "leave_time": fmt(row.leave),
        "duration": row.duration,
        "failover": row.failover,
        "status": "in_waiting_room" if row.waiting else "in_meeting",
        "customer_key": "",
        "bo_mtg_id": "",
    }
    if hasattr(row, "registrant_id"):
        obj["registrant_id"] = row.registrant_id
    return obj


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def generate():
    instances = sorted(build_instances(), key=lambda i: i["start"])
    meeting_lines, participant_lines = [], []
    for inst in instances:
        uuid = instance_uuid(inst["key"], inst["uuid_kind"])
        order = sorted(enumerate(inst["rows"]), key=lambda pair: (pair[1].join, pair[0]))
        rows = [row for _, row in order]
        meeting_lines.append(dumps(meeting_object(inst, uuid, rows)))
        for index, row in enumerate(rows):
            participant_lines.append(dumps(participant_object(uuid, row, index)))

    manifest = {
        "format": "zoom-report-archive",
        "format_version": 1,
        "tool_version": "0.1.0",
        "from": "2024-07-01",
        "to": "2024-07-31",
        "users": [HOA.email, DUC.email],
        "type": "past",
        "fetched_at": "2024-08-02T03:00:00Z",
        "source": "sample",
        "api_url": "https://api.zoom.us/v2",
        "complete": True,
        "failed_instances": [],
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write(OUT_DIR / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    write(OUT_DIR / "meetings.jsonl", "".join(line + "\n" for line in meeting_lines))
    write(OUT_DIR / "participants.jsonl", "".join(line + "\n" for line in participant_lines))
    print(f"wrote {len(meeting_lines)} instances and {len(participant_lines)} join rows "
          f"to {OUT_DIR}")


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# ---------------------------------------------------------------------------
# --check: an independent recomputation from the written files
# ---------------------------------------------------------------------------

WORKED = [
    ("Lê Văn Nam", "nam.le@lotus-training.example"),
    ("Phạm Thu Trang", "trang.pham@lotus-training.example"),
    ("Huỳnh Thị Ngọc Ánh", "huỳnh thị ngọc ánh"),
]


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def person_key(row):
    email = row["user_email"].strip().lower()
    if email:
        return email
    name = unicodedata.normalize("NFC", row["name"])
    return " ".join(name.split()).casefold()


def union_seconds(intervals):
    total, current_start, current_end = 0, None, None
    for lo, hi in sorted(intervals):
        if current_end is None or lo > current_end:
            if current_end is not None:
                total += seconds(current_end - current_start)
            current_start, current_end = lo, hi
        else:
            current_end = max(current_end, hi)
    if current_end is not None:
        total += seconds(current_end - current_start)
    return total


def attendees(meeting, rows):
    """Per-person figures for one instance, keyed by person key."""
    start, end = parse_time(meeting["start_time"]), parse_time(meeting["end_time"])
    length = seconds(end - start)
    by_person = {}
    for row in rows:
        if row["status"] == "in_waiting_room":
            continue
        by_person.setdefault(person_key(row), []).append(row)

    result = {}
    for key, own in by_person.items():
        joins = [parse_time(r["join_time"]) for r in own]
        leaves = [parse_time(r["leave_time"]) for r in own]
        total = 0
        for r, j, l in zip(own, joins, leaves):
            total += seconds(l - j) if r["duration"] == "" else r["duration"]
        clipped = [(max(j, start), min(l, end)) for j, l in zip(joins, leaves)]
        clipped = [(lo, hi) for lo, hi in clipped if hi > lo]
        attended = union_seconds(clipped)
        result[key] = dict(
            uuid=meeting["uuid"], sessions=len(own), first_join=min(joins),
            last_leave=max(leaves), total=total, attended=attended, length=length,
            pct=attended / length * 100, names=sorted({r["name"] for r in own}),
        )
    return result


def load():
    manifest = json.loads((OUT_DIR / "manifest.json").read_text(encoding="utf-8"))
    meetings = [json.loads(line) for line in
                (OUT_DIR / "meetings.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [json.loads(line) for line in
            (OUT_DIR / "participants.jsonl").read_text(encoding="utf-8").splitlines()]
    return manifest, meetings, rows


def validate(manifest, meetings, rows):
    """Assert every case README.md promises is really in the files."""
    problems = []

    def need(ok, what):
        if not ok:
            problems.append(what)

    need(manifest["complete"] is True and manifest["failed_instances"] == [], "manifest")
    need(len(meetings) >= 15, "at least 15 instances")
    need(len({m["user_email"] for m in meetings}) == 2, "two hosts")
    need(set(manifest["users"]) == {m["user_email"] for m in meetings}, "manifest users")
    starts = [m["start_time"] for m in meetings]
    need(starts == sorted(starts), "meetings sorted by start_time")
    need(all("2024-07-01T12:00:00Z" <= s < "2024-07-31T10:00:00Z" for s in starts),
         "start times safe in every zone from UTC-12 to UTC+14")
    need(len({m["uuid"] for m in meetings}) == len(meetings), "unique uuids")
    for m in meetings:
        need(len(m["uuid"]) == 24 and m["uuid"].endswith("=="), f"uuid shape {m['uuid']}")
        need(base64.b64encode(base64.b64decode(m["uuid"])).decode() == m["uuid"],
             f"uuid is base64 {m['uuid']}")
        need(isinstance(m["id"], int) and 10**10 <= m["id"] < 10**11, "11-digit id")
    need(any(m["id"] > 2**32 for m in meetings), "an id above 2^32")
    by_id = {}
    for m in meetings:
        by_id.setdefault(m["id"], []).append(m)
    weekly = [ms for ms in by_id.values() if len(ms) == 4 and ms[0]["type"] == 8]
    need(any(any(m["uuid"].startswith("/") for m in ms) and
             any("//" in m["uuid"] for m in ms) for ms in weekly),
         "recurring meeting with 4 instances, a '/...' uuid and a '...//...' uuid")
    need(any(m.get("custom_keys") == [] for m in meetings), "unknown field custom_keys")
    need(any("<b>" in m["topic"] and "&" in m["topic"] and '"' in m["topic"]
             for m in meetings), "topic with <b>, & and quote")
    need(any(m["start_time"][:10] != m["end_time"][:10] for m in meetings),
         "instance across midnight UTC")

    order = {m["uuid"]: i for i, m in enumerate(meetings)}
    need([order[r["meeting_uuid"]] for r in rows] ==
         sorted(order[r["meeting_uuid"]] for r in rows), "rows grouped by instance")
    per_instance = {}
    for r in rows:
        per_instance.setdefault(r["meeting_uuid"], []).append(r)
    for uuid, own in per_instance.items():
        joins = [r["join_time"] for r in own]
        need(joins == sorted(joins), f"rows of {uuid} in join order")
    need(max(len(v) for v in per_instance.values()) > 300, "an instance with > 300 rows")
    empty = [r for r in rows if r["duration"] == ""]
    need(len(empty) == 1, "exactly one row with duration \"\"")
    for r in rows:
        if r["duration"] != "":
            real = seconds(parse_time(r["leave_time"]) - parse_time(r["join_time"]))
            need(r["duration"] == real, f"duration of {r['name']}")
        if r["user_email"] == "":
            need(r["id"] == "" and r["participant_user_id"] == "", "guest ids empty")

    waiting = [r for r in rows if r["status"] == "in_waiting_room"]
    need(bool(waiting), "waiting-room rows")
    admitted = never = 0
    for r in waiting:
        same = [x for x in per_instance[r["meeting_uuid"]]
                if person_key(x) == person_key(r) and x["status"] == "in_meeting"]
        if same:
            admitted += 1
        else:
            never += 1
            # The person count must not depend on how a tool treats people who
            # are only ever in a waiting room, so each of them attends elsewhere.
            need(any(person_key(x) == person_key(r) and x["status"] == "in_meeting"
                     for x in rows), "never-admitted person attends another instance")
    need(admitted and never, "both an admitted and a never-admitted waiting person")

    names = [r["name"] for r in rows]
    need(any(n != unicodedata.normalize("NFC", n) for n in names), "NFD names")
    need(any('"' in n and "," in n for n in names), "name with comma and quotes")
    need(any(n.startswith("=") for n in names), "name starting with =")
    emails = {}
    for r in rows:
        if r["user_email"]:
            emails.setdefault(r["user_email"].strip().lower(), set()).add(r["name"])
    need(any(len({person_key({"user_email": "", "name": n}) for n in v}) > 1
             for v in emails.values()), "an e-mail under two display names")
    if problems:
        sys.exit("check failed:\n  " + "\n  ".join(problems))


def pct1(value):
    """One decimal, and refuse values where half-up and half-even could differ."""
    scaled = value * 10
    assert abs(scaled - math.floor(scaled) - 0.5) > 1e-6, value
    return f"{value:.1f}"


def figures(meetings, rows):
    per_instance = {}
    for r in rows:
        per_instance.setdefault(r["meeting_uuid"], []).append(r)
    everyone = {}
    for m in meetings:
        for key, fig in attendees(m, per_instance.get(m["uuid"], [])).items():
            everyone.setdefault(key, []).append(dict(fig, topic=m["topic"]))
    return everyone


def assert_unambiguous(everyone):
    """No percentage of anyone may depend on how a tool rounds or averages."""
    for key, figs in everyone.items():
        for f in figs:
            pct1(f["pct"])
        mean = sum(f["pct"] for f in figs) / len(figs)
        mean_of_rounded = sum(round(f["pct"], 1) for f in figs) / len(figs)
        assert pct1(mean) == pct1(mean_of_rounded), (key, mean, mean_of_rounded)


def report(meetings, rows):
    """The text README.md must contain, line for line."""
    everyone = figures(meetings, rows)
    assert_unambiguous(everyone)
    lines = []
    for title, key in WORKED:
        figs = everyone[key]
        lines.append(f"#### {title} — key `{key}`")
        lines.append("")
        lines.append("| instance uuid | topic | sessions | first_join | last_leave "
                     "| total_seconds | attended_seconds | instance seconds | pct |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for f in figs:
            lines.append(
                f"| `{f['uuid']}` | {f['topic']} | {f['sessions']} | {fmt(f['first_join'])} "
                f"| {fmt(f['last_leave'])} | {f['total']} | {f['attended']} | {f['length']} "
                f"| {pct1(f['pct'])} |")
        mean = sum(f["pct"] for f in figs) / len(figs)
        mean_of_rounded = sum(round(f["pct"], 1) for f in figs) / len(figs)
        assert pct1(mean) == pct1(mean_of_rounded), (key, mean, mean_of_rounded)
        lines.append("")
        lines.append(
            f"Month: meetings_attended **{len(figs)}**, "
            f"attended_seconds **{sum(f['attended'] for f in figs)}**, "
            f"total_seconds **{sum(f['total'] for f in figs)}**, "
            f"avg_attendance_pct **{pct1(mean)}**, "
            f"first_seen **{fmt(min(f['first_join'] for f in figs))}**, "
            f"last_seen **{fmt(max(f['last_leave'] for f in figs))}**.")
        lines.append("")

    attended_total = sum(f["attended"] for figs in everyone.values() for f in figs)
    waiting_only = {person_key(r) for r in rows} - set(everyone)
    assert not waiting_only, waiting_only
    waiting = sum(r["status"] == "in_waiting_room" for r in rows)
    lines.append(f"Month totals: instances **{len(meetings)}**, "
                 f"join rows **{len(rows)}** (of which waiting-room **{waiting}**), "
                 f"distinct people **{len(everyone)}**, "
                 f"attended_seconds of all people **{attended_total}** "
                 f"= **{attended_total / 3600:.2f}** hours.")
    return lines


def check():
    manifest, meetings, rows = load()
    validate(manifest, meetings, rows)
    lines = report(meetings, rows)
    print("\n".join(lines))
    if README.exists():
        text = README.read_text(encoding="utf-8")
        missing = [line for line in lines if line and line not in text]
        if missing:
            sys.exit("README.md does not contain:\n  " + "\n  ".join(missing))
        print("\nREADME.md agrees with these figures.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="validate the written files and print README's figures")
    args = parser.parse_args()
    if args.check:
        check()
    else:
        generate()


if __name__ == "__main__":
    main()
