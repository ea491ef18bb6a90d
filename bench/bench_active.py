"""Benchmark of visreg_nb.interpret.active against the goals of issue 19 (the labelling loop), parts 2 and 3.

Active learning: `simulate_active_learning` on synthetic tasks (32 px) and rotated digits, every strategy, --seeds seeds
(each seed makes its own images, starting set and weights). For each strategy: the area under its validation-MAE-vs-labels
curve divided by random's at the same seed, mean over seeds with the spread. Goal: the best strategy's mean ratio <= 0.85.
Diagnostics, measured: how far each strategy's labelled set drifts from the pool's label distribution (Wasserstein distance
over the label std: random sampling stays near 0), and the seed-to-seed spread of random's own area (the noise any ratio sits in);
and what a ratio means in labels: random's mean curve fitted as c·n^-alpha, the factor k by which random's labels bought after the
start would have to grow to score the goal (and the best strategy's ratio); and a reference for the strategies that guess the model's
errors: 'oracle' labels the items the current model gets most wrong, reading the pool's labels (printed apart, never the best; it is
not an upper bound, and guesses can beat it). A declared scenario, not the goal's: --long-tail d draws
the pool so that high labels are rare (see `load`), validation uniform, saved under its own --key (measured: --tasks count --start 20
--per-round 20 --strategies random,tta,gsx,igs,coreset --long-tail 0.6 --key active_longtail).

Routing: per task and seed, models trained on 900 images of a synthetic task (the training share of the default n=1500; digits: 719
of the 1797), and two fresh splits of --route-split images each (1000; digits 539 + 539), one to calibrate on and one to test on, so
that the test's own sampling noise stays small. A Gaussian head where the target allows it, else MSE. For each uncertainty signal
(Gaussian std, TTA spread, ensemble spread of 3 models), target errors of 90% and 80% of the calibration MAE and each rule of
`route_to_people` (--rules: 'mean' = the kept calibration mean meets the target, '0.9' = its one-sided 90% upper bound does, '+k' = and
at least k calibration items are kept): the threshold is set on the calibration split and the mean error of the test predictions kept
is compared with the target. Goal: achieved/target <= 1.10; reported as the mean and worst seed, and the share of (seed, signal,
target) cases within 10%, per rule.
Numbers are merged into bench/results.json under the key 'active'.
Usage (from the repo root): OMP_NUM_THREADS=1 .venv/bin/python bench/bench_active.py [--tasks count,size,digits] [--route-tasks count,size,angle,digits]
       [--seeds 5] [--n 1500] [--start 50] [--per-round 50] [--rounds 5] [--epochs 10] [--min-steps 100] [--eval-models 1] [--strategies ...,igs@embedding]
       [--route-split 1000] [--rules mean,0.9,mean+30,0.9+30]
       [--long-tail 0.6 --key active_longtail] [--workers 2] [--skip-routing] [--skip-al] [--no-save]
"""
import argparse, time, warnings, os, platform, resource
from concurrent.futures import ProcessPoolExecutor
from functools import partial
import numpy as np, pandas as pd, torch
from scipy import stats

GOAL_RATIO, GOAL_ROUTING = 0.85, 1.10
from visreg_nb.interpret.active import SIMULATED as ORACLES   # strategies that read the pool's labels: printed apart, never the best

def load(task, n, seed, valid_pct=0.2, long_tail=None):
    """The images of a task: a synthetic one at 32 px, or the rotated digits (all 1797 once: reusing a digit would leak across the split).
    `long_tail=d` (a declared scenario, not the goal's): the pool (training rows) is drawn from 5x as many images with weight d**z,
    z the label scaled to 0..9, so high labels are rare in it; the validation rows stay the generator's (uniform labels), n*valid_pct of them."""
    from visreg_nb.data.synth import make_synthetic, digits_regression
    if task == 'digits': return digits_regression(size=32, valid_pct=valid_pct, seed=seed)
    if long_tail is None: return make_synthetic(task, n=n, size=32, valid_pct=valid_pct, seed=seed)
    import dataclasses
    n_valid, n_pool = round(n*valid_pct), n - round(n*valid_pct)
    d = make_synthetic(task, n=5*n, size=32, valid_pct=n_valid/(5*n), seed=seed)
    df, col = d.df, d.label_cols[0]
    tr = df[~df.is_valid.astype(bool)]
    y = tr[col].to_numpy(float)
    w = long_tail**((y - y.min())/(y.max() - y.min())*9)
    keep = np.random.default_rng(seed).choice(tr.index.to_numpy(), n_pool, replace=False, p=w/w.sum())
    return dataclasses.replace(d, df=pd.concat([df.loc[np.sort(keep)], df[df.is_valid.astype(bool)]]).reset_index(drop=True))

