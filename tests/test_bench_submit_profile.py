"""The submit profile runs end to end in a small configuration: every submit reaches its receipt and is
stored once, in the 6 SQL statements the README gives; times are printed, not asserted."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.slow


def test_submit_profile_runs_small():
    env = {k: v for k, v in os.environ.items() if k != "CAMPAIGN_QUEUE_URL"}
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "submit_profile.py"), "--units", "5"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    out = result.stdout
    assert "stored once: ok" in out
    # As the README says: the user, the deliverable with the access check and the submission, the revision
    # count, then one flush: the audit chain's tail locked and read, moved on, and the three writes.
    assert "SQL statements per request: 8–8 (median 8)" in out
    assert "UPDATE audit_chain SET seq=audit_chain.seq WHERE audit_chain.id = ? RETURNING" in out
    # The writes a submit must make: its revision, the submission (version-checked) and the audit record.
    assert "INSERT INTO revisions" in out and "INSERT INTO audit_log" in out
    assert re.search(r"UPDATE submissions SET .* WHERE submissions.id = \? AND submissions.version = \?", out)
    assert "submissions.py" in out and "(submit)" in out  # the profile names the service
