"""The Dask engine on a LocalCluster of two worker processes gives the local engine's records."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

pytest.importorskip("distributed", reason='the Dask engine is optional: pip install "newssift[dask]"')
pytest.importorskip("dask.bag", reason='the Dask engine is optional: pip install "newssift[dask]"')

from distributed import Client, LocalCluster  # noqa: E402

from newssift.clean.cli import clean  # noqa: E402
from newssift.clean.dask_engine import part_path  # noqa: E402

ARTICLES = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]


@pytest.fixture(scope="module")
def cluster_address():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def sorted_by_id(lines: list[bytes]) -> list[bytes]:
    return sorted(lines, key=lambda line: json.loads(line)["id"])


def test_dask_parts_equal_the_local_output_byte_for_byte(tiny_model_dir, cluster_address, tmp_path):
    src = tmp_path / "corpus.jsonl"
    lines = [json.dumps({"id": f"d{i:03d}", "text": ARTICLES[i % 4] + f"\nStory {i}.\n"}) for i in range(60)]
    lines.insert(17, "{not json")
    src.write_text("\n".join(lines) + "\n")
    common = [str(src), "--model", str(tiny_model_dir), "--segments"]
    local = CliRunner().invoke(clean, [*common, "-o", str(tmp_path / "local.jsonl"), "--workers", "1"])
    assert local.exit_code == 1, local.output  # the bad line is skipped
    out = tmp_path / "dask"
    result = CliRunner().invoke(clean, [*common, "-o", str(out), "--engine", "dask",
                                        "--scheduler", cluster_address, "--partition-size", "16"])
    assert result.exit_code == 1, result.output
    parts = sorted(out.glob("part-*.jsonl"))
    assert [p.name for p in parts] == [f"part-{i:05d}.jsonl" for i in range(4)]
    dask_lines = [line for p in parts for line in p.read_bytes().splitlines()]
    assert sorted_by_id(dask_lines) == sorted_by_id((tmp_path / "local.jsonl").read_bytes().splitlines())
    summary, local_summary = (json.loads(p.read_text()) for p in (out / "_summary.json",
                                                                   tmp_path / "local.summary.json"))
    for key in ("documents", "blocks", "topics", "errors"):
        assert summary[key] == local_summary[key]
    errors = [json.loads(line) for line in (out / "_errors.jsonl").read_text().splitlines()]
    assert [(e["error"]["source"], e["error"]["line"]) for e in errors] == [(str(src), 18)]

    # A lost part is redone by --resume; the others are kept as they are.
    kept = part_path(out, 0).stat().st_mtime_ns
    part_path(out, 2).unlink()
    again = CliRunner().invoke(clean, [*common, "-o", str(out), "--engine", "dask", "--scheduler",
                                       cluster_address, "--partition-size", "16", "--resume"])
    assert again.exit_code == 1, again.output
    assert part_path(out, 0).stat().st_mtime_ns == kept
    assert [line for p in parts for line in p.read_bytes().splitlines()] == dask_lines
    resumed = json.loads((out / "_summary.json").read_text())["resumed_documents"]
    assert resumed == 16 + 15 + 13  # part 1 holds the bad line


def test_gzip_part_pattern_and_a_model_loaded_once_per_worker(tiny_model_dir, cluster_address, tmp_path):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": ARTICLES[i % 4]}) + "\n" for i in range(24)))
    pattern = tmp_path / "out" / "clean-*.jsonl.gz"
    result = CliRunner().invoke(clean, [str(src), "--model", str(tiny_model_dir), "-o", str(pattern),
                                        "--engine", "dask", "--scheduler", cluster_address,
                                        "--partition-size", "4"])
    assert result.exit_code == 0, result.output
    parts = sorted((tmp_path / "out").glob("clean-*.jsonl.gz"))
    assert len(parts) == 6
    with gzip.open(parts[5], "rt") as handle:
        assert [json.loads(line)["id"] for line in handle] == [20, 21, 22, 23]

    def models_loaded() -> int:
        from newssift.clean import work

        return len(work._MODELS)

    with Client(cluster_address) as client:
        loaded = list(client.run(models_loaded).values())
    # Once per worker that ran a task (Dask may give every task to one worker), never more.
    assert max(loaded) == 1 and all(n <= 1 for n in loaded)


def test_stdin_cannot_go_to_dask_workers(tiny_model_dir, tmp_path):
    result = CliRunner().invoke(clean, ["-", "-o", str(tmp_path / "out"), "--engine", "dask",
                                        "--model", str(tiny_model_dir)], input="{}\n")
    assert result.exit_code != 0 and "stdin cannot be read by Dask workers" in str(result.exception)


def test_strict_stops_the_dask_run_with_the_bad_lines_place(tiny_model_dir, cluster_address, tmp_path):
    src = tmp_path / "corpus.jsonl"
    src.write_text(json.dumps({"id": 1, "text": ARTICLES[0]}) + "\n{broken\n")
    result = CliRunner().invoke(clean, [str(src), "--model", str(tiny_model_dir), "-o", str(tmp_path / "out"),
                                        "--engine", "dask", "--scheduler", cluster_address, "--strict"])
    assert result.exit_code != 0
    assert f"{src}, line 2: malformed JSON" in str(result.exception)
    assert not list((tmp_path / "out").glob("part-*.jsonl"))


def test_main_threshold_reaches_dask_workers_and_pins_the_resume(tiny_model_dir, cluster_address, tmp_path):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i:02d}", "text": ARTICLES[i % 4]}) + "\n"
                           for i in range(12)))
    common = [str(src), "--model", str(tiny_model_dir), "--main-threshold", "0.9"]
    local = CliRunner().invoke(clean, [*common, "-o", str(tmp_path / "local.jsonl"), "--workers", "1"])
    assert local.exit_code == 0, local.output
    out = tmp_path / "dask"
    dask = [*common, "-o", str(out), "--engine", "dask", "--scheduler", cluster_address,
            "--partition-size", "4"]
    assert CliRunner().invoke(clean, dask).exit_code == 0
    lines = [line for p in sorted(out.glob("part-*.jsonl")) for line in p.read_bytes().splitlines()]
    assert sorted_by_id(lines) == sorted_by_id((tmp_path / "local.jsonl").read_bytes().splitlines())
    # Finishing the run with another threshold would mix two kinds of output.
    other = [a if a != "0.9" else "0.3" for a in dask]
    result = CliRunner().invoke(clean, [*other, "--resume"])
    assert result.exit_code != 0 and "options changed" in str(result.exception or result.output)


def test_a_plan_written_before_the_decision_options_still_resumes():
    from newssift.clean.dask_engine import _with_defaults

    old = {"options": {"text_field": "text", "segments": False}, "partitions": []}
    assert _with_defaults(old)["options"] == {"text_field": "text", "segments": False,
                                              "main_threshold": None, "keep_comments": False,
                                              "corrections": None, "html_field": None,
                                              "site_repeats": False}
