#!/bin/sh
# Start Asterisk with the project's configuration from asterisk_conf/ (mounted read-only at
# /opt/callcenter/asterisk_conf). The image's own defaults (modules.conf, logger.conf…) stay;
# our files replace theirs by name. asterisk_conf/ holds no secrets, only CHANGE_ME
# placeholders and single-host defaults: this script fills them from the environment for
# the compose network, and refuses to start while any CHANGE_ME is left.
set -eu

# ASTERISK_CONF_SRC / ASTERISK_CONF_DST / ASTERISK_BIN exist for the tests only.
SRC=${ASTERISK_CONF_SRC:-/opt/callcenter/asterisk_conf}
DST=${ASTERISK_CONF_DST:-/etc/asterisk}

# This container's address on the compose network: AMI listens there, not on 0.0.0.0.
: "${AMI_BINDADDR:=$(hostname -i 2>/dev/null | awk '{print $1}')}"
: "${AMI_PERMIT:=172.16.0.0/12}"
: "${FASTAGI_HOST:=fastagi}"
: "${FAX_SPOOL:=/var/spool/callcenter/fax}"
: "${RECORDINGS_PATH:=/var/spool/callcenter/recordings}"

escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# set_line FILE REGEX VALUE: replace what follows "key =" on lines matching REGEX.
set_line() {
    [ -f "$1" ] || return 0
    sed -i -E "s|^($2[[:space:]]*=[[:space:]]*)[^;]*|\\1$(escape "$3") |" "$1"
}

# fill FILE PLACEHOLDER VALUE: replace a CHANGE_ME placeholder wherever it appears.
fill() {
    [ -f "$1" ] || return 0
    [ -n "$3" ] || return 0
    sed -i "s|$2|$(escape "$3")|g" "$1"
}

mkdir -p "$DST"
for file in "$SRC"/*.conf; do
    [ -e "$file" ] || continue
    cp "$file" "$DST/$(basename "$file")"
done

M="$DST/manager.conf"
fill "$M" "CHANGE-ME-AT-DEPLOY" "${AMI_SECRET:-}"
set_line "$M" "bindaddr" "$AMI_BINDADDR"
set_line "$M" "permit" "$AMI_PERMIT"
if [ -n "${AMI_USERNAME:-}" ] && [ "$AMI_USERNAME" != callcenter ]; then
    sed -i "s|^\[callcenter\]|[$(escape "$AMI_USERNAME")]|" "$M"
fi

P="$DST/pjsip.conf"
if [ -f "$P" ]; then
    for ext in $(grep -o 'CHANGE_ME_[0-9][0-9]*' "$P" | sort -u | sed 's/CHANGE_ME_//'); do
        # SIP_SECRET_8001 for one phone, else SIP_AGENT_SECRET for all of them.
        value=$(printenv "SIP_SECRET_$ext" || printenv SIP_AGENT_SECRET || true)
        fill "$P" "CHANGE_ME_$ext\\b" "$value"
    done
    fill "$P" "CHANGE_ME_CARRIER_DOMAIN" "${SIP_TRUNK_HOST:-}"
    fill "$P" "CHANGE_ME_CARRIER_HOST" "${SIP_TRUNK_HOST:-}"
    fill "$P" "CHANGE_ME_TRUNK_USER" "${SIP_TRUNK_USERNAME:-}"
    fill "$P" "CHANGE_ME_TRUNK_PASSWORD" "${SIP_TRUNK_SECRET:-}"
fi

E="$DST/extensions.conf"
set_line "$E" "IVR_HOST" "$FASTAGI_HOST:4573"
set_line "$E" "FAX_SPOOL" "$FAX_SPOOL"
set_line "$E" "RECORDINGS" "$RECORDINGS_PATH"

# Comments (after ";") may mention placeholders; settings may not keep one.
left=$(sed 's/;.*//' "$DST"/*.conf | grep -o 'CHANGE[-_]ME[A-Z0-9_-]*' | sort -u || true)
if [ -n "$left" ]; then
    echo "entrypoint: placeholders left unfilled (set their variables in .env):" >&2
    echo "$left" >&2
    exit 1
fi
chmod 640 "$DST"/*.conf
chown -R asterisk:asterisk "$DST" /var/spool/asterisk /var/lib/asterisk 2>/dev/null || true
mkdir -p "$FAX_SPOOL" "$RECORDINGS_PATH" 2>/dev/null || true

# -f: foreground (the container's main process); -U/-G: drop root after binding ports.
exec "${ASTERISK_BIN:-asterisk}" -f -U asterisk -G asterisk -vvv
