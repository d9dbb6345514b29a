"""Bounded work for every input (issue 23): strings that are not text, the
cost of a question, the admin's secret under guessing, rate limits."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.errors import InvalidQuestionError
from qa.query import normalise_question, parse_query
from ui.guard import UnsafeRequestError, decode_json, require_valid_text

POLICYQA = str(Path(sys.executable).parent / "policyqa")


# --- item 5: every string is valid text before it is processed ------------------


@pytest.mark.parametrize("bad", ["\ud800", "牵头单位\udfff是谁", "\udcff"])
def test_a_question_with_a_lone_surrogate_is_refused_in_one_line(bad):
    with pytest.raises(InvalidQuestionError, match="无法识别的字符"):
        normalise_question(bad)
    with pytest.raises(InvalidQuestionError, match="无法识别的字符"):
        parse_query(bad)


def test_lone_surrogates_anywhere_in_a_request_are_a_400():
    for raw in (b'{"question": "\\ud800"}', b'{"q\\udc00": 1}', b'{"data": [[["\\udbff"]]]}'):
        with pytest.raises(UnsafeRequestError, match="无法识别的字符") as refused:
            decode_json(raw, 8)
        assert refused.value.status == 400
    assert decode_json('{"question": "牵头单位是谁？😀 \\u00e9"}'.encode(), 8)["question"].endswith("😀 é")
    require_valid_text({"a": ["正常的文本", 5, None, {"b": "\U0001f600"}]})


def test_the_command_line_refuses_an_undecodable_argument_in_one_line(tmp_path):
    # An invalid UTF-8 byte in argv reaches Python as a lone surrogate (surrogateescape).
    result = subprocess.run(
        [os.fsencode(POLICYQA), b"ask", "牵头单位".encode() + b"\xff", b"--index-dir", os.fsencode(tmp_path / "none")],
        capture_output=True,
        timeout=120,
    )
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert "无法识别的字符" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
