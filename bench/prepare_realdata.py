"""Prepare four small public image-regression data sets for the real-data benchmarks.

Sets written, one folder each under CACHE/NAME/:

=========  ==========  ==========================================  ==============================
NAME       task kind   labels                                      source repository (GitHub)
=========  ==========  ==========================================  ==============================
bccd       scalar      ``rbc`` (+ ``wbc``, ``platelets``) counts   Shenggan/BCCD_Dataset (MIT)
coil100    circular    ``angle`` in degrees, 0..355 step 5         drewwilimitis/Manifold-Learning
                                                                   (images/coil-100: COIL-100)
mtfl_lfw   keypoints   ``x0,y0,...,x4,y4`` in pixels (5 points)    anurag708/Facial-Landmark-
                                                                   Detection-Using-CNN (MTFL, LFW part)
txl_pbc    scalar      ``rbc`` (+ ``wbc``, ``platelets``) counts   lugan113/TXL-PBC_Dataset (MIT;
                                                                   BCCD, BCD, PBC, Raabin-WBC re-boxed)
=========  ==========  ==========================================  ==============================

Getting the data: the script reads git snapshots, never the network. Bring the four repositories onto
the machine as bare git mirrors laid out as ``MIRROR/<owner>+<name>/repo`` (this is what the workspace's
``fetch`` tool produces under /work/.mirror; a plain ``git clone --mirror https://github.com/<owner>/<name>
MIRROR/<owner>+<name>/repo`` gives the same thing). A set whose mirror is absent is skipped with a message;
the script still exits 0.

bccd and txl_pbc also get ``boxes.csv``, every box in the stored image's pixels (bench_interpret_real.py).
Each CACHE/NAME/ gets ``images/`` (RGB, longer side <= 256 px), ``labels.csv`` (``fname`` relative to
CACHE/NAME, label columns, ``is_valid``, metadata) and ``SOURCE.txt`` (repository, commit, licence, how the
labels were derived). Everything written is checked: every image opens with the expected size, counts are
re-derived from the XML (BCCD) or label files (TXL-PBC), angles are on the 5 degree grid, keypoints lie inside their image.

Usage::

    python bench/prepare_realdata.py [--mirror /work/.mirror] [--cache DIR] [--only bccd coil100 mtfl_lfw txl_pbc]

CACHE defaults to $VISREG_REALDATA, else ~/.cache/visreg_nb/realdata. Needs git, numpy, pandas, Pillow.
"""
import argparse, io, os, random, re, shutil, subprocess, sys, tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
import numpy as np, pandas as pd
from PIL import Image

MAX_SIDE = 256
DEFAULT_MIRROR = '/work/.mirror'


# ----------------------------------------------------------------------------------------------- git helpers
def find_gitdir(mirror_root, repo):
    "The git directory of `repo` ('owner/name') under `mirror_root`, or None when it is not there."
    base = Path(mirror_root) / repo.replace('/', '+')
    for cand in (base / 'repo' / '.git', base / 'repo', base / '.git', base):
        if (cand / 'HEAD').is_file() and (cand / 'objects').is_dir():
            return cand
    return None


def git(gitdir, *args):
    "Run a git command against `gitdir` and return its stdout as text."
    return subprocess.run(['git', f'--git-dir={gitdir}', *args], check=True, capture_output=True).stdout.decode()


def read_text(gitdir, commit, path):
    "The text of `path` at `commit`."
    return git(gitdir, 'show', f'{commit}:{path}')


def iter_tree_files(gitdir, commit, prefix):
    "Yield (path, bytes) for every file under `prefix` at `commit`, streamed through `git archive`."
    # archive the sub-tree itself, so blobs missing elsewhere in a partial snapshot are never looked at
    proc = subprocess.Popen(['git', f'--git-dir={gitdir}', 'archive', '--format=tar', f'--prefix={prefix}/',
                             f'{commit}:{prefix}'], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=proc.stdout, mode='r|') as tar:
        for member in tar:
            if member.isfile():
                yield member.name, tar.extractfile(member).read()
    if proc.wait() != 0: raise RuntimeError(f'git archive {commit} {prefix} failed')


def list_files(gitdir, commit, prefix):
    "Paths of the files under `prefix` at `commit`."
    return git(gitdir, 'ls-tree', '-r', '--name-only', commit, prefix).split()


