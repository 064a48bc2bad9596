"""Load benchmark of the API's values list beside the overview page (PostgreSQL, Redis).

    python bench/api.py [--values 1000000] [--clients 20] [--seconds 60]
                        [--url /api/v1/values/] [--pages 1] [--ratio 1.0]
                        [--measure server|client]

It builds (once) a database ``qh_bench_api`` with ``--values`` synthetic reported values (125
departments × 40 quarters × ``--values`` / 5,000 indicators, copied in with ``COPY`` by
``bench/gaps.py``'s builder) and their gap results, serves the app with gunicorn on 127.0.0.1
with the Redis cache, and runs ``--clients`` concurrent closed-loop clients for ``--seconds``,
each alternating between

- the values list, ``--url`` (the core API's ``/api/v1/values/`` by default; DHIS2's
  ``/api/dataValueSets?…`` is another choice), called as the leadership-group office with an
  API token (``Authorization: Token …``); with ``--pages N`` each call asks for a random page
  of the first N;
- the overview page, ``/reports/overview/?period=2025Q4``, as the same user signed in.

It prints, per URL, the request count, errors, p50/p95 of the server's own time (Django's,
read from ``Server-Timing``; for a streamed response that is the time to its first byte) and
at the client (the whole response, queueing on the cores and the loopback included), and the
payload size; then the ratio of the two p95s.

Goal (issue 13): the values list's p95 ≤ ``--ratio`` × the overview's p95, with no errors.
``--measure server`` (the default) compares the server's own times, as ``bench/dashboard.py``
does; ``--measure client`` the times at the client, which is the measure for a streamed
response (DHIS2's ``/api/dataValueSets``). The API's throttle is raised for the run
(``API_THROTTLE_USER``), so that what is measured is the endpoint, not the rate limit. Set
BENCH_API_DATABASE_URL / BENCH_API_REDIS_URL to use other servers; the Redis database is
emptied at the start.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from serving import fetch, office_session_cookie, serve  # noqa: E402

DB_URL = os.environ.get("BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qh_bench_api")
REDIS_URL = os.environ.get("BENCH_API_REDIS_URL", "redis://127.0.0.1:6379/12")
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_API_PORT", "8124"))
OVERVIEW = "/reports/overview/?period=2025Q4"
#: The synthetic grid: departments × quarters per indicator (``bench/gaps.py``'s builder).
UNITS, QUARTERS = 125, 40
WORKERS, THREADS = 4, 2


def prepare(values: int) -> tuple[dict[str, str], int]:
    """Data, gap results, the office's session and token; the headers of each URL kind."""
    import gaps as gaps_bench

    per_indicator = UNITS * QUARTERS
    if values % per_indicator:
        raise SystemExit(f"--values must be a multiple of {per_indicator:,}")
    gaps_bench._ensure_database(DB_URL)
    gaps_bench.setup_django(DB_URL)
    from api.services import api_token_create
    from reports.gaps.services import gaps_compute
    from reports.models import GapResult, ReportedValue

    before = ReportedValue.objects.count() if _migrated() else None
    count = gaps_bench.build(
        argparse.Namespace(indicators=values // per_indicator, units=UNITS, quarters=QUARTERS)
    )
    if before != count or not GapResult.objects.exists():
        print("computing gap results …", flush=True)
        GapResult.objects.all().delete()
        gaps_compute()
    user, cookie = office_session_cookie()
    _token, key = api_token_create(user=user, name="bench")
    headers = {
        "api": {"Authorization": f"Token {key}", "Accept": "application/json"},
        "page": {"Cookie": cookie},
    }
    return headers, count


def _migrated() -> bool:
    from django.db import connection

    return "reports_reportedvalue" in connection.introspection.table_names()


def pct(samples: list[float], q: float) -> float:
    samples = sorted(samples)
    return samples[int(q * (len(samples) - 1))] * 1000 if samples else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--url", default="/api/v1/values/", help="the values list to measure")
    parser.add_argument("--pages", type=int, default=1, help="ask for a random page of the first N")
    parser.add_argument(
        "--ratio", type=float, default=1.0, help="goal: list p95 ≤ ratio × page p95"
    )
    parser.add_argument(
        "--measure",
        choices=["server", "client"],
        default="server",
        help="the p95 the goal compares (server: Django's own time, as bench/dashboard.py)",
    )
    args = parser.parse_args()

    headers, count = prepare(args.values)
    print(f"{count:,} reported values in {DB_URL.rsplit('/', 1)[-1]}", flush=True)
    separator = "&" if "?" in args.url else "?"

    def list_url() -> str:
        page = random.randint(1, max(args.pages, 1))
        return args.url if page == 1 else f"{args.url}{separator}page={page}"

    kinds = {"list": (list_url, headers["api"]), "overview": (lambda: OVERVIEW, headers["page"])}
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # an empty cache, warmed by the first requests
    server = serve(
        db_url=DB_URL,
        redis_url=REDIS_URL,
        host=HOST,
        port=PORT,
        workers=WORKERS,
        threads=THREADS,
        env={"API_THROTTLE_USER": "1000000/minute"},
    )
    try:
        warm = http.client.HTTPConnection(HOST, PORT, timeout=300)
        sizes = {}
        for kind, (url, kind_headers) in kinds.items():
            status, size, seconds, _server = fetch(warm, url(), kind_headers, HOST)
            sizes[kind] = size
            print(f"first request {kind}: {status}, {size:,} bytes, {seconds * 1000:.0f} ms (cold)")
            if status != 200:
                raise SystemExit(f"{url()} answered {status}")
        timings = {kind: [] for kind in kinds}
        server_timings = {kind: [] for kind in kinds}
        errors = {kind: 0 for kind in kinds}
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds
        order = list(kinds)

        def client(number: int) -> None:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=120)
            i = number
            while time.monotonic() < stop:
                kind = order[i % len(order)]
                i += 1
                url, kind_headers = kinds[kind]
                try:
                    status, _size, seconds, server_seconds = fetch(
                        connection, url(), kind_headers, HOST
                    )
                    ok = status == 200
                except (OSError, http.client.HTTPException):
                    connection = http.client.HTTPConnection(HOST, PORT, timeout=120)
                    ok, seconds, server_seconds = False, 0.0, 0.0
                with lock:
                    if ok:
                        timings[kind].append(seconds)
                        server_timings[kind].append(server_seconds)
                    else:
                        errors[kind] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    cores = os.cpu_count() or 0
    print(
        f"\n{count:,} values; {args.clients} clients for {args.seconds:.0f} s, {cores} CPU cores, "
        f"gunicorn {WORKERS} workers × {THREADS} threads\n"
    )
    labels = {
        "list": args.url + (f" (pages 1–{args.pages})" if args.pages > 1 else ""),
        "overview": OVERVIEW,
    }
    print(
        f"{'url':<44}{'requests':>9}{'errors':>7}{'server p50':>11}{'server p95':>11}"
        f"{'client p50':>11}{'client p95':>11}{'payload':>10}"
    )
    for kind in kinds:
        print(
            f"{labels[kind]:<44}{len(timings[kind]):>9}{errors[kind]:>7}"
            f"{pct(server_timings[kind], 0.5):>9.1f}ms{pct(server_timings[kind], 0.95):>9.1f}ms"
            f"{pct(timings[kind], 0.5):>9.1f}ms{pct(timings[kind], 0.95):>9.1f}ms"
            f"{sizes[kind] / 1024:>7.0f} kB"
        )
    chosen = server_timings if args.measure == "server" else timings
    list_p95, page_p95 = pct(chosen["list"], 0.95), pct(chosen["overview"], 0.95)
    ratio = list_p95 / page_p95
    other = "client" if args.measure == "server" else "server"
    others = timings if args.measure == "server" else server_timings
    print()
    print(
        f"ratio of the p95s, values list / overview: {args.measure} {ratio:.2f} "
        f"({other} {pct(others['list'], 0.95) / pct(others['overview'], 0.95):.2f})"
    )
    print("server time: Django's own time per request (Server-Timing); client time adds the")
    print(f"queueing of {args.clients} closed-loop clients on {cores} cores and the loopback.")
    met = ratio <= args.ratio and not any(errors.values())
    print(
        ("met " if met else "MISSED ")
        + f" values list {args.measure} p95 {list_p95:.1f} ms ≤ {args.ratio:g} × overview "
        f"{args.measure} p95 {page_p95:.1f} ms (ratio {ratio:.2f}), no errors"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