def label_shift(data, rows):
    "Wasserstein distance between the labels of `rows` and those of the pool (training rows), over the pool labels' std."
    df = data.df
    col = data.label_cols[0]
    pool = df.loc[~df.is_valid.astype(bool), col].to_numpy(float)
    return float(stats.wasserstein_distance(df.loc[rows, col].to_numpy(float), pool)/pool.std())

def al_job(task, seed, a):
    "One (task, seed) of the active-learning benchmark: the curves of every strategy and each one's label shift."
    warnings.simplefilter('ignore'); torch.set_num_threads(1)
    from visreg_nb.interpret.active import simulate_active_learning
    t0 = time.perf_counter()
    data = load(task, a.n, seed, long_tail=a.long_tail)
    parts, shift = [], {}
    for space in dict.fromkeys(s.partition('@')[2] or None for s in a.strategies):   # 'igs@embedding': iGS on the model's embedding
        names = [s for s in a.strategies if (s.partition('@')[2] or None) == space]
        c = simulate_active_learning(data, strategies=[s.partition('@')[0] for s in names], seeds=(seed,), start=a.start, per_round=a.per_round,
                                     rounds=a.rounds, epochs=a.epochs, min_steps=a.min_steps, members=a.members, space=space, width=a.width,
                                     eval_models=a.eval_models)
        rename = dict(zip([s.partition('@')[0] for s in names], names))
        shift.update({(task, seed, rename[s]): label_shift(data, d[seed]) for s, d in c.attrs['labelled'].items()})
        c = pd.DataFrame(c).assign(task=task, strategy=c.strategy.map(rename)); c.attrs = {}
        parts.append(c)
    pool = int((~data.df.is_valid.astype(bool)).sum())                      # the headroom: the whole pool labelled, trained alike
    full = simulate_active_learning(data, strategies=('random',), seeds=(seed,), start=pool, per_round=0, rounds=0, epochs=a.epochs,
                                    min_steps=a.min_steps, width=a.width, eval_models=a.eval_models).val_mae.iloc[0]
    shift[(task, seed, 'whole pool')], shift[(task, seed, 'pool size')] = float(full), pool
    return pd.concat(parts, ignore_index=True), shift, time.perf_counter() - t0

