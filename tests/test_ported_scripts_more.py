"""More PyTorch-style scripts (written here) run on nn after the porting rule, each compared with
PyTorch in float64 when it is installed and each also run on nn alone:

- a small U-Net: bilinear upsampling with align_corners=True, skip connections padded with F.pad
  (a list of tensor amounts, as popular U-Net code computes them) and joined with torch.cat;
- a VAE: randn_like reparameterisation, BCE reconstruction summed, the KL term;
- an MNIST-style classifier: DataLoader over a TensorDataset, Adadelta + StepLR, log_softmax +
  nll_loss, an evaluation loop with argmax / eq / view_as / .item();
- a DCGAN-style step: weights_init through Module.apply, BCELoss on torch.full labels, fill_,
  detach, two Adam optimizers.
"""

import numpy as np
import pytest

import nn
from porting import (assert_port_touches_only_torch_lines, assert_same_weights as _same_weights, load_script, port,
                     twins as _twins)

UNET = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.body(x)


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        self.conv = Block(cin, cout)

    def forward(self, low, skip):
        low = self.up(low)
        dy = torch.tensor([skip.size()[2] - low.size()[2]])
        dx = torch.tensor([skip.size()[3] - low.size()[3]])
        low = F.pad(low, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return self.conv(torch.cat([skip, low], dim=1))


class TinyUNet(nn.Module):
    def __init__(self, cin=2, classes=3, width=4):
        super().__init__()
        self.inc = Block(cin, width)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), Block(width, 2 * width))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), Block(2 * width, 2 * width))
        self.up1 = Up(4 * width, width)
        self.up2 = Up(2 * width, width)
        self.outc = nn.Conv2d(width, classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        return self.outc(self.up2(self.up1(x3, x2), x1))


def train(model, images, masks, steps):
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-8)
    criterion = nn.CrossEntropyLoss()
    losses = []
    model.train()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(images), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
'''

VAE = '''
import torch
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, d=36, h=16, z=3):
        super().__init__()
        self.enc = nn.Linear(d, h)
        self.mu = nn.Linear(h, z)
        self.logvar = nn.Linear(h, z)
        self.dec1 = nn.Linear(z, h)
        self.dec2 = nn.Linear(h, d)

    def encode(self, x):
        h = F.relu(self.enc(x))
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 36))
        z = self.reparameterize(mu, logvar)
        return torch.sigmoid(self.dec2(F.relu(self.dec1(z)))), mu, logvar


def loss_function(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x.view(-1, 36), reduction='sum')
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train(model, data, steps):
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        recon, mu, logvar = model(data)
        loss = loss_function(recon, data, mu, logvar)
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / len(data))
    return losses
'''

MNIST = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self, p=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout = nn.Dropout(p)
        self.fc1 = nn.Linear(8 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(x)
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def run(model, train_set, test_set, epochs):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if torch.backends.mps.is_available():
        device = torch.device("mps")
    model = model.to(device)
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=8)
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=5)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    history = []
    for epoch in range(epochs):
        model.train()
        for data, target in train_loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction='sum').item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        history.append((test_loss / len(test_loader.dataset), correct))
        scheduler.step()
    return history
'''

DCGAN = '''
import torch
import torch.nn as nn
import torch.optim as optim


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self, nz=4, ngf=4):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf=4):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def train(netG, netD, real_batches, noises):
    criterion = nn.BCELoss()
    optimizerD = optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    log = []
    for real, noise in zip(real_batches, noises):
        netD.zero_grad()
        label = torch.full((real.size(0),), 1.0, dtype=real.dtype)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        fake = netG(noise)
        label.fill_(0.0)
        errD_fake = criterion(netD(fake.detach()), label)
        errD_fake.backward()
        optimizerD.step()
        netG.zero_grad()
        label.fill_(1.0)
        errG = criterion(netD(fake), label)
        errG.backward()
        optimizerG.step()
        log.append(((errD_real + errD_fake).item(), errG.item(), output.mean().item()))
    return log
'''


