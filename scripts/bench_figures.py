"""What the bench scripts share: the tests' helpers on the import path,
rounds each in a fresh temporary directory, and writing a table of figures
into docs/benchmarks.md between a bench's `<!-- NAME: figures begin -->` and
`<!-- NAME: figures end -->` markers."""

import argparse
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
DOC = ROOT / "docs" / "benchmarks.md"


def write_figures(name, text):
    """Prints `text` (a table, or its rows) and puts it in place of bench
    `name`'s figures in docs/benchmarks.md."""
    if not isinstance(text, str):
        text = "\n".join(text)
    print(text)
    begin, end = f"<!-- {name}: figures begin -->", f"<!-- {name}: figures end -->"
    doc = DOC.read_text()
    start, stop = doc.index(begin) + len(begin), doc.index(end)
    DOC.write_text(doc[:start] + "\n" + text + "\n" + doc[stop:])


def measure_rounds(description, name, one_round, default_rounds=3, table=None):
    """Runs `one_round(work)` the `--rounds` times the command line asks
    for, each in a new temporary directory removed afterwards; its results.
    Given `table` (results → text), also writes it as bench `name`'s
    figures, or only prints it with `--no-write`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=default_rounds)
    if table:
        parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md")
    args = parser.parse_args()
    results = []
    for _ in range(args.rounds):
        work = pathlib.Path(tempfile.mkdtemp(prefix=f"kmesos-{name}-"))
        try:
            results.append(one_round(work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if table and args.no_write:
        print(table(results))
    elif table:
        write_figures(name, table(results))
    return results
