"""Benchmark of visreg_nb.errors: label-issue ranking, interval coverage, conformal coverage and drift p-values.

Run from the repo root: .venv/bin/python bench/bench_errors.py
Prints each number with its goal and PASS/MISS, and merges them into bench/results.json under 'errors'.
Every number is measured here; nothing is typed in. Runs in about 5 minutes on 2 CPU cores.
"""
import time
import numpy as np, torch

torch.set_num_threads(1)  # tiny CNNs train several times faster on one thread of a shared CPU
T0 = time.time()
from visreg_nb.core import seed_everything
from visreg_nb.data.synth import make_synthetic
from visreg_nb.learner import regression_learner, get_regression_preds
from visreg_nb.interpret.labels import label_issues, precision_at_k
from visreg_nb.interpret.uncertainty import calibration_table, conformal_intervals, interval_coverage
from visreg_nb.interpret.drift import drift_report
from _results import save

results, lines = {}, []
def report(name, value, goal, ok):
    status = 'PASS' if ok else 'MISS'
    results[name] = dict(value=value, goal=goal, status=status)
    line = f"{name:<38} {value!s:<12} goal {goal:<22} {status}"
    lines.append(line); print(line, flush=True)

# 1. label issues. (a) False alarms: labels with no wrong one (exact, and with Gaussian noise), and the digits demo as
#    `make report` scans it; every flag (is_label_issue, label_quality < alpha = 1e-3) is a false alarm. The issue asks
#    for <= 1%; the goal here is 3x alpha, so that the stated rate means something. (b) 5% of labels
#    replaced by wrong ones: precision@k (k = number corrupted) of label_quality against cleanlab's regression
#    score (cleanlab.regression.rank.get_label_quality_scores) on the same out-of-fold predictions.
from cleanlab.regression.rank import get_label_quality_scores
from visreg_nb.report import check_params, load_report_data, label_scan
t = time.time()
clean_sets = {'size_exact': make_synthetic('size', n=1000, size=32, seed=0),
              'size_gaussian_noise': make_synthetic('size', n=1000, size=32, noise=0.5, seed=0),
              'count_exact': make_synthetic('count', n=1000, size=32, seed=0),
              'angle_exact': make_synthetic('angle', n=1000, size=32, seed=0),
              'position_exact': make_synthetic('position', n=1000, size=32, seed=0)}
for name, sd in clean_sets.items():
    li = label_issues(sd, k_folds=5, seed=0)
    rate = float(li.is_label_issue.mean())
    report(f'label_issues_false_alarms_{name}', round(rate, 4), '<= 0.003 (3x alpha)', rate <= 0.003)
params = check_params(dict(dataset='digits'))
_, _, label_data, label_kw = load_report_data(params)
li = label_scan(label_data, label_kw, params)
rate = float(li.is_label_issue.mean())
report('label_issues_false_alarms_digits_demo', round(rate, 4), '<= 0.003 (3x alpha)', rate <= 0.003)
for task in ('size', 'count'):
    sd = make_synthetic(task, n=1000, size=32, outlier_frac=0.05, seed=0)
    li = label_issues(sd, k_folds=5, seed=0)
    p = precision_at_k(li.label_quality.to_numpy(), sd.corrupted)
    p_cl = precision_at_k(get_label_quality_scores(li.label.to_numpy(), li.oof_pred.to_numpy()), sd.corrupted)
    report(f'label_issues_precision_at_k_{task}', round(p, 3), f">= cleanlab's {p_cl:.3f}", p >= p_cl)
    fl = li.is_label_issue.to_numpy()
    results[f'label_issues_{task}_flagged'] = dict(k=int(sd.corrupted.sum()), flagged=int(fl.sum()),
        precision=round(float(sd.corrupted[fl].mean()), 3) if fl.any() else None, recall=round(float(fl[sd.corrupted].mean()), 3))
