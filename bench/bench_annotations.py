"""Benchmark of visreg_nb.data.annotations (issue 19, part 1): import speed, exact round trip, and box counts checked on
a public box-annotated data set.

(a) Speed. For each format this script writes 10,000 annotations into a temporary folder, then times one import against
    the goal of issue 19 (under 5 s):
      Label Studio JSON   5,000 tasks x 2 annotators; each annotation a Number, a Rating and 5 KeyPointLabels points
      CVAT for images     10,000 images; each a 5-point skeleton (some points hidden or outside) and a tag with a number
      COCO keypoints      10,000 annotations of 5 points (v = 0, 1, 2) on 10,000 images
      COCO boxes          10,000 images with 30,000 boxes of 3 classes (`box_counts`)
      Pascal VOC          10,000 XML files with 30,000 boxes of 3 classes (`box_counts`)
    The Label Studio table is then written back as pre-annotations and read again: numbers must come back exactly and
    keypoints within 1e-6 px; the counts must equal the boxes the script wrote.
(b) BCCD (blood cells, github.com/Shenggan/BCCD_Dataset, MIT licence). When its git mirror is on this machine
    (--mirror, default /work/.mirror/Shenggan+BCCD_Dataset/repo, as bench/prepare_realdata.py expects) the 364 Pascal VOC
    files of BCCD/Annotations are written to a temporary folder and `box_counts` is compared, image by image and class by
    class, with the <object> elements counted independently (a regular expression over the XML text), and with the
    rbc / wbc / platelets columns of the prepared cache's labels.csv when that is present. Nothing is downloaded: without
    the mirror this part prints one line and is skipped.

Run from the repo root: OMP_NUM_THREADS=1 .venv/bin/python bench/bench_annotations.py [--mirror DIR] [--cache DIR] [--n 10000]
Merges its numbers into bench/results.json under 'annotations'.
"""
import argparse, json, re, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np, pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prepare_realdata import BCCD_REPO, BCCD_CLASSES, find_gitdir, git, iter_tree_files, default_cache
from visreg_nb.data.annotations import read_label_studio, read_cvat, read_coco_keypoints, box_counts, to_label_studio
from _results import save

GOAL_S = 5.0
K = 5                                  # keypoints per annotation
CLASSES = ['RBC', 'WBC', 'Platelets']
results, lines = {}, []


def report(name, value, goal, ok, unit=''):
    "Print one line with its goal and PASS/MISS, and keep it for results.json."
    status = 'PASS' if ok else 'MISS'
    results[name] = dict(value=value, goal=goal, status=status)
    line = f"{name:<58} {value!s:>8}{unit:<3} goal {goal!s:<17} {status}"
    lines.append(line); print(line, flush=True)


def timed(f, *args, **kwargs):
    "(f's result, seconds), its warnings (the skipped items it counts) silenced."
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = f(*args, **kwargs)
    return res, time.perf_counter() - t


