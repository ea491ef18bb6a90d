"data/ holds what its README says, and the command there remakes it byte for byte."
import filecmp
from visreg_nb.all import save_synthetic, RegressionDataLoaders

def test_size_demo_regenerates_identically(repo, tmp_path):
    save_synthetic(tmp_path/'size_demo', 'size', n=60, size=32, noise=0.25, outlier_frac=0.05, seed=0)
    ours, theirs = repo/'data'/'size_demo', tmp_path/'size_demo'
    assert (ours/'labels.csv').read_bytes() == (theirs/'labels.csv').read_bytes()
    for sub in ['images', 'masks']:
        names = sorted(p.name for p in (ours/sub).iterdir())
        assert len(names) == 60
        match, mismatch, errors = filecmp.cmpfiles(ours/sub, theirs/sub, names, shallow=False)
        assert mismatch == [] and errors == []

def test_size_demo_loads(repo):
    dls = RegressionDataLoaders.from_csv(repo/'data'/'size_demo', label_col='radius', valid_col='is_valid', units='px', bs=16)
    assert len(dls.train_ds) + len(dls.valid_ds) == 60
    assert dls.target_spec.names == ['radius'] and dls.skipped.empty
