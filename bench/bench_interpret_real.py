"""Explanations on real photos: do explain's maps point at the cells a blood-cell count is made of?

Data: BCCD as prepared by `prepare_realdata.py` (364 blood-smear photos, MIT licence; its SOURCE.txt says where
they come from), with `boxes.csv`, every annotated box in the stored image's pixels. The benchmark keeps the
images whose red cells are annotated (as bench_realdata.py does) and predicts the red-cell count (`rbc`).

For each backbone at --size px: `pool_cnn` from scratch (what the report trains on this set, --epochs-scratch epochs),
EfficientNet-Lite0 fine-tuned from its packaged ImageNet weights and ResNet18 when torchvision's weights are in the torch
cache, else skipped with the reason (--epochs-pretrained epochs); trained with the kit's API, then on every validation image
- the pointing game of explain's default (method='auto') and of Grad-CAM at its picked layer, against the red-cell
  boxes (goal >= 0.8), and against a centre-biased map, a Gaussian at the image centre (goal: the default >= it + 0.2);
  beside them, the default with baseline='black' (integrated gradients from a black image: what `baseline='auto'` picks for
  dark images; for these bright photos it picks a blurred copy of each image);
- mask energy, with its ceiling at the map's resolution (1.0 for pixel maps), and the share of the image the boxes cover.
Numbers are merged into bench/results.json under 'interpret_real'.
Usage (from the repo root): .venv/bin/python bench/bench_interpret_real.py [--cache DIR] [--size 128] [--epochs-scratch 30]
       [--epochs-pretrained 10] [--arch pool_cnn efficientnet_lite0 resnet18]
"""
import argparse, os, time, warnings, platform
from pathlib import Path
import numpy as np, pandas as pd, torch
from PIL import Image
from _results import save, RESULTS
from bench_realdata import bench_csv
from bench_interpret import energy_ceiling, map_hw

GOALS = dict(pointing=0.8, over_centre=0.2)

def box_masks(fnames, boxes, size, cls='rbc'):
    "(N, size, size) bool masks of the `cls` boxes of each image, squashed to size x size as the kit's loaders resize."
    out = np.zeros((len(fnames), size, size), bool)
    for i, f in enumerate(fnames):
        w, h = Image.open(f).size
        for b in boxes.get((Path(f).name, cls), []):
            x0, y0, x1, y1 = b[0] * size / w, b[1] * size / h, b[2] * size / w, b[3] * size / h
            out[i, int(np.floor(y0)):int(np.ceil(y1)), int(np.floor(x0)):int(np.ceil(x1))] = True
    return out

def centre_map(n, size, sigma_frac=0.25):
    "A Gaussian at the image centre (sigma = sigma_frac of the side): the map of an explainer that only knows photos are centred."
    c = (np.arange(size) + 0.5 - size / 2) / (sigma_frac * size)
    g = np.exp(-0.5 * (c[None, :] ** 2 + c[:, None] ** 2))
    return torch.as_tensor(np.broadcast_to(g, (n, size, size)).copy()).float()

