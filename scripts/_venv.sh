# Shared by run.sh and test.sh: find Python >= 3.12 and keep .venv in step with requirements.
# Usage: source scripts/_venv.sh <requirements file>

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.14 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        local version
        for version in $(pyenv versions --bare 2>/dev/null | sort -rV); do
            case "$version" in
                3.1[2-9]*)
                    PYENV_VERSION="$version" pyenv which python3 2>/dev/null && return 0 ;;
            esac
        done
    fi
    return 1
}

ensure_venv() {
    local requirements="$1"
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
        local python
        if ! python=$(find_python); then
            echo "ECMO Dispatch needs Python 3.12 or newer (Django 6). Install python3.12 or python3.13" >&2
            echo "(Debian/Ubuntu: apt-get install python3.13 python3.13-venv; or pyenv install 3.13)." >&2
            exit 1
        fi
        echo "Creating .venv with $python"
        rm -rf .venv
        "$python" -m venv .venv
    fi
    # Reinstall only when the requirement files changed.
    # One stamp per requirements file, so run and test do not reinstall each other's set.
    local stamp=".venv/.stamp-${requirements%.txt}"
    local digest
    digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
        echo "Installing $requirements into .venv"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements" 2>&1 |
            grep -v "^WARNING: Location" || true
        .venv/bin/python -c 'import django, channels, celery, rest_framework' || {
            echo "Installing requirements failed" >&2
            exit 1
        }
        echo "$digest" >"$stamp"
    fi
}

# WeasyPrint (the mission record's PDF) needs Pango, HarfBuzz's subsetter and a font with
# Slovene letters from Debian; installed like chromium when `import weasyprint` fails.
# ensure_pdf_libraries [required]: the tests need the PDF; the service runs without it (the
# record's PDF link then answers 503 and the page still prints), so paging never waits on fonts.
ensure_pdf_libraries() {
    .venv/bin/python -c 'import weasyprint' >/dev/null 2>&1 && return 0
    echo "Installing Debian's Pango, HarfBuzz and DejaVu fonts for WeasyPrint (the mission record's PDF)"
    local sudo=""
    [ "$(id -u)" = 0 ] || ! command -v sudo >/dev/null || sudo=sudo
    { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; } || true
    .venv/bin/python -c 'import weasyprint' >/dev/null 2>&1 && return 0
    if [ "${1:-}" = required ]; then
        echo "WeasyPrint cannot load its libraries" >&2
        exit 1
    fi
    echo "WARNING: WeasyPrint cannot load its libraries: mission records print from the browser, no PDF" >&2
}