def routing_job(task, seed, a):
    "One (task, seed) of the routing check: achieved/target on the fresh test split for each signal and target."
    warnings.simplefilter('ignore'); torch.set_num_threads(1)
    from visreg_nb.learner import regression_learner, get_regression_preds
    from visreg_nb.interpret.uncertainty import tta_predictions
    from visreg_nb.interpret.active import ensemble_predictions, route_to_people, _item_errors
    t0 = time.perf_counter()
    if task == 'digits': data = load(task, None, seed, valid_pct=0.6)     # all 1797: 719 to train on, 539 + 539 to calibrate and test
    else:                                     # the training set of the default (900 images), plus two splits of --route-split each
        n = a.route_train + 2*a.route_split
        data = load(task, n, seed, valid_pct=2*a.route_split/n)
    dls = data.dataloaders(bs=64, img_size=32, seed=seed)
    gaussian = data.target_kind == 'scalar'
    def model(s):
        learn = regression_learner(dls, arch='tiny_cnn', loss='gaussian_nll' if gaussian else 'mse', seed=s)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(a.route_epochs, 5e-3)
        return learn
    learners = [model(100*seed + m) for m in range(3)]
    valid = dls.valid.items
    halves = {'cal': valid.iloc[:len(valid)//2], 'test': valid.iloc[len(valid)//2:]}   # images are drawn independently: the halves are random
    spec, out = learners[0].target_spec, {}
    for name, items in halves.items():
        dl = dls.test_dl(items, with_labels=True, bs=256)
        p = get_regression_preds(learners[0], dl=dl)
        err = _item_errors(p[spec.names].to_numpy(float), p[[f'pred_{c}' for c in spec.names]].to_numpy(float), spec)
        sig = {'TTA spread': tta_predictions(learners[0], dl=dl, n=8, noise=0.1)[f'std_{spec.names[0]}'].to_numpy(),
               'ensemble spread': ensemble_predictions(learners, dl=dl)[f'std_{spec.names[0]}'].to_numpy()}
        if gaussian: sig = {'Gaussian std': p[f'std_{spec.names[0]}'].to_numpy(), **sig}
        out[name] = (err, sig)
    rows = []
    (cal_err, cal_sig), (test_err, test_sig) = out['cal'], out['test']
    for signal in cal_sig:
        for frac in a.targets:
          for rule in a.rules:
            conf, _, k = rule.partition('+')
            confidence, min_kept = (None if conf == 'mean' else float(conf)), int(k or 1)
            target = frac*cal_err.mean()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                r = route_to_people(test_sig[signal], target, cal_sig[signal], cal_err, confidence=confidence, min_kept=min_kept)
            kept = np.setdiff1d(np.arange(len(test_err)), r.send)
            achieved = float(test_err[kept].mean()) if len(kept) else np.nan
            rows.append(dict(task=task, seed=seed, signal=signal, target_frac=frac, rule=rule, target=target, achieved=achieved,
                             ratio=achieved/target, test_sent=r.share_sent, cal_sent=r.cal_share_sent,
                             spearman=float(stats.spearmanr(cal_err, cal_sig[signal]).statistic), n_cal=len(cal_err), n_test=len(test_err)))
    return pd.DataFrame(rows), time.perf_counter() - t0

def label_multiplier(random_curves, ratio):
    """How many times more labels random would need to score `GOAL_RATIO` and `ratio`: random's mean curve fitted as c·n^-alpha, and
    the area ratio of that curve with the labels bought after the start multiplied by k (the start, shared by all strategies, unchanged)."""
    m = random_curves.groupby('n_labelled').val_mae.mean()
    n = m.index.to_numpy(float)
    alpha = -np.polyfit(np.log(n), np.log(m.to_numpy(float)), 1)[0]
    def area_ratio(k):
        return np.trapezoid((n[0] + k*(n - n[0]))**-alpha, n)/np.trapezoid(n**-alpha, n)
    def solve(r):
        if r >= 1: return 1.
        lo, hi = 1., 1e4
        if area_ratio(hi) > r: return np.inf
        for _ in range(100):
            mid = np.sqrt(lo*hi)
            lo, hi = (mid, hi) if area_ratio(mid) > r else (lo, mid)
        return hi
    return alpha, solve(GOAL_RATIO), solve(ratio)

def al_report(curves, shifts):
    "Per task: every strategy's ratio (mean, std, min, max over seeds), seeds better than random, label shift; and the verdict."
    from visreg_nb.interpret.active import compare_strategies, learning_curve_areas
    out, lines = {}, []
    for task, c in curves.groupby('task', sort=False):
        cmp = compare_strategies(c)
        areas = learning_curve_areas(c)
        rnd = areas[areas.strategy == 'random'].area
        cmp['label_shift'] = [np.mean([v for (t, _, s), v in shifts.items() if t == task and s == st]) for st in cmp.index]
        best = cmp.drop(index=['random', *ORACLES], errors='ignore').ratio.idxmin()
        ok = cmp.loc[best, 'ratio'] <= GOAL_RATIO
        full = {sd: v for (t, sd, s), v in shifts.items() if t == task and s == 'whole pool'}
        ideal = []                                  # a strategy whose every round reached the whole pool's MAE at once
        for sd, g in c[c.strategy == 'random'].groupby('seed'):
            g = g.sort_values('n_labelled'); n = g.n_labelled.to_numpy(float)
            best_curve = np.r_[g.val_mae.iloc[0], np.minimum(g.val_mae.iloc[1:], full[sd])]
            ideal.append(np.trapezoid(best_curve, n)/np.trapezoid(g.val_mae, n))
        lines.append(f"\n{task}: random's area (mean MAE over the budget) {rnd.mean():.4g} ± {rnd.std(ddof=1):.2g} over {len(rnd)} seeds "
                     f"(seed-to-seed CV {rnd.std(ddof=1)/rnd.mean():.1%})")
        lines.append(f"  {'strategy':<14}{'ratio':>8}{'± std':>8}{'min':>8}{'max':>8}{'better':>8}{'label shift':>13}")
        for s, r in cmp.iterrows():
            lines.append(f"  {s:<14}{r.ratio:8.3f}{r.ratio_std:8.3f}{r.ratio_min:8.3f}{r.ratio_max:8.3f}{int(r.seeds_better):>5}/{int(r.n_seeds)}{r.label_shift:13.3f}")
        lines.append(f"  best: {best} {cmp.loc[best, 'ratio']:.3f}x random (goal <= {GOAL_RATIO}) {'PASS' if ok else 'MISS'}")
        for o in [o for o in ORACLES if o in cmp.index]:
            lines.append(f"  reference, not a strategy a person can run: '{o}' (labels the items the model gets most wrong, reading the pool's labels) "
                         f"{cmp.loc[o, 'ratio']:.3f}x random, better at {int(cmp.loc[o, 'seeds_better'])}/{int(cmp.loc[o, 'n_seeds'])} seeds")
        pool = int(np.mean([v for (t, _, s), v in shifts.items() if t == task and s == 'pool size']))
        lines.append(f"  headroom: all {pool} pool items labelled give MAE {np.mean(list(full.values())):.4g} (the loop stops at {int(c.n_labelled.max())}); "
                     f"a strategy that reached it from round 1 on would score {np.mean(ideal):.3f}x random")
        alpha, need, have = label_multiplier(c[c.strategy == 'random'], cmp.loc[best, 'ratio'])
        lines.append(f"  random's curve falls as n^-{alpha:.2f} over the budget: a ratio of {GOAL_RATIO} means as good as random with {need:.1f}x its labels "
                     f"bought at every round; the best strategy's {cmp.loc[best, 'ratio']:.3f} is random with {have:.2f}x")
        mean_curve = c.groupby(['strategy', 'n_labelled']).val_mae.mean().unstack('n_labelled')
        lines.append("  mean val MAE by labels: " + '  '.join(f"{n}" for n in mean_curve.columns))
        for s in cmp.index: lines.append(f"    {s:<14}" + ' '.join(f"{v:6.3f}" for v in mean_curve.loc[s]))
        out[task] = dict(best=best, best_ratio=round(float(cmp.loc[best, 'ratio']), 4), pass_=bool(ok), random_area=round(float(rnd.mean()), 4),
                         whole_pool_mae=round(float(np.mean(list(full.values()))), 4), ideal_ratio=round(float(np.mean(ideal)), 4),
                         power_law_alpha=round(float(alpha), 3), label_multiplier_for_goal=round(float(need), 2), best_label_multiplier=round(float(have), 3),
                         strategies={s: {k: round(float(v), 4) for k, v in r.items()} for s, r in cmp.iterrows()})
    pairs = [(r['label_shift'], r['ratio']) for t in out.values() for s, r in t['strategies'].items() if s not in ('random', *ORACLES)]
    rho = stats.spearmanr(*zip(*pairs)).statistic
    lines.append(f"\nacross tasks and strategies, Spearman correlation of label shift with the ratio: {rho:+.2f} ({len(pairs)} pairs)")
    return out, lines

def routing_report(rows):
    """Per task, signal, target and rule: achieved/target on the fresh split (mean, worst seed, share of seeds within 10%), share sent,
    rank correlation of signal and error. A seed whose calibration meets the target with no threshold sends everything: it keeps
    nothing, so it has no achieved error and is counted apart (not as within). Per rule, the share of all (task, signal, target, seed)
    cases within 10% of the target, above it by more (the promise broken), and with everything sent (the honest answer when no threshold
    meets the target on calibration; it keeps no prediction, so it breaks no promise, at the cost of a person checking everything)."""
    lines, out = [f"\n{'task':<8}{'signal':<17}{'target':>8}{'rule':>9}{'achieved/target':>17}{'worst':>8}{'within 10%':>12}{'sent (test)':>13}{'all sent':>10}{'spearman':>10}  verdict"], {}
    rows = rows.assign(within=rows.ratio <= GOAL_ROUTING)
    g = rows.groupby(['task', 'signal', 'target_frac', 'rule'], sort=False)
    for (task, signal, frac, rule), r in g:
        m, w, none, within = r.ratio.mean(), r.ratio.max(), int(r.ratio.isna().sum()), r.within.mean()
        ok = bool(m <= GOAL_ROUTING and w <= GOAL_ROUTING)
        lines.append(f"{task:<8}{signal:<17}{f'{frac:.0%} MAE':>8}{rule:>9}{m:17.3f}{w:8.3f}{within:12.0%}{r.test_sent.mean():13.1%}{f'{none}/{len(r)}':>10}{r.spearman.mean():10.2f}  {'PASS' if ok else 'MISS'}")
        out[f'{task}/{signal}/{frac}/{rule}'] = dict(achieved_over_target=round(float(m), 4), worst=round(float(w), 4), within_10pct=round(float(within), 4),
                                                     test_sent=round(float(r.test_sent.mean()), 4), seeds_all_sent=none,
                                                     spearman=round(float(r.spearman.mean()), 4), pass_=ok)
    lines.append("\nper rule, over every task, signal, target and seed:")
    summary = {}
    for rule, r in rows.groupby('rule', sort=False):
        broken = float((r.ratio > GOAL_ROUTING).mean())       # kept predictions more than 10% above the target: the promise broken
        summary[rule] = dict(within_10pct=round(float(r.within.mean()), 4), above_10pct=round(broken, 4), all_sent=round(float(r.ratio.isna().mean()), 4),
                             mean_ratio=round(float(r.ratio.mean()), 4), test_sent=round(float(r.test_sent.mean()), 4), cases=len(r))
        lines.append(f"  {rule:>8}: kept error within 10% of the target in {r.within.mean():.0%} of {len(r)} cases, more than 10% above it in {broken:.0%}, "
                     f"everything sent (no threshold met the target on calibration) in {r.ratio.isna().mean():.0%}; "
                     f"mean achieved/target {r.ratio.mean():.3f}, {r.test_sent.mean():.0%} of the test items sent")
    out['per_rule'] = summary
    return out, lines

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--tasks', default='count,size,digits', help="active learning ('angle' too if the budget allows: ~8 more minutes on 2 cores)")
    ap.add_argument('--route-tasks', default='count,size,angle,digits'); ap.add_argument('--seeds', type=int, default=5)
    ap.add_argument('--n', type=int, default=1500, help='images per synthetic task (digits: all 1797)')
    ap.add_argument('--start', type=int, default=50); ap.add_argument('--per-round', type=int, default=50); ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--epochs', type=int, default=10); ap.add_argument('--min-steps', type=int, default=100); ap.add_argument('--members', type=int, default=3)
    ap.add_argument('--eval-models', type=int, default=1, help="models per round whose validation MAEs are averaged (simulate_active_learning's eval_models)")
    ap.add_argument('--width', type=int, default=8)
    ap.add_argument('--long-tail', type=float, default=None, help="declared scenario, not the goal's: a pool whose labels are long-tailed "
                    "(weight d**z, z the label scaled to 0..9; e.g. 0.6), validation uniform; save it under its own --key")
    ap.add_argument('--strategies', default='random,ensemble,tta,gsx,igs,coreset,igs@embedding,oracle',
                    help="comma-separated; name@space runs a distance strategy in another feature space (pixels or embedding); "
                         "'oracle' reads the pool's labels and is printed apart as a reference, never as the best")
    ap.add_argument('--route-epochs', type=int, default=8); ap.add_argument('--targets', default='0.9,0.8')
    ap.add_argument('--route-train', type=int, default=900, help='routing: training images of a synthetic task (as 60%% of the default n=1500)')
    ap.add_argument('--route-split', type=int, default=1000, help='routing: images in each of the calibration and test splits (synthetic tasks)')
    ap.add_argument('--rules', default='mean,0.9,mean+30,0.9+30',
                    help="route_to_people's rules to compare: 'mean' (confidence=None) or a confidence level, '+k' for min_kept=k (else 1)")
    ap.add_argument('--workers', type=int, default=2); ap.add_argument('--skip-routing', action='store_true'); ap.add_argument('--skip-al', action='store_true')
    ap.add_argument('--key', default='active', help='key in bench/results.json'); ap.add_argument('--no-save', action='store_true', help='print only (trials)')
    a = ap.parse_args()
    if a.long_tail is not None and a.key == 'active': ap.error("--long-tail is a declared scenario, not the goal's: save it under another --key (e.g. active_longtail)")
    a.strategies = tuple(a.strategies.split(','))
    if 'random' not in a.strategies or not set(a.strategies) - {'random', *ORACLES}:
        ap.error(f"--strategies {','.join(a.strategies)}: give 'random' (every ratio divides by it) and at least one strategy a person can run besides it")
    a.targets = tuple(float(t) for t in a.targets.split(','))
    a.rules = tuple(a.rules.split(','))
    tasks, route_tasks = a.tasks.split(','), a.route_tasks.split(',')
    warnings.simplefilter('ignore')
    t_start = time.perf_counter()
    res = dict(settings=dict(vars(a), strategies=list(a.strategies), targets=list(a.targets), size=32, torch=torch.__version__, machine=platform.machine(),
                             omp_threads=os.environ.get('OMP_NUM_THREADS')))
    jobs, route_jobs = [(t, s) for t in tasks for s in range(a.seeds)], [(t, s) for t in route_tasks for s in range(a.seeds)]
    with ProcessPoolExecutor(a.workers) as ex:
        al = [ex.submit(al_job, t, s, a) for t, s in jobs] if not a.skip_al else []
        rt = [ex.submit(routing_job, t, s, a) for t, s in route_jobs] if not a.skip_routing else []
        if al:
            got = [f.result() for f in al]
            curves = pd.concat([g[0] for g in got], ignore_index=True)
            shifts = {k: v for g in got for k, v in g[1].items()}
            print(f"active learning: {len(jobs)} (task, seed) replays of {len(a.strategies)} strategies, {a.start} + {a.per_round} x {a.rounds} labels, "
                  f"median {np.median([g[2] for g in got]):.0f}s per replay")
            res['al'], lines = al_report(curves, shifts)
            print('\n'.join(lines))
        if rt:
            got = [f.result() for f in rt]
            rows = pd.concat([g[0] for g in got], ignore_index=True)
            print(f"\nrouting: calibrated on half the validation images ({rows.n_cal.iloc[0]}), measured on the other half ({rows.n_test.iloc[0]}), "
                  f"{a.seeds} seeds, median {np.median([g[1] for g in got]):.0f}s per (task, seed); goal achieved/target <= {GOAL_ROUTING}")
            res['routing'], lines = routing_report(rows)
            print('\n'.join(lines))
    res['total_s'] = round(time.perf_counter() - t_start, 1)
    use = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    res['cpu_s'] = round(sum(u.ru_utime + u.ru_stime for u in use), 1)
    print(f"\nwall {res['total_s']:.0f}s, CPU {res['cpu_s']:.0f}s (on {a.workers} otherwise idle cores: about {res['cpu_s']/a.workers:.0f}s); load average now {os.getloadavg()[0]:.1f}")
    if a.no_save: return print("(not saved)")
    from _results import save, RESULTS
    import json
    old = json.loads(RESULTS.read_text()).get(a.key, {}) if RESULTS.exists() else {}
    for part, skipped in (('al', a.skip_al), ('routing', a.skip_routing)):   # a part not run keeps its earlier numbers and settings
        if skipped and part in old:
            res[part] = old[part]
            res[f'{part}_from_earlier_run'] = dict(measured=old.get(f'{part}_from_earlier_run', {}).get('measured', old.get('measured')),
                                                  settings=old.get(f'{part}_from_earlier_run', {}).get('settings', old.get('settings')))
    save(a.key, res)
    print(f"results merged into {RESULTS} under {a.key!r}")

if __name__ == '__main__': main()
