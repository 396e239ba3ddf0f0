#!/usr/bin/env bash
# Installs typenet into a temporary root and builds a consumer against it every way the docs
# (docs/building.md) give: g++ and clang++ by hand, pkg-config (typenet and typenet-native), and
# CMake through pkg-config. Each consumer must get the determinism flags; one built with
# typenet-native, or by hand with -O3 -march=native, must print no build advice (the line a
# program built without optimisation or without AVX2/FMA prints), and one built with plain
# typenet and no -march must print it (on x86-64) unless typenet was configured with
# -Dnative=true, when typenet.pc itself carries -march=native: which proves the flags decide.
# usage: install_check.sh BUILD_DIR NATIVE(true|false) CXX...
set -euo pipefail
build=$1
native_option=$2
shift 2
cxx=("$@")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# --no-rebuild: meson test has built everything, and other tests run beside this one.
meson install -C "$build" --destdir "$root" --quiet --no-rebuild >/dev/null
installed=$(find "$root" -name typenet.pc -print -quit)
[ -n "$installed" ] || { echo "typenet.pc was not installed"; exit 1; }
pcdir=$(dirname "$installed")
for pc in typenet-native typenet-infer; do
  [ -f "$pcdir/$pc.pc" ] || { echo "$pc.pc was not installed beside typenet.pc"; exit 1; }
done
echo "pkg-config files: ${pcdir#"$root"}"
case "${pcdir#"$root"}" in
  */lib/*-linux-gnu/pkgconfig | */lib/pkgconfig | */lib64/pkgconfig) ;;
  *) echo "typenet.pc is in an unexpected directory: ${pcdir#"$root"}"; exit 1 ;;
esac
# The .pc files as they would be in the prefix, pointed at the temporary root.
prefix=$(sed -n 's/^prefix=//p' "$installed")
mkdir -p "$root/pc"
for pc in typenet typenet-native typenet-infer; do sed "s|^prefix=.*|prefix=$root$prefix|" "$pcdir/$pc.pc" > "$root/pc/$pc.pc"; done
export PKG_CONFIG_PATH="$root/pc"
libdir=$(pkg-config --variable=libdir typenet)
includedir=$(pkg-config --variable=includedir typenet)

cat > "$root/consumer.cpp" <<'CPP'
#include <typenet/typenet.hpp>
struct Net : typenet::Sequential<typenet::Input<4>, typenet::Dense<3>, typenet::Softmax> {};
int main() {
  typenet::Model<Net, typenet::loss::CrossEntropy, typenet::optim::Adam> model;
  typenet::data::Dataset<typenet::Shape<4>, typenet::Shape<3>> data({1, 0, 0, 1}, {0, 1, 0});
  model.fit(data, {.epochs = 2, .batch_size = 1, .verbose = false});
  Net::summary();
  return model.evaluate(data).loss > 0 ? 0 : 1;
}
CPP

has() { for flag in "${@:2}"; do [[ " $1 " == *" $flag "* ]] || { echo "missing $flag in: $1"; return 1; }; done; }
flags=$(pkg-config --cflags --libs typenet)
echo "pkg-config --cflags --libs typenet: ${flags//$root/}"
has "$flags" -std=c++20 -fno-math-errno -ffp-contract=off -ltypenet
native=$(pkg-config --cflags --libs typenet-native)
echo "pkg-config --cflags --libs typenet-native: ${native//$root/}"
has "$native" -std=c++20 -fno-math-errno -ffp-contract=off -march=native -ltypenet

# run NAME EXPECT_ADVICE COMMAND...: builds $root/NAME with COMMAND, runs it, checks the table
# and whether the build advice was printed (yes / no).
run() {
  local name=$1 advice=$2
  shift 2
  "$@" -o "$root/$name"
  "$root/$name" > "$root/$name.out"
  grep -q "Total params: 15" "$root/$name.out" || { echo "$name: no summary table"; cat "$root/$name.out"; exit 1; }
  if grep -q "^typenet: this program was compiled" "$root/$name.out"; then got=yes; else got=no; fi
  [ "$got" = "$advice" ] || { echo "$name: build advice printed: $got, expected $advice"; cat "$root/$name.out"; exit 1; }
  echo "$name: built and ran (build advice: $got)"
}

