#!/bin/sh
# Regenerates the real pytest output samples in this folder. See README.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
modern="$here/../../../../.cache/py-modern/usr/lib/python3/dist-packages"
cd "$here/project" || exit 1
run() { # name, pythonpath, args...
  name=$1; pp=$2; shift 2
  PYTHONPATH="$pp" COLUMNS=120 /usr/bin/python3 -m pytest -p no:cacheprovider "$@" > "$here/$name" 2>&1
  # strip the machine-specific parts that vary run to run
  sed -i -e 's/ in [0-9.]*s / in 0.00s /' -e 's/0x[0-9a-f]\{6,\}/0x7f0000000000/g' "$here/$name"
}
for stack in legacy modern; do
  if [ $stack = legacy ]; then pp=""; else pp="$modern"; fi
  run "$stack-tb-long.txt" "$pp"
  run "$stack-tb-short-rA.txt" "$pp" --tb=short -rA
  run "$stack-tb-line.txt" "$pp" --tb=line
  run "$stack-tb-native.txt" "$pp" --tb=native
  run "$stack-tb-no.txt" "$pp" --tb=no -q
  run "$stack-q.txt" "$pp" -q
  run "$stack-v.txt" "$pp" -v
  run "$stack-vv.txt" "$pp" -vv --tb=short
  run "$stack-xdist-v.txt" "$pp" -n 2 -v --tb=short
  run "$stack-xdist-long.txt" "$pp" -n 2 -rA
  CI=1 run "$stack-ci-color.txt" "$pp" --color=yes --tb=short
  run "$stack-junit.out" "$pp" -q --junitxml="$here/$stack-junit-xunit2.xml"
  run "$stack-junit1.out" "$pp" -q --tb=short -o junit_family=xunit1 --junitxml="$here/$stack-junit-xunit1.xml"
  rm -f "$here/$stack-junit.out" "$here/$stack-junit1.out"
done
sed -i -e 's/timestamp="[^"]*"/timestamp="2024-01-01T00:00:00"/' -e 's/hostname="[^"]*"/hostname="host"/' -e 's/time="[0-9.]*"/time="0.001"/g' "$here"/*.xml
