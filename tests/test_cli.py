"""The newssift command as a user runs it: one article, JSONL streams, and every bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import COMMENT_WORDS, ROOT, SHIPPED, STORY_WITH_COMMENTS

from newssift.cli import cli

EXAMPLE = ROOT / "examples" / "article.txt"


@pytest.fixture
def run(tiny_model_dir):
    def run(*args, input=None):
        return CliRunner().invoke(cli, ["classify", "--model", str(tiny_model_dir), *args],
                                  input=input)
    return run


def test_json_output_has_article_and_every_segment(run):
    result = run("--format", "json", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"article", "segments", "model"}
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(out["segments"]) == len([line for line in text.splitlines() if line.strip()])
    first = out["segments"][0]
    assert set(first) == {"index", "start", "end", "text", "role", "role_score", "topic", "topic_score",
                          "correction"}
    assert first["correction"] is None  # no correction memory given: the model's own labels
    assert text[first["start"]:first["end"]] == first["text"]


def test_listing_names_roles_and_topics(run):
    result = run("--format", "text", str(EXAMPLE))
    assert result.exit_code == 0
    assert "main" in result.output and "teaser" in result.output


def test_stdin_and_empty_input_give_an_empty_result(run):
    result = run("--format", "json", "-", input="")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["segments"] == [] and out["article"]["topic"] is None


def test_jsonl_keeps_ids_and_reports_bad_lines_by_number(run):
    lines = [json.dumps({"id": "a", "text": "A story.\nAnother line."}), "{not json",
             json.dumps({"id": 7}), json.dumps({"id": "b", "text": ""}), "[1, 2]"]
    result = run("--input-format", "jsonl", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", None, 7, "b", None]
    assert records[0]["segments"] and records[3]["segments"] == []
    assert records[1]["error"]["line"] == 2 and "malformed JSON" in records[1]["error"]["message"]
    assert "missing 'text'" in records[2]["error"]["message"]
    assert "3 line(s)" in result.stderr


def test_jsonl_from_file(run, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"Line {i} of a story."}) + "\n"
                            for i in range(130)))
    result = run("--input-format", "jsonl", "--batch-size", "16", str(path))
    assert result.exit_code == 0
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == list(range(130))


@pytest.mark.parametrize("content, message", [
    (b"caf\xe9 au lait", "not valid UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary data"),
])
def test_undecodable_input_is_one_line_and_non_zero(run, tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code != 0
    assert result.stderr.startswith("newssift: ") and message in result.stderr
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1


def test_missing_file_and_directory(run, tmp_path):
    for target, message in [(tmp_path / "nope.txt", "no such file"), (tmp_path, "is a directory")]:
        result = run(str(target))
        assert result.exit_code != 0 and message in result.stderr


def test_bad_model_path_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["classify", "--model", str(tmp_path / "none"), str(EXAMPLE)])
    assert result.exit_code != 0
    assert result.stderr.startswith("newssift: ") and "no such model directory" in result.stderr


def test_utf8_bom_is_accepted(run, tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffA headline\nA paragraph of the story.".encode())
    result = run("--format", "json", str(path))
    assert result.exit_code == 0
    assert json.loads(result.output)["segments"][0]["text"] == "A headline"


def test_train_rejects_unknown_config_keys(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[heads]\nmain_alhpa = 1\n")
    result = CliRunner().invoke(cli, ["train", "--config", str(cfg), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "unknown setting(s) main_alhpa" in result.stderr
    assert not (tmp_path / "m").exists()


def test_jsonl_lone_surrogate_is_an_error_record_not_a_crash(run):
    lines = ['{"id": 1, "text": "bad \\ud800 text"}', json.dumps({"id": 2, "text": "Fine line."})]
    result = run("--input-format", "jsonl", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert "error" in records[0] and records[1]["segments"]


def test_train_refuses_to_replace_a_directory_that_is_not_a_model(tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    result = CliRunner().invoke(cli, ["train", "--config", "training/configs/tiny.toml",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0 and "not a model directory" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_main_threshold_moves_the_line_between_main_and_the_rest(run):
    mains = []
    for t in ("0.1", "0.5", "0.9"):
        result = run("--format", "json", "--main-threshold", t, str(EXAMPLE))
        assert result.exit_code == 0, result.output
        mains.append(json.loads(result.output)["article"]["n_main"])
    assert mains[0] >= mains[1] >= mains[2] and mains[0] > mains[2]


def test_an_unusable_main_threshold_is_one_line(run):
    result = run("--main-threshold", "2", str(EXAMPLE))
    assert result.exit_code == 2 and result.output.startswith("newssift: main threshold")


@pytest.mark.parametrize("flags, kept", [((), False), (("--keep-comments",), True)])
def test_comments_are_dropped_unless_asked_for(shipped_model, flags, kept):
    result = CliRunner().invoke(cli, ["classify", "--model", str(SHIPPED), "--format", "json", *flags, "-"],
                                input=STORY_WITH_COMMENTS)
    assert result.exit_code == 0, result.output
    assert (COMMENT_WORDS in json.loads(result.output)["article"]["text"]) == kept


def test_recording_needs_the_leave_one_dataset_out_run(tiny_model_dir):
    manifest = (tiny_model_dir / "manifest.json").read_bytes()
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(tiny_model_dir), "--no-lodo", "--record"])
    assert result.exit_code == 2
    assert result.output.startswith("newssift: --record stores a full evaluation")
    assert (tiny_model_dir / "manifest.json").read_bytes() == manifest


def _corrections_file(tmp_path, text, labels, site=None):
    rec = {"text": text, "labels": labels, **({"site": site} if site else {})}
    path = tmp_path / "corrections.jsonl"
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return path


def test_classify_applies_a_corrections_file(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    corrections = _corrections_file(tmp_path, text, [{"id": 1, "index": 0, "role": "boilerplate"}])
    plain = json.loads(CliRunner().invoke(cli, ["classify", "--format", "json", str(EXAMPLE)]).output)
    result = CliRunner().invoke(cli, ["classify", "--format", "json", "--corrections", str(corrections),
                                      str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)["segments"][0]
    assert first["role"] == "boilerplate" and first["correction"] == {"id": 1, "match": "document"}
    assert plain["segments"][0]["role"] == "main" and plain["segments"][0]["correction"] is None


def test_classify_jsonl_matches_site_scoped_corrections_by_each_records_site(tmp_path):
    line = "Subscribe to the Ledger for the full story"
    corrections = _corrections_file(tmp_path, f"Some story text here.\n{line}\n",
                                    [{"index": 1, "role": "boilerplate"}], site="ledger.example")
    rows = [{"id": "a", "text": f"Another story.\n{line}", "site": "ledger.example"},
            {"id": "b", "text": f"Another story.\n{line}", "site": "elsewhere.example"}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--input-format", "jsonl", "--corrections",
                                      str(corrections), str(src)])
    assert result.exit_code == 0, result.output
    a, b = [json.loads(x) for x in result.output.splitlines()]
    assert a["segments"][1]["correction"] == {"id": None, "match": "line"}
    assert b["segments"][1]["correction"] is None


@pytest.mark.parametrize("content, message", [
    (None, "no such corrections file"),
    ("{not json\n", "line 1: malformed JSON"),
    ('{"text": "a", "labels": [{"index": 5, "role": "main"}]}\n', "line 1: block index 5"),
])
def test_a_bad_corrections_file_is_one_clear_line(tmp_path, content, message):
    path = tmp_path / "c.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--corrections", str(path), str(EXAMPLE)])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output