# --------------------------------------------------------------------------------------------- image helpers
def load_rgb(data):
    "Decode image bytes into an RGB PIL image."
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert('RGB')


def downscale(img, max_side=MAX_SIDE):
    "Shrink `img` so its longer side is at most `max_side`; return (image, scale factor applied)."
    w, h = img.size
    if max(w, h) <= max_side: return img, 1.0
    s = max_side / max(w, h)
    return img.resize((round(w * s), round(h * s)), Image.LANCZOS), s


def save_image(img, dest):
    "Save as JPEG or PNG depending on the suffix of `dest`."
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.suffix.lower() in ('.jpg', '.jpeg'): img.save(dest, quality=95)
    else: img.save(dest)


def check_images(out, df, sizes=None):
    "Every `fname` opens as RGB; when `sizes` is a list of (w, h), each image has that size. Return sizes."
    seen = []
    for i, fn in enumerate(df.fname):
        with Image.open(out / fn) as im:
            im.load()
            assert im.mode == 'RGB', f'{fn}: mode {im.mode}'
            assert max(im.size) <= MAX_SIDE, f'{fn}: {im.size} larger than {MAX_SIDE}'
            if sizes is not None: assert im.size == tuple(sizes[i]), f'{fn}: {im.size} != {sizes[i]}'
            seen.append(im.size)
    return seen


# ------------------------------------------------------------------------------------------- output helpers
def fresh_dir(out):
    "Empty CACHE/NAME (only the files this script writes) and return it."
    shutil.rmtree(out / 'images', ignore_errors=True)
    for f in ('labels.csv', 'SOURCE.txt'): (out / f).unlink(missing_ok=True)
    (out / 'images').mkdir(parents=True, exist_ok=True)
    return out


def write_outputs(out, df, source):
    "Write labels.csv and SOURCE.txt."
    df.to_csv(out / 'labels.csv', index=False)
    (out / 'SOURCE.txt').write_text(source.strip() + '\n')


def summary(name, df, label_cols, sizes):
    "One printable paragraph describing what was written."
    n_val = int(df.is_valid.sum())
    lines = [f'[{name}] {len(df)} images: {len(df) - n_val} train / {n_val} valid',
             f'  columns: {", ".join(df.columns)}',
             f'  image sizes (w x h): ' + ', '.join(f'{w}x{h} ({c})' for (w, h), c in
                                                   pd.Series(sizes).value_counts().items())]
    for c in label_cols:
        lines.append(f'  {c}: min {df[c].min():g}  max {df[c].max():g}  mean {df[c].mean():.2f}')
    return '\n'.join(lines)


# ----------------------------------------------------------------------------------------------------- BCCD
BCCD_REPO = 'Shenggan/BCCD_Dataset'
BCCD_CLASSES = {'RBC': 'rbc', 'WBC': 'wbc', 'Platelets': 'platelets'}


def count_boxes(xml_text):
    "Per-class number of <object> boxes in a Pascal VOC annotation, plus the stated image size."
    root = ET.fromstring(xml_text)
    counts = {col: 0 for col in BCCD_CLASSES.values()}
    for obj in root.iter('object'):
        name = obj.findtext('name', '').strip()
        if name not in BCCD_CLASSES: raise ValueError(f'unknown class {name!r}')
        counts[BCCD_CLASSES[name]] += 1
    size = root.find('size')
    return counts, (int(size.findtext('width')), int(size.findtext('height')))


def box_rows(xml_text, fname, scale):
    "One row per <object> box of a Pascal VOC annotation, in the pixels of the stored (downscaled) image."
    rows = []
    for obj in ET.fromstring(xml_text).iter('object'):
        bb = obj.find('bndbox')
        x0, y0, x1, y1 = (float(bb.findtext(k)) * scale for k in ('xmin', 'ymin', 'xmax', 'ymax'))
        rows.append(dict(fname=fname, cls=BCCD_CLASSES[obj.findtext('name', '').strip()], xmin=x0, ymin=y0, xmax=x1, ymax=y1))
    return rows


def bccd_splits(gitdir, commit):
    "Map image id -> 'train'/'val'/'test' from the repository's ImageSets/Main lists."
    split = {}
    for s in ('train', 'val', 'test'):
        for line in read_text(gitdir, commit, f'BCCD/ImageSets/Main/{s}.txt').split():
            split[line.strip()] = s
    return split


