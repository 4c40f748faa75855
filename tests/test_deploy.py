"""The deployment recipe in deploy/ is accepted by the tools that will run it: nginx -t, systemd-analyze
verify, docker compose config, gunicorn --check-config."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
DEPLOY = os.path.join(ROOT, "deploy")
VENV_BIN = os.path.dirname(sys.executable)


def read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if os.path.exists(f"/usr/sbin/{tool}") else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing; scripts/test.sh installs it")
        pytest.skip(f"{tool} is not installed (scripts/test.sh installs it)")
    return path


def test_nginx_accepts_the_site(tmp_path):
    nginx = need("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
                   check=True, capture_output=True)
    site = read(os.path.join(DEPLOY, "nginx-campaign.conf"))
    site = site.replace("/etc/ssl/campaign/", f"{tmp_path}/").replace("/opt/campaign/", f"{ROOT}/")
    site = site.replace("listen 80;", "listen 127.0.0.1:18080;").replace("listen 443 ssl", "listen 127.0.0.1:18443 ssl")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "client_max_body_size 32m" in site and "X-Forwarded-Proto" in site and "alias" in site


@pytest.mark.parametrize("unit", ["campaign-web.service", "campaign-worker.service"])
def test_systemd_accepts_the_units(unit, tmp_path):
    analyze = need("systemd-analyze")
    text = read(os.path.join(DEPLOY, "systemd", unit))
    # As installed: the app where /opt/campaign would be, its settings file in place.
    text = text.replace("/opt/campaign/.venv/bin", VENV_BIN).replace("/opt/campaign", ROOT)
    text = text.replace("/etc/campaign/campaign.env", os.path.join(DEPLOY, "campaign.env.example"))
    (tmp_path / unit).write_text(text, encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _compose_config(env: dict) -> subprocess.CompletedProcess:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose"]
    else:
        command = [need("docker-compose")]
    clean = {k: v for k, v in os.environ.items()
             if k not in ("POSTGRES_PASSWORD", "CAMPAIGN_SECRET_KEY", "CAMPAIGN_AUDIT_HMAC_KEY")}
    return subprocess.run([*command, "-f", os.path.join(DEPLOY, "compose.yaml"), "config"],
                          capture_output=True, text=True, env={**clean, **env}, cwd=ROOT)


SECRETS = {"POSTGRES_PASSWORD": "pg-" + "p" * 20, "CAMPAIGN_SECRET_KEY": "x" * 64, "CAMPAIGN_AUDIT_HMAC_KEY": "y" * 64}


def test_compose_file_validates():
    result = _compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("pg-" + "p" * 20) == 3  # the database's, the web's and the worker's URL
    assert "change-me" not in result.stdout.lower()


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_password_and_key(missing):
    result = _compose_config({k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0 and f"set {missing}" in result.stderr


def test_gunicorn_accepts_its_settings_and_loads_the_app():
    result = subprocess.run([os.path.join(VENV_BIN, "gunicorn"), "--check-config", "-c",
                             os.path.join(DEPLOY, "gunicorn.conf.py"), "campaign:create_app()"],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "CAMPAIGN_SECRET_KEY": "x" * 64})
    assert result.returncode == 0, result.stderr
