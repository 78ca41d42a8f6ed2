#!/usr/bin/env bash
# The firmware checks, as named steps: run from anywhere as `bash firmware/ci.sh`.
#
# 1. firmware/qemu: builds the two-stack firmware and runs it on QEMU's
#    mps2-an386 (Cortex-M4F); its semihosting exit status is the verdict.
# 2. firmware/nucleo-f767zi: builds `lamina` and `bare` in release (no
#    logging) and prints their sizes: flash (vector_table + text + rodata +
#    data), static RAM (data + bss + uninit), and lamina's cost over bare.
#
# It installs what is missing (the thumbv7em-none-eabihf target, Debian's
# qemu-system-arm and binutils-arm-none-eabi). Each firmware is its own cargo
# workspace with its own Cargo.lock and target directory: with
# CARGO_TARGET_DIR set, "$CARGO_TARGET_DIR/fw-qemu" and
# "$CARGO_TARGET_DIR/fw-nucleo-f767zi"; otherwise each crate's target/.
set -euo pipefail
cd "$(dirname "$0")"
FIRMWARE="$PWD"

TARGET=thumbv7em-none-eabihf
# A wedged firmware fails on its own virtual-time bound; this only catches
# an emulator that stops making progress at all.
QEMU_WALL_LIMIT="${QEMU_WALL_LIMIT:-300}"
START=$(date +%s)

step() { printf '\n=== %s (t=%ss)\n' "$1" "$(($(date +%s) - START))"; }

target_dir() {
  if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    echo "$CARGO_TARGET_DIR/$1"
  else
    echo "$FIRMWARE/$2/target"
  fi
}
QEMU_TARGET_DIR=$(target_dir fw-qemu qemu)
NUCLEO_TARGET_DIR=$(target_dir fw-nucleo-f767zi nucleo-f767zi)

step "setup: the $TARGET target, qemu-system-arm, arm-none-eabi binutils"
rustup target add "$TARGET"
missing=()
command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm)
command -v arm-none-eabi-size >/dev/null || missing+=(binutils-arm-none-eabi)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
qemu-system-arm --version | head -n 1

step "qemu: build (release)"
(cd qemu && CARGO_TARGET_DIR="$QEMU_TARGET_DIR" cargo build --release)

step "qemu: run on mps2-an386 (two embassy-net stacks, lamina_demo served through lamina-embassy)"
# The same command as the cargo runner in qemu/.cargo/config.toml.
qemu_status=0
timeout "$QEMU_WALL_LIMIT" qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none \
  -serial none -semihosting-config enable=on,target=native -icount shift=auto,sleep=off \
  -kernel "$QEMU_TARGET_DIR/$TARGET/release/lamina-fw-qemu" || qemu_status=$?
if [ "$qemu_status" -ne 0 ]; then
  echo "qemu firmware FAILED (exit status $qemu_status)"
  exit 1
fi
echo "qemu firmware passed (exit status 0)"

step "nucleo-f767zi: build lamina and bare (release, no logging)"
(cd nucleo-f767zi && CARGO_TARGET_DIR="$NUCLEO_TARGET_DIR" cargo build --release --bins)

step "nucleo-f767zi: sizes"
ELF_DIR="$NUCLEO_TARGET_DIR/$TARGET/release"
# Prints "flash ram" of an ELF from its section sizes.
flash_and_ram() {
  arm-none-eabi-size -A "$1" | awk '
    $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" { flash += $2 }
    $1 == ".data" { flash += $2; ram += $2 }
    $1 == ".bss" || $1 == ".uninit" { ram += $2 }
    END { print flash + 0, ram + 0 }'
}
for bin in lamina bare; do
  echo "--- $bin"
  arm-none-eabi-size -A "$ELF_DIR/$bin" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit) '
done
read -r lamina_flash lamina_ram < <(flash_and_ram "$ELF_DIR/lamina")
read -r bare_flash bare_ram < <(flash_and_ram "$ELF_DIR/bare")
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
echo
printf '| %-14s | %22s | %22s |\n' "binary" "flash (B)" "static RAM (B)"
printf '|%s|%s|%s|\n' "----------------" "------------------------" "------------------------"
printf '| %-14s | %8d (%11s) | %8d (%11s) |\n' lamina "$lamina_flash" "$(kib "$lamina_flash")" "$lamina_ram" "$(kib "$lamina_ram")"
printf '| %-14s | %8d (%11s) | %8d (%11s) |\n' bare "$bare_flash" "$(kib "$bare_flash")" "$bare_ram" "$(kib "$bare_ram")"
printf '| %-14s | %+8d (%11s) | %+8d (%11s) |\n' "lamina - bare" "$((lamina_flash - bare_flash))" \
  "$(kib $((lamina_flash - bare_flash)))" "$((lamina_ram - bare_ram))" "$(kib $((lamina_ram - bare_ram)))"
echo
# The goals are reported, not enforced: see benches/README.md.
verdict() { if [ "$1" -le "$2" ]; then echo "met"; else echo "NOT met"; fi; }
echo "goal: lamina's own flash over bare <= 16 KiB: $(kib $((lamina_flash - bare_flash))) ($(verdict $((lamina_flash - bare_flash)) 16384))"
echo "goal: static RAM with 4 connections <= 32 KiB: $(kib "$lamina_ram") ($(verdict "$lamina_ram" 32768))"
echo
echo "largest statics in lamina (bytes, symbol):"
arm-none-eabi-nm --size-sort -S -C "$ELF_DIR/lamina" | awk '$3 ~ /^[bBdD]$/' | tail -n 5 |
  while read -r _ size _ name; do printf '%8d  %s\n' "$((16#$size))" "$name"; done

step "done"