def prepare_bccd(gitdir, out):
    "Blood-cell counts per image (label rbc; wbc and platelets kept); valid = the repo's val+test lists."
    commit = git(gitdir, 'rev-parse', 'HEAD').strip()
    xmls = {Path(p).stem: d.decode() for p, d in iter_tree_files(gitdir, commit, 'BCCD/Annotations')}
    split = bccd_splits(gitdir, commit)
    rows, sizes, boxes = [], [], []
    for path, data in iter_tree_files(gitdir, commit, 'BCCD/JPEGImages'):
        stem = Path(path).stem
        counts, (w0, h0) = count_boxes(xmls[stem])
        img = load_rgb(data)
        assert img.size == (w0, h0), f'{stem}: image {img.size} vs XML {(w0, h0)}'
        img, scale = downscale(img)
        fname = f'images/{stem}.jpg'
        boxes += box_rows(xmls[stem], fname, scale)
        save_image(img, out / fname)
        rows.append(dict(fname=fname, **counts, is_valid=split[stem] != 'train', split=split[stem],
                         rbc_unannotated=counts['rbc'] == 0,
                         orig_w=w0, orig_h=h0, orig_file=path))
        sizes.append(img.size)
    df = pd.DataFrame(rows).sort_values('fname').reset_index(drop=True)
    sizes = check_images(out, df)
    validate_bccd(df, xmls)
    source = f"""
data set: BCCD (blood cell count and detection), task kind 'scalar' (counts)
repository: https://github.com/{BCCD_REPO}
commit: {commit}
licence: MIT (LICENSE file in the repository, "Copyright (c) 2017 shenggan"; the README says the data are
  re-organised from github.com/cosmicad/dataset and github.com/akshaylamba/all_CELL_data and that
  "BCCD Dataset is under MIT licence").
labels: for each BCCD/Annotations/<id>.xml (Pascal VOC), rbc / wbc / platelets = number of <object>
  boxes whose <name> is RBC / WBC / Platelets. Main label: rbc. Boxes are not de-duplicated or corrected
  (BCCD annotations miss some cells, so counts are noisy). rbc_unannotated = True where the XML has no RBC
  box at all: {int(df.rbc_unannotated.sum())} images, which on inspection do show red cells (RBCs were simply not
  annotated there), so a benchmark may want to drop them.
images: BCCD/JPEGImages/<id>.jpg, 640x480 RGB, downscaled to {sizes[0][0]}x{sizes[0][1]} JPEG (quality 95).
split: is_valid = image listed in BCCD/ImageSets/Main/val.txt or test.txt (column split keeps which);
  train.txt -> train.
"""
    write_outputs(out, df, source)
    bx = pd.DataFrame(boxes).sort_values(['fname', 'cls'], kind='stable')
    for col in BCCD_CLASSES.values():   # the boxes file agrees with the counts, image by image
        n = bx[bx.cls == col].groupby('fname').size().reindex(df.fname, fill_value=0)
        assert (n.values == df[col].values).all(), f'boxes.csv disagrees with the {col} counts'
    bx.to_csv(out / 'boxes.csv', index=False)   # every box, in the stored image's pixels (bench_interpret_real.py)
    return df, ['rbc', 'wbc', 'platelets'], sizes


def validate_bccd(df, xmls):
    "Re-count boxes straight from the XML text and compare with the table."
    for r in df.itertuples():
        stem = Path(r.fname).stem
        for name, col in BCCD_CLASSES.items():
            n = len(re.findall(rf'<name>\s*{name}\s*</name>', xmls[stem]))
            assert n == getattr(r, col), f'{stem}: {col} {getattr(r, col)} != {n} boxes in XML'
    assert len(df) == len(xmls) == 364, f'expected 364 images, got {len(df)}'


# -------------------------------------------------------------------------------------------------- COIL-100
COIL_REPO = 'drewwilimitis/Manifold-Learning'
COIL_DIR = 'images/coil-100'
COIL_RE = re.compile(r'obj(\d+)__(\d+)\.png$')


