"""dbt docs as a user sees them: `dbt docs generate` on a built DuckDB warehouse, target/ served over HTTP the way
`dbt docs serve` does, the site opened in headless Chromium.

Chromium runs with ``--dump-dom``: it cannot be scripted from here, so the test serves one extra page beside the
site, ``/__check.html``, which opens the site in a same-origin iframe, waits for the model page of rfm_segments and
then for the full lineage graph, and copies what they show (the page's text, the graph's node ids from dbt docs'
own cytoscape instance, ``window.graph``) into its own DOM. The site's files are served unchanged.
"""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from browser import load_in_chromium, needs_chromium
from conftest import PROJECT_ROOT, run_dbt

pytestmark = pytest.mark.slow

MODEL_ID = "model.customer_intel.rfm_segments"
CHECK_PAGE = """<!doctype html>
<html><body>
<pre id="status">running</pre><pre id="model"></pre><pre id="graph"></pre>
<iframe id="docs" src="/index.html#!/model/%(model)s" width="1400" height="900"></iframe>
<script>
const frame = document.getElementById("docs");
const show = (id, text) => { document.getElementById(id).textContent = text; };
function until(test, then, tries) {
  let value = null;
  try { value = test(); } catch (e) { value = null; }
  if (value) { then(value); return; }
  if (tries <= 0) { show("status", "timeout"); return; }
  setTimeout(() => until(test, then, tries - 1), 100);
}
until(() => {  // the model page is drawn once its columns table has cells
  const doc = frame.contentDocument;
  return doc.querySelectorAll("table td").length > 0 && doc.body.innerText;
}, text => {
  show("model", text);
  frame.contentWindow.location.hash = "#!/overview?g_v=1";
  until(() => {
    const graph = frame.contentWindow.graph;
    const ids = graph ? graph.nodes().map(node => node.id()) : [];
    return ids.some(id => id.startsWith("exposure.")) && ids.join("\\n");
  }, ids => { show("graph", ids); show("status", "done"); }, 100);
}, 100);
</script>
</body></html>
"""


class DocsHandler(http.server.SimpleHTTPRequestHandler):
    """`dbt docs serve`'s server (a SimpleHTTPRequestHandler on target/), plus the check page."""

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/__check.html":
            body = (CHECK_PAGE % {"model": MODEL_ID}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(DocsHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def docs_site(built_warehouses, tmp_path_factory) -> Path:
    """target/ of `dbt docs generate` on the built DuckDB warehouse (tie_aware scheme)."""
    _, env = built_warehouses["duckdb", "tie_aware"]
    workdir = tmp_path_factory.mktemp("dbt_docs")
    proc = run_dbt(env, "docs", "generate", workdir=workdir)
    assert proc.returncode == 0, proc.stdout[-3000:]
    site = workdir / "target"
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (site / name).is_file(), name
    return site


def browse(site: Path, profile: Path) -> tuple[list[str], dict[str, str]]:
    """Console lines, and the check page's fields (status, model page text, graph node ids)."""
    server = serve(site)
    try:
        # The site draws in a few seconds; a broken one may never settle: Chromium is stopped after 60 s.
        console, dom = load_in_chromium(f"http://127.0.0.1:{server.server_address[1]}/__check.html", profile,
                                        budget_ms=30000, timeout_s=60)
    finally:
        server.shutdown()
        server.server_close()
    fields = {}
    for name in ("status", "model", "graph"):
        match = re.search(rf'<pre id="{name}">(.*?)</pre>', dom, re.S)
        fields[name] = match.group(1) if match else ""
    return console, fields


# What the page must show, read from the project's files (not from dbt's output).

def _yaml(path: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))


def rfm_segments_spec() -> tuple[str, list[str]]:
    """The first paragraph of rfm_segments' docs block (plain text), and its documented columns."""
    model = next(m for m in _yaml("models/marts/marketing/rfm_segments.yml")["models"]
                 if m["name"] == "rfm_segments")
    docs = (PROJECT_ROOT / "models/marts/marketing/_marketing__docs.md").read_text(encoding="utf-8")
    block = re.search(r"{%\s*docs rfm_segments\s*%}(.*?){%\s*enddocs\s*%}", docs, re.S).group(1)
    first_paragraph = " ".join(block.strip().split("\n\n")[0].split())
    return first_paragraph, [column["name"] for column in model["columns"]]


def expected_graph_nodes() -> set[str]:
    marts = {f"model.customer_intel.{path.stem}" for path in (PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
    exposures = {f"exposure.customer_intel.{e['name']}"
                 for e in _yaml("models/marts/marketing/_marketing__exposures.yml")["exposures"]}
    return marts | exposures


def docs_problems(site: Path, profile: Path) -> list[str]:
    """Everything wrong with the docs site in the browser; [] when it is fine."""
    console, fields = browse(site, profile)
    problems = [f"console: {line}" for line in console]
    if fields["status"] != "done":
        problems.append(f"check page status: {fields['status'] or 'missing'}")
    description, columns = rfm_segments_spec()
    text = " ".join(fields["model"].split())
    if " ".join(description.split()) not in text:
        problems.append(f"model page lacks the description {description!r}")
    problems += [f"model page lacks column {column}" for column in columns if column not in text]
    nodes = set(fields["graph"].split())
    problems += [f"lineage graph lacks {node}" for node in sorted(expected_graph_nodes() - nodes)]
    return problems


@needs_chromium
def test_docs_site_in_chromium(docs_site, tmp_path):
    assert docs_problems(docs_site, tmp_path / "profile") == []


@needs_chromium
def test_docs_check_fails_on_a_broken_site(docs_site, tmp_path):
    """The same check on a site whose manifest is corrupt, and on one whose page throws: both are caught."""
    corrupt = tmp_path / "corrupt"
    shutil.copytree(docs_site, corrupt)
    (corrupt / "manifest.json").write_text((docs_site / "manifest.json").read_text(encoding="utf-8")[:5000])
    problems = docs_problems(corrupt, tmp_path / "profile1")
    assert any(p.startswith("console:") and "JSON" in p for p in problems), problems
    assert any(p.startswith("lineage graph lacks") for p in problems), problems
    assert any(p.startswith("model page lacks") for p in problems), problems

    throwing = tmp_path / "throwing"
    shutil.copytree(docs_site, throwing)
    index = (throwing / "index.html").read_text(encoding="utf-8")
    (throwing / "index.html").write_text(index.replace("<head>", "<head><script>notDefined();</script>", 1))
    problems = docs_problems(throwing, tmp_path / "profile2")
    assert any(p.startswith("console:") and "notDefined" in p for p in problems), problems


def test_expected_nodes_come_from_the_project():
    """The lists the browser check compares with are not empty (a wrong path would make the check vacuous)."""
    description, columns = rfm_segments_spec()
    assert len(description) > 20 and "customer_unique_id" in columns and "rfm_segment" in columns
    nodes = expected_graph_nodes()
    assert "model.customer_intel.rfm_segments" in nodes and "exposure.customer_intel.roi_projections" in nodes
