"""film-unet: a U-Net whose bottleneck and decoder stages are modulated by the prompt through FiLM
(Perez et al., AAAI 2018): h <- h * (1 + gamma(text)) + beta(text).

Stem at half resolution (stride-2 conv) to keep CPU training affordable, a cheap full-resolution
skip branch, ConvTranspose upsampling, BatchNorm (exported in inference form), ReLU.
"""
from __future__ import annotations

import torch
from torch import nn

from .text import BagTextEncoder


def conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def double(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(conv_bn(cin, cout, stride), conv_bn(cout, cout))


class Film(nn.Module):
    def __init__(self, text_dim: int, channels: int):
        super().__init__()
        self.proj = nn.Linear(text_dim, 2 * channels)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(t).unsqueeze(-1).unsqueeze(-1).chunk(2, dim=1)
        return h * (1 + gamma) + beta


class FilmUNet(nn.Module):
    def __init__(self, vocab_size: int, widths=(24, 48, 96, 192, 256), full_width: int = 16, text_dim: int = 128,
                 embed_dim: int = 64):
        super().__init__()
        w = list(widths)
        self.text = BagTextEncoder(vocab_size, embed_dim, text_dim)
        self.full = conv_bn(3, full_width)  # full-resolution skip
        self.enc = nn.ModuleList([double(3, w[0], stride=2)] + [double(w[i - 1], w[i]) for i in range(1, len(w))])
        self.pool = nn.MaxPool2d(2)
        self.film_bottom = Film(text_dim, w[-1])
        self.up = nn.ModuleList([nn.ConvTranspose2d(w[i], w[i - 1], 2, 2) for i in range(len(w) - 1, 0, -1)])
        self.dec = nn.ModuleList([double(2 * w[i - 1], w[i - 1]) for i in range(len(w) - 1, 0, -1)])
        self.films = nn.ModuleList([Film(text_dim, w[i - 1]) for i in range(len(w) - 1, 0, -1)])
        self.head_up = nn.ConvTranspose2d(w[0], full_width, 2, 2)
        self.head = nn.Sequential(conv_bn(2 * full_width, full_width), nn.Conv2d(full_width, 1, 1))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixel_values: torch.Tensor) -> torch.Tensor:
        t = self.text(input_ids, attention_mask)
        full = self.full(pixel_values)
        skips = []
        h = pixel_values
        for i, block in enumerate(self.enc):
            h = block(h if i == 0 else self.pool(h))
            skips.append(h)
        h = self.film_bottom(skips.pop(), t)
        for up, dec, film in zip(self.up, self.dec, self.films):
            h = film(dec(torch.cat([up(h), skips.pop()], dim=1)), t)
        h = self.head(torch.cat([self.head_up(h), full], dim=1))
        return h[:, 0]
