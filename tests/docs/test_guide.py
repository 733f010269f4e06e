"""Every ```python block of the user guide (docs/guide/*.md) runs.

The blocks of one chapter run in order in one fresh namespace, in a temporary working directory,
with matplotlib drawing to files only; a failing block is named by its file and first line.
"""

import pathlib
import re
import traceback

import pytest

from ember.layers import reset_name_counters

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide"
CHAPTERS = sorted(p.name for p in GUIDE.glob("[0-9][0-9]-*.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def python_blocks(text):
    """``(line, code)`` of each ```python block, ``line`` being the 1-based line of its fence."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(2))
            for m in FENCE.finditer(text) if m.group(1) == "python"]


def test_the_guide_has_its_chapters_and_the_index_links_them_in_order():
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\((\d\d-[\w-]+\.md)\)", index)
    assert linked == CHAPTERS
    assert len(CHAPTERS) >= 9


def test_blocks_are_found_with_their_lines():
    text = "intro\n```python\nx = 1\n```\n```bash\nls\n```\n\n```python\ny = 2\n```\n"
    assert python_blocks(text) == [(2, "x = 1\n"), (9, "y = 2\n")]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs(chapter, tmp_path, monkeypatch):
    path = GUIDE / chapter
    text = path.read_text(encoding="utf-8")
    try:
        import matplotlib
    except ImportError:
        plt = None
        if "ember.viz." in text or ".plot(" in text:
            pytest.skip(f"{chapter} draws plots, which need matplotlib (ember's plot extra)")
    else:
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    reset_name_counters()  # Keras-style layer names ("dense", "dense_1") as in a fresh session
    blocks = python_blocks(text)
    assert blocks, f"{chapter} has no ```python blocks"
    assert any("assert " in code for _, code in blocks), f"{chapter} checks nothing with assert"
    namespace = {"__name__": "__main__"}  # as when a reader runs the chapter as a script
    failure = None
    try:
        for number, (line, code) in enumerate(blocks, start=1):
            try:
                # padded so that a traceback's line numbers are the Markdown file's
                exec(compile("\n" * line + code, str(path), "exec"), namespace)  # noqa: S102
            except Exception as e:
                failure = (f"docs/guide/{chapter}, block {number} (line {line}) raised "
                           f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
                break
    finally:
        reset_name_counters()
        if plt is not None:
            plt.close("all")
    if failure:
        pytest.fail(failure, pytrace=False)
