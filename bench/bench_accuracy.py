"""Accuracy against the limit: on the synthetic `size` and `count` tasks with Gaussian label noise of
sigma = 1 label unit, tiny_cnn trained for at most 2 minutes reaches validation MAE (on the noisy labels)
<= 1.05 x noise_floor. Prints the ratio per task and the MAE against the clean labels."""
import time
import numpy as np, torch
from visreg_nb.all import make_synthetic, regression_learner, get_regression_preds
from _results import save, verdict

BUDGET, N, SIZE, BS, LR = 120., 6000, 32, 64, 3e-3
results = {}
for task in ['size', 'count']:
    data = make_synthetic(task, n=N, size=SIZE, noise=1., seed=0)
    dls = data.dataloaders(bs=BS, img_size=SIZE)
    probe = regression_learner(dls, seed=1)          # time one epoch on a throwaway model to size the schedule
    with probe.no_logging(), probe.no_bar():
        t = time.perf_counter(); probe.fit(1, LR); epoch_secs = time.perf_counter() - t
    epochs = max(1, int(0.9 * BUDGET / epoch_secs))
    learn = regression_learner(dls, seed=0)
    with learn.no_logging(), learn.no_bar():
        t = time.perf_counter(); learn.fit_one_cycle(epochs, LR); train_secs = time.perf_counter() - t
    preds = get_regression_preds(learn)
    col = data.label_cols[0]
    mae_noisy = float((preds[f'pred_{col}'] - preds[col]).abs().mean())
    clean = data.clean_labels[col].to_numpy()[preds._row.to_numpy()]
    mae_clean = float(np.abs(preds[f'pred_{col}'].to_numpy() - clean).mean())
    ratio = mae_noisy / data.noise_floor
    results[task] = dict(epochs=epochs, train_seconds=round(train_secs, 1), mae_noisy=mae_noisy, mae_clean=mae_clean,
                         noise_floor=data.noise_floor, ratio=ratio, within_budget=train_secs <= BUDGET)
    print(f"{task:>6}: {epochs} epochs in {train_secs:.0f} s (budget {BUDGET:.0f} s); MAE on noisy labels {mae_noisy:.3f}, "
          f"noise floor {data.noise_floor:.3f}, MAE on clean labels {mae_clean:.3f} {data.units}")
    print(f"        ratio MAE/noise floor: {verdict(ratio, '<= 1.05', ratio <= 1.05 and train_secs <= BUDGET)}")
save('accuracy_vs_limit', dict(results, goal='mae_noisy / noise_floor <= 1.05 within 120 s of training', n=N, img_size=SIZE,
                               threads=torch.get_num_threads()))
