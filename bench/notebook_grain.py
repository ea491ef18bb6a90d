"""How fine-grained the module notebooks are, and how heavy all notebooks are: the measures of issue 17.

    python bench/notebook_grain.py          # one summary line each
    python bench/notebook_grain.py -v 20    # and the 20 longest export cells

Export cells: lines that are neither blank nor `#|` directives; definitions are top-level `def`/`class`.
Sizes: every .ipynb under nbs/, and the share of their bytes that stored outputs take.
"""
import json, re, statistics, sys
from pathlib import Path

NBS = Path(__file__).resolve().parents[1]/'nbs'

def export_cells(nb_path:Path)->list:
    "(lines, definitions, notebook, first name) for each export cell of a notebook."
    rows = []
    for c in json.loads(nb_path.read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or not re.search(r'^#\|\s*export', src, re.M): continue
        lines = [l for l in src.splitlines() if l.strip() and not l.startswith('#|')]
        name = re.search(r'^(?:def|class) (\w+)', src, re.M) or re.search(r'(\w+)', '\n'.join(lines) or 'empty')
        rows.append((len(lines), len(re.findall(r'^(?:def|class|async def) ', src, re.M)), nb_path.name, name.group(1)))
    return rows

def output_share(nb_path:Path)->tuple[int, int]:
    "(bytes of the notebook, bytes without its outputs) in nbdev's JSON layout."
    nb = json.loads(nb_path.read_text())
    for c in nb['cells']:
        if 'outputs' in c: c['outputs'] = []
    return nb_path.stat().st_size, len(json.dumps(nb, indent=1, ensure_ascii=False))

if __name__ == '__main__':
    rows = [r for p in sorted(NBS.glob('*.ipynb')) for r in export_cells(p)]
    n = [r[0] for r in rows]
    print(f"export cells {len(rows)}: median {statistics.median(n)} lines, {100*sum(x > 30 for x in n)/len(n):.1f}% over 30 lines, "
          f"{sum(r[1] for r in rows)/len(rows):.2f} definitions per cell")
    sizes = [output_share(p) for p in sorted(NBS.rglob('*.ipynb')) if '.ipynb_checkpoints' not in p.parts]
    total, bare = sum(s for s, _ in sizes), sum(b for _, b in sizes)
    print(f"notebooks {len(sizes)}: {total/1e6:.2f} MB ({total/2**20:.2f} MiB), stored outputs {100*(1 - bare/total):.0f}% of it")
    if '-v' in sys.argv:
        k = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 20
        for r in sorted(rows, reverse=True)[:k]: print(f"  {r[0]:4d} lines  {r[1]} defs  {r[2]}  {r[3]}")