def prepare_coil100(gitdir, out, valid_mod=2):
    "Turntable pose angle per image; valid = every 4th pose of every object (pose index % 4 == valid_mod)."
    commit = git(gitdir, 'rev-parse', 'HEAD').strip()
    rows, sizes = [], []
    for path, data in iter_tree_files(gitdir, commit, COIL_DIR):
        m = COIL_RE.search(path)
        if not m: continue
        obj, angle = int(m[1]), int(m[2])
        img, _ = downscale(load_rgb(data))
        fname = f'images/obj{obj:03d}_{angle:03d}.png'
        save_image(img, out / fname)
        pose = angle // 5
        rows.append(dict(fname=fname, angle=angle, is_valid=pose % 4 == valid_mod, object_id=obj,
                         pose_idx=pose, orig_file=path))
        sizes.append(img.size)
    df = pd.DataFrame(rows).sort_values(['object_id', 'angle']).reset_index(drop=True)
    sizes = check_images(out, df)
    validate_coil(df)
    source = f"""
data set: COIL-100 (Columbia Object Image Library), task kind 'circular' (angle in degrees, period 360)
repository: https://github.com/{COIL_REPO} (folder {COIL_DIR}, a copy of the original coil-100 archive)
commit: {commit}
licence: the repository has no LICENSE file. COIL-100 is distributed by the Columbia CAVE lab for
  non-commercial research use and asks to cite S. A. Nene, S. K. Nayar, H. Murase, "Columbia Object Image
  Library (COIL-100)", Technical Report CUCS-006-96, 1996. Treat as research-use only; do not redistribute.
labels: file objO__A.png -> object_id O (1..100), angle A (turntable rotation in degrees, 0..355 in steps
  of 5; 72 poses per object). pose_idx = A / 5.
images: 128x128 RGB PNG, copied as RGB PNG (no resizing needed).
split: is_valid = pose_idx % 4 == {valid_mod} (18 of the 72 poses of every object; every object appears in
  both splits, so this measures interpolation between seen poses, not generalisation to new objects).
"""
    write_outputs(out, df, source)
    return df, ['angle'], sizes


def validate_coil(df):
    "100 objects x 72 poses, angles on the 5 degree grid, a quarter of the poses in validation."
    assert df.object_id.nunique() == 100 and len(df) == 7200, f'{len(df)} images'
    grid = list(range(0, 360, 5))
    for obj, angles in df.groupby('object_id').angle:
        assert sorted(angles) == grid, f'object {obj}: poses {sorted(angles)[:5]}...'
    assert df.is_valid.sum() == 1800


# ---------------------------------------------------------------------------------------------- MTFL / LFW
MTFL_REPO = 'anurag708/Facial-Landmark-Detection-Using-CNN'
MTFL_POINTS = ['left_eye', 'right_eye', 'nose', 'mouth_left', 'mouth_right']


def best_mtfl_commit(gitdir):
    "The commit in the history whose tree holds the most lfw_5590 images (later commits deleted them)."
    best, best_n = None, -1
    for c in git(gitdir, 'rev-list', '--all').split():
        n = len(list_files(gitdir, c, 'lfw_5590'))
        if n > best_n: best, best_n = c, n
    return best


def parse_mtfl_lines(text):
    "Rows of (path, xs, ys) from MTFL-style lines 'path x1..x5 y1..y5'."
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 11: continue
        vals = [float(v) for v in parts[1:]]
        rows.append((parts[0].replace('\\', '/'), vals[:5], vals[5:]))
    return rows


def person_of(path):
    "LFW identity from a file name such as lfw_5590/Aaron_Eckhart_0001.jpg -> Aaron_Eckhart."
    return re.sub(r'_\d+$', '', Path(path).stem)


def pick_faces(rows, max_images, valid_frac, seed):
    "Choose whole persons at random until max_images; mark about valid_frac of the images (by person) valid."
    by_person = {}
    for r in rows: by_person.setdefault(person_of(r[0]), []).append(r)
    persons = sorted(by_person)
    random.Random(seed).shuffle(persons)
    chosen, n = [], 0
    for p in persons:
        if n >= max_images: break
        chosen.append(p); n += len(by_person[p])
    valid, n_val = set(), 0
    for p in chosen:                      # persons are already in random order
        if n_val >= valid_frac * n: break
        valid.add(p); n_val += len(by_person[p])
    return [(r, p in valid) for p in chosen for r in by_person[p]]


