"""Readers: CSV / JSON Lines, bad rows reported with line numbers, participant-report adapter."""
from __future__ import annotations

import json
import math

import pytest

from interview_guard.errors import InputError
from interview_guard.netmeta.participants import parse_duration_text, read_participant_report
from interview_guard.netmeta.readers import (
    normalize_ip,
    parse_timestamp,
    read_account_history,
    read_endpoints,
    read_events,
    read_messages,
    read_reviews,
)


def test_events_csv_columns_and_aliases(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text("Timestamp,Account,IP Address,Event,Device,Duration,Extra\n"
                 "2026-05-01T09:00:00Z,A1,126.1.2.3,LOGIN,dev-1,120,x\n"
                 "2026-05-01T10:00:00+09:00,A1,::ffff:126.1.2.4,page_view,dev-1,,y\n"
                 "2026-05-01T09:30:00,A2,2001:db8::1,login,,,\n", encoding="utf-8")
    r = read_events(p)
    assert r.format == "csv" and r.bad_rows == 0 and len(r.rows) == 3
    e0, e1, e2 = r.rows[0], r.rows[1], r.rows[2]
    assert e0.account_id == "A1" and e0.event == "login" and e0.duration_s == 120.0 and e0.device_id == "dev-1"
    assert e1.ip == "126.1.2.4"  # IPv4-mapped IPv6 becomes IPv4
    assert e1.timestamp == parse_timestamp("2026-05-01T01:00:00Z")  # offsets are converted to UTC
    assert e2.timestamp == parse_timestamp("2026-05-01T09:30:00Z")  # no offset = UTC
    assert e2.ip == "2001:db8::1" and e2.duration_s is None
    assert r.rows.ref(0) == "events.csv:2"


def test_events_bad_rows_are_counted_with_line_numbers(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text("timestamp,account_id,ip,duration_s\n"
                 "2026-05-01T09:00:00Z,A1,126.1.2.3,\n"
                 "yesterday,A1,126.1.2.3,\n"
                 "2026-05-01T09:01:00Z,A1,300.1.2.3,\n"
                 "\n"
                 "2026-05-01T09:02:00Z,,,\n"
                 "2026-05-01T09:03:00Z,A1,126.1.2.3,abc\n"
                 "2026-05-01T09:04:00Z,A1,126.1.2.3,,surplus\n"
                 "2026-05-01T09:05:00Z,A1,126.1.2.5,\n", encoding="utf-8")
    r = read_events(p)
    assert len(r.rows) == 2 and r.bad_rows == 5 and r.rows_seen == 7
    assert [pr.line for pr in r.problems] == [3, 4, 6, 7, 8]
    messages = [pr.message for pr in r.problems]
    assert "ISO-8601" in messages[0] and "not an IP address" in messages[1]
    assert "no ip, account_id" in messages[2] and "duration_s" in messages[3] and "fields" in messages[4]
    assert r.summary()["bad_rows"] == 5


def test_events_jsonl_with_broken_lines(tmp_path):
    p = tmp_path / "events.jsonl"
    lines = [json.dumps({"timestamp": "2026-05-01T09:00:00Z", "account_id": "A1", "ip": "8.8.8.8"}),
             "{not json", json.dumps([1, 2]), json.dumps({"account_id": "A1"}),
             json.dumps({"timestamp": 1777626000, "candidate_id": "C1", "ip": "8.8.4.4", "duration_s": 60})]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = read_events(p)
    assert r.format == "jsonl" and len(r.rows) == 2
    assert [pr.line for pr in r.problems] == [2, 3, 4]
    assert r.rows[1].timestamp == 1777626000.0 and r.rows[1].candidate_id == "C1"


def test_undecodable_bytes_are_a_reported_row(tmp_path):
    p = tmp_path / "events.csv"
    p.write_bytes(b"timestamp,account_id,ip\n2026-05-01T09:00:00Z,A\xff1,8.8.8.8\n2026-05-01T09:00:00Z,A2,8.8.8.8\n")
    r = read_events(p)
    assert len(r.rows) == 1 and r.problems[0].line == 2 and "UTF-8" in r.problems[0].message


def test_missing_required_column_or_file_is_an_input_error(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text("when,ip\n1,8.8.8.8\n", encoding="utf-8")
    with pytest.raises(InputError, match="timestamp"):
        read_events(p)
    with pytest.raises(InputError, match="not found"):
        read_events(tmp_path / "nope.csv")


def test_many_bad_rows_are_all_counted(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text("timestamp,ip\n" + "bad,8.8.8.8\n" * 1500, encoding="utf-8")
    r = read_events(p)
    assert r.bad_rows == 1500 and len(r.problems) == 1000 and len(r.rows) == 0


def test_value_parsers():
    assert parse_timestamp("2026-05-01T00:00:00Z") == 1777593600.0
    assert parse_timestamp(1777593600) == 1777593600.0
    with pytest.raises(ValueError):
        parse_timestamp(math.inf)
    assert normalize_ip("[2001:DB8::1]") == "2001:db8::1"
    with pytest.raises(ValueError):
        normalize_ip("1.2.3")


def test_endpoints_reader(tmp_path):
    p = tmp_path / "endpoints.csv"
    p.write_text("timestamp,host,process_name,remote_ip,remote_port,remote_domain\n"
                 "2026-05-01T09:00:00Z,H1,AnyDesk.exe,,443,Relay.Net.AnyDesk.com.\n"
                 ",H2,,,70000,\n"
                 ",H3,,,,\n"
                 ",,mstsc.exe,,3389,\n", encoding="utf-8")
    r = read_endpoints(p)
    assert len(r.rows) == 1 and r.rows[0].remote_domain == "relay.net.anydesk.com" and r.rows[0].remote_port == 443
    assert [pr.line for pr in r.problems] == [3, 4, 5]
    assert "out of range" in r.problems[0].message and "no host" in r.problems[2].message


def test_account_history_reviews_messages(tmp_path):
    acc = tmp_path / "accounts.csv"
    acc.write_text("timestamp,account_id,field,old_value,new_value\n"
                   "2026-05-01T09:00:00Z,A1,Payout Name,,山田 太郎\n"
                   "2026-05-01,A1,email,a@x.com,b@x.com\n"
                   "2026-05-02T00:00:00Z,,email,,\n", encoding="utf-8")
    r = read_account_history(acc)
    assert len(r.rows) == 2 and r.rows[0].field == "payout_name" and r.rows[0].new_value == "山田 太郎"
    assert r.problems[0].line == 4
    rev = tmp_path / "reviews.jsonl"
    rev.write_text(json.dumps({"timestamp": "2026-05-01T00:00:00Z", "reviewer": "A1", "reviewee": "A2", "rating": 5})
                   + "\n" + json.dumps({"timestamp": "2026-05-01T00:00:00Z", "reviewer": "A1", "reviewee": "A2",
                                        "rating": "five"}) + "\n", encoding="utf-8")
    rr = read_reviews(rev)
    assert rr.rows[0].rating == 5.0 and rr.bad_rows == 1
    msg = tmp_path / "messages.csv"
    msg.write_text("timestamp,account_id,direction,text\n"
                   '2026-05-01T00:00:00Z,A1,sent,"Pay me in USDT, please"\n'
                   "2026-05-01T00:00:00Z,A1,sideways,hello\n", encoding="utf-8")
    rm = read_messages(msg)
    assert rm.rows[0].direction == "out" and "USDT" in rm.rows[0].text
    assert rm.problems[0].line == 3


# --------------------------------------------------------------------------- participant reports
ZOOM = ("Participant,Device,IP Address,Location,Network Type,Microphone,Join Time,Leave Time,PC Name,Version\n"
        "Taro Yamada,Windows,126.77.134.20,Osaka (JP),Wifi,Realtek,05/11/2026 10:00:05 AM,05/11/2026 11:02:10 AM,"
        "TARO-PC,6.4.10\n"
        "Interviewer,Mac,8.8.4.4,Tokyo (JP),Wired,Built-in,05/11/2026 09:58:00 AM,05/11/2026 11:05:00 AM,,6.4.9\n"
        "Broken,Windows,126.1.1.1,,Wifi,,soon,,,\n")


def test_zoom_participant_report_maps_onto_events(tmp_path):
    p = tmp_path / "zoom.csv"
    p.write_text(ZOOM, encoding="utf-8")
    r = read_events(p, participant_tz="Asia/Tokyo")  # recognised by its header
    assert r.format == "participant-report" and len(r.rows) == 2 and r.bad_rows == 1
    e = r.rows[0]
    assert e.account_id == "Taro Yamada" and e.ip == "126.77.134.20" and e.event == "meeting_join"
    assert e.timestamp == parse_timestamp("2026-05-11T01:00:05Z")  # 10:00:05 in Tokyo
    assert e.duration_s == 3725.0 and e.location == "Osaka (JP)" and e.network_type == "Wifi"
    assert e.device_id == "TARO-PC" and e.user_agent == "Windows 6.4.10"
    assert r.problems[0].line == 4 and "no known format" in r.problems[0].message


def test_teams_attendance_report(tmp_path):
    p = tmp_path / "teams.csv"
    p.write_text("Full Name,Join Time,Leave Time,Duration,Email,Role\n"
                 "Taro Yamada,\"5/11/26, 10:00:00 AM\",,1h 2m 3s,Taro@Example.com,Attendee\n", encoding="utf-8")
    r = read_participant_report(p)
    assert r.rows[0].account_id == "taro@example.com" and r.rows[0].duration_s == 3723.0
    assert r.rows[0].timestamp == parse_timestamp("2026-05-11T10:00:00Z")


def test_duration_text():
    assert parse_duration_text("62 min") == 3720.0
    assert parse_duration_text("45") == 2700.0
    with pytest.raises(ValueError):
        parse_duration_text("a while")
