"The main path of the kit opens no network connection."
import socket
import pytest

def test_train_and_predict_without_network(monkeypatch):
    "Internet sockets are refused; local ones (multiprocessing's AF_UNIX pipes for DataLoader workers) are allowed."
    real_connect = socket.socket.connect
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6): raise AssertionError(f"network access attempted: {address}")
        return real_connect(self, address)
    monkeypatch.setattr(socket.socket, 'connect', connect)
    from visreg_nb.all import digits_regression, regression_learner, get_regression_preds
    data = digits_regression(n=120, size=32, seed=0)
    learn = regression_learner(data.dataloaders(bs=32))
    with learn.no_logging(), learn.no_bar(): learn.fit(1, 1e-2)
    preds = get_regression_preds(learn)
    assert len(preds) == int(data.df.is_valid.sum())
    assert preds.pred_angle.notna().all()

def test_pretrained_request_fails_clearly(monkeypatch):
    from visreg_nb.all import make_synthetic, regression_learner
    dls = make_synthetic('size', n=40, size=32).dataloaders(bs=8)
    with pytest.raises(RuntimeError, match='pretrained=False'):
        regression_learner(dls, arch='resnet18', pretrained=True)
