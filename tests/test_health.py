"""The operator's endpoints, and the front door."""

from __future__ import annotations


def test_healthz_and_readyz(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["redis"] == "ok" and len(ready["flow"]) == 12


def test_the_front_door_leads_staff_to_the_queue_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/staff/login"
