#!/usr/bin/env bash
# Fetches a streaming Zipformer transducer that sherpa-onnx publishes, checks it, unpacks it
# and prints the PARLEY_ASR_MODEL_DIR line that points Parley at it. Run by operators, once,
# on a machine with internet access: never at run time, by tests (they use a loopback server)
# or by CI. `scripts/fetch-model.sh --help` says more; docs/models.md is the operator's guide.
set -euo pipefail

if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
  echo "fetch-model: needs bash 4.4 or later (this is $BASH_VERSION)" >&2
  exit 1
fi

readonly DEFAULT_BASE_URL='https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models'
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly REPO_ROOT
readonly PROG='fetch-model'

# Exit codes (also in --help).
readonly EXIT_FAILED=1    # download, archive or model folder refused
readonly EXIT_USAGE=2
readonly EXIT_UNPINNED=3  # no SHA-256 known for the archive: printed, nothing unpacked
readonly EXIT_MISMATCH=4  # the archive's SHA-256 differs from the expected one

# The archives this script knows, with the SHA-256 of the .tar.bz2 as published. An empty
# hash means "not pinned yet": the script downloads the archive, prints its SHA-256 and
# refuses to unpack it until the operator confirms that value with --accept-hash or
# PARLEY_MODEL_SHA256 (compare it with the digest GitHub shows on the release page, or with
# a copy fetched elsewhere). The two English models were added on a machine without internet
# access, so their hashes could not be read there; whoever first fetches and checks them
# should fill them in here.
known_models() {
  printf '%s\n' \
    sherpa-onnx-streaming-zipformer-en-20M-2023-02-17 \
    sherpa-onnx-streaming-zipformer-en-2023-06-26
}

pinned_sha256() {
  case "$1" in
    # zipformer (v1) export, about 20M parameters; int8 and fp32 files.
    sherpa-onnx-streaming-zipformer-en-20M-2023-02-17) echo '' ;;
    # zipformer2 export, 66M parameters, chunk 16, left context 128; int8 and fp32 files.
    sherpa-onnx-streaming-zipformer-en-2023-06-26) echo '' ;;
    *) echo '' ;;
  esac
}

usage() {
  cat <<EOF
Usage: scripts/fetch-model.sh [options] NAME [DEST]

Downloads BASE_URL/NAME.tar.bz2, a streaming Zipformer transducer as sherpa-onnx publishes
it (BASE_URL: \$PARLEY_MODEL_BASE_URL, default $DEFAULT_BASE_URL),
checks its SHA-256, unpacks it to DEST (default: models/downloaded/NAME in the repository)
and checks that the folder has what Parley's transducer engine loads: one encoder*.onnx,
decoder*.onnx and joiner*.onnx (fp32 and/or .int8.onnx) and tokens.txt. Then prints the
PARLEY_ASR_MODEL_DIR=... line to use.

Known names (--list shows whether their hash is pinned):
$(known_models | sed 's/^/  /')

Options:
  --accept-hash HASH  the archive must have this SHA-256 (64 hex digits). Needed for a
                      name whose hash is not pinned in this script; for a pinned name it
                      replaces the pinned value (for a re-published archive).
  --force             replace DEST if it exists
  --list              print the known names and their pinned hashes, then exit
  -h, --help          this text

Environment:
  PARLEY_MODEL_BASE_URL  where the archives are (a mirror, or a local server for tests);
                         http:// or https://, without the trailing NAME.tar.bz2
  PARLEY_MODEL_SHA256    same as --accept-hash (the option wins if both are given)

The download is resumable: an interrupted one is kept as DEST's parent/.NAME.tar.bz2.part
and continued by the next run. An archive whose hash does not match is deleted. Nothing is
unpacked before its hash has been checked.

Exit status: 0 done; 1 download, archive or folder refused; 2 usage; 3 hash not pinned
(the computed SHA-256 is printed, nothing unpacked); 4 hash mismatch.
EOF
}

die() {
  local code="$1"
  shift
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit "$code"
}
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "$EXIT_FAILED" 'neither sha256sum nor shasum is installed'
  fi
}

# What Parley reports as the model's sha256 in session.started and its logs: SHA-256 over the
# contents of encoder, decoder, joiner and tokens.txt in that order, first 16 hex digits.
version_hash() {
  local dir="$1"
  shift
  local hex
  if command -v sha256sum >/dev/null 2>&1; then
    hex="$(cd "$dir" && cat -- "$@" tokens.txt | sha256sum)"
  else
    hex="$(cd "$dir" && cat -- "$@" tokens.txt | shasum -a 256)"
  fi
  printf '%s' "${hex:0:16}"
}

is_sha256() { [[ "$1" =~ ^[0-9a-fA-F]{64}$ ]]; }

# ---------------------------------------------------------------------------------------
# Arguments

