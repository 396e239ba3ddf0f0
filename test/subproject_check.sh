#!/usr/bin/env bash
# Builds a Meson project that consumes typenet as a subproject (dependency('typenet', fallback: ...)),
# checks that its own sources get the determinism flags (-fno-math-errno -ffp-contract=off) from
# typenet_dep, -march=native from typenet_native_dep (or from typenet_dep under
# -Dtypenet:native=true), and that the subproject builds its library alone by default, and runs
# it: a tiny MLP trained one step.
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
# The same program with this machine's vector instructions in its own code.
typenet_native = subproject('typenet').get_variable('typenet_native_dep')
executable('consumer_native', 'consumer.cpp', dependencies: typenet_native)
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
# The consumer's own translation units, as the build will compile them: both get the determinism
# flags; -march=native comes with typenet_native_dep, and with typenet_dep only when the parent
# configures -Dtypenet:native=true (checked on a second build directory, configured only).
meson setup "$root/build-native" "$root/consumer" -Dtypenet:native=true >"$root/setup-native.log" 2>&1 ||
  { cat "$root/setup-native.log"; exit 1; }
python3 - "$root/build/compile_commands.json" "$root/build-native/compile_commands.json" <<'PY'
import json, sys
def command(path, target):
    entries = [e for e in json.load(open(path)) if e['file'].endswith('consumer.cpp') and target + '.p' in e['output']]
    if len(entries) != 1:
        sys.exit(f'{target}: {len(entries)} entries for consumer.cpp in {path}, expected 1')
    return (entries[0].get('command') or ' '.join(entries[0]['arguments'])).split()
def expect(words, flags, present, what):
    for flag in flags:
        if (flag in words) != present:
            sys.exit(f'{what} is compiled {"without" if present else "with"} {flag}: ' + ' '.join(words))
determinism = ['-fno-math-errno', '-ffp-contract=off']
plain, native = command(sys.argv[1], 'consumer'), command(sys.argv[1], 'consumer_native')
expect(plain, determinism, True, 'consumer (typenet_dep)')
expect(plain, ['-march=native'], False, 'consumer (typenet_dep, portable)')
expect(native, determinism + ['-march=native'], True, 'consumer_native (typenet_native_dep)')
expect(command(sys.argv[2], 'consumer'), determinism + ['-march=native'], True,
       'consumer (typenet_dep with -Dtypenet:native=true)')
print('consumer.cpp gets -fno-math-errno -ffp-contract=off from typenet_dep, and -march=native from '
      'typenet_native_dep or -Dtypenet:native=true')
PY
# With default options the subproject builds its library and nothing else (no tests, examples or
# benchmarks: they used to make 24 targets and 92 compile steps of a consumer's build). The library
# takes the safetensors reader's object from typenet_safetensors, compiled apart so that its JSON
# dependency stays out of the library's (meson.build).
python3 - "$root/build" <<'PY'
import json, subprocess, sys
targets = json.loads(subprocess.run(['meson', 'introspect', '--targets', sys.argv[1]], check=True,
                                    capture_output=True, text=True).stdout)
ours = sorted(t['name'] for t in targets if t.get('subproject') == 'typenet')
if ours != ['typenet', 'typenet_safetensors']:
    sys.exit(f'typenet as a subproject builds {ours}, expected only its library')
print('typenet as a subproject builds only its library')
PY
meson compile -C "$root/build" >"$root/compile.log" 2>&1 || { cat "$root/compile.log"; exit 1; }
"$root/build/consumer"
"$root/build/consumer_native"
echo "the consumers built with typenet as a subproject ran"
