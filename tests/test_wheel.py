"""The wheel (issue 13): build it from the checkout, check what it holds, install it with the
``[service]`` extra into a fresh venv and use it from outside the checkout.

One module-scoped fixture builds the wheel, creates the venv and installs into it, once; the
tests then look at the wheel's file list and run the installed commands with the current
directory in a temporary folder and no PYTHONPATH, so nothing can come from the checkout.

The wheel is built from a copy of the checkout's files (tracked, plus new ones not ignored):
an in-tree build would write ``build/`` and ``*.egg-info`` into the working tree, and
setuptools packs whatever an earlier build left in ``build/lib`` (a deleted module would
still ship), which would hide the very defects this test is for.

The only skip: pip cannot reach a package index (told apart from other failures by pip's own
connection errors).  Every other failure fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("classifier", "training", "service", "clean", "models")
COMMANDS = ("classify", "clean", "serve", "train", "evaluate")
SHIPPED_MODEL = ("model.json", "weights.npz", "manifest.json")
PICKLES = (".joblib", ".pkl", ".pickle")
# Not part of a fresh clone, or rebuilt by the build: never copied into the build tree.
SKIP_COPY = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache",
             ".hypothesis", "runs"}
# Environment that would let the checkout (or another install) leak into the fresh venv.
LEAKY_ENV = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONSAFEPATH",
             "PYTHONNOUSERSITE", "VIRTUAL_ENV", "CONDA_PREFIX", "__PYVENV_LAUNCHER__"}
PIP_QUIET = ("--disable-pip-version-check", "--no-input", "--progress-bar", "off")

BUILD_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 180
READY_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20  # gunicorn's graceful timeout is 10 s

# pip says these when it cannot talk to an index (DNS, refused, proxy, TLS, timeouts) ...
_NO_NETWORK = re.compile(
    r"NewConnectionError|NameResolutionError|Failed to establish a new connection|Failed to resolve"
    r"|Temporary failure in name resolution"
    r"|Name or service not known|nodename nor servname|Network is unreachable|No route to host"
    r"|Connection refused|ConnectTimeoutError|ProxyError|Tunnel connection failed|Could not fetch URL"
    r"|SSLError|CERTIFICATE_VERIFY_FAILED|Read timed out|Max retries exceeded", re.IGNORECASE)
# ... and then this, for the requirement it could not get.
_NOT_FOUND = re.compile(r"No matching distribution found|Could not find a version that satisfies")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    names: tuple[str, ...]      # the wheel's file list
    source: Path                # the copy of the checkout it was built from
    venv: Path
    python: Path
    bin: Path
    env: dict                   # for commands run in the venv
    work: Path                  # a folder outside the checkout, the cwd of every command


def clean_env(venv: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in LEAKY_ENV and not k.startswith("NEWSSIFT_")}
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])
    return env


def run(cmd: list, *, cwd: Path, env: dict, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    cmd = " ".join(proc.args)
    cmd = cmd if len(cmd) < 300 else cmd[:300] + " ..."
    assert proc.returncode == 0, (f"{cmd} exited {proc.returncode}\n"
                                  f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def pip_step(cmd: list, *, what: str, cwd: Path, env: dict, timeout: float) -> None:
    """Run a pip command; skip only when it failed because no index could be reached."""
    proc = run(cmd, cwd=cwd, env=env, timeout=timeout)
    if proc.returncode != 0:
        out = proc.stdout + proc.stderr
        if _NO_NETWORK.search(out) and _NOT_FOUND.search(out):
            network = next(line for line in out.splitlines() if _NO_NETWORK.search(line)).strip()
            missing = [line for line in out.splitlines() if _NOT_FOUND.search(line)][-1].strip()
            pytest.skip(f"pip cannot reach a package index ({what}): {missing} [{network[:200]}]")
    ok(proc)


def checkout_files() -> list[Path]:
    """The files a fresh clone would have, plus new files not yet added (not the ignored ones)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        listed = None
    if listed is not None:
        files = [Path(p) for p in listed.decode("utf-8", "surrogateescape").split("\0") if p]
    else:  # not a git checkout (an unpacked source archive): everything but the build clutter
        files = [p.relative_to(ROOT) for p in ROOT.rglob("*") if p.is_file()]
    return [p for p in files
            if (ROOT / p).is_file() and not SKIP_COPY.intersection(p.parts)
            and not any(part.endswith(".egg-info") for part in p.parts)]


