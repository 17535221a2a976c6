"""Webhook throughput and latency under gunicorn as docker-compose runs it (2 sync workers), against a bare
endpoint on the same server in the same run.

    .venv/bin/python bench/webhook_load.py [--seconds 8] [--rate 100]

Throughput: Debian's `wrk` (a separate process, 8 connections) replays pre-signed, Twilio-shaped requests with
unique MessageSids from 2,000 numbers running a realistic mix (greeting, menus, own-words questions, 1 in 50
a crisis that makes a callback request and enqueues an alert). Latency: a separate Python process sends at a
fixed rate (open loop) and records each request's time. Everything runs on loopback.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpline.config import load_settings  # noqa: E402
from helpline.redisdb import EmbeddedRedis  # noqa: E402
from helpline.sim.chat import Texter  # noqa: E402

SCRIPT = ["hi", "2", "2", "more", "how long does withdrawal last", "menu", "1", "is kratom safe", "back",
          "do you take my insurance", "4", "3"]
LUA = r"""
local reqs = {}
local n = 0
local i = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
function init(args)
  local f = io.open(args[1], "r")
  local k = 0
  for line in f:lines() do
    k = k + 1
    if k % tonumber(args[3]) == tid - 1 then
      local sig, body = line:match("([^\t]*)\t(.*)")
      table.insert(reqs, wrk.format("POST", args[2], {["Content-Type"] = "application/x-www-form-urlencoded",
                                                       ["X-Twilio-Signature"] = sig}, body))
    end
  end
  f:close()
end
function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
"""


def signed_requests(settings, base: str, path: str, count: int, offset: int) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    out = []
    for k in range(count):
        number = f"+1555{offset + k % 2000:07d}"
        body = "i want to kill myself" if k % 50 == 49 else SCRIPT[(k // 2000) % len(SCRIPT)]
        texter = Texter(base, settings, number)
        params = texter.params(body)
        params["SmsSid"] = params["MessageSid"]
        out.append((texter.sign_url(base + path, params), params))
    return out


def wrk_throughput(base: str, path: str, requests_file: Path, seconds: int, threads: int = 2,
                   connections: int = 8) -> float:
    script = requests_file.with_suffix(".lua")
    script.write_text(LUA)
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s",
                             str(script), base, "--", str(requests_file), path, str(threads)],
                            capture_output=True, text=True, check=True)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if non2xx:
        raise SystemExit(f"{path}: {non2xx.group(1)} error responses under load:\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def fixed_rate(base: str, path: str, signed: list[tuple[str, dict]], rate: int, seconds: int,
               out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Open loop: request k is sent at start + k/rate, whatever happened to the ones before."""
    total = rate * seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def worker(offset: int, step: int) -> None:
        session = requests.Session()
        for k in range(offset, total, step):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            signature, params = signed[k]
            t0 = time.perf_counter()
            response = session.post(base + path, data=params, headers={"X-Twilio-Signature": signature})
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=worker, args=(i, 8)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, statuses))


def latency(base: str, path: str, signed, rate: int, seconds: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    proc = multiprocessing.Process(target=fixed_rate, args=(base, path, signed, rate, seconds, queue))
    proc.start()
    lat, statuses = queue.get()
    proc.join()
    lat.sort()
    if set(statuses) != {200}:
        raise SystemExit(f"{path}: statuses {statuses}")
    return {"p50": statistics.median(lat) * 1000, "p99": lat[int(0.99 * (len(lat) - 1))] * 1000,
            "max": lat[-1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--fsync", choices=["always", "everysec"], default="always",
                        help="Redis appendfsync (the helpline runs 'always')")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = EmbeddedRedis(Path(tmp) / "redis", appendfsync=args.fsync)
        redis_server.start()
        env_vars = {"REDIS_URL": redis_server.url, "HELPLINE_DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
                    "FLOOD_PER_MINUTE": "100000", "FLOOD_PER_HOUR": "1000000"}
        settings = load_settings(env_vars, environ={}, dotenv=None)
        port = 18000 + os.getpid() % 1000
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, **env_vars, "PYTHONPATH": str(ROOT)}
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "bench.baseline_app:app", "--bind",
                                     f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30"], env=env, cwd=ROOT,
                                    stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    if requests.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            results = {}
            for i, path in enumerate(("/baseline", "/sms")):
                count = 60_000
                signed = signed_requests(settings, base, path, count, offset=i * 100_000)
                file = Path(tmp) / f"requests{i}.tsv"
                file.write_text("".join(f"{sig}\t{urlencode(params)}\n" for sig, params in signed))
                rps = wrk_throughput(base, path, file, args.seconds)
                lat_signed = signed_requests(settings, base, path, args.rate * args.seconds,
                                             offset=i * 100_000 + 50_000)
                results[path] = {"rps": rps, **latency(base, path, lat_signed, args.rate, args.seconds)}
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=20)
            redis_server.stop()
    b, s = results["/baseline"], results["/sms"]
    print(f"gunicorn, 2 sync workers (as docker-compose.yml); Redis appendfsync {args.fsync}; wrk -t2 -c8; "
          f"open loop at {args.rate} req/s for {args.seconds} s for latency")
    print(f"{'endpoint':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, r in (("baseline", b), ("/sms", s)):
        print(f"{name:<12} {r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['max']:>8.2f}")
    print(f"/sms throughput as a ratio of the baseline: {s['rps'] / b['rps']:.2f} (target >= 0.5); "
          f"/sms p99 at {args.rate} req/s: {s['p99']:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
