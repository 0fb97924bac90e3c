"""Account and message checks, one test (at least) per 2024 advisory indicator."""
from __future__ import annotations

import json

from support.netsynth import EventSpec, write_events_csv
from test_network_checks import FakeHit, FakeStore, analyze, iso, sig

from interview_guard.netmeta.accounts import names_match
from interview_guard.netmeta.messages import scan_message

ACCOUNT = ("account.profile_changes", "account.payout_mismatch", "account.shared_identity_document",
           "account.review_collusion", "account.multi_operator", "messages.payment_and_offplatform")

# indicator (Japanese government advisory on DPRK IT workers, 2024) -> the signal that covers it and a test
ADVISORY = {
    "frequent changes of name, contacts or payout account":
        ("account.profile_changes", "test_frequent_profile_changes"),
    "payout account name differs from the account name": ("account.payout_mismatch", "test_payout_name_mismatch"),
    "one ID document on several accounts": ("account.shared_identity_document", "test_one_document_on_two_accounts"),
    "one IP on several accounts": ("network.shared_ip", "test_three_accounts_on_one_ip_are_one_cluster"),
    "many IPs on one account in a short time":
        ("network.ip_churn", "test_many_ips_in_one_country_in_a_short_time_is_flagged"),
    "very long logins and cumulative hours":
        ("network.long_sessions", "test_very_long_sessions_and_cumulative_hours_are_flagged"),
    "reviews between accounts that share an identity":
        ("account.review_collusion", "test_reviews_between_linked_accounts"),
    "VPN use": ("network.anonymizer", "test_planted_tor_hosting_and_cloud_are_flagged_with_their_source"),
    "remote-desktop use": ("network.remote_access", "test_anydesk_rustdesk_and_rdp_are_flagged_with_the_host"),
    "requests to pay in crypto or move off the platform":
        ("messages.payment_and_offplatform", "test_crypto_and_offplatform_requests"),
    "one account run by several people": ("account.multi_operator", "test_one_account_in_two_distant_places_at_once"),
}


def test_every_advisory_indicator_has_a_registered_signal_and_a_test():
    import test_network_checks

    from interview_guard.checks import registered_checks

    checks = registered_checks()
    for indicator, (signal, test_name) in ADVISORY.items():
        assert signal in checks and signal in checks[signal].signals, indicator
        assert test_name in globals() or hasattr(test_network_checks, test_name), (indicator, test_name)


def _history(tmp_path, rows):
    p = tmp_path / "accounts.csv"
    p.write_text("timestamp,account_id,field,old_value,new_value\n"
                 + "".join(f"{t},{a},{f},{o},{n}\n" for t, a, f, o, n in rows), encoding="utf-8")
    return p


# --------------------------------------------------------------------------- profile changes
def test_frequent_profile_changes(tmp_path):
    rows = [(iso(0), "A1", "name", "", "Taro Yamada"), (iso(0), "A1", "email", "", "t@example.com"),
            (iso(1440), "A1", "email", "t@example.com", "t2@example.com"),
            (iso(5 * 1440), "A1", "phone", "+81 6 1111", "+81 6 2222"),
            (iso(9 * 1440), "A1", "payout_account", "JP-BANK-1", "JP-BANK-2"),
            (iso(2 * 1440), "B1", "email", "b@example.com", "b2@example.com")]
    report = analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT)
    s = sig(report, "account.profile_changes")
    assert s.status == "flag" and s.score >= 0.6
    assert [a["account"] for a in s.details["accounts"]] == ["A1"]
    assert set(s.details["accounts"][0]["fields"]) == {"email", "phone", "payout_account"}
    assert len(s.evidence) == 3 and all(e.ref.startswith("accounts.csv:") for e in s.evidence)


def test_first_values_are_not_changes(tmp_path):
    rows = [(iso(0), "A1", f, "", v) for f, v in (("name", "X Y"), ("email", "x@y.z"), ("phone", "123456"))]
    assert sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT),
               "account.profile_changes").status == "ok"


# --------------------------------------------------------------------------- payout
def test_name_matching_rules():
    assert names_match("Taro Yamada", "YAMADA  TARO")
    assert names_match("山田太郎", "山田 太郎")
    assert names_match("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう")  # half-width katakana vs hiragana
    assert names_match("Mr. Taro Yamada", "Yamada, Taro")
    assert names_match("Hanako Suzuki", "John Smith") is False
    assert names_match("山田 太郎", "ヤマダ タロウ") is None  # a kana reading cannot be checked offline