# ------------------------------------------------------------------------------------------ (a) the files
def write_label_studio(path, n, rng):
    "n annotations: n/2 tasks, 2 annotators each; a Number, a Rating and K points in percent. Returns the truth."
    sizes = rng.integers(100, 2000, (n // 2, 2))
    tasks, truth = [], []
    for t, (w, h) in enumerate(sizes):
        anns = []
        for a in (1, 2):
            count, stars, xy = int(rng.integers(0, 50)), int(rng.integers(1, 6)), rng.uniform(0, 100, (K, 2))
            res = [dict(type='number', from_name='count', to_name='image', value=dict(number=count)),
                   dict(type='rating', from_name='quality', to_name='image', value=dict(rating=stars))]
            res += [dict(id=f'{a}{k}', type='keypointlabels', from_name='kp', to_name='image', original_width=int(w), original_height=int(h),
                         image_rotation=0, value=dict(x=x, y=y, width=0.5, keypointlabels=[f'p{k}'])) for k, (x, y) in enumerate(xy)]
            anns.append(dict(id=2*t + a, completed_by=a, result=res))
            truth.append([count, stars, *(xy / 100 * [w, h]).ravel()])
        tasks.append(dict(id=t, data=dict(image=f'/data/local-files/?d=img/{t}.png'), annotations=anns))
    path.write_text(json.dumps(tasks))
    return np.array(truth)


def write_cvat(path, n, rng):
    "n images, each a K-point skeleton (a tenth of the points hidden, a tenth outside) and a tag with a number."
    meta = ''.join(f'<label><name>p{k}</name><type>points</type><parent>face</parent></label>' for k in range(K))
    parts = ['<?xml version="1.0" encoding="utf-8"?><annotations><version>1.1</version><meta><task><labels>'
             '<label><name>face</name><type>skeleton</type></label>' + meta +
             '<label><name>person</name><type>tag</type><attributes><attribute><name>age</name><input_type>number</input_type>'
             '</attribute></attributes></label></labels></task></meta>']
    for i in range(n):
        pts = ''.join(f'<points label="p{k}" occluded="{int(u < .1)}" outside="{int(u > .9)}" points="{x:.2f},{y:.2f}"/>'
                      for k, (x, y, u) in enumerate(zip(rng.uniform(0, 640, K), rng.uniform(0, 480, K), rng.uniform(0, 1, K))))
        parts.append(f'<image id="{i}" name="img/{i}.png" width="640" height="480"><tag label="person">'
                     f'<attribute name="age">{rng.integers(1, 90)}</attribute></tag><skeleton label="face">{pts}</skeleton></image>')
    path.write_text(''.join(parts) + '</annotations>')


def write_coco_keypoints(path, n, rng):
    "n images with one K-point annotation each; visibility 0, 1 or 2."
    anns = []
    for i in range(n):
        v = rng.choice([0, 1, 2], K, p=[.1, .1, .8])
        kp = np.c_[rng.uniform(0, 640, K).round(2) * (v > 0), rng.uniform(0, 480, K).round(2) * (v > 0), v].ravel().tolist()
        anns.append(dict(id=i, image_id=i, category_id=1, keypoints=kp, num_keypoints=int((v > 0).sum()), iscrowd=0))
    path.write_text(json.dumps(dict(images=[dict(id=i, file_name=f'img/{i}.png', width=640, height=480) for i in range(n)],
                                    categories=[dict(id=1, name='face', keypoints=[f'p{k}' for k in range(K)])], annotations=anns)))


def random_boxes(n, rng):
    "Class names of the boxes of n images, 3 per image on average."
    return [list(rng.choice(CLASSES, rng.integers(0, 7))) for _ in range(n)]


def write_coco_boxes(path, boxes):
    anns = [dict(id=len(boxes)*k + i, image_id=i, category_id=CLASSES.index(c) + 1, bbox=[k, k, 10, 10], iscrowd=0)
            for i, names in enumerate(boxes) for k, c in enumerate(names)]
    path.write_text(json.dumps(dict(images=[dict(id=i, file_name=f'img/{i}.png', width=640, height=480) for i in range(len(boxes))],
                                    categories=[dict(id=j + 1, name=c) for j, c in enumerate(CLASSES)], annotations=anns)))


def write_voc(folder, boxes):
    folder.mkdir()
    for i, names in enumerate(boxes):
        objs = ''.join(f'<object><name>{c}</name><difficult>0</difficult><bndbox><xmin>{k}</xmin><ymin>{k}</ymin>'
                       f'<xmax>{k+10}</xmax><ymax>{k+10}</ymax></bndbox></object>' for k, c in enumerate(names))
        (folder/f'{i:05d}.xml').write_text(f'<annotation><folder>img</folder><filename>{i:05d}.png</filename><size><width>640</width>'
                                           f'<height>480</height><depth>3</depth></size>{objs}</annotation>')


def speed(n, tmp):
    "Part (a)."
    rng = np.random.default_rng(0)
    truth = write_label_studio(tmp/'ls.json', n, rng)
    write_cvat(tmp/'cvat.xml', n, rng); write_coco_keypoints(tmp/'coco_kp.json', n, rng)
    boxes = random_boxes(n, rng)
    write_coco_boxes(tmp/'coco_boxes.json', boxes); write_voc(tmp/'voc', boxes)
    expected = np.array([[names.count(c) for c in CLASSES] for names in boxes])

    ls, t = timed(read_label_studio, tmp/'ls.json')
    report(f'import Label Studio JSON, {n:,} annotations', round(t, 2), f'< {GOAL_S} s', t < GOAL_S and len(ls) == n, ' s')
    kp = [c for c in ls.attrs['label_cols'] if re.fullmatch('[xy][0-9]+', c)]
    err = float(np.abs(ls[['count', 'quality', *kp]].to_numpy() - truth).max())
    report('  its values against the written ones, max |error|', f'{err:.1e}', '< 1e-6 px', err < 1e-6)
    cv, t = timed(read_cvat, tmp/'cvat.xml')
    report(f'import CVAT for images XML, {n:,} images', round(t, 2), f'< {GOAL_S} s', t < GOAL_S and len(cv) == n, ' s')
    ck, t = timed(read_coco_keypoints, tmp/'coco_kp.json')
    report(f'import COCO keypoints, {n:,} annotations', round(t, 2), f'< {GOAL_S} s', t < GOAL_S and len(ck) == n, ' s')
    for name, src in (('COCO boxes', tmp/'coco_boxes.json'), ('Pascal VOC', tmp/'voc')):
        counts, t = timed(box_counts, src, classes=CLASSES)
        ok = np.array_equal(counts[CLASSES].to_numpy(), expected)
        report(f'box_counts {name}, {n:,} images ({expected.sum():,} boxes)', round(t, 2), f'< {GOAL_S} s', t < GOAL_S and ok, ' s')
        report(f'  counts equal to the boxes written', 'yes' if ok else 'NO', 'every image', ok)

    _, t_out = timed(to_label_studio, ls, tmp/'back.json', numbers=['count'], keypoints=kp, tag='number')
    back, t_in = timed(read_label_studio, tmp/'back.json', source='predictions', keypoints=ls.attrs['keypoints'])
    same = back.fname.equals(ls.fname) and back.annotator.equals(ls.annotator) and back['count'].equals(ls['count'])
    err = float(np.abs(back[kp].to_numpy() - ls[kp].to_numpy()).max())
    report(f'round trip LS -> pre-annotations -> LS ({t_out:.1f} s + {t_in:.1f} s)', f'{err:.1e}', 'exact, < 1e-6 px', same and err < 1e-6)


# ------------------------------------------------------------------------------------------------ (b) BCCD
def independent_counts(xml_text):
    "Per-class number of <object> elements of a VOC file, by a regular expression over its text (not an XML parser)."
    names = re.findall(r'<object>.*?<name>\s*(.*?)\s*</name>.*?</object>', xml_text, flags=re.S)
    return {c: names.count(c) for c in BCCD_CLASSES}, len(re.findall(r'<object>', xml_text))


def bccd(mirror, cache, tmp):
    "Part (b)."
    m = Path(mirror)   # the bare repository itself, or a folder of <owner>+<name>/repo mirrors
    gitdir = m if (m/'HEAD').is_file() and (m/'objects').is_dir() else find_gitdir(m, BCCD_REPO)
    if gitdir is None: print(f"BCCD: no git mirror at {mirror}; box counts on a public data set skipped (nothing is downloaded)"); return
    commit = git(gitdir, 'rev-parse', 'HEAD').strip()
    folder = tmp/'bccd'; folder.mkdir()
    texts = {}
    for p, data in iter_tree_files(gitdir, commit, 'BCCD/Annotations'):
        (folder/Path(p).name).write_bytes(data); texts[Path(p).name] = data.decode()
    counts, t = timed(box_counts, folder, classes=BCCD_CLASSES)
    print(f"BCCD {commit[:10]}: {len(texts)} Pascal VOC files, box_counts in {t:.2f} s")
    by_file = dict(zip(counts.fname, counts[list(BCCD_CLASSES.values())].to_numpy()))
    mismatches, n_objects = 0, 0
    for name, text in texts.items():
        indep, n_obj = independent_counts(text)
        n_objects += n_obj
        fname = re.search(r'<filename>\s*(.*?)\s*</filename>', text).group(1)
        if list(by_file.get(fname, [])) != [indep[c] for c in BCCD_CLASSES] or sum(indep.values()) != n_obj: mismatches += 1
    report(f'BCCD images checked (of {len(texts)} files)', len(by_file), f'= {len(texts)}', len(by_file) == len(texts))
    report(f'  mismatches with <object> counted independently', mismatches, '0', mismatches == 0)
    results['bccd_objects'] = int(n_objects)
    print(f"  {n_objects} <object> elements: " + ', '.join(f"{col} {int(counts[col].sum())}" for col in BCCD_CLASSES.values()))
    labels = Path(cache)/'bccd'/'labels.csv'
    if not labels.is_file(): print(f"  {labels} absent (bench/prepare_realdata.py writes it); comparison with it skipped"); return
    lab = pd.read_csv(labels).assign(fname=lambda df: df.fname.map(lambda f: Path(f).name))
    merged = lab.merge(counts, on='fname', suffixes=('_cache', ''), how='outer', indicator=True)
    cols = list(BCCD_CLASSES.values())
    bad = int((merged._merge != 'both').sum() + (merged[[f'{c}_cache' for c in cols]].to_numpy() != merged[cols].to_numpy()).any(axis=1).sum())
    report(f'  mismatches with the cache labels.csv ({len(lab)} rows)', bad, '0', bad == 0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mirror', default=f"/work/.mirror/{BCCD_REPO.replace('/', '+')}/repo", help='BCCD git mirror (bare repository)')
    ap.add_argument('--cache', default=str(default_cache()), help='prepare_realdata.py cache, for bccd/labels.csv')
    ap.add_argument('--n', type=int, default=10_000, help='annotations per format')
    args = ap.parse_args(argv)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        speed(args.n, Path(tmp))
        bccd(args.mirror, args.cache, Path(tmp))
    results['total_seconds'] = round(time.time() - t0, 1)
    print(f"total {results['total_seconds']} s")
    save('annotations', results)
    print('merged into bench/results.json under "annotations"')


if __name__ == '__main__': main()
