#!/usr/bin/python3
"""Builds small streaming Zipformer transducers for tests: same ONNX interface as sherpa-onnx's.

The models are untrained (fixed-seed random weights) but have exactly the inputs, outputs,
shapes, dtypes, batch axes and ONNX metadata of icefall's streaming exports that sherpa-onnx
loads:

  --export zipformer    icefall pruned_transducer_stateless7_streaming/export-onnx.py (v1)
  --export zipformer2   icefall zipformer/export-onnx-streaming.py

Each encoder really uses its input features and every state tensor (attention key/value
caches, convolution caches, running averages, the front end's left padding, the processed
frame count), so a front-end, state-carrying or batching bug changes the emitted tokens.
The blank logit is tied to a per-frame speech-activity drive computed from the features
(log-mel energy gate times spectral flux) so that greedy search emits roughly one token
every 2 to 5 encoder frames on speech and almost nothing on silence.

Writes encoder.onnx, encoder.int8.onnx (unless --no-int8), decoder.onnx, joiner.onnx and
tokens.txt into --out; the same arguments give byte-identical files. Run with Debian's interpreter (python3-torch, python3-onnx):

    /usr/bin/python3 scripts/models/build-test-transducer.py \\
        --export zipformer2 --size tiny --out test/fixtures/transducer/zipformer2

--report WAV... additionally decodes the given 16 kHz mono files with a PyTorch replica of
sherpa-onnx's chunk loop and greedy search, and prints the token rates (used to tune the
blank constants below; needs python3-torchaudio).
"""

import argparse
import json
import math
import os
import sys
from typing import Dict, List, Tuple

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

OPSET = 13  # what icefall exports with; any onnxruntime >= 1.8 runs it
SEED = 20240229
FEATURE_DIM = 80
DECODE_CHUNK_LEN = 32  # feature frames (10 ms) per chunk: 16 frames at 50 Hz, 8 output frames
CONTEXT_SIZE = 2
VOCAB_SIZE = 500
LEFT_CONTEXT_FRAMES = 64  # at 50 Hz, i.e. after the front end's subsampling by 2

# Blank / speech-activity drive (see EmitDrive). Features are log-mel energies of samples
# in [-1, 1] (sherpa-onnx does not rescale to int16 range): speech frames average about
# -6..-3 over the 80 bins, pauses about -10.5, digital silence -15.9.
ENERGY_GATE = -8.0       # mean log-mel energy where the drive is half open
ENERGY_SLOPE = 2.0       # 1 / width of the gate
FLUX_THRESHOLD = 1.05    # mean |delta log-mel| over 4 frames above which a token is due
DRIVE_GAIN = 8.0
STATE_DRIVE_WEIGHT = 0.4  # share of the drive that comes from the (state-dependent) encoder
BLANK_BIAS = 0.0          # plus the typical best non-blank logit (measured at build time)
BLANK_GAIN = 4.0
OUTPUT_GAIN = 1.0

CONFIGS = {
    "tiny": dict(
        num_encoder_layers=(1, 2, 1),
        downsampling=(1, 2, 4),
        encoder_dims=(24, 32, 24),
        attention_dims=(16, 24, 16),  # v1
        num_heads=(2, 2, 2),  # zipformer2
        query_head_dims=(8, 8, 8),
        value_head_dims=(4, 6, 4),
        feedforward_dims=(32, 48, 32),
        cnn_module_kernels=(15, 7, 5),
        embed_channels=(4, 8, 8),  # zipformer2: the last conv always has 128 channels
        embed_out_channels=8,  # zipformer2: pointwise conv after the ConvNeXt-like conv
        decoder_dim=32,
        joiner_dim=32,
    ),
    # Sized like sherpa-onnx-streaming-zipformer-en-20M-2023-02-17 (v1: 5 stacks of 2
    # layers, 256 dims, attention 192, feedforward 768, kernel 31, joiner 512): about 20M
    # parameters and 160M multiply-adds per 320 ms chunk, for both exports.
    "bench": dict(
        num_encoder_layers=(2, 2, 2, 2, 2),
        downsampling=(1, 2, 4, 8, 2),
        encoder_dims=(256, 256, 256, 256, 256),
        attention_dims=(192, 192, 192, 192, 192),
        num_heads=(4, 4, 4, 8, 4),
        query_head_dims=(32, 32, 32, 32, 32),
        value_head_dims=(12, 12, 12, 12, 12),
        feedforward_dims=(768, 768, 768, 768, 768),
        cnn_module_kernels=(31, 31, 31, 31, 31),
        embed_channels=(8, 32, 128),
        embed_out_channels=128,
        decoder_dim=512,
        joiner_dim=512,
    ),
}


def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


