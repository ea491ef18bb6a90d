"""Benchmark of visreg_nb.interpret on the synthetic tasks, against the goals of the interpretation issue.

Trains `tiny_cnn` briefly on synthetic 'count' and 'position' (32 px), then measures on validation images:
- Grad-CAM mask energy and pointing game against the ground-truth masks (goals >= 0.7 and >= 0.9);
- the Adebayo et al. randomization check: mean |Spearman correlation| of Grad-CAM maps with the originals after
  re-initialising every layer, cascading from the top, over --draws independent random models (goal < 0.3); one draw
  alone can give a strong correlation of either sign (the random head picks the sign), so the size is averaged;
- the cost of Grad-CAM on a batch of 64: time(explain) / time(plain forward + backward), medians of repeats (goal <= 1.3).
- explain's defaults (method='auto') on the count and size tasks at 32 and 64 px and on the position task, against the
  goals of the faithfulness issue: pointing game >= 0.9 (position >= 0.8), mask energy >= 0.6x its ceiling (the best any
  non-negative map at the map's resolution could reach: 1.0 for pixel maps), randomization mean |rank corr| < 0.3 (every
  layer re-initialised at once); Grad-CAM at its picked layer is printed beside it.
Numbers are measured in this run and merged into bench/results.json under the key 'interpret'.
The defaults are measured on models trained to fit (validation MAE printed beside predicting the mean), one per seed
at 32 px with the goals judged on the mean: a map can only land on the evidence its model uses.
Usage (from the repo root): .venv/bin/python bench/bench_interpret.py [--count-n 1000] [--count-epochs 5]
       [--position-n 2000] [--position-epochs 10] [--defaults-n 5000] [--defaults-epochs 30]
       [--defaults-position-epochs 20] [--defaults-seeds 0 1 2] [--n-explain 64] [--draws 10] [--repeats 7] [--threads 1]
"""
import argparse, time, statistics, warnings, platform
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from scipy import ndimage
from visreg_nb.core import seed_everything
from visreg_nb.data.synth import make_synthetic
from visreg_nb.learner import regression_learner
from visreg_nb.explain.attribution import explain
from visreg_nb.core import eval_mode
from visreg_nb.explain.metrics import mask_energy, pointing_game, randomization_check
from _results import save, RESULTS             # the shared read-modify-write of bench/results.json

GOALS = {'mask_energy': ('>=', 0.7), 'pointing_game': ('>=', 0.9), 'mean |rank_corr|': ('<', 0.3), 'gradcam_cost': ('<=', 1.3),
         'energy / ceiling': ('>=', 0.6), 'pointing_game (position)': ('>=', 0.8)}
def verdict(key, value):
    op, goal = GOALS[key]
    ok = {'>=': value >= goal, '<': value < goal, '<=': value <= goal}[op] if np.isfinite(value) else False
    return f"{key:<28}{value:8.3f}   goal {op} {goal:<4}  {'PASS' if ok else 'MISS'}", bool(ok)

def train(task, n, epochs, seed=0, size=32):
    seed_everything(seed)
    data = make_synthetic(task, n=n, size=size, seed=seed)
    learn = regression_learner(data.dataloaders(bs=64, img_size=size, seed=seed), seed=seed)
    t0 = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, 1e-2)
    return data, learn, time.perf_counter() - t0

def marker_mask(mask, x, y):
    "The connected component of `mask` nearest to the keypoint (x, y) in pixels: the marker that output explains."
    lab, k = ndimage.label(mask, structure=np.ones((3, 3)))
    if k == 0: return mask
    cents = np.array(ndimage.center_of_mass(mask, lab, range(1, k + 1)))[:, ::-1] + 0.5
    return lab == 1 + int(np.argmin(((cents - [x, y])**2).sum(1)))

def map_hw(learn, layer, x):
    "(h, w) of the output of `layer` (a module name) for images like `x`."
    mod, out = dict(learn.model.named_modules())[layer], {}
    def record(m, i, o): out['hw'] = tuple(o.shape[-2:])     # returns None: the output is left alone
    hook = mod.register_forward_hook(record)
    try:
        with eval_mode(learn.model), torch.no_grad(): learn.model(x[:1])
    finally: hook.remove()
    return out['hw']

