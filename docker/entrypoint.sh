#!/bin/sh
# Container entrypoint: make sure an index is where INDEX_DIR says, then run the command (the bot by default).
#
# The image carries an index of its default corpus in SEED_INDEX_DIR, outside the /app/data volume. A new named
# volume gets a copy of /app/data from the image anyway, but a bind mount or an old, empty volume does not: so
# when INDEX_DIR has no index yet, the seed is copied in. An index already there (e.g. one rebuilt from another
# corpus with `python -m index build`) is never touched.
set -eu

index_dir=${INDEX_DIR:-/app/data/index}
seed_dir=${SEED_INDEX_DIR:-/app/seed/index}

if [ ! -e "$index_dir/current" ] && [ -e "$seed_dir/current" ]; then
    if ! mkdir -p "$index_dir" 2>/dev/null || [ ! -w "$index_dir" ]; then
        echo "entrypoint: $index_dir is not writable by uid $(id -u); give the data volume to that user" \
            "(e.g. chown -R $(id -u):$(id -g) on the host folder) or run with --user" >&2
        exit 1
    fi
    echo "entrypoint: no index in $index_dir; copying the one built into the image" >&2
    # cp -a keeps the `current` symlink pointing at its generation folder.
    cp -a "$seed_dir"/. "$index_dir"/
fi

exec "$@"
