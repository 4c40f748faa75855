"""Memory and time of the 学习情况汇编 as photos grow: N units × 5 photos of 4000×3000 pixels, each
embedded at print size. Every size runs in its own process; its peak memory is read from the OS.

    .venv/bin/python bench/photos.py [--sizes 20,60] [--small]

Target (long-work issue): memory flat as the number of photos grows (the print copies wait in files,
not in memory, until the document is written).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHOTOS_PER_UNIT = 5


def make_photos(folder: str, count: int, size: tuple[int, int]) -> list[str]:
    """`count` different photos (each its own picture, as real ones are: none is stored twice)."""
    from PIL import Image, ImageDraw

    noise = Image.effect_noise(size, 60).convert("RGB")  # a JPEG about as large as a phone photo
    base = Image.blend(Image.new("RGB", size, (60, 120, 200)), noise, 0.5)
    paths = []
    for i in range(count):
        image = base.copy()
        ImageDraw.Draw(image).rectangle([0, 0, size[0] // 4, size[1] // 4], fill=(i % 256, (i * 7) % 256, 90))
        path = os.path.join(folder, f"photo{i}.jpg")
        image.save(path, "JPEG", quality=88)
        paths.append(path)
    return paths


def one_size(units: int, photos: list[str]) -> dict:
    """Build the compilation for `units` units in this process; time and peak memory."""
    sys.path.insert(0, ROOT)
    from campaign.reports.compile import build_study_docx
    from tests.rollup_data import entry, form, rollup, text_of

    files = {f"p{u}-{k}": photos[(u * PHOTOS_PER_UNIT + k) % len(photos)]
             for u in range(units) for k in range(PHOTOS_PER_UNIT)}
    study = form("xinxiang_water_2023", "study_report")

    def entries():
        for u in range(units):
            yield entry(u + 1, {"report_title": f"第{u + 1}单位学习活动情况汇报", "report_text": text_of(800, u),
                                "photos": [{"id": f"p{u}-{k}", "caption": f"第{k + 1}场集中学习"}
                                           for k in range(PHOTOS_PER_UNIT)]})

    r = rollup(study, entries, key="study_report", short="学习活动情况", title="《质量强国建设纲要》学习活动情况",
               photo_file=files.get)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        build_study_docx(r, out)
        size = out.tell()
    return {"units": units, "photos": units * PHOTOS_PER_UNIT, "seconds": time.perf_counter() - started,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "start_mb": before / 1024,
            "file_mb": size / 2**20}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,60")
    parser.add_argument("--small", action="store_true", help="2 and 6 units of smaller photos, to check the script")
    parser.add_argument("--child", nargs=2, metavar=("UNITS", "PHOTOS_JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_size(int(args.child[0]), json.loads(args.child[1]))))
        return 0
    sizes = [2, 6] if args.small else [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        photos = make_photos(folder, max(sizes) * PHOTOS_PER_UNIT, (800, 600) if args.small else (4000, 3000))
        print(f"学习情况汇编, {PHOTOS_PER_UNIT} photos per unit of {'800×600' if args.small else '4000×3000'} px")
        print(f"{'units':>6} {'photos':>7} {'seconds':>8} {'peak MB':>8} {'file MB':>8}")
        results = []
        for units in sizes:
            out = subprocess.run([sys.executable, __file__, "--child", str(units), json.dumps(photos)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(row)
            print(f"{row['units']:>6} {row['photos']:>7} {row['seconds']:>8.1f} {row['peak_mb']:>8.0f} {row['file_mb']:>8.1f}")
        growth = results[-1]["peak_mb"] - results[0]["peak_mb"]
        print(f"peak memory grows {growth:.0f} MB from {results[0]['photos']} to {results[-1]['photos']} photos "
              f"(the file itself grows {results[-1]['file_mb'] - results[0]['file_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
