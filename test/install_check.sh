#!/usr/bin/env bash
# Installs typenet into a temporary root and builds a program against it through pkg-config,
# as a project that consumes typenet would.
# usage: install_check.sh BUILD_DIR CXX...
set -euo pipefail
build=$1
shift
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --destdir "$root" --quiet >/dev/null
pc=$(dirname "$(find "$root" -name typenet.pc | head -n 1)")
[ -n "$pc" ] || { echo "typenet.pc was not installed"; exit 1; }
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
flags=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --cflags --libs typenet)
echo "pkg-config --cflags --libs typenet: $flags"
"$@" -std=c++20 "$root/consumer.cpp" $flags -o "$root/consumer"
"$root/consumer" | grep -q "Total params: 15" && echo "the consumer built against the installed typenet ran"
