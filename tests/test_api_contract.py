"""The scheduler answers as its OpenAPI document (`/v1/openapi.json`) says: a
property-based run of schemathesis against the real scheduler, with a token
and a tansu broker running, finds no server error (5xx) and no answer the
document does not describe (its status, content type or body schema).

Every operation is exercised, restarting the broker and cancelling included:
a tansu broker restarts in seconds, and whatever the order the requests come
in (a restart running or not, the broker up or not) each answer is one the
document describes."""

import json
import re
import subprocess
import sys
import urllib.request

from devcluster import KMESOS, ONE_BROKER, SplitCluster

TOKEN = "contract-token"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
# Per operation and phase: the run takes under a minute on two cores.
MAX_EXAMPLES = 50

# Values that exist, drawn half the time instead of generated ones, so the
# run reaches the handlers' work (a broker's log and restart, an apply's
# progress, a plan made against the current state) and not only their 404s.
SCHEMATHESIS_CONFIG = '''
[dictionaries]
clusters = {{ values = ["solo"] }}
brokers = {{ values = [0] }}
applies = {{ values = ["{apply_id}"] }}
lineages = {{ values = ["{lineage}"] }}
serials = {{ values = [{serial}] }}

[parameters]
"path.cluster" = {{ dictionary = "clusters", probability = 0.5 }}
"path.id" = {{ dictionary = "brokers", probability = 0.5 }}
"body.plan.lineage" = {{ dictionary = "lineages", probability = 0.5 }}
"body.plan.serial" = {{ dictionary = "serials", probability = 0.5 }}

[[operations]]
include-name = "GET /v1/applies/{{id}}/progress"
parameters = {{ "path.id" = {{ dictionary = "applies", probability = 0.5 }} }}
'''


def test_the_api_answers_as_its_openapi_document_says(tmp_path, monkeypatch):
    # The scheduler requires the token; the CLI sends it.
    monkeypatch.setenv("KMESOS_TOKEN", TOKEN)
    with SplitCluster(tmp_path, agents=1) as cluster:
        hcl = tmp_path / "solo.hcl"
        hcl.write_text(ONE_BROKER)
        applied = subprocess.run(
            [str(KMESOS), "apply", str(hcl), "--auto-approve", "--scheduler", cluster.url],
            cwd=tmp_path, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        )
        assert "Apply complete!" in applied.stdout, applied.stdout + applied.stderr
        apply_id = re.search(r"Apply (\S+) started", applied.stdout)[1]
        health = cluster.health()
        # Run from a copy, for schemathesis leaves out the operation serving
        # the document it ran from.
        with urllib.request.urlopen(f"{cluster.url}/v1/openapi.json", timeout=30) as r:
            document = json.load(r)
        schema = tmp_path / "openapi.json"
        schema.write_text(json.dumps(document))
        config = tmp_path / "schemathesis.toml"
        config.write_text(SCHEMATHESIS_CONFIG.format(
            apply_id=apply_id, lineage=health["lineage"], serial=health["serial"],
        ))

        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli", "--no-color",
                "--config-file", str(config),
                "run", str(schema), "--url", cluster.url,
                "--header", f"Authorization: Bearer {TOKEN}",
                "--checks", ",".join(CHECKS),
                "--max-examples", str(MAX_EXAMPLES),
                # One worker: workers are threads, and generating from this
                # document in two at once on Python 3.11 now and then fails
                # inside the generator ("SystemError: AST constructor
                # recursion depth mismatch"), not in the scheduler.
                "--workers", "1",
                "--request-timeout", "60",
                "--generation-database", "none",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
        )
        assert run.returncode == 0, f"{run.stdout[-30000:]}\n{run.stderr[-5000:]}"
        operations = sum(len(methods) for methods in document["paths"].values())
        assert f"Tested: {operations}\n" in run.stdout, run.stdout
        cluster.scheduler.alive()