def copy_checkout(dest: Path) -> Path:
    for rel in checkout_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return dest


def project_version() -> str:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def shipped_manifest(inst: Installed) -> dict:
    return json.loads((inst.source / "models" / "default" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    work = base / "work"
    work.mkdir()
    assert ROOT not in work.resolve().parents, f"the temporary folder {work} is inside the checkout"
    source = copy_checkout(base / "src")
    build_env = clean_env()

    # 1. the wheel
    dist = base / "dist"
    pip_step([sys.executable, "-m", "pip", "wheel", *PIP_QUIET, "--no-deps", "-w", dist, source],
             what="building the wheel (its build requirements)", cwd=work, env=build_env,
             timeout=BUILD_TIMEOUT_S)
    wheels = sorted(dist.glob("newssift-*.whl"))
    assert len(wheels) == 1, f"expected one newssift wheel in {dist}, found {[w.name for w in wheels]}"
    with zipfile.ZipFile(wheels[0]) as zf:
        names = tuple(zf.namelist())

    # 2. a fresh venv with an up-to-date pip, and the wheel with its [service] extra
    venv = base / "venv"
    ok(run([sys.executable, "-m", "venv", venv], cwd=work, env=build_env, timeout=RUN_TIMEOUT_S))
    python = venv / "bin" / "python"
    env = clean_env(venv)
    pip_step([python, "-m", "pip", "install", *PIP_QUIET, "--upgrade", "pip"],
             what="upgrading pip in the fresh venv", cwd=work, env=env, timeout=INSTALL_TIMEOUT_S)
    # --no-compile: no .pyc for numpy/scipy/scikit-learn up front (a few seconds saved)
    pip_step([python, "-m", "pip", "install", *PIP_QUIET, "--no-compile", f"{wheels[0]}[service]"],
             what="installing the wheel with [service]", cwd=work, env=env, timeout=INSTALL_TIMEOUT_S)
    return Installed(wheels[0], names, source, venv, python, venv / "bin", env, work)


# --- what the wheel holds --------------------------------------------------------------------

def dist_info(inst: Installed) -> str:
    return f"newssift-{project_version()}.dist-info/"


def test_wheel_is_named_for_the_project_version(installed):
    assert installed.wheel.name.startswith(f"newssift-{project_version()}-")
    assert installed.wheel.name.endswith("-py3-none-any.whl"), "the wheel should be pure Python"


def test_wheel_has_one_top_level_name(installed):
    info = dist_info(installed)
    stray = [n for n in installed.names if not (n.startswith("newssift/") or n.startswith(info))]
    assert not stray, f"files outside newssift/ and {info}: {stray[:20]}"
    with zipfile.ZipFile(installed.wheel) as zf:
        if f"{info}top_level.txt" in installed.names:
            assert zf.read(f"{info}top_level.txt").decode().split() == ["newssift"]
        entry_points = zf.read(f"{info}entry_points.txt").decode()
    assert re.search(r"^newssift\s*=\s*newssift\.cli:main\s*$", entry_points, re.M), entry_points


def test_wheel_has_every_module_of_every_part(installed):
    """Each .py of the checkout's parts is in the wheel: a subpackage missing from
    [tool.setuptools] packages would be missing here (and fail only when imported)."""
    names = set(installed.names)
    for rel in ("__init__.py", "__main__.py", "cli.py", "py.typed"):
        assert f"newssift/{rel}" in names, f"newssift/{rel} is not in the wheel"
    missing = []
    for part in PARTS:
        for path in sorted((installed.source / part).rglob("*.py")):
            rel = path.relative_to(installed.source).as_posix()
            if f"newssift/{rel}" not in names:
                missing.append(rel)
    assert not missing, f"modules not in the wheel: {missing}"


def test_wheel_ships_the_model_configs_and_gold_documents(installed):
    names = set(installed.names)
    src = installed.source
    for name in SHIPPED_MODEL:
        assert f"newssift/models/default/{name}" in names, f"the shipped model's {name} is not in the wheel"
    wanted = [p for p in (src / "models" / "default").iterdir() if p.is_file()]
    wanted += sorted((src / "training" / "configs").glob("*.toml"))
    wanted += sorted((src / "training" / "data").glob("*.jsonl"))
    wanted += sorted((src / "training" / "gold").glob("*.txt"))
    wanted += sorted((src / "training" / "gold").glob("*.labels.jsonl"))
    assert (src / "training" / "configs" / "tiny.toml") in wanted
    assert len(list((src / "training" / "gold").glob("*.txt"))) >= 1
    with zipfile.ZipFile(installed.wheel) as zf:
        for path in wanted:
            arc = "newssift/" + path.relative_to(src).as_posix()
            assert arc in names, f"{arc} is not in the wheel"
            assert zf.read(arc) == path.read_bytes(), f"{arc} differs from the checkout's copy"


def test_wheel_has_no_pickles_tests_or_benchmarks(installed):
    bad = [n for n in installed.names
           if n.lower().endswith(PICKLES) or n.endswith(".pyc") or "__pycache__/" in n
           or {"tests", "benchmarks"}.intersection(n.split("/")[:-1])]
    assert not bad, f"the wheel should not hold these: {bad}"


def test_wheel_metadata_declares_the_extras(installed):
    with zipfile.ZipFile(installed.wheel) as zf:
        meta = zf.read(f"{dist_info(installed)}METADATA").decode()
    assert re.search(rf"^Version: {re.escape(project_version())}$", meta, re.M)
    extras = set(re.findall(r"^Provides-Extra: (\S+)$", meta, re.M))
    assert {"service", "dask"} <= extras, extras
    for dep in ("flask", "gunicorn", "pydantic"):
        assert re.search(rf"^Requires-Dist: {dep}\b.*extra == \"service\"", meta, re.M | re.I), \
            f"{dep} is not a [service] requirement"


# --- the installed package, used from outside the checkout ---------------------------------

PROBE = r"""
import importlib, importlib.util, json, sys, sysconfig
mods = ["newssift", "newssift.cli", "newssift.classifier.model", "newssift.classifier.persist",
        "newssift.classifier.resources", "newssift.training.train", "newssift.training.config",
        "newssift.service.app", "newssift.service.routes.segment", "newssift.clean.pipeline",
        "newssift.models"]
files = {m: importlib.import_module(m).__file__ for m in mods}
from newssift.classifier import resources
print(json.dumps({
    "files": files,
    "model_dir": str(resources.packaged("models/default")),
    "tiny_config": str(resources.resolve("training/configs/tiny.toml")),
    "checkout_root": None if resources.checkout_root() is None else str(resources.checkout_root()),
    "purelib": sysconfig.get_paths()["purelib"],
    "prefix": sys.prefix,
    "path": sys.path,
    "other_top_level": {n: importlib.util.find_spec(n) is not None for n in
                        ("classifier", "training", "service", "clean", "models")},
}))
"""


def inside(path: str | Path, root: str | Path) -> bool:
    path, root = Path(path).resolve(), Path(root).resolve()
    return path == root or root in path.parents


def test_imports_resolve_inside_the_venv(installed):
    out = json.loads(ok(run([installed.python, "-c", PROBE], cwd=installed.work, env=installed.env)).stdout)
    assert inside(out["prefix"], installed.venv), out["prefix"]
    purelib = out["purelib"]
    assert inside(purelib, installed.venv)
    for mod, file in out["files"].items():
        assert inside(file, purelib), f"{mod} imported from {file}, not from {purelib}"
        assert not inside(file, ROOT), f"{mod} imported from the checkout: {file}"
    assert inside(out["model_dir"], purelib) and Path(out["model_dir"], "model.json").is_file()
    assert inside(out["tiny_config"], purelib) and Path(out["tiny_config"]).is_file()
    assert out["checkout_root"] is None, "an installed wheel should not think it runs from a checkout"
    leaked = [p for p in out["path"] if p and inside(p, ROOT)]
    assert not leaked, f"the checkout is on sys.path: {leaked}"
    assert not any(out["other_top_level"].values()), \
        f"parts importable under their folder names: {out['other_top_level']}"


def test_version(installed):
    proc = ok(run([installed.bin / "newssift", "--version"], cwd=installed.work, env=installed.env))
    assert proc.stdout.strip() == f"newssift, version {project_version()}", proc.stdout


def test_python_m_newssift_help_lists_the_commands(installed):
    proc = ok(run([installed.python, "-m", "newssift", "--help"], cwd=installed.work, env=installed.env))
    assert proc.stdout.startswith("Usage: newssift "), proc.stdout
    listed = re.findall(r"^  (\S+)", proc.stdout.split("Commands:", 1)[-1], re.M)
    assert set(COMMANDS) <= set(listed), f"--help lists {listed}"


def test_classify_the_example_article(installed):
    article = installed.work / "article.txt"
    shutil.copyfile(ROOT / "examples" / "article.txt", article)
    proc = ok(run([installed.bin / "newssift", "classify", article.name], cwd=installed.work,
                  env=installed.env))
    result = json.loads(proc.stdout)  # stdout is a pipe: JSON
    manifest = shipped_manifest(installed)
    assert result["model"] == manifest["version"]
    assert result["article"]["n_main"] > 0 and result["article"]["text"].strip()
    assert [s for s in result["segments"] if s["role"] == "main"]
    labels = [json.loads(line) for line in
              (ROOT / "examples" / "article.labels.jsonl").read_text(encoding="utf-8").splitlines() if line]
    expected = {lab["topic"] for lab in labels if lab.get("role") == "main" and lab.get("topic")}
    assert result["article"]["topic"] in manifest["topics"]
    assert result["article"]["topic"] in expected, (result["article"]["topic"], expected)


def test_train_tiny_config_from_the_package(installed):
    out = installed.work / "m"
    ok(run([installed.bin / "newssift", "train", "--config", "training/configs/tiny.toml", "--out", out,
            "--no-evaluate"], cwd=installed.work, env=installed.env, timeout=600))
    for name in SHIPPED_MODEL:
        assert (out / name).is_file(), f"newssift train wrote no {name}"
    # the model it wrote labels text with the installed package
    article = installed.work / "train-check.txt"
    shutil.copyfile(ROOT / "examples" / "article.txt", article)
    proc = ok(run([installed.bin / "newssift", "classify", "--model", out, article], cwd=installed.work,
                  env=installed.env))
    assert json.loads(proc.stdout)["segments"]


def test_adapt_the_shipped_model_by_its_readme_name_to_a_corrected_page(installed):
    """`newssift train --base models/default --labels ...` as the README writes it, from a folder
    that is no checkout: the shipped model is found in the package, and a labels record may
    give a web page (`{"html", "labels"}`)."""
    page = ("<!DOCTYPE html><html><body><article><h1>Ferry timetable approved</h1><p>The harbour "
            "council approved the new ferry timetable on Tuesday.</p><div class='promo-box'><p>Readers "
            "who join our supporters' circle receive a printed almanac.</p></div></article></body></html>")
    labels = installed.work / "page-fixes.jsonl"
    labels.write_text(json.dumps({"html": page, "site": "harbour.example", "labels": [
        {"index": 2, "role": "boilerplate"}, {"index": 1, "role": "main"}]}) + "\n", encoding="utf-8")
    assert not (installed.work / "models" / "default").exists()
    ok(run([installed.bin / "newssift", "train", "--base", "models/default", "--labels", labels.name,
            "--out", "adapted-page"], cwd=installed.work, env=installed.env, timeout=300))
    (installed.work / "page.html").write_text(page, encoding="utf-8")
    proc = ok(run([installed.bin / "newssift", "classify", "--input-format", "html", "--format", "json",
                   "--model", "adapted-page", "--site", "harbour.example", "page.html"],
                  cwd=installed.work, env=installed.env))
    roles = [s["role"] for s in json.loads(proc.stdout)["segments"]]
    assert roles[1:] == ["main", "boilerplate"]
    proc = ok(run([installed.bin / "newssift", "classify", "--model", "models/default", "page.html",
                   "--input-format", "html"], cwd=installed.work, env=installed.env))
    assert json.loads(proc.stdout)["model"] == shipped_manifest(installed)["version"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# No proxy, whatever the environment says: the server is on 127.0.0.1.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method: str, url: str, body: bytes | None = None, ctype: str | None = None, timeout: float = 30,
         headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={**({"Content-Type": ctype} if ctype else {}), **(headers or {})})
    try:
        with _LOCAL.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, then SIGKILL whatever is left of it."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pass
    try:  # the master is gone or hung: make sure no worker outlives it
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(STOP_TIMEOUT_S)


@contextmanager
def serving(installed: Installed, data_dir: Path, **env: str) -> Iterator[str]:
    """``newssift serve`` from the venv, one worker on a free port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir.parent / f"serve-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(installed.bin / "newssift"), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--data-dir", str(data_dir)],
            cwd=installed.work, env={**installed.env, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while True:
                assert proc.poll() is None, f"newssift serve exited {proc.returncode}:\n{logged(log_path)}"
                try:
                    status, _, _ = http("GET", f"{base}/readyz", timeout=5)
                    if status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"not ready in {READY_TIMEOUT_S} s:\n{logged(log_path)}"
                time.sleep(0.2)
            yield base
        finally:
            stop(proc)
    assert proc.poll() is not None


def logged(log_path: Path) -> str:
    return log_path.read_text(encoding="utf-8", errors="replace")[-4000:]


def test_serve_boots_and_segments_text(installed):
    with serving(installed, installed.work / "serve-data") as base:
        text = (ROOT / "examples" / "article.txt").read_bytes()
        status, ctype, raw = http("POST", f"{base}/v1/segment", text, "text/plain; charset=utf-8")
        assert status == 200, f"{status}: {raw[:1000]!r}"
        assert ctype.startswith("application/json"), ctype
        body = json.loads(raw)
        assert body["model"] == shipped_manifest(installed)["version"]
        assert [s for s in body["segments"] if s["role"] == "main"]
        assert body["article"]["topic"]


RETRAIN_TIMEOUT_S = 180
WHEEL_TOKEN = "wheel-test-token"


def test_serve_retrains_from_labels_with_no_data_folder(installed):
    """Issue 21: the installed service, one label stored over HTTP, an adapt retrain: no
    ../shared beside the work folder and NEWSSIFT_DATA unset, so the gate checks the packaged
    gold documents and says what it could not check, instead of failing the job."""
    assert not (installed.work.parent / "shared").exists() and "NEWSSIFT_DATA" not in installed.env
    auth = {"Authorization": f"Bearer {WHEEL_TOKEN}"}
    with serving(installed, installed.work / "retrain-data", NEWSSIFT_API_TOKEN=WHEEL_TOKEN) as base:
        text = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
        label = json.dumps({"text": text, "labels": [{"index": 13, "role": "boilerplate"}]}).encode()
        status, _, raw = http("POST", f"{base}/v1/labels", label, "application/json", headers=auth)
        assert status == 201, raw
        status, _, raw = http("POST", f"{base}/v1/retrain", b"{}", "application/json", headers=auth)
        assert status == 202, raw
        job_id = json.loads(raw)["id"]
        deadline = time.monotonic() + RETRAIN_TIMEOUT_S
        while True:
            job = json.loads(http("GET", f"{base}/v1/retrain/{job_id}", headers=auth)[2])
            if job["status"] != "running":
                break
            assert time.monotonic() < deadline, f"retrain still running: {job}"
            time.sleep(0.5)
        assert job["status"] in ("promoted", "rejected"), job
        assert "not checked: held-out data (no training data found)" in job["reason"], job["reason"]
        assert "gold_role_accuracy" in job["evaluation"]["compared"], job["evaluation"]
        listed = json.loads(http("GET", f"{base}/v1/models")[2])["models"]
        assert job["version"] in [m["version"] for m in listed]
