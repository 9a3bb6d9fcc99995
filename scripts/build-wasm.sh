#!/bin/sh
# Regenerates wasm/kernels-simd.wasm and wasm/kernels-relaxed.wasm from wasm/src/*.c.
# The binaries are committed (CI and users need no clang); rerun this after editing the C.
# Needs clang-16 and wasm-ld-16 (Debian: apt-get install clang-16 lld-16); CC overrides clang.
set -eu
cd "$(dirname "$0")/.."
CC="${CC:-clang-16}"
command -v "$CC" >/dev/null || { echo "build-wasm: $CC not found (apt-get install clang-16 lld-16)" >&2; exit 1; }
# wasm-ld is found by clang as wasm-ld; Debian only ships the versioned name.
if ! command -v wasm-ld >/dev/null; then
  mkdir -p .cache/wasm-ld && ln -sf "$(command -v wasm-ld-16)" .cache/wasm-ld/wasm-ld
  PATH="$PWD/.cache/wasm-ld:$PATH"
fi
OBJDUMP="${OBJDUMP:-llvm-objdump-16}"
command -v "$OBJDUMP" >/dev/null || { echo "build-wasm: $OBJDUMP not found (it ships with llvm-16)" >&2; exit 1; }
SOURCES="wasm/src/kernels.c wasm/src/skinny.c wasm/src/elementwise.c wasm/src/train.c"
COMMON="--target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -nostdlib -ffreestanding -Wall -Wextra -Werror"
LINK="-Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--initial-memory=131072 -Wl,--max-memory=4294967296 -Wl,--export=__heap_base"
for flavour in simd relaxed; do
  extra=""
  [ "$flavour" = relaxed ] && extra="-mrelaxed-simd -DT1_RELAXED"
  # Every worker instance would start its C stack at the same address, so the kernels must not
  # use the stack at all: check the object code before linking.
  for src in $SOURCES; do
    "$CC" $COMMON $extra -c -o "wasm/check-$flavour.o" "$src"
    if "$OBJDUMP" -d "wasm/check-$flavour.o" | grep -q __stack_pointer; then
      echo "build-wasm: $src ($flavour) uses the C stack, which is unsafe with shared-memory workers" >&2
      rm -f "wasm/check-$flavour.o"; exit 1
    fi
    rm -f "wasm/check-$flavour.o"
  done
  "$CC" $COMMON $extra $LINK -o "wasm/kernels-$flavour.wasm.tmp" $SOURCES
  mv "wasm/kernels-$flavour.wasm.tmp" "wasm/kernels-$flavour.wasm"
  echo "build-wasm: wasm/kernels-$flavour.wasm ($(wc -c < "wasm/kernels-$flavour.wasm") bytes)"
done