run pkg_config_native no "${cxx[@]}" -O2 "$root/consumer.cpp" $native
if [ "$native_option" = true ]; then
  # -Dnative=true: the option reaches the consumer through typenet.pc itself.
  has "$flags" -march=native
  run pkg_config_typenet no "${cxx[@]}" -O2 "$root/consumer.cpp" $flags
elif [ "$(uname -m)" = x86_64 ]; then
  # A portable typenet.pc: without -march the compiler targets the x86-64 baseline (no AVX2),
  # and the program says so.
  [[ " $flags " != *" -march=native "* ]] || { echo "a portable build's typenet.pc has -march=native"; exit 1; }
  run pkg_config_typenet yes "${cxx[@]}" -O2 "$root/consumer.cpp" $flags
fi
# By hand, as docs/building.md writes it, with both compilers.
for compiler in g++ clang++; do
  command -v "$compiler" >/dev/null || { echo "$compiler not found: install it (the test command does)"; exit 1; }
  run "by_hand_$compiler" no "$compiler" -std=c++20 -O3 -march=native -fno-math-errno -ffp-contract=off \
    -I"$includedir" "$root/consumer.cpp" -L"$libdir" -ltypenet -ltbb -lz
done

# CMake, through pkg-config.
command -v cmake >/dev/null || { echo "cmake not found: install it (the test command does)"; exit 1; }
mkdir -p "$root/cmake"
cp "$root/consumer.cpp" "$root/cmake/"
cat > "$root/cmake/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer CXX)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TYPENET REQUIRED IMPORTED_TARGET typenet-native)
add_executable(consumer consumer.cpp)
target_link_libraries(consumer PRIVATE PkgConfig::TYPENET)
CMAKE
CXX="${cxx[0]}" cmake -S "$root/cmake" -B "$root/cmake/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$root/cmake.log" 2>&1 || { cat "$root/cmake.log"; exit 1; }
cmake --build "$root/cmake/build" >>"$root/cmake.log" 2>&1 || { cat "$root/cmake.log"; exit 1; }
command=$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))[0]; print(e.get("command") or " ".join(e["arguments"]))' \
  "$root/cmake/build/compile_commands.json")
has "$command" -std=c++20 -fno-math-errno -ffp-contract=off -march=native
"$root/cmake/build/consumer" > "$root/cmake.out"
grep -q "Total params: 15" "$root/cmake.out" && ! grep -q "^typenet: this program" "$root/cmake.out" ||
  { echo "the CMake consumer's output is wrong:"; cat "$root/cmake.out"; exit 1; }
echo "cmake: built through pkg_check_modules(... typenet-native) and ran"

# The deployment profile (docs/deploying.md): headers only, built without exceptions or RTTI; the
# program must load neither typenet's library nor oneTBB.
cat > "$root/infer.cpp" <<'CPP'
#include <typenet/infer.hpp>
struct Net : typenet::Sequential<typenet::Input<4>, typenet::Dense<3>, typenet::Softmax> {};
alignas(64) float parameters[Net::parameter_block + 16] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
int main() {
  static typenet::Predictor<Net> predictor(parameters);
  const float x[4] = {0, 0, 0, 3};  // the kernel's fourth row (input 3 to every output) is zero: equal outputs
  const auto y = predictor.predict(std::span<const float, 4>(x));
  const float sum = y[0] + y[1] + y[2];
  return sum > 0.999f && sum < 1.001f && y[0] == y[1] && y[1] == y[2] ? 0 : 1;
}
CPP
infer=$(pkg-config --cflags --libs typenet-infer)
echo "pkg-config --cflags --libs typenet-infer: ${infer//$root/}"
has "$infer" -std=c++20 -fno-math-errno -ffp-contract=off
[[ " $infer " != *" -ltypenet "* && " $infer " != *" -ltbb "* ]] || { echo "typenet-infer links a library: $infer"; exit 1; }
"${cxx[@]}" -O2 -fno-exceptions -fno-rtti "$root/infer.cpp" $infer -o "$root/infer"
"$root/infer" || { echo "the deployment-profile consumer computed a wrong output"; exit 1; }
loaded=$(ldd "$root/infer")
if grep -qE "libtbb|libtypenet" <<<"$loaded"; then echo "the deployment-profile consumer loads:"; echo "$loaded"; exit 1; fi
echo "infer: built through pkg-config typenet-infer with -fno-exceptions -fno-rtti, ran, loads no typenet or TBB library"
echo "every consumer built against the installed typenet ran"