def test_port_touches_only_torch_lines():
    for script in (UNET, VAE, MNIST, DCGAN):
        assert_port_touches_only_torch_lines(script)


# ---- on nn alone -------------------------------------------------------------------------------

def test_unet_trains_on_nn():
    ns = load_script(port(UNET))
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    x = nn.tensor(rng.standard_normal((2, 2, 11, 13)), dtype=nn.float32)     # odd sizes: the pads are not zero
    masks = nn.tensor(rng.integers(0, 3, (2, 11, 13)))
    model = ns["TinyUNet"]()
    assert model(x).shape == (2, 3, 11, 13)
    losses = ns["train"](model, x, masks, 8)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_vae_trains_on_nn():
    ns = load_script(port(VAE))
    nn.manual_seed(0)
    data = nn.tensor(np.random.default_rng(1).uniform(size=(8, 1, 6, 6)), dtype=nn.float32)
    losses = ns["train"](ns["VAE"](), data, 15)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def _digits(rng, n):
    """Random 12x12 'images' whose label is readable from them (the brightest of 10 stripes)."""
    labels = rng.integers(0, 10, n)
    images = rng.uniform(0, 0.2, (n, 1, 12, 12))
    for i, c in enumerate(labels):
        images[i, 0, c + 1, :] += 1.0
    return images.astype(np.float32), labels


def test_mnist_classifier_learns_on_nn():
    ns = load_script(port(MNIST))
    nn.manual_seed(0)
    rng = np.random.default_rng(2)
    (x, y), (xt, yt) = _digits(rng, 160), _digits(rng, 20)
    train_set = nn.utils.data.TensorDataset(nn.tensor(x), nn.tensor(y))
    test_set = nn.utils.data.TensorDataset(nn.tensor(xt), nn.tensor(yt))
    history = ns["run"](ns["Net"](), train_set, test_set, 5)
    assert history[-1][0] < history[0][0] and history[-1][1] >= 10


def test_dcgan_steps_on_nn():
    ns = load_script(port(DCGAN))
    nn.manual_seed(0)
    netG, netD = ns["Generator"](), ns["Discriminator"]()
    netG.apply(ns["weights_init"]), netD.apply(ns["weights_init"])
    assert abs(float(netG.main[0].weight.data.std()) - 0.02) < 0.01
    rng = np.random.default_rng(3)
    reals = [nn.tensor(rng.uniform(-1, 1, (4, 1, 16, 16)), dtype=nn.float32) for _ in range(3)]
    noises = [nn.randn(4, 4, 1, 1) for _ in range(3)]
    log = ns["train"](netG, netD, reals, noises)
    assert len(log) == 3 and np.all(np.isfinite(log))


# ---- against PyTorch -----------------------------------------------------------------------------

def test_unet_matches_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = _twins(UNET, "TinyUNet", torch)
    rng = np.random.default_rng(0)
    x, masks = rng.standard_normal((2, 2, 11, 13)), rng.integers(0, 3, (2, 11, 13))
    np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    mine = ours_ns["train"](ours, nn.tensor(x), nn.tensor(masks), 3)
    their = theirs_ns["train"](theirs, torch.tensor(x), torch.tensor(masks), 3)
    np.testing.assert_allclose(mine, their, rtol=1e-10)
    _same_weights(ours, theirs, 1e-9)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9,
                               atol=1e-11)


def test_vae_matches_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = _twins(VAE, "VAE", torch)
    rng = np.random.default_rng(1)
    data = rng.uniform(size=(8, 1, 6, 6))
    draws = [rng.standard_normal((8, 3)) for _ in range(4)]
    # the same reparameterisation noise on both sides (the two generators differ)
    mine_iter, their_iter = iter(draws), iter(draws)
    monkeypatch.setattr(nn, "randn_like", lambda t: nn.tensor(next(mine_iter), dtype=t.dtype))
    monkeypatch.setattr(torch, "randn_like", lambda t: torch.tensor(next(their_iter), dtype=t.dtype))
    mine = ours_ns["train"](ours, nn.tensor(data), 4)
    their = theirs_ns["train"](theirs, torch.tensor(data), 4)
    np.testing.assert_allclose(mine, their, rtol=1e-10)
    _same_weights(ours, theirs, 1e-9)


