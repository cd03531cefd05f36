#!/usr/bin/python3
"""The same VAE and training loop as `vlae train`, in PyTorch for Python (Debian's python3-torch).

MLP: 784-H-2K encoder, K-H-2*784 decoder, discretized logistic likelihood, Adam, batch 128, one
shuffled epoch over the 60,000 Fashion-MNIST training images held in memory as float tensors.
Prints one JSON line with the training loop's images/s (timed the way vlae times it: the steps
only) and peak RSS. Usage: train_pytorch.py --model mlp|conv --threads T [--epochs E]
"""
import argparse, gzip, json, math, resource, time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--model", default="mlp")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--latent-dim", type=int, default=32)
p.add_argument("--hidden", type=int, default=512)
p.add_argument("--channels", type=int, default=32)
p.add_argument("--limit", type=int, default=60000)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)

with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") as f:
    raw = f.read()[16:]
data = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(-1, 784)[: a.limit].float()
K, D = a.latent_dim, 784


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        if a.model == "mlp":
            self.body = nn.Sequential(nn.Linear(D, a.hidden), nn.ReLU())
            self.head = nn.Linear(a.hidden, 2 * K)
        else:
            c = a.channels
            self.body = nn.Sequential(nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU(), nn.Flatten())
            self.head = nn.Linear(2 * c * 49, 2 * K)

    def forward(self, x):
        if a.model == "conv":
            x = x.view(-1, 1, 28, 28)
        mean, log_var = self.head(self.body(x)).chunk(2, 1)
        return mean, log_var.clamp(-30, 20)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        if a.model == "mlp":
            self.net = nn.Sequential(nn.Linear(K, a.hidden), nn.ReLU(), nn.Linear(a.hidden, 2 * D))
        else:
            c = a.channels
            self.net = nn.Sequential(nn.Linear(K, 2 * c * 49), nn.ReLU(), nn.Unflatten(1, (2 * c, 7, 7)),
                                     nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(c, 2, 4, 2, 1))

    def forward(self, z):
        return self.net(z).reshape(z.shape[0], 2, D)


def log_likelihood(params, levels):
    mean, log_scale = params[:, 0], params[:, 1].clamp(min=-7.0)
    x = levels * (2.0 / 255.0) - 1.0
    centered = x - mean
    inv_s = torch.exp(-log_scale)
    plus_in = inv_s * (centered + 1.0 / 255.0)
    min_in = inv_s * (centered - 1.0 / 255.0)
    log_cdf_plus = plus_in - F.softplus(plus_in)
    log_one_minus_cdf_min = -F.softplus(min_in)
    cdf_delta = torch.sigmoid(plus_in) - torch.sigmoid(min_in)
    mid_in = inv_s * centered
    log_pdf_mid = mid_in - log_scale - 2.0 * F.softplus(mid_in)
    log_mid = torch.where(cdf_delta > 1e-5, torch.log(cdf_delta.clamp(min=1e-12)), log_pdf_mid + math.log(2.0 / 255.0))
    lp = torch.where(levels < 0.5, log_cdf_plus, torch.where(levels > 254.5, log_one_minus_cdf_min, log_mid))
    return lp.sum(1)


enc, dec = Encoder(), Decoder()
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
n, bs = data.shape[0], a.batch_size
steps = n // bs
seconds, images = 0.0, 0
for epoch in range(a.epochs):
    order = torch.randperm(n)
    t0 = time.perf_counter()
    for s in range(steps):
        x = data[order[s * bs:(s + 1) * bs]]
        mean, log_var = enc(x / 255.0)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        distortion = -log_likelihood(dec(z), x)
        rate = 0.5 * (mean * mean + log_var.exp() - log_var - 1.0).sum(1)
        loss = distortion.mean() + rate.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        d, r = distortion.sum().item(), rate.sum().item()  # vlae reads the same two numbers per step
    seconds += time.perf_counter() - t0
    images += steps * bs
print(json.dumps({"impl": "pytorch-python", "model": a.model, "threads": a.threads, "images_per_s": images / seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "torch": torch.__version__}))
