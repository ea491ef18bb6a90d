"""Explanations on real photos: do explain's maps point at the cells a blood-cell count is made of?

Data (--data, both by default), as prepared by `prepare_realdata.py`, each with `boxes.csv`, every annotated box in the
stored image's pixels; the label is the red-cell count (`rbc`):
- bccd: BCCD, 364 blood-smear photos from one microscope (MIT licence), the images whose red cells are annotated (as
  bench_realdata.py keeps them). Its boxes miss red cells: a map's peak on a red cell nobody boxed counts as a miss. When
  txl_pbc is prepared too, the BCCD maps are also scored against TXL-PBC's boxes on the BCCD photos it holds (matched by
  content), and both are printed (info).
- txl_pbc: TXL-PBC (MIT licence), 1,440 photos from four sources (BCCD among them) whose boxes were all drawn again,
  red cells included (Lu et al. 2024, arXiv 2407.13214); the repository's train folder (1,008) trains, its val and test
  folders (432) are the validation set, and the 144 photos of the test folder are explained (explaining all 432 three
  ways took about 30 minutes per model on one core).
Each SOURCE.txt says where the data come from.

For each data set and backbone at --size px: `pool_cnn` from scratch (what the report trains on these sets, --epochs-scratch
epochs, by default 30 on BCCD and 8 on TXL-PBC: a similar number of photos seen; 30 epochs of TXL-PBC took over
an hour per seed on one shared core), EfficientNet-Lite0 fine-tuned from its packaged ImageNet weights and ResNet18 when torchvision's weights are in the
torch cache, else skipped with the reason (--epochs-pretrained epochs); trained with the kit's API, then on every validation image (txl_pbc: its test folder)
- the pointing game of explain's default (method='auto') and of Grad-CAM at its picked layer, against the red-cell
  boxes (goal >= 0.8), and against a centre-biased map, a Gaussian at the image centre (goal: the default >= it + 0.2, and
  >= chance + 0.2: where the centre of a photo is a white cell, as in TXL-PBC's PBC and Raabin photos, the centre map
  scores below chance);
  beside them, the default with baseline='black' (integrated gradients from a black image: what `baseline='auto'` picks for
  dark images; for these bright photos it picks a blurred copy of each image);
- mask energy, with its ceiling at the map's resolution (1.0 for pixel maps), the share of the image the boxes cover, and
  the pointing game of chance (a peak at a pixel drawn at random: the share of pixels within the game's 1 px of a box).
Each backbone is trained once per --seeds seed (weights and batch order; the validation split is the CSV's). The goals are judged
on the mean over seeds, for each data set, and the lowest and highest seed are printed beside it: with 152 validation images and
a model trained from a few hundred photos, the kit's CNN scored pointing 0.678 to 0.743 on BCCD over seeds 42-44 (measured
2026-12-01), so one training run is not a measurement of the method.
Numbers are merged into bench/results.json under 'interpret_real', one entry per data set.
Usage (from the repo root): .venv/bin/python bench/bench_interpret_real.py [--cache DIR] [--data bccd txl_pbc] [--size 128]
       [--epochs-scratch N] [--epochs-pretrained 10] [--arch pool_cnn efficientnet_lite0 resnet18] [--seeds 42 43 44] [--workers 2]
"""
import argparse, json, os, time, warnings, platform
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np, pandas as pd, torch
from PIL import Image
from _results import save, RESULTS
from bench_realdata import bench_csv, SETS
from bench_interpret import energy_ceiling, map_hw

GOALS = dict(pointing=0.8, over_centre=0.2)
DATA = {'bccd': None, 'txl_pbc': 'test'}   # box-annotated sets prepare_realdata.py writes: the validation rows explained (a `split` value, None for all)
SCRATCH_EPOCHS = {'bccd': 30, 'txl_pbc': 8}  # pool_cnn from scratch: 5,910 and 8,064 photos seen (197 and 1,008 training photos)

def load_data(cache, name, quiet=False):
    """(csv, boxes) of set `name`: its rows and {(image name, class): boxes}; None when absent. The rows are bench_realdata.py's
    selection where it has one; validation photos whose twin (the same photo at another size) is in train are left out, said so."""
    f, bfile = cache/name/'labels.csv', cache/name/'boxes.csv'
    if not f.is_file() or not bfile.is_file(): return None
    csv = bench_csv(cache, name) if name in SETS else f
    df = pd.read_csv(csv)
    if 'train_twin' in df and df.train_twin.any():
        if not quiet: print(f"{name}: {int(df.train_twin.sum())} validation photos left out, the same photos as training ones at another size (labels.csv: train_twin)")
        csv = cache/name/'bench.csv'; df[~df.train_twin].to_csv(csv, index=False)
    bx = pd.read_csv(bfile)
    return csv, {k: g[['xmin', 'ymin', 'xmax', 'ymax']].to_numpy() for k, g in bx.assign(name=bx.fname.map(lambda f: Path(f).name)).groupby(['name', 'cls'])}