def energy_ceiling(masks, hw):
    """The largest mask_energy any non-negative map of hw cells (relu=True Grad-CAM), upsampled as `explain` does, can reach.
    The energy of such a map is an average of the single cells' energies weighted by their mass, so the best single cell bounds it."""
    m = torch.as_tensor(np.asarray(masks)).float()
    eye = torch.eye(hw[0] * hw[1]).view(-1, 1, *hw)
    U = F.interpolate(eye, size=m.shape[-2:], mode='bilinear', align_corners=False)[:, 0].flatten(1)   # (cells, H*W), >= 0
    best = ((m.flatten(1) @ U.T) / U.sum(1)).max(1).values
    return float(best[m.flatten(1).any(1)].mean())                     # images with an empty mask are left out, as in mask_energy

def score_maps(a, masks, use='positive'):
    "(mask energy, pointing game) of an Attributions; with use='abs' the magnitude is scored (coordinates: signed by side)."
    return (mask_energy(a.maps.abs() if use == 'abs' else a, masks).mean, pointing_game(a, masks, use=use))

def defaults(task, size, n, epochs, n_explain, draws, seed=0):
    """explain's default (method='auto') and Grad-CAM at its picked layer on one task: scores, ceilings, randomization,
    and the model's validation MAE beside that of predicting the mean (a map can only land on the evidence a model uses).
    The position task scores every output against its own marker, by magnitude."""
    data, learn, t_train = train(task, n, epochs, seed=seed, size=size)
    valid = learn.dls.valid.items
    rows = list(range(min(n_explain, len(valid))))
    names = learn.target_spec.output_names
    outs = names if task == 'position' else [None]
    use = 'abs' if task == 'position' else 'positive'
    res = dict(size=size, seed=seed, n=n, epochs=epochs, arch=learn.arch_name, train_s=round(t_train, 1))
    for key, kw in [('default', dict(method='auto')), ('gradcam', dict(method='gradcam'))]:
        sc, t0 = [], time.perf_counter()
        for j, out in enumerate(outs):
            a = explain(learn, rows, target=out, **kw)
            if key == 'default':          # the fit of the model explained: MAE against predicting the mean, averaged over outputs
                res.setdefault('maes', []).append(((a.preds - a.targets).abs().mean().item(), (a.targets - a.targets.mean()).abs().mean().item()))
            mk = (np.stack([marker_mask(data.masks[r], valid[f'x{j//2}'].iloc[i], valid[f'y{j//2}'].iloc[i]) for i, r in zip(rows, valid['_row'].values[rows])])
                  if task == 'position' else data.masks[valid['_row'].values[rows]])
            sc.append(score_maps(a, mk, use))
        me, pg = np.mean(sc, 0)
        hw = map_hw(learn, a.layer, a.images) if a.method == 'gradcam' else tuple(a.maps.shape[-2:])   # gated maps are pixel maps
        ceil = energy_ceiling(mk, hw) if a.method == 'gradcam' else 1.0
        rc = randomization_check(learn, a.images, target=outs[-1], cascade=False, draws=draws, **kw)
        res[key] = dict(method=a.method, layer=a.layer, why=a.why, map_hw=list(hw), mask_energy=round(float(me), 4), energy_ceiling=round(ceil, 4),
                        energy_over_ceiling=round(float(me) / ceil, 4), pointing_game=round(float(pg), 4), mean_abs_rank_corr=round(rc.mean_abs, 4),
                        seconds=round(time.perf_counter() - t0, 1))
    mae, mae_mean = np.mean(res.pop('maes'), 0)
    res.update(valid_mae=round(float(mae), 4), valid_mae_predicting_mean=round(float(mae_mean), 4), n_explained=len(rows))
    return res

