"""The output rule (``io.output``): what may be replaced, what never is, and atomic writes."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imuhinge.errors import InputError
from imuhinge.io import RecordingWriter, load_recording, save_recording
from imuhinge.io.output import check_output, check_outputs, output_file, output_folder
from imuhinge.model import G_MPS2, Recording, SensorStream

RECORDING_HEAD = b"# imuhinge recording v1\n# sample_rate_hz: 100\n"


def _refused(match: str, path: Path, **kwargs) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        check_output(path, **kwargs)
    assert "\n" not in str(info.value)
    return info.value


def test_a_new_path_in_an_existing_folder_is_fine(tmp_path: Path) -> None:
    assert check_output(tmp_path / "new.json") == tmp_path / "new.json"


def test_an_existing_file_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "old.json"
    out.write_text("old")
    _refused("already exists: choose another name or add --force to replace it", out)
    assert check_output(out, force=True) == out
    err = _refused("already exists: choose another name$", out, force_option=None)
    assert err.path == str(out)


@pytest.mark.parametrize(
    "head",
    [
        RECORDING_HEAD,
        b"\xef\xbb\xbf" + RECORDING_HEAD,
        b"# imuhinge recording v7\n",
        b"SQLite format 3\x00xyz",
    ],
    ids=["recording", "recording-with-bom", "future-recording", "database"],
)
def test_recordings_and_databases_are_never_replaced_even_with_force(tmp_path: Path, head: bytes) -> None:
    out = tmp_path / "keep.csv"
    out.write_bytes(head)
    _refused("is a recording or a database: imuhinge never replaces one", out, force=True)
    partial = tmp_path / "cut.csv.partial"
    partial.write_bytes(b"anything")
    _refused("never replaces one", partial, force=True)


def test_an_input_is_refused_by_any_name(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("data")
    (tmp_path / "link.txt").symlink_to(source)
    os.link(source, tmp_path / "hard.txt")
    for name in ("in.txt", "link.txt", "hard.txt"):
        _refused("is an input of this command", tmp_path / name, force=True, inputs=[source])
    (tmp_path / "sub").mkdir()
    _refused("is an input of this command", tmp_path / "sub" / ".." / "in.txt", force=True, inputs=[source])
    missing = tmp_path / "nosub" / ".." / "in.txt"
    _refused("the folder .* does not exist", missing, force=True, inputs=[source])
    assert source.read_text() == "data"


def test_special_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    _refused(r"is a FIFO \(named pipe\), not a regular file", fifo, force=True)
    _refused("is a folder, not a regular file", tmp_path, force=True)
    _refused("is a device, not a regular file", Path(os.devnull), force=True)
    assert Path(fifo).is_fifo()


def test_a_missing_folder_is_refused_not_created(tmp_path: Path) -> None:
    out = tmp_path / "nope" / "r.json"
    _refused(f"cannot write: the folder {out.parent} does not exist", out)
    assert not out.parent.exists()


def test_a_link_is_followed_to_the_file_it_names(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    (tmp_path / "link.json").symlink_to(target)
    with output_file(tmp_path / "link.json", force=True) as temp:
        temp.write_text("new")
    assert (tmp_path / "link.json").is_symlink() and target.read_text() == "new"


def test_two_outputs_of_one_command_must_differ(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is named for two outputs of this command"):
        check_outputs([tmp_path / "a.json", None, tmp_path / "." / "a.json"])
    check_outputs([tmp_path / "a.json", None, tmp_path / "b.json"])


def test_output_folders(tmp_path: Path) -> None:
    made = output_folder(tmp_path / "new" / "deeper", inputs=[tmp_path / "recordings"])
    assert made.is_dir()
    with pytest.raises(InputError, match="is the folder being read"):
        output_folder(tmp_path, inputs=[tmp_path])
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        output_folder(tmp_path / "file")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("old")
    with pytest.raises(RuntimeError, match="writer broke"), output_file(out, force=True) as temp:
        temp.write_text("half")
        raise RuntimeError("writer broke")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_something_appearing_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with pytest.raises(InputError, match="already exists"), output_file(out) as temp:
        temp.write_text("new")
        out.write_text("appeared")
    assert out.read_text() == "appeared"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_full_disk_leaves_the_old_file(tmp_path: Path) -> None:
    """A real failed write: the file size limit (EFBIG) stops the JSON report half-way."""
    source = tmp_path / "set.csv"
    subprocess.run(
        [sys.executable, "-m", "imuhinge", "simulate", "--reps", "2", "--out", str(source)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "set.json"
    out.write_text("old report")

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    done = subprocess.run(
        [sys.executable, "-m", "imuhinge", "analyze", str(source), "--json", str(out), "--force"],
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == f"imuhinge analyze: error: {out}: cannot write: File too large"
    assert "Traceback" not in done.stderr
    assert out.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.csv", "set.json", "set.truth.json"]


def _recording() -> Recording:
    n = 50
    stream = SensorStream(
        "upper_back",
        np.arange(n) / 100.0,
        np.tile([0.0, 0.0, G_MPS2], (n, 1)),
        np.zeros((n, 3)),
        np.arange(n),
    )
    return Recording({"upper_back": stream}, 100.0)


def test_save_recording_never_replaces_a_recording(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    save_recording(_recording(), path)
    before = path.read_bytes()
    with pytest.raises(InputError, match="never replaces one"):
        save_recording(_recording(), path, force=True)
    assert path.read_bytes() == before
    other = tmp_path / "notes.csv"
    other.write_text("not a recording")
    with pytest.raises(InputError, match="already exists"):
        save_recording(_recording(), other)
    save_recording(_recording(), other, force=True)
    assert len(load_recording(other).sensors["upper_back"]) == 50


def test_save_recording_never_truncates_a_cut_off_recording(tmp_path: Path) -> None:
    partial = tmp_path / "set.csv.partial"
    partial.write_bytes(RECORDING_HEAD + b"cut off")
    with pytest.raises(InputError, match=r"already exists \(a recording that was cut off\?\)"):
        save_recording(_recording(), tmp_path / "set.csv", force=True)
    assert partial.read_bytes() == RECORDING_HEAD + b"cut off"


def test_a_recording_keeps_its_partial_when_its_name_is_taken_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    writer = RecordingWriter(path, 100.0, with_seq=False)
    writer.write("upper_back", np.arange(10) / 100.0, np.tile([0.0, 0.0, 1.0], (10, 1)), np.zeros((10, 3)))
    path.write_text("someone else's file")
    with pytest.raises(InputError, match=r"already exists.*\(the recording is kept in .*set\.csv\.partial\)"):
        writer.close()
    assert path.read_text() == "someone else's file"
    assert len(load_recording(tmp_path / "set.csv.partial").sensors["upper_back"]) == 10
