"""The rush baseline of SPEC §9: a minimal Flask endpoint that inserts one row per request.

Served by gunicorn with the same workers and database as the app (bench/rush.py starts it).
"""
import os

import sqlalchemy as sa
from flask import Flask, request

metadata = sa.MetaData()
pings = sa.Table(
    "bench_ping", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)


def create_app() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"], pool_pre_ping=True)
    try:
        metadata.create_all(engine)
    except sa.exc.DBAPIError:  # another worker created it at the same moment (bench/rush.py creates it first)
        if not sa.inspect(engine).has_table(pings.name):
            raise

    @app.get("/ping")
    def ping():
        return "ok"

    @app.post("/insert")
    def insert():
        with engine.begin() as conn:
            conn.execute(pings.insert().values(unit=request.form["unit"], text=request.form["text"]))
        return "ok"

    return app
