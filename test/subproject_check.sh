#!/usr/bin/env bash
# Builds a Meson project that consumes typenet as a subproject (dependency('typenet', fallback: ...)),
# checks that its own sources get the determinism flags (-fno-math-errno -ffp-contract=off) from
# typenet_dep and that the subproject builds its library alone by default, and runs it: a tiny
# MLP trained one step.
# usage: subproject_check.sh SOURCE_DIR CXX...
set -euo pipefail
src=$1
shift
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/consumer/subprojects/typenet"
# A copy of the source tree, without version control and without build directories.
for entry in "$src"/* "$src"/.[!.]*; do
  [ -e "$entry" ] || continue
  name=$(basename "$entry")
  [ "$name" = .git ] && continue
  [ -d "$entry/meson-private" ] && continue
  cp -R "$entry" "$root/consumer/subprojects/typenet/"
done
cat > "$root/consumer/meson.build" <<'MESON'
project('consumer', 'cpp', default_options: ['cpp_std=c++20', 'buildtype=release'])
typenet = dependency('typenet', fallback: ['typenet', 'typenet_dep'])
executable('consumer', 'consumer.cpp', dependencies: typenet)
MESON
cat > "$root/consumer/consumer.cpp" <<'CPP'
#include <cmath>
#include <cstdio>
#include <typenet/typenet.hpp>
struct Mlp : typenet::Sequential<typenet::Input<4>, typenet::Dense<8>, typenet::ReLU, typenet::Dense<3>,
                                 typenet::Softmax> {};
int main() {
  typenet::Model<Mlp, typenet::loss::CrossEntropy, typenet::optim::Adam> model;
  typenet::data::Dataset<typenet::Shape<4>, typenet::Shape<3>> data({1, 0, 0, 1}, {0, 1, 0});
  model.fit(data, {.epochs = 1, .batch_size = 1, .verbose = false});  // one sample: one step
  const double loss = model.evaluate(data).loss;
  std::printf("loss after one step: %g\n", loss);
  return std::isfinite(loss) && loss > 0 ? 0 : 1;
}
CPP
export CXX="$*"
meson setup "$root/build" "$root/consumer" >"$root/setup.log" 2>&1 || { cat "$root/setup.log"; exit 1; }
# The consumer's own translation unit, as the build will compile it.
python3 - "$root/build/compile_commands.json" <<'PY'
import json, sys
entries = [e for e in json.load(open(sys.argv[1])) if e['file'].endswith('consumer.cpp')]
if len(entries) != 1:
    sys.exit(f'consumer.cpp: {len(entries)} entries in compile_commands.json, expected 1')
command = entries[0].get('command') or ' '.join(entries[0]['arguments'])
missing = [flag for flag in ('-fno-math-errno', '-ffp-contract=off') if flag not in command.split()]
if missing:
    sys.exit('consumer.cpp is compiled without ' + ' '.join(missing) + ': ' + command)
print('consumer.cpp gets -fno-math-errno -ffp-contract=off from typenet_dep')
PY
# With default options the subproject builds its library and nothing else (no tests, examples or
# benchmarks: they used to make 24 targets and 92 compile steps of a consumer's build).
python3 - "$root/build" <<'PY'
import json, subprocess, sys
targets = json.loads(subprocess.run(['meson', 'introspect', '--targets', sys.argv[1]], check=True,
                                    capture_output=True, text=True).stdout)
ours = sorted(t['name'] for t in targets if t.get('subproject') == 'typenet')
if ours != ['typenet']:
    sys.exit(f'typenet as a subproject builds {ours}, expected only its library')
print('typenet as a subproject builds only its library')
PY
meson compile -C "$root/build" >"$root/compile.log" 2>&1 || { cat "$root/compile.log"; exit 1; }
"$root/build/consumer"
echo "the consumer built with typenet as a subproject ran"
