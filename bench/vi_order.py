"""Names in Vietnamese order on SQLite: the ``vi`` collation against the ``vi_key`` function.

    .venv/bin/python bench/vi_order.py                 # 3,600 names, 5 runs each
    .venv/bin/python bench/vi_order.py --names 20000

A collation makes SQLite call Python for every comparison (n log n calls); ``vi_key(name)``
(what ``tinhso.core.collation.vi_order`` sorts by on SQLite) calls Python once per row and then
compares the keys natively. Prints the best and median milliseconds of ``ORDER BY`` over an
in-memory table, with the key function's cache cold (first run) and warm, and checks that both
give the order of ``sorted(names, key=vi_sort_key)``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinhso.core.collation import _compare, _key
from tinhso.core.text import vi_sort_key

SYLLABLES = [
    "An",
    "Ái",
    "Âu",
    "Bắc",
    "Bình",
    "Cam",
    "Cồn",
    "Đa",
    "Đông",
    "Đồng",
    "Gio",
    "Hải",
    "Hà",
    "Hòa",
    "Hướng",
    "Khe",
    "Kim",
    "Lâm",
    "Lệ",
    "Linh",
    "Lộc",
    "Minh",
    "Nam",
    "Ninh",
    "Phong",
    "Phú",
    "Quảng",
    "Sơn",
    "Tân",
    "Thạch",
    "Thành",
    "Triệu",
    "Trung",
    "Tuyên",
    "Vĩnh",
    "Xuân",
    "Yên",
    "Ơn",
    "Ưng",
    "Ea",
]


def names(count: int) -> list[str]:
    rng = random.Random(44)
    kinds = ("Xã", "Phường", "Đặc khu")
    return [
        f"{rng.choice(kinds)} {rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)} {n}"
        for n in range(count)
    ]


def timed(con: sqlite3.Connection, sql: str, runs: int) -> tuple[list[str], list[float]]:
    times, rows = [], []
    for _ in range(runs):
        start = time.perf_counter()
        rows = [row[0] for row in con.execute(sql)]
        times.append((time.perf_counter() - start) * 1000)
    return rows, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--names", type=int, default=3600)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = names(args.names)
    con = sqlite3.connect(":memory:")
    con.create_collation("vi", _compare)
    con.create_function("vi_key", 1, _key, deterministic=True)
    con.execute("CREATE TABLE unit (name TEXT)")
    con.executemany("INSERT INTO unit VALUES (?)", [(name,) for name in data])
    expected = sorted(data, key=vi_sort_key)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}; {args.names} names; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(f"{'ORDER BY':<28} {'cold ms':>8} {'best ms':>8} {'median ms':>10}  same order")
    for label, sql in (
        ("name (binary, reference)", "SELECT name FROM unit ORDER BY name"),
        ('name COLLATE "vi"', 'SELECT name FROM unit ORDER BY name COLLATE "vi"'),
        ("vi_key(name)", "SELECT name FROM unit ORDER BY vi_key(name)"),
    ):
        vi_sort_key.cache_clear()
        rows, times = timed(con, sql, args.runs + 1)
        same = "-" if "binary" in label else str(rows == expected)
        print(
            f"{label:<28} {times[0]:>8.1f} {min(times[1:]):>8.1f} "
            f"{statistics.median(times[1:]):>10.1f}  {same}"
        )


if __name__ == "__main__":
    main()
