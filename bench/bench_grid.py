"""Report grids on Dask (issue 21): throughput of `run_grid` on a LocalCluster of 1 and of 2 workers on this machine, in runs
per minute, and the overhead of the Dask path against the same reports run one after another in one process (`run_report`
in a loop). Each run is a smoke report (1 epoch, --max-items items) of a synthetic task; the tasks alternate count/size/angle.
The one-worker grid against the loop is the overhead (cluster start, a fresh worker process importing the kit, files sent
back); two workers against one is what the second core buys. One run of each, on this machine as it is (load printed).
Usage (from the repo root): OMP_NUM_THREADS=1 .venv/bin/python bench/bench_grid.py [--runs 4] [--max-items 100] [--no-save]"""
import argparse, os, shutil, tempfile, time, warnings
from pathlib import Path

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=4); ap.add_argument('--max-items', type=int, default=100)
    ap.add_argument('--no-save', action='store_true', help='print only')
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    from visreg_nb.report import run_report, run_grid
    tasks = ['count', 'size', 'angle']
    runs = [dict(dataset=tasks[i % 3], smoke=True, max_items=a.max_items, seed=i) for i in range(a.runs)]
    tmp = Path(tempfile.mkdtemp(prefix='bench-grid-'))
    times, load = {}, {}
    try:
        t = time.perf_counter()
        for i, p in enumerate(runs): run_report(p, tmp/'loop'/f'run{i:02d}', progress=False)
        times['one after another'] = time.perf_counter() - t; load['one after another'] = os.getloadavg()[0]
        for w in (1, 2):
            t = time.perf_counter()
            res = run_grid(runs, tmp/f'grid{w}', workers=w)
            assert all(r['ok'] for r in res), [r.get('error') for r in res]
            times[f'Dask, {w} worker{"s" if w > 1 else ""}'] = time.perf_counter() - t; load[f'Dask, {w} worker{"s" if w > 1 else ""}'] = os.getloadavg()[0]
    finally: shutil.rmtree(tmp, ignore_errors=True)
    print(f"{a.runs} smoke reports ({a.max_items} items, 1 epoch each) on {os.cpu_count()} cores")
    print(f"  {'path':<22}{'seconds':>9}{'runs/min':>10}{'load':>7}")
    for k, s in times.items(): print(f"  {k:<22}{s:9.1f}{60*a.runs/s:10.2f}{load[k]:7.1f}")
    loop, one, two = times['one after another'], times['Dask, 1 worker'], times['Dask, 2 workers']
    print(f"  Dask overhead (1 worker / one after another): {one/loop:.2f}x; 2 workers against 1: {one/two:.2f}x the throughput")
    if a.no_save: return
    from _results import save, RESULTS
    save('grid', dict(runs=a.runs, max_items=a.max_items, seconds={k: round(v, 1) for k, v in times.items()},
                      runs_per_minute={k: round(60*a.runs/v, 2) for k, v in times.items()}, overhead=round(one/loop, 3), speedup_2_workers=round(one/two, 3),
                      load={k: round(v, 1) for k, v in load.items()}))
    print(f"results merged into {RESULTS} under 'grid'")

if __name__ == '__main__': main()
