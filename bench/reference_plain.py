"""The plain reference for the real-data benchmark: a 30-line PyTorch script, no fastai, no visreg_nb.

Four Conv(3x3)-BatchNorm-ReLU-MaxPool(2) blocks (16, 32, 64, 64 channels), global average pooling, one linear
layer; AdamW at 3e-3 with a one-cycle schedule, batch 32, 30 epochs. Targets: (sin, cos) for angles, labels
standardized with the training mean and std for numbers, coordinates scaled to [-1, 1] of each image for keypoints.
Images are squashed to `size` px, RGB, normalized with the training images' channel statistics.

    python bench/reference_plain.py CSV LABEL[,LABEL...] KIND [--size 64] [--epochs 30]
"""
import argparse, math, time
from pathlib import Path
import numpy as np, pandas as pd, torch, torch.nn as nn
from PIL import Image

def load(csv, labels, size):
    "Images (n, 3, size, size) in [0, 1], labels (n, k), original sizes (n, 2), validation mask."
    df = pd.read_csv(csv); root = Path(csv).parent
    ims = [Image.open(root/f).convert('RGB') for f in df.fname]
    x = torch.tensor(np.stack([np.asarray(im.resize((size, size), Image.BILINEAR)) for im in ims])).permute(0, 3, 1, 2).float() / 255
    wh = np.array([im.size for im in ims], float)
    valid = df.is_valid.astype(str).str.lower().isin(['true', '1']).to_numpy().copy()  # writable: torch indexes with it
    return x, df[labels].to_numpy(float), wh, valid

def net(n_out):
    blocks = [nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))
              for i, o in zip((3, 16, 32, 64), (16, 32, 64, 64))]
    return nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, n_out))

def encode(y, kind, wh, mean, std):
    if kind == 'circular': r = np.deg2rad(y); return np.concatenate([np.sin(r), np.cos(r)], 1)
    if kind == 'keypoints': return y / np.tile(wh, y.shape[1] // 2) * 2 - 1
    return (y - mean) / std

def error(p, y, kind, wh, mean, std):
    "Mean error in label units: degrees along the circle, pixels of distance, or absolute difference."
    if kind == 'circular':
        k = y.shape[1]; a = np.rad2deg(np.arctan2(p[:, :k], p[:, k:])) % 360
        d = np.abs(a - y) % 360; return float(np.minimum(d, 360 - d).mean())
    if kind == 'keypoints':
        px = (p + 1) / 2 * np.tile(wh, y.shape[1] // 2)
        return float(np.sqrt(((px - y).reshape(len(y), -1, 2) ** 2).sum(-1)).mean())
    return float(np.abs(p * std + mean - y).mean())

def run_reference(csv, labels, kind, size=64, epochs=30, seed=0, bs=32, lr=3e-3):
    "Train the plain script on `csv`'s training rows; return its mean error on the validation rows and its seconds."
    torch.manual_seed(seed); np.random.seed(seed); start = time.time()
    x, y, wh, valid = load(csv, labels, size)
    mean, std = y[~valid].mean(0), y[~valid].std(0)
    t = torch.tensor(encode(y, kind, wh, mean, std), dtype=torch.float32)
    cm, cs = x[~valid].mean((0, 2, 3), keepdim=True), x[~valid].std((0, 2, 3), keepdim=True)
    x = (x - cm) / cs
    xt, tt, xv = x[~valid], t[~valid], x[valid]
    model = net(t.shape[1]); opt = torch.optim.AdamW(model.parameters(), lr=lr)
    steps = math.ceil(len(xt) / bs) * epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt)).split(bs):
            loss = nn.functional.mse_loss(model(xt[idx]), tt[idx]); opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    model.eval()
    with torch.no_grad(): p = torch.cat([model(xv[i:i+256]) for i in range(0, len(xv), 256)]).numpy()
    return error(p, y[valid], kind, wh[valid], mean, std), time.time() - start

def mean_predictor(csv, labels, kind):
    "Error of always predicting the training mean (circular mean for angles; image-relative mean for keypoints)."
    df = pd.read_csv(csv); valid = df.is_valid.astype(str).str.lower().isin(['true', '1']).to_numpy()
    y = df[labels].to_numpy(float)
    if kind == 'keypoints':
        root = Path(csv).parent; wh = np.array([Image.open(root/f).size for f in df.fname], float)
        z = encode(y, kind, wh, 0, 1); p = np.broadcast_to(z[~valid].mean(0), z[valid].shape)
        return error(p, y[valid], kind, wh[valid], 0, 1)
    if kind == 'circular':
        z = encode(y, kind, None, 0, 1); p = np.broadcast_to(z[~valid].mean(0), z[valid].shape)
        return error(p, y[valid], kind, None, 0, 1)
    return float(np.abs(y[~valid].mean(0) - y[valid]).mean())

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('csv'); ap.add_argument('labels'); ap.add_argument('kind')
    ap.add_argument('--size', type=int, default=64); ap.add_argument('--epochs', type=int, default=30)
    a = ap.parse_args()
    err, secs = run_reference(a.csv, a.labels.split(','), a.kind, a.size, a.epochs)
    print(f"plain reference: error {err:.4g} in {secs:.0f} s (mean predictor {mean_predictor(a.csv, a.labels.split(','), a.kind):.4g})")
