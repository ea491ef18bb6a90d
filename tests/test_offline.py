"The main path of the kit opens no network connection."
import socket
import pytest

@pytest.fixture
def no_internet(monkeypatch):
    "Internet sockets are refused; local ones (multiprocessing's AF_UNIX pipes for DataLoader workers) are allowed."
    real_connect = socket.socket.connect
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6): raise AssertionError(f"network access attempted: {address}")
        return real_connect(self, address)
    monkeypatch.setattr(socket.socket, 'connect', connect)

def test_train_and_predict_without_network(no_internet):
    from visreg_nb.all import digits_regression, regression_learner, get_regression_preds
    data = digits_regression(n=120, size=32, seed=0)
    learn = regression_learner(data.dataloaders(bs=32))
    with learn.no_logging(), learn.no_bar(): learn.fit(1, 1e-2)
    preds = get_regression_preds(learn)
    assert len(preds) == int(data.df.is_valid.sum())
    assert preds.pred_angle.notna().all()

def test_pretrained_request_fails_clearly(monkeypatch):
    "Weights that would need a download, on a machine without a network: one error that says what to do instead."
    def connect(self, address): raise OSError(101, 'Network is unreachable')
    monkeypatch.setattr(socket.socket, 'connect', connect)
    monkeypatch.setenv('TORCH_HOME', str(__import__('tempfile').mkdtemp()))  # not in a cache either
    from visreg_nb.all import make_synthetic, regression_learner
    dls = make_synthetic('size', n=40, size=32).dataloaders(bs=8)
    with pytest.raises(RuntimeError, match="could not be loaded.*weights=.*efficientnet_lite0.*pretrained=False"):
        regression_learner(dls, arch='resnet18', pretrained=True)

def test_pretrained_efficientnet_lite0_loads_offline(no_internet, monkeypatch):
    "EfficientNet-Lite0's ImageNet weights come from an installed package: no hub, no socket."
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    import torch
    from visreg_nb.all import digits_regression, regression_learner, packaged_weights
    learn = regression_learner(digits_regression(n=40, size=64, seed=0).dataloaders(bs=8, img_size=64), arch='efficientnet_lite0', pretrained=True)
    sd = torch.load(packaged_weights('efficientnet_lite0'), map_location='cpu', weights_only=True)
    assert learn.pretrained and torch.equal(learn.model.net[0].model.conv_stem.weight.detach().cpu(), sd['_conv_stem.weight'])
    with learn.no_logging(), learn.no_bar(): learn.fit_regression(1)
