"""Real photos: the kit at its defaults, through `visreg-report`, against the plain PyTorch reference script
(`reference_plain.py`) on the same split, in one run; and EfficientNet-Lite0 fine-tuned from its packaged ImageNet
weights against the same network trained from scratch (`regression_learner` + `fit_regression`, 64 px, 10 epochs).

Data: three public sets prepared by `prepare_realdata.py` into a cache outside the repository (its docstring says
which repositories to fetch; nothing is downloaded here): BCCD red-cell counts (MIT), COIL-100 turntable poses
(research use; the first 20 objects, 1,440 images, every 4th pose held out) and MTFL/LFW faces with five landmarks
(research use). A set that is not in the cache is skipped with a message.

Goals (issue 14): kit MAE <= 0.9x the reference's on every set; pretrained beats from-scratch on at least two.
The kit's default for photos (`pool_cnn` from scratch, 30 epochs, 64-128 px by `photo_size`) was chosen from these sets; the table of what
else was tried is in nbs/03_learner.ipynb.

    python bench_realdata.py [--cache DIR] [--only bccd coil100 mtfl_lfw] [--no-scratch] [--seeds N]

With `--seeds N` the reference and the report each run with seeds 0..N-1 and the ratio is of their mean errors (one
seed's ratio moves by several hundredths on the 152 BCCD validation photos). Sets not run keep their earlier numbers
in results.json, each with the time it was measured.
"""
import argparse, json, os, subprocess, sys, time
import numpy as np
from pathlib import Path
import pandas as pd
from reference_plain import run_reference, mean_predictor
from _results import save, verdict, RESULTS

KP = [f'{c}{i}' for i in range(5) for c in 'xy']
SETS = {  # name: (label columns, target kind, rows the benchmark keeps)
    'bccd': (['rbc'], 'scalar', lambda df: df[~df.rbc_unannotated.astype(bool)]),  # 15 images whose red cells have no boxes
    'coil100': (['angle'], 'circular', lambda df: df[df.object_id <= 20]),          # 20 objects x 72 poses, as COIL-20
    'mtfl_lfw': (KP, 'keypoints', lambda df: df),
}

def bench_csv(cache, name)->Path|None:
    "The benchmark's rows of set `name` as `bench.csv` next to its labels.csv (image paths stay relative), or None when absent."
    f = cache/name/'labels.csv'
    if not f.is_file(): return None
    out = cache/name/'bench.csv'
    SETS[name][2](pd.read_csv(f)).to_csv(out, index=False)
    return out

def kit_error(csv, labels, kind, out, extra=())->tuple:
    "Run `visreg-report` at its defaults (plus `extra` -p pairs) into `out`; the mean error on validation, the seconds and the image side it chose."
    cmd = [str(Path(sys.executable).parent/'visreg-report'), '--dataset', str(csv), '--out', str(out), '--force',
           '-p', 'label_col', json.dumps(labels if len(labels) > 1 else labels[0]), '-p', 'target_kind', kind]
    for k, v in extra: cmd += ['-p', k, v]
    start = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode: raise RuntimeError(f"visreg-report failed on {csv}: {r.stderr[-1500:]}")
    m = json.loads((Path(out)/'metrics.json').read_text())
    if kind == 'keypoints':  # mean landmark distance in pixels: the mean of the per-point mean distances (same count each)
        dists = [v for k, v in m['metrics'].items() if k.endswith('/MAE')]
        return sum(dists) / len(dists), time.time() - start, m['parameters']['img_size']
    return m['mae'], time.time() - start, m['parameters']['img_size']

