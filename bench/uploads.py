"""Time and peak memory of the upload check (``tinhso.core.uploads.check_upload``) per kind of file.

    .venv/bin/python bench/uploads.py                  # every case, 4 parallel large decodes
    .venv/bin/python bench/uploads.py --cases png-39.7mp jpeg-48mp --parallel 4

Each case runs in a fresh child process: the file is built by the parent beforehand, then
``check_upload`` runs ``--repeat`` times (``--parallel`` threads at once for the parallel rows,
as a gunicorn gthread worker would). The child reports the wall time per check and the
growth of its peak resident memory: its peak (``VmHWM``, reset through ``/proc/self/clear_refs``
just before the checks) minus its resident memory then (``VmRSS``: the interpreter, Django and
the file). Linux only. (``ru_maxrss`` would not do: it keeps the parent's peak across exec.)

Cases: a 39.7-megapixel PNG of 150 KB (the red team's file), a 39.7 MP JPEG to be turned
upright (the most pixels held: decoded whole, then rotated), ordinary 48 and 50 MP phone
photos (JPEG, upright too), a 12 MP phone photo, a 3-page scanned PDF (200 dpi pages), and
text PDFs of 6 and 120 pages with embedded fonts (WeasyPrint, like the project's receipts).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def phone_photo(width: int, height: int) -> bytes:
    """A smooth photo-like JPEG (gradients, quality 90) of ``width`` × ``height`` with EXIF."""
    from PIL import Image

    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
        ],
    )
    exif = Image.Exif()
    exif[0x010F] = "Phone"
    exif[0x0112] = 6  # orientation: rotate 90° when shown (portrait photo)
    out = io.BytesIO()
    base.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def flat_png(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 400):
        draw.line([(0, y), (width, y)], fill="black", width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def scanned_pdf(pages: int = 3) -> bytes:
    from PIL import Image, ImageDraw

    images = []
    for page in range(pages):
        image = Image.new("L", (1654, 2339), 245)  # A4 at 200 dpi
        draw = ImageDraw.Draw(image)
        for y in range(150, 2200, 60):
            draw.text((150, y), f"Trang {page + 1} dong {y} " * 6, fill=20)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


def text_pdf(pages: int = 6) -> bytes:
    from weasyprint import HTML

    paragraph = (
        "<p>Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014; Ủy ban nhân dân xã xác nhận "
        "ông Nguyễn Văn Ánh, sinh ngày 01/01/1980, thường trú tại thôn Đông, đã nộp đủ hồ sơ.</p>"
    )
    html = "".join(f"<h1>Trang {n + 1}</h1>" + paragraph * 7 for n in range(pages))
    style = "<style>h1 { break-before: page } h1:first-child { break-before: auto }</style>"
    return HTML(string=f"<html>{style}<body>{html}</body></html>").write_pdf()


CASES = {
    "png-39.7mp": ("scan.png", lambda: flat_png(7300, 5440)),
    "jpeg-39.7mp": ("phone.jpg", lambda: phone_photo(7300, 5440)),
    "jpeg-48mp": ("phone.jpg", lambda: phone_photo(8000, 6000)),
    "jpeg-50mp": ("phone.jpg", lambda: phone_photo(8160, 6120)),
    "jpeg-12mp": ("phone.jpg", lambda: phone_photo(4000, 3000)),
    "pdf-scan-3p": ("scan.pdf", scanned_pdf),
    "pdf-text-6p": ("form.pdf", text_pdf),
    "pdf-text-120p": ("book.pdf", lambda: text_pdf(120)),
}


def memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def child(case: str, path: str, repeat: int, parallel: int) -> None:
    sys.path.insert(0, str(ROOT))  # this checkout's tinhso, not an installed one
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.core.errors import DomainError
    from tinhso.core.uploads import check_upload

    name = CASES[case][0]
    data = Path(path).read_bytes()
    for warm in ("warm.png", "warm.pdf"):  # imports and lazy set-up, once per process
        warm_up = flat_png(20, 20) if warm.endswith("png") else scanned_pdf(1)
        check_upload(SimpleUploadedFile(warm, warm_up))
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from here
    before = memory_kb("VmRSS")
    times: list[float] = []
    refused: set[str] = set()

    def one() -> None:
        start = time.perf_counter()
        try:
            check_upload(SimpleUploadedFile(name, data))
        except DomainError as exc:
            refused.add(exc.code)
        times.append(time.perf_counter() - start)

    start = time.perf_counter()
    for _ in range(repeat):
        threads = [threading.Thread(target=one) for _ in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    wall = time.perf_counter() - start
    after = memory_kb("VmHWM")
    times.sort()
    print(
        json.dumps(
            {
                "case": case,
                "parallel": parallel,
                "bytes": len(data),
                "median_ms": round(times[len(times) // 2] * 1000, 1),
                "max_ms": round(times[-1] * 1000, 1),
                "wall_ms": round(wall * 1000, 1),
                "peak_growth_mb": round((after - before) / 1024, 1),
                "baseline_mb": round(before / 1024, 1),
                "refused": ",".join(sorted(refused)),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=4, help="threads for the parallel rows")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.repeat, args.parallel)
        return
    tmp = tempfile.TemporaryDirectory()
    print(f"{'case':<13} {'threads':>7} {'size KB':>8} {'median ms':>9} {'max ms':>7} "
          f"{'peak +MB':>8}  result")  # fmt: skip
    for case in args.cases:
        path = Path(tmp.name) / case
        path.write_bytes(CASES[case][1]())  # built here: the child measures only the check
        runs = [1, args.parallel] if not case.startswith("pdf") and args.parallel > 1 else [1]
        for parallel in runs:
            result = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    case,
                    str(path),
                    "--repeat",
                    str(args.repeat),
                    "--parallel",
                    str(parallel),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                print(f"{case}: failed\n{result.stderr[-2000:]}")
                continue
            row = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{case:<13} {parallel:>7} {row['bytes'] / 1024:>8.0f} {row['median_ms']:>9} "
                f"{row['max_ms']:>7} {row['peak_growth_mb']:>8}  {row['refused'] or 'accepted'}"
            )


if __name__ == "__main__":
    main()
