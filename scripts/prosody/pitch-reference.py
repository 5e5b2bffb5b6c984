"""Reference pitch tracks for audio/pitch-tracker.test.ts, from Praat's "To Pitch (ac)".

Writes test/fixtures/prosody/pitch-reference.json: for each excerpt of real speech its
source file (absolute, or relative to the repository root), start and end (s), and
Praat's frames (time in s from the excerpt's start, f0 in Hz or null when unvoiced), with
the Praat version and the exact settings. The
settings are Praat's standard ones except the floor and ceiling, which are the pitch
tracker's defaults (60 and 400 Hz), so both search the same range.

Needs Debian's praat (apt-get install praat; it runs headless with --run). Rerun with:
    /usr/bin/python3 scripts/prosody/pitch-reference.py
"""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("pitch-reference.praat")
OUT = ROOT / "test" / "fixtures" / "prosody" / "pitch-reference.json"
LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
# The shared corpus sits beside the clone (design.md section 8); recorded relative to the root.
MONOLOGUES = "../shared/corpus/monologues"

# Four voices: a low male reader, a very low male presenter, an orator in a reverberant
# hall, a higher-pitched reader of verse.
EXCERPTS = [
    ("librivox-0870", f"{LIBRIVOX}/sense_and_sensibility_01_austen_64kb-0870.wav", 0.0, 7.0),
    ("about-speech-sdk", f"{MONOLOGUES}/about-speech-sdk.wav", 0.0, 6.0),
    ("jfk", f"{MONOLOGUES}/jfk.wav", 0.0, 11.0),
    ("sonnet-1", f"{MONOLOGUES}/sonnet-1.wav", 2.68, 8.64),
]

SETTINGS = {
    "time_step": 0.01,
    "floor": 60.0,
    "candidates": 15,
    "silence_threshold": 0.03,
    "voicing_threshold": 0.45,
    "octave_cost": 0.01,
    "octave_jump_cost": 0.35,
    "voiced_unvoiced_cost": 0.14,
    "ceiling": 400.0,
}


def praat_frames(source: str, start: float, end: float) -> list[list]:
    path = (ROOT / source).resolve()
    args = ["praat", "--run", str(SCRIPT), str(path), str(start), str(end)]
    args += [str(v) for v in SETTINGS.values()]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    frames = []
    for line in out.split("\n"):
        if not line.strip():
            continue
        time, f0 = line.split()
        frames.append([round(float(time), 6), None if f0.startswith("--") else round(float(f0), 2)])
    return frames


def main() -> None:
    version = subprocess.run(["praat", "--version"], check=True, capture_output=True, text=True).stdout.strip()
    cases = [
        {"name": name, "source": path, "startSeconds": start, "endSeconds": end, "frames": praat_frames(path, start, end)}
        for name, path, start, end in EXCERPTS
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generator": "scripts/prosody/pitch-reference.py",
        "praat": version,
        "method": "To Pitch (ac), very accurate off",
        "settings": SETTINGS,
        "frames": "[time in s from the excerpt's start, f0 in Hz or null when unvoiced]",
        "cases": cases,
    }
    # One frame per line keeps the fixture readable and its diffs small.
    placeholder = "@FRAMES@"
    text = json.dumps({**document, "cases": [{**c, "frames": placeholder} for c in cases]}, indent=2)
    for case in cases:
        rows = ",\n        ".join(json.dumps(f) for f in case["frames"])
        text = text.replace(json.dumps(placeholder), "[\n        " + rows + "\n      ]", 1)
    OUT.write_text(text + "\n")
    summary = ", ".join(f"{c['name']}: {len(c['frames'])} frames" for c in cases)
    print(f"wrote {OUT.relative_to(ROOT)} ({summary})")

if __name__ == "__main__":
    main()