results['label_issues_seconds'] = round(time.time() - t, 1)

# 2. a gaussian_nll model on noisy labels: coverage of its 90% intervals on the validation set
t = time.time()
noisy = make_synthetic('size', n=1000, size=32, noise=0.5, seed=2)
dls = noisy.dataloaders(bs=64)
learn = regression_learner(dls, loss='gaussian_nll', seed=0)
with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(10, 3e-3)
with learn.no_bar(): val = get_regression_preds(learn)
ct = calibration_table(val.radius, val.pred_radius, val.std_radius, levels=(0.5, 0.9, 0.95))
cov90 = float(ct.loc[0.9, 'coverage'])
report('gaussian_nll_90pct_coverage', round(cov90, 3), 'between 0.85 and 0.95', 0.85 <= cov90 <= 0.95)
results['gaussian_nll_valid_mae'] = round(float(np.abs(val.radius - val.pred_radius).mean()), 3)
results['gaussian_nll_coverage_table'] = {str(k): round(float(v), 3) for k, v in ct.coverage.items()}

# 3. split-conformal 90% intervals: calibrated on the validation set, checked on a fresh test set
test = make_synthetic('size', n=1000, size=32, noise=0.5, seed=3).df
with learn.no_bar(): tp = get_regression_preds(learn, dl=learn.dls.test_dl(test, with_labels=True))
ci = conformal_intervals(val.radius, val.pred_radius, tp.pred_radius, alpha=0.1)
ccov = interval_coverage(tp.radius, ci.lower, ci.upper)
report('conformal_90pct_coverage_fresh_test', round(ccov, 3), '>= 0.89', ccov >= 0.89)
ci_n = conformal_intervals(val.radius, val.pred_radius, tp.pred_radius, alpha=0.1, cal_std=val.std_radius, test_std=tp.std_radius)
results['conformal_normalized_90pct_coverage'] = round(interval_coverage(tp.radius, ci_n.lower, ci_n.upper), 3)
results['conformal_half_width'] = round(float(ci.half_width.mean()), 3)
results['uncertainty_seconds'] = round(time.time() - t, 1)

# 4. drift: the model's validation items against fresh items of the same task, and against the same items brightened
t = time.time()
fresh = make_synthetic('size', n=200, size=32, noise=0.5, seed=4).df
bright = fresh.assign(image=[np.clip(im.astype(int) + 40, 0, 255).astype(np.uint8) for im in fresh.image])
ref = learn.dls.valid.items
same = drift_report(learn, ref, fresh, n_permutations=200)
moved = drift_report(learn, ref, bright, n_permutations=200)
for name, r in (('same_task', same), ('brightened', moved)):
    results[f'drift_{name}_pvalues'] = {k: (None if np.isnan(v) else float(f'{v:.3g}')) for k, v in r.summary.p_value.items()}
report('drift_same_task_overall_p', round(same.overall_p, 3), '> 0.05 (no drift)', same.overall_p > 0.05)
report('drift_brightened_overall_p', float(f'{moved.overall_p:.3g}'), '< 0.01 (drift)', moved.overall_p < 0.01)
report('drift_brightened_embedding_p', round(moved.embedding['p_value'], 4), '< 0.01', moved.embedding['p_value'] < 0.01)
report('drift_same_task_embedding_p', round(same.embedding['p_value'], 3), '> 0.05', same.embedding['p_value'] > 0.05)
results['drift_seconds'] = round(time.time() - t, 1)
results['total_seconds'] = round(time.time() - T0, 1)
results['note'] = ("overall_p is the Bonferroni-adjusted smallest p-value of the drift tests (prediction KS, embedding "
                   "domain-classifier permutation test with 200 permutations, image property KS tests)")
print(f"total {results['total_seconds']} s")

save('errors', results)  # read-modify-write of bench/results.json, shared with the other benchmarks
print('merged into bench/results.json under "errors"')
