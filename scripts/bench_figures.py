"""What the bench scripts share: the tests' helpers on the import path, and
writing a table of figures into docs/benchmarks.md between a bench's
`<!-- NAME: figures begin -->` and `<!-- NAME: figures end -->` markers."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
DOC = ROOT / "docs" / "benchmarks.md"


def write_figures(name, text):
    """Replaces bench `name`'s figures in docs/benchmarks.md with `text`."""
    begin, end = f"<!-- {name}: figures begin -->", f"<!-- {name}: figures end -->"
    doc = DOC.read_text()
    start, stop = doc.index(begin) + len(begin), doc.index(end)
    DOC.write_text(doc[:start] + "\n" + text + "\n" + doc[stop:])