def basic_norm(x: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(torch.mean(x * x, dim=-1, keepdim=True) + 1e-4)


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.inp = nn.Linear(dim, hidden)
        self.out = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.out(swish(self.inp(x)))


class CachedConv(nn.Module):
    """Pointwise + GLU, causal depthwise conv over [cache, chunk], pointwise. (N, T, D) in/out."""

    def __init__(self, dim: int, kernel: int):
        super().__init__()
        self.kernel = kernel
        self.inp = nn.Linear(dim, 2 * dim)
        self.depthwise = nn.Conv1d(dim, dim, kernel, groups=dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, cache):
        """cache (N, D, kernel - 1) -> (N, T, D), new cache."""
        y = nn.functional.glu(self.inp(x), dim=-1).permute(0, 2, 1)
        y = torch.cat([cache, y], dim=2)
        new_cache = y[:, :, y.size(2) - (self.kernel - 1):]
        y = swish(self.depthwise(y)).permute(0, 2, 1)
        return self.out(y), new_cache


def causal_mask(frames: int, context: int) -> torch.Tensor:
    """(frames, context + frames) additive mask: a chunk frame sees the cache and the past."""
    m = torch.zeros(frames, context + frames)
    for t in range(frames):
        m[t, context + t + 1:] = -1e4
    return m


class V1Layer(nn.Module):
    """Zipformer (v1) layer. Its states are one layer's slices (leading layer axis
    removed) of cached_len, cached_avg, cached_key, cached_val, cached_val2, cached_conv1
    and cached_conv2; the running average, both attention value caches (sharing one set of
    attention weights, as in icefall) and both convolution caches all feed the output."""

    def __init__(self, dim, att, ff, kernel, context, frames):
        super().__init__()
        self.att, self.context = att, context
        self.ff1, self.ff2, self.ff3 = FeedForward(dim, ff), FeedForward(dim, ff), FeedForward(dim, ff)
        self.pool = nn.Linear(dim, dim)
        self.q, self.k = nn.Linear(dim, att), nn.Linear(dim, att)
        self.v, self.v2 = nn.Linear(dim, att // 2), nn.Linear(dim, att // 2)
        self.o, self.o2 = nn.Linear(att // 2, dim), nn.Linear(att // 2, dim)
        self.conv1, self.conv2 = CachedConv(dim, kernel), CachedConv(dim, kernel)
        self.register_buffer("mask", causal_mask(frames, context), persistent=False)

    def forward(self, x, c_len, c_avg, c_key, c_val, c_val2, c_conv1, c_conv2):
        # x (N, T, D); c_len (N,) int64; c_avg (N, D); c_key (ctx, N, A);
        # c_val, c_val2 (ctx, N, A/2); c_conv1, c_conv2 (N, D, K-1)
        frames = x.size(1)
        x = x + self.ff1(x)
        count = c_len.to(torch.float32).unsqueeze(1)
        new_len = c_len + frames
        new_avg = (c_avg * count + x.sum(dim=1)) / (count + frames)
        x = x + self.pool(new_avg).unsqueeze(1)

        keys = torch.cat([c_key.permute(1, 0, 2), self.k(x)], dim=1)  # (N, ctx+T, A)
        scores = torch.matmul(self.q(x), keys.transpose(1, 2)) / math.sqrt(self.att)
        attn = torch.softmax(scores + self.mask, dim=-1)
        vals = torch.cat([c_val.permute(1, 0, 2), self.v(x)], dim=1)
        x = x + self.o(torch.matmul(attn, vals))
        conv, new_conv1 = self.conv1(x, c_conv1)
        x = x + conv
        x = x + self.ff2(x)
        vals2 = torch.cat([c_val2.permute(1, 0, 2), self.v2(x)], dim=1)
        x = x + self.o2(torch.matmul(attn, vals2))
        conv, new_conv2 = self.conv2(x, c_conv2)
        x = x + conv
        x = basic_norm(x + self.ff3(x))

        keep = lambda t: t[:, t.size(1) - self.context:].permute(1, 0, 2)  # noqa: E731
        return x, (new_len, new_avg, keep(keys), keep(vals), keep(vals2), new_conv1, new_conv2)


class V2Layer(nn.Module):
    """Zipformer2 layer: states cached_key, cached_nonlin_attn, cached_val1, cached_val2,
    cached_conv1, cached_conv2; attention masked by the processed frame count."""

    def __init__(self, dim, heads, qhd, vhd, ff, kernel, context, frames):
        super().__init__()
        self.heads, self.qhd, self.vhd, self.context = heads, qhd, vhd, context
        self.hidden = 3 * dim // 4
        self.ff1 = FeedForward(dim, ff * 3 // 4)
        self.ff2 = FeedForward(dim, ff)
        self.ff3 = FeedForward(dim, ff * 5 // 4)
        self.q, self.k = nn.Linear(dim, heads * qhd), nn.Linear(dim, heads * qhd)
        self.v1, self.v2 = nn.Linear(dim, heads * vhd), nn.Linear(dim, heads * vhd)
        self.o1, self.o2 = nn.Linear(heads * vhd, dim), nn.Linear(heads * vhd, dim)
        self.nonlin_in = nn.Linear(dim, 3 * self.hidden)
        self.nonlin_out = nn.Linear(self.hidden, dim)
        # zipformer2's causal conv keeps kernel // 2 frames of left context
        self.conv1 = CachedConv(dim, kernel // 2 + 1)
        self.conv2 = CachedConv(dim, kernel // 2 + 1)
        self.register_buffer("mask", causal_mask(frames, context), persistent=False)

    def heads_first(self, t, head_dim):
        n, length = t.size(0), t.size(1)
        return t.reshape(n, length, self.heads, head_dim).permute(0, 2, 1, 3)

    def attend(self, attn, cache, chunk):
        vals = self.heads_first(torch.cat([cache.permute(1, 0, 2), chunk], dim=1), self.vhd)
        out = torch.matmul(attn, vals).permute(0, 2, 1, 3)  # (N, T, H, vhd)
        return out.reshape(out.size(0), out.size(1), self.heads * self.vhd), vals

    def forward(self, x, pad_mask, c_key, c_nonlin, c_val1, c_val2, c_conv1, c_conv2):
        # x (N, T, D); pad_mask (N, 1, 1, ctx+T) additive; c_key (ctx, N, H*qhd);
        # c_nonlin (1, N, ctx, 3D/4); c_val1, c_val2 (ctx, N, H*vhd); c_conv* (N, D, K/2)
        x = x + self.ff1(x)
        keys = torch.cat([c_key.permute(1, 0, 2), self.k(x)], dim=1)  # (N, ctx+T, H*qhd)
        scores = torch.matmul(self.heads_first(self.q(x), self.qhd),
                              self.heads_first(keys, self.qhd).transpose(2, 3))
        attn = torch.softmax(scores / math.sqrt(self.qhd) + self.mask + pad_mask, dim=-1)

        s, u, y = self.nonlin_in(x).chunk(3, dim=-1)
        gated = torch.cat([c_nonlin[0], torch.tanh(s) * u], dim=1)  # (N, ctx+T, hidden)
        x = x + self.nonlin_out(torch.matmul(attn[:, 0], gated) * y)

        out, vals1 = self.attend(attn, c_val1, self.v1(x))
        x = x + self.o1(out)
        conv, new_conv1 = self.conv1(x, c_conv1)
        x = x + conv
        x = x + self.ff2(x)
        out, vals2 = self.attend(attn, c_val2, self.v2(x))
        x = x + self.o2(out)
        conv, new_conv2 = self.conv2(x, c_conv2)
        x = x + conv
        x = basic_norm(x + self.ff3(x))

        ctx = self.context
        keep = lambda t: t[:, t.size(1) - ctx:].permute(1, 0, 2)  # noqa: E731
        keep_heads = lambda t: keep(t.permute(0, 2, 1, 3).reshape(  # noqa: E731
            t.size(0), t.size(2), self.heads * self.vhd))
        new_nonlin = gated[:, gated.size(1) - ctx:].unsqueeze(0)
        return x, (keep(keys), new_nonlin, keep_heads(vals1), keep_heads(vals2), new_conv1, new_conv2)


class EmitDrive(nn.Module):
    """Per output frame: gate(mean log-mel energy) * spectral flux, centred on a threshold.

    Output frame t of a chunk summarises feature frames offset + 4t .. offset + 4t + 3."""

    def __init__(self, offset: int, out_frames: int):
        super().__init__()
        self.offset, self.out_frames = offset, out_frames

    def forward(self, x):
        n, span = x.size(0), 4 * self.out_frames
        window = x[:, self.offset - 1:self.offset + span]
        flux = (window[:, 1:] - window[:, :-1]).abs().mean(dim=2).reshape(n, self.out_frames, 4)
        energy = window[:, 1:].mean(dim=2).reshape(n, self.out_frames, 4)
        gate = torch.sigmoid((energy.mean(dim=2) - ENERGY_GATE) * ENERGY_SLOPE)
        return DRIVE_GAIN * (gate * flux.mean(dim=2) - FLUX_THRESHOLD)


class Subsampling(nn.Module):
    """Conv2d front end as in icefall: T -> (T - 7) // 2 frames at 50 Hz, 80 -> 19 bins."""

    def __init__(self, channels):
        super().__init__()
        c0, c1, c2 = channels
        self.conv0 = nn.Conv2d(1, c0, 3, padding=(0, 1))
        self.conv1 = nn.Conv2d(c0, c1, 3, stride=2)
        self.conv2 = nn.Conv2d(c1, c2, 3, stride=(1, 2))

    def forward(self, x):
        # Features are log-mel of samples in [-1, 1]: centre and scale them first.
        x = ((x + 7.0) * 0.25).unsqueeze(1)
        x = swish(self.conv0(x))
        x = swish(self.conv1(x))
        return swish(self.conv2(x))  # (N, C, T', 19)


class Encoder(nn.Module):
    def __init__(self, export: str, cfg: Dict):
        super().__init__()
        self.export = export
        self.cfg = cfg
        ds = cfg["downsampling"]
        self.frames50 = DECODE_CHUNK_LEN // 2
        self.contexts = [LEFT_CONTEXT_FRAMES // d for d in ds]
        self.pad_length = 7 if export == "zipformer" else 13
        self.T = DECODE_CHUNK_LEN + self.pad_length
        dims = cfg["encoder_dims"]
        c0, c1, c2 = cfg["embed_channels"]
        if export == "zipformer":
            self.embed = Subsampling((c0, c1, c2))
            self.embed_out = nn.Linear(c2 * 19, dims[0])
        else:
            # embed_states caches 3 frames of this 128-channel map (sherpa-onnx fixes 128)
            self.embed = Subsampling((c0, c1, 128))
            self.convnext = nn.Conv2d(128, 128, 7, padding=(0, 3), groups=128)
            self.convnext_pw = nn.Conv2d(128, cfg["embed_out_channels"], 1)
            self.embed_out = nn.Linear(cfg["embed_out_channels"] * 19, dims[0])
        self.stacks = nn.ModuleList()
        self.stack_in = nn.ModuleList()
        prev = dims[0]
        for i, layers in enumerate(cfg["num_encoder_layers"]):
            frames = self.frames50 // ds[i]
            if export == "zipformer":
                mk = lambda: V1Layer(dims[i], cfg["attention_dims"][i], cfg["feedforward_dims"][i],  # noqa: E731
                                     cfg["cnn_module_kernels"][i], self.contexts[i], frames)
            else:
                mk = lambda: V2Layer(dims[i], cfg["num_heads"][i], cfg["query_head_dims"][i],  # noqa: E731
                                     cfg["value_head_dims"][i], cfg["feedforward_dims"][i],
                                     cfg["cnn_module_kernels"][i], self.contexts[i], frames)
            self.stacks.append(nn.ModuleList([mk() for _ in range(layers)]))
            self.stack_in.append(nn.Linear(prev, dims[i]) if prev != dims[i] else nn.Identity())
            prev = dims[i]
        self.encoder_proj = nn.Linear(prev, cfg["joiner_dim"])
        self.zeros_ds = [torch.zeros(1, 1, d, 1) for d in ds]
        self.drive = EmitDrive(3, DECODE_CHUNK_LEN // 4)

    # ---- state layout, exactly as the icefall exports and sherpa-onnx expect ----
    def state_specs(self) -> List[Tuple[str, Tuple[int, ...], int, int]]:
        """(name, shape with N=1, batch axis, onnx dtype) in input order."""
        cfg, specs = self.cfg, []
        layers = cfg["num_encoder_layers"]
        if self.export == "zipformer":
            n = len(layers)
            f, i64 = TensorProto.FLOAT, TensorProto.INT64
            for i in range(n):
                specs.append((f"cached_len_{i}", (layers[i], 1), 1, i64))
            for i in range(n):
                specs.append((f"cached_avg_{i}", (layers[i], 1, cfg["encoder_dims"][i]), 1, f))
            for i in range(n):
                specs.append((f"cached_key_{i}", (layers[i], self.contexts[i], 1, cfg["attention_dims"][i]), 2, f))
            for name in ("cached_val", "cached_val2"):
                for i in range(n):
                    specs.append((f"{name}_{i}", (layers[i], self.contexts[i], 1, cfg["attention_dims"][i] // 2), 2, f))
            for name in ("cached_conv1", "cached_conv2"):
                for i in range(n):
                    specs.append((f"{name}_{i}", (layers[i], 1, cfg["encoder_dims"][i], cfg["cnn_module_kernels"][i] - 1), 1, f))
            return specs
        f = TensorProto.FLOAT
        j = 0
        for i, count in enumerate(layers):
            d, ctx = cfg["encoder_dims"][i], self.contexts[i]
            key_dim = cfg["query_head_dims"][i] * cfg["num_heads"][i]
            val_dim = cfg["value_head_dims"][i] * cfg["num_heads"][i]
            half = cfg["cnn_module_kernels"][i] // 2
            for _ in range(count):
                specs += [
                    (f"cached_key_{j}", (ctx, 1, key_dim), 1, f),
                    (f"cached_nonlin_attn_{j}", (1, 1, ctx, 3 * d // 4), 1, f),
                    (f"cached_val1_{j}", (ctx, 1, val_dim), 1, f),
                    (f"cached_val2_{j}", (ctx, 1, val_dim), 1, f),
                    (f"cached_conv1_{j}", (1, d, half), 0, f),
                    (f"cached_conv2_{j}", (1, d, half), 0, f),
                ]
                j += 1
        embed_dim = ((FEATURE_DIM - 1) // 2 - 1) // 2
        specs.append(("embed_states", (1, 128, 3, embed_dim), 0, f))
        specs.append(("processed_lens", (1,), 0, TensorProto.INT64))
        return specs

    def metadata(self) -> Dict[str, str]:
        cfg = self.cfg
        join = lambda v: ",".join(str(int(x)) for x in v)  # noqa: E731
        meta = {
            "model_type": self.export,
            "version": "1",
            "model_author": "parley-test",
            "comment": f"untrained test model with the {self.export} streaming interface",
            "decode_chunk_len": str(DECODE_CHUNK_LEN),
            "T": str(self.T),
            "num_encoder_layers": join(cfg["num_encoder_layers"]),
            "encoder_dims": join(cfg["encoder_dims"]),
            "cnn_module_kernels": join(cfg["cnn_module_kernels"]),
            "left_context_len": join(self.contexts),
        }
        if self.export == "zipformer":
            meta["attention_dims"] = join(cfg["attention_dims"])
        else:
            meta["query_head_dims"] = join(cfg["query_head_dims"])
            meta["value_head_dims"] = join(cfg["value_head_dims"])
            meta["num_heads"] = join(cfg["num_heads"])
        return meta

    def front_end(self, x, embed_states=None):
        n = x.size(0)
        h = self.embed(x)
        new_embed = None
        if self.export == "zipformer2":
            h = torch.cat([embed_states, h], dim=2)  # (N, 128, 3 + 19, 19)
            new_embed = h[:, :, h.size(2) - 3:]
            h = swish(self.convnext_pw(self.convnext(h)))  # (N, C, 16, 19)
        h = h.permute(0, 2, 1, 3)
        h = h.reshape(n, h.size(1), h.size(2) * h.size(3))
        return basic_norm(self.embed_out(h)), new_embed

    def run_stacks(self, h, per_layer_states, pad_masks):
        """per_layer_states[i][l] = tuple of that layer's states; returns h and new states."""
        ds = self.cfg["downsampling"]
        n = h.size(0)
        new_states = []
        for i, stack in enumerate(self.stacks):
            h = self.stack_in[i](h)
            x = h.reshape(n, self.frames50 // ds[i], ds[i], h.size(2)).mean(dim=2)
            stack_states = []
            for l, layer in enumerate(stack):
                extra = () if pad_masks is None else (pad_masks[i],)
                x, st = layer(x, *extra, *per_layer_states[i][l])
                stack_states.append(st)
            new_states.append(stack_states)
            h = h + (x.unsqueeze(2) + self.zeros_ds[i]).flatten(1, 2)  # repeat each frame ds times
        return h, new_states

    def finish(self, x, h):
        n = h.size(0)
        h = h.reshape(n, h.size(1) // 2, 2, h.size(2)).mean(dim=2)
        out = self.encoder_proj(basic_norm(h))
        # Random weights leave a large constant offset per channel and little variation over
        # time, so the joiner would pick the same few tokens everywhere: standardise every
        # channel over the chunk's frames.
        out = out - out.mean(dim=1, keepdim=True)
        out = OUTPUT_GAIN * out * torch.rsqrt(torch.mean(out * out, dim=1, keepdim=True) + 0.01)
        drive = self.drive(x) + STATE_DRIVE_WEIGHT * DRIVE_GAIN * torch.tanh(out[:, :, 0])
        return torch.cat([drive.unsqueeze(2), out[:, :, 1:]], dim=2)

    def forward(self, x, *states):
        layers = self.cfg["num_encoder_layers"]
        if self.export == "zipformer":
            n = len(layers)
            groups = [states[k * n:(k + 1) * n] for k in range(7)]
            per_layer = [[tuple(g[i][l] for g in groups) for l in range(layers[i])] for i in range(n)]
            h, _ = self.front_end(x)
            h, new = self.run_stacks(h, per_layer, None)
            outs = []
            for k in range(7):
                for i in range(n):
                    outs.append(torch.stack([new[i][l][k] for l in range(layers[i])], dim=0))
            return (self.finish(x, h), *outs)

        embed_states, processed = states[-2], states[-1]
        per_layer, j = [], 0
        for count in layers:
            per_layer.append([tuple(states[6 * (j + l):6 * (j + l) + 6]) for l in range(count)])
            j += count
        masks = []
        for i, ctx in enumerate(self.contexts):
            filled = torch.div(processed, self.cfg["downsampling"][i], rounding_mode="floor")
            pos = torch.arange(ctx, dtype=torch.int64).unsqueeze(0)
            hidden = (pos < (ctx - filled).unsqueeze(1)).to(torch.float32) * -1e4  # (N, ctx)
            chunk = torch.zeros(hidden.size(0), self.frames50 // self.cfg["downsampling"][i])
            masks.append(torch.cat([hidden, chunk], dim=1).unsqueeze(1).unsqueeze(1))
        h, new_embed = self.front_end(x, embed_states)
        h, new = self.run_stacks(h, per_layer, masks)
        outs = [t for stack in new for st in stack for t in st]
        outs += [new_embed, processed + self.frames50]
        return (self.finish(x, h), *outs)

    def init_states(self, batch: int) -> List[torch.Tensor]:
        out = []
        for _, shape, axis, dtype in self.state_specs():
            shape = list(shape)
            shape[axis] = batch
            out.append(torch.zeros(shape, dtype=torch.int64 if dtype == TensorProto.INT64 else torch.float32))
        return out


class Decoder(nn.Module):
    """Stateless decoder as icefall's: embeddings of the last two tokens, mixed per channel
    (a depthwise conv over the context), ReLU, projection -> decoder_out (N, joiner_dim)."""

    def __init__(self, dim: int, joiner_dim: int):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_SIZE, dim)
        self.mix = nn.Parameter(torch.zeros(CONTEXT_SIZE, dim))
        self.mix_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, joiner_dim)

    def forward(self, y):
        e = (self.embedding(y) * self.mix).sum(dim=1) + self.mix_bias
        return self.proj(torch.relu(e))


class Joiner(nn.Module):
    def __init__(self, joiner_dim: int):
        super().__init__()
        self.output_linear = nn.Linear(joiner_dim, VOCAB_SIZE)

    def forward(self, encoder_out, decoder_out):
        return self.output_linear(torch.tanh(encoder_out + decoder_out))


# ---------------------------------------------------------------------------------------
# weights


def init_weights(module: nn.Module, rng: np.random.RandomState) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() == 1:
                values = rng.normal(0.0, 0.05, p.shape)
            elif "embedding" in name or name == "mix":
                values = rng.normal(0.0, 1.0, p.shape)
            else:
                fan_in = int(np.prod(p.shape[1:]))
                values = rng.normal(0.0, 1.0 / math.sqrt(fan_in), p.shape)
            p.copy_(torch.from_numpy(values.astype(np.float32)))


def shape_blank(encoder: Encoder, decoder: Decoder, joiner: Joiner, rng: np.random.RandomState) -> None:
    """Channel 0 of encoder_out is the emit drive; only the blank logit reads it."""
    with torch.no_grad():
        decoder.proj.weight[0].zero_()
        decoder.proj.bias[0] = 0.0
        w, b = joiner.output_linear.weight, joiner.output_linear.bias
        j = w.size(1)
        w.copy_(torch.from_numpy(rng.normal(0.0, 1.6 / math.sqrt(j - 1), tuple(w.shape)).astype(np.float32)))
        w[:, 0] = 0.0
        w[0] = 0.0
        w[0, 0] = -BLANK_GAIN
        ranks = torch.arange(1, VOCAB_SIZE, dtype=torch.float32)
        b[1:] = -0.15 * torch.log(ranks)
        b[1] = -30.0  # <sos/eos>
        b[2] = -30.0  # <unk>
        # Typical best non-blank logit when |tanh| ~ 0.7 on every channel
        probe = torch.tanh(torch.from_numpy(rng.normal(0.0, 1.0, (256, j)).astype(np.float32)))
        probe[:, 0] = 0.0
        best = (probe @ w[3:].T + b[3:]).max(dim=1).values.median()
        b[0] = float(best) + BLANK_BIAS


# ---------------------------------------------------------------------------------------
# export


def shorten_names(graph: onnx.GraphProto) -> None:
    """Renames nodes, initializers and intermediate values (not the graph's inputs and
    outputs): torch's long scoped names are a third of a tiny model's file size."""
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    renamed: Dict[str, str] = {}

    def short(name: str) -> str:
        if name == "" or name in keep:
            return name
        if name not in renamed:
            renamed[name] = f"v{len(renamed)}"
        return renamed[name]

    for t in graph.initializer:
        t.name = short(t.name)
    for i, node in enumerate(graph.node):
        node.name = f"n{i}"
        node.input[:] = [short(x) for x in node.input]
        node.output[:] = [short(x) for x in node.output]
        node.doc_string = ""
    del graph.value_info[:]


def set_output_shapes(graph: onnx.GraphProto, shapes: Dict[str, List]) -> None:
    """torch leaves computed names on output dims; give them the static shape (N symbolic)."""
    for out in graph.output:
        dims = out.type.tensor_type.shape.dim
        for dim, value in zip(dims, shapes[out.name]):
            if isinstance(value, str):
                dim.dim_param = value
            else:
                dim.dim_value = value


def finish_model(path: str, meta: Dict[str, str], output_shapes: Dict[str, List]) -> None:
    model = onnx.load(path)
    shorten_names(model.graph)
    set_output_shapes(model.graph, output_shapes)
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, path)


def export_encoder(encoder: Encoder, path: str) -> None:
    specs = encoder.state_specs()
    x = torch.zeros(1, encoder.T, FEATURE_DIM)
    states = encoder.init_states(1)
    names = [s[0] for s in specs]
    dynamic = {"x": {0: "N"}, "encoder_out": {0: "N"}}
    for name, _, axis, _ in specs:
        dynamic[name] = {axis: "N"}
        dynamic[f"new_{name}"] = {axis: "N"}
    torch.onnx.export(
        encoder, (x, *states), path, opset_version=OPSET, do_constant_folding=True,
        input_names=["x", *names], output_names=["encoder_out", *[f"new_{n}" for n in names]],
        dynamic_axes=dynamic)
    shapes = {"encoder_out": ["N", DECODE_CHUNK_LEN // 4, encoder.cfg["joiner_dim"]]}
    for name, shape, axis, _ in specs:
        shapes[f"new_{name}"] = ["N" if k == axis else d for k, d in enumerate(shape)]
    finish_model(path, encoder.metadata(), shapes)


def export_decoder(decoder: Decoder, path: str) -> None:
    y = torch.zeros(4, CONTEXT_SIZE, dtype=torch.int64)
    torch.onnx.export(decoder, (y,), path, opset_version=OPSET, input_names=["y"],
                      output_names=["decoder_out"], dynamic_axes={"y": {0: "N"}, "decoder_out": {0: "N"}})
    finish_model(path, {"context_size": str(CONTEXT_SIZE), "vocab_size": str(VOCAB_SIZE)},
                 {"decoder_out": ["N", decoder.proj.out_features]})


def export_joiner(joiner: Joiner, joiner_dim: int, path: str) -> None:
    e = torch.zeros(4, joiner_dim)
    torch.onnx.export(joiner, (e, e), path, opset_version=OPSET, input_names=["encoder_out", "decoder_out"],
                      output_names=["logit"],
                      dynamic_axes={"encoder_out": {0: "N"}, "decoder_out": {0: "N"}, "logit": {0: "N"}})
    finish_model(path, {"joiner_dim": str(joiner_dim)}, {"logit": ["N", VOCAB_SIZE]})


def quantize_matmuls(src: str, dst: str) -> int:
    """Dynamic int8 quantization of every MatMul with a 2-D constant weight, in the node
    pattern onnxruntime's quantize_dynamic(weight_type=QInt8) writes: DynamicQuantizeLinear
    on the activation (uint8), MatMulInteger with the int8 weight (symmetric, zero point 0),
    Cast to float, Mul by activation scale x weight scale."""
    model = onnx.load(src)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes, count = [], 0
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if weight is None or len(weight.dims) != 2:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(weight).astype(np.float32)
        scale = max(float(np.abs(w).max()) / 127.0, 1e-8)
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        base = f"{node.name or node.output[0]}_q{count}"
        graph.initializer.extend([
            numpy_helper.from_array(q, f"{base}_w"),
            numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{base}_w_scale"),
            numpy_helper.from_array(np.array(0, dtype=np.int8), f"{base}_w_zp"),
        ])
        a = node.input[0]
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [a], [f"{base}_a", f"{base}_a_scale", f"{base}_a_zp"],
                             name=f"{base}_dql"),
            helper.make_node("MatMulInteger", [f"{base}_a", f"{base}_w", f"{base}_a_zp", f"{base}_w_zp"],
                             [f"{base}_i32"], name=f"{base}_mmi"),
            helper.make_node("Cast", [f"{base}_i32"], [f"{base}_f"], to=TensorProto.FLOAT, name=f"{base}_cast"),
            helper.make_node("Mul", [f"{base}_a_scale", f"{base}_w_scale"], [f"{base}_scale"], name=f"{base}_s"),
            helper.make_node("Mul", [f"{base}_f", f"{base}_scale"], [node.output[0]], name=f"{base}_mul"),
        ]
        count += 1
    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return count


# ---------------------------------------------------------------------------------------
# tokens


def token_pieces() -> List[str]:
    words = """THE AND OF TO A IN THAT WAS HE IT HIS I WITH AS HAD FOR YOU HER BUT NOT BE AT SHE ON
    IS BY WHICH SO ALL THEY WERE HIM THIS MY FROM HAVE ME THERE ONE SAID WHEN WHAT NO AN WE OR
    BEEN WOULD IF THEIR ARE WHO WILL OUT UP THEM COULD MORE THEN INTO SOME NOW VERY ONLY LITTLE
    DID ABOUT TIME SHOULD LIKE MAN UPON ANY THAN OTHER MUST SEE GREAT WELL MADE HOW KNOW BEFORE
    OVER AFTER MISTER MOTHER SISTER HOUSE SENSE FAMILY YEARS HEART MIND LIFE EVERY THOUGH MIGHT
    NEVER MUCH OWN DAY HAND EYES AGAIN THINK WAY LONG COME SUCH THESE THOSE YOUNG HERSELF
    HIMSELF WIFE SON DAUGHTER FATHER FRIEND LADY ESTATE FORTUNE INCOME HUNDRED THOUSAND POUNDS
    WHOLE HALF FIRST LAST NEW OLD GOOD HAPPY FEELING MANNER SOON WITHOUT BETWEEN DEATH LEFT
    LIVING REST HOWEVER PERHAPS INDEED""".split()
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    suffixes = """S ED ING ER LY ES EST ION TION NESS MENT FUL LESS ABLE AL IVE OUS ANCE ENCE ITY
    Y RE IN AN ON EN AR OR IR UR ST ND TH SH CH LL SS TT NG CK QU""".split()
    pieces: List[str] = []
    seen = set()

    def add(p: str) -> None:
        if p not in seen and len(pieces) < VOCAB_SIZE - 3:
            seen.add(p)
            pieces.append(p)

    for w in words:
        add("\u2581" + w)
    for s in suffixes:
        add(s)
    for c in letters:
        add(c)
        add("\u2581" + c)
    consonants, vowels = "BCDFGHKLMNPRSTVW", "AEIOU"
    for c in consonants:
        for v in vowels:
            add(c + v)
            add(v + c)
    for c in consonants:
        for v in vowels:
            add("\u2581" + c + v)
    for c in consonants:  # fill up with consonant-vowel-consonant pieces
        for v in vowels:
            for c2 in "NRST":
                add(c + v + c2)
    assert len(pieces) == VOCAB_SIZE - 3, len(pieces)
    return pieces


def write_tokens(path: str) -> None:
    lines = ["<blk> 0", "<sos/eos> 1", "<unk> 2"]
    lines += [f"{p} {i + 3}" for i, p in enumerate(token_pieces())]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------
# reporting


def count_macs(encoder: Encoder) -> int:
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Linear):
            total[0] += out.numel() * mod.in_features
        elif isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            k = int(np.prod(mod.kernel_size)) * (mod.in_channels // mod.groups)
            total[0] += out.numel() * k

    handles = [m.register_forward_hook(hook) for m in encoder.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]
    with torch.no_grad():
        encoder(torch.zeros(1, encoder.T, FEATURE_DIM), *encoder.init_states(1))
    for h in handles:
        h.remove()
    return total[0]


def fbank(path: str) -> torch.Tensor:
    import torchaudio
    import torchaudio.compliance.kaldi as kaldi

    wave, rate = torchaudio.load(path)
    assert rate == 16000, path
    tail = torch.zeros(1, int(0.66 * rate))
    return kaldi.fbank(torch.cat([wave, tail], dim=1), num_mel_bins=FEATURE_DIM, frame_length=25,
                       frame_shift=10, dither=0.0, snip_edges=False, low_freq=20, high_freq=-400,
                       window_type="povey", preemphasis_coefficient=0.97, remove_dc_offset=True,
                       sample_frequency=rate)


def greedy_decode(encoder, decoder, joiner, feats: torch.Tensor) -> Tuple[List[int], List[int], int]:
    """sherpa-onnx's loop: chunks of T frames every decode_chunk_len while processed + T < frames."""
    states = encoder.init_states(1)
    ys, times, frame = [0] * CONTEXT_SIZE, [], 0
    processed = 0
    with torch.no_grad():
        dec = decoder(torch.tensor([ys[-CONTEXT_SIZE:]]))
        while processed + encoder.T < feats.size(0):
            out = encoder(feats[processed:processed + encoder.T].unsqueeze(0), *states)
            enc, states = out[0], list(out[1:])
            processed += DECODE_CHUNK_LEN
            for t in range(enc.size(1)):
                logit = joiner(enc[:, t], dec)
                y = int(logit.argmax(dim=1))
                if y != 0:
                    ys.append(y)
                    times.append(frame)
                    dec = decoder(torch.tensor([ys[-CONTEXT_SIZE:]]))
                frame += 1
    return ys[CONTEXT_SIZE:], times, frame


def report(encoder, decoder, joiner, wavs: List[str], tokens: List[str]) -> None:
    for path in wavs:
        feats = fbank(path)
        ys, times, frames = greedy_decode(encoder, decoder, joiner, feats)
        energy = feats.mean(dim=1)
        speech = 0
        for t in range(frames):
            seg = energy[4 * t:4 * t + 4]
            speech += int(seg.numel() > 0 and float(seg.mean()) > ENERGY_GATE)
        text = "".join(tokens[y] for y in ys).replace("\u2581", " ").strip()
        print(json.dumps({"wav": os.path.basename(path), "frames": frames, "speech_frames": speech,
                          "tokens": len(ys), "frames_per_token": round(frames / max(1, len(ys)), 2),
                          "speech_frames_per_token": round(speech / max(1, len(ys)), 2),
                          "text": text[:80]}))


# ---------------------------------------------------------------------------------------


def build(export: str, size: str, out: str, int8: bool, wavs: List[str]) -> Dict:
    torch.manual_seed(SEED)
    cfg = CONFIGS[size]
    rng = np.random.RandomState(SEED + (0 if export == "zipformer" else 1) + (0 if size == "tiny" else 10))
    encoder = Encoder(export, cfg).eval()
    decoder = Decoder(cfg["decoder_dim"], cfg["joiner_dim"]).eval()
    joiner = Joiner(cfg["joiner_dim"]).eval()
    init_weights(encoder, rng)
    init_weights(decoder, rng)
    init_weights(joiner, rng)
    shape_blank(encoder, decoder, joiner, rng)

    os.makedirs(out, exist_ok=True)
    export_encoder(encoder, os.path.join(out, "encoder.onnx"))
    export_decoder(decoder, os.path.join(out, "decoder.onnx"))
    export_joiner(joiner, cfg["joiner_dim"], os.path.join(out, "joiner.onnx"))
    write_tokens(os.path.join(out, "tokens.txt"))
    quantized = 0
    if int8:
        quantized = quantize_matmuls(os.path.join(out, "encoder.onnx"), os.path.join(out, "encoder.int8.onnx"))

    params = {name: sum(p.numel() for p in m.parameters())
              for name, m in (("encoder", encoder), ("decoder", decoder), ("joiner", joiner))}
    summary = {
        "export": export, "size": size, "parameters": params, "total_parameters": sum(params.values()),
        "encoder_macs_per_chunk": count_macs(encoder), "int8_matmuls": quantized,
        "state_tensors": len(encoder.state_specs()), "metadata": encoder.metadata(),
        "files": {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))},
    }
    print(json.dumps(summary, indent=2))
    if wavs:
        report(encoder, decoder, joiner, wavs, ["<blk>", "<sos/eos>", "<unk>"] + token_pieces())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", choices=("zipformer", "zipformer2"), required=True)
    parser.add_argument("--size", choices=tuple(CONFIGS), required=True)
    parser.add_argument("--out", required=True, help="folder to write the model files into")
    parser.add_argument("--no-int8", action="store_true", help="skip encoder.int8.onnx")
    parser.add_argument("--report", nargs="*", default=[], metavar="WAV",
                        help="decode these 16 kHz wav files with a PyTorch replica and print token rates")
    args = parser.parse_args()
    build(args.export, args.size, args.out, not args.no_int8, args.report)


if __name__ == "__main__":
    sys.exit(main())