def test_payout_name_mismatch(tmp_path):
    rows = [(iso(0), "A1", "name", "", "Taro Yamada"), (iso(1), "A1", "payout_name", "", "YAMADA TARO"),
            (iso(0), "A2", "name", "", "Hanako Suzuki"), (iso(1), "A2", "payout_name", "", "Li Wei"),
            (iso(0), "A3", "name", "", "山田 太郎"), (iso(1), "A3", "payout_name", "", "ヤマダ タロウ")]
    s = sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT), "account.payout_mismatch")
    assert s.status == "flag"
    assert [m["account"] for m in s.details["mismatches"]] == ["A2"]
    assert [u["account"] for u in s.details["unverifiable"]] == ["A3"]
    assert "Li Wei" in s.evidence[0].summary


def test_payout_account_shared_by_accounts(tmp_path):
    rows = [(iso(0), "A1", "payout_account", "", "JP-BANK 0001-234"),
            (iso(0), "A2", "bank_account", "", "jp-bank0001234")]
    store = FakeStore()
    s = sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT, store=store),
            "account.payout_mismatch")
    assert s.status == "flag" and s.details["shared_payout_accounts"][0]["accounts"] == ["A1", "A2"]
    assert {link.kind for link in store.links} >= {"payout_account"}


def test_matching_payout_names_are_ok_and_missing_fields_skip(tmp_path):
    rows = [(iso(0), "A1", "name", "", "Taro Yamada"), (iso(1), "A1", "payout_name", "", "Yamada Taro")]
    assert sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT),
               "account.payout_mismatch").status == "ok"
    rows = [(iso(0), "A1", "name", "", "Taro Yamada")]
    assert sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT),
               "account.payout_mismatch").status == "skipped"


# --------------------------------------------------------------------------- documents
def test_one_document_on_two_accounts(tmp_path):
    rows = [(iso(0), "A1", "id_document_number", "", "TR1234567"), (iso(5), "A2", "passport_number", "", "tr-123 4567"),
            (iso(9), "A3", "id_document_number", "", "XK7654321")]
    store = FakeStore({("document_number", "XK7654321"): FakeHit("cand-9", "case-7", "document_number", "XK7654321")})
    s = sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT, store=store),
            "account.shared_identity_document")
    assert s.status == "flag" and s.score >= 0.8
    assert s.details["shared"][0]["accounts"] == ["A1", "A2"]
    assert s.details["store"][0]["case_id"] == "case-7"
    assert ("document_number", "TR1234567") in {(link.kind, link.value) for link in store.links}


def test_distinct_documents_are_ok(tmp_path):
    rows = [(iso(0), "A1", "id_document_number", "", "TR1234567"),
            (iso(5), "A2", "id_document_number", "", "TR7654321")]
    s = sig(analyze(tmp_path, accounts=_history(tmp_path, rows), checks=ACCOUNT), "account.shared_identity_document")
    assert s.status == "ok"


# --------------------------------------------------------------------------- reviews
def test_reviews_between_linked_accounts(tmp_path):
    rows = [(iso(0), "A1", "payout_account", "", "JP-BANK-0001234"),
            (iso(0), "A2", "payout_account", "", "JP-BANK-0001234")]
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("timestamp,reviewer_account,reviewee_account,rating\n"
                       f"{iso(10)},A1,A2,5\n{iso(11)},C1,D1,5\n{iso(12)},E1,F1,4\n", encoding="utf-8")
    events = [EventSpec(iso(1), "E1", "126.50.50.50"), EventSpec(iso(2), "F1", "126.50.50.50")]
    report = analyze(tmp_path, accounts=_history(tmp_path, rows), reviews=reviews, checks=ACCOUNT,
                     network_log=write_events_csv(tmp_path / "e.csv", events))
    s = sig(report, "account.review_collusion")
    assert s.status == "flag"
    pairs = {(c["reviewer"], c["reviewee"]) for c in s.details["collusive"]}
    assert pairs == {("A1", "A2"), ("E1", "F1")}
    assert set(s.details["identity_sources"]) == {"account history", "network log"}


