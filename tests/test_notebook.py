"""The worked analysis notebook runs headless from top to bottom and shows what it says it shows."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "analysis.ipynb"


def outputs_text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")


def assert_shows_what_it_says(nb) -> None:
    """No errors; the texts, the figure and the table the notebook's prose talks about."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o["output_type"] == "error"]
    text = "\n".join(outputs_text(c) for c in code)
    assert "rep count: 6 (simulated: 6)" in text
    assert "3-1-2: 3 seconds down, 1 second pause at the bottom, 2 seconds up" in text
    assert "rep 5: lumbar flexion" in text and "rounded lower back" in text
    assert "rep 1: tempo on target" in text
    assert "lumbar_flexion           NOT measured" in text
    assert "rdl_8reps_two_sensors.csv: 8 reps, flagged reps: [6, 8]" in text  # the bundled example
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1
    tables = [o for c in code for o in c.outputs if "text/html" in o.get("data", {})]
    assert tables and tables[0]["data"]["text/html"].count("<tr>") >= 7  # header + 6 reps


def test_the_committed_notebook_shows_its_outputs():
    """Committed executed, so a reader on the web sees the figures and numbers without running it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
    assert_shows_what_it_says(nb)


@pytest.mark.slow
def test_analysis_notebook_executes(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    assert_shows_what_it_says(nb)