accept_hash=''
force=0
positional=()
while (($# > 0)); do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --list)
      while read -r known; do
        pin="$(pinned_sha256 "$known")"
        printf '%s  %s\n' "${pin:-(not pinned)}" "$known"
      done < <(known_models)
      exit 0
      ;;
    --accept-hash)
      (($# >= 2)) || die "$EXIT_USAGE" '--accept-hash needs a value (64 hex digits)'
      accept_hash="$2"
      shift 2
      ;;
    --accept-hash=*)
      accept_hash="${1#*=}"
      shift
      ;;
    --force)
      force=1
      shift
      ;;
    --)
      shift
      positional+=("$@")
      break
      ;;
    -*) die "$EXIT_USAGE" "unknown option $1 (see --help)" ;;
    *)
      positional+=("$1")
      shift
      ;;
  esac
done

((${#positional[@]} >= 1)) || {
  usage >&2
  exit "$EXIT_USAGE"
}
((${#positional[@]} <= 2)) || die "$EXIT_USAGE" "too many arguments: ${positional[*]} (see --help)"
name="${positional[0]}"
# A release asset name: no slashes, no leading dot, nothing a URL or a path would read twice.
if [[ ! "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ || "$name" == *..* ]]; then
  die "$EXIT_USAGE" "bad model name '$name': letters, digits, '.', '_' and '-' only (e.g. sherpa-onnx-streaming-zipformer-en-2023-06-26)"
fi
name="${name%.tar.bz2}"

if [[ -z "$accept_hash" && -n "${PARLEY_MODEL_SHA256:-}" ]]; then
  accept_hash="$PARLEY_MODEL_SHA256"
  accept_from='PARLEY_MODEL_SHA256'
else
  accept_from='--accept-hash'
fi
if [[ -n "$accept_hash" ]]; then
  is_sha256 "$accept_hash" || die "$EXIT_USAGE" "$accept_from must be a SHA-256 of 64 hex digits, got '$accept_hash'"
  accept_hash="$(printf '%s' "$accept_hash" | tr 'A-F' 'a-f')"
fi

base_url="${PARLEY_MODEL_BASE_URL:-$DEFAULT_BASE_URL}"
base_url="${base_url%/}"
[[ "$base_url" =~ ^https?://[^[:space:]]+$ ]] ||
  die "$EXIT_USAGE" "PARLEY_MODEL_BASE_URL must be an http:// or https:// URL, got '$base_url'"
url="$base_url/$name.tar.bz2"

default_dest=0
if ((${#positional[@]} == 2)); then
  dest="${positional[1]}"
  [[ -n "$dest" ]] || die "$EXIT_USAGE" 'DEST is empty'
else
  dest="$REPO_ROOT/models/downloaded/$name"
  default_dest=1
fi
while [[ "$dest" == */ && "$dest" != / ]]; do dest="${dest%/}"; done
case "$(basename "$dest")" in
  / | . | ..) die "$EXIT_USAGE" "DEST must name the folder to create, got '$dest'" ;;
esac

for tool in curl tar bzip2; do
  command -v "$tool" >/dev/null 2>&1 || die "$EXIT_FAILED" "$tool is not installed (Debian/Ubuntu: apt-get install $tool)"
done

if [[ -e "$dest" || -L "$dest" ]]; then
  if ((force)); then
    [[ -d "$dest" && ! -L "$dest" ]] || die "$EXIT_FAILED" "$dest exists and is not a folder; remove it yourself"
  else
    die "$EXIT_FAILED" "$dest already exists; remove it or pass --force to replace it"
  fi
fi

pinned="$(pinned_sha256 "$name")"
expected="$pinned"
if [[ -n "$accept_hash" ]]; then
  if [[ -n "$pinned" && "$accept_hash" != "$pinned" ]]; then
    note "$accept_from replaces the hash pinned for $name ($pinned)"
  fi
  expected="$accept_hash"
fi

# ---------------------------------------------------------------------------------------
# Download (resumable) and hash check

parent="$(dirname "$dest")"
mkdir -p "$parent"
parent="$(cd "$parent" && pwd -P)"
dest="$parent/$(basename "$dest")"
# Keep a fetched model out of git (the default folder is inside the repository).
if ((default_dest)) && [[ ! -e "$parent/.gitignore" ]]; then
  printf '# Models fetched by scripts/fetch-model.sh: never committed.\n*\n' >"$parent/.gitignore"
fi

archive="$parent/.$name.tar.bz2.part"
staging=''
drop_archive=0 # set once the archive has passed its hash check: kept for nothing after that
cleanup() {
  if [[ -n "$staging" && -d "$staging" ]]; then rm -rf -- "$staging"; fi
  if ((drop_archive)); then rm -f -- "$archive"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fetch() {
  local curl_args=(
    --fail --location --show-error
    --retry 5 --retry-connrefused # timeouts, refused connections, HTTP 408/429/5xx
    --connect-timeout 30
    --speed-limit 1024 --speed-time 60 # give up on a transfer stalled for a minute
    --continue-at -
    --proto '=http,https'
    --output "$archive"
    --write-out '%{http_code}'
  )
  # An https source must not be redirected to plain http.
  [[ "$base_url" == https://* ]] && curl_args+=(--proto-redir '=https')
  if [[ -t 2 ]]; then curl_args+=(--progress-bar); else curl_args+=(--silent); fi
  local status code attempt=1 restarted=0
  while true; do
    set +e
    code="$(curl "${curl_args[@]}" "$url")"
    status=$?
    set -e
    ((status == 0)) && return 0
    if ((!restarted)) && { ((status == 33)) || [[ "$code" == 416 ]]; }; then
      # 33: the server ignores byte ranges; 416: the kept file is already as long as the
      # archive, or longer (a stale one). Either way it cannot be continued.
      note "cannot continue the kept partial download; downloading again from the start"
      rm -f -- "$archive"
      restarted=1
      continue
    fi
    # A connection cut mid-transfer is not one of curl's "transient" errors: resume it here.
    case "$status" in
      16 | 18 | 28 | 35 | 52 | 55 | 56 | 92)
        if ((attempt < 4)); then
          note "transfer interrupted (curl exit $status); resuming, attempt $((attempt + 1)) of 4"
          sleep "$attempt"
          attempt=$((attempt + 1))
          continue
        fi
        ;;
    esac
    break
  done
  case "$code" in
    404) die "$EXIT_FAILED" "$url: not found (HTTP 404). Is '$name' the exact name of a release asset (without .tar.bz2)?" ;;
    000 | '') die "$EXIT_FAILED" "could not download $url (curl exit $status; no HTTP answer). The partial download, if any, is kept in $archive: run again to resume." ;;
    *) die "$EXIT_FAILED" "could not download $url (HTTP $code, curl exit $status). The partial download, if any, is kept in $archive: run again to resume." ;;
  esac
}

if [[ -s "$archive" && -n "$expected" && "$(sha256_of "$archive")" == "$expected" ]]; then
  note "using the already downloaded $archive"
else
  if [[ -s "$archive" ]]; then
    note "resuming $url ($(wc -c <"$archive" | tr -d ' ') bytes already in $archive)"
  else
    note "downloading $url"
  fi
  fetch
fi

actual="$(sha256_of "$archive")"
if [[ -z "$expected" ]]; then
  cat >&2 <<EOF
$PROG: error: no SHA-256 is pinned for $name, so the archive was not unpacked.
$PROG:   downloaded: $url
$PROG:   its SHA-256: $actual
$PROG: Check that value against a source you trust (the digest on the GitHub release page,
$PROG: or the hash of a copy fetched elsewhere), then run again with
$PROG:   --accept-hash $actual     (or PARLEY_MODEL_SHA256=$actual)
$PROG: The archive is kept in $archive, so that run does not download it again.
EOF
  exit "$EXIT_UNPINNED"
fi
if [[ "$actual" != "$expected" ]]; then
  rm -f -- "$archive"
  cat >&2 <<EOF
$PROG: error: SHA-256 mismatch for $url
$PROG:   expected: $expected
$PROG:   got:      $actual
$PROG: The archive was deleted and nothing was unpacked. A mirror serving another file, a
$PROG: re-published archive or a corrupted download (run again to fetch it from scratch).
EOF
  exit "$EXIT_MISMATCH"
fi
note "SHA-256 ok ($actual)"
drop_archive=1

# ---------------------------------------------------------------------------------------
# Unpack into a staging folder beside DEST, check, then move into place

if ! listing="$(tar -tjf "$archive")"; then
  die "$EXIT_FAILED" "$url is not a readable .tar.bz2 (deleted)"
fi
[[ -n "$listing" ]] || die "$EXIT_FAILED" "$archive is empty"
tops=''
while IFS= read -r entry; do
  entry="${entry#./}"
  [[ -z "$entry" || "$entry" == . || "$entry" == ./ ]] && continue
  if [[ "$entry" == /* || "/$entry/" == */../* ]]; then
    die "$EXIT_FAILED" "the archive has an unsafe path '$entry'; refusing to unpack it"
  fi
  top="${entry%%/*}"
  [[ "$tops" == *"|$top|"* ]] || tops="$tops|$top|"
done <<<"$listing"

staging="$(mktemp -d "$parent/.$name.unpack.XXXXXX")"
tar -xjf "$archive" -C "$staging" --no-same-owner ||
  die "$EXIT_FAILED" "could not unpack $archive"
# Model archives hold folders and plain files only; a link could lead Parley elsewhere.
odd="$(find "$staging" ! -type f ! -type d -print -quit)"
[[ -z "$odd" ]] || die "$EXIT_FAILED" "the archive holds something other than files and folders (${odd#"$staging"/}); refusing it"

# sherpa-onnx archives hold one folder named like the archive; accept loose files too.
folder="$staging"
top_count="$(printf '%s' "$tops" | tr -cd '|' | wc -c | tr -d ' ')"
if ((top_count == 2)); then
  only="${tops//|/}"
  [[ -d "$staging/$only" ]] && folder="$staging/$only"
fi

# The same rule as models/asr/transducer/model-folder.ts: for each part, the files named
# part*.onnx; with precision fp32 the non-int8 ones (the int8 ones if there are none), with
# int8 the *.int8.onnx ones (the fp32 ones if there are none); exactly one must remain.
problems=()
usable_fp32=1
usable_int8=1
loads_fp32=() # what each precision loads, part by part
loads_int8=()
shopt -s nullglob
for part in encoder decoder joiner; do
  fp32=()
  int8=()
  for f in "$folder/$part"*.onnx; do
    [[ -f "$f" ]] || continue
    if [[ "$f" == *.int8.onnx ]]; then int8+=("$(basename "$f")"); else fp32+=("$(basename "$f")"); fi
  done
  if ((${#fp32[@]} > 0)); then for_fp32=("${fp32[@]}"); else for_fp32=("${int8[@]}"); fi
  if ((${#int8[@]} > 0)); then for_int8=("${int8[@]}"); else for_int8=("${fp32[@]}"); fi
  if ((${#for_fp32[@]} == 1)); then loads_fp32+=("${for_fp32[0]}"); else usable_fp32=0; fi
  if ((${#for_int8[@]} == 1)); then loads_int8+=("${for_int8[0]}"); else usable_int8=0; fi
  all=("${fp32[@]}" "${int8[@]}")
  if ((${#all[@]} == 0)); then
    problems+=("no $part*.onnx")
  elif ((${#for_fp32[@]} != 1 && ${#for_int8[@]} != 1)); then
    problems+=("more than one $part*.onnx per precision: ${all[*]}")
  fi
done
shopt -u nullglob
if [[ ! -f "$folder/tokens.txt" ]]; then
  problems+=('no tokens.txt')
elif [[ ! -s "$folder/tokens.txt" ]]; then
  problems+=('tokens.txt is empty')
fi
if ((${#problems[@]} == 0 && usable_fp32 == 0 && usable_int8 == 0)); then
  problems+=('no precision (fp32 or int8) picks exactly one file for every part')
fi
if ((${#problems[@]} > 0)); then
  {
    printf '%s: error: %s does not hold a streaming transducer Parley can load:\n' "$PROG" "$name"
    printf '%s:   %s\n' "$PROG" "${problems[@]}"
    found=''
    for f in "$folder"/* "$folder"/.[!.]*; do [[ -e "$f" ]] && found+="$(basename "$f") "; done
    printf '%s: found: %s\n' "$PROG" "${found:-nothing}"
    printf '%s: Nothing was installed in %s. Parley runs transducers (encoder, decoder, joiner,\n' "$PROG" "$dest"
    printf '%s: tokens.txt), such as sherpa-onnx-streaming-zipformer-en-2023-06-26.\n' "$PROG"
  } >&2
  exit "$EXIT_FAILED"
fi

# Metadata keys are stored as plain strings in the .onnx file; a streaming Zipformer
# encoder has decode_chunk_len. Only a warning: Parley's engine reads the metadata itself.
for f in "$folder"/encoder*.onnx; do
  if ! LC_ALL=C grep -q -a 'decode_chunk_len' "$f"; then
    note "warning: $(basename "$f") has no decode_chunk_len metadata: it does not look like a streaming Zipformer export, and Parley's transducer engine will refuse it"
  fi
done

if [[ -d "$dest" ]]; then rm -rf -- "$dest"; fi
mv -- "$folder" "$dest"

note "installed $name in $dest"
if ((usable_fp32)); then
  note "  PARLEY_ASR_MODEL_PRECISION=fp32 loads ${loads_fp32[*]} tokens.txt (sha256 $(version_hash "$dest" "${loads_fp32[@]}") in session.started)"
else
  note "  PARLEY_ASR_MODEL_PRECISION=fp32 cannot be used: the folder has more than one fp32 file for a part"
fi
if ((usable_int8)); then
  note "  PARLEY_ASR_MODEL_PRECISION=int8 loads ${loads_int8[*]} tokens.txt (sha256 $(version_hash "$dest" "${loads_int8[@]}") in session.started)"
else
  note "  PARLEY_ASR_MODEL_PRECISION=int8 cannot be used: the folder has more than one int8 file for a part"
fi
printf 'PARLEY_ASR_MODEL_DIR=%s\n' "$dest"
