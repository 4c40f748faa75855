"""gunicorn settings for the web process: `gunicorn -c deploy/gunicorn.conf.py "campaign:create_app()"`.

Long work goes to the job workers (campaign/jobs), so a request never needs more than the timeout.
Settings come from the environment as everywhere (CAMPAIGN_DATABASE_URL, CAMPAIGN_QUEUE_URL, …).
"""
import multiprocessing
import os

bind = os.environ.get("CAMPAIGN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CAMPAIGN_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (memory)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("CAMPAIGN_FORWARDED_ALLOW_IPS", "127.0.0.1")