def test_mnist_classifier_matches_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs, ours = _twins(MNIST, "Net", torch, 0.0)      # no dropout: the masks would differ
    rng = np.random.default_rng(2)
    (x, y), (xt, yt) = _digits(rng, 24), _digits(rng, 10)
    x, xt = x.astype(np.float64), xt.astype(np.float64)
    mine = ours_ns["run"](ours, nn.utils.data.TensorDataset(nn.tensor(x), nn.tensor(y)),
                          nn.utils.data.TensorDataset(nn.tensor(xt), nn.tensor(yt)), 2)
    their = theirs_ns["run"](theirs, torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                             torch.utils.data.TensorDataset(torch.tensor(xt), torch.tensor(yt)), 2)
    for (loss, correct), (tloss, tcorrect) in zip(mine, their):
        assert loss == pytest.approx(tloss, rel=1e-10) and correct == tcorrect
    _same_weights(ours, theirs, 1e-9)


def test_dcgan_matches_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns, theirs_g, ours_g = _twins(DCGAN, "Generator", torch)
    _, _, theirs_d, ours_d = _twins(DCGAN, "Discriminator", torch)
    rng = np.random.default_rng(3)
    reals = [rng.uniform(-1, 1, (4, 1, 16, 16)) for _ in range(3)]
    noises = [rng.standard_normal((4, 4, 1, 1)) for _ in range(3)]
    mine = ours_ns["train"](ours_g, ours_d, [nn.tensor(r) for r in reals], [nn.tensor(z) for z in noises])
    their = theirs_ns["train"](theirs_g, theirs_d, [torch.tensor(r) for r in reals],
                               [torch.tensor(z) for z in noises])
    np.testing.assert_allclose(mine, their, rtol=1e-10)
    _same_weights(ours_g, theirs_g, 1e-9), _same_weights(ours_d, theirs_d, 1e-9)


# ---- the small compatibility pieces these scripts lean on -----------------------------------------

def test_legacy_typed_constructors():
    x = nn.FloatTensor(2, 3)
    assert x.shape == (2, 3) and x.dtype == nn.float32 and isinstance(x, nn.FloatTensor)
    assert not isinstance(x, nn.LongTensor)
    assert nn.LongTensor([1, 2]).dtype == nn.int64 and nn.DoubleTensor([0.5]).dtype == nn.float64
    assert nn.BoolTensor([1, 0]).tolist() == [True, False]


def test_register_buffer_takes_a_tensor_as_its_array():
    m = nn.Module()
    mask = nn.tril(nn.ones(3, 3))
    m.register_buffer("mask", mask)
    assert isinstance(m.mask, nn.Tensor) and np.shares_memory(m.mask.numpy(), mask.data)    # as PyTorch's
    assert "mask" in m.state_dict()
    m.mask = nn.zeros(3, 3)                       # re-assigning a buffer with a Tensor, as PyTorch code does
    assert isinstance(m.mask, nn.Tensor) and m.mask.sum().item() == 0 and "mask" in m._buffers
    with pytest.raises(TypeError, match="Tensor, ndarray or None"):
        m.register_buffer("bad", [1, 2])


def test_load_accepts_torch_load_options(tmp_path):
    path = tmp_path / "w.pt"
    nn.save(nn.Linear(2, 3).state_dict(), path)
    for where in (None, "cpu", nn.device("cpu"), lambda storage, loc: storage, {"cuda:0": "cpu"}):
        assert set(nn.load(path, map_location=where, weights_only=True)) == {"weight", "bias"}
    with pytest.raises(RuntimeError, match="only the CPU"):
        nn.load(path, map_location="cuda:0")