def inside(xs, ys, w, h):
    "True when every point lies in [0, w) x [0, h)."
    return all(0 <= x < w for x in xs) and all(0 <= y < h for y in ys)


def prepare_mtfl(gitdir, out, max_images=2000, valid_frac=0.2, seed=42):
    "Five facial landmarks on LFW faces from MTFL; validation split by person."
    commit = best_mtfl_commit(gitdir)
    labels = {}
    for f in ('new_training.txt', 'new_testing.txt'):
        if f in list_files(gitdir, commit, f):
            for r in parse_mtfl_lines(read_text(gitdir, commit, f)):
                if r[0].startswith('lfw_5590/'): labels.setdefault(r[0], r)
    images = dict(iter_tree_files(gitdir, commit, 'lfw_5590'))
    usable, dropped = [], 0
    for path, xs, ys in labels.values():
        if path not in images: continue
        w, h = Image.open(io.BytesIO(images[path])).size
        if inside(xs, ys, w, h): usable.append((path, xs, ys))
        else: dropped += 1
    picked = pick_faces(sorted(usable), max_images, valid_frac, seed)
    rows, sizes = [], []
    for (path, xs, ys), is_valid in picked:
        img, s = downscale(load_rgb(images[path]))
        fname = f'images/{Path(path).stem}.png'
        save_image(img, out / fname)
        kp = {}
        for i, (x, y) in enumerate(zip(xs, ys)): kp[f'x{i}'], kp[f'y{i}'] = round(x * s, 3), round(y * s, 3)
        rows.append(dict(fname=fname, **kp, is_valid=is_valid, person_id=person_of(path), orig_file=path))
        sizes.append(img.size)
    df = pd.DataFrame(rows).sort_values('fname').reset_index(drop=True)
    sizes = check_images(out, df)
    validate_keypoints(df, sizes)
    kp_cols = [f'{a}{i}' for i in range(5) for a in 'xy']
    source = f"""
data set: MTFL (Multi-Task Facial Landmark), LFW part (lfw_5590), task kind 'keypoints'
repository: https://github.com/{MTFL_REPO}
commit: {commit} (the newest commits deleted the image folders; this is the history commit holding the
  most lfw_5590 images)
licence: the repository has no LICENSE file. MTFL (Zhang, Luo, Loy, Tang, "Facial Landmark Detection by Deep
  Multi-task Learning", ECCV 2014; CUHK MMLab) is released for research purposes; its LFW images come from
  Labeled Faces in the Wild (news photographs, no explicit licence; research use). Treat as research-use only.
labels: new_training.txt / new_testing.txt lines 'path x1..x5 y1..y5' in pixels of the 80x80 images the
  repository stores (the original 250x250 MTFL coordinates times 0.32). Points, in order:
  {', '.join(f'{i}={n}' for i, n in enumerate(MTFL_POINTS))} (left/right as in MTFL's readme).
  Columns {','.join(kp_cols)} are in pixels of the written image (no resizing: 80x80, scale 1).
  {dropped} faces with a point outside the image were dropped before sampling.
selection: of {len(usable)} usable lfw_5590 faces, whole persons were drawn at random (seed {seed}) until at
  least {max_images} images.
split: by person: is_valid for persons drawn first until >= {valid_frac:.0%} of the images (person_id column);
  no person is in both splits.
"""
    write_outputs(out, df, source)
    return df, kp_cols, sizes


def validate_keypoints(df, sizes):
    "Every point inside its image; no person in both splits."
    for r, (w, h) in zip(df.itertuples(), sizes):
        xs = [getattr(r, f'x{i}') for i in range(5)]
        ys = [getattr(r, f'y{i}') for i in range(5)]
        assert inside(xs, ys, w, h), f'{r.fname}: keypoint outside {w}x{h}'
    both = set(df.person_id[df.is_valid]) & set(df.person_id[~df.is_valid])
    assert not both, f'persons in both splits: {sorted(both)[:5]}'


# -------------------------------------------------------------------------------------------------- TXL-PBC
TXL_REPO = 'lugan113/TXL-PBC_Dataset'
TXL_CLASSES = {0: 'wbc', 1: 'rbc', 2: 'platelets'}   # TXL_PBC/data.yaml: names ['WBC', 'RBC', 'Platelets']


