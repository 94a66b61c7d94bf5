"""Prints the repository's plugins.yaml as the Debian package installs it: the example plugin's entry
left out (it is not built into the package), and the paths that pointed into a checkout pointed at
the package's files. Fails if a line it rewrites is no longer there, so the two cannot drift apart."""
import re
import sys

text = open(sys.argv[1]).read()
replacements = [
    ('helper_dir: "${UVW_CONFIG_DIR}/Plugins/script/python"', 'helper_dir: "/usr/share/uvian-worker/python"'),
    ('scripts_dir: "${SCRIPTS_DIR:-${UVW_CONFIG_DIR}/scripts}"', 'scripts_dir: "${SCRIPTS_DIR:-/usr/share/uvian-worker/scripts}"'),
    ("(.build/debug for make run)", "(/usr/lib/uvian-worker for the package)"),
]
for old, new in replacements:
    if old not in text:
        sys.exit(f"packaged_plugins_yaml: {old!r} is not in {sys.argv[1]}")
    text = text.replace(old, new)
# An entry runs from its `  - name:` line to the next one.
example = re.compile(r"(?ms)^  - name: hello-c\b.*?(?=^  - name: )")
if not example.search(text):
    sys.exit("packaged_plugins_yaml: no hello-c entry to leave out")
text = example.sub("", text)
sys.stdout.write("# Installed by the uvian-worker package; `systemctl reload uvian-worker` re-reads it, and the\n"
                 "# variables it names come from /etc/uvian-worker/env.\n" + text)