def api_error(csv, labels, kind, pretrained, arch='efficientnet_lite0', size=64, epochs=10)->tuple:
    "The kit's Python API: `arch` fine-tuned (pretrained) or trained from scratch; mean validation error and seconds."
    import numpy as np
    from visreg_nb.all import RegressionDataLoaders, regression_learner, get_regression_preds, circular_error
    start = time.time()
    dls = RegressionDataLoaders.from_csv(csv.parent, csv.name, label_col=labels if len(labels) > 1 else labels[0], target_kind=kind,
                                         valid_col='is_valid', img_size=size, bs=32, seed=42)
    learn = regression_learner(dls, arch=arch, pretrained=pretrained, seed=42)
    with learn.no_bar(), learn.no_logging(): learn.fit_regression(epochs)
    p = get_regression_preds(learn)
    y, q = p[labels].to_numpy(float), p[['pred_' + c for c in labels]].to_numpy(float)
    if kind == 'keypoints': err = np.sqrt(((q - y).reshape(len(y), -1, 2) ** 2).sum(-1)).mean()
    elif kind == 'circular': err = circular_error(q, y).mean()
    else: err = np.abs(q - y).mean()
    return float(err), time.time() - start

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cache', default=os.environ.get('VISREG_REALDATA', str(Path.home()/'.cache'/'visreg_nb'/'realdata')))
    ap.add_argument('--only', nargs='*', default=list(SETS))
    ap.add_argument('--no-scratch', action='store_true', help='skip EfficientNet-Lite0 pretrained vs from scratch')
    ap.add_argument('--seeds', type=int, default=1, help='seeds 0..N-1 for the reference and the report; the ratio of their means')
    a = ap.parse_args()
    cache, res = Path(a.cache), {}
    for name in a.only:
        labels, kind, _ = SETS[name]
        csv = bench_csv(cache, name)
        if csv is None: print(f"{name}: not in {cache}; run bench/prepare_realdata.py first (skipped)"); continue
        n = len(pd.read_csv(csv))
        base = mean_predictor(csv, labels, kind)
        refs = [run_reference(csv, labels, kind, size=64, epochs=30, seed=s) for s in range(a.seeds)]
        kits = [kit_error(csv, labels, kind, cache/'_reports'/name, extra=[('seed', str(s))] if a.seeds > 1 else ()) for s in range(a.seeds)]
        ref, ref_s, kit, kit_s = (float(np.mean([t[i] for t in ts])) for ts, i in ((refs, 0), (refs, 1), (kits, 0), (kits, 1)))
        r = dict(n=n, mean_predictor=base, reference=ref, reference_s=round(ref_s), kit=kit, kit_s=round(kit_s), kit_over_reference=kit/ref,
                 kit_img_size=kits[0][2], seeds=a.seeds, reference_runs=[round(t[0], 4) for t in refs], kit_runs=[round(t[0], 4) for t in kits],
                 measured=time.strftime('%Y-%m-%d %H:%M:%S'))
        print(f"{name} ({kind}, {n} images): mean predictor {base:.4g}, reference {ref:.4g} ({ref_s:.0f} s), kit {kit:.4g} at {kits[0][2]} px ({kit_s:.0f} s)"
              + (f" [seeds 0-{a.seeds - 1}: reference {r['reference_runs']}, kit {r['kit_runs']}]" if a.seeds > 1 else '')
              + f"; kit/reference {verdict(kit/ref, '<= 0.9', kit/ref <= 0.9)}", flush=True)
        if not a.no_scratch:
            pre, pre_s = api_error(csv, labels, kind, pretrained=True)
            scratch, scratch_s = api_error(csv, labels, kind, pretrained=False)
            r.update(pretrained=pre, pretrained_s=round(pre_s), scratch=scratch, scratch_s=round(scratch_s), pretrained_over_scratch=pre/scratch)
            print(f"   efficientnet_lite0 pretrained {pre:.4g} ({pre_s:.0f} s), from scratch {scratch:.4g} ({scratch_s:.0f} s): "
                  f"pretrained/scratch {pre/scratch:.3f} ({'pretrained wins' if pre < scratch else 'scratch wins'})", flush=True)
        res[name] = r
    if res:
        met = sum(r['kit_over_reference'] <= 0.9 for r in res.values())
        wins = sum(r.get('pretrained_over_scratch', 1) < 1 for r in res.values())
        print(f"kit <= 0.9x reference on {met}/{len(res)} sets; pretrained beats scratch on {wins}/{len(res)}"
              + ("" if a.no_scratch else f" (goal >= 2: {'PASS' if wins >= 2 else 'MISS'})"))
        earlier = json.loads(RESULTS.read_text()).get('realdata', {}) if RESULTS.exists() else {}
        save('realdata', {**{k: {'measured': earlier.get('measured'), **v} for k, v in earlier.items() if k in SETS}, **res})

if __name__ == '__main__': main()