def median_times(fns, repeats):
    "Median seconds of each function, calls interleaved so that a change of machine load hits all alike."
    for f in fns: f(); f()                               # warm-up
    ts = [[] for _ in fns]
    for _ in range(repeats):
        for t, f in zip(ts, fns):
            t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return [statistics.median(t) for t in ts]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--count-n', type=int, default=1000); ap.add_argument('--count-epochs', type=int, default=5)
    ap.add_argument('--position-n', type=int, default=2000); ap.add_argument('--position-epochs', type=int, default=10)
    ap.add_argument('--n-explain', type=int, default=64); ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--draws', type=int, default=10, help='random models in the randomization check')
    ap.add_argument('--draws-defaults', type=int, default=5, help="random models in the defaults' randomization check")
    ap.add_argument('--defaults-n', type=int, default=5000, help="images for each model the defaults are measured on (count, size and position)")
    ap.add_argument('--defaults-epochs', type=int, default=30, help='epochs of the count and size models')
    ap.add_argument('--defaults-position-epochs', type=int, default=20, help='epochs of the position model')
    ap.add_argument('--defaults-seeds', type=int, nargs='+', default=[0, 1, 2], help="one model per seed at 32 px, goals judged on the mean; 64 px uses the first seed")
    ap.add_argument('--threads', type=int, default=1, help='torch threads (tiny CNNs train faster on one thread of a shared CPU)')
    args = ap.parse_args()
    warnings.simplefilter('ignore')
    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    res = dict(settings=dict(count_n=args.count_n, count_epochs=args.count_epochs, position_n=args.position_n,
                             position_epochs=args.position_epochs, defaults_n=args.defaults_n, defaults_epochs=args.defaults_epochs,
                             defaults_position_epochs=args.defaults_position_epochs,
                             defaults_seeds=args.defaults_seeds, size=32, n_explain=args.n_explain, repeats=args.repeats, draws=args.draws,
                             threads=torch.get_num_threads(), torch=torch.__version__, machine=platform.machine()))
    lines, passes = [], {}

    # count: the label is the number of disks; the mask holds the disks (distractor squares excluded)
    data, learn, t_train = train('count', args.count_n, args.count_epochs)
    valid = learn.dls.valid.items
    rows = list(range(min(args.n_explain, len(valid))))
    masks = data.masks[valid['_row'].values[rows]]
    cam = explain(learn, rows, method='gradcam')
    mae = (cam.preds - cam.targets).abs().mean().item()
    mae_mean = (cam.targets - cam.targets.mean()).abs().mean().item()   # a model that predicts the average
    me, pg = mask_energy(cam, masks).mean, pointing_game(cam, masks)
    rc = randomization_check(learn, cam.images, method='gradcam', layer=cam.layer, draws=args.draws)
    rc_abs = randomization_check(learn, cam.images, method='gradcam', layer=cam.layer, abs_maps=True, draws=args.draws)
    res['count'] = dict(train_s=round(t_train, 1), valid_mae=round(mae, 3), valid_mae_predicting_mean=round(mae_mean, 3), layer=cam.layer, mask_fraction=round(float(masks.mean()), 4),
                        mask_energy=round(me, 4), pointing_game=round(pg, 4), mean_abs_rank_corr=round(rc.mean_abs, 4),
                        rank_corr_per_draw=rc.draw_means.round(4).tolist(), mean_abs_rank_corr_abs_maps=round(rc_abs.mean_abs, 4))
    print(f"count: trained {t_train:.0f}s, MAE {mae:.2f} shapes on {len(rows)} validation images (predicting the mean: {mae_mean:.2f}); Grad-CAM layer {cam.layer}; disks cover {masks.mean():.1%} of pixels")
    for k, v in [('mask_energy', me), ('pointing_game', pg), ('mean |rank_corr|', rc.mean_abs)]:
        line, ok = verdict(k, v); print('  ' + line); passes[f'count.{k}'] = ok
    print(f"  (info) signed rank corr of each of {args.draws} random models: {' '.join(f'{r:+.2f}' for r in rc.draw_means)}; mean |ρ| on |maps|: {rc_abs.mean_abs:.3f}")
    hw, hw16 = map_hw(learn, cam.layer, cam.images), map_hw(learn, 'net.1', cam.images)
    ceil, ceil16 = energy_ceiling(masks, hw), energy_ceiling(masks, hw16)
    me_relu = mask_energy(explain(learn, rows, method='gradcam', relu=True), masks).mean
    res['count'].update(map_hw=list(hw), mask_energy_relu=round(me_relu, 4), mask_energy_ceiling_nonnegative=round(ceil, 4))
    print(f"  (info) at {cam.layer} ({hw[0]}x{hw[1]} cells): relu=True Grad-CAM mask_energy {me_relu:.3f}; no non-negative map of {hw[0]}x{hw[1]} cells can exceed {ceil:.3f} on these masks")
    cam16 = explain(learn, rows, method='gradcam', layer='net.1')          # one block earlier: 16x16 cells of 2 px, the size of a disk
    me16, pg16 = mask_energy(cam16, masks).mean, pointing_game(cam16, masks)
    rc16 = randomization_check(learn, cam16.images, method='gradcam', layer='net.1', draws=args.draws)
    res['count']['layer_16x16'] = dict(layer='net.1', mask_energy=round(me16, 4), pointing_game=round(pg16, 4), mean_abs_rank_corr=round(rc16.mean_abs, 4),
                                       mask_energy_ceiling_nonnegative=round(ceil16, 4))
    print(f"  (info) Grad-CAM at net.1 ({hw16[0]}x{hw16[1]}): mask_energy {me16:.3f} (non-negative ceiling {ceil16:.3f}), pointing_game {pg16:.3f}, mean |rank corr| {rc16.mean_abs:.3f}")

    # position: keypoints x0,y0 (disk) and x1,y1 (square); each output is scored against its own marker.
    # A coordinate's map is signed by the side of the image, so magnitude is scored (use='abs', |map| energy).
    pdata, plearn, pt_train = train('position', args.position_n, args.position_epochs)
    pvalid = plearn.dls.valid.items
    prow = list(range(min(args.n_explain, len(pvalid))))
    names = plearn.target_spec.output_names
    energies, points, pmae, pmae0 = [], [], [], []
    for j, name in enumerate(names):
        a = explain(plearn, prow, target=name, method='gradcam')
        k = j // 2
        mk = np.stack([marker_mask(pdata.masks[r], pvalid[f'x{k}'].iloc[i], pvalid[f'y{k}'].iloc[i]) for i, r in zip(prow, pvalid['_row'].values[prow])])
        energies.append(mask_energy(a.maps.abs(), mk).mean); points.append(pointing_game(a, mk, use='abs'))
        pmae.append((a.preds - a.targets).abs().mean().item()); pmae0.append((a.targets - a.targets.mean()).abs().mean().item())
    pme, ppg = float(np.mean(energies)), float(np.mean(points))
    prc = randomization_check(plearn, a.images, method='gradcam', target=names[0], layer=a.layer, draws=args.draws)
    res['position'] = dict(train_s=round(pt_train, 1), valid_mae_scaled=round(float(np.mean(pmae)), 4),
                           valid_mae_predicting_mean=round(float(np.mean(pmae0)), 4), layer=a.layer,
                           mask_energy=round(pme, 4), pointing_game=round(ppg, 4), mean_abs_rank_corr=round(prc.mean_abs, 4),
                           rank_corr_per_draw=prc.draw_means.round(4).tolist(),
                           per_output=dict(zip(names, [dict(mask_energy=round(e, 4), pointing_game=round(p, 4)) for e, p in zip(energies, points)])))
    print(f"position: trained {pt_train:.0f}s, MAE {np.mean(pmae):.3f} (coordinates scaled to [-1,1]; predicting the mean: {np.mean(pmae0):.3f}); Grad-CAM layer {a.layer}; |map| scored per output against its marker")
    for k, v in [('mask_energy', pme), ('pointing_game', ppg), ('mean |rank_corr|', prc.mean_abs)]:
        line, ok = verdict(k, v); print('  ' + line); passes[f'position.{k}'] = ok

    # explain's defaults on count and size at 32 and 64 px, and on position at 32 px.
    # These models are trained to fit (MAE printed beside predicting the mean): a map can only land on the evidence a model
    # uses. With the brief models above, size at 32 px and position missed the pointing game with their fit; at 5000 images
    # the 64 px models' default maps miss instead (session notes on the faithfulness issue), so fit is not the whole story.
    res['defaults'] = {}
    print(f"explain's defaults (method='auto') and Grad-CAM at its picked layer; randomization: all layers at once, {args.draws_defaults} draws; "
          f"at 32 px one model per seed {args.defaults_seeds} and the goals judged on their mean, at 64 px seed {args.defaults_seeds[0]}")
    for task, size in [('count', 32), ('size', 32), ('count', 64), ('size', 64), ('position', 32)]:
        n, ep = args.defaults_n, (args.defaults_position_epochs if task == 'position' else args.defaults_epochs)
        seeds = args.defaults_seeds if size == 32 else args.defaults_seeds[:1]
        runs = [defaults(task, size, n, ep, args.n_explain if size == 32 else args.n_explain // 2, args.draws_defaults, seed=sd) for sd in seeds]
        mean = lambda key, k: float(np.mean([r[key][k] for r in runs]))
        d, g = runs[0]['default'], runs[0]['gradcam']
        res['defaults'][f'{task}{size}'] = dict(runs=runs, **{key: {k: round(mean(key, k), 4) for k in ('pointing_game', 'mask_energy', 'energy_ceiling', 'energy_over_ceiling', 'mean_abs_rank_corr')}
                                                             for key in ('default', 'gradcam')})
        print(f"{task} at {size} px ({runs[0]['arch']}, {n} images, {ep} epochs, {sum(r['train_s'] for r in runs):.0f}s of training): default = {d['why']}")
        maes, pgs = ', '.join(f"{r['valid_mae']:.3f}" for r in runs), ', '.join(f"{r['default']['pointing_game']:.3f}" for r in runs)
        print(f"  (info) MAE on the {runs[0]['n_explained']} validation images explained, per seed: {maes}; predicting their mean {np.mean([r['valid_mae_predicting_mean'] for r in runs]):.3f}"
              + (' (coordinates scaled to [-1, 1])' if task == 'position' else ''))
        print(f"  (info) Grad-CAM at {g['layer']} ({g['map_hw'][0]}x{g['map_hw'][1]}): pointing {mean('gradcam', 'pointing_game'):.3f}, energy {mean('gradcam', 'mask_energy'):.3f} "
              f"(ceiling {mean('gradcam', 'energy_ceiling'):.3f}, ratio {mean('gradcam', 'energy_over_ceiling'):.2f}), |rank corr| {mean('gradcam', 'mean_abs_rank_corr'):.3f}")
        print(f"  default: pointing per seed {pgs}; mask energy {mean('default', 'mask_energy'):.3f}, "
              f"ceiling {d['energy_ceiling']:.3f} at {d['map_hw'][0]}x{d['map_hw'][1]}")
        checks = ([('pointing_game (position)', mean('default', 'pointing_game'))] if task == 'position' else
                  [('pointing_game', mean('default', 'pointing_game')), ('energy / ceiling', mean('default', 'energy_over_ceiling')),
                   ('mean |rank_corr|', mean('default', 'mean_abs_rank_corr'))])
        for k, v in checks:
            line, ok = verdict(k, v); print('  ' + line); passes[f'defaults.{task}{size}.{k}'] = ok

    # cost: Grad-CAM (the user's call, layer picked on the batch) vs a plain forward + backward of the same batch
    model = learn.model
    xb = torch.cat([cam.images] * (1 + 64 // len(cam.images)))[:64].to(next(model.parameters()).device)
    def fwd_bwd():                                        # what one training step's forward and backward cost
        with eval_mode(model):
            model.zero_grad(set_to_none=True)
            model(xb)[:, 0].sum().backward()
        model.zero_grad(set_to_none=True)
    def fwd_bwd_input():                                  # gradient of the output w.r.t. the input only (saliency)
        with eval_mode(model):
            x = xb.clone().requires_grad_(True)
            torch.autograd.grad(model(x)[:, 0].sum(), x)
    def fwd():
        with eval_mode(model), torch.no_grad(): model(xb)
    def gradcam(): explain(learn, xb, method='gradcam')                     # the user's call: layer picked on the batch, maps upsampled, on the CPU
    t_plain, t_input, t_fwd, t_cam = median_times([fwd_bwd, fwd_bwd_input, fwd, gradcam], args.repeats)
    ratio = t_cam / t_plain
    res['cost'] = dict(batch=64, plain_fwd_bwd_ms=round(1000 * t_plain, 2), fwd_bwd_input_ms=round(1000 * t_input, 2),
                       forward_ms=round(1000 * t_fwd, 2), gradcam_ms=round(1000 * t_cam, 2), ratio=round(ratio, 3),
                       ratio_vs_input_grad=round(t_cam / t_input, 3))
    print(f"cost on a batch of 64 (median of {args.repeats}, interleaved): forward {1000*t_fwd:.1f} ms, forward+backward {1000*t_plain:.1f} ms "
          f"(to the input only: {1000*t_input:.1f} ms), Grad-CAM {1000*t_cam:.1f} ms")
    line, ok = verdict('gradcam_cost', ratio); print('  ' + line); passes['gradcam_cost'] = ok
    print(f"  (info) Grad-CAM / input-gradient pass: {t_cam / t_input:.2f}")

    res['goals'] = {k: f"{op} {g}" for k, (op, g) in GOALS.items()}
    res['pass'] = passes
    res['total_s'] = round(time.perf_counter() - t_start, 1)
    save('interpret', res)
    print(f"{sum(passes.values())}/{len(passes)} goals met; total {res['total_s']:.0f}s; results merged into {RESULTS} under 'interpret'")

if __name__ == '__main__': main()
