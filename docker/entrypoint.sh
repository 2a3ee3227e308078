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

# The seed index describes the image's corpus; a mounted /app/corpus may hold other articles. The bot runs the
# incremental build itself at start-up (progress in its log); a one-off question or stats gets it here, so that
# it never answers from the seed while the mounted articles go unindexed. Nothing to do takes about a second.
case "$*" in
    "python -m index ask"* | "python -m index stats"*)
        python -m index build >&2 || echo "entrypoint: the index could not be brought up to date (above);" \
            "answering from the one there is" >&2 ;;
esac

exec "$@"