def test_reviews_without_identity_data_are_skipped_and_unrelated_ok(tmp_path):
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("timestamp,reviewer_account,reviewee_account,rating\n" f"{iso(10)},C1,D1,5\n", encoding="utf-8")
    assert sig(analyze(tmp_path, reviews=reviews, checks=ACCOUNT), "account.review_collusion").status == "skipped"
    rows = [(iso(0), "C1", "payout_account", "", "JP-BANK-1111111")]
    s = sig(analyze(tmp_path, reviews=reviews, accounts=_history(tmp_path, rows), checks=ACCOUNT),
            "account.review_collusion")
    assert s.status == "ok"


# --------------------------------------------------------------------------- several operators
def test_one_account_in_two_distant_places_at_once(tmp_path):
    events = []
    for k in range(6):  # Osaka and Sao Paulo addresses alternate every 5 minutes
        events.append(EventSpec(iso(k * 10), "X1", "126.77.134.20", device_id="laptop-a"))
        events.append(EventSpec(iso(k * 10 + 5), "X1", "177.10.0.1", device_id="laptop-b"))
    s = sig(analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events), checks=ACCOUNT),
            "account.multi_operator")
    assert s.status == "flag" and s.score >= 0.7
    assert "X1" in s.details["back_and_forth"]
    assert s.details["concurrent_distant_devices"][0]["devices"] == ["laptop-a", "laptop-b"]


def test_activity_around_the_clock(tmp_path):
    events = [EventSpec(iso(d * 1440 + h * 60 + 20), "Y1", "126.77.134.20") for d in range(2) for h in range(23)]
    s = sig(analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events), checks=ACCOUNT),
            "account.multi_operator")
    assert s.status == "flag" and len(s.details["round_the_clock_days"]) == 2


def test_one_traveller_and_a_phone_are_not_several_operators(tmp_path):
    events = [EventSpec(iso(h * 60), "Z1", "126.77.134.20", device_id="laptop") for h in range(9)]
    events += [EventSpec(iso(h * 60 + 30), "Z1", "60.118.5.200", device_id="phone") for h in range(3)]
    # flew to France
    events += [EventSpec(iso(2 * 1440 + h * 60), "Z1", "90.1.2.3", device_id="laptop") for h in range(9)]
    s = sig(analyze(tmp_path, network_log=write_events_csv(tmp_path / "e.csv", events), checks=ACCOUNT),
            "account.multi_operator")
    assert s.status == "ok", s.summary


# --------------------------------------------------------------------------- messages
def test_crypto_and_offplatform_requests(tmp_path):
    msgs = tmp_path / "messages.jsonl"
    rows = [{"timestamp": iso(0), "account_id": "A1", "direction": "out", "text": "Thanks for the interview today!"},
            {"timestamp": iso(1), "account_id": "A1", "direction": "out",
             "text": "Could you pay me in USDT (TRC20)? Wallet TXyz5aBcDeFgHiJkLmNoPqRsTuVwXyZ12"},
            {"timestamp": iso(2), "account_id": "A1", "direction": "out",
             "text": "手数料を避けるため、今後はLINEで直接ご連絡ください。"},
            {"timestamp": iso(3), "account_id": "A1", "direction": "in",
             "text": "お支払いはビットコインでも可能ですか？"}]
    msgs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8")
    s = sig(analyze(tmp_path, messages=msgs, checks=ACCOUNT), "messages.payment_and_offplatform")
    assert s.status == "flag" and s.score >= 0.7
    hits = s.details["hits"]
    assert [h["line"] for h in hits] == [2, 3, 4]
    assert "crypto" in hits[0]["categories"] and "offplatform_payment" in hits[1]["categories"]
    assert "offplatform_contact" in hits[1]["categories"] and "crypto" in hits[2]["categories"]
    assert "USDT" in s.evidence[0].summary and "LINE" in s.evidence[1].summary  # the message is the evidence
    assert "1 malformed row" in s.summary


def test_ordinary_messages_are_ok(tmp_path):
    msgs = tmp_path / "messages.csv"
    msgs.write_text("timestamp,account_id,direction,text\n"
                    f"{iso(0)},A1,out,I can start on Monday. My online timeline is fine.\n"
                    f"{iso(1)},A1,in,面接のご参加ありがとうございました。\n", encoding="utf-8")
    assert sig(analyze(tmp_path, messages=msgs, checks=ACCOUNT), "messages.payment_and_offplatform").status == "ok"


def test_message_patterns_avoid_common_words():
    assert scan_message("Let me outline the pipeline online") == []
    assert scan_message("my email is taro@gmail.com")[0][1] == "offplatform_contact"
    assert scan_message("send to 0x52908400098527886E0F7030069857D2E4169EE7")[0][1] == "crypto"