def box_masks(fnames, boxes, size, cls='rbc'):
    "(N, size, size) bool masks of the `cls` boxes of each image, squashed to size x size as the kit's loaders resize."
    out = np.zeros((len(fnames), size, size), bool)
    for i, f in enumerate(fnames):
        w, h = Image.open(f).size
        for b in boxes.get((Path(f).name, cls), []):
            x0, y0, x1, y1 = b[0] * size / w, b[1] * size / h, b[2] * size / w, b[3] * size / h
            out[i, max(0, int(np.floor(y0))):int(np.ceil(y1)), max(0, int(np.floor(x0))):int(np.ceil(x1))] = True   # a negative start would wrap
    return out

def chance(masks, tolerance=1.):
    "The pointing game of a map whose peak falls on a pixel drawn at random: the share of pixels within `tolerance` px of a box."
    from scipy import ndimage
    return float(np.mean([(ndimage.distance_transform_edt(~m) <= tolerance).mean() for m in masks if m.any()]))

def centre_map(n, size, sigma_frac=0.25):
    "A Gaussian at the image centre (sigma = sigma_frac of the side): the map of an explainer that only knows photos are centred."
    c = (np.arange(size) + 0.5 - size / 2) / (sigma_frac * size)
    g = np.exp(-0.5 * (c[None, :] ** 2 + c[:, None] ** 2))
    return torch.as_tensor(np.broadcast_to(g, (n, size, size)).copy()).float()

def run(arch, csv, boxes, size, epochs, seed=42, split=None, reboxed=None):
    warnings.simplefilter('ignore'); torch.set_num_threads(1)
    from visreg_nb.all import RegressionDataLoaders, regression_learner, explain
    from visreg_nb.explain.metrics import pointing_game, mask_energy
    t0 = time.time()
    dls = RegressionDataLoaders.from_csv(csv.parent, csv.name, label_col='rbc', target_kind='scalar', valid_col='is_valid',
                                         img_size=size, bs=32, seed=seed)
    try: learn = regression_learner(dls, arch=arch, pretrained=arch not in ('pool_cnn', 'tiny_cnn'), seed=seed)
    except RuntimeError as e:                        # pretrained weights out of reach (offline): the arch is skipped with the kit's message
        if 'could not be loaded' not in str(e): raise
        return dict(arch=arch, seed=seed, skipped=str(e).splitlines()[0][:300])
    with learn.no_bar(), learn.no_logging(): learn.fit_regression(epochs)
    t_train = time.time() - t0
    valid = learn.dls.valid.items
    rows = list(range(len(valid))) if split is None else np.flatnonzero(valid['split'].values == split).tolist()   # positions in the validation set
    fnames = [str(csv.parent/f) for f in valid['fname'].iloc[rows]]   # the CSV's image paths are relative to its folder
    masks = box_masks(fnames, boxes, size)
    res = dict(arch=arch, seed=seed, size=size, epochs=epochs, n_valid=len(rows), train_s=round(t_train, 1),
               box_cover=round(float(masks.mean()), 4))
    maps = {}
    for key, kw in [('default', {}), ('default_black', dict(baseline='black')), ('gradcam', dict(method='gradcam'))]:
        t1 = time.time(); a = maps[key] = explain(learn, rows, **kw)
        hw = map_hw(learn, a.layer, a.images) if a.method == 'gradcam' else tuple(a.maps.shape[-2:])   # gated maps are pixel maps
        ceil = energy_ceiling(masks, hw) if a.method == 'gradcam' else 1.0
        me = mask_energy(a, masks).mean
        res[key] = dict(why=a.why, map_hw=list(hw), pointing=round(pointing_game(a, masks), 4), mask_energy=round(me, 4),
                        energy_ceiling=round(ceil, 4), seconds=round(time.time() - t1, 1))
        if key == 'default': res['mae'] = round((a.preds - a.targets).abs().mean().item(), 3); res['mae_mean'] = round((a.targets - a.targets.mean()).abs().mean().item(), 3)
    res['chance'] = round(chance(masks), 4)
    res['centre'] = dict(pointing=round(pointing_game(centre_map(len(rows), size), masks), 4),
                         mask_energy=round(mask_energy(centre_map(len(rows), size), masks).mean, 4))
    if reboxed:   # the same maps scored against the boxes another data set drew on the same photos
        (other, txl_boxes), names = reboxed, list(valid['fname'].iloc[rows])
        idx = [i for i, f in enumerate(names) if f in other]
        m2, sub = box_masks([other[names[i]] for i in idx], txl_boxes, size), lambda t: t[torch.as_tensor(idx)]
        if idx: res['reboxed'] = dict(n=len(idx), rbc_boxes=[int(sum(len(boxes.get((Path(names[i]).name, 'rbc'), [])) for i in idx)),
                                                             int(sum(len(txl_boxes.get((Path(other[names[i]]).name, 'rbc'), [])) for i in idx))],
                                  chance=[round(chance(masks[idx]), 4), round(chance(m2), 4)],
                                  **{k: [round(pointing_game(sub(m), masks[idx]), 4), round(pointing_game(sub(m), m2), 4)]
                                     for k, m in [('default', maps['default'].maps), ('gradcam', maps['gradcam'].maps), ('centre', centre_map(len(rows), size))]})
    return res