def run(arch, csv, boxes, size, epochs):
    from visreg_nb.all import RegressionDataLoaders, regression_learner, explain
    from visreg_nb.explain.metrics import pointing_game, mask_energy
    t0 = time.time()
    dls = RegressionDataLoaders.from_csv(csv.parent, csv.name, label_col='rbc', target_kind='scalar', valid_col='is_valid',
                                         img_size=size, bs=32, seed=42)
    learn = regression_learner(dls, arch=arch, pretrained=arch not in ('pool_cnn', 'tiny_cnn'), seed=42)
    with learn.no_bar(), learn.no_logging(): learn.fit_regression(epochs)
    t_train = time.time() - t0
    valid = learn.dls.valid.items
    fnames = [str(csv.parent/f) for f in valid['fname']]   # the CSV's image paths are relative to its folder
    rows = list(range(len(valid)))
    masks = box_masks(fnames, boxes, size)
    res = dict(arch=arch, size=size, epochs=epochs, n_valid=len(rows), train_s=round(t_train, 1),
               box_cover=round(float(masks.mean()), 4))
    for key, kw in [('default', {}), ('default_black', dict(baseline='black')), ('gradcam', dict(method='gradcam'))]:
        t1 = time.time(); a = explain(learn, rows, **kw)
        hw = map_hw(learn, a.layer, a.images) if a.method == 'gradcam' else tuple(a.maps.shape[-2:])   # gated maps are pixel maps
        ceil = energy_ceiling(masks, hw) if a.method == 'gradcam' else 1.0
        me = mask_energy(a, masks).mean
        res[key] = dict(why=a.why, map_hw=list(hw), pointing=round(pointing_game(a, masks), 4), mask_energy=round(me, 4),
                        energy_ceiling=round(ceil, 4), seconds=round(time.time() - t1, 1))
        if key == 'default': res['mae'] = round((a.preds - a.targets).abs().mean().item(), 3); res['mae_mean'] = round((a.targets - a.targets.mean()).abs().mean().item(), 3)
    res['centre'] = dict(pointing=round(pointing_game(centre_map(len(rows), size), masks), 4),
                         mask_energy=round(mask_energy(centre_map(len(rows), size), masks).mean, 4))
    return res

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache', default=os.environ.get('VISREG_REALDATA', str(Path.home()/'.cache'/'visreg_nb'/'realdata')))
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--epochs-scratch', type=int, default=30); ap.add_argument('--epochs-pretrained', type=int, default=10)
    ap.add_argument('--arch', nargs='*', default=['pool_cnn', 'efficientnet_lite0', 'resnet18'])
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    cache = Path(a.cache)
    csv, bfile = bench_csv(cache, 'bccd'), cache/'bccd'/'boxes.csv'
    if csv is None or not bfile.is_file():
        print(f"bccd: no labels.csv or boxes.csv in {cache/'bccd'}; run bench/prepare_realdata.py --only bccd first (skipped)"); return
    bx = pd.read_csv(bfile)
    boxes = {k: g[['xmin', 'ymin', 'xmax', 'ymax']].to_numpy() for k, g in bx.assign(name=bx.fname.map(lambda f: Path(f).name)).groupby(['name', 'cls'])}
    out, met = dict(machine=platform.machine(), torch_threads=torch.get_num_threads(), measured=time.strftime('%Y-%m-%d %H:%M:%S')), []
    for arch in a.arch:
        ep = a.epochs_scratch if arch in ('pool_cnn', 'tiny_cnn') else a.epochs_pretrained
        try: r = run(arch, csv, boxes, a.size, ep)
        except Exception as e:
            print(f"{arch}: skipped: {str(e).splitlines()[0][:300]}"); out[arch] = dict(skipped=str(e).splitlines()[0][:300]); continue
        out[arch] = r
        d, g, c = r['default'], r['gradcam'], r['centre']
        print(f"{arch} at {a.size} px, {ep} epochs ({r['train_s']:.0f} s): validation MAE {r['mae']:.2f} cells (predicting the mean: {r['mae_mean']:.2f}); "
              f"red-cell boxes cover {r['box_cover']:.0%} of the pixels; {r['n_valid']} images")
        print(f"  default: {d['why']}")
        for name, m in [('default', d), ("baseline='black'", r['default_black']), ('Grad-CAM', g)]:
            print(f"  {name:<16} pointing {m['pointing']:.3f}, mask energy {m['mask_energy']:.3f} (ceiling {m['energy_ceiling']:.3f} at {m['map_hw'][0]}x{m['map_hw'][1]}), {m['seconds']:.0f} s")
        print(f"  centre Gaussian: pointing {c['pointing']:.3f}, mask energy {c['mask_energy']:.3f}")
        ok1, ok2 = d['pointing'] >= GOALS['pointing'], d['pointing'] - c['pointing'] >= GOALS['over_centre']
        print(f"  default pointing {d['pointing']:.3f} (goal >= {GOALS['pointing']}): {'PASS' if ok1 else 'MISS'}; "
              f"above the centre map by {d['pointing'] - c['pointing']:+.3f} (goal >= +{GOALS['over_centre']}): {'PASS' if ok2 else 'MISS'}")
        met += [ok1, ok2]
    save('interpret_real', out)
    print(f"{sum(met)}/{len(met)} goals met; results merged into {RESULTS} under 'interpret_real'")

if __name__ == '__main__': main()
