// test/compile_fail/precompiled.hpp: what test/meson.build precompiles for each compiler, with the
// flags of the compile-fail suite, so that its sources (which include typenet.hpp) do not each
// parse typenet.hpp again: see harness.py's --pch.
#include <typenet/typenet.hpp>
