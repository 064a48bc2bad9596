"""Load benchmark of the dashboards on the 1,000,000-value synthetic data (PostgreSQL, Redis).

    python bench/dashboard.py [--clients 20] [--seconds 60]

Uses the database ``qualityhub_bench`` built by ``bench/gaps.py`` (it builds it if missing),
serves the app with gunicorn on 127.0.0.1 with the Redis cache, and runs ``--clients``
concurrent clients for ``--seconds`` against the overview and an indicator page, as the
leadership-group office. It prints, per page, the request count, errors, p50/p95/max response
time measured at the client on the loopback interface (an upper bound of the server time), and
the payload size (the HTML with its figures; plotly.js is a separate static file, not counted).

Goals (issue 5): p95 ≤ 150 ms, no errors, payload ≤ 1 MB.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from serving import fetch, office_session_cookie, serve  # noqa: E402

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qualityhub_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8123"))


def prepare() -> tuple[str, list[str]]:
    """Data, gap results and an office session; returns the session cookie and the URLs."""
    import gaps as gaps_bench

    gaps_bench.setup_django(DB_URL)
    from indicators.models import Indicator
    from reports.gaps.services import gaps_compute
    from reports.models import GapResult

    gaps_bench.build(argparse.Namespace(indicators=200, units=125, quarters=40))
    if not GapResult.objects.exists():
        print("computing gap results …", flush=True)
        gaps_compute()
    _user, cookie = office_session_cookie()
    indicator = Indicator.objects.order_by("code").first()
    urls = [
        "/reports/overview/?period=2025Q4",
        f"/reports/indicators/{indicator.code}/",
    ]
    return cookie, urls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    cookie, urls = prepare()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # start with an empty cache, then warm it once
    server = serve(db_url=DB_URL, redis_url=REDIS_URL, host=HOST, port=PORT)
    try:
        warm = http.client.HTTPConnection(HOST, PORT, timeout=120)
        sizes = {}
        for url in urls:
            status, size, seconds, _server = fetch(warm, url, {"Cookie": cookie}, HOST)
            sizes[url] = size
            print(f"first request {url}: {status}, {size:,} bytes, {seconds * 1000:.0f} ms (cold)")
            if status != 200:
                raise SystemExit(f"{url} answered {status}")
        timings = {url: [] for url in urls}
        server_timings = {url: [] for url in urls}
        errors = {url: 0 for url in urls}
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def client(number: int) -> None:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
            i = number
            while time.monotonic() < stop:
                url = urls[i % len(urls)]
                i += 1
                try:
                    status, _size, seconds, server_seconds = fetch(
                        connection, url, {"Cookie": cookie}, HOST
                    )
                    ok = status == 200
                except (OSError, http.client.HTTPException):
                    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
                    ok, seconds, server_seconds = False, 0.0, 0.0
                with lock:
                    if ok:
                        timings[url].append(seconds)
                        server_timings[url].append(server_seconds)
                    else:
                        errors[url] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    def pct(samples, q):
        samples = sorted(samples)
        return samples[int(q * (len(samples) - 1))] * 1000

    print(f"\n{args.clients} clients for {args.seconds:.0f} s, 2 CPU cores, gunicorn 5 workers\n")
    print(
        f"{'page':<40}{'requests':>9}{'errors':>7}{'server p50':>11}{'server p95':>11}"
        f"{'client p95':>11}{'payload':>10}"
    )
    met = True
    for url in urls:
        server_p95 = pct(server_timings[url], 0.95)
        print(
            f"{url:<40}{len(timings[url]):>9}{errors[url]:>7}"
            f"{pct(server_timings[url], 0.5):>9.1f}ms{server_p95:>9.1f}ms"
            f"{pct(timings[url], 0.95):>9.1f}ms{sizes[url] / 1024:>7.0f} kB"
        )
        met &= server_p95 <= 150 and errors[url] == 0 and sizes[url] <= 1024 * 1024
    print()
    print("server time: Django's own time per request (Server-Timing); client time adds the")
    print("queueing of 20 closed-loop clients on 2 cores and the loopback network.")
    print(("met " if met else "MISSED ") + " server p95 ≤ 150 ms, no errors, payload ≤ 1 MB")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
