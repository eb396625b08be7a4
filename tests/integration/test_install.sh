#!/usr/bin/env bash
# meson install into a scratch DESTDIR: the daemon, hpctl, its completion, the example
# configs, the README and a systemd unit that systemd-analyze accepts, pointing at them.
#   test_install.sh BUILD_DIR
set -euo pipefail
build=$1
dest=$(mktemp -d /tmp/hp-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
	'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root=$dest$prefix
fail=0
for f in sbin/hotpathd bin/hpctl lib/systemd/system/hotpath.service share/hotpath/configs/router.yaml \
	share/bash-completion/completions/hpctl share/doc/hotpath/README.md; do
	if [[ ! -e $root/$f ]]; then
		echo "missing: $prefix/$f"
		fail=1
	fi
done
[[ -x $root/sbin/hotpathd && -x $root/bin/hpctl ]] || { echo "not executable"; fail=1; }

unit=$root/lib/systemd/system/hotpath.service
grep -q "^ExecStart=$prefix/sbin/hotpathd -c " "$unit" || { echo "ExecStart does not run $prefix/sbin/hotpathd"; fail=1; }
grep -q '^Restart=on-failure' "$unit" || { echo "no Restart=on-failure"; fail=1; }
grep -q '^RuntimeDirectory=hotpath' "$unit" || { echo "no RuntimeDirectory=hotpath"; fail=1; }
grep -q '@' "$unit" && { echo "unsubstituted @VAR@ in the unit"; fail=1; }
# systemd-analyze checks that the commands exist: point it at the DESTDIR copy
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$dest$prefix/etc/hotpath"
	cp "$root/share/hotpath/configs/router.yaml" "$dest$prefix/etc/hotpath/hotpath.yaml"
	sed "s|$prefix|$root|g" "$unit" >"$dest/hotpath.service"
	if ! out=$(systemd-analyze verify --man=no "$dest/hotpath.service" 2>&1) || [[ -n $out ]]; then
		echo "systemd-analyze verify: $out"
		fail=1
	fi
	# the unit's own --check of the shipped config passes
	"$root/sbin/hotpathd" -c "$dest$prefix/etc/hotpath/hotpath.yaml" --check >/dev/null || { echo "--check failed"; fail=1; }
else
	skip="systemd-analyze not installed: unit syntax not verified"
fi
"$root/bin/hpctl" help >/dev/null || { echo "installed hpctl help failed"; fail=1; }
# a missing tool is a skip (77, with its reason), never a pass: the rest was still checked
if ((fail == 0)) && [[ -n ${skip:-} ]]; then
	echo "SKIP: $skip"
	exit 77
fi
exit $fail
