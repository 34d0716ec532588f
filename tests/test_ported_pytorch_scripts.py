"""PyTorch-style scripts run on nn after the issue's porting rule (imports and ``torch.`` prefixes
changed, nothing else), compared with PyTorch itself (same state_dict, float64): outputs, losses,
gradients, and the weights after optimizer steps.

The scripts are written here in PyTorch form; ``port`` applies the rule as text substitutions.
Without PyTorch, the ported scripts still run (and train) on nn.
"""

import numpy as np
import pytest

import nn
from porting import load_script, port

RESNET_SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, groups=1, dilation=1,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class SmallResNet(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16 * BasicBlock.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        x = self.avgpool(x)
        x = x.reshape(x.shape[0], -1)
        return self.fc(x)


def train_step(model, optimizer, images, labels):
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(images), labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    optimizer.step()
    return loss


def make_optimizer(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    return optimizer, scheduler
'''

CLASSIFIER_SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Classifier(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=2, dilation=2, groups=2), nn.LeakyReLU(0.1, inplace=True),
            nn.AdaptiveMaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(32, 16), nn.GELU(),
                                        nn.Linear(16, num_classes))

    def forward(self, x):
        return F.log_softmax(self.classifier(self.features(x)), dim=1)


def train_step(model, optimizer, images, labels):
    model.eval()                        # dropout off, so both frameworks compute the same thing
    optimizer.zero_grad()
    log_probs = model(images)
    loss = F.nll_loss(log_probs, labels) + 0.5 * nn.CrossEntropyLoss()(log_probs, labels)
    loss.backward()
    optimizer.step()
    return loss


def make_optimizer(model):
    optimizer = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return optimizer, scheduler
'''


def _data(shape, classes, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.integers(0, classes, size=shape[0])


def test_port_changes_only_imports_and_prefixes():
    ported = port(RESNET_SCRIPT)
    assert "torch" not in ported
    changed = [(a, b) for a, b in zip(RESNET_SCRIPT.splitlines(), ported.splitlines()) if a != b]
    assert all("torch" in a for a, _ in changed) and len(changed) == 6


@pytest.mark.parametrize("script,model_name,shape,classes", [
    (RESNET_SCRIPT, "SmallResNet", (4, 3, 12, 12), 5), (CLASSIFIER_SCRIPT, "Classifier", (6, 1, 8, 8), 3)],
    ids=["resnet_block", "classifier"])
def test_ported_script_trains_on_nn(script, model_name, shape, classes):
    ours = load_script(port(script))
    nn.manual_seed(0)
    model = ours[model_name]()
    optimizer, scheduler = ours["make_optimizer"](model)
    x, y = _data(shape, classes, 1)
    losses = [ours["train_step"](model, optimizer, nn.tensor(x.astype(np.float32)), y).item() for _ in range(6)]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


@pytest.mark.parametrize("script,model_name,shape,classes", [
    (RESNET_SCRIPT, "SmallResNet", (4, 3, 12, 12), 5), (CLASSIFIER_SCRIPT, "Classifier", (6, 1, 8, 8), 3)],
    ids=["resnet_block", "classifier"])
def test_ported_script_matches_pytorch(script, model_name, shape, classes, tmp_path):
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns = load_script(script), load_script(port(script))
    torch.manual_seed(0)
    theirs = theirs_ns[model_name]().double()
    ours = ours_ns[model_name]().double()
    torch.save(theirs.state_dict(), tmp_path / "weights.pth")         # PyTorch's file, read by nn
    ours.load_state_dict(nn.load(tmp_path / "weights.pth"))
    opt, sched = ours_ns["make_optimizer"](ours)
    topt, tsched = theirs_ns["make_optimizer"](theirs)
    x, y = _data(shape, classes, 2)
    for step in range(3):
        loss = ours_ns["train_step"](ours, opt, nn.tensor(x), y)
        tloss = theirs_ns["train_step"](theirs, topt, torch.from_numpy(x), torch.from_numpy(y))
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10, abs=1e-12), step
        grads = {n: p.grad for n, p in ours.named_parameters()}
        for name, p in theirs.named_parameters():
            np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
        sched.step(), tsched.step()
    mine = ours.state_dict()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(mine[key], value.numpy(), rtol=1e-8, atol=1e-10, err_msg=key)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-8, atol=1e-10)
    # and back: our weights, written as .pth, load into PyTorch
    nn.save(ours.state_dict(), tmp_path / "ours.pth")
    theirs.load_state_dict(torch.load(tmp_path / "ours.pth", weights_only=True))
