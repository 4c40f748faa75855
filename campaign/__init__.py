"""campaign: 学习宣贯情况填报汇总系统."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import Defaults, load_or_create_secret_key, parse_env
from .extensions import csrf, db, login_manager, migrate

HERE = os.path.dirname(os.path.abspath(__file__))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: defaults, instance/config.py, CAMPAIGN_* variables, then test_config."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(HERE, "..", "templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "campaign.sqlite")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(parse_env())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    app.config.setdefault("UPLOAD_DIR", os.path.join(app.instance_path, "uploads"))
    app.config.setdefault("MAIL_OUTBOX_DIR", os.path.join(app.instance_path, "outbox"))
    if str(app.config.get("BASE_URL", "")).startswith("https://"):
        # Behind one TLS-terminating proxy (nginx): cookies only over https, the client's address and scheme
        # taken from the proxy's X-Forwarded-* headers (for login throttling and links).
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_hooks(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(HERE, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import auth  # noqa: F401  (user loader and unauthorized handler)


class BoundedInt(IntegerConverter):
    """`<int:...>` in every route stops at the database's integer range: a larger id is simply not found."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    from .views import register

    app.url_map.converters["int"] = BoundedInt
    register(app)


def register_commands(app: Flask) -> None:
    from .cli import commands

    for command in commands:
        app.cli.add_command(command)


def register_hooks(app: Flask) -> None:
    from .views.hooks import init_app

    init_app(app)

