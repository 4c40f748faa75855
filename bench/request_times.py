"""What the request-time benches share: a scratch app on SQLite with the queue in a file (no worker
runs, so what the request queued stays queued), and their command line."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scratch_app():
    """An app on a fresh SQLite database with the schema, its queue in a file beside it."""
    work = tempfile.mkdtemp(prefix="campaign-bench-")
    os.environ["CAMPAIGN_QUEUE_URL"] = f"sqlite:///{work}/queue.sqlite"  # set before the queue is created
    sys.path.insert(0, ROOT)
    from flask_migrate import upgrade

    from campaign import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/bench.sqlite", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": f"{work}/uploads", "MAIL_OUTBOX_DIR": f"{work}/outbox"})
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "campaign", "migrations"))
    return app


def run(doc: str, measure: Callable[[int], tuple[float, float, int]], labels: tuple[str, str], target: str,
        argv=None) -> int:
    """--units N (default 3000) or --small (30); prints the two request times and what was queued."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--small", action="store_true", help="30 units, to check that the script runs")
    args = parser.parse_args(argv)
    units = 30 if args.small else args.units
    first, second, queued = measure(units)
    print(f"units {units}: {labels[0]} {first:.2f} s, {labels[1]} {second:.2f} s, tasks queued for the worker {queued}")
    print(f"target: {target}")
    return 0
