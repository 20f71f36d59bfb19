# The strongest PyTorch this machine has, for the PyTorch side of the benches and for the transformers check of the
# exports (.ci/run): torch 2.13 and transformers 5.17 from the wheels the machine image keeps, installed once into a
# virtual environment (no package index is reachable), or Debian's python3 (torch 1.13 with OpenBLAS, when
# python3-torch is installed) where there are no such wheels. Sourced, not run.
TORCH_VENV="${TMPDIR:-/tmp}/electra-hf-venv"

# Prints the python to run; creates the virtual environment on first use. Returns 1 when only Debian's is there.
strongest_torch_python() {
  local dirs=() d
  for d in /opt/wheels /opt/pypi/files /opt/pypi-more/files; do
    [ -d "$d" ] && dirs+=(--find-links "$d")
  done
  if [ ${#dirs[@]} -gt 0 ] && command -v python3 >/dev/null 2>&1 \
      && { [ -x "$TORCH_VENV/bin/python" ] && "$TORCH_VENV/bin/python" -c "import transformers, torch" 2>/dev/null \
           || { rm -rf "$TORCH_VENV" && python3 -m venv "$TORCH_VENV" \
                && "$TORCH_VENV/bin/pip" install -q --no-index "${dirs[@]}" "torch==2.13.0+cpu" \
                     "transformers==5.17.0" safetensors numpy >&2; }; }; then
    echo "$TORCH_VENV/bin/python"
    return 0
  fi
  echo /usr/bin/python3
  return 1
}
