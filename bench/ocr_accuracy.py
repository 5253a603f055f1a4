"""Certificate recognition measured on a labelled synthetic set (issue 22).

Generates N certificates (three layouts, the Chinese fonts Debian installs, rotation ±5°, blur,
phone-photo perspective, JPEG quality 50–90), reads each through the platform's pipeline
(`recognition.services.recognise_pages` + `extraction.extract_fields`, what the worker's task
runs) and reports:

- field accuracy against the labels (targets: certificate number, dates, hours, name ≥ 95 %,
  issuer ≥ 90 %);
- time per page of the pipeline against a bare call of the OCR engine on the same JPEG bytes
  (target ≤ 1.2×), both after one warm-up call, interleaved;
- the process's peak memory (the worker runs the same code; target < 1 GB), including one
  40-megapixel photo read through the pipeline.

    .venv/bin/python bench/ocr_accuracy.py --count 48 [--seed 2026] [--save /tmp/certs]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from xueshi.recognition import engine, synthetic  # noqa: E402
from xueshi.recognition.extraction import extract_fields  # noqa: E402
from xueshi.recognition.services import recognise_pages  # noqa: E402

TARGETS = {
    "certificate_number": 0.95,
    "dates": 0.95,
    "hours": 0.95,
    "name": 0.95,
    "issuer": 0.90,
    "course_title": None,
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def probe(path: Path) -> int:
    """As the worker: the engine loaded, one normal certificate and the 40 MP photo read."""
    small = synthetic.draw_certificate(synthetic.random_certificate(random.Random(1)))  # noqa: S311
    recognise_pages(synthetic.jpeg_bytes(small, 80), "jpg")
    started = time.perf_counter()
    lines, _hash, _pages = recognise_pages(path.read_bytes(), "jpg")
    seconds = time.perf_counter() - started
    print(f"{seconds:.2f} {len(lines)} {peak_mb():.0f}")
    return 0


def worker_memory(rng: random.Random) -> None:
    """The worker's peak memory, measured in a child process that only reads (no generating):
    the engine, a certificate, and a 40-megapixel phone photo (7744×5164 JPEG)."""
    big = synthetic.draw_certificate(synthetic.random_certificate(rng)).resize((7744, 5164))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "40mp.jpg"
        big.save(path, "JPEG", quality=85)
        del big
        result = subprocess.run(  # noqa: S603  (this script, by its own path)
            [sys.executable, __file__, "--probe", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    seconds, lines, peak = result.stdout.split()[-3:]
    print(f"40-megapixel photo: {float(seconds):.2f} s, {lines} lines read")
    print(f"peak memory of the worker (child process): {peak} MB (target < 1024 MB)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--save", type=Path, default=None, help="keep the generated JPEGs here")
    parser.add_argument("--probe", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--memory-only", action="store_true", help="only the worker's peak memory (40 MP photo)"
    )
    args = parser.parse_args()
    if args.probe is not None:
        return probe(args.probe)
    if not engine.available():
        print("the optional group `ocr` is not installed (pip install -e '.[ocr]')")
        return 1
    rng = random.Random(args.seed)  # noqa: S311  (synthetic data, not a secret)
    if args.memory_only:
        worker_memory(rng)
        return 0
    fonts = synthetic.font_paths()
    print(f"fonts: {', '.join(Path(path).name for path, _ in fonts)}")

    # Warm-up: the ONNX sessions load once per process (the worker keeps them).
    warm = synthetic.jpeg_bytes(synthetic.draw_certificate(synthetic.random_certificate(rng)), 80)
    engine.bare_call(warm)
    recognise_pages(warm, "jpg")

    right: Counter[str] = Counter()
    misses: list[str] = []
    pipeline_times: list[float] = []
    bare_times: list[float] = []
    layouts: Counter[str] = Counter()
    for index in range(args.count):
        layout = synthetic.LAYOUTS[index % len(synthetic.LAYOUTS)]
        cert = synthetic.random_certificate(rng, layout=layout)
        cert = synthetic.Certificate(**{**cert.__dict__, "font": fonts[index % len(fonts)][0]})
        layouts[layout] += 1
        photo = synthetic.photographed(synthetic.draw_certificate(cert), rng)
        data = synthetic.jpeg_bytes(photo, rng.randint(50, 90))
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{index:03d}-{layout}.jpg").write_bytes(data)
        # Interleaved, alternating which goes first, so neither profits from a warm cache.
        order = ("bare", "pipeline") if index % 2 else ("pipeline", "bare")
        for which in order:
            started = time.perf_counter()
            if which == "bare":
                engine.bare_call(data)
                bare_times.append(time.perf_counter() - started)
            else:
                lines, _hash, _pages = recognise_pages(data, "jpg")
                fields = extract_fields([line.text for line in lines])
                pipeline_times.append(time.perf_counter() - started)
        checks = {
            "certificate_number": fields.certificate_number == cert.certificate_number.upper(),
            "dates": (fields.start_date, fields.end_date) == (cert.start_date, cert.end_date),
            "hours": fields.hours == cert.hours,
            "name": fields.name == cert.name,
            "issuer": fields.issuer == cert.issuer,
            "course_title": fields.course_title == cert.course_title,
        }
        print(f"{index + 1}/{args.count}", file=sys.stderr, flush=True)
        for field, ok in checks.items():
            right[field] += ok
            if not ok:
                misses.append(f"#{index} {layout} {Path(cert.font).name} {field}: {fields}")

    peak_here = peak_mb()  # includes generating the set: more than the worker holds

    print(f"\n{args.count} certificates ({dict(layouts)}), seed {args.seed}\n")
    print("| field | correct | accuracy | target |")
    print("|---|---|---|---|")
    for field, target in TARGETS.items():
        share = right[field] / args.count
        goal = f"≥ {target:.0%}" if target else "—"
        verdict = "" if target is None else (" ✓" if share >= target else " ✗")
        print(f"| {field} | {right[field]}/{args.count} | {share:.1%}{verdict} | {goal} |")
    pipeline = statistics.median(pipeline_times)
    bare = statistics.median(bare_times)
    print(
        f"\ntime per page (median): pipeline {pipeline:.2f} s, bare engine {bare:.2f} s, "
        f"ratio {pipeline / bare:.2f}× (target ≤ 1.2×); "
        f"means {statistics.mean(pipeline_times):.2f} s / {statistics.mean(bare_times):.2f} s"
    )
    print(f"peak memory of this process (generating the set too): {peak_here:.0f} MB")
    worker_memory(rng)
    if misses:
        print("\nmisses:")
        for miss in misses:
            print(" ", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
