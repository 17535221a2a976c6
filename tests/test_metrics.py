"""``/metrics``: the webhook histogram and crisis counter, queue gauges read from Redis at scrape time, the
alerts counter kept by workers, the optional bearer token, and the example alert rules."""

from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families
from ruamel.yaml import YAML

from helpline.app import create_app
from tests.conftest import ROOT, make_settings


def scrape(client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples[(name, tuple(sorted(labels.items())))]


def test_queue_gauges_come_from_redis_at_scrape_time(client, phone, conn) -> None:  # type: ignore[no-untyped-def]
    before = scrape(client)
    assert value(before, "helpline_redis_up") == 1
    assert value(before, "helpline_callbacks_open", priority="crisis") == 0
    assert value(before, "helpline_oldest_unclaimed_seconds", priority="crisis") == 0
    phone.text("i want to kill myself")
    conn.hset(f"hl:cb:{conn.zrange('hl:cb:queue', 0, 0)[0].decode()}", "due", time.time() - 60)  # past due
    after = scrape(client)
    assert value(after, "helpline_callbacks_open", priority="crisis") == 1
    assert value(after, "helpline_callbacks_open", priority="routine") == 0
    assert value(after, "helpline_callbacks_overdue", priority="crisis") == 1
    assert 0 <= value(after, "helpline_oldest_unclaimed_seconds", priority="crisis") < 60
    assert value(after, "helpline_queue_jobs", queue="crisis") >= 1  # the staff alert, no worker ran yet
    assert value(after, "helpline_workers_alive") == 0
    assert value(after, "helpline_outage_journal_entries") == 0


def test_webhook_latency_and_crisis_detections_are_counted(client, phone) -> None:  # type: ignore[no-untyped-def]
    key = ("helpline_webhook_seconds_count", (("endpoint", "sms.inbound_sms"),))
    crisis = ("helpline_crisis_detections_total", (("category", "suicide"),))
    before = scrape(client)
    phone.text("hi")
    phone.text("i want to kill myself")
    after = scrape(client)
    assert after[key] - before.get(key, 0) == 2
    assert after[crisis] - before.get(crisis, 0) == 1


def test_alerts_sent_by_workers_are_counted_in_redis(client, phone, run_worker) -> None:  # type: ignore[no-untyped-def]
    phone.text("i want to kill myself")
    run_worker()
    samples = scrape(client)
    assert value(samples, "helpline_alerts_total", result="sent") >= 1
    assert value(samples, "helpline_alerts_total", result="failed") == 0


def test_metrics_token_is_required_when_set(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    client = create_app(make_settings(tmp_path, redis_url, METRICS_TOKEN="s3cret-token")).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert value(scrape(client, Authorization="Bearer s3cret-token"), "helpline_redis_up") == 1


def test_redis_down_is_a_metric_not_a_failed_scrape(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import free_port

    client = create_app(make_settings(tmp_path, f"redis://127.0.0.1:{free_port()}/0")).test_client()
    samples = scrape(client)
    assert value(samples, "helpline_redis_up") == 0
    assert ("helpline_callbacks_open", (("priority", "crisis"),)) not in samples


def test_the_example_alert_rules_parse_and_use_only_metrics_we_serve(client) -> None:  # type: ignore[no-untyped-def]
    import re

    rules = YAML(typ="safe").load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    served = {name for name, _ in scrape(client)} | {"helpline_webhook_seconds_bucket"}
    alerts = {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
            alerts[rule["alert"]] = rule
            for name in re.findall(r"\bhelpline_\w+", rule["expr"]):
                assert name in served, f"{rule['alert']}: {name} is not a metric /metrics serves"
    assert {"CrisisRequestUnclaimedPastDue", "StaffAlertsFailing", "NoLiveWorker"} <= set(alerts)


def test_a_crisis_heard_on_a_call_is_counted(app, settings, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from helpline.channels.voice import routes as voice
    from tests.test_voice import OPEN, caller_for, dial_in_english

    monkeypatch.setattr(voice, "clock", lambda: OPEN)
    crisis = ("helpline_crisis_detections_total", (("category", "suicide"),))
    before = scrape(client).get(crisis, 0)
    call = caller_for(app, settings)
    dial_in_english(call)
    call.say("honestly I just want to kill myself")
    assert scrape(client)[crisis] - before == 1
    assert any(endpoint.startswith("voice.") for (name, labels) in scrape(client) if name ==
               "helpline_webhook_seconds_count" for _, endpoint in labels)
