"""Every labels.toml key the code names is checked when the flows load: a missing one is a FlowError naming the
key (exit 2, one sentence, before any browser), never a KeyError in the middle of a run (no browser)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant import flows, paths
from assistant.flows import CODE_LABELS, FlowError
from tests.test_bad_input import DEAD_VIA, refused


def without_label(tmp_path: Path, key: str) -> Path:
    """A copy of flows/ whose labels.toml lacks the [labels.<key>] table."""
    folder = tmp_path / "flows"
    shutil.copytree(paths.flows_dir(), folder)
    path = folder / "labels.toml"
    text = path.read_text(encoding="utf-8")
    cut = re.sub(rf"(?ms)^\[labels\.{re.escape(key)}\]\n.*?(?=^\[|\Z)", "", text)
    assert cut != text, key
    path.write_text(cut, encoding="utf-8")
    return folder


@pytest.mark.parametrize("key", sorted({k for keys in CODE_LABELS.values() for k in keys}))
def test_a_label_the_code_names_missing_is_a_flow_error_naming_it(tmp_path, key):
    folder = without_label(tmp_path, key)
    with pytest.raises(FlowError, match=rf"label '{key}' is missing"):
        flows.load_labels(folder)
    with pytest.raises(FlowError, match=rf"'{key}'"):
        flows.validate_all(folder)


def test_the_command_refuses_a_flows_folder_lacking_a_label_in_one_sentence(optout, tmp_path):
    folder = without_label(tmp_path, "checkpoint")
    line = refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless",
                          env={"OPTOUT_FLOWS_DIR": str(folder)}), tmp_path, str(folder / "labels.toml"))
    assert "'checkpoint'" in line


def test_the_shipped_labels_have_every_key_the_code_names():
    labels = flows.load_labels()
    assert {k for keys in CODE_LABELS.values() for k in keys} <= set(labels.labels)


def test_every_label_the_guide_names_is_checked_at_load():
    from assistant.guide import ALTERNATIVES

    assert {a.label for a in ALTERNATIVES.values() if a.label} <= set(CODE_LABELS["guide.py"])