def yolo_boxes(text, fname, w, h):
    "One row per line `class xc yc bw bh` (YOLO, fractions of the image) in the pixels of the stored `w` x `h` image, clipped to it."
    rows = []
    for k, line in enumerate(text.splitlines()):
        if not line.strip(): continue
        parts = line.split()
        if len(parts) != 5 or parts[0] not in {str(c) for c in TXL_CLASSES}: raise ValueError(f'{fname}: line {k + 1} is not a YOLO box of class 0-2: {line!r}')
        c, xc, yc, bw, bh = int(parts[0]), *map(float, parts[1:])
        rows.append(dict(fname=fname, cls=TXL_CLASSES[c], xmin=max(0., (xc - bw / 2) * w), ymin=max(0., (yc - bh / 2) * h),
                         xmax=min(float(w), (xc + bw / 2) * w), ymax=min(float(h), (yc + bh / 2) * h)))
    return rows


def twins(out, df, tol=2.):
    """For each row, the first other row showing the same photo at another size (TXL-PBC holds BCCD photos a second time among
    BCD's 416x416, squashed): 32x24 grey thumbnails within `tol` grey levels RMS (twins measured about 0.7 apart, others 11 or more)."""
    T = np.stack([np.asarray(Image.open(out / f).convert('L').resize((32, 24), Image.BILINEAR), float) for f in df.fname])
    sq = (T ** 2).sum((1, 2))
    d = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * np.einsum('ihw,jhw->ij', T, T), 0) / T[0].size)
    np.fill_diagonal(d, np.inf)
    return [df.fname.iloc[int(j)] if d[i, j] < tol else '' for i, j in enumerate(d.argmin(1))]


def prepare_txl_pbc(gitdir, out):
    "Blood-cell counts per image from TXL-PBC's re-drawn boxes (label rbc); valid = the repository's val and test folders."
    commit = git(gitdir, 'rev-parse', 'HEAD').strip()
    labels = {p: d.decode() for p, d in iter_tree_files(gitdir, commit, 'TXL_PBC/labels')}
    rows, sizes, boxes = [], [], []
    for path, data in iter_tree_files(gitdir, commit, 'TXL_PBC/images'):
        split, stem = Path(path).parent.name, Path(path).stem
        lab = f'TXL_PBC/labels/{split}/{stem}.txt'
        if lab not in labels: raise ValueError(f'{path}: no label file {lab}')
        img = load_rgb(data)
        (w0, h0), (img, scale) = img.size, downscale(img)
        fname = f'images/{split}_{stem}.jpg'
        bx = yolo_boxes(labels[lab], fname, *img.size)
        boxes += bx
        save_image(img, out / fname)
        counts = {c: sum(b['cls'] == c for b in bx) for c in TXL_CLASSES.values()}
        rows.append(dict(fname=fname, **counts, is_valid=split != 'train', split=split, orig_w=w0, orig_h=h0, orig_file=path))
        sizes.append(img.size)
    df = pd.DataFrame(rows).sort_values('fname').reset_index(drop=True)
    sizes = check_images(out, df)
    df['twin'] = twins(out, df)
    split_of = dict(zip(df.fname, df.split))
    df['train_twin'] = df.twin.map(lambda f: split_of.get(f) == 'train') & df.is_valid   # a validation photo the model also trains on
    assert len(df) == 1440 and (df.split.value_counts().to_dict() == {'train': 1008, 'val': 288, 'test': 144}), f'expected 1008/288/144 images, got {df.split.value_counts().to_dict()}'
    names = set(df.fname)
    unused = sorted(p for p in labels if p.endswith('.txt') and not p.endswith('classes.txt')
                    and f"images/{Path(p).parent.name}_{Path(p).stem}.jpg" not in names)
    source = f"""
data set: TXL-PBC (peripheral blood cells), task kind 'scalar' (counts)
repository: https://github.com/{TXL_REPO}
commit: {commit}
licence: MIT (LICENSE.txt in the repository, "Copyright (c) [2024] [lugan]"). The images come from BCCD (MIT),
  BCD, PBC and Raabin-WBC; the authors re-drew every box (Lu et al., "TXL-PBC: a freely accessible labeled
  peripheral blood cell dataset", arXiv 2407.13214), among them the red cells BCCD leaves without a box.
labels: for each TXL_PBC/labels/<split>/<id>.txt (YOLO: class x_centre y_centre width height, fractions; boxes.csv
  clips the few that reach past the border by rounding),
  rbc / wbc / platelets = number of lines of class 1 / 0 / 2 (data.yaml: names ['WBC', 'RBC', 'Platelets']).
  Main label: rbc. Label files without an image, left out: {', '.join(unused) or 'none'}.
images: TXL_PBC/images/<split>/<id>.jpg, stored as images/<split>_<id>.jpg, longer side downscaled to
  at most {MAX_SIDE} px (JPEG quality 95). orig_w, orig_h keep the source size, which tells the source set
  apart (640x480: BCCD; 416x416: BCD; 360x363 and 366x369: PBC; 575x575: Raabin-WBC).
split: is_valid = the repository's val (288) and test (144) folders; train (1008) -> train.
twins: {(df.twin != '').sum()} photos appear twice, once at 640x480 (BCCD) and once squashed to 416x416 (among BCD's); twin
  names the other copy (32x24 grey thumbnails within 2 grey levels RMS). train_twin = True for the {int(df.train_twin.sum())}
  validation photos whose twin is in train ({int((df.train_twin & (df.split == 'test')).sum())} of them in test): a benchmark should leave them out.
"""
    bx = pd.DataFrame(boxes).sort_values(['fname', 'cls'], kind='stable')
    validate_txl(df, bx, labels, dict(zip(df.fname, sizes)))
    write_outputs(out, df, source)
    bx.to_csv(out / 'boxes.csv', index=False)
    return df, ['rbc', 'wbc', 'platelets'], sizes


