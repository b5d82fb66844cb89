#!/usr/bin/env bash
# Packs what `npm run bench` needs on a machine without Node.js or node_modules (the 16-core
# device machine) into .device/ at the project root:
#   .device/node.xz        this machine's node binary (../shared/tools/device-node.sh)
#   .device/bench.tar.xz   the built dist/ folders and the production dependency tree
# Tracked sources travel with the working tree; these ignored build outputs do not, so a device
# run carries .device and unpacks it. Usage, from the project root:
#   benchmarks/scripts/device-pack.sh
# then run with  carry: [".device"]  and the command
#   xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH &&
#   tar -xJf .device/bench.tar.xz && node benchmarks/dist/cli.js scaling --results-dir "$OUT"
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
# SKIP_BUILD=1 packs the dist/ folders as they are (already built).
[ "${SKIP_BUILD:-0}" = 1 ] || npm run build >/dev/null
if [ ! -f .device/node.xz ]; then
  ../shared/tools/device-node.sh >/dev/null
fi
list=$(mktemp)
trap 'rm -f "$list"' EXIT
# Production dependencies of every workspace (npm ls resolves hoisting and nested copies);
# the workspace links in node_modules point at packages/, examples/ and benchmarks/.
# Nested copies (node_modules/a/node_modules/b) are inside their parent already: keep parents.
npm ls --all --omit=dev --parseable 2>/dev/null | sed "s|^$root/||" | grep '^node_modules/' | sort -u |
  awk 'kept != "" && index($0, kept "/") == 1 { next } { print; kept = $0 }' > "$list"
for d in packages/*/dist examples/*/dist benchmarks/dist; do
  [ -d "$d" ] && echo "$d" >> "$list"
done
tar -cJf .device/bench.tar.xz --exclude='*.map' -T "$list"
ls -l .device/node.xz .device/bench.tar.xz
total=$(du -cb .device/node.xz .device/bench.tar.xz | tail -1 | cut -f1)
if [ "$total" -gt $((60 * 1024 * 1024)) ]; then
  echo "warning: .device holds $((total / 1024 / 1024)) MiB; a device run carries at most 64 MiB" >&2
fi
