"""Start-up: a command imports what it needs and nothing else (module sets, not timings)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

RECORDING = Path(__file__).resolve().parent.parent / "recordings" / "rdl_8reps_two_sensors.csv"
STACKS = ("numpy", "pandas", "scipy", "matplotlib", "vqf", "bleak", "bumble", "asyncio", "rich")


def modules_after(code: str) -> set[str]:
    """Top-level packages and imuhinge modules loaded by ``code`` run in a fresh interpreter."""
    report = "import sys, json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    script = f"try:\n    {code}\nexcept SystemExit:\n    pass\n{report}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    return {m.split(".")[0] for m in loaded} | {m for m in loaded if m.startswith("imuhinge.")}


@pytest.mark.parametrize(
    "code",
    [
        "import imuhinge",
        "import imuhinge.cli; imuhinge.cli.build_parser()",
        "from imuhinge.cli import main; main(['--version'])",
        "from imuhinge.cli import main; main(['record', '--help'])",
    ],
)
def test_the_parser_and_version_import_no_numeric_plotting_or_ble_stack(code):
    assert not modules_after(code) & set(STACKS)


def test_analyze_imports_the_analysis_stack_only():
    loaded = modules_after(f"from imuhinge.cli import main; main(['analyze', {str(RECORDING)!r}])")
    assert {"numpy", "pandas", "vqf", "imuhinge.analysis.replay"} <= loaded
    assert not loaded & {
        "scipy",
        "matplotlib",
        "bleak",
        "bumble",
        "rich",
        "imuhinge.sim",
        "imuhinge.report.plots",
    }


def test_every_public_name_resolves():
    import imuhinge

    for name in imuhinge.__all__:
        assert getattr(imuhinge, name) is not None, name
