"""Each tutorial at full size (`smoke=False`) through papermill: wall time against the 3-minute budget per lesson.
The budget is for one lesson on a 2-core CPU, so lessons run one after another; the ratio time/budget is printed (goal <= 1)."""
import subprocess, sys, tempfile, time
from pathlib import Path
from _results import save, verdict

BUDGET = 180.  # seconds per lesson at full size
root = Path(__file__).resolve().parents[1]
lessons = sorted((root/'nbs'/'tutorials').glob('[0-9]*.ipynb'))
papermill = Path(sys.executable).parent/'papermill'
rows = {}
with tempfile.TemporaryDirectory() as tmp:
    for nb in lessons:
        start = time.perf_counter()
        r = subprocess.run([str(papermill), str(nb), str(Path(tmp)/nb.name), '-p', 'smoke', 'False', '--log-level', 'ERROR', '--cwd', str(nb.parent)],
                           capture_output=True, text=True)
        secs = time.perf_counter() - start
        if r.returncode: sys.exit(f"{nb.name} failed at full size:\n{r.stderr[-3000:]}")
        rows[nb.stem] = secs
        print(f"  {nb.stem:40s} {secs:6.1f} s  ratio to {BUDGET:.0f} s: {verdict(secs/BUDGET, '<= 1', secs <= BUDGET)}")
worst = max(rows.values())
print(f"full-size lessons: {len(rows)}, slowest {worst:.1f} s, total {sum(rows.values()):.1f} s; "
      f"slowest/budget {verdict(worst/BUDGET, '<= 1', worst <= BUDGET)}")
save('tutorials_full_size', dict(seconds=rows, budget_s=BUDGET, slowest_ratio=worst/BUDGET, goal='each <= 180 s'))
