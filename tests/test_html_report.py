"""The self-contained HTML report, parsed with html.parser."""

import base64
import io
from dataclasses import replace
from html.parser import HTMLParser

import matplotlib.image as mpimg
import pytest
from conftest import sim_set

from imuhinge.analysis.replay import analyze
from imuhinge.cli import main
from imuhinge.coaching.cues import Cue, CueCode
from imuhinge.errors import InputError
from imuhinge.io import save_recording
from imuhinge.report.html import report_to_html, write_html
from imuhinge.report.wording import describe_tempo

HOSTILE = "<script>alert(1)</script>"
TWO = ("upper_back", "sacrum")
NONE = "\N{EN DASH}"  # how the table shows an unmeasured value


class Page(HTMLParser):
    """Collects the tags, table rows, images and visible text of a page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.imgs, self.rows, self.text = [], [], [], []
        self._in = []
        self._row = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in.append(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.imgs.append(attrs)
        if tag == "tr" and "tbody" in self._in:
            self._row = {"class": attrs.get("class"), "cells": []}
            self.rows.append(self._row)
        if tag == "td" and self._row is not None:
            self._row["cells"].append("")

    def handle_endtag(self, tag):
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None and self._in and self._in[-1] == "td":
            self._row["cells"][-1] += data

    @property
    def plain(self):
        return " ".join(" ".join(self.text).split())


def hostile_report(sensors=TWO, **kwargs):
    sim = sim_set(reps=4, sensors=sensors, seed=1, **kwargs)
    report = analyze(sim.recording)
    report.metadata = {
        **sim.recording.metadata,
        "notes": HOSTILE,
        "device.upper_back": f"WitMotion {HOSTILE} (C1:23)",
        f"x{HOSTILE}": "key too",
    }
    report.source = f"/data/{HOSTILE}.csv"
    return report


@pytest.fixture(scope="module")
def flagged():
    return hostile_report(rounded_reps={3: 20.0})


@pytest.fixture(scope="module")
def flagged_html(flagged):
    return report_to_html(flagged, title=f"set {HOSTILE}")


def test_rep_table(flagged, flagged_html):
    page = Page(flagged_html)
    assert page.tags.count("table") == 1
    assert len(page.rows) == flagged.rep_count == 4
    assert [row["cells"][0] for row in page.rows] == ["1", "2", "3", "4"]
    assert [row["class"] for row in page.rows] == [None, None, "flagged", None]
    rep3 = page.rows[2]["cells"]
    assert rep3[1] == f"{flagged.reps[2].eccentric_s:.2f}"
    assert rep3[-3:-1] == ["ok", "NO"]  # tempo ok, spine not
    assert "rounded lower back" in rep3[-1]
    assert page.rows[3]["cells"][4] == NONE  # no top pause after the last rep


def test_target_words_summary_and_measured(flagged, flagged_html):
    text = Page(flagged_html).plain
    assert describe_tempo(flagged.tempo) in text
    assert "3 seconds down, 1 second pause at the bottom, 2 seconds up" in text
    assert "4 full reps" in text and "neutral spine in 75% of reps" in text
    assert "What this set measured / could not measure" in text
    assert "Lower-back (lumbar) flexion: neutral spine" in text
    assert "Foot pressure (weight on heels or toes): back-worn IMUs cannot see it." in text
    assert "Core bracing: back-worn IMUs cannot see it." in text


def test_embedded_figures_are_valid_png(flagged_html):
    imgs = Page(flagged_html).imgs
    assert len(imgs) == 5
    for img in imgs:
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix)
        data = base64.b64decode(img["src"][len(prefix) :], validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = mpimg.imread(io.BytesIO(data), format="png")
        assert pixels.shape[0] > 100 and (pixels[..., :3] < 0.95).any()
        assert img["alt"]
    assert "http://" not in flagged_html and "https://" not in flagged_html  # self-contained


def test_hostile_strings_only_escaped(flagged_html):
    page = Page(flagged_html)
    assert "script" not in page.tags
    assert HOSTILE not in flagged_html
    assert flagged_html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 6  # title, h1, 2 values, key, file
    assert f"WitMotion {HOSTILE} (C1:23)" in page.plain  # shown to the reader as text


def test_one_sensor_says_lumbar_not_measured():
    report = analyze(sim_set(reps=4, sensors=("upper_back",), seed=2).recording)
    page = Page(report_to_html(report))
    assert "Lower-back (lumbar) flexion: needs a second sensor on the sacrum" in page.plain
    assert len(page.rows) == report.rep_count == 4
    assert all(row["cells"][6] == NONE for row in page.rows)  # lumbar column
    assert all(row["cells"][-2] == NONE for row in page.rows)  # spine verdict


def test_cues_and_warnings_listed():
    report = analyze(sim_set(reps=6, sensors=TWO, tempo="2-1-2", seed=3).recording, tempo="3-1-2")
    report.cues.append(Cue(CueCode.INCONSISTENT_DEPTH, 12.0, 5.0))
    report.warnings.append(f"note {HOSTILE}")
    page = Page(report_to_html(report))
    assert "Set cues inconsistent depth: reps vary by ±12°" in page.plain
    assert f"Warnings note {HOSTILE}" in page.plain
    assert "rushed the descent: 2." in page.plain
    assert "script" not in page.tags


def test_zero_reps_is_a_valid_report():
    report = analyze(sim_set(reps=1, depth_deg=10.0, seed=4).recording)
    assert report.rep_count == 0
    page = Page(report_to_html(report))
    assert "No full reps were found in this set." in page.plain
    assert "no full rep found" in page.plain  # the warning
    assert not page.rows and len(page.imgs) == 1  # the timeline still shows what happened
    assert page.tags[0] == "html" and "body" in page.tags


def test_write_html(flagged, tmp_path):
    out = tmp_path / "r.html"
    write_html(flagged, out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(InputError, match="cannot write"):
        write_html(flagged, tmp_path / "missing_dir" / "r.html")


# --- imuhinge report ------------------------------------------------------------------------------


def run_cli(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_report_escapes_what_the_file_says(tmp_path, capsys):
    recording = sim_set(reps=4, sensors=TWO, seed=1).recording
    hostile = replace(
        recording, metadata={**recording.metadata, "device.upper_back": HOSTILE, "notes": HOSTILE}
    )
    source = tmp_path / "set.csv"
    save_recording(hostile, source)
    out = tmp_path / "set.html"
    status, stdout, err = run_cli(capsys, "report", source, "-o", out)
    assert status == 0, err
    assert stdout == f"wrote {out} (4 reps)\n"
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    assert len(page.rows) == 4 and "script" not in page.tags and HOSTILE not in text
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert "<h1>set.csv</h1>" in text


def test_cli_report_zero_reps_and_bad_output(tmp_path, capsys):
    source = tmp_path / "flat.csv"
    save_recording(sim_set(reps=1, depth_deg=10.0, seed=4).recording, source)
    status, stdout, err = run_cli(capsys, "report", source, "-o", tmp_path / "flat.html")
    assert status == 0, err
    assert stdout.endswith("(no full reps found)\n")
    assert "No full reps were found" in (tmp_path / "flat.html").read_text(encoding="utf-8")
    status, stdout, err = run_cli(capsys, "report", source, "-o", "/nonexistent_dir/x.html")
    assert status == 2 and stdout == ""
    problem = "cannot write: the folder /nonexistent_dir does not exist"
    assert err == f"imuhinge report: error: /nonexistent_dir/x.html: {problem}\n"
