#!/usr/bin/env bash
# Builds the Debian package of the worker (`make deb`): a release build, staged under
# /usr/lib/uvian-worker (the binary, the sandbox launcher, the built-in plugins, the resources and
# the Swift runtime libraries the binaries use, found through RUNPATH $ORIGIN), /usr/bin,
# /usr/share/uvian-worker (shipped scripts, the script helpers, the model and venv installers),
# /etc/uvian-worker (env and plugins.yaml, conffiles) and the systemd unit; Depends derived with
# dpkg-shlibdeps plus the tools the plugins run. Prints the .deb's path on its last line.
#   OUT_DIR   where the .deb goes (default: .build/deb)
#   VERSION   the package version (default: 0.1.<commits on this branch>)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
umask 022

package=uvian-worker
version="${VERSION:-0.1.$(git rev-list --count HEAD 2>/dev/null || echo 0)}"
arch=$(dpkg --print-architecture)
out_dir="${OUT_DIR:-.build/deb}"
plugins=(Chat Data Documents Images Ml Scraping Script)

for tool in dpkg-deb dpkg-shlibdeps patchelf fakeroot; do
    command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (apt-get install dpkg-dev patchelf fakeroot)" >&2; exit 1; }
done

echo "build-deb: release build" >&2
for product in uvian-worker uvw-sandbox-launch "${plugins[@]/%/Plugin}"; do
    swift build -c release --product "$product" >&2
done
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d /tmp/uvw-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/debian/$package"
lib="$root/usr/lib/$package"
share="$root/usr/share/$package"
mkdir -p "$lib" "$root/usr/bin" "$share/scripts" "$share/python" "$root/etc/$package" "$root/lib/systemd/system" \
    "$root/usr/share/doc/$package" "$root/DEBIAN"

# The binaries, stripped, and the resources the binary reads beside itself (Lua scripts, dashboard).
install -m 0755 "$bin/uvian-worker" "$bin/uvw-sandbox-launch" "$lib/"
for plugin in "${plugins[@]}"; do install -m 0644 "$bin/lib${plugin}Plugin.so" "$lib/"; done
cp -r "$bin"/*.resources "$lib/"
ln -s "../lib/$package/uvian-worker" "$root/usr/bin/uvian-worker"

# The Swift runtime is not a Debian package: the libraries the binaries load from the toolchain go
# beside them, and every RUNPATH becomes $ORIGIN alone (no toolchain path on a server).
elf_files=("$lib/uvian-worker" "$lib"/lib*Plugin.so)
swift_libs=$(ldd "${elf_files[@]}" | awk '$3 ~ /\/swift\/linux\// {print $3}' | sort -u)
for library in $swift_libs; do install -m 0644 "$library" "$lib/"; done
for file in "$lib"/*.so "$lib/uvian-worker"; do
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$file"
    if patchelf --print-rpath "$file" | grep -q .; then patchelf --set-rpath '$ORIGIN' "$file"; fi
done
# The launcher is C, but SwiftPM links it with the Swift runtime all the same: $ORIGIN for it too.
strip --strip-unneeded "$lib/uvw-sandbox-launch"
patchelf --set-rpath '$ORIGIN' "$lib/uvw-sandbox-launch"

# Shipped scripts, the helper modules copied into each script job, the installers of the data.
install -m 0644 scripts/*.py "$share/scripts/"
install -m 0644 Plugins/script/python/uvw.py Plugins/script/python/uvw_net.py "$share/python/"
install -m 0755 scripts/install-models.sh scripts/install-script-env.sh "$share/"
mkdir -p "$root/usr/sbin"
install -m 0755 deploy/debian/uvian-worker-install-data "$root/usr/sbin/"

# Configuration: the repository's plugins.yaml without the example plugin, its paths the package's.
install -m 0644 deploy/env "$root/etc/$package/env"
python3 deploy/debian/packaged_plugins_yaml.py plugins.yaml > "$root/etc/$package/plugins.yaml"
install -m 0644 deploy/uvian-worker.service "$root/lib/systemd/system/"

# Documentation Debian policy asks for: manual pages, the README, copyright, a changelog.
mkdir -p "$root/usr/share/man/man1" "$root/usr/share/man/man8"
gzip -9n < deploy/debian/uvian-worker.1 > "$root/usr/share/man/man1/uvian-worker.1.gz"
gzip -9n < deploy/debian/uvian-worker-install-data.8 > "$root/usr/share/man/man8/uvian-worker-install-data.8.gz"
install -m 0644 README.md "$root/usr/share/doc/$package/"
gzip -9n "$root/usr/share/doc/$package/README.md"
install -m 0644 deploy/debian/copyright "$root/usr/share/doc/$package/copyright"
mkdir -p "$root/usr/share/lintian/overrides"
install -m 0644 deploy/debian/lintian-overrides "$root/usr/share/lintian/overrides/$package"
printf '%s (%s) stable; urgency=medium\n\n  * Built from %s.\n\n -- Uvian Worker developers <dev@uvian.invalid>  %s\n' \
    "$package" "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo 'a source tree')" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$root/usr/share/doc/$package/changelog.gz"

# Depends: what the binaries link (dpkg-shlibdeps; the Swift libraries are the package's own),
# then what the plugins load at run time or run as tools.
mkdir -p "$work/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$package" "$package" > "$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O -S"$root" -l"$lib" \
    "${elf_files[@]/#$work\//}" "debian/$package/usr/lib/$package/uvw-sandbox-launch" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')
runtime="libopenblas0 | libopenblas0-pthread, libcurl4, libpq5, bubblewrap, poppler-utils, tesseract-ocr, tesseract-ocr-eng, iso-codes, libexttextcat-data, python3, python3-venv, python3-pip, adduser, ca-certificates"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: $package
Version: $version
Architecture: $arch
Maintainer: Uvian Worker developers <dev@uvian.invalid>
Installed-Size: $size
Depends: $shlibs, $runtime
Section: net
Priority: optional
Homepage: https://uvian.invalid/worker
Description: background-job worker runtime with task-type plugins
 Uvian Worker takes jobs from a queue (embedded SQLite, or Redis in BullMQ's
 layout), runs each through a task-type plugin loaded through a stable C ABI,
 stores the outcome (SQLite or PostgreSQL) and publishes events. Built-in task
 types: data processing, chat through RunPod, web scraping, machine learning,
 document and image processing, and Python scripts in a bubblewrap sandbox.
CONTROL
printf '/etc/%s/env\n/etc/%s/plugins.yaml\n' "$package" "$package" > "$root/DEBIAN/conffiles"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"

mkdir -p "$out_dir"
deb="$out_dir/${package}_${version}_${arch}.deb"
fakeroot dpkg-deb --build -Zxz "$root" "$deb" >&2
echo "$deb"
