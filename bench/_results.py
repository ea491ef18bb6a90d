"Shared by the benchmarks: merge one benchmark's numbers into bench/results.json."
import json, platform, time
from pathlib import Path
import torch

RESULTS = Path(__file__).resolve().parent/'results.json'

def save(key:str, numbers:dict):
    "Read-modify-write `numbers` under `key`, with when and where they were measured."
    res = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    res[key] = {**numbers, 'measured': time.strftime('%Y-%m-%d %H:%M:%S'), 'machine': platform.machine(),
                'torch_threads': torch.get_num_threads(), 'cuda': torch.cuda.is_available()}
    RESULTS.write_text(json.dumps(res, indent=2))

def verdict(value, goal, ok): return f"{value:.3f} (goal {goal}) {'PASS' if ok else 'MISS'}"
