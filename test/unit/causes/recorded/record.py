"""Records the plugin's messages (provenance included) for every example project on the current
Python stack, for the cause engine's unit tests (no Python needed there). Paths under the copied
project are written as /project/...

    /usr/bin/python3 test/unit/causes/recorded/record.py legacy [PROJECT ...]
    PYTHONPATH=.cache/py-modern/usr/lib/python3/dist-packages /usr/bin/python3 test/unit/causes/recorded/record.py modern [PROJECT ...]

Named projects only, when given (the others' recordings stay as they are).
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
sys.path.insert(0, str(REPO / "python" / "tests"))
from conftest import Project  # noqa: E402

stack = sys.argv[1]
only = set(sys.argv[2:])
def needs_server(project):
    # projects on a database server (expected.json "requires") are checked against live servers
    return "requires" in json.loads((project / "expected.json").read_text())


for project in sorted(p for p in (REPO / "test" / "fixtures" / "projects").iterdir() if (p / "expected.json").exists() and not needs_server(p) and (not only or p.name in only)):
    work = Path(tempfile.mkdtemp(prefix="otd-rec-"))
    dest = work / project.name
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    runs = []
    for run in (1, 2):  # the second run shows what a file database kept from the first
        res = Project(dest).run("-q", "-p", "no:randomly")
        text = lambda m: json.dumps(m).replace(str(dest), "/project").replace(str(REPO), "/repo")
        runs.append([json.loads(text(m)) for m in res.messages])
    out = HERE / ("%s-%s.json" % (project.name, stack))
    out.write_text(json.dumps({"project": project.name, "stack": stack, "runs": runs}, indent=None, separators=(",", ":")) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(out.name, [len(r) for r in runs])
