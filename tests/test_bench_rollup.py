"""The rollup benchmark runs (small sizes): it prints times, memory and ratios for both rollups."""
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_bench_rollup_small_mode_prints_every_measurement():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "rollup.py"), "--small"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith(("汇总表", "汇编"))]
    assert [(r[0], r[1]) for r in rows] == [(k, n) for k in ("汇总表", "汇编") for n in ("5", "10", "20")]
    for row in rows:
        assert all(float(x) > 0 for x in row[2:])
