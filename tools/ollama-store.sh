#!/usr/bin/env bash
# Lays a GGUF file out as Ollama's model store does (OLLAMA_MODELS: blobs/sha256-<hex> and an OCI manifest under
# manifests/registry.ollama.ai/library/<model>/<tag> whose application/vnd.ollama.image.model layer names the blob), so
# `r1 run --model ollama:NAME[:TAG]` can be tried where Ollama itself is not installed.
# Usage: tools/ollama-store.sh FILE.gguf STORE_DIR MODEL[:TAG]
set -euo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 FILE.gguf STORE_DIR MODEL[:TAG]" >&2; exit 2; fi
gguf=$1 store=$2 name=$3
model=${name%%:*} tag=latest
[[ $name == *:* ]] && tag=${name#*:}
hex=$(sha256sum "$gguf" | cut -d' ' -f1)
size=$(stat -c %s "$gguf")
mkdir -p "$store/blobs" "$store/manifests/registry.ollama.ai/library/$model"
cp "$gguf" "$store/blobs/sha256-$hex"
cat > "$store/manifests/registry.ollama.ai/library/$model/$tag" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:$(printf '{}' | sha256sum | cut -d' ' -f1)","size":2},"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:$hex","size":$size}]}
JSON
echo "$store: $model:$tag -> blobs/sha256-$hex"
