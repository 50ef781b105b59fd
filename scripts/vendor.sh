#!/usr/bin/env bash
# Refreshes the front-end libraries vendored under tinhso/static/vendor from the npm registry.
# The files are committed: nothing is fetched at install or run time, and no page uses a CDN.
# Usage: scripts/vendor.sh   (needs node and npm; edit the versions below, run, review, commit)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=tinhso/static/vendor
# package@version  files to copy (relative to the package root)
packages=(
  "htmx.org@2.0.11 dist/htmx.min.js LICENSE"
  "axe-core@4.14.1 axe.min.js LICENSE"
  "leaflet@1.9.4 dist/leaflet.js dist/leaflet.css dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png dist/images/layers.png dist/images/layers-2x.png LICENSE"
  "echarts@6.1.0 dist/echarts.min.js LICENSE"
  "pdfjs-dist@6.5.438 legacy/build/pdf.min.mjs legacy/build/pdf.worker.min.mjs LICENSE"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/VERSIONS"
for entry in "${packages[@]}"; do
  read -r spec files <<<"$entry"
  name=${spec%@*}
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tarball=$(ls "$work"/*.tgz)
  mkdir -p "$work/$name"
  tar -xzf "$tarball" -C "$work/$name" --strip-components=1
  rm "$tarball"
  rm -rf "${dest:?}/$name"
  for f in $files; do
    mkdir -p "$dest/$name/$(dirname "$f")"
    cp "$work/$name/$f" "$dest/$name/$f"
    # Source maps are not vendored: drop the references (collectstatic's manifest follows them).
    case "$f" in *.js|*.mjs|*.css) sed -i -E '/^\/[\/*][#@] sourceMappingURL=/d' "$dest/$name/$f" ;; esac
  done
  echo "$spec" >> "$work/VERSIONS"
done
{
  echo "Vendored from the npm registry by scripts/vendor.sh; do not edit by hand."
  cat "$work/VERSIONS"
} > "$dest/VERSIONS.txt"
echo "vendored into $dest:"; cat "$dest/VERSIONS.txt"
