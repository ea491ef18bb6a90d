"""Data-parallel training of a regression learner with fastai's `learn.distrib_ctx()` (Accelerate), on GPUs or CPU processes.

On two CPU processes (gloo; `accelerate launch --cpu` alone would start one process):
    ACCELERATE_USE_CPU=1 OMP_NUM_THREADS=1 .venv/bin/accelerate launch --multi_gpu --num_processes 2 --num_machines 1 \
        --mixed_precision no --dynamo_backend no bench/ddp_train.py --out /tmp/ddp
On two GPUs: `accelerate launch --multi_gpu --num_processes 2 bench/ddp_train.py --out /tmp/ddp`. In one process: `python bench/ddp_train.py`.
Trains `--epochs` epochs on a synthetic task and writes, from the first process, the validation predictions that
`get_regression_preds` gathered from every process (preds.csv), the weights (weights.pt) and the metrics (run.json);
tests/test_distrib.py compares them with one process on the same weights."""
import argparse, json, time
from pathlib import Path
import torch
from visreg_nb.all import *

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default='ddp-out'); ap.add_argument('--task', default='count'); ap.add_argument('--n', type=int, default=210)
    ap.add_argument('--size', type=int, default=32); ap.add_argument('--bs', type=int, default=16); ap.add_argument('--epochs', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(1)
    dls = make_synthetic(a.task, n=a.n, size=a.size, seed=0).dataloaders(bs=a.bs, seed=0)
    learn = regression_learner(dls, arch='tiny_cnn', seed=0)
    start = time.perf_counter()
    with learn.distrib_ctx(sync_bn=torch.cuda.is_available()):   # synchronized batch norm needs a GPU
        with learn.no_bar(): learn.fit_one_cycle(a.epochs, 1e-2)
        metrics = dict(zip(learn.recorder.metric_names[1:-1], map(float, learn.recorder.values[-1])))   # before get_preds resets the names
        preds = get_regression_preds(learn)                        # every process gets every validation item
    if rank_distrib() == 0:
        out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
        preds.to_csv(out/'preds.csv', index=False)
        torch.save(learn.model.state_dict(), out/'weights.pt')
        (out/'run.json').write_text(json.dumps(dict(processes=max(num_distrib(), 1), seconds=round(time.perf_counter() - start, 2),
                                                    metrics=metrics, **vars(a))))
        print(f"{max(num_distrib(), 1)} process(es), {a.epochs} epoch(s) in {time.perf_counter() - start:.1f} s; "
              f"{len(preds)} validation predictions in {out}/preds.csv")

if __name__ == '__main__': main()