def validate_txl(df, bx, labels, sizes):
    "Counts re-derived from the label files' first fields; every box inside its stored image (1 px of rounding allowed)."
    for r in df.itertuples():
        text = labels[f'TXL_PBC/labels/{r.split}/{Path(r.fname).stem.split("_", 1)[1]}.txt']
        first = [int(float(line.split()[0])) for line in text.splitlines() if line.strip()]
        for c, col in TXL_CLASSES.items(): assert first.count(c) == getattr(r, col), f'{r.fname}: {col} {getattr(r, col)} != {first.count(c)} lines'
    w, h = bx.fname.map(lambda f: sizes[f][0]), bx.fname.map(lambda f: sizes[f][1])
    bad = bx[(bx.xmin < -1) | (bx.ymin < -1) | (bx.xmax > w + 1) | (bx.ymax > h + 1) | (bx.xmax <= bx.xmin) | (bx.ymax <= bx.ymin)]
    assert bad.empty, f'{len(bad)} boxes outside their image, first: {bad.iloc[0].to_dict()}'


# ------------------------------------------------------------------------------------------------------ main
SETS = {'bccd': (BCCD_REPO, prepare_bccd), 'coil100': (COIL_REPO, prepare_coil100),
        'mtfl_lfw': (MTFL_REPO, prepare_mtfl), 'txl_pbc': (TXL_REPO, prepare_txl_pbc)}


def default_cache():
    "CACHE from $VISREG_REALDATA, else ~/.cache/visreg_nb/realdata."
    return Path(os.environ.get('VISREG_REALDATA') or Path.home() / '.cache' / 'visreg_nb' / 'realdata')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mirror', default=DEFAULT_MIRROR, help='folder holding <owner>+<name>/repo git mirrors')
    ap.add_argument('--cache', default=None, help='output folder (default $VISREG_REALDATA or ~/.cache/...)')
    ap.add_argument('--only', nargs='*', choices=sorted(SETS), default=sorted(SETS))
    args = ap.parse_args(argv)
    cache = Path(args.cache) if args.cache else default_cache()
    for name in args.only:
        repo, prepare = SETS[name]
        gitdir = find_gitdir(args.mirror, repo)
        if gitdir is None:
            print(f'[{name}] skipped: no mirror of github.com/{repo} under {args.mirror} '
                  f'(expected {args.mirror}/{repo.replace("/", "+")}/repo)')
            continue
        df, label_cols, sizes = prepare(gitdir, fresh_dir(cache / name))
        print(summary(name, df, label_cols, sizes))
        print(f'  written to {cache / name}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
