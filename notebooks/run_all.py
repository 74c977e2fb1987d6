#!/usr/bin/env python3
"""Executes every notebook in this folder headlessly, as CI does.

    python notebooks/run_all.py            # run all; exit 1 if any cell fails
    python notebooks/run_all.py --strip    # clear outputs in place (before committing)

Notebooks are committed without outputs; a committed output also fails the
run. The notebooks call the binary named by NINES_BIN (default
target/release/nines, from the repository root). Nothing is written back:
outputs of the executed copies are discarded.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
TIMEOUT_SECONDS = 600


def has_outputs(nb):
    return any(
        cell.get("outputs") or cell.get("execution_count")
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def strip(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, path)


def main(argv):
    notebooks = sorted(HERE.glob("*.ipynb"))
    if "--strip" in argv:
        for path in notebooks:
            strip(path)
            print(f"stripped {path.name}")
        return 0
    failed = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        if has_outputs(nb):
            failed.append(f"{path.name}: committed with outputs; run `python notebooks/run_all.py --strip`")
        client = NotebookClient(
            nb,
            timeout=TIMEOUT_SECONDS,
            kernel_name="python3",
            resources={"metadata": {"path": str(HERE)}},
        )
        try:
            client.execute()
        except Exception as err:  # nbclient's CellExecutionError and kernel failures
            failed.append(f"{path.name}: {err}")
            print(f"FAIL {path.name}", flush=True)
            continue
        print(f"ok   {path.name}", flush=True)
    for failure in failed:
        print(f"\n{failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
