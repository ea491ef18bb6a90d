"""Training overhead: images/s of `regression_learner(...).fit` against a plain PyTorch loop
over the same model, batch size and in-memory data, measured in one run. Goal: ratio >= 0.95."""
import statistics, time
import numpy as np, torch
from fastai.vision.all import *
from visreg_nb.all import make_synthetic, regression_learner, seed_everything, pick_device
from _results import save, verdict

N, SIZE, BS, EPOCHS, REPEATS = 2048, 32, 64, 2, 5
data = make_synthetic('size', n=N, size=SIZE, seed=0)
dls = data.dataloaders(bs=BS, img_size=SIZE)
n_train = len(dls.train_ds) // BS * BS  # fastai drops the last partial training batch; so does the plain loop

def fastai_ips():
    learn = regression_learner(dls, seed=0)
    with learn.no_logging(), learn.no_bar():
        learn.fit(1, 1e-3)  # warm-up: allocations, first batches
        start = time.perf_counter(); learn.fit(EPOCHS, 1e-3); secs = time.perf_counter() - start
    return n_train * EPOCHS / secs, learn

# The plain loop gets the same tensors fastai feeds the model (normalized, on the device) and does the same work:
# AdamW steps on the same loss, then a validation pass with the same predictions.
learn0 = regression_learner(dls, seed=0)
dev = pick_device()
xs = torch.cat([b[0].as_subclass(torch.Tensor) for b in dls.train.new(shuffle=False, drop_last=False)]).to(dev)
ys = torch.cat([b[1].as_subclass(torch.Tensor) for b in dls.train.new(shuffle=False, drop_last=False)]).to(dev)
vx = torch.cat([b[0].as_subclass(torch.Tensor) for b in dls.valid]).to(dev)
vy = torch.cat([b[1].as_subclass(torch.Tensor) for b in dls.valid]).to(dev)

def plain_ips():
    seed_everything(0)
    model = regression_learner(dls, seed=0).model.to(dev)
    loss_func = learn0.loss_func
    opt = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=0.01)
    def epoch():
        model.train()
        perm = torch.randperm(len(xs), device=dev)
        for i in range(0, n_train, BS):
            idx = perm[i:i+BS]
            loss = loss_func(model(xs[idx]), ys[idx]); loss.backward(); opt.step(); opt.zero_grad()
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(vx[i:i+BS]) for i in range(0, len(vx), BS)])
            (preds[:, 0] - vy[:, 0]).abs().mean().item()
    epoch()
    start = time.perf_counter()
    for _ in range(EPOCHS): epoch()
    return n_train * EPOCHS / (time.perf_counter() - start)

fa, pl = [], []
for _ in range(REPEATS):  # alternate, so that load on a shared machine hits both alike
    fa.append(fastai_ips()[0]); pl.append(plain_ips())
ratios = [f / p for f, p in zip(fa, pl)]
ratio = statistics.median(ratios)
print(f"training images/s over {REPEATS} alternating runs ({EPOCHS} epochs of {n_train} images, bs {BS}, {SIZE}px, tiny_cnn, {torch.get_num_threads()} threads)")
print(f"  regression_learner.fit: {statistics.median(fa):8.1f} img/s  {[round(v) for v in fa]}")
print(f"  plain PyTorch loop:     {statistics.median(pl):8.1f} img/s  {[round(v) for v in pl]}")
print(f"  ratio fastai/plain:     {verdict(ratio, '>= 0.95', ratio >= 0.95)}  per run {[round(r, 3) for r in ratios]}")
save('training_overhead', dict(fastai_img_per_s=statistics.median(fa), plain_img_per_s=statistics.median(pl), ratio=ratio,
                               ratios=ratios, goal='>= 0.95', n_train=n_train, bs=BS, img_size=SIZE, epochs=EPOCHS))
