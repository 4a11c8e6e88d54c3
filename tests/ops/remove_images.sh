#!/usr/bin/env bash
# Removes the images build_images.sh made (listed in MADE_FILE), and their
# build stages.
#   remove_images.sh MADE_FILE
made=$1
[[ -f $made ]] || exit 0
while read -r image; do
  [[ -n $image ]] || continue
  podman images -q --filter "label=sts.test=$image" | xargs -r podman rmi -f >/dev/null 2>&1 || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
done < <(tac "$made")
while read -r image; do podman image prune -f --filter "label=sts.test=$image" >/dev/null 2>&1 || true; done < "$made"
rm -f "$made"
