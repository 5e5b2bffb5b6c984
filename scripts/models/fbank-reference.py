"""Reference features for audio/kaldi-fbank.ts, from torchaudio.compliance.kaldi.fbank.

Writes test/fixtures/fbank/: per case <name>.s16 (the input, 16 kHz mono int16 LE),
<name>.f32 (its features, float32 LE, frames x 80, row-major) and <name>.onnx (below),
plus fbank.json (sources, shapes, the exact options). Options are those sherpa-onnx gives
kaldi-native-fbank for a streaming Zipformer transducer. Samples are int16 / 32768, in
[-1, 1], and are not scaled further: sherpa-onnx multiplies by 32768 only when
normalize_samples is false, which it sets for Paraformer-style models, not transducers.

Framing. For 400 samples or more, torchaudio's batch snip_edges=False frames equal what
the online kaldi-native-fbank extractor has produced once InputFinished() is called; the
online one just holds back the last one or two frames, whose windows run past the end,
until then. Below 400 samples torchaudio refuses the input, while Kaldi still emits
(n + 80) // 160 frames, mirroring the signal around its ends as often as needed (torchaudio
mirrors once); the short cases build those windows by Kaldi's rule and let torchaudio
process each as a single snip_edges=True frame.

<name>.onnx lets the test ask kaldi-native-fbank itself through sherpa-onnx-node, which
exposes no features directly: a "speaker embedding" model that reshapes its input
features (1, T, 80) to (1, T * 80) and returns them. sherpa-onnx copies `output_dim`
floats of the output, so each case gets a model whose output_dim is its frames x 80.

Run with Debian's interpreter, which has python3-torchaudio and python3-onnx:
    /usr/bin/python3 scripts/models/fbank-reference.py
"""

import json
import wave
from pathlib import Path

import numpy as np
import onnx
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "fbank"
RATE = 16000
WINDOW = 400
SHIFT = 160

OPTIONS = dict(
    sample_frequency=float(RATE),
    num_mel_bins=80,
    frame_length=25.0,
    frame_shift=10.0,
    window_type="povey",
    preemphasis_coefficient=0.97,
    remove_dc_offset=True,
    dither=0.0,
    low_freq=20.0,
    high_freq=-400.0,
    use_energy=False,
    energy_floor=0.0,
    raw_energy=True,
    use_log_fbank=True,
    use_power=True,
    round_to_power_of_two=True,
)

# 3.5 s and a bit of each file (not 6 s: the fixture stays under 500 KB); lengths that are
# not multiples of the 160-sample shift make the last frame reach past the end.
LONG_CASES = [
    ("speech-0870", "sense_and_sensibility_01_austen_64kb-0870", 0, 56077),
    ("speech-0920", "sense_and_sensibility_01_austen_64kb-0920", 0, 56003),
]
# Short streams cut from inside speech: 1, 2 and 3 frames, the first two below one window.
SHORT_CASES = [
    ("short-100", "sense_and_sensibility_01_austen_64kb-0870", 24000, 100),
    ("short-250", "sense_and_sensibility_01_austen_64kb-0870", 24000, 250),
    ("short-450", "sense_and_sensibility_01_austen_64kb-0870", 24000, 450),
]


def read_wav(stem: str) -> np.ndarray:
    with wave.open(str(LIBRIVOX / f"{stem}.wav"), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), stem
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def batch_fbank(x: torch.Tensor) -> torch.Tensor:
    return kaldi.fbank(x[None], snip_edges=False, **OPTIONS)


def reflected_windows_fbank(x: torch.Tensor) -> torch.Tensor:
    """Kaldi's snip_edges=False frames for a stream of any length, one window at a time."""
    n = x.numel()
    frames = []
    for f in range((n + SHIFT // 2) // SHIFT):
        start = f * SHIFT + SHIFT // 2 - WINDOW // 2
        index = []
        for s in range(start, start + WINDOW):
            while s < 0 or s >= n:
                s = -s - 1 if s < 0 else 2 * n - 1 - s
            index.append(s)
        frames.append(kaldi.fbank(x[index][None], snip_edges=True, **OPTIONS))
    return torch.cat(frames) if frames else torch.empty(0, OPTIONS["num_mel_bins"])


def passthrough_model(floats: int) -> onnx.ModelProto:
    """sherpa-onnx's speaker embedding extractor runs its own fbank (same defaults as for a
    transducer) and hands the frames to this model; metadata as sherpa-onnx requires."""
    h = onnx.helper
    shape = h.make_tensor("shape", onnx.TensorProto.INT64, [2], [1, -1])
    graph = h.make_graph(
        [h.make_node("Reshape", ["x", "shape"], ["embedding"])],
        "fbank-passthrough",
        [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, "T", OPTIONS["num_mel_bins"]])],
        [h.make_tensor_value_info("embedding", onnx.TensorProto.FLOAT, [1, "D"])],
        [shape],
    )
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)], producer_name="parley")
    model.ir_version = 7
    metadata = dict(
        framework="wespeaker", sample_rate=str(RATE), output_dim=str(floats), normalize_samples="1", language="none"
    )
    for key, value in metadata.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model)
    return model


def reference(x: torch.Tensor) -> torch.Tensor:
    return batch_fbank(x) if x.numel() >= WINDOW else reflected_windows_fbank(x)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, stem, offset, count in LONG_CASES + SHORT_CASES:
        pcm = read_wav(stem)[offset : offset + count]
        assert pcm.size == count, name
        x = torch.from_numpy(pcm.astype(np.float32) / 32768.0)
        feats = reference(x)
        assert feats.shape[0] == (count + SHIFT // 2) // SHIFT, name
        (OUT / f"{name}.s16").write_bytes(pcm.astype("<i2").tobytes())
        (OUT / f"{name}.f32").write_bytes(feats.numpy().astype("<f4").tobytes())
        onnx.save(passthrough_model(feats.numel()), str(OUT / f"{name}.onnx"))
        # torchaudio in float32 against itself in float64: its own rounding, for the test's tolerance.
        float64_gap = (feats.double() - reference(x.double())).abs().max()
        cases.append(
            dict(
                name=name,
                source=f"{LIBRIVOX}/{stem}.wav",
                firstSample=offset,
                samples=count,
                frames=int(feats.shape[0]),
                bins=int(feats.shape[1]),
                framing="torchaudio batch" if count >= WINDOW else "kaldi reflection, one window at a time",
                float32VsFloat64MaxAbs=float(float64_gap),
            )
        )
    manifest = dict(
        generator="scripts/models/fbank-reference.py",
        torch=torch.__version__,
        torchaudio=torchaudio.__version__,
        input="int16 / 32768 (samples in [-1, 1], no further scaling)",
        onnx=onnx.__version__,
        options=dict(OPTIONS, snip_edges=False),
        cases=cases,
    )
    (OUT / "fbank.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