def reboxed_photos(cache, csv):
    """({BCCD file: TXL-PBC image path}, TXL-PBC's boxes) for the BCCD photos TXL-PBC holds, matched by content (TXL-PBC renames
    them): a 32x24 grey thumbnail within 2 grey levels (RMS) of a TXL-PBC photo of BCCD's 640x480 (matches measured 0 apart,
    other photos 11 or more); None, said so, when txl_pbc is not prepared or holds none of them."""
    t = load_data(cache, 'txl_pbc', quiet=True)
    tl = pd.read_csv(cache/'txl_pbc'/'labels.csv') if t is not None else None
    tl = tl[(tl.orig_w == 640) & (tl.orig_h == 480)] if tl is not None and {'orig_w', 'orig_h'} <= set(tl.columns) else None
    if tl is None or tl.empty:
        print("bccd: no TXL-PBC photos of BCCD's size to score its maps against (run bench/prepare_realdata.py --only txl_pbc)"); return None
    thumb = lambda f: np.asarray(Image.open(f).convert('L').resize((32, 24), Image.BILINEAR), float)
    bf = pd.read_csv(csv).fname.tolist()
    A, B = np.stack([thumb(csv.parent/f) for f in bf]), np.stack([thumb(cache/'txl_pbc'/f) for f in tl.fname])
    d = np.sqrt(((A[:, None] - B[None]) ** 2).mean((2, 3)))
    match = {f: str(cache/'txl_pbc'/tl.fname.iloc[j]) for f, j, dm in zip(bf, d.argmin(1), d.min(1)) if dm < 2}
    if not match: print("bccd: none of its photos found in TXL-PBC"); return None
    return match, t[1]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache', default=os.environ.get('VISREG_REALDATA', str(Path.home()/'.cache'/'visreg_nb'/'realdata')))
    ap.add_argument('--data', nargs='+', choices=list(DATA), default=list(DATA))
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--epochs-scratch', type=int, default=None, help='default: SCRATCH_EPOCHS per data set'); ap.add_argument('--epochs-pretrained', type=int, default=10)
    ap.add_argument('--arch', nargs='*', default=['pool_cnn', 'efficientnet_lite0', 'resnet18'])
    ap.add_argument('--seeds', nargs='+', type=int, default=[42, 43, 44], help='one training per seed; goals judged on the mean')
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    cache, data = Path(a.cache), {}
    for name in a.data:
        data[name] = load_data(cache, name)
        if data[name] is None: print(f"{name}: no labels.csv or boxes.csv in {cache/name}; run bench/prepare_realdata.py --only {name} first (skipped)")
    data = {k: v for k, v in data.items() if v is not None}
    if not data: return
    out, met = dict(machine=platform.machine(), torch_threads=1, measured=time.strftime('%Y-%m-%d %H:%M:%S'), seeds=a.seeds), []
    reboxed = reboxed_photos(cache, data['bccd'][0]) if 'bccd' in data else None   # BCCD's photos that TXL-PBC boxed again
    with ProcessPoolExecutor(a.workers) as ex:
        jobs = {(name, arch, sd): ex.submit(run, arch, csv, boxes, a.size, (a.epochs_scratch or SCRATCH_EPOCHS[name]) if arch in ('pool_cnn', 'tiny_cnn') else a.epochs_pretrained, sd, DATA[name],
                                            reboxed if name == 'bccd' else None)
                for name, (csv, boxes) in data.items() for arch in a.arch for sd in a.seeds}
        for name in data:
            out[name] = {}
            print(f"== {name}")
            for arch in a.arch:
                runs = [jobs[name, arch, sd].result() for sd in a.seeds]       # any other failure stops the benchmark before it saves
                if any('skipped' in r for r in runs):
                    skipped = next(r['skipped'] for r in runs if 'skipped' in r)
                    print(f"{arch}: skipped: {skipped}"); out[name][arch] = dict(skipped=skipped); continue
                r0 = runs[0]
                print(f"{arch} at {a.size} px, {r0['epochs']} epochs, seeds {', '.join(map(str, a.seeds))} (training {np.median([r['train_s'] for r in runs]):.0f} s each): "
                      f"MAE on the explained photos {np.mean([r['mae'] for r in runs]):.2f} cells (predicting their mean: {r0['mae_mean']:.2f}); "
                      f"red-cell boxes cover {r0['box_cover']:.0%} of the pixels (a peak at a random pixel hits {r0['chance']:.3f}); {r0['n_valid']} photos explained")
                print(f"  default: {r0['default']['why']}")
                summary = {}
                for key, label in [('default', 'default'), ('default_black', "baseline='black'"), ('gradcam', 'Grad-CAM'), ('centre', 'centre Gaussian')]:
                    pts, en = [r[key]['pointing'] for r in runs], [r[key]['mask_energy'] for r in runs]
                    summary[key] = dict(pointing=round(float(np.mean(pts)), 4), pointing_min=min(pts), pointing_max=max(pts),
                                        mask_energy=round(float(np.mean(en)), 4), mask_energy_min=min(en), mask_energy_max=max(en))
                    ceil = f" (ceiling {r0[key]['energy_ceiling']:.3f} at {r0[key]['map_hw'][0]}x{r0[key]['map_hw'][1]})" if 'energy_ceiling' in r0[key] else ''
                    secs = f", {np.median([r[key]['seconds'] for r in runs]):.0f} s" if 'seconds' in r0[key] else ''
                    print(f"  {label:<16} pointing {np.mean(pts):.3f} (seeds {min(pts):.3f}-{max(pts):.3f}), mask energy {np.mean(en):.3f} ({min(en):.3f}-{max(en):.3f}){ceil}{secs}")
                d, c, ch = summary['default']['pointing'], summary['centre']['pointing'], r0['chance']
                ok1, ok2 = d >= GOALS['pointing'], d - max(c, ch) >= GOALS['over_centre']
                print(f"  default pointing {d:.3f}, mean of {len(runs)} seeds (goal >= {GOALS['pointing']}): {'PASS' if ok1 else 'MISS'}; "
                      f"above the centre map by {d - c:+.3f} and chance by {d - ch:+.3f} (goal: both >= +{GOALS['over_centre']}): {'PASS' if ok2 else 'MISS'}")
                if 'reboxed' in r0:
                    rb = {k: np.mean([r['reboxed'][k] for r in runs], 0) for k in ('default', 'gradcam', 'centre')}
                    print(f"  (info) the {r0['reboxed']['n']} of these photos that TXL-PBC boxed again ({r0['reboxed']['rbc_boxes'][0]} red-cell boxes in BCCD, "
                          f"{r0['reboxed']['rbc_boxes'][1]} in TXL-PBC): pointing against BCCD's boxes, then TXL-PBC's: default {rb['default'][0]:.3f}, {rb['default'][1]:.3f}; "
                          f"Grad-CAM {rb['gradcam'][0]:.3f}, {rb['gradcam'][1]:.3f}; centre {rb['centre'][0]:.3f}, {rb['centre'][1]:.3f}; chance {r0['reboxed']['chance'][0]:.3f}, {r0['reboxed']['chance'][1]:.3f}")
                    summary['reboxed'] = dict(n=r0['reboxed']['n'], rbc_boxes=r0['reboxed']['rbc_boxes'], chance=r0['reboxed']['chance'],
                                              **{k: [round(float(v), 4) for v in rb[k]] for k in rb})
                out[name][arch] = dict(summary, runs=runs)
                met += [ok1, ok2]
    old = json.loads(RESULTS.read_text()).get('interpret_real', {}) if RESULTS.exists() else {}
    save('interpret_real', {**{k: v for k, v in old.items() if k in DATA}, **out})   # the data sets not run this time keep their numbers
    print(f"{sum(met)}/{len(met)} goals met; results merged into {RESULTS} under 'interpret_real'")

if __name__ == '__main__': main()
