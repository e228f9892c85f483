#!/usr/bin/env bash
# Checks that no two top-level modules of a crate import each other, directly
# or around a loop. Module `m` (src/m.rs and src/m/) depends on `n` when its
# code names `crate::n` (or, in src/m.rs, `super::n`; in src/m/*.rs,
# `super::super::n`); `tsort` (coreutils) finds a loop in those edges.
# Prints each crate's loop and exits 1 if there is one. No tool to install:
# run it by hand, or from CI.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."

status=0
for src in */src; do
  edges=$(
    for file in "$src"/*.rs; do
      module=$(basename "$file" .rs)
      case $module in lib | main) continue ;; esac
      paths=("$file")
      [ -d "$src/$module" ] && paths+=("$src/$module")
      {
        grep -rhoE 'crate::[a-z_][a-z0-9_]*' "${paths[@]}"
        grep -hoE '(^|[^:])super::[a-z_][a-z0-9_]*' "$file" | sed 's/.*super::/crate::/'
        [ -d "$src/$module" ] && grep -hoE 'super::super::[a-z_][a-z0-9_]*' "$src/$module"/*.rs |
          sed 's/.*super::/crate::/'
      } | sort -u | sed "s/^crate::/$module /" | awk '$1 != $2'
    done
  )
  if ! loop=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null); then
    echo "${src%/src}: modules import each other:"
    echo "$loop" | grep -v '^tsort: -: input contains a loop:$' | sed 's/^tsort: /  /'
    status=1
  fi
done
exit $status
