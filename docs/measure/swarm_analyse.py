"""Summarise swarm measurement logs (lines `NAME SWARM SEED RUNS KILLED SCENARIO`): per mutant median runs-to-first-kill."""

import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def load(path, want):
    out = defaultdict(list)
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[1] == want and parts[3] != "ERROR":
            out[parts[0]].append(int(parts[3]) if parts[4] == "True" else None)
    return out


configs = [(p.split("=")[0], p.split("=")[1], p.split("=")[2]) for p in sys.argv[1:]]  # label=path=False|True
data = {label: load(path, want) for label, path, want in configs}
base = configs[0][0]
mutants = sorted(data[base])
print("| mutant | " + " | ".join(label for label, _, _ in configs) + " |")
print("|---|" + "---|" * len(configs))
ratios = defaultdict(list)
totals = defaultdict(float)
for m in mutants:
    cells = []
    for label, _, _ in configs:
        runs = data[label].get(m, [])
        killed = [r for r in runs if r is not None]
        med = statistics.median([r if r is not None else 10**9 for r in runs]) if runs else None
        cells.append(
            "—" if med is None else (f"{med:g}" if med < 10**9 else "survived") + f" ({','.join(str(r) if r else 'x' for r in runs)})"
        )
        if med is not None and med < 10**9:
            totals[label] += med
            bmed = statistics.median([r if r is not None else 10**9 for r in data[base][m]])
            ratios[label].append(math.log(med / bmed))
    print(f"| {m} | " + " | ".join(cells) + " |")
print()
for label, _, _ in configs:
    gm = math.exp(sum(ratios[label]) / len(ratios[label])) if ratios[label] else float("nan")
    print(f"- {label}: sum of medians {totals[label]:g}, geometric mean of median ratio vs {base}: {gm:.2f}")
