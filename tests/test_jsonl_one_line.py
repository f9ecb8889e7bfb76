"""Every JSONL newssift writes keeps one record on one line for readers that split lines the
Python way (``str.splitlines`` also breaks at U+0085, U+2028 and U+2029, which JSON may
carry raw): clean's output and error report, and classify's stream, escape them."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner

from newssift.classifier.records import one_line
from newssift.cli import cli as newssift

SEPARATORS = "\x85\u2028\u2029"
TEXT = f"A story told in one line{SEPARATORS[0]}and a second\u2028and a third\u2029Read more"


def test_one_line_escapes_only_line_separators():
    encoded = one_line(json.dumps({"t": f"a{SEPARATORS}b é\n"}, ensure_ascii=False))
    assert len(encoded.splitlines()) == 1 and "é" in encoded
    assert json.loads(encoded) == {"t": f"a{SEPARATORS}b é\n"}


def _lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_clean_output_and_error_report_are_a_record_a_line(tmp_path, tiny_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": f"id{SEPARATORS}", "text": TEXT}, ensure_ascii=False) + "\n"
                   + json.dumps({"id": f"bad{SEPARATORS}", "text": 5}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(newssift, ["clean", "--model", str(tiny_model_dir), "--workers", "1",
                                           str(src), "-o", str(out), "--segments"])
    assert result.exit_code == 1, result.output
    (record,) = [json.loads(line) for line in _lines(out)]
    assert record["id"] == f"id{SEPARATORS}"
    (error,) = [json.loads(line) for line in _lines(tmp_path / "out.errors.jsonl")]
    assert error["id"] == f"bad{SEPARATORS}"


def test_classify_jsonl_is_a_record_a_line(tiny_model_dir):
    stdin = json.dumps({"id": f"x{SEPARATORS}", "text": TEXT}, ensure_ascii=False) + "\n"
    result = CliRunner().invoke(newssift, ["classify", "--model", str(tiny_model_dir), "--input-format",
                                           "jsonl", "-"], input=stdin)
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in io.StringIO(result.output).read().splitlines()]
    assert record["id"] == f"x{SEPARATORS}" and record["article"]["n_blocks"] == 4
