"""Login abuse: attempts are throttled per client address (the real one behind the proxy, via TRUSTED_PROXIES),
failures lock a name only from the address that failed, and over-long names and passwords never reach Redis."""

from __future__ import annotations

import pytest

from helpline.app import create_app
from helpline.staff import accounts, throttle
from tests.conftest import STAFF_PASSWORD, StaffMember, csrf_token_in, make_settings


def api_login(client, name: str, password: str, address: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/api/login", json={"name": name, "password": password}, headers=headers)


@pytest.fixture
def proxied_app(tmp_path, redis_url, conn):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(tmp_path, redis_url, TRUSTED_PROXIES="1", LOGIN_PER_MINUTE="4"))
    StaffMember(app)  # ana
    return app


def test_logins_are_throttled_per_client_address_behind_the_proxy(proxied_app) -> None:  # type: ignore[no-untyped-def]
    client = proxied_app.test_client()
    statuses = [api_login(client, f"nobody{n}", "wrong password", "203.0.113.7").status_code for n in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]  # LOGIN_PER_MINUTE=4
    refused = api_login(client, "ana", STAFF_PASSWORD, "203.0.113.7")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many login attempts" in refused.get_json()["error"]
    # another client (another X-Forwarded-For, as the proxy reports it) is not held back
    assert api_login(client, "ana", STAFF_PASSWORD, "198.51.100.9").status_code == 200


def test_the_login_page_is_throttled_too(proxied_app) -> None:  # type: ignore[no-untyped-def]
    client = proxied_app.test_client()
    token = csrf_token_in(client.get("/staff/login").get_data(as_text=True))
    for n in range(4):
        client.post("/staff/login", data={"csrf_token": token, "name": f"x{n}", "password": "x"},
                    headers={"X-Forwarded-For": "192.0.2.1"})
    response = client.post("/staff/login", data={"csrf_token": token, "name": "ana", "password": STAFF_PASSWORD},
                           headers={"X-Forwarded-For": "192.0.2.1"})
    assert response.status_code == 429
    assert "Too many login attempts from here" in response.get_data(as_text=True)


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(tmp_path, redis_url, conn) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(tmp_path, redis_url, LOGIN_PER_MINUTE="2"))
    client = app.test_client()
    for n in range(2):
        api_login(client, f"nobody{n}", "wrong password", f"203.0.113.{n}")
    assert api_login(client, "nobody9", "wrong password", "203.0.113.99").status_code == 429


def test_a_stranger_cannot_lock_a_named_account_from_elsewhere(conn, settings) -> None:  # type: ignore[no-untyped-def]
    accounts.add(conn, "ana", STAFF_PASSWORD)
    for _ in range(settings.login_max_failures):
        with pytest.raises(accounts.LoginRefused):
            conn.delete(accounts.login_keys("ana", "203.0.113.66")[1])  # skip the waits between tries
            accounts.check_login(conn, "ana", "guess", settings, "203.0.113.66")
    with pytest.raises(accounts.LoginRefused, match="locked"):
        accounts.check_login(conn, "ana", STAFF_PASSWORD, settings, "203.0.113.66")
    assert accounts.check_login(conn, "ana", STAFF_PASSWORD, settings, "10.0.0.5").name == "ana"  # her own place
    assert accounts.locked_for(conn, "ana") > 0
    accounts.unlock(conn, "ana")
    assert accounts.locked_for(conn, "ana") == 0
    assert accounts.check_login(conn, "ana", STAFF_PASSWORD, settings, "203.0.113.66").name == "ana"


def test_over_long_names_and_passwords_are_refused_before_redis(client, conn) -> None:  # type: ignore[no-untyped-def]
    before = set(conn.keys("hl:login:*"))
    response = api_login(client, "a" * 60_000, "x")
    assert response.status_code == 401
    assert api_login(client, "ana", "p" * 10_000).status_code == 401
    assert set(conn.keys("hl:login:*")) == before
    assert all(len(k) < 100 for k in conn.keys("*"))


def test_the_throttle_counts_a_fixed_window(conn) -> None:  # type: ignore[no-untyped-def]
    now = 1_000_040.0  # 20 s into a minute
    assert [throttle.hit(conn, "t", "a", 2, 60, now) for _ in range(3)] == [0, 0, 40]
    assert throttle.hit(conn, "t", "b", 2, 60, now) == 0
    assert throttle.hit(conn, "t", "a", 2, 60, now + 60) == 0
    assert not any(b"203.0.113" in k for k in conn.keys("*"))  # addresses are hashed in keys
