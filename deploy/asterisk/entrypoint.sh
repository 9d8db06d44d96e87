#!/bin/sh
# Start Asterisk with the project's configuration from asterisk_conf/ (mounted read-only at
# /opt/callcenter/asterisk_conf). The image's own defaults (modules.conf, logger.conf…) stay;
# our files replace theirs by name. Secrets are never in git: every @NAME@ placeholder listed
# below is replaced with the environment variable of that name at start-up.
set -eu

# ASTERISK_CONF_SRC / ASTERISK_CONF_DST / ASTERISK_BIN exist for the tests only.
SRC=${ASTERISK_CONF_SRC:-/opt/callcenter/asterisk_conf}
DST=${ASTERISK_CONF_DST:-/etc/asterisk}
PLACEHOLDERS="AMI_USERNAME AMI_SECRET AMI_PERMIT FASTAGI_HOST FAX_SPOOL \
SIP_TRUNK_HOST SIP_TRUNK_USERNAME SIP_TRUNK_SECRET SIP_AGENT_SECRET"

for file in "$SRC"/*.conf; do
    [ -e "$file" ] || continue
    name=$(basename "$file")
    cp "$file" "$DST/$name.tmp"
    for var in $PLACEHOLDERS; do
        value=$(printenv "$var" || true)
        # Escape sed's special characters in the value (| is the delimiter).
        escaped=$(printf '%s' "$value" | sed -e 's/[\\|&]/\\&/g')
        sed -i "s|@$var@|$escaped|g" "$DST/$name.tmp"
    done
    if grep -q '@[A-Z_]*@' "$DST/$name.tmp"; then
        echo "entrypoint: unreplaced placeholder in $name:" >&2
        grep -o '@[A-Z_]*@' "$DST/$name.tmp" | sort -u >&2
        exit 1
    fi
    chmod 640 "$DST/$name.tmp"
    mv "$DST/$name.tmp" "$DST/$name"
done
chown -R asterisk:asterisk "$DST" /var/spool/asterisk /var/lib/asterisk 2>/dev/null || true

# -f: foreground (the container's main process); -U/-G: drop root after binding ports.
exec "${ASTERISK_BIN:-asterisk}" -f -U asterisk -G asterisk -vvv
