"""Store notebook figures as 256-colour PNGs, so the notebooks stay small in git.

    python bench/shrink_outputs.py                 # every notebook under nbs/
    python bench/shrink_outputs.py nbs/05_interpret.ipynb ...
    python bench/shrink_outputs.py --check         # exit 1 if a figure would shrink, or the notebooks pass MAX_MB

Matplotlib's PNGs are true-colour; most plots have few colours, so a 256-colour palette keeps their look at about
half the bytes. Two palettes are tried, median cut and Pillow's fast octree (which follows the smooth ramps of colour
bars and attribution maps better), and the one closer to the original is kept, if one pixel in a thousand moves by
at most MAX_ERR of 255 levels; else the figure stays true-colour. At 16 levels an integrated-gradients figure with its
colour bar looked the same side by side (lesson 06) and took 8.9 KB instead of 20.6 KB.
Either way the PNG is then recompressed losslessly by oxipng when it is installed (`pip install pyoxipng`; about a
quarter smaller than zlib's best), else by Pillow's optimizer. A figure is replaced only when it gets
smaller, so a second run changes nothing.
Run it after executing notebooks, before `make clean-nbs`; `make shrink-nbs` does both.
"""
import argparse, base64, io, json, sys
from pathlib import Path
import numpy as np
from PIL import Image
try: import oxipng
except ImportError: oxipng = None   # Pillow's zlib optimizer only

ROOT = Path(__file__).resolve().parents[1]
MAX_MB = 2.0   # all notebooks together, in millions of bytes, as issue 17 asks
MAX_ERR = 16   # largest colour change (of 255) allowed at the 99.9th percentile of pixels

def _palette_error(rgb, q)->float:
    "Colour change (of 255) of the pixel at the 99.9th percentile when `rgb` is drawn with palette image `q`."
    return float(np.percentile(np.abs(np.asarray(q.convert('RGB'), dtype=int) - np.asarray(rgb, dtype=int)).max(-1), 99.9))

def shrink_png(data:bytes)->bytes|None:
    "The PNG with 256 colours where that looks the same, recompressed; None when that is not smaller."
    im = Image.open(io.BytesIO(data))
    if im.mode != 'P':
        rgb = im.convert('RGB')
        palettes = [rgb.quantize(colors=256, method=m, dither=Image.Dither.NONE) for m in (Image.Quantize.MEDIANCUT, Image.Quantize.FASTOCTREE)]
        err, q = min(((_palette_error(rgb, q), q) for q in palettes), key=lambda t: t[0])
        im = rgb if err > MAX_ERR else q   # ramps no palette follows: keep every colour
    buf = io.BytesIO(); im.save(buf, 'PNG', optimize=True); new = buf.getvalue()
    if oxipng is not None: new = oxipng.optimize_from_memory(new, level=4, strip=oxipng.StripChunks.safe())
    return new if len(new) < len(data) else None

def shrink_notebook(path:Path, write:bool=True)->tuple[int, int]:
    "Figures shrunk in `path` and bytes saved (in the stored base64)."
    text = path.read_text(); nb = json.loads(text); n = saved = 0
    for cell in nb['cells']:
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            if 'image/png' not in data: continue
            old = data['image/png']; new = shrink_png(base64.b64decode(old if isinstance(old, str) else ''.join(old)))
            if new is None: continue
            enc = base64.b64encode(new).decode()
            saved += len(old if isinstance(old, str) else ''.join(old)) - len(enc); n += 1
            data['image/png'] = enc
    if n and write: path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return n, saved

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paths', nargs='*', type=Path)
    ap.add_argument('--check', action='store_true', help="change nothing; exit 1 if a figure would shrink or the notebooks pass MAX_MB")
    a = ap.parse_args()
    paths = a.paths or sorted((ROOT/'nbs').rglob('*.ipynb'))
    paths = [p for p in paths if '.ipynb_checkpoints' not in p.parts]
    for p in paths:
        if not p.is_file(): sys.exit(f"{p}: no such notebook")
    todo = 0
    for p in paths:
        n, saved = shrink_notebook(p, write=not a.check)
        if n: todo += n; print(f"{p.relative_to(ROOT) if p.is_absolute() else p}: {n} figures, {saved/1024:.0f} KB {'to save' if a.check else 'saved'}")
    total = sum(p.stat().st_size for p in sorted((ROOT/'nbs').rglob('*.ipynb')) if '.ipynb_checkpoints' not in p.parts) / 1e6   # decimal MB, as issue 17 counts
    print(f"notebooks under nbs/: {total:.2f} MB (limit {MAX_MB} MB)")
    if a.check and (todo or total > MAX_MB):
        sys.exit(f"{todo} figures are not shrunk or the notebooks pass {MAX_MB} MB: run `make shrink-nbs`")
